//! `Sandbox`: a pool of workers serving calls from any number of host threads.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::callbacks::Callbacks;
use crate::confine::status::ConfinementStatus;
use crate::error::SandboxError;
use crate::host::call_log::{AuditRing, CallRecord, Outcome};
use crate::host::settings::Settings;
use crate::host::worker_process::{CallFailure, WorkerProcess};
use crate::monitor::admission::Confinement;
use crate::registry::Descriptor;
use crate::tainted::Tainted;
use crate::transport::spin::SpinReport;
use crate::transport::wire::ReplyError;

#[derive(Debug)]
pub(crate) struct Pool {
    pub(crate) idle: Vec<WorkerProcess>,
    /// Workers alive: idle plus serving plus starting.
    pub(crate) live: usize,
    /// Callers waiting for a worker; `notify_one` (a syscall) is skipped when there are none.
    pub(crate) waiting: usize,
}

/// A pool of sandbox workers.
///
/// Calls go through the shims `#[isolated]` generates (`function::call(&sandbox, …)`).
/// `Sandbox` is `Sync`: share it by reference or in an `Arc` across threads; each call takes a
/// free worker, starting one if fewer than [`crate::SandboxBuilder::workers`] are alive. Dropping the
/// sandbox kills its workers.
#[derive(Debug)]
pub struct Sandbox {
    pub(crate) config: Settings,
    pub(crate) pool: Mutex<Pool>,
    pub(crate) freed: Condvar,
    pub(crate) audit: AuditRing,
    pub(crate) confinement: Confinement,
    pub(crate) last_status: Mutex<Option<ConfinementStatus>>,
}

impl Sandbox {
    /// Starts workers until the pool is full, so the first calls do not pay the cold start.
    ///
    /// # Errors
    /// The first worker that fails to start.
    pub fn warm_up(&self) -> Result<(), SandboxError> {
        let mut started = Vec::new();
        loop {
            {
                let mut pool = self.lock();
                if pool.live >= self.config.workers {
                    break;
                }
                pool.live += 1;
            }
            match self.start_worker() {
                Ok(worker) => started.push(worker),
                Err(error) => {
                    self.lock().live -= 1;
                    self.release_all(started);
                    return Err(error);
                }
            }
        }
        self.release_all(started);
        Ok(())
    }

    /// Kills and reaps every worker, reporting the first that could not be reaped. Dropping
    /// the sandbox does the same without the report.
    ///
    /// # Errors
    /// [`SandboxError::Spawn`] naming a worker that was still not reaped two seconds after
    /// `SIGKILL` (left to the kernel when this process exits).
    pub fn close(self) -> Result<(), SandboxError> {
        let workers = std::mem::take(&mut self.lock().idle);
        let mut first_error = None;
        for mut worker in workers {
            let pid = worker.pid();
            if worker.kill_and_reap().is_none() && first_error.is_none() {
                first_error = Some(SandboxError::Spawn {
                    reason: format!("worker {pid} was not reaped after SIGKILL"),
                    source: None,
                });
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The most recent calls, oldest first (at most [`crate::SandboxBuilder::audit_capacity`]).
    pub fn recent_calls(&self) -> Vec<CallRecord> {
        self.audit.recent()
    }

    /// Workers currently alive.
    pub fn live_workers(&self) -> usize {
        self.lock().live
    }

    /// What spinning did on both sides of every idle worker, summed: how many waits caught
    /// their event while spinning, ran out of budget, lost the core, skipped the spin, and
    /// ended asleep, and which plans the adaptive policy ran. A worker busy with a call is not counted; counts go with a worker when
    /// it is discarded. For tuning [`SpinPolicy`](crate::SpinPolicy) on a given machine.
    pub fn spin_counters(&self) -> SpinReport {
        self.lock()
            .idle
            .iter()
            .map(WorkerProcess::spin_report)
            .fold(SpinReport::default(), SpinReport::plus)
    }

    /// Process ids of the idle workers (for diagnostics and tests).
    pub fn idle_worker_pids(&self) -> Vec<u32> {
        self.lock().idle.iter().map(WorkerProcess::pid).collect()
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        // Pool state stays consistent across a panic (counters change under the lock only).
        self.pool
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn start_worker(&self) -> Result<WorkerProcess, SandboxError> {
        let worker = WorkerProcess::start(&self.confinement, &self.config)?;
        *self
            .last_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = worker.confinement;
        Ok(worker)
    }

    fn release_all(&self, workers: Vec<WorkerProcess>) {
        for worker in workers {
            self.release(worker);
        }
    }

    fn release(&self, worker: WorkerProcess) {
        // A worker keeps whatever its library kept of earlier calls: past its call quota it
        // serves no one else.
        if self
            .config
            .calls_per_worker
            .is_some_and(|quota| worker.calls >= quota)
        {
            self.discard(worker);
            return;
        }
        // Retire a worker before its lifetime CPU budget can run out in the middle of some
        // later, innocent call.
        if let Some(budget) = self.config.limits.cpu_time
            && worker.busy >= budget / 2
        {
            tracing::debug!(
                pid = worker.pid(),
                "retiring a worker at half its CPU budget"
            );
            self.discard(worker);
            return;
        }
        if worker.calls.is_multiple_of(1024) {
            worker.trim_log();
        }
        let mut pool = self.lock();
        pool.idle.push(worker);
        let wake = pool.waiting > 0;
        drop(pool);
        if wake {
            self.freed.notify_one();
        }
    }

    pub(crate) fn discard(&self, worker: WorkerProcess) {
        drop(worker);
        let mut pool = self.lock();
        pool.live -= 1;
        let wake = pool.waiting > 0;
        drop(pool);
        if wake {
            self.freed.notify_one();
        }
    }

    /// A worker that has served no call (an idle one that has is replaced by a fresh one in
    /// its pool slot): a session must not find objects or library state of earlier calls.
    pub(crate) fn acquire_fresh(
        &self,
        function: &'static str,
        deadline: Duration,
        until: Instant,
    ) -> Result<WorkerProcess, SandboxError> {
        let worker = self.acquire(function, deadline, until)?;
        if worker.calls == 0 {
            return Ok(worker);
        }
        drop(worker);
        self.start_worker().inspect_err(|_| {
            self.lock().live -= 1;
            self.freed.notify_one();
        })
    }

    /// Takes an idle worker, starts one if the pool has room, or waits until `until`.
    fn acquire(
        &self,
        function: &'static str,
        deadline: Duration,
        until: Instant,
    ) -> Result<WorkerProcess, SandboxError> {
        let mut pool = self.lock();
        loop {
            if let Some(worker) = pool.idle.pop() {
                if !worker.announced_death() {
                    return Ok(worker);
                }
                pool.live -= 1;
                drop(pool);
                drop(worker);
                pool = self.lock();
                continue;
            }
            if pool.live < self.config.workers {
                pool.live += 1;
                drop(pool);
                return self.start_worker().inspect_err(|_| {
                    self.lock().live -= 1;
                    self.freed.notify_one();
                });
            }
            let now = Instant::now();
            if now >= until {
                return Err(SandboxError::Busy { function, deadline });
            }
            pool.waiting += 1;
            pool = self
                .freed
                .wait_timeout(pool, until - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poison| poison.into_inner().0);
            pool.waiting -= 1;
        }
    }

    fn call_decoded<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        descriptor: &'static Descriptor,
        args: &A,
        deadline: Duration,
        record: &mut CallRecord,
        callbacks: Option<&mut Callbacks<'_>>,
        started: Instant,
    ) -> Result<R, SandboxError> {
        let until = deadline_after(started, deadline);
        let mut worker = self.acquire(descriptor.name, deadline, until)?;
        // If a user's Serialize or Deserialize impl panics below, the worker is dropped (and
        // killed) by unwinding; the guard gives its pool slot back.
        let mut slot = SlotGuard {
            sandbox: self,
            armed: true,
        };
        let ran = self.run_on(
            &mut worker,
            descriptor,
            args,
            (deadline, until),
            record,
            callbacks,
        );
        slot.armed = false;
        match ran {
            Ran::Done(value) => {
                self.release(worker);
                Ok(value)
            }
            Ran::Refused(error) => {
                self.release(worker);
                Err(error)
            }
            Ran::Failed(error) => {
                self.discard(worker);
                Err(error)
            }
        }
    }

    /// Runs one call on a worker the caller holds and says whether the worker can serve
    /// again. `deadline` is the whole deadline the caller set and when it passes; `callbacks`
    /// the host functions given to the call.
    pub(crate) fn run_on<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        worker: &mut WorkerProcess,
        descriptor: &'static Descriptor,
        args: &A,
        (deadline, until): (Duration, Instant),
        record: &mut CallRecord,
        callbacks: Option<&mut Callbacks<'_>>,
    ) -> Ran<R> {
        record.worker_pid = worker.pid();
        match worker.call(
            descriptor.name,
            descriptor.id,
            args,
            until,
            callbacks,
            &mut record.started,
        ) {
            Ok((status, reply, input_bytes)) => {
                record.input_bytes = input_bytes;
                record.output_bytes = reply.len();
                let (decoded, bulk_bytes) = worker.decode::<R>(status, &reply);
                record.output_bytes += bulk_bytes;
                match decoded {
                    Ok(value) => Ran::Done(value),
                    // The worker closed the call's files and ran nothing: it serves on (its
                    // claim; at worst it keeps refusing).
                    Err(ReplyError::TooManyFiles) => Ran::Refused(SandboxError::File {
                        function: descriptor.name,
                        source: crate::files::FileError::WorkerFull {
                            max: crate::files::MAX_OPEN_FILES,
                        },
                    }),
                    Err(source) => {
                        // A worker that panicked, or answered with anything but a valid value,
                        // may be in any state: it is replaced.
                        let source = match source {
                            ReplyError::ReplyTooLarge { needed, .. } => ReplyError::ReplyTooLarge {
                                needed,
                                capacity: u64::try_from(self.config.reply_capacity)
                                    .unwrap_or(u64::MAX),
                            },
                            other => other,
                        };
                        Ran::Failed(SandboxError::Reply {
                            function: descriptor.name,
                            source,
                        })
                    }
                }
            }
            Err(CallFailure::Rejected(error)) => Ran::Refused(error),
            // The worker measured what was left of the deadline after waiting for a free
            // worker; the caller set the whole deadline, and that is what passed.
            Err(CallFailure::Fatal(error)) => Ran::Failed(match error {
                SandboxError::Timeout { function, pid, .. } => SandboxError::Timeout {
                    function,
                    pid,
                    deadline,
                },
                other => other,
            }),
        }
    }
}

/// `now + deadline`; an enormous deadline means "no deadline" (`Instant + Duration` panics on
/// overflow).
pub(crate) fn deadline_from_now(deadline: Duration) -> Instant {
    deadline_after(Instant::now(), deadline)
}

/// `now + deadline`, as [`deadline_from_now`], from a time the caller read.
pub(crate) fn deadline_after(now: Instant, deadline: Duration) -> Instant {
    now.checked_add(deadline)
        .or_else(|| now.checked_add(Duration::from_secs(1 << 32)))
        .unwrap_or(now)
}

/// What became of a call on a worker.
pub(crate) enum Ran<R> {
    /// The reply, decoded.
    Done(R),
    /// Refused before the worker saw it (arguments too large, not encodable): the worker is
    /// as it was.
    Refused(SandboxError),
    /// The worker died, missed the deadline or sent no valid reply: it must not serve again.
    Failed(SandboxError),
}

/// Returns a worker's pool slot if the call unwinds while the worker is out of the pool.
struct SlotGuard<'a> {
    sandbox: &'a Sandbox,
    armed: bool,
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut pool = self.sandbox.lock();
            pool.live -= 1;
            let wake = pool.waiting > 0;
            drop(pool);
            if wake {
                self.sandbox.freed.notify_one();
            }
        }
    }
}

/// The host side of an `#[isolated]` call. Called by the generated shims.
///
/// # Errors
/// See [`SandboxError`].
pub fn call<A: Serialize, R: DeserializeOwned>(
    sandbox: &Sandbox,
    descriptor: &'static Descriptor,
    args: &A,
    deadline: Option<Duration>,
) -> Result<Tainted<R>, SandboxError> {
    let deadline = deadline.unwrap_or(sandbox.config.deadline);
    recorded(sandbox, descriptor, Instant::now(), |record, started| {
        sandbox.call_decoded::<A, R>(descriptor, args, deadline, record, None, started)
    })
}

/// The host side of `function::call_with_callbacks`. Called by the generated shims.
///
/// # Errors
/// See [`SandboxError`].
pub fn call_with_callbacks<A: Serialize, R: DeserializeOwned>(
    sandbox: &Sandbox,
    descriptor: &'static Descriptor,
    args: &A,
    callbacks: &mut Callbacks<'_>,
) -> Result<Tainted<R>, SandboxError> {
    let deadline = sandbox.config.deadline;
    recorded(sandbox, descriptor, Instant::now(), |record, started| {
        sandbox.call_decoded::<A, R>(descriptor, args, deadline, record, Some(callbacks), started)
    })
}

/// Runs `call`, timing it from `started` (the caller's reading of the clock, passed on to
/// `call`) into a [`CallRecord`] that goes into the sandbox's ring, and taints what it
/// returns.
///
/// The record's wall-clock start is read by the worker call while it waits for the reply
/// (`WorkerProcess::call`), off the call's critical path; a call that never reached a worker
/// reads it here.
pub(crate) fn recorded<R>(
    sandbox: &Sandbox,
    descriptor: &'static Descriptor,
    started: Instant,
    call: impl FnOnce(&mut CallRecord, Instant) -> Result<R, SandboxError>,
) -> Result<Tainted<R>, SandboxError> {
    let mut record = CallRecord {
        function: descriptor.name,
        worker_pid: 0,
        input_bytes: 0,
        output_bytes: 0,
        duration: Duration::ZERO,
        started: SystemTime::UNIX_EPOCH,
        outcome: Outcome::Ok,
    };
    // A reason noted by an encoding outside any call (a handle serialized by the caller's own
    // code) must not be blamed on this call's error.
    crate::session::shared::take_refusal();
    let result = call(&mut record, started).map_err(with_refusal);
    record.duration = started.elapsed();
    if record.started == SystemTime::UNIX_EPOCH {
        record.started = SystemTime::now()
            .checked_sub(record.duration)
            .unwrap_or(SystemTime::UNIX_EPOCH);
    }
    if let Err(error) = &result {
        // Worker-written parts of the message are escaped already; this keeps the rule for any
        // that are not.
        record.outcome = Outcome::Failed(crate::text::escape(&error.to_string()).into_owned());
    }
    sandbox.audit.record(record);
    result.map(Tainted::__new)
}

/// Puts the reason a handle was refused into the error the encoder or decoder left without it.
fn with_refusal(error: SandboxError) -> SandboxError {
    let Some(reason) = crate::session::shared::take_refusal() else {
        return error;
    };
    match error {
        SandboxError::Encode { function, .. } => SandboxError::Encode {
            function,
            message: reason,
        },
        SandboxError::Reply {
            function,
            source: ReplyError::Malformed(_),
        } => SandboxError::Reply {
            function,
            source: ReplyError::Malformed(reason),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn sandbox_is_shareable_across_threads() {
        assert_send_sync::<Sandbox>();
        assert_send_sync::<SandboxError>();
    }
}
