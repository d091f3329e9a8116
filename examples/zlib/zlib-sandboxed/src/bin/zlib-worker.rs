//! The dedicated worker binary: it carries zlib and the isolated functions and nothing of the
//! host program, so a compromised zlib lands in a process with no host code or data mapped.
//!
//! Hosts select it with `Sandbox::builder().worker_binary(path)`; run by hand, it refuses.

fn main() {
    ffiguard_sandbox::init();
    // Keep the registry entries linked even though nothing here calls them.
    std::hint::black_box(zlib_sandboxed::inflate as fn(_, _) -> _);
    std::hint::black_box(zlib_sandboxed::deflate as fn(_, _) -> _);
    eprintln!("zlib-worker only runs as an ffiguard-sandbox worker");
    std::process::exit(2);
}
