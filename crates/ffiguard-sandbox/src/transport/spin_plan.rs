//! The adaptive policy's choice of which sides spin, made by the calling thread from the round
//! trips it measures.
//!
//! Why measure the round trip instead of judging single spins: how one spin ends does not say
//! what it cost. On a machine where something else holds a core, a spin that "catches" its
//! event after 15 µs has held the core the other side needed for those 15 µs; both sides
//! sleeping is then cheaper, and the spin counters show it (BENCHMARKS.md, `## Sandbox`). The
//! round trip is what a caller pays, so it is the measure: each plan runs for a stretch of
//! calls (2 ms), the fastest is kept, and the others are tried again at intervals that grow
//! with how much slower they were, so that a change of load is followed within 0.25 s while
//! the tries cost under 1 % of the time per plan.

use std::time::Duration;

use crate::transport::spin::{PlanCounts, SpinPolicy};

/// Which sides spin before they sleep, for the calls of one stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The calling thread spins for the reply.
    pub(crate) host: bool,
    /// The worker spins for the next call.
    pub(crate) worker: bool,
}

impl Plan {
    fn spinners(self) -> u32 {
        u32::from(self.host) + u32::from(self.worker)
    }
}

/// A stretch of one plan lasts at least this many calls ...
const STRETCH_CALLS: u32 = 16;
/// ... and this much round-trip time. Long enough for the scheduler to settle into the plan:
/// two threads that have been sleeping are often woken onto the same core, where spinning
/// cannot pay until the load balancer has moved one of them (on a machine whose cores are all
/// busy, spinning then wins by 30×, but not in its first hundred microseconds).
const STRETCH_TIME: Duration = Duration::from_millis(2);
/// Calls within this much round-trip time from a stretch's start are not counted (nor is the
/// first call in any case: the worker waited for it under the previous plan).
const SETTLE_TIME: Duration = Duration::from_micros(500);
/// A call counts as at most this long: a long call says nothing about who should spin, and
/// would swamp the average (a lost time slice, which is what spinning risks, still counts
/// as 1,000 times a quiet round trip).
const LONGEST_COUNTED: Duration = Duration::from_millis(1);
/// Each spinning side must make a plan this much faster before it is preferred: spinning
/// costs CPU time the round trip does not show. Only a tie-break: at 5 % the chooser passed
/// up host spinning that paid a little on a loaded machine (BENCHMARKS.md, `## Sandbox`).
const SPIN_MARGIN: f64 = 0.01;
/// Stretches between two tries of a plan that is not the fastest: this many times the square
/// of how much slower it was (r), at least this many and at most [`MAX_RETRY_GAP`]. A stretch
/// lasts about [`STRETCH_TIME`] whatever the plan, so a retry loses a share of the time of
/// about (1 - 1/r) / gap: under 1 % per plan for any r.
const MIN_RETRY_GAP: f64 = 8.0;
/// The longest gap: a plan that became the fastest is found within ~0.25 s of calls (a
/// change of load is the common case on a shared machine; the retries of three plans then
/// cost ~2 % of the time where one plan is far faster than the rest).
const MAX_RETRY_GAP: f64 = 128.0;
/// A stretch counts as at most this many times a plan's running cost: one lost time slice
/// does not condemn a plan whose stretches are otherwise fast, while a lasting change still
/// moves the cost by up to 1.75× a stretch (a 50× change is followed within 8 stretches).
const OUTLIER: f64 = 4.0;
/// Weight of a new stretch in the running cost of the plan kept ...
const KEPT_WEIGHT: f64 = 0.25;
/// ... and of a retried plan, whose cost is old: the new stretch counts for more.
const RETRIED_WEIGHT: f64 = 0.5;

/// One plan and what is known of it.
#[derive(Debug, Clone, Copy)]
struct Arm {
    plan: Plan,
    /// Running mean of a call's round trip under this plan, in nanoseconds; `None` until run.
    cost: Option<f64>,
    /// Stretches since this plan last ran.
    since_run: u32,
    /// Stretches this plan has run.
    runs: u64,
}

/// Picks the plan for each stretch of calls of one worker. Fed only by the host's own clock;
/// a worker can slow its replies to steer it, but every plan is one the policies allow.
#[derive(Debug, Clone)]
pub(crate) struct PlanChooser {
    arms: Vec<Arm>,
    current: usize,
    /// The current stretch retries a plan that is not the fastest.
    retrying: bool,
    /// Calls made so far in the current stretch.
    calls: u32,
    /// Round-trip time of the current stretch so far.
    elapsed: Duration,
    /// Sum of the counted round trips of the current stretch, in nanoseconds, and their number.
    sum: f64,
    counted: u32,
}

impl PlanChooser {
    /// The plans the two policies allow: an adaptive side may spin or not, a fixed side
    /// always spins, a side that never spins never does. Both spinning comes first.
    pub(crate) fn new(host: SpinPolicy, worker: SpinPolicy) -> Self {
        let choices = |policy: SpinPolicy| -> &'static [bool] {
            match policy {
                SpinPolicy::Adaptive { .. } => &[true, false],
                SpinPolicy::Fixed(_) => &[true],
                SpinPolicy::Never => &[false],
            }
        };
        let arms = choices(host)
            .iter()
            .flat_map(|&host| {
                choices(worker).iter().map(move |&worker| Arm {
                    plan: Plan { host, worker },
                    cost: None,
                    since_run: 0,
                    runs: 0,
                })
            })
            .collect();
        Self {
            arms,
            current: 0,
            retrying: false,
            calls: 0,
            elapsed: Duration::ZERO,
            sum: 0.0,
            counted: 0,
        }
    }

    /// The plan of the next call.
    pub(crate) fn plan(&self) -> Plan {
        self.arms[self.current].plan
    }

    /// Records the round trip of a call made under [`plan`](Self::plan).
    pub(crate) fn record(&mut self, round_trip: Duration) {
        if self.arms.len() == 1 {
            return;
        }
        let round_trip = round_trip.min(LONGEST_COUNTED);
        if self.calls > 0 && self.elapsed >= SETTLE_TIME {
            #[allow(clippy::cast_precision_loss)] // at most 1 ms in ns: exact in an f64
            let nanos = round_trip.as_nanos() as f64;
            self.sum += nanos;
            self.counted += 1;
        }
        self.calls += 1;
        self.elapsed += round_trip;
        if self.calls >= STRETCH_CALLS && self.elapsed >= STRETCH_TIME && self.counted > 0 {
            self.finish_stretch();
        }
    }

    /// How many stretches ran each plan.
    pub(crate) fn counts(&self) -> PlanCounts {
        let mut counts = PlanCounts::default();
        for arm in &self.arms {
            let slot = match (arm.plan.host, arm.plan.worker) {
                (true, true) => &mut counts.both_spin,
                (true, false) => &mut counts.caller_spins,
                (false, true) => &mut counts.worker_spins,
                (false, false) => &mut counts.neither_spins,
            };
            *slot += arm.runs;
        }
        counts
    }

    fn finish_stretch(&mut self) {
        let mean = self.sum / f64::from(self.counted);
        let retrying = self.retrying;
        for (index, arm) in self.arms.iter_mut().enumerate() {
            if index == self.current {
                arm.cost = Some(arm.cost.map_or(mean, |cost| {
                    if retrying && mean < cost {
                        // Faster than remembered: the machine changed, believe it at once.
                        mean
                    } else {
                        let weight = if retrying {
                            RETRIED_WEIGHT
                        } else {
                            KEPT_WEIGHT
                        };
                        cost + weight * (mean.min(OUTLIER * cost) - cost)
                    }
                }));
                arm.since_run = 0;
                arm.runs += 1;
            } else {
                arm.since_run = arm.since_run.saturating_add(1);
            }
        }
        (self.current, self.retrying) = self.next_arm();
        self.calls = 0;
        self.elapsed = Duration::ZERO;
        self.sum = 0.0;
        self.counted = 0;
    }

    /// The arm of the next stretch, and whether it is a retry of a slower plan.
    fn next_arm(&self) -> (usize, bool) {
        // Every plan runs once before any is judged.
        if let Some(untried) = self.arms.iter().position(|arm| arm.cost.is_none()) {
            return (untried, false);
        }
        let weighed = |arm: &Arm| {
            arm.cost.unwrap_or(f64::INFINITY) * (1.0 + SPIN_MARGIN * f64::from(arm.plan.spinners()))
        };
        let best = (0..self.arms.len())
            .min_by(|&a, &b| weighed(&self.arms[a]).total_cmp(&weighed(&self.arms[b])))
            .unwrap_or(0);
        let best_cost = weighed(&self.arms[best]).max(1.0);
        // The most overdue of the slower plans, if any is due.
        let overdue = (0..self.arms.len())
            .filter(|&index| index != best)
            .filter_map(|index| {
                let arm = &self.arms[index];
                let ratio = weighed(arm) / best_cost;
                let gap = (8.0 * ratio * ratio).clamp(MIN_RETRY_GAP, MAX_RETRY_GAP);
                let late = f64::from(arm.since_run) - gap;
                (late >= 0.0).then_some((index, late))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match overdue {
            Some((index, _)) => (index, true),
            None => (best, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Plan = Plan {
        host: true,
        worker: true,
    };
    const NEITHER: Plan = Plan {
        host: false,
        worker: false,
    };

    /// A machine for the chooser to run on: the round trip of a call under each plan, with a
    /// little deterministic noise. The fake clock of these tests: nothing reads a real one.
    #[derive(Clone, Copy)]
    struct Machine {
        both: f64,
        caller: f64,
        worker: f64,
        neither: f64,
    }

    /// Two free cores: spinning on both sides is an order of magnitude faster.
    const QUIET: Machine = Machine {
        both: 500.0,
        caller: 3_000.0,
        worker: 3_000.0,
        neither: 5_000.0,
    };
    /// Something else holds the cores: a spinner keeps the other side off them.
    const LOADED: Machine = Machine {
        both: 40_000.0,
        caller: 12_000.0,
        worker: 12_000.0,
        neither: 6_000.0,
    };

    struct Run {
        chooser: PlanChooser,
        noise: u64,
    }

    impl Run {
        fn new() -> Self {
            Self {
                chooser: PlanChooser::new(SpinPolicy::adaptive(), SpinPolicy::adaptive()),
                noise: 1,
            }
        }

        /// Makes calls on `machine` for `time` of round trips; returns their mean round trip
        /// in nanoseconds and the share of calls made under `plan`.
        fn run(&mut self, machine: Machine, time: Duration, plan: Plan) -> (f64, f64) {
            let (mut total, mut calls, mut matching) = (0.0, 0u32, 0u32);
            #[allow(clippy::cast_precision_loss)]
            let time = time.as_nanos() as f64;
            while total < time {
                let now = self.chooser.plan();
                let base = match (now.host, now.worker) {
                    (true, true) => machine.both,
                    (true, false) => machine.caller,
                    (false, true) => machine.worker,
                    (false, false) => machine.neither,
                };
                // ±10 % noise from a linear congruential generator.
                self.noise = self
                    .noise
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let jitter = f64::from(u32::try_from(self.noise >> 44).unwrap_or(0)) / 1048576.0;
                let round_trip = base * (0.9 + 0.2 * jitter);
                total += round_trip;
                calls += 1;
                matching += u32::from(now == plan);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                self.chooser.record(Duration::from_nanos(round_trip as u64));
            }
            (
                total / f64::from(calls),
                f64::from(matching) / f64::from(calls),
            )
        }
    }

    fn seconds(seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds)
    }

    #[test]
    fn a_quiet_machine_settles_on_both_sides_spinning_and_retries_cost_little() {
        let mut run = Run::new();
        run.run(QUIET, seconds(0.1), BOTH);
        let (mean, share) = run.run(QUIET, seconds(2.0), BOTH);
        assert!(share > 0.99, "share {share}");
        // Within 4 % of always spinning (500 ns ± noise): the retries of the three slower
        // plans, one stretch each per 128.
        assert!(mean < 520.0, "mean {mean}");
    }

    #[test]
    fn a_loaded_machine_settles_on_neither_side_spinning() {
        let mut run = Run::new();
        run.run(LOADED, seconds(0.1), NEITHER);
        let (mean, share) = run.run(LOADED, seconds(2.0), NEITHER);
        assert!(share > 0.95, "share {share}");
        // Retries of the two 2× slower plans cost ~1 % each.
        assert!(mean < 6_300.0, "mean {mean}");
    }

    #[test]
    fn load_that_comes_and_goes_is_followed_both_ways() {
        let mut run = Run::new();
        run.run(QUIET, seconds(1.0), BOTH);
        // Load arrives: within a few stretches the chooser stops spinning.
        run.run(LOADED, seconds(0.05), NEITHER);
        let (_, share) = run.run(LOADED, seconds(1.0), NEITHER);
        assert!(share > 0.95, "share {share}");
        // Load leaves: the slow plan's old cost must not keep it from spinning again (the
        // backoff that never recovers). A retry is due within 128 stretches of 2 ms.
        run.run(QUIET, seconds(0.6), BOTH);
        let (_, share) = run.run(QUIET, seconds(1.0), BOTH);
        assert!(share > 0.99, "share {share}");
    }

    #[test]
    fn a_rare_lost_time_slice_does_not_stop_spinning() {
        let mut chooser = PlanChooser::new(SpinPolicy::adaptive(), SpinPolicy::adaptive());
        let neither = Duration::from_micros(6);
        let fast = Duration::from_nanos(500);
        let call = |chooser: &mut PlanChooser, stall: bool| {
            let plan = chooser.plan();
            let round_trip = match plan {
                BOTH if stall => Duration::from_millis(3),
                BOTH => fast,
                _ => neither,
            };
            chooser.record(round_trip);
            plan == BOTH
        };
        for _ in 0..200_000 {
            call(&mut chooser, false);
        }
        assert_eq!(chooser.plan(), BOTH);
        // One call in the middle of a stretch loses 3 ms...
        for _ in 0..1_500 {
            call(&mut chooser, false);
        }
        call(&mut chooser, true);
        // ... and spinning stays the plan.
        let mut spinning = 0;
        for _ in 0..100_000 {
            spinning += u32::from(call(&mut chooser, false));
        }
        assert!(spinning >= 99_000, "{spinning}");
    }

    #[test]
    fn a_tie_goes_to_the_plan_that_spins_less() {
        let flat = Machine {
            both: 5_000.0,
            caller: 5_000.0,
            worker: 5_000.0,
            neither: 5_000.0,
        };
        let mut run = Run::new();
        run.run(flat, seconds(0.1), NEITHER);
        // The other plans are retried every 8 stretches (they are not slower, so the retries
        // cost no time, only the spinning's CPU).
        let (_, share) = run.run(flat, seconds(1.0), NEITHER);
        assert!(share > 0.65, "share {share}");
    }

    #[test]
    fn the_first_call_of_a_stretch_is_not_counted() {
        let mut chooser = PlanChooser::new(SpinPolicy::adaptive(), SpinPolicy::adaptive());
        assert_eq!(chooser.plan(), BOTH);
        // A lost time slice on the first call (the worker still waited under the previous
        // plan), then fast calls until the stretch ends.
        chooser.record(Duration::from_millis(1));
        while chooser.arms[0].runs == 0 {
            chooser.record(Duration::from_nanos(500));
        }
        assert_eq!(chooser.arms[0].cost, Some(500.0));
    }

    #[test]
    fn calls_in_the_settling_time_are_not_counted() {
        let mut chooser = PlanChooser::new(SpinPolicy::adaptive(), SpinPolicy::adaptive());
        // Slow calls while the scheduler settles into the plan, then fast ones.
        let mut elapsed = Duration::ZERO;
        while elapsed < SETTLE_TIME {
            chooser.record(Duration::from_micros(20));
            elapsed += Duration::from_micros(20);
        }
        while chooser.arms[0].runs == 0 {
            chooser.record(Duration::from_nanos(500));
        }
        assert_eq!(chooser.arms[0].cost, Some(500.0));
    }

    #[test]
    fn fixed_and_never_sides_keep_their_policy_in_every_plan() {
        let fixed = SpinPolicy::Fixed(Duration::from_micros(20));
        let chooser = PlanChooser::new(fixed, SpinPolicy::adaptive());
        assert!(chooser.arms.iter().all(|arm| arm.plan.host));
        assert_eq!(chooser.arms.len(), 2);
        let chooser = PlanChooser::new(SpinPolicy::adaptive(), SpinPolicy::Never);
        assert!(chooser.arms.iter().all(|arm| !arm.plan.worker));
        let mut only = PlanChooser::new(SpinPolicy::Never, SpinPolicy::Never);
        for _ in 0..100 {
            only.record(Duration::from_micros(5));
        }
        assert_eq!(only.plan(), NEITHER);
        assert_eq!(only.counts(), PlanCounts::default());
    }
}
