//! Spinning before sleeping: how long a waiter polls its shared word before it sleeps on the
//! futex.
//!
//! Two waiters spin: the calling thread waiting for a reply, and the worker waiting for its
//! next call. When both spin, a call costs no system call at all; when the awaited side sleeps,
//! each direction costs a futex wake-up, which on a VM is an inter-processor interrupt. But
//! spinning pays only while every spinner and the side it waits for each have a core: on a
//! machine where something else runs, a spinner holds the core the other side needs, and a
//! preempted spinner is woken by nobody. Whether spinning pays is therefore a property of the
//! machine at the moment, which [`SpinPolicy::Adaptive`] measures (`spin_plan.rs`) instead of
//! guessing from how single spins end.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How long a waiter spins on shared memory before it sleeps on a futex.
///
/// Whatever the policy, two things hold for every spinning wait. The first wait after this
/// side had to wake the other from its futex may spin 100 µs longer than the budget, so that
/// the woken side has time to get a core and answer (without it, one sleep on a VM whose
/// wake-ups take longer than the budget makes the other side sleep too, call after call). And
/// while the other side is on the spinner's own core, the spinner yields the core at each
/// poll instead of spinning, and the calling thread moves the worker to another core (at most
/// once a millisecond): two threads that wake each other are often placed on one core.
///
/// Set per side with [`SandboxBuilder::spin`](crate::SandboxBuilder::spin) (the calling thread
/// waiting for a reply) and [`SandboxBuilder::worker_spin`](crate::SandboxBuilder::worker_spin)
/// (an idle worker waiting for the next call). Both default to
/// [`SpinPolicy::adaptive()`](Self::adaptive). BENCHMARKS.md (`## Sandbox`) has the figures
/// behind the choice.
///
/// ```
/// use std::time::Duration;
/// use ffiguard_sandbox::{Sandbox, SpinPolicy};
///
/// // A latency-critical caller on a machine with cores to spare: always spin up to 50 µs.
/// let builder = Sandbox::builder()
///     .spin(SpinPolicy::Fixed(Duration::from_micros(50)))
///     .worker_spin(Duration::from_micros(50)); // a `Duration` means `Fixed`
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SpinPolicy {
    /// Sleep on the futex at once: the other side always pays a wake-up system call. The
    /// choice for a machine whose cores are always busy.
    Never,
    /// Spin up to this long on every wait, whatever happens: the lowest latency on a machine
    /// with a free core per spinner, and the worst on an oversubscribed one.
    Fixed(Duration),
    /// Spin up to `max` while spinning measurably pays. The calling thread times every call
    /// and, in stretches of 16 calls, runs one of the plans "both sides spin", "only the
    /// caller spins", "only the worker spins" and "neither spins" (the worker follows the
    /// plan the caller sends with each call); it keeps the plan whose calls were fastest and
    /// tries the others again now and then — the slower a plan was, the more rarely. A spin
    /// during which the spinner lost its core (its clock jumped by more than 50 µs between
    /// two polls) ends at once.
    Adaptive {
        /// The longest spin of one wait.
        max: Duration,
    },
}

impl SpinPolicy {
    /// The default: [`SpinPolicy::Adaptive`] with a 20 µs spin, which covers a short call's
    /// round trip on the reference machine with room to spare.
    pub const fn adaptive() -> Self {
        Self::Adaptive {
            max: Duration::from_micros(20),
        }
    }

    /// The longest a single wait spins under this policy.
    pub fn max_spin(self) -> Duration {
        match self {
            Self::Never => Duration::ZERO,
            Self::Fixed(budget) | Self::Adaptive { max: budget } => budget,
        }
    }
}

impl Default for SpinPolicy {
    fn default() -> Self {
        Self::adaptive()
    }
}

/// A duration is a fixed spin (zero: never spin).
impl From<Duration> for SpinPolicy {
    fn from(budget: Duration) -> Self {
        if budget.is_zero() {
            Self::Never
        } else {
            Self::Fixed(budget)
        }
    }
}

/// A clock gap this long between two polls means the spinner was not running: preempted.
const PREEMPTED: Duration = Duration::from_micros(50);
/// Polls between two clock reads: `Instant::now` costs ~20 ns (vDSO), a poll a few.
const POLLS_PER_CLOCK_READ: u32 = 64;
/// What the first wait after a futex wake-up of the other side may spin on top of its budget:
/// the woken side needs a wake-up before it can answer. On the reference VM waking a halted
/// vCPU takes ~40 µs, twice the default budget, so without this allowance one sleep makes the
/// other side's next spin run out, it sleeps too, and the two sides go on waking each other
/// call after call (BENCHMARKS.md, `## Sandbox`).
pub(crate) const WAKE_ALLOWANCE: Duration = Duration::from_micros(100);

/// How one spin ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpinOutcome {
    /// The event came while spinning, with the spinner running throughout.
    Caught,
    /// The budget ran out first.
    Idle,
    /// The spinner lost its core while spinning (whether or not the event came).
    Preempted,
    /// The other side was seen on the spinner's core, which it needs to answer: from then
    /// on the spinner yielded the core at each poll (whether or not the event came).
    SharedCore,
}

/// What one waiter's spinning did, wait by wait: the evidence for (or against) a spin policy
/// on a given machine. Read with [`Sandbox::spin_counters`](crate::Sandbox::spin_counters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpinCounters {
    /// Spins that caught their event with the spinner running throughout.
    pub caught: u64,
    /// Spins whose budget ran out before the event came.
    pub idle: u64,
    /// Spins during which the spinner lost its core (whether or not the event came).
    pub preempted: u64,
    /// Waits that did not spin: the adaptive plan said so, or the policy is `Never`.
    pub skipped: u64,
    /// Waits that ended asleep on the futex: the other side paid a wake-up for each.
    pub slept: u64,
    /// Spins during which the other side was seen on the spinner's own core, where spinning
    /// would only keep it from answering: the spinner yielded the core at each poll instead.
    pub shared_core: u64,
    /// Times the calling thread moved the worker off its core (`sched_setaffinity`, at most
    /// once a millisecond); always 0 on the worker's side, which never moves anything.
    pub moved_worker: u64,
}

impl SpinCounters {
    /// The counts since `earlier`, a snapshot of the same counters.
    #[must_use]
    pub fn since(self, earlier: Self) -> Self {
        Self {
            caught: self.caught.saturating_sub(earlier.caught),
            idle: self.idle.saturating_sub(earlier.idle),
            preempted: self.preempted.saturating_sub(earlier.preempted),
            skipped: self.skipped.saturating_sub(earlier.skipped),
            slept: self.slept.saturating_sub(earlier.slept),
            shared_core: self.shared_core.saturating_sub(earlier.shared_core),
            moved_worker: self.moved_worker.saturating_sub(earlier.moved_worker),
        }
    }

    /// Both sets of counts together (several workers' counts summed).
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self {
            caught: self.caught.saturating_add(other.caught),
            idle: self.idle.saturating_add(other.idle),
            preempted: self.preempted.saturating_add(other.preempted),
            skipped: self.skipped.saturating_add(other.skipped),
            slept: self.slept.saturating_add(other.slept),
            shared_core: self.shared_core.saturating_add(other.shared_core),
            moved_worker: self.moved_worker.saturating_add(other.moved_worker),
        }
    }
}

/// How many stretches of calls ran each plan of [`SpinPolicy::Adaptive`] (a stretch is 16
/// calls; a plan says which sides spin).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanCounts {
    /// Both the calling thread and the worker spin.
    pub both_spin: u64,
    /// Only the calling thread spins; the worker sleeps at once.
    pub caller_spins: u64,
    /// Only the worker spins; the calling thread sleeps at once.
    pub worker_spins: u64,
    /// Both sleep at once.
    pub neither_spins: u64,
}

impl PlanCounts {
    /// The counts since `earlier`, a snapshot of the same counters.
    #[must_use]
    pub fn since(self, earlier: Self) -> Self {
        Self {
            both_spin: self.both_spin.saturating_sub(earlier.both_spin),
            caller_spins: self.caller_spins.saturating_sub(earlier.caller_spins),
            worker_spins: self.worker_spins.saturating_sub(earlier.worker_spins),
            neither_spins: self.neither_spins.saturating_sub(earlier.neither_spins),
        }
    }

    /// Both sets of counts together.
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self {
            both_spin: self.both_spin.saturating_add(other.both_spin),
            caller_spins: self.caller_spins.saturating_add(other.caller_spins),
            worker_spins: self.worker_spins.saturating_add(other.worker_spins),
            neither_spins: self.neither_spins.saturating_add(other.neither_spins),
        }
    }
}

/// Both sides' spin counters of a sandbox's idle workers, from
/// [`Sandbox::spin_counters`](crate::Sandbox::spin_counters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpinReport {
    /// The calling threads waiting for replies.
    pub host: SpinCounters,
    /// The workers waiting for calls, as the workers report them (a compromised worker can
    /// report anything: these are for tuning, not for decisions).
    pub worker: SpinCounters,
    /// The adaptive policy's plans, stretch by stretch (all zero unless a side is adaptive).
    pub plans: PlanCounts,
}

impl SpinReport {
    /// The counts since `earlier`, a snapshot of the same sandbox.
    #[must_use]
    pub fn since(self, earlier: Self) -> Self {
        Self {
            host: self.host.since(earlier.host),
            worker: self.worker.since(earlier.worker),
            plans: self.plans.since(earlier.plans),
        }
    }

    /// Both reports together (several workers' counts summed).
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self {
            host: self.host.plus(other.host),
            worker: self.worker.plus(other.worker),
            plans: self.plans.plus(other.plans),
        }
    }
}

/// One waiter's spinning: its policy and what its waits did. Not shared between threads.
#[derive(Debug, Clone)]
pub(crate) struct Spinner {
    policy: SpinPolicy,
    /// This side has just woken the other from its futex: the next spin allows for the
    /// wake-up ([`WAKE_ALLOWANCE`]).
    woke_other: bool,
    /// What the waits so far did.
    pub(crate) counters: SpinCounters,
}

impl Spinner {
    pub(crate) fn new(policy: SpinPolicy) -> Self {
        Self {
            policy,
            woke_other: false,
            counters: SpinCounters::default(),
        }
    }

    /// Records that this side has just woken the other side from its futex, so the next wait,
    /// if it spins at all, spins up to [`WAKE_ALLOWANCE`] longer: long enough for the woken
    /// side to get a core and answer, so that one sleep does not turn into a chain of them.
    pub(crate) fn woke_other(&mut self) {
        self.woke_other = true;
    }

    /// Spins until `done()` or the policy says stop; returns whether `done()` became true.
    /// `planned` says whether the adaptive plan of this wait spins (ignored by the other
    /// policies); `shared_core()` whether the other side was last seen on this core (asked
    /// before the spin and at every clock read; see `cores.rs`). The caller sleeps on its
    /// futex when this returns `false`.
    pub(crate) fn spin(
        &mut self,
        planned: bool,
        shared_core: impl FnMut() -> bool,
        done: impl FnMut() -> bool,
    ) -> bool {
        let caught = self.spin_with_clock(planned, shared_core, done, Instant::now);
        if !caught {
            self.counters.slept += 1;
        }
        caught
    }

    fn spin_with_clock(
        &mut self,
        planned: bool,
        mut shared_core: impl FnMut() -> bool,
        mut done: impl FnMut() -> bool,
        now: impl FnMut() -> Instant,
    ) -> bool {
        let budget = match self.policy {
            SpinPolicy::Fixed(budget) => budget,
            SpinPolicy::Adaptive { max } if planned => max,
            SpinPolicy::Never | SpinPolicy::Adaptive { .. } => Duration::ZERO,
        };
        let budget = if std::mem::take(&mut self.woke_other) && !budget.is_zero() {
            budget.saturating_add(WAKE_ALLOWANCE)
        } else {
            budget
        };
        if budget.is_zero() {
            self.counters.skipped += 1;
            return done();
        }
        let (caught, outcome) = poll(budget, &mut shared_core, &mut done, now);
        let counter = match outcome {
            SpinOutcome::Caught => &mut self.counters.caught,
            SpinOutcome::Idle => &mut self.counters.idle,
            SpinOutcome::Preempted => &mut self.counters.preempted,
            SpinOutcome::SharedCore => &mut self.counters.shared_core,
        };
        *counter += 1;
        caught
    }
}

/// Polls `done` for at most `budget`; says whether it became true and how the spin went.
/// While the other side is on this core (`shared_core`), each poll yields the core instead of
/// spinning: the other side runs at once, and with two runnable threads on one core the
/// scheduler soon moves one of them to an idle core, where spinning pays again. (Sleeping
/// instead would leave one runnable thread per moment, and the pair on one core for good.)
fn poll(
    budget: Duration,
    shared_core: &mut impl FnMut() -> bool,
    done: &mut impl FnMut() -> bool,
    mut now: impl FnMut() -> Instant,
) -> (bool, SpinOutcome) {
    let mut shared = shared_core();
    let start = now();
    let mut last = start;
    loop {
        if shared {
            if done() {
                return (true, SpinOutcome::SharedCore);
            }
            std::thread::yield_now();
        } else {
            for _ in 0..POLLS_PER_CLOCK_READ {
                if done() {
                    return (true, SpinOutcome::Caught);
                }
                std::hint::spin_loop();
            }
        }
        let time = now();
        if time.saturating_duration_since(last) > PREEMPTED {
            return (done(), SpinOutcome::Preempted);
        }
        if time.saturating_duration_since(start) >= budget {
            let outcome = if shared {
                SpinOutcome::SharedCore
            } else {
                SpinOutcome::Idle
            };
            return (done(), outcome);
        }
        shared = shared || shared_core();
        last = time;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A clock that advances by `step` per read, with one jump of `jump` at read `jump_at`.
    fn clock(step: Duration, jump_at: usize, jump: Duration) -> impl FnMut() -> Instant {
        let base = Instant::now();
        let mut reads = 0usize;
        let mut time = base;
        move || {
            reads += 1;
            time += step;
            if reads == jump_at {
                time += jump;
            }
            time
        }
    }

    fn steady() -> impl FnMut() -> Instant {
        clock(Duration::from_micros(1), usize::MAX, Duration::ZERO)
    }

    const MAX: Duration = Duration::from_micros(20);

    /// Spins `spinner` on a word that never changes; returns how many times it was polled.
    fn polls_of_an_idle_wait(spinner: &mut Spinner, planned: bool) -> u32 {
        let polls = Cell::new(0u32);
        let caught = spinner.spin_with_clock(
            planned,
            || false,
            || {
                polls.set(polls.get() + 1);
                false
            },
            steady(),
        );
        assert!(!caught);
        polls.get()
    }

    #[test]
    fn never_polls_once_and_fixed_spins_the_full_budget_whatever_the_plan() {
        let mut never = Spinner::new(SpinPolicy::Never);
        assert_eq!(polls_of_an_idle_wait(&mut never, true), 1);
        let mut fixed = Spinner::new(SpinPolicy::Fixed(MAX));
        for planned in [true, false, true] {
            // 20 clock reads of 1 µs, 64 polls between reads, and the final check.
            let polls = polls_of_an_idle_wait(&mut fixed, planned);
            assert!(polls > 1_000, "{polls}");
        }
        assert_eq!((never.counters.skipped, never.counters.idle), (1, 0));
        assert_eq!((fixed.counters.idle, fixed.counters.skipped), (3, 0));
    }

    #[test]
    fn adaptive_spins_exactly_when_the_plan_says_so() {
        let mut spinner = Spinner::new(SpinPolicy::adaptive());
        assert!(polls_of_an_idle_wait(&mut spinner, true) > 1_000);
        assert_eq!(polls_of_an_idle_wait(&mut spinner, false), 1);
        let polls = Cell::new(0u32);
        let caught = spinner.spin_with_clock(
            true,
            || false,
            || {
                polls.set(polls.get() + 1);
                polls.get() == 100
            },
            steady(),
        );
        assert!(caught);
        let counters = spinner.counters;
        assert_eq!(
            (counters.caught, counters.idle, counters.skipped),
            (1, 1, 1)
        );
    }

    #[test]
    fn a_spin_that_lost_its_core_ends_at_once_and_still_reports_the_event() {
        let mut spinner = Spinner::new(SpinPolicy::adaptive());
        let polls = Cell::new(0u32);
        // The clock jumps 3 ms at its third read: the spinner was off its core.
        let caught = spinner.spin_with_clock(
            true,
            || false,
            || {
                polls.set(polls.get() + 1);
                polls.get() > 128
            },
            clock(Duration::from_micros(1), 3, Duration::from_millis(3)),
        );
        assert!(
            caught,
            "the event that came during the preemption is reported"
        );
        assert_eq!(spinner.counters.preempted, 1);
        // Without the event, the spin stops at the jump instead of running out its budget.
        polls.set(0);
        let caught = spinner.spin_with_clock(
            true,
            || false,
            || {
                polls.set(polls.get() + 1);
                false
            },
            clock(Duration::from_micros(1), 2, Duration::from_millis(3)),
        );
        assert!(!caught);
        assert!(
            polls.get() <= 2 * POLLS_PER_CLOCK_READ + 1,
            "{}",
            polls.get()
        );
        assert_eq!(spinner.counters.preempted, 2);
    }

    #[test]
    fn the_wait_after_waking_the_other_side_allows_for_the_wake_up_once() {
        // 1 µs per clock read: the number of polls measures the budget.
        let mut fixed = Spinner::new(SpinPolicy::Fixed(MAX));
        let plain = polls_of_an_idle_wait(&mut fixed, true);
        fixed.woke_other();
        let after_wake = polls_of_an_idle_wait(&mut fixed, true);
        let again = polls_of_an_idle_wait(&mut fixed, true);
        let micros = |polls: u32| polls / POLLS_PER_CLOCK_READ;
        assert_eq!(micros(plain), 20, "{plain}");
        assert_eq!(micros(after_wake), 120, "{after_wake}");
        assert_eq!(again, plain, "the allowance is for one wait only");
        // A side that does not spin does not start to because it woke the other.
        let mut never = Spinner::new(SpinPolicy::Never);
        never.woke_other();
        assert_eq!(polls_of_an_idle_wait(&mut never, true), 1);
        let mut adaptive = Spinner::new(SpinPolicy::adaptive());
        adaptive.woke_other();
        assert_eq!(polls_of_an_idle_wait(&mut adaptive, false), 1);
    }

    #[test]
    fn counters_subtract_and_add() {
        let one = SpinCounters {
            caught: 5,
            idle: 4,
            preempted: 3,
            skipped: 2,
            slept: 1,
            shared_core: 6,
            moved_worker: 7,
        };
        assert_eq!(one.plus(one).since(one), one);
        assert_eq!(one.since(one.plus(one)), SpinCounters::default());
    }

    #[test]
    fn durations_convert_to_fixed_or_never() {
        assert_eq!(SpinPolicy::from(Duration::ZERO), SpinPolicy::Never);
        assert_eq!(SpinPolicy::from(MAX), SpinPolicy::Fixed(MAX));
        assert_eq!(SpinPolicy::default().max_spin(), MAX);
        assert_eq!(SpinPolicy::Never.max_spin(), Duration::ZERO);
    }
}
