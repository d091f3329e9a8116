//! Spinning before sleeping: how long a waiter polls its shared word before it sleeps on the
//! futex, and the adaptive policy that stops spinning where spinning does not pay.
//!
//! Two waiters spin: the calling thread waiting for a reply, and the worker waiting for its
//! next call. When both spin, a call costs no system call at all; when the awaited side sleeps,
//! each direction costs a futex wake-up, which on a VM is an inter-processor interrupt. But
//! spinning pays only with a free core: a spinner that is preempted is not woken by the other
//! side (it is not asleep) and waits for the scheduler instead, which turns microseconds into
//! milliseconds. [`SpinPolicy::Adaptive`] watches for exactly these two failures — spinning
//! that caught nothing, and spinning that was preempted — and backs off.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How long a waiter spins on shared memory before it sleeps on a futex.
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
    /// Spin up to `max`, and back off when spinning did not pay: after four waits in a row in
    /// which the awaited event did not come within `max`, spinning is skipped for the next 1,
    /// 2, 4, … up to 64 waits; after a wait in which the spinner was preempted (its clock
    /// jumped by more than 50 µs between two polls: no core was free), for the next 64, 128
    /// or 256 waits. A spin that catches its event resets the backoff.
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
/// Idle spins in a row before spinning backs off: one idle spin is often the other side
/// waking from a sleep of its own, and backing off then would put both sides to sleep.
const IDLE_STREAK: u32 = 4;
/// The most waits skipped after spins that caught nothing.
const MAX_IDLE_BACKOFF: u32 = 64;
/// The most waits skipped after spins that were preempted. Larger caps starve a quiet VM whose
/// vCPUs are briefly descheduled now and then (each such gap reads as a preemption); smaller
/// ones pay a lost time slice too often on an oversubscribed machine (BENCHMARKS.md).
const MAX_PREEMPTED_BACKOFF: u32 = 256;
/// Polls between two clock reads: `Instant::now` costs ~20 ns (vDSO), a poll a few.
const POLLS_PER_CLOCK_READ: u32 = 64;

/// How one spin ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpinOutcome {
    /// The event came while spinning, with the spinner running throughout.
    Caught,
    /// The budget ran out first.
    Idle,
    /// The spinner lost its core while spinning (whether or not the event came).
    Preempted,
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
    /// Waits that did not spin because the policy was backing off (or is `Never`).
    pub skipped: u64,
    /// Waits that ended asleep on the futex: the other side paid a wake-up for each.
    pub slept: u64,
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
}

impl SpinReport {
    /// The counts since `earlier`, a snapshot of the same sandbox.
    #[must_use]
    pub fn since(self, earlier: Self) -> Self {
        Self {
            host: self.host.since(earlier.host),
            worker: self.worker.since(earlier.worker),
        }
    }
}

/// One waiter's spinning: its policy and the adaptive state. Not shared between threads.
#[derive(Debug, Clone)]
pub(crate) struct Spinner {
    policy: SpinPolicy,
    /// What the waits so far did.
    pub(crate) counters: SpinCounters,
    /// Waits left before the next spin.
    skip: u32,
    /// The skip count the next failure starts from (doubled per failure).
    backoff: u32,
    /// Idle spins since the last caught one.
    idle_streak: u32,
}

impl Spinner {
    pub(crate) fn new(policy: SpinPolicy) -> Self {
        Self {
            policy,
            counters: SpinCounters::default(),
            skip: 0,
            backoff: 0,
            idle_streak: 0,
        }
    }

    /// Spins until `done()` or the policy says stop; returns whether `done()` became true.
    /// The caller sleeps on its futex when this returns `false`.
    pub(crate) fn spin(&mut self, done: impl FnMut() -> bool) -> bool {
        let caught = self.spin_with_clock(done, Instant::now);
        if !caught {
            self.counters.slept += 1;
        }
        caught
    }

    fn spin_with_clock(
        &mut self,
        mut done: impl FnMut() -> bool,
        now: impl FnMut() -> Instant,
    ) -> bool {
        let budget = match self.policy {
            SpinPolicy::Never => {
                self.counters.skipped += 1;
                return done();
            }
            SpinPolicy::Fixed(budget) => {
                let (caught, outcome) = poll(budget, &mut done, now);
                self.count(outcome);
                return caught;
            }
            SpinPolicy::Adaptive { max } => max,
        };
        if self.skip > 0 {
            self.skip -= 1;
            self.counters.skipped += 1;
            return done();
        }
        let (caught, outcome) = poll(budget, &mut done, now);
        self.count(outcome);
        match outcome {
            SpinOutcome::Caught => {
                self.backoff = 0;
                self.idle_streak = 0;
            }
            SpinOutcome::Idle => {
                self.idle_streak = self.idle_streak.saturating_add(1);
                // One idle spin says little (the other side may have been asleep); a streak
                // says the waits are longer than the budget.
                if self.idle_streak >= IDLE_STREAK {
                    // An earlier preemption's longer backoff is not shortened by idle spins.
                    if self.backoff < MAX_IDLE_BACKOFF {
                        self.backoff = self.backoff.saturating_mul(2).clamp(1, MAX_IDLE_BACKOFF);
                    }
                    self.skip = self.backoff;
                }
            }
            SpinOutcome::Preempted => {
                self.backoff = self
                    .backoff
                    .saturating_mul(2)
                    .clamp(MAX_IDLE_BACKOFF, MAX_PREEMPTED_BACKOFF);
                self.skip = self.backoff;
            }
        }
        caught
    }

    fn count(&mut self, outcome: SpinOutcome) {
        let counter = match outcome {
            SpinOutcome::Caught => &mut self.counters.caught,
            SpinOutcome::Idle => &mut self.counters.idle,
            SpinOutcome::Preempted => &mut self.counters.preempted,
        };
        *counter += 1;
    }
}

/// Polls `done` for at most `budget`; says whether it became true and how the spin went.
fn poll(
    budget: Duration,
    done: &mut impl FnMut() -> bool,
    mut now: impl FnMut() -> Instant,
) -> (bool, SpinOutcome) {
    if budget.is_zero() {
        return (done(), SpinOutcome::Idle);
    }
    let start = now();
    let mut last = start;
    loop {
        for _ in 0..POLLS_PER_CLOCK_READ {
            if done() {
                return (true, SpinOutcome::Caught);
            }
            std::hint::spin_loop();
        }
        let time = now();
        if time.saturating_duration_since(last) > PREEMPTED {
            return (done(), SpinOutcome::Preempted);
        }
        if time.saturating_duration_since(start) >= budget {
            return (done(), SpinOutcome::Idle);
        }
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

    #[test]
    fn never_polls_once_and_fixed_spins_the_full_budget_every_time() {
        let polls = Cell::new(0u32);
        let mut never = Spinner::new(SpinPolicy::Never);
        assert!(!never.spin_with_clock(
            || {
                polls.set(polls.get() + 1);
                false
            },
            steady()
        ));
        assert_eq!(polls.get(), 1);

        let mut fixed = Spinner::new(SpinPolicy::Fixed(MAX));
        for _ in 0..5 {
            polls.set(0);
            assert!(!fixed.spin_with_clock(
                || {
                    polls.set(polls.get() + 1);
                    false
                },
                steady()
            ));
            // 20 clock reads of 1 µs, 64 polls between reads, and the final check.
            assert!(polls.get() > 1_000, "{}", polls.get());
        }
    }

    #[test]
    fn a_caught_event_keeps_adaptive_spinning() {
        let mut spinner = Spinner::new(SpinPolicy::adaptive());
        for _ in 0..100 {
            let polls = Cell::new(0u32);
            let caught = spinner.spin_with_clock(
                || {
                    polls.set(polls.get() + 1);
                    polls.get() == 100
                },
                steady(),
            );
            assert!(caught);
            assert_eq!(spinner.skip, 0);
        }
    }

    #[test]
    fn idle_spins_back_off_exponentially_up_to_the_cap_and_a_catch_resets() {
        let mut spinner = Spinner::new(SpinPolicy::adaptive());
        // The first idle spins of a streak do not back off yet.
        for _ in 1..IDLE_STREAK {
            assert!(!spinner.spin_with_clock(|| false, steady()));
            assert_eq!(spinner.skip, 0);
        }
        let mut skips = Vec::new();
        for _ in 0..10 {
            assert!(!spinner.spin_with_clock(|| false, steady()));
            skips.push(spinner.skip);
            // The skipped waits poll exactly once each and do not spin.
            while spinner.skip > 0 {
                let polls = Cell::new(0u32);
                spinner.spin_with_clock(
                    || {
                        polls.set(polls.get() + 1);
                        false
                    },
                    steady(),
                );
                assert_eq!(polls.get(), 1);
            }
        }
        assert_eq!(skips, [1, 2, 4, 8, 16, 32, 64, 64, 64, 64]);
        assert!(spinner.spin_with_clock(|| true, steady()));
        assert_eq!((spinner.skip, spinner.backoff), (0, 0));
        // After a catch, a new streak is needed before backing off again.
        assert!(!spinner.spin_with_clock(|| false, steady()));
        assert_eq!(spinner.skip, 0);
    }

    #[test]
    fn a_preempted_spin_backs_off_harder_even_if_the_event_came() {
        let mut spinner = Spinner::new(SpinPolicy::adaptive());
        let polls = Cell::new(0u32);
        // The clock jumps 3 ms at its third read: the spinner was off its core.
        let caught = spinner.spin_with_clock(
            || {
                polls.set(polls.get() + 1);
                polls.get() > 128
            },
            clock(Duration::from_micros(1), 3, Duration::from_millis(3)),
        );
        assert!(
            caught,
            "the event that came during the preemption is still reported"
        );
        assert_eq!(spinner.skip, MAX_IDLE_BACKOFF);
        let mut skips = vec![spinner.skip];
        for _ in 0..8 {
            spinner.skip = 0;
            spinner.spin_with_clock(
                || false,
                clock(Duration::from_micros(1), 2, Duration::from_millis(3)),
            );
            skips.push(spinner.skip);
        }
        assert_eq!(skips, [64, 128, 256, 256, 256, 256, 256, 256, 256]);
        // A streak of idle spins afterwards does not shorten the preemption backoff.
        for _ in 0..IDLE_STREAK {
            spinner.skip = 0;
            spinner.spin_with_clock(|| false, steady());
        }
        assert_eq!(spinner.skip, MAX_PREEMPTED_BACKOFF);
    }

    #[test]
    fn durations_convert_to_fixed_or_never() {
        assert_eq!(SpinPolicy::from(Duration::ZERO), SpinPolicy::Never);
        assert_eq!(SpinPolicy::from(MAX), SpinPolicy::Fixed(MAX));
        assert_eq!(SpinPolicy::default().max_spin(), MAX);
        assert_eq!(SpinPolicy::Never.max_spin(), Duration::ZERO);
    }
}
