//! Blocked-call events: what the host learned from the seccomp listener about a call outside
//! the policy, kept in a bounded ring and emitted as `tracing` events.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::text::escape;

/// What the host did with a call outside the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Verdict {
    /// The call failed: with `EPERM`, or `EACCES` for a path the filesystem broker refused.
    Denied,
    /// The worker was killed.
    Killed,
    /// Learning mode: the call went ahead.
    Allowed,
}

/// Why the filesystem broker refused a path (see [`crate::Policy::allow_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Refusal {
    /// The path is not beneath any of the policy's read-only paths.
    OutsideAllowedPaths,
    /// The call asked to write, create or truncate: policies grant reading only.
    WriteAccess,
    /// The path starts beneath an allowed path but leaves it through `..` or a symbolic link.
    Escape,
    /// The path leads to a file whose content depends on who opens it (procfs, sysfs and
    /// other pseudo-filesystems, devices other than `/dev/null`, `/dev/zero`, `/dev/full`,
    /// `/dev/random` and `/dev/urandom`): the host, which opens files for the worker, would
    /// hand over its own view.
    PseudoFile,
    /// The path is relative to a descriptor the broker did not hand out (or to a working
    /// directory it no longer knows), so the host cannot tell what it names.
    UnknownDescriptor,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OutsideAllowedPaths => "outside the allowed paths",
            Self::WriteAccess => "write access",
            Self::Escape => "leaves the allowed paths through .. or a symbolic link",
            Self::PseudoFile => "a pseudo-filesystem or device file, which depends on who opens it",
            Self::UnknownDescriptor => "relative to a descriptor the broker did not hand out",
        })
    }
}

/// One syscall the worker made outside its policy.
///
/// The decoded `detail` (a path, an address, a program) was read from the worker's memory
/// while the call was blocked; a second thread of the worker could have changed it in between,
/// so for most calls it is for reporting only and never decides anything. The exception is
/// the filesystem broker (policies with read-only paths): there the host decides on, and
/// opens, exactly the path it reports, so the report and the decision cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedCall {
    /// The worker's process id.
    pub pid: u32,
    /// The syscall's name (`"nr <n>"` when this architecture's table does not know it).
    pub syscall: String,
    /// The raw syscall number.
    pub nr: i64,
    /// The raw arguments.
    pub args: [u64; 6],
    /// The decoded meaningful argument, if any: `openat`'s path, `connect`'s address,
    /// `execve`'s program. Read from the worker's memory, so the sandbox's log holds it with
    /// control characters, line breaks and bidi controls escaped (`\n`, `\u{1b}`): a path
    /// cannot forge a log line or drive a terminal. (`Display` escapes it again, so a
    /// `BlockedCall` built elsewhere is shown safely too.)
    pub detail: Option<String>,
    /// For a filesystem call the broker refused: why. `detail` then holds the path the
    /// host decided on (absolute, resolved against the worker's working directory), taken
    /// from the host's own copy, which is also the copy it acted on.
    pub reason: Option<Refusal>,
    /// What the host did.
    pub verdict: Verdict,
}

impl fmt::Display for BlockedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "worker {}: {}", self.pid, escape(&self.syscall))?;
        if let Some(detail) = &self.detail {
            write!(f, " {}", escape(detail))?;
        }
        if let Some(reason) = &self.reason {
            write!(f, " ({reason})")?;
        }
        write!(f, " -> {:?}", self.verdict)
    }
}

/// The most blocked calls a sandbox keeps.
const CAPACITY: usize = 4096;

/// The shared, bounded record of blocked calls of one sandbox's workers.
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockedLog(Arc<Mutex<VecDeque<BlockedCall>>>);

impl BlockedLog {
    /// Records a blocked call. The one way blocked calls enter the log and the `tracing`
    /// stream, so worker-written text is escaped here, once, for every reader.
    pub(crate) fn push(&self, mut call: BlockedCall) {
        if let Cow::Owned(escaped) = escape(&call.syscall) {
            call.syscall = escaped;
        }
        if let Some(Cow::Owned(escaped)) = call.detail.as_deref().map(escape) {
            call.detail = Some(escaped);
        }
        tracing::warn!(
            target: "ffiguard_sandbox::blocked",
            pid = call.pid,
            syscall = %call.syscall,
            detail = call.detail.as_deref().unwrap_or(""),
            reason = call.reason.map(|reason| reason.to_string()).unwrap_or_default(),
            verdict = ?call.verdict,
            "a worker's syscall was outside its policy"
        );
        let mut ring = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if ring.len() == CAPACITY {
            ring.pop_front();
        }
        ring.push_back(call);
    }

    /// The call for which worker `pid` was killed, if the listener killed it.
    pub(crate) fn killed(&self, pid: u32) -> Option<BlockedCall> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .rev()
            .find(|call| call.pid == pid && call.verdict == Verdict::Killed)
            .cloned()
    }

    pub(crate) fn snapshot(&self) -> Vec<BlockedCall> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}
