//! Compiles the malicious C library.

fn main() {
    println!("cargo:rerun-if-changed=c/attacks.c");
    println!("cargo:rerun-if-changed=c/lifecycle.c");
    println!("cargo:rerun-if-changed=c/policy.c");
    cc::Build::new()
        .file("c/attacks.c")
        .warnings(true)
        .compile("hostile_attacks");
    cc::Build::new()
        .file("c/lifecycle.c")
        .warnings(true)
        .compile("hostile_lifecycle");
    cc::Build::new()
        .file("c/policy.c")
        .warnings(true)
        .compile("hostile_policy");
}
