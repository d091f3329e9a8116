//! Everything that can go wrong with a sandboxed call, as values.

use std::time::Duration;

use crate::host::limits::Limit;
use crate::transport::wire::ReplyError;

/// A sandboxed call that did not produce a value.
///
/// Text fields that came from the worker (`stderr_tail`, panic messages) are untrusted:
/// bounded, lossily decoded and with control characters escaped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The worker died from a signal while running `function`.
    #[error("`{function}`: worker {pid} killed by {signal_name}{}", describe(.detail, *.signal))]
    Crashed {
        /// The isolated function that was running.
        function: &'static str,
        /// The worker's process id.
        pid: u32,
        /// The signal number.
        signal: i32,
        /// Its name (`SIGSEGV`, …).
        signal_name: String,
        /// What the worker's standard error claims caused it (`"stack overflow"`, `"memory
        /// allocation failed"`), if anything. The worker wrote that text, so this is its own
        /// account, not a finding: the signal is the kernel's.
        detail: Option<String>,
        /// The end of the worker's standard error.
        stderr_tail: String,
    },
    /// The worker ran into a resource limit while running `function`. Named from the kernel's
    /// report (the signal the limit sends, or the CPU time `wait4` accounts); for
    /// [`Limit::Memory`] see that variant.
    #[error("`{function}`: worker {pid} exceeded its {limit} limit")]
    ResourceLimit {
        /// The isolated function that was running.
        function: &'static str,
        /// The worker's process id.
        pid: u32,
        /// Which limit.
        limit: Limit,
        /// The end of the worker's standard error.
        stderr_tail: String,
    },
    /// The worker exited on its own (the C library called `exit`).
    #[error("`{function}`: worker {pid} exited with status {code}")]
    Exited {
        /// The isolated function that was running.
        function: &'static str,
        /// The worker's process id.
        pid: u32,
        /// The exit status.
        code: i32,
        /// The end of the worker's standard error.
        stderr_tail: String,
    },
    /// The call did not finish within its deadline; the worker was killed.
    #[error("`{function}`: no reply within {}; worker {pid} killed", shown(*.deadline))]
    Timeout {
        /// The isolated function that was running.
        function: &'static str,
        /// The worker's process id.
        pid: u32,
        /// The deadline that passed.
        deadline: Duration,
    },
    /// The worker answered, but not with a valid reply; it was killed and will be replaced.
    #[error("`{function}`: {source}")]
    Reply {
        /// The isolated function that was called.
        function: &'static str,
        /// What was wrong.
        #[source]
        source: ReplyError,
    },
    /// The arguments do not fit in the request arena.
    #[error("`{function}`: arguments need {needed} bytes; the request arena holds {capacity}")]
    ArgumentsTooLarge {
        /// The isolated function being called.
        function: &'static str,
        /// Bytes the encoded arguments need.
        needed: usize,
        /// The request arena's size.
        capacity: usize,
    },
    /// The arguments' `Serialize` implementation failed.
    #[error("`{function}`: cannot encode the arguments: {message}")]
    Encode {
        /// The isolated function being called.
        function: &'static str,
        /// The serializer's message.
        message: String,
    },
    /// A file passed in the arguments could not be handed to the worker: more than
    /// [`MAX_FILES_PER_CALL`](crate::files::MAX_FILES_PER_CALL) (refused before the worker saw
    /// the call), the send failed (the worker is replaced), or the worker already holds
    /// [`MAX_OPEN_FILES`](crate::files::MAX_OPEN_FILES) (it refused the call and serves on).
    #[error("`{function}`: {source}")]
    File {
        /// The isolated function being called.
        function: &'static str,
        /// What went wrong.
        #[source]
        source: crate::files::FileError,
    },
    /// A callback of the call failed on the host: its handler panicked (the worker was told,
    /// finished its call and serves on), or the call made more callbacks than its bound (the
    /// worker is replaced).
    #[error("`{function}`: {source}")]
    Callback {
        /// The isolated function being called.
        function: &'static str,
        /// What went wrong.
        #[source]
        source: crate::callbacks::CallbackError,
    },
    /// A worker could not be started.
    #[error("cannot start a worker: {reason}")]
    Spawn {
        /// What failed.
        reason: String,
        /// The underlying OS error, if any.
        #[source]
        source: Option<std::io::Error>,
    },
    /// The policy requires a confinement layer the worker could not put in force; the sandbox
    /// refuses to run calls rather than run them less confined than asked.
    #[error("confinement refused: {reason} (required: {required}; in force: {in_force})")]
    Confinement {
        /// Which layer failed and why.
        reason: String,
        /// The layers the policy requires.
        required: crate::Layers,
        /// The layers the worker reported in force.
        in_force: crate::Layers,
    },
    /// The worker made a syscall outside its policy and the policy says to kill it
    /// ([`crate::OnViolation::Kill`]).
    #[error("`{function}`: worker {pid} killed for a syscall outside its policy: {call}")]
    PolicyViolation {
        /// The isolated function being called.
        function: &'static str,
        /// The worker's process id.
        pid: u32,
        /// The blocked call, as the listener reported it.
        call: Box<crate::BlockedCall>,
    },
    /// The worker was killed with `SIGSYS` by its seccomp filter for a syscall the filter
    /// refused without a report: on x86_64 with a listener, a syscall through another ABI
    /// (`int 0x80`, the 32-bit one), which the filter's architecture check kills before any
    /// notification is possible; without a listener and with [`crate::OnViolation::Kill`], any
    /// call outside the policy. The call is also recorded in [`crate::Sandbox::blocked_calls`]
    /// (verdict [`crate::Verdict::Killed`]). The wait status cannot tell this from a worker that
    /// raised `SIGSYS` itself: only workers whose seccomp filter was in force are reported this
    /// way.
    #[error("`{function}`: worker {pid} killed by SIGSYS from its seccomp filter: {call}")]
    FilterKilled {
        /// The isolated function being called.
        function: &'static str,
        /// The worker's process id.
        pid: u32,
        /// The refused call as far as it is known (its number and arguments are not).
        call: Box<crate::BlockedCall>,
    },
    /// No worker became free within the call's deadline.
    #[error("`{function}`: no worker free within {deadline:?}")]
    Busy {
        /// The isolated function being called.
        function: &'static str,
        /// The deadline that passed.
        deadline: Duration,
    },
    /// The session ended earlier — its worker died, missed a deadline, panicked or sent a
    /// reply that did not decode, or the session was ended — and its state went with it.
    #[error("the session has ended: {cause}")]
    SessionEnded {
        /// The failure that ended it (escaped where the worker wrote it).
        cause: String,
    },
    /// This process was started as a sandbox worker but `ffiguard_sandbox::init()` did not run
    /// first; it refuses to start workers of its own (that would recurse).
    #[error("this process is a sandbox worker: call ffiguard_sandbox::init() at the top of main")]
    NotInitialized,
}

/// A deadline as people write it: `2 s`, `250 ms`, `1.5 s`.
fn shown(deadline: Duration) -> String {
    if deadline.subsec_nanos() == 0 {
        format!("{} s", deadline.as_secs())
    } else if deadline < Duration::from_secs(1) && deadline.subsec_nanos().is_multiple_of(1_000_000)
    {
        format!("{} ms", deadline.as_millis())
    } else {
        format!("{deadline:?}")
    }
}

/// What the worker claimed, or else what the signal means.
fn describe(detail: &Option<String>, signal: i32) -> String {
    match (detail, crate::host::limits::signal_meaning(signal)) {
        (Some(claim), _) => format!(" (its standard error claims: {claim})"),
        (None, Some(meaning)) => format!(" ({meaning})"),
        (None, None) => String::new(),
    }
}

impl SandboxError {
    /// Whether the worker that served the call is gone (and a fresh one will serve the next).
    pub fn worker_replaced(&self) -> bool {
        matches!(
            self,
            SandboxError::Crashed { .. }
                | SandboxError::PolicyViolation { .. }
                | SandboxError::FilterKilled { .. }
                | SandboxError::ResourceLimit { .. }
                | SandboxError::Exited { .. }
                | SandboxError::Timeout { .. }
                | SandboxError::Reply { .. }
                | SandboxError::File {
                    source: crate::files::FileError::Send(_),
                    ..
                }
                | SandboxError::Callback {
                    source: crate::callbacks::CallbackError::TooMany { .. },
                    ..
                }
        )
    }
}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn a_crash_without_the_workers_word_says_what_the_signal_means() {
        let crash = |detail: Option<&str>| SandboxError::Crashed {
            function: "f",
            pid: 7,
            signal: libc::SIGSEGV,
            signal_name: "SIGSEGV".into(),
            detail: detail.map(str::to_owned),
            stderr_tail: String::new(),
        };
        assert_eq!(
            crash(None).to_string(),
            "`f`: worker 7 killed by SIGSEGV (invalid memory access)"
        );
        let timeout = |deadline| SandboxError::Timeout {
            function: "f",
            pid: 7,
            deadline,
        };
        assert_eq!(
            timeout(Duration::from_secs(2)).to_string(),
            "`f`: no reply within 2 s; worker 7 killed"
        );
        assert_eq!(
            timeout(Duration::from_millis(250)).to_string(),
            "`f`: no reply within 250 ms; worker 7 killed"
        );
        assert_eq!(
            crash(Some("stack overflow")).to_string(),
            "`f`: worker 7 killed by SIGSEGV (its standard error claims: stack overflow)"
        );
    }
}
