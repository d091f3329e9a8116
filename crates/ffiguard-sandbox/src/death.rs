//! Why a worker died: its wait status, its CPU usage and its last words on standard error,
//! turned into an error that names the signal or the limit.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use crate::error::SandboxError;
use crate::limits::{Limit, signal_name};

/// A reaped worker: how it ended and the CPU time it used.
pub(crate) struct Reaped {
    pub(crate) status: ExitStatus,
    pub(crate) cpu: Duration,
}

pub(crate) fn timeval(value: libc::timeval) -> Duration {
    let seconds = u64::try_from(value.tv_sec).unwrap_or(0);
    let micros = u32::try_from(value.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds).saturating_add(Duration::from_micros(u64::from(micros)))
}

pub(crate) fn describe_status(status: Option<ExitStatus>) -> String {
    match status {
        Some(status) => match (status.signal(), status.code()) {
            (Some(signal), _) => format!("killed by {}", signal_name(signal)),
            (None, Some(code)) => format!("exit status {code}"),
            _ => "unknown status".into(),
        },
        None => "not reaped".into(),
    }
}

/// Names the cause of a worker's death from its wait status and its last words.
pub(crate) fn classify(
    function: &'static str,
    pid: u32,
    status: Option<ExitStatus>,
    stderr_tail: String,
) -> SandboxError {
    let signal = status.and_then(|s| s.signal());
    let code = status.and_then(|s| s.code());
    let limit = match signal {
        Some(libc::SIGXCPU) => Some(Limit::CpuTime),
        Some(libc::SIGXFSZ) => Some(Limit::FileSize),
        Some(libc::SIGABRT) if stderr_tail.contains("memory allocation of") => Some(Limit::Memory),
        _ => None,
    };
    if let Some(limit) = limit {
        return SandboxError::ResourceLimit {
            function,
            pid,
            limit,
            stderr_tail,
        };
    }
    match (signal, code) {
        (Some(signal), _) => {
            let detail = if stderr_tail.contains("has overflowed its stack") {
                Some("stack overflow".to_owned())
            } else if signal == libc::SIGABRT {
                Some("abort".to_owned())
            } else {
                None
            };
            SandboxError::Crashed {
                function,
                pid,
                signal,
                signal_name: signal_name(signal),
                detail,
                stderr_tail,
            }
        }
        (None, Some(code)) => SandboxError::Exited {
            function,
            pid,
            code,
            stderr_tail,
        },
        (None, None) => SandboxError::Exited {
            function,
            pid,
            code: -1,
            stderr_tail,
        },
    }
}
