//! What a call costs as its argument or its result grows, against copying the same bytes once
//! in-process (`memcpy`, the least any design that moves the bytes between address spaces
//! pays). The arenas are sized for the largest case (`arena_sizes`; the default is 32 MiB).

use std::time::{Duration, Instant};

use ffiguard_sandbox::{ByteBuf, OutputBuf, Sandbox, isolated};

use crate::Scale;

/// Takes an argument of any size; returns its length.
#[isolated]
fn take(data: ByteBuf) -> u64 {
    data.len() as u64
}

/// Returns `len` bytes, written where the reply is read (an `OutputBuf` in the reply arena).
#[isolated]
fn give(len: u64) -> OutputBuf {
    let len = usize::try_from(len).unwrap_or(0);
    let mut out = OutputBuf::with_capacity(len);
    out.resize(len, 0x5a);
    out
}

const SIZES: [(usize, &str); 6] = [
    (0, "0 B"),
    (4 << 10, "4 KiB"),
    (64 << 10, "64 KiB"),
    (1 << 20, "1 MiB"),
    (16 << 20, "16 MiB"),
    (64 << 20, "64 MiB"),
];

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Calls per size: many for the small sizes, few for the large ones (each is timed alone).
fn calls_for(len: usize, scale: Scale) -> u32 {
    let full = match len {
        0..=65_536 => 2_001,
        65_537..=1_048_576 => 201,
        _ => 21,
    };
    scale.pick(2, full / 4 + 1, full)
}

pub(crate) fn run(scale: Scale) {
    let largest = SIZES[SIZES.len() - 1].0;
    // Room for the largest bytes plus their frame.
    let arena = largest + (1 << 20);
    let sandbox = Sandbox::builder()
        .arena_sizes(arena, arena)
        .build()
        .expect("sandbox");
    sandbox.warm_up().expect("warm up");
    println!(
        "payload scaling (median per call; arenas of {} MiB):",
        arena >> 20
    );
    println!(
        "  {:>7} {:>11} {:>11} {:>11} {:>9} {:>9} {:>10}",
        "bytes", "argument", "result", "memcpy", "arg/copy", "res/copy", "result GB/s"
    );
    for (len, label) in SIZES {
        let calls = calls_for(len, scale);
        let source = vec![0xa5u8; len];
        let mut target = vec![0u8; len];
        let (mut args, mut results, mut copies) = (Vec::new(), Vec::new(), Vec::new());
        // Interleaved call by call; the argument's buffer is made before the clock starts.
        for _ in 0..calls {
            let input = ByteBuf::from(source.clone());
            let start = Instant::now();
            let got = take::call(&sandbox, input)
                .expect("call")
                .trust_unverified("compared at once");
            args.push(start.elapsed());
            assert_eq!(got, len as u64);

            let start = Instant::now();
            let out = give::call(&sandbox, len as u64)
                .expect("call")
                .trust_unverified("length compared at once");
            results.push(start.elapsed());
            assert_eq!(out.len(), len);
            drop(out);

            let start = Instant::now();
            target.copy_from_slice(std::hint::black_box(&source));
            std::hint::black_box(&mut target);
            copies.push(start.elapsed());
        }
        let (arg, result, copy) = (median(&mut args), median(&mut results), median(&mut copies));
        let ratio = |a: Duration| a.as_secs_f64() / copy.as_secs_f64().max(1e-9);
        let throughput = len as f64 / result.as_secs_f64().max(1e-12) / 1e9;
        println!(
            "  {label:>7} {arg:>11.2?} {result:>11.2?} {copy:>11.2?} {:>8.1}x {:>8.1}x {throughput:>10.2}",
            ratio(arg),
            ratio(result)
        );
    }
}
