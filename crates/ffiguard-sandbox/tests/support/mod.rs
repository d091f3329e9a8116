//! The runner for test binaries that re-execute themselves as sandbox workers (`harness =
//! false`): the crate's own [`ffiguard_sandbox::testing`].

pub(crate) use ffiguard_sandbox::testing::run;

/// Whether process `pid` has ended: gone from `/proc`, or a zombie waiting for its new parent
/// to reap it (dead too).
#[allow(dead_code)] // Not every suite looks at processes.
pub(crate) fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// Writes to an aligned, non-null address in the never-mapped first page: a genuine invalid
/// write, which kills the process with SIGSEGV.
#[allow(dead_code)] // Not every suite crashes workers.
pub(crate) fn write_to_unmapped_page() {
    let address = std::hint::black_box(16usize) as *mut u64;
    // SAFETY: deliberately violated — this write faults, which is what the callers want.
    unsafe { address.write_volatile(1) };
}
