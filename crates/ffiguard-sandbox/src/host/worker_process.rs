//! The host's handle on one worker process: start it, make calls over the shared region, and
//! turn its death into a value.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use rustix::process::{Pid, PidfdFlags, Signal, WaitIdOptions};

use crate::callbacks::{CallbackError, Callbacks};
use crate::confine::status::{ConfinementStatus, Layers};
use crate::error::SandboxError;
use crate::host::death::{Reaped, classify, describe_status, timeval};
use crate::host::limits::Limit;
use crate::host::settings::Settings;
use crate::host::spawn;
use crate::monitor::admission::{self, Confinement};
use crate::monitor::blocked::{BlockedCall, BlockedLog, Verdict};
use crate::monitor::listener::Listener;
use crate::transport::arena::{self, BulkSource, EncodeError, ReplyFrame};
use crate::transport::cores::{self, Cores};
use crate::transport::futex::{self, OWNER_DIED, WAITERS};
use crate::transport::region::{
    Region, SETUP_BAD_CONTROL, SETUP_CONFINE_FAILED, SETUP_DUPLICATE_ID, SETUP_LEAKED_FD,
    SETUP_READY,
};
use crate::transport::spin::{SpinCounters, SpinReport, Spinner};
use crate::transport::spin_plan::PlanChooser;
use crate::transport::wire::{self, ReplyError};
use crate::worker::setup::Setup;

/// Longest stretch the host sleeps without checking whether the worker still exists (the robust
/// futex normally wakes it at once; this covers a worker that unregistered it).
const LIVENESS_SLICE: Duration = Duration::from_millis(100);
/// The least time between two moves of the worker off the calling thread's core.
const MOVE_GAP: Duration = Duration::from_millis(1);
/// The first and the longest pause after a wake-up that brought neither a reply nor a death
/// (see `await_reply`): long enough that a worker rattling the word costs the host a few
/// system calls per millisecond, short enough that a reply is never held back much.
const NO_PROGRESS_PAUSE: (Duration, Duration) =
    (Duration::from_micros(10), Duration::from_millis(1));
/// How long a worker that announced its death may take to become waitable before the
/// announcement is treated as a lie.
const DEATH_GRACE: Duration = Duration::from_millis(500);
/// Bytes of the worker's standard error kept with a crash report.
const STDERR_TAIL: u64 = 2048;

/// A started worker.
#[derive(Debug)]
pub(crate) struct WorkerProcess {
    child: Option<Child>,
    pid: u32,
    /// A pidfd of the worker, taken right after spawn (the worker is our unreaped child, so the
    /// pid cannot have been reused): its death makes it readable, and signals sent through it
    /// reach this process wherever it has moved. `None` on kernels before 5.3.
    pidfd: Option<OwnedFd>,
    region: Region,
    log: OwnedFd,
    /// The host's end of the setup socket: after the listener arrived, only the way passed
    /// files go to the worker (`files::channel`); its reading side is shut.
    setup_socket: OwnedFd,
    seq: u32,
    /// The number of the last callback answered (the worker numbers them for its life).
    callbacks_answered: u32,
    spinner: Spinner,
    /// When this thread last moved the worker off its core (`cores::move_off`).
    last_move: Option<Instant>,
    /// How many times it did.
    moves: u64,
    /// Which sides spin for the next calls (adaptive policies), from the round trips so far.
    plans: PlanChooser,
    pub(crate) calls: u64,
    /// Wall time spent serving calls plus the worker's spin after each: the CPU time a
    /// single-threaded worker can have used (a worker whose library runs threads can use
    /// more), compared against its `RLIMIT_CPU` budget.
    pub(crate) busy: Duration,
    /// The longest the worker spins after a call (counted as busy: an upper bound).
    worker_spin: Duration,
    /// The worker's `RLIMIT_CPU`, to recognise the kernel's hard-limit SIGKILL.
    cpu_budget: Option<Duration>,
    /// The worker's `RLIMIT_AS`, against which its peak memory is judged.
    address_space: Option<u64>,
    /// The layers the worker reported in force (checked against the policy).
    pub(crate) confinement: Option<ConfinementStatus>,
    /// Where the listener records blocked calls (to name the cause of a policy kill).
    blocked: BlockedLog,
    /// The thread serving the worker's seccomp listener; stops with the worker.
    _listener: Option<Listener>,
}

/// What ended a wait for the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// The call's reply is published.
    Reply,
    /// The worker asks for the callback with this number.
    Callback(u32),
}

/// A finished call: the raw reply (copied out of shared memory) or why there is none.
pub(crate) enum CallFailure {
    /// The worker is fine; the call failed before it reached the worker.
    Rejected(SandboxError),
    /// The worker must be discarded; the error says why.
    Fatal(SandboxError),
}

impl WorkerProcess {
    /// Starts a worker as `config` says, waits until it serves calls, and checks its
    /// confinement.
    pub(crate) fn start(
        confinement: &Confinement,
        config: &Settings,
    ) -> Result<Self, SandboxError> {
        let limits = config.limits;
        let region =
            Region::create(config.request_capacity, config.reply_capacity).map_err(|error| {
                SandboxError::Spawn {
                    reason: "cannot create the shared region".into(),
                    source: Some(error),
                }
            })?;
        let setup = Setup {
            worker_spin: config.worker_spin,
            not_dumpable: true,
            policy: confinement.policy.clone(),
            #[cfg(feature = "test-hooks")]
            claimed_layers: config.claimed_layers,
        };
        // SAFETY: the region is fresh and no worker exists yet: nothing else can touch the
        // page-aligned request arena.
        let encoded =
            unsafe { arena::encode_into(&setup, region.request_ptr(), region.request_capacity()) };
        let (setup_len, _) = encoded.map_err(|_| SandboxError::Spawn {
            reason: "the setup message does not fit the request arena".into(),
            source: None,
        })?;
        region.control().host.request_len.store(
            u64::try_from(setup_len).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        let owned_fd = region
            .fd()
            .try_clone_to_owned()
            .map_err(|error| SandboxError::Spawn {
                reason: "cannot duplicate the shared region descriptor".into(),
                source: Some(error),
            })?;
        let spawned = spawn::spawn(&config.binary, &owned_fd, limits).map_err(|error| {
            SandboxError::Spawn {
                reason: "cannot execute the worker binary".into(),
                source: Some(error),
            }
        })?;
        let pid = spawned.child.id();
        let pidfd = i32::try_from(pid)
            .ok()
            .and_then(Pid::from_raw)
            .and_then(|pid| rustix::process::pidfd_open(pid, PidfdFlags::empty()).ok());
        let mut worker = Self {
            child: Some(spawned.child),
            pid,
            pidfd,
            region,
            log: spawned.log,
            setup_socket: spawned.setup_socket,
            seq: 0,
            callbacks_answered: 0,
            spinner: Spinner::new(config.spin),
            last_move: None,
            moves: 0,
            plans: PlanChooser::new(config.spin, config.worker_spin),
            calls: 0,
            busy: Duration::ZERO,
            worker_spin: config.worker_spin.max_spin(),
            cpu_budget: limits.cpu_time,
            address_space: limits.address_space,
            confinement: None,
            blocked: confinement.log.clone(),
            _listener: None,
        };
        worker
            .await_ready(config.startup_deadline)
            .map_err(|error| admission::with_required(error, &confinement.policy))?;
        let word = worker
            .region
            .control()
            .worker
            .setup_detail
            .load(Ordering::Relaxed);
        match admission::accept(confinement, word, &worker.setup_socket, pid) {
            Ok((status, listener)) => {
                worker.confinement = Some(status);
                worker._listener = listener;
                crate::files::channel::close_return_path(worker.setup_socket.as_fd());
            }
            Err(error) => {
                worker.kill_and_reap();
                return Err(error);
            }
        }
        Ok(worker)
    }

    /// Decodes a reply frame (already copied out) whose byte buffers are still in the reply
    /// arena; each is copied once, straight into the value.
    pub(crate) fn decode<R: serde::de::DeserializeOwned>(
        &self,
        status: u32,
        frame: &[u8],
    ) -> (Result<R, ReplyError>, usize) {
        // SAFETY: the reply arena is mapped for `self`'s lifetime, which spans the decode, and
        // is page-aligned.
        let source = unsafe {
            BulkSource::shared(
                self.region.reply_ptr(),
                self.region.reply_capacity(),
                frame.len(),
            )
        };
        wire::decode_shared(status, frame, source)
    }

    /// Whether the worker's robust word says it died (true, or a lie; either way it is
    /// not to be used).
    pub(crate) fn announced_death(&self) -> bool {
        self.region
            .control()
            .worker
            .robust_word
            .load(Ordering::Relaxed)
            & OWNER_DIED
            != 0
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    fn await_ready(&mut self, deadline: Duration) -> Result<(), SandboxError> {
        let started = Instant::now();
        let state = &self.region.control().worker.setup_state;
        let spawn_error = |reason: String| SandboxError::Spawn {
            reason,
            source: None,
        };
        loop {
            let current = state.load(Ordering::Acquire);
            match current {
                0 => {}
                SETUP_READY => return Ok(()),
                failure => {
                    let detail = self
                        .region
                        .control()
                        .worker
                        .setup_detail
                        .load(Ordering::Relaxed);
                    self.kill_and_reap();
                    if failure == SETUP_CONFINE_FAILED {
                        return Err(admission::failed(detail));
                    }
                    return Err(spawn_error(match failure {
                        SETUP_LEAKED_FD => format!("the worker inherited descriptor {detail}"),
                        SETUP_BAD_CONTROL => {
                            "the worker does not speak this protocol version".into()
                        }
                        SETUP_DUPLICATE_ID => {
                            format!("two isolated functions share identifier {detail:#x}")
                        }
                        other => format!("the worker reported setup state {other}"),
                    }));
                }
            }
            if self.has_exited() {
                let status = self.kill_and_reap();
                let tail = self.stderr_tail();
                return Err(spawn_error(format!(
                    "the worker exited during setup ({}); does its main call \
                     ffiguard_sandbox::init() first? (A test binary needs `harness = false` and \
                     `ffiguard_sandbox::testing::run` as its main: the built-in test harness \
                     does not know the worker's argument.) {tail}",
                    describe_status(status)
                )));
            }
            let elapsed = started.elapsed();
            if elapsed >= deadline {
                self.kill_and_reap();
                return Err(spawn_error(format!(
                    "the worker was not ready within {deadline:?}"
                )));
            }
            futex::wait(
                state,
                0,
                Some((deadline - elapsed).min(Duration::from_millis(1))),
            );
        }
    }

    /// Encodes `args`, rings the worker and waits for its reply, at most until `until`. Sets
    /// `wall_start` to the wall-clock time of the call (read while the worker works, off the
    /// call's critical path).
    pub(crate) fn call<A: serde::Serialize + ?Sized>(
        &mut self,
        function: &'static str,
        id: u64,
        args: &A,
        until: Instant,
        callbacks: Option<&mut Callbacks<'_>>,
        wall_start: &mut SystemTime,
    ) -> Result<(u32, ReplyFrame, usize), CallFailure> {
        let capacity = self.region.request_capacity();
        let request = self.region.request_ptr();
        // The descriptors of the files among the arguments are collected while encoding.
        let (encoded, files) = crate::files::collecting(|| {
            // SAFETY: the request arena (page-aligned) is written only by the host, and only
            // here, while the worker is idle (it has published the previous reply); no
            // reference into it exists.
            unsafe { arena::encode_into(args, request, capacity) }
        });
        let (request_len, request_bulk) = match encoded {
            Ok(lengths) => lengths,
            Err(EncodeError::TooLarge(needed)) => {
                return Err(CallFailure::Rejected(SandboxError::ArgumentsTooLarge {
                    function,
                    needed,
                    capacity,
                }));
            }
            Err(EncodeError::Serde(message)) => {
                return Err(CallFailure::Rejected(SandboxError::Encode {
                    function,
                    message,
                }));
            }
        };
        let Some(sent_files) = u32::try_from(files.len())
            .ok()
            .filter(|count| *count as usize <= crate::files::MAX_FILES_PER_CALL)
        else {
            return Err(CallFailure::Rejected(SandboxError::File {
                function,
                source: crate::files::FileError::TooMany {
                    given: files.len(),
                    max: crate::files::MAX_FILES_PER_CALL,
                },
            }));
        };
        let control = self.region.control();
        control.host.call_files.store(sent_files, Ordering::Relaxed);
        control.host.call_id.store(id, Ordering::Relaxed);
        control.host.request_len.store(
            u64::try_from(request_len).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.calls += 1;
        let plan = self.plans.plan();
        control
            .host
            .worker_spins
            .store(u32::from(plan.worker), Ordering::Relaxed);
        // Queued before the ring, so the worker finds them when it takes the call. A send that
        // fails (the worker stopped taking messages, or shut its end) leaves it out of step.
        if sent_files > 0
            && let Err(error) = crate::files::channel::send(self.setup_socket.as_fd(), seq, &files)
        {
            return Err(CallFailure::Fatal(SandboxError::File {
                function,
                source: crate::files::FileError::Send(error),
            }));
        }
        // Timed from before the ring: a sleeping worker's wake-up is part of what a plan costs.
        let started = Instant::now();
        let deadline = until.saturating_duration_since(started);
        control.host.call_seq.store(seq, Ordering::SeqCst);
        if control.worker.worker_sleeping.load(Ordering::SeqCst) != 0 {
            futex::wake_one(&control.host.call_seq);
            self.spinner.woke_other();
        }
        *wall_start = SystemTime::now();
        let mut no_callbacks = Callbacks::new();
        let callbacks = callbacks.unwrap_or(&mut no_callbacks);
        let (waited, answered, panicked) =
            self.serve_until_reply(function, seq, deadline, plan.host, callbacks);
        let round_trip = started.elapsed();
        self.busy = self
            .busy
            .saturating_add(round_trip)
            .saturating_add(self.worker_spin);
        waited?;
        if answered == 0 {
            // A round trip with callbacks says nothing of the doorbells alone.
            self.plans.record(round_trip);
        }
        let control = self.region.control();
        // Read each worker-written field once, then bound it by what the host itself knows.
        let status = control.worker.reply_status.load(Ordering::Acquire);
        let taken = control.worker.files_taken.load(Ordering::Acquire);
        let taken_seq = control.worker.files_seq.load(Ordering::Acquire);
        let in_step = match sent_files {
            0 => taken == 0,
            sent => taken == sent && taken_seq == seq,
        };
        if !in_step && status != wire::status::FILES_MISSING {
            return Err(CallFailure::Fatal(SandboxError::Reply {
                function,
                source: ReplyError::FilesMismatch {
                    sent: sent_files,
                    seq,
                    taken,
                    taken_seq,
                },
            }));
        }
        // A worker that says it took its descriptors but left them queued would make them
        // pile up in its socket (in flight, counted against the host's own limit).
        if sent_files > 0 && status != wire::status::FILES_MISSING {
            let queued = crate::files::channel::unread(self.setup_socket.as_fd()).unwrap_or(1);
            if queued > 0 {
                return Err(CallFailure::Fatal(SandboxError::Reply {
                    function,
                    source: ReplyError::FilesNotTaken { queued },
                }));
            }
        }
        let claimed = control.worker.reply_len.load(Ordering::Acquire);
        let capacity = self.region.reply_capacity();
        let len = usize::try_from(claimed)
            .ok()
            .filter(|len| *len <= capacity)
            .ok_or_else(|| {
                CallFailure::Fatal(SandboxError::Reply {
                    function,
                    source: ReplyError::LengthOutOfBounds {
                        claimed,
                        capacity: u64::try_from(capacity).unwrap_or(u64::MAX),
                    },
                })
            })?;
        if let Some(message) = panicked {
            // The worker was told and finished its call; the call fails for the host's own
            // handler, and the worker serves on.
            return Err(CallFailure::Rejected(SandboxError::Callback {
                function,
                source: CallbackError::HandlerPanicked(message),
            }));
        }
        Ok((
            status,
            ReplyFrame::copy(self.region.reply_ptr(), len),
            request_len + request_bulk,
        ))
    }

    /// This worker's spin counts: the host's own, and what the worker reports of its side.
    pub(crate) fn spin_report(&self) -> SpinReport {
        let shared = &self.region.control().worker_spin;
        SpinReport {
            plans: self.plans.counts(),
            host: SpinCounters {
                moved_worker: self.moves,
                ..self.spinner.counters
            },
            worker: SpinCounters {
                caught: shared.caught.load(Ordering::Relaxed),
                idle: shared.idle.load(Ordering::Relaxed),
                preempted: shared.preempted.load(Ordering::Relaxed),
                skipped: shared.skipped.load(Ordering::Relaxed),
                slept: shared.slept.load(Ordering::Relaxed),
                shared_core: shared.shared_core.load(Ordering::Relaxed),
                moved_worker: 0,
            },
        }
    }

    /// Waits for the reply to call `seq`, answering the callbacks the worker asks for on the
    /// way from `callbacks`, all within `deadline`. Returns the outcome, the number of
    /// callbacks answered, and the message of a handler that panicked.
    fn serve_until_reply(
        &mut self,
        function: &'static str,
        seq: u32,
        deadline: Duration,
        spin: bool,
        callbacks: &mut Callbacks<'_>,
    ) -> (Result<(), CallFailure>, u64, Option<String>) {
        let started = Instant::now();
        let mut answered = 0u64;
        let mut panicked = None;
        loop {
            let remaining = deadline.saturating_sub(started.elapsed());
            let event = match self.await_reply(function, seq, remaining, spin, deadline) {
                Ok(event) => event,
                Err(failure) => return (Err(failure), answered, panicked),
            };
            let Event::Callback(number) = event else {
                return (Ok(()), answered, panicked);
            };
            // A worker asking for callbacks back to back never lets the wait reach its own
            // deadline check: the deadline is checked before each answer as well.
            if started.elapsed() >= deadline {
                let pid = self.pid;
                self.kill_and_reap();
                let timeout = SandboxError::Timeout {
                    function,
                    pid,
                    deadline,
                };
                return (Err(CallFailure::Fatal(timeout)), answered, panicked);
            }
            let fail = |source| CallFailure::Fatal(SandboxError::Reply { function, source });
            if number != self.callbacks_answered.wrapping_add(1) {
                let error = crate::callbacks::host::out_of_step("numbered out of order");
                return (Err(fail(error)), answered, panicked);
            }
            answered += 1;
            if answered > callbacks.max_calls {
                let error = SandboxError::Callback {
                    function,
                    source: CallbackError::TooMany {
                        max: callbacks.max_calls,
                    },
                };
                return (Err(CallFailure::Fatal(error)), answered, panicked);
            }
            if let Err(error) =
                crate::callbacks::host::answer(&self.region, seq, number, callbacks, &mut panicked)
            {
                return (Err(fail(error)), answered, panicked);
            }
            self.callbacks_answered = number;
        }
    }

    /// Waits for the reply to call `seq` or the worker's next callback, at most `deadline`
    /// (`whole` is the call's whole deadline, for the error).
    fn await_reply(
        &mut self,
        function: &'static str,
        seq: u32,
        deadline: Duration,
        spin: bool,
        whole: Duration,
    ) -> Result<Event, CallFailure> {
        let control = self.region.control();
        let reply_seq = &control.worker.reply_seq;
        let callback_seq = &control.worker.callback_seq;
        let answered = self.callbacks_answered;
        // Sequentially consistent: after setting WAITERS below, these loads must not miss a
        // word the worker stored before it looked at WAITERS (and so did not wake us).
        let arrived = || {
            if reply_seq.load(Ordering::SeqCst) == seq {
                Some(Event::Reply)
            } else {
                let number = callback_seq.load(Ordering::SeqCst);
                (number != answered).then_some(Event::Callback(number))
            }
        };
        let cores = Cores::new(&control.host_core.cpu, &control.worker_core.cpu);
        let (pid, last_move, moves) = (self.pid, &mut self.last_move, &mut self.moves);
        // The worker on this thread's core: move it to another one, at most once a
        // millisecond (two system calls and a migration), and yield meanwhile.
        let shared_core = || {
            let Some(here) = cores.shared_core() else {
                return false;
            };
            let now = Instant::now();
            if last_move.is_none_or(|last| now.duration_since(last) >= MOVE_GAP) {
                *last_move = Some(now);
                if cores::move_off(pid, here) {
                    *moves += 1;
                    return false;
                }
            }
            true
        };
        if self.spinner.spin(spin, shared_core, || arrived().is_some())
            && let Some(event) = arrived()
        {
            return Ok(event);
        }
        let started = Instant::now();
        let robust = &control.worker.robust_word;
        // An honest worker wakes this sleep only once its reply is published, and the kernel
        // only when it dies. A sleep that ends early with neither is the worker's doing
        // (changing or waking the word in a loop), and sleeping on the word again at once
        // would let it keep this thread spinning. After such a wake-up the host waits on the
        // worker's pidfd instead, for a pause that doubles up to `NO_PROGRESS_PAUSE.1` and
        // goes back to none after a sleep that ran its course; the wait ends at once if the
        // worker dies. The honest path (a reply, or a death) never pauses.
        let mut pause = Duration::ZERO;
        // Where this thread wakes is the scheduler's choice: no core until it runs again.
        cores.vacate();
        // Bounded by the deadline: every iteration either returns or sleeps at most until it.
        loop {
            let word = robust.fetch_or(WAITERS, Ordering::SeqCst);
            if let Some(event) = arrived() {
                cores.publish();
                return Ok(event);
            }
            if word & OWNER_DIED != 0 {
                return Err(CallFailure::Fatal(self.died(function)));
            }
            let elapsed = started.elapsed();
            if elapsed >= deadline {
                let pid = self.pid;
                self.kill_and_reap();
                return Err(CallFailure::Fatal(SandboxError::Timeout {
                    function,
                    pid,
                    deadline: whole,
                }));
            }
            let remaining = deadline - elapsed;
            let ran_its_course =
                futex::wait_timed_out(robust, word | WAITERS, remaining.min(LIVENESS_SLICE));
            if let Some(event) = arrived() {
                cores.publish();
                return Ok(event);
            }
            if robust.load(Ordering::SeqCst) & OWNER_DIED != 0 {
                continue;
            }
            pause = if ran_its_course {
                Duration::ZERO
            } else {
                (pause * 2).clamp(NO_PROGRESS_PAUSE.0, NO_PROGRESS_PAUSE.1)
            };
            let remaining = deadline.saturating_sub(started.elapsed());
            if self.exits_within(pause.min(remaining)) {
                return Err(CallFailure::Fatal(self.died(function)));
            }
        }
    }

    /// Waits at most `timeout` for the worker to terminate (a zero timeout only checks); says
    /// whether it has. Through the pidfd when there is one, so the wait ends the moment the
    /// worker dies; otherwise a plain sleep, then `waitid`.
    fn exits_within(&self, timeout: Duration) -> bool {
        let Some(pidfd) = &self.pidfd else {
            if !timeout.is_zero() {
                std::thread::sleep(timeout);
            }
            return self.has_exited();
        };
        let timespec = rustix::time::Timespec {
            tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        let mut fds = [rustix::event::PollFd::new(
            pidfd,
            rustix::event::PollFlags::IN,
        )];
        // An interrupted poll counts as "not yet": the caller's loop asks again.
        matches!(rustix::event::poll(&mut fds, Some(&timespec)), Ok(ready) if ready > 0)
    }

    /// Whether the worker has terminated, without reaping it (so its process group id cannot
    /// be reused before the group is killed).
    fn has_exited(&self) -> bool {
        let Some(pid) = Pid::from_raw(i32::try_from(self.pid).unwrap_or(0)) else {
            return true;
        };
        matches!(
            rustix::process::waitid(
                rustix::process::WaitId::Pid(pid),
                WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT,
            ),
            Ok(Some(_))
        )
    }

    /// The worker is gone (or claims to be): kill its group, reap it, and say why it died.
    fn died(&mut self, function: &'static str) -> SandboxError {
        let pid = self.pid;
        // The kernel processes the robust list while the worker is exiting, a moment before
        // the process becomes waitable: give it a bounded moment.
        let started = Instant::now();
        let mut pause = Duration::from_micros(5);
        while !self.has_exited() && started.elapsed() < DEATH_GRACE {
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
        let was_alive = !self.has_exited();
        let reaped = self.kill_and_reap_with_usage();
        let stderr_tail = self.stderr_tail();
        if was_alive {
            return SandboxError::Reply {
                function,
                source: ReplyError::Malformed(
                    "the worker signalled its death but was alive".into(),
                ),
            };
        }
        let hard_cpu_limit =
            self.cpu_budget
                .zip(reaped.as_ref())
                .is_some_and(|(budget, reaped)| {
                    reaped.status.signal() == Some(libc::SIGKILL) && reaped.cpu >= budget
                });
        let signal = reaped.as_ref().and_then(|r| r.status.signal());
        if signal == Some(libc::SIGSYS)
            && let Some(call) = self.filter_kill(pid)
        {
            self.blocked.push(call.clone());
            return SandboxError::FilterKilled {
                function,
                pid,
                call: Box::new(call),
            };
        }
        if signal == Some(libc::SIGKILL)
            && let Some(call) = self.blocked.killed(pid)
        {
            let call = Box::new(call);
            return SandboxError::PolicyViolation {
                function,
                pid,
                call,
            };
        }
        if hard_cpu_limit {
            return SandboxError::ResourceLimit {
                function,
                pid,
                limit: Limit::CpuTime,
                stderr_tail,
            };
        }
        classify(
            function,
            pid,
            reaped.as_ref(),
            self.address_space,
            stderr_tail,
        )
    }

    /// The blocked call to record for a worker that died of `SIGSYS`, if its seccomp filter was
    /// in force (verified from outside at start): the filter kills that way only for calls it
    /// cannot report. Its number and arguments are unknown: the kernel sends no notification.
    fn filter_kill(&self, pid: u32) -> Option<BlockedCall> {
        let layers = self.confinement?.layers;
        if !layers.contains(Layers::SECCOMP) {
            return None;
        }
        let (syscall, detail) = if layers.contains(Layers::NOTIFY) {
            (
                "foreign-ABI syscall",
                "refused by the seccomp filter's architecture check (a syscall through \
                 another ABI, such as int 0x80 on x86_64); the kernel kills before any \
                 notification, so its number and arguments are unknown",
            )
        } else {
            (
                "unreported syscall",
                "refused by the seccomp filter, which kills without a report when there is \
                 no listener; its number and arguments are unknown",
            )
        };
        Some(BlockedCall {
            pid,
            syscall: syscall.to_owned(),
            nr: -1,
            args: [0; 6],
            detail: Some(detail.to_owned()),
            reason: None,
            verdict: Verdict::Killed,
        })
    }

    /// Kills the worker, then its process group (grandchildren that stayed in it), and reaps
    /// the worker. Bounded: if the worker is not reaped within two seconds it is left to the
    /// kernel's orphan handling when the host exits.
    pub(crate) fn kill_and_reap(&mut self) -> Option<ExitStatus> {
        self.kill_and_reap_with_usage().map(|reaped| reaped.status)
    }

    /// As [`Self::kill_and_reap`], also returning the CPU time the worker used (`wait4`'s
    /// resource usage), which names the CPU limit when the kernel's hard limit sent SIGKILL.
    fn kill_and_reap_with_usage(&mut self) -> Option<Reaped> {
        let raw_pid = i32::try_from(self.pid).ok()?;
        // The worker itself first, by its pidfd (or its pid: our unreaped child, so the number
        // is still its own). The group kill alone misses a worker that is no longer in its
        // group; as a session leader it cannot leave it, but this does not rest on that.
        let signalled = self
            .pidfd
            .as_ref()
            .is_some_and(|pidfd| rustix::process::pidfd_send_signal(pidfd, Signal::KILL).is_ok());
        if let Some(pid) = Pid::from_raw(raw_pid) {
            if !signalled && self.child.is_some() {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
            let _ = rustix::process::kill_process_group(pid, Signal::KILL);
        }
        // Our own child: reaped here with wait4 (std's `Child` is kept only for its pid and
        // is never waited on after this).
        self.child.take()?;
        let started = Instant::now();
        let mut pause = Duration::from_micros(20);
        while started.elapsed() < Duration::from_secs(2) {
            let mut status: libc::c_int = 0;
            // SAFETY: zeroed is a valid `rusage` (plain integers and timevals).
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: wait4 writes one c_int and one rusage through the two pointers, which
            // point at the locals above; `raw_pid` is our child, not yet reaped.
            let reaped = unsafe { libc::wait4(raw_pid, &mut status, libc::WNOHANG, &mut usage) };
            if reaped == raw_pid {
                let cpu = timeval(usage.ru_utime).saturating_add(timeval(usage.ru_stime));
                let peak_rss = u64::try_from(usage.ru_maxrss)
                    .unwrap_or(0)
                    .saturating_mul(1024);
                return Some(Reaped {
                    status: ExitStatus::from_raw(status),
                    cpu,
                    peak_rss,
                });
            }
            if reaped < 0 {
                return None;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(10));
        }
        tracing::warn!(pid = self.pid, "worker not reaped within 2 s after SIGKILL");
        None
    }

    /// The end of the worker's standard error, sanitized; truncates the log when it grew large.
    fn stderr_tail(&self) -> String {
        let Ok(stat) = rustix::fs::fstat(&self.log) else {
            return String::new();
        };
        let size = u64::try_from(stat.st_size).unwrap_or(0);
        let start = size.saturating_sub(STDERR_TAIL);
        let mut buffer = vec![0u8; usize::try_from(size - start).unwrap_or(0)];
        let read = rustix::io::pread(&self.log, &mut buffer, start).unwrap_or(0);
        buffer.truncate(read);
        crate::text::sanitize(&buffer)
    }

    /// Keeps a long-lived worker's standard-error log from growing without bound.
    pub(crate) fn trim_log(&self) {
        if let Ok(stat) = rustix::fs::fstat(&self.log)
            && stat.st_size > 1 << 20
        {
            let _ = rustix::fs::ftruncate(&self.log, 0);
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.kill_and_reap();
        }
    }
}
