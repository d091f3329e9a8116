//! Attacks on how the host watches and ends its worker (`c/lifecycle.c`), for the `lifecycle`
//! integration test.

use std::ffi::c_long;

use ffiguard_sandbox::isolated;

mod ffi {
    use std::ffi::c_long;

    unsafe extern "C" {
        pub(crate) fn hostile_int80_getpid() -> c_long;
    }
}

/// Calls `getpid` through the 32-bit syscall ABI (`int $0x80`): the worker's pid when nothing
/// stops it; a seccomp filter for x86_64 kills the worker with `SIGSYS` before it can report.
#[isolated]
pub fn int80_getpid() -> c_long {
    // SAFETY: the C function takes no arguments and touches no memory of ours; the 32-bit
    // getpid it makes reads nothing from user space either.
    unsafe { ffi::hostile_int80_getpid() }
}
