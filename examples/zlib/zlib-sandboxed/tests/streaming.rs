//! zlib streams in a sandbox session, fed and drained in bounded chunks: tens of MiB through
//! 64 KiB calls, a bomb cut at its limit, corrupt and truncated streams as errors.

use std::io::{Read, Write};
use std::time::Duration;

use ffiguard_sandbox::Sandbox;
use zlib_sandboxed::chunked::{Direction, PumpError, PumpLimits, pump};

/// `len` bytes of sample text, produced as it is read (1 MiB pattern repeated).
struct Text {
    block: Vec<u8>,
    left: usize,
    at: usize,
}

impl Text {
    fn new(len: usize) -> Self {
        Self {
            block: zlib_sandboxed::sample_text(1 << 20),
            left: len,
            at: 0,
        }
    }
}

impl Read for Text {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left).min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at = (self.at + n) % self.block.len();
        self.left -= n;
        Ok(n)
    }
}

/// Counts and hashes what is written, keeping none of it.
#[derive(Default)]
struct Digest {
    len: u64,
    hash: u64,
}

impl Write for Digest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for byte in buf {
            self.hash = (self.hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .workers(2)
        .deadline(Duration::from_secs(60))
        .build()
        .expect("sandbox")
}

fn small() -> PumpLimits {
    let mut limits = PumpLimits::default();
    limits.input_chunk = 64 << 10;
    limits.output_chunk = 256 << 10;
    limits
}

fn compressed(sandbox: &Sandbox, len: usize) -> Vec<u8> {
    let mut session = sandbox.session().expect("session");
    let mut out = Vec::new();
    pump(
        &mut session,
        Direction::Deflate(6),
        Text::new(len),
        &mut out,
        small(),
    )
    .expect("deflate");
    out
}

fn tens_of_mib_pass_through_small_chunks() {
    let sandbox = sandbox();
    let len = 24 << 20;
    let packed = compressed(&sandbox, len);
    assert!(packed.len() < len / 8, "{} bytes", packed.len());
    let mut expected = Digest::default();
    std::io::copy(&mut Text::new(len), &mut expected).expect("digest");
    let mut session = sandbox.session().expect("session");
    let mut restored = Digest::default();
    let written = pump(
        &mut session,
        Direction::Inflate,
        &packed[..],
        &mut restored,
        small(),
    )
    .expect("inflate");
    assert_eq!(written, len as u64);
    assert_eq!((restored.len, restored.hash), (expected.len, expected.hash));
    assert_eq!(
        session.live_handles(),
        0,
        "the stream's handle is dropped with the pump"
    );
}

fn a_bomb_is_cut_at_its_limit() {
    let sandbox = sandbox();
    let zeros = zlib_sandboxed::deflate(ffiguard_sandbox::ByteBuf::from(vec![0; 64 << 20]), 9)
        .expect("in-process deflate");
    let mut session = sandbox.session().expect("session");
    let error = pump(
        &mut session,
        Direction::Inflate,
        &zeros[..],
        Digest::default(),
        small().max_output(8 << 20),
    )
    .expect_err("over the limit");
    assert!(matches!(error, PumpError::OutputLimit(_)), "{error}");
}

fn corrupt_and_truncated_streams_are_errors() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let garbage = b"definitely not a zlib stream".repeat(100);
    let error = pump(
        &mut session,
        Direction::Inflate,
        &garbage[..],
        Digest::default(),
        small(),
    )
    .expect_err("corrupt");
    assert!(matches!(error, PumpError::Zlib(_)), "{error}");
    let packed = compressed(&sandbox, 4 << 20);
    let mut session = sandbox.session().expect("session");
    let half = &packed[..packed.len() / 2];
    let error = pump(
        &mut session,
        Direction::Inflate,
        half,
        Digest::default(),
        small(),
    )
    .expect_err("truncated");
    assert!(matches!(error, PumpError::Truncated), "{error}");
}

fn main() {
    ffiguard_sandbox::testing::run(ffiguard_sandbox::tests![
        tens_of_mib_pass_through_small_chunks,
        a_bomb_is_cut_at_its_limit,
        corrupt_and_truncated_streams_are_errors,
    ]);
}
