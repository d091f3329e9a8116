//! Compiles the malicious C library.

fn main() {
    println!("cargo:rerun-if-changed=c/attacks.c");
    cc::Build::new()
        .file("c/attacks.c")
        .warnings(true)
        .compile("hostile_attacks");
}
