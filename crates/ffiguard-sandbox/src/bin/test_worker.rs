//! A dedicated worker binary for the crate's own tests: it carries only the test-hook isolated
//! functions, and does nothing unless started as a worker.

fn main() {
    ffiguard_sandbox::init();
    // Keep the registry entries of the test hooks linked in.
    std::hint::black_box(ffiguard_sandbox::test_hooks::worker_identity as fn() -> (String, u32));
    eprintln!("this binary only runs as an ffiguard-sandbox worker");
    std::process::exit(2);
}
