//! Streams N MiB (default 1024) of text through zlib in sandbox sessions — deflate into a
//! temporary file, then inflate from it into a digest — and prints the peak resident memory of
//! the host and of each worker (`VmHWM`). BENCHMARKS.md (`## Sandbox sessions: SQLite and
//! streams`) records it:
//!
//! ```sh
//! cargo run --release -p zlib-sandboxed --example stream -- 1024
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::time::Instant;

use ffiguard_sandbox::Sandbox;
use zlib_sandboxed::chunked::{Direction, PumpLimits, pump};

/// `len` bytes of sample text, produced as it is read.
struct Text {
    block: Vec<u8>,
    left: u64,
    at: usize,
}

impl Read for Text {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        let n = buf.len().min(left).min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at = (self.at + n) % self.block.len();
        self.left -= n as u64;
        Ok(n)
    }
}

/// Counts what is written.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Peak resident set of a process, in MiB, from `/proc/<pid>/status`.
fn peak_mib(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    ffiguard_sandbox::init();
    let mib: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(1024), |arg| arg.parse())?;
    let len = mib << 20;
    let sandbox = Sandbox::new()?;
    let path = std::env::temp_dir().join(format!("ffiguard-stream-{}.z", std::process::id()));

    let started = Instant::now();
    let mut session = sandbox.session()?;
    let text = Text {
        block: zlib_sandboxed::sample_text(1 << 20),
        left: len,
        at: 0,
    };
    let file = BufWriter::new(File::create(&path)?);
    let packed = pump(
        &mut session,
        Direction::Deflate(6),
        text,
        file,
        PumpLimits::default(),
    )?;
    let deflate_worker = peak_mib(&session.worker_pid().unwrap_or(0).to_string());
    drop(session);
    let deflated_in = started.elapsed();

    let started = Instant::now();
    let mut session = sandbox.session()?;
    let file = BufReader::new(File::open(&path)?);
    let mut out = Count(0);
    let written = pump(
        &mut session,
        Direction::Inflate,
        file,
        &mut out,
        PumpLimits::default(),
    )?;
    let inflate_worker = peak_mib(&session.worker_pid().unwrap_or(0).to_string());
    drop(session);
    let inflated_in = started.elapsed();
    std::fs::remove_file(&path)?;
    assert_eq!(written, len);

    println!("| stream | size | time | peak RSS, host | peak RSS, worker |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    println!(
        "| deflate, 1 MiB in / 4 MiB out per call | {mib} MiB → {:.1} MiB | {:.2} s | (below) | {deflate_worker:.1} MiB |",
        packed as f64 / f64::from(1 << 20),
        deflated_in.as_secs_f64()
    );
    println!(
        "| inflate, 1 MiB in / 4 MiB out per call | {mib} MiB | {:.2} s | {:.1} MiB (whole run) | {inflate_worker:.1} MiB |",
        inflated_in.as_secs_f64(),
        peak_mib("self")
    );
    Ok(())
}
