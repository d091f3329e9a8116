//! Learning mode: run a workload with everything allowed and logged, then print the calls
//! outside `pure_compute` and the policy they suggest (`cargo run -p hostile --example learn`).
//!
//! The workload reads a file and forks: the suggestion allows reading that file; the fork
//! cannot be allowed by any policy and is left out.

use ffiguard_sandbox::{Policy, Sandbox};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    ffiguard_sandbox::init();
    let sandbox = Sandbox::builder().policy(Policy::learning()).build()?;
    let (read, _) = hostile::read_file::call(&sandbox, "/etc/hostname".into(), 64)?
        .trust_unverified("printed only");
    let forked = hostile::fork_child::call(&sandbox)?.trust_unverified("printed only");
    println!("read: {read}, fork: {forked}");
    println!("calls outside pure_compute:");
    for call in sandbox.blocked_calls() {
        println!("  {call}");
    }
    println!("\nsuggested:\n{}", sandbox.suggested_policy());
    Ok(())
}
