//! Why a worker died: its wait status and resource usage (the kernel's account), turned into an
//! error that names the signal or the limit; its last words on standard error are kept as its
//! own claim.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use crate::error::SandboxError;
use crate::host::limits::{Limit, signal_name};

/// A reaped worker, as the kernel reports it: how it ended and what it used.
pub(crate) struct Reaped {
    pub(crate) status: ExitStatus,
    pub(crate) cpu: Duration,
    /// Its peak resident set in bytes (`wait4`'s `ru_maxrss`).
    pub(crate) peak_rss: u64,
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

/// What the worker's standard error says about its own death. The worker wrote it, so this is
/// its claim, shown as such and never the only ground for a classification.
fn claimed_cause(stderr_tail: &str) -> Option<&'static str> {
    if stderr_tail.contains("has overflowed its stack") {
        Some("stack overflow")
    } else if stderr_tail.contains("memory allocation of") {
        Some("memory allocation failed")
    } else {
        None
    }
}

/// Names the cause of a worker's death.
///
/// The classification rests on what the kernel reports: the signal or exit status from
/// `wait4`, and its resource usage. The worker's standard error is its own account and a
/// hostile library can write anything there, so it only ever adds a claim
/// (`SandboxError::Crashed::detail`) or confirms what the kernel's figures already support:
/// [`Limit::Memory`] needs an abort, an allocation failure claimed on standard error, an
/// address-space limit, **and** a peak resident set (kernel accounting) of at least half that
/// limit. A worker that forges the allocation message without having filled its memory is
/// reported as the abort it is, with the message as its claim; a real allocation failure of one
/// huge request (little memory touched) is reported the same way.
pub(crate) fn classify(
    function: &'static str,
    pid: u32,
    reaped: Option<&Reaped>,
    address_space: Option<u64>,
    stderr_tail: String,
) -> SandboxError {
    let status = reaped.map(|reaped| reaped.status);
    let signal = status.and_then(|s| s.signal());
    let code = status.and_then(|s| s.code());
    let claim = claimed_cause(&stderr_tail);
    let filled_memory = reaped
        .zip(address_space)
        .is_some_and(|(reaped, limit)| reaped.peak_rss >= limit / 2);
    let limit = match signal {
        Some(libc::SIGXCPU) => Some(Limit::CpuTime),
        Some(libc::SIGXFSZ) => Some(Limit::FileSize),
        Some(libc::SIGABRT) if claim == Some("memory allocation failed") && filled_memory => {
            Some(Limit::Memory)
        }
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
        (Some(signal), _) => SandboxError::Crashed {
            function,
            pid,
            signal,
            signal_name: signal_name(signal),
            detail: claim.map(str::to_owned),
            stderr_tail,
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn aborted(peak_rss: u64) -> Reaped {
        Reaped {
            status: ExitStatus::from_raw(libc::SIGABRT),
            cpu: Duration::ZERO,
            peak_rss,
        }
    }

    #[test]
    fn an_allocation_failure_needs_the_kernels_figures_behind_it() {
        let claim = "memory allocation of 16777216 bytes failed\n".to_owned();
        let forged = classify(
            "f",
            1,
            Some(&aborted(8 << 20)),
            Some(256 << 20),
            claim.clone(),
        );
        assert!(
            matches!(&forged, SandboxError::Crashed { signal: libc::SIGABRT, detail: Some(d), .. } if d == "memory allocation failed"),
            "{forged}"
        );
        let backed = classify(
            "f",
            1,
            Some(&aborted(200 << 20)),
            Some(256 << 20),
            claim.clone(),
        );
        assert!(
            matches!(
                backed,
                SandboxError::ResourceLimit {
                    limit: Limit::Memory,
                    ..
                }
            ),
            "{backed}"
        );
        let unlimited = classify("f", 1, Some(&aborted(200 << 20)), None, claim);
        assert!(
            matches!(unlimited, SandboxError::Crashed { .. }),
            "{unlimited}"
        );
    }
}
