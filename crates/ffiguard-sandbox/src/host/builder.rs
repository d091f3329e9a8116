//! `SandboxBuilder`: how a [`Sandbox`] starts and runs its workers.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::SandboxError;
use crate::host::call_log::AuditRing;
use crate::host::limits::Limits;
use crate::host::sandbox::{Pool, Sandbox};
use crate::host::settings::Settings;
use crate::host::spawn::WorkerBinary;
use crate::monitor::admission::Confinement;
use crate::monitor::blocked::BlockedLog;
use crate::transport::spin::SpinPolicy;

/// How a [`Sandbox`] starts and runs its workers.
///
/// ```no_run
/// use std::time::Duration;
/// use ffiguard_sandbox::{Limits, Sandbox};
///
/// ffiguard_sandbox::init();
/// let sandbox = Sandbox::builder()
///     .workers(4)
///     .deadline(Duration::from_secs(2))
///     .limits(Limits::default().with_address_space(Some(512 << 20)))
///     .arena_sizes(8 << 20, 64 << 20)
///     .build()?;
/// sandbox.warm_up()?;
/// # Ok::<(), ffiguard_sandbox::SandboxError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SandboxBuilder {
    pub(crate) settings: Settings,
}

impl SandboxBuilder {
    /// Runs workers from a dedicated binary instead of re-executing this one. The binary's
    /// `main` calls [`crate::init`] first and links the isolated functions (typically from a
    /// library crate shared with the host).
    pub fn worker_binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.binary = WorkerBinary::Dedicated(path.into());
        self
    }

    /// The most workers alive at once (at least 1). Calls beyond that wait for a free worker.
    pub fn workers(mut self, count: usize) -> Self {
        self.settings.workers = count.max(1);
        self
    }

    /// Resource limits for every worker.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.settings.limits = limits;
        self
    }

    /// Default per-call deadline (waiting for a free worker included).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }

    /// How long a new worker may take to become ready.
    pub fn startup_deadline(mut self, deadline: Duration) -> Self {
        self.settings.startup_deadline = deadline;
        self
    }

    /// Sizes of the request and reply arenas (rounded up to pages). Arguments or results
    /// larger than these are refused with an error. Untouched pages cost nothing.
    pub fn arena_sizes(mut self, request: usize, reply: usize) -> Self {
        self.settings.request_capacity = request;
        self.settings.reply_capacity = reply;
        self
    }

    /// How the calling thread spins for a reply before sleeping on the futex (default
    /// [`SpinPolicy::adaptive()`]: up to 20 µs, when the round trips it measures say that
    /// spinning pays). A [`Duration`] means [`SpinPolicy::Fixed`].
    pub fn spin(mut self, spin: impl Into<SpinPolicy>) -> Self {
        self.settings.spin = spin.into();
        self
    }

    /// How an idle worker spins for the next call before sleeping (default
    /// [`SpinPolicy::adaptive()`]). A spinning worker saves the host's wake-up system call
    /// for back-to-back calls, but a preempted spinner is not woken by the host and waits for
    /// the scheduler: with [`SpinPolicy::Fixed`] on a loaded machine that turns microseconds
    /// into milliseconds. An adaptive worker spins when the calling thread's plan says so
    /// (the caller times the round trips of each plan; BENCHMARKS.md).
    pub fn worker_spin(mut self, spin: impl Into<SpinPolicy>) -> Self {
        self.settings.worker_spin = spin.into();
        self
    }

    /// Starts a fresh worker for every call and discards it afterwards: the same as
    /// [`max_calls_per_worker(1)`](Self::max_calls_per_worker).
    ///
    /// By default a worker serves call after call. A library that has been compromised by one
    /// call's input then keeps running in that worker: it can keep what earlier callers passed
    /// in and tamper with the results of later calls, whoever makes them. With a fresh worker
    /// per call, nothing a call leaves behind reaches the next one; each call pays a worker
    /// start and a kill instead (re-execution, confinement, the listener hand-over): an empty
    /// call measured 2.8–4.4 ms against 7.5–9.4 µs with reuse on a busy two-core machine, some
    /// 300–600 times the cost (BENCHMARKS.md, "Worker reuse").
    pub fn fresh_worker_per_call(self) -> Self {
        self.max_calls_per_worker(1)
    }

    /// Replaces a worker once it has served `calls` calls (at least 1), bounding how long a
    /// compromised library can keep state across calls while spreading the start-up cost.
    ///
    /// The default is no limit (a worker serves until it fails or nears its CPU budget),
    /// because a worker start costs hundreds to thousands of empty calls (see
    /// [`fresh_worker_per_call`](Self::fresh_worker_per_call)); a quota of 100 made an empty
    /// call 3.6–4.9 times as costly as reuse. Choose a limit, or a fresh
    /// worker per call, when callers that must not see each other's data share a sandbox, or
    /// when one call's input could compromise the library for the next.
    pub fn max_calls_per_worker(mut self, calls: u64) -> Self {
        self.settings.calls_per_worker = Some(calls.max(1));
        self
    }

    /// How many recent calls [`Sandbox::recent_calls`] keeps.
    pub fn audit_capacity(mut self, capacity: usize) -> Self {
        self.settings.audit_capacity = capacity;
        self
    }

    /// Creates the sandbox. Workers start lazily, on the first calls (see [`Sandbox::warm_up`]).
    ///
    /// # Errors
    /// [`SandboxError::NotInitialized`] if this process is itself a worker that skipped
    /// [`crate::init`]; [`SandboxError::Confinement`] if the policy cannot be compiled (an
    /// unknown or always-blocked syscall).
    pub fn build(self) -> Result<Sandbox, SandboxError> {
        if crate::worker::is_worker_process() {
            return Err(SandboxError::NotInitialized);
        }
        crate::policy::check::before_build(&self.settings.policy)?;
        Ok(Sandbox {
            audit: AuditRing::new(self.settings.audit_capacity),
            confinement: Confinement {
                policy: self.settings.policy.clone(),
                log: BlockedLog::default(),
            },
            last_status: Mutex::new(None),
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                live: 0,
                waiting: 0,
            }),
            freed: Condvar::new(),
            config: self.settings,
        })
    }
}

impl Sandbox {
    /// A sandbox with the defaults: one worker re-executing this binary, [`crate::Limits::default`],
    /// a 30 s deadline, 32 MiB arenas, confined by [`crate::Policy::pure_compute`].
    ///
    /// # Errors
    /// As [`SandboxBuilder::build`].
    pub fn new() -> Result<Self, SandboxError> {
        SandboxBuilder::default().build()
    }

    /// Starts configuring a sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_clamps_pool_size() {
        let builder = SandboxBuilder::default().workers(0);
        assert_eq!(builder.settings.workers, 1);
    }
}
