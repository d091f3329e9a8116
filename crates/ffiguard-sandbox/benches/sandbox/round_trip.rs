//! The empty call, side by side: the sandbox under each spin policy and the designs a user
//! would pick instead (`peers.rs`), on the machine as it is and with a busy process on every
//! core (`load.rs`). Contenders take turns batch by batch, so a change of load hits all alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ffiguard_sandbox::{PlanCounts, Sandbox, SpinCounters, SpinPolicy, SpinReport};

use crate::peers::{FutexShm, IpcChannel, Peer, Pipe, RawShm, Socket};
use crate::{Scale, empty, load};

/// What one contender's calls took.
#[derive(Default)]
struct Samples {
    /// Mean per call of each batch.
    batches: Vec<Duration>,
    /// Every call, in nanoseconds (one clock read per call).
    calls: Vec<u32>,
}

impl Samples {
    /// Times `batch` calls one by one.
    fn batch(&mut self, batch: u32, mut call: impl FnMut()) {
        let start = Instant::now();
        let mut last = start;
        for _ in 0..batch {
            call();
            let now = Instant::now();
            self.calls
                .push(u32::try_from((now - last).as_nanos()).unwrap_or(u32::MAX));
            last = now;
        }
        self.batches.push((last - start) / batch.max(1));
    }

    /// Median of the batch means, overall mean, 99th percentile of single calls.
    fn summary(&mut self) -> (Duration, Duration, Duration) {
        self.batches.sort_unstable();
        self.calls.sort_unstable();
        let median = self.batches.get(self.batches.len() / 2).copied();
        let total: u64 = self.calls.iter().map(|&ns| u64::from(ns)).sum();
        let mean = total / u64::try_from(self.calls.len().max(1)).unwrap_or(1);
        let p99 = self.calls.get(self.calls.len() * 99 / 100).copied();
        (
            median.unwrap_or_default(),
            Duration::from_nanos(mean),
            Duration::from_nanos(u64::from(p99.unwrap_or(0))),
        )
    }
}

/// A contender: a sandbox with a spin policy, or a peer.
enum Contender {
    Sandbox {
        name: &'static str,
        sandbox: Box<Sandbox>,
        before: SpinReport,
    },
    Peer(Box<dyn Peer>),
}

impl Contender {
    fn sandbox(name: &'static str, spin: SpinPolicy) -> Self {
        let sandbox = Sandbox::builder()
            .spin(spin)
            .worker_spin(spin)
            .build()
            .expect("sandbox");
        sandbox.warm_up().expect("warm up");
        Self::Sandbox {
            name,
            sandbox: Box::new(sandbox),
            before: SpinReport::default(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::Sandbox { name, .. } => name,
            Self::Peer(peer) => peer.name(),
        }
    }

    fn run(&mut self, samples: &mut Samples, batch: u32) {
        match self {
            Self::Sandbox { sandbox, .. } => samples.batch(batch, || {
                empty::call(sandbox).expect("call").trust_unverified("unit");
            }),
            Self::Peer(peer) => {
                peer.begin_batch();
                samples.batch(batch, || peer.call());
                peer.end_batch();
            }
        }
    }

    /// Starts counting spins afresh (for the next table).
    fn reset_counters(&mut self) {
        if let Self::Sandbox {
            sandbox, before, ..
        } = self
        {
            *before = sandbox.spin_counters();
        }
    }
}

const DEFAULT: &str = "sandbox, default (adaptive spin)";
const NEVER: &str = "sandbox, never spin";
const FIXED: &str = "sandbox, fixed 20 µs spin";

/// The empty-call tables: the machine as it is (every contender), then every core busy (the
/// sandbox's spin policies).
pub(crate) fn run(rounds: u32, scale: Scale) {
    let mut sandboxes = vec![
        Contender::sandbox(DEFAULT, SpinPolicy::adaptive()),
        Contender::sandbox(NEVER, SpinPolicy::Never),
        Contender::sandbox(FIXED, SpinPolicy::Fixed(Duration::from_micros(20))),
    ];
    // `-- long-spin`: a tenfold spin too, to show that no fixed budget suits every load.
    if std::env::args().any(|a| a == "long-spin") {
        sandboxes.push(Contender::sandbox(
            "sandbox, fixed 200 µs spin",
            SpinPolicy::Fixed(Duration::from_micros(200)),
        ));
    }
    let policies = sandboxes.len();
    // `-- busy`: only the table with every core busy, with sandboxes that saw nothing else.
    if std::env::args().any(|a| a == "busy") {
        busy(&mut sandboxes, rounds, scale);
        return;
    }
    let mut contenders: Vec<Contender> = Vec::new();
    contenders.append(&mut sandboxes);
    for peer in [
        Box::new(RawShm::start()) as Box<dyn Peer>,
        Box::new(FutexShm::start()),
        Box::new(Socket::start()),
        Box::new(Pipe::start(false)),
        Box::new(Pipe::start(true)),
        Box::new(IpcChannel::start()),
    ] {
        contenders.push(Contender::Peer(peer));
    }
    let warm = scale.pick(10, 2_000, 2_000);
    for contender in &mut contenders {
        contender.run(&mut Samples::default(), warm);
        contender.reset_counters();
    }
    let batch = scale.pick(20, 2_000, 2_000);
    // `-- alone`: each contender's rounds back to back, the others idle meanwhile.
    if std::env::args().any(|a| a == "alone") {
        alone(&mut contenders, rounds, batch);
        return;
    }
    let mut in_process = Samples::default();
    let mut samples: Vec<Samples> = contenders.iter().map(|_| Samples::default()).collect();
    for _ in 0..rounds {
        // Through an opaque function pointer, so the call is not optimised away.
        in_process.batch(batch, || (black_box(empty as fn()))());
        for (contender, samples) in contenders.iter_mut().zip(samples.iter_mut()) {
            contender.run(samples, batch);
        }
    }
    println!(
        "empty call round trip (per call; {rounds} interleaved rounds of {batch}; median of batch means, mean, p99 of single calls):"
    );
    let (in_process, _, _) = in_process.summary();
    println!(
        "  {:<40} {in_process:>10.2?}",
        "in-process (function pointer)"
    );
    print_table(&contenders, &mut samples);
    // The peers go now: the busy table measures the sandbox's own policies.
    contenders.truncate(policies);
    busy(&mut contenders, rounds, scale);
}

/// Each contender alone: all its rounds back to back while every other contender idles, so
/// that no batch starts after another design's (the interleaved table's fairness to a changing
/// load is given up for that).
fn alone(contenders: &mut [Contender], rounds: u32, batch: u32) {
    let mut samples: Vec<Samples> = contenders.iter().map(|_| Samples::default()).collect();
    for (contender, samples) in contenders.iter_mut().zip(samples.iter_mut()) {
        for _ in 0..rounds {
            contender.run(samples, batch);
        }
    }
    println!(
        "empty call round trip, each contender alone (per call; {rounds} rounds of {batch} back to back; median of batch means, mean, p99 of single calls):"
    );
    print_table(contenders, &mut samples);
}

fn busy(contenders: &mut [Contender], rounds: u32, scale: Scale) {
    for contender in contenders.iter_mut() {
        contender.reset_counters();
    }
    let busy = load::BusyLoops::on_every_core();
    let rounds = (rounds / 2).max(1);
    let batch = scale.pick(20, 500, 500);
    let mut samples: Vec<Samples> = contenders.iter().map(|_| Samples::default()).collect();
    for _ in 0..rounds {
        for (contender, samples) in contenders.iter_mut().zip(samples.iter_mut()) {
            contender.run(samples, batch);
        }
    }
    let loops = busy.len();
    drop(busy);
    println!(
        "empty call with {loops} busy processes on as many cores (per call; {rounds} interleaved rounds of {batch}):"
    );
    print_table(contenders, &mut samples);
}

fn print_table(contenders: &[Contender], samples: &mut [Samples]) {
    println!(
        "  {:<40} {:>10} {:>10} {:>10} {:>14}",
        "", "median", "mean", "p99", "median/default"
    );
    let summaries: Vec<_> = samples.iter_mut().map(Samples::summary).collect();
    let default = summaries.first().map_or(Duration::ZERO, |s| s.0);
    for (contender, (median, mean, p99)) in contenders.iter().zip(&summaries) {
        println!(
            "  {:<40} {median:>10.2?} {mean:>10.2?} {p99:>10.2?} {:>13.2}x",
            contender.name(),
            median.as_secs_f64() / default.as_secs_f64().max(f64::MIN_POSITIVE)
        );
    }
    // The goal: the default no slower than either other policy in the same run.
    let faster_rival = contenders
        .iter()
        .zip(&summaries)
        .filter(|(c, _)| matches!(c.name(), NEVER | FIXED))
        .map(|(_, s)| s.0)
        .min()
        .unwrap_or_default();
    println!(
        "  default vs the faster of never/fixed: {:.2}x",
        default.as_secs_f64() / faster_rival.as_secs_f64().max(f64::MIN_POSITIVE)
    );
    if std::env::args().any(|a| a == "counters") {
        for contender in contenders {
            if let Contender::Sandbox {
                name,
                sandbox,
                before,
            } = contender
            {
                let report = sandbox.spin_counters().since(*before);
                println!("    {name:<36} host   {}", counters(report.host));
                println!("    {:<36} worker {}", "", counters(report.worker));
                if report.plans != PlanCounts::default() {
                    println!("    {:<36} plans  {}", "", plans(report.plans));
                }
            }
        }
    }
}

fn counters(counters: SpinCounters) -> String {
    format!(
        "caught {:>7} idle {:>6} preempted {:>5} shared core {:>6} skipped {:>7} slept {:>7}",
        counters.caught,
        counters.idle,
        counters.preempted,
        counters.shared_core,
        counters.skipped,
        counters.slept
    )
}

fn plans(plans: PlanCounts) -> String {
    format!(
        "stretches: both spin {:>6} caller only {:>5} worker only {:>5} neither {:>6}",
        plans.both_spin, plans.caller_spins, plans.worker_spins, plans.neither_spins
    )
}
