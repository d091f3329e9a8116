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
