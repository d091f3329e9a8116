//! Side-by-side benchmarks of sandboxed calls (a harness of our own: the binary re-executes
//! itself as a worker, so `init()` must run before anything else).
//!
//! `cargo bench -p ffiguard-sandbox --bench sandbox` prints medians and ratios; BENCHMARKS.md
//! (`## Sandbox`, `## Sandbox confinement`) records them. `-- quick` runs fewer rounds;
//! `-- empty`, `-- zlib`, `-- payload`, `-- broker`, `-- recycle` run one part; `-- counters`
//! adds each sandbox's spin counts to the empty-call tables, `-- long-spin` a 200 µs fixed
//! spin, and `-- busy` runs only the table with every core busy. Run by `cargo test` (without
//! `--bench`), it makes a few calls of each kind as a smoke test; its figures mean nothing.

use std::time::{Duration, Instant};

mod load;
mod payload;
mod peers;
mod round_trip;

use ffiguard_sandbox::{ByteBuf, Policy, Sandbox, isolated};

/// How much to run: a smoke test under `cargo test`, a short or a full benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    Smoke,
    Quick,
    Full,
}

impl Scale {
    pub(crate) fn pick(self, smoke: u32, quick: u32, full: u32) -> u32 {
        match self {
            Scale::Smoke => smoke,
            Scale::Quick => quick,
            Scale::Full => full,
        }
    }
}

#[isolated]
pub(crate) fn empty() {}

#[isolated]
fn crash() {
    std::process::abort();
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn per_call(total: Duration, calls: u32) -> Duration {
    total / calls.max(1)
}

/// Times `rounds` batches of `batch` calls; returns the median per-call time.
fn measure(rounds: u32, batch: u32, mut call: impl FnMut()) -> Duration {
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..batch {
            call();
        }
        samples.push(per_call(start.elapsed(), batch));
    }
    median(&mut samples)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE)
}

fn main() {
    ffiguard_sandbox::init();
    let role = std::env::args().nth(1);
    if role.as_deref() == Some(load::BUSY_ARG) {
        load::busy_loop();
    }
    peers::serve_if_worker(role.as_deref());
    let scale = if !std::env::args().any(|a| a == "--bench") {
        Scale::Smoke
    } else if std::env::args().any(|a| a == "quick") {
        Scale::Quick
    } else {
        Scale::Full
    };
    let rounds = scale.pick(2, 21, 101);
    // `-- zlib` runs only the zlib comparison (for profiling), `-- empty` only the empty calls,
    // `-- payload` only the payload sizes, `-- broker` only the brokered file reads,
    // `-- recycle` only the worker-reuse choices.
    let only_zlib = std::env::args().any(|a| a == "zlib");
    let only_empty = std::env::args().any(|a| a == "empty");
    if std::env::args().any(|a| a == "payload") {
        payload::run(scale);
        return;
    }
    if std::env::args().any(|a| a == "broker") {
        broker_cost(rounds, scale);
        return;
    }
    if std::env::args().any(|a| a == "recycle") {
        recycle_cost(scale);
        return;
    }

    if !only_zlib {
        round_trip::run(rounds, scale);
    }
    if only_empty {
        return;
    }
    let sandbox = Sandbox::new().expect("sandbox");
    sandbox.warm_up().expect("warm up");
    zlib_inflate(&sandbox, scale);
    if only_zlib {
        return;
    }
    lifecycle(&sandbox, scale);
    drop(sandbox);
    payload::run(scale);
    confinement_cost(rounds, scale);
    broker_cost(rounds, scale);
    recycle_cost(scale);
    many_calls(scale);
}

/// Confinement's price, unconfined against `pure_compute`, rounds interleaved so that both see
/// the same machine: the empty-call round trip (the seccomp filter runs on each futex wake-up)
/// and worker start (namespaces, Landlock, two filters, the listener hand-over).
fn confinement_cost(rounds: u32, scale: Scale) {
    let policies = [
        ("unconfined", Policy::unconfined_dangerous()),
        ("pure_compute", Policy::pure_compute()),
    ];
    let sandboxes: Vec<Sandbox> = policies
        .iter()
        .map(|(_, policy)| {
            let sandbox = Sandbox::builder()
                .policy(policy.clone())
                .build()
                .expect("sandbox");
            sandbox.warm_up().expect("warm up");
            sandbox
        })
        .collect();
    let batch = scale.pick(10, 2_000, 10_000);
    let mut calls = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (index, sandbox) in sandboxes.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..batch {
                empty::call(sandbox).expect("call").trust_unverified("unit");
            }
            calls[index].push(per_call(start.elapsed(), batch));
        }
    }
    let start_rounds = scale.pick(1, 11, 41);
    let mut starts = [Vec::new(), Vec::new()];
    for _ in 0..start_rounds {
        for (index, (_, policy)) in policies.iter().enumerate() {
            let fresh = Sandbox::builder()
                .policy(policy.clone())
                .build()
                .expect("sandbox");
            let start = Instant::now();
            empty::call(&fresh).expect("call").trust_unverified("unit");
            starts[index].push(start.elapsed());
        }
    }
    let [call_unconfined, call_confined] = calls.map(|mut c| median(&mut c));
    let [start_unconfined, start_confined] = starts.map(|mut s| median(&mut s));
    println!("confinement (median; calls: {rounds} rounds of {batch}, starts: {start_rounds}):");
    println!(
        "  empty call        unconfined {call_unconfined:>10.2?}  pure_compute {call_confined:>10.2?}  ratio {:.2}",
        ratio(call_confined, call_unconfined)
    );
    println!(
        "  start + 1st call  unconfined {start_unconfined:>10.2?}  pure_compute {start_confined:>10.2?}  ratio {:.2}",
        ratio(start_confined, start_unconfined)
    );
}

/// What the worker-reuse choices cost per empty call: one worker for every call (the default),
/// a new worker every 100 calls (`max_calls_per_worker(100)`), and a fresh worker for each call
/// (`fresh_worker_per_call`), whose calls each include a worker start and a kill. Rounds
/// interleaved; the batches are of 100 calls, so the quota variant starts one worker per batch.
fn recycle_cost(scale: Scale) {
    let contenders: Vec<(&str, Sandbox)> = [
        ("reuse (default)", Sandbox::builder()),
        (
            "max_calls_per_worker(100)",
            Sandbox::builder().max_calls_per_worker(100),
        ),
        (
            "fresh_worker_per_call",
            Sandbox::builder().fresh_worker_per_call(),
        ),
    ]
    .into_iter()
    .map(|(name, builder)| {
        let sandbox = builder.build().expect("sandbox");
        sandbox.warm_up().expect("warm up");
        (name, sandbox)
    })
    .collect();
    let rounds = scale.pick(2, 5, 21);
    let batch = scale.pick(5, 100, 100);
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for _ in 0..rounds {
        for ((_, sandbox), samples) in contenders.iter().zip(samples.iter_mut()) {
            samples.push(measure(1, batch, || {
                empty::call(sandbox).expect("call").trust_unverified("unit");
            }));
        }
    }
    println!(
        "empty call by worker reuse (median per call, {rounds} interleaved rounds of {batch}):"
    );
    let reuse = median(&mut samples[0].clone());
    for ((name, _), samples) in contenders.iter().zip(samples.iter_mut()) {
        let time = median(samples);
        println!(
            "  {name:<28} {time:>10.2?}   {:>8.1}x reuse",
            ratio(time, reuse)
        );
    }
}

#[isolated]
fn read_len(path: String) -> u64 {
    std::fs::read(path).map_or(u64::MAX, |bytes| bytes.len() as u64)
}

/// What reading a small allowed file costs under a read-only policy: unconfined, Landlock alone
/// (`report(false)`: no listener, so no broker), and the default where the host's broker
/// checks the path, opens the file and hands the descriptor over. Rounds interleaved.
fn broker_cost(rounds: u32, scale: Scale) {
    let dir = std::env::temp_dir().join(format!("ffiguard-bench-broker-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let file = dir.join("data.txt");
    std::fs::write(&file, vec![b'x'; 4096]).expect("bench file");
    let path = file.to_string_lossy().into_owned();
    let contenders: Vec<(&str, Sandbox)> = [
        ("unconfined", Policy::unconfined_dangerous()),
        (
            "read_only, Landlock only (report off)",
            Policy::read_only([dir.clone()]).report(false),
        ),
        (
            "read_only, brokered (default)",
            Policy::read_only([dir.clone()]),
        ),
    ]
    .into_iter()
    .map(|(name, policy)| {
        let sandbox = Sandbox::builder().policy(policy).build().expect("sandbox");
        sandbox.warm_up().expect("warm up");
        (name, sandbox)
    })
    .collect();
    let batch = scale.pick(5, 200, 500);
    let mut in_process = Vec::new();
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for _ in 0..rounds {
        in_process.push(measure(1, batch, || {
            assert_eq!(read_len(path.clone()), 4096);
        }));
        for ((_, sandbox), samples) in contenders.iter().zip(samples.iter_mut()) {
            samples.push(measure(1, batch, || {
                let len = read_len::call(sandbox, path.clone())
                    .expect("call")
                    .trust_unverified("a length compared at once");
                assert_eq!(len, 4096);
            }));
        }
    }
    let names: Vec<&str> = contenders.iter().map(|(name, _)| *name).collect();
    drop(contenders);
    let _ = std::fs::remove_dir_all(&dir);
    println!("read a 4 KiB allowed file (median per call, {rounds} rounds of {batch}):");
    println!(
        "  in-process                                {:>10.2?}",
        median(&mut in_process)
    );
    for (name, samples) in names.iter().zip(samples.iter_mut()) {
        println!("  sandbox, {name:<38} {:>10.2?}", median(samples));
    }
}

fn zlib_inflate(sandbox: &Sandbox, scale: Scale) {
    // --- zlib inflate of 16 MiB ---------------------------------------------------------------
    let mib = scale.pick(1, 16, 16);
    let original = zlib_sandboxed::sample_text(usize::try_from(mib).unwrap_or(1) << 20);
    let compressed = zlib_sandboxed::deflate(ByteBuf::from(original.clone()), 6).expect("deflate");
    let zlib_rounds = scale.pick(1, 5, 21);
    let mut sandboxed_samples = Vec::new();
    let mut local_samples = Vec::new();
    let expected = u64::try_from(original.len()).unwrap_or(0);
    for _ in 0..zlib_rounds {
        let input = compressed.clone();
        let start = Instant::now();
        let out = zlib_sandboxed::inflate(input, expected).expect("inflate");
        local_samples.push(start.elapsed());
        assert_eq!(out.len(), original.len());
        let input = compressed.clone();
        let start = Instant::now();
        let out = zlib_sandboxed::inflate::call(sandbox, input, expected)
            .expect("call")
            .trust_unverified("length checked below")
            .expect("inflate");
        sandboxed_samples.push(start.elapsed());
        assert_eq!(out.len(), original.len());
    }
    let local = median(&mut local_samples);
    let sandboxed = median(&mut sandboxed_samples);
    println!(
        "zlib inflate of {mib} MiB ({} KiB compressed, {zlib_rounds} rounds):",
        compressed.len() / 1024
    );
    println!("  in-process            {local:>10.2?}");
    println!(
        "  sandbox               {sandboxed:>10.2?}   throughput ratio sandbox/in-process = {:.2}",
        ratio(local, sandboxed)
    );
}

fn lifecycle(sandbox: &Sandbox, scale: Scale) {
    // --- cold start and crash recovery ------------------------------------------------------
    let start_rounds = scale.pick(1, 11, 41);
    let mut cold = Vec::new();
    for _ in 0..start_rounds {
        let fresh = Sandbox::new().expect("sandbox");
        let start = Instant::now();
        empty::call(&fresh).expect("call").trust_unverified("unit");
        cold.push(start.elapsed());
    }
    let mut crash_detect = Vec::new();
    let mut recover = Vec::new();
    let mut crash_to_next = Vec::new();
    for _ in 0..start_rounds {
        let start = Instant::now();
        let _ = crash::call(sandbox).expect_err("crash");
        let crashed = Instant::now();
        empty::call(sandbox).expect("call").trust_unverified("unit");
        crash_detect.push(crashed - start);
        recover.push(crashed.elapsed());
        crash_to_next.push(start.elapsed());
    }
    println!("worker lifecycle (median of {start_rounds}):");
    println!(
        "  cold start + first empty call      {:>10.2?}",
        median(&mut cold)
    );
    println!(
        "  crash call (abort → error)         {:>10.2?}",
        median(&mut crash_detect)
    );
    println!(
        "  next call after a crash (respawn)  {:>10.2?}",
        median(&mut recover)
    );
    println!(
        "  crash call + next call             {:>10.2?}",
        median(&mut crash_to_next)
    );
}

fn many_calls(scale: Scale) {
    // --- one million calls from 4 threads -----------------------------------------------------
    let pool = Sandbox::builder().workers(2).build().expect("sandbox");
    pool.warm_up().expect("warm up");
    for _ in 0..1000 {
        empty::call(&pool).expect("call").trust_unverified("unit");
    }
    let (rss_before, fds_before) = (rss_kib(), open_fds());
    let total = u64::from(scale.pick(1_000, 100_000, 1_000_000));
    let time_bound = Duration::from_secs(u64::from(scale.pick(30, 30, 120)));
    let start = Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (pool, done) = (&pool, &done);
            scope.spawn(move || {
                for i in 0..total / 4 {
                    empty::call(pool).expect("call").trust_unverified("unit");
                    if i % 1024 == 0 && start.elapsed() > time_bound {
                        break;
                    }
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let elapsed = start.elapsed();
    let done = done.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "{done} calls from 4 threads over 2 workers in {elapsed:.2?} ({:.2?}/call):",
        elapsed / u32::try_from(done.max(1)).unwrap_or(1)
    );
    println!(
        "  host RSS {rss_before} KiB → {} KiB, descriptors {fds_before} → {}, live workers {}",
        rss_kib(),
        open_fds(),
        pool.live_workers()
    );
}
