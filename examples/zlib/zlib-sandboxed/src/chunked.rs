//! zlib streams kept in a sandbox session: input fed and output taken in bounded chunks, so a
//! stream of any length runs in constant memory on both sides.
//!
//! The worker keeps one `z_stream` per [`Remote<Chunked>`]; each [`feed()`] call hands it at
//! most one input chunk and takes at most `max_output` bytes back, reporting how much input it
//! consumed. The host ([`pump`]) re-sends what was not consumed, so a stream that expands
//! (inflate) is drained chunk by chunk instead of buffered: that is the backpressure.

use std::ffi::c_int;
use std::io::{Read, Write};

use ffiguard_sandbox::{ByteBuf, OutputBuf, Remote, RemoteError, SandboxError, Session, isolated};
use libz_sys as z;
use serde::{Deserialize, Serialize};

use crate::ZError;
use crate::stream::{Kind, MAX_STALLED_ROUNDS, Stream, zlib_error};

/// Which way a stream goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Direction {
    /// Decompress.
    Inflate,
    /// Compress at a level (0–9, or -1 for zlib's default).
    Deflate(i32),
}

/// A zlib stream kept in a session's worker.
pub struct Chunked {
    stream: Stream,
    finished: bool,
}

/// What one [`feed()`] did.
#[derive(Debug, Serialize, Deserialize)]
pub struct Fed {
    /// Output produced by this call (at most the `max_output` asked for).
    pub output: OutputBuf,
    /// Bytes of the input consumed; the rest must be fed again.
    pub consumed: u64,
    /// The stream has ended: no more input is taken, no more output comes.
    pub finished: bool,
}

/// Starts a stream in the worker.
///
/// # Errors
/// [`ZError`] when zlib cannot start one, or the worker holds too many objects.
#[isolated]
pub fn start(direction: Direction) -> Result<Remote<Chunked>, ZError> {
    let stream = match direction {
        Direction::Inflate => Stream::new(Kind::Inflate, 0)?,
        Direction::Deflate(level) if (-1..=9).contains(&level) => {
            Stream::new(Kind::Deflate, level)?
        }
        Direction::Deflate(level) => return Err(ZError::BadLevel(level)),
    };
    Ok(Remote::new(Chunked {
        stream,
        finished: false,
    })?)
}

/// Feeds `input` to the stream and returns at most `max_output` bytes of output. `last` says
/// no input follows (deflate then finishes the stream).
///
/// # Errors
/// [`ZError`] for corrupt input or a zlib failure.
#[isolated]
pub fn feed(
    stream: Remote<Chunked>,
    input: ByteBuf,
    max_output: u64,
    last: bool,
) -> Result<Fed, ZError> {
    stream.with(|chunked| chunked.feed(&input, max_output, last))?
}

impl Chunked {
    fn feed(&mut self, mut input: &[u8], max_output: u64, last: bool) -> Result<Fed, ZError> {
        let room = usize::try_from(max_output).unwrap_or(usize::MAX).max(1);
        let mut output = OutputBuf::with_capacity(room.min(1 << 26));
        let total = input.len();
        let mut stalled = 0;
        while !self.finished && output.len() < room {
            let flush: c_int = if last { z::Z_FINISH } else { z::Z_NO_FLUSH };
            if output.len() == output.capacity() {
                output.reserve_exact((room - output.len()).min(output.len().max(4096)));
            }
            let before = output.len();
            let window = (room - before).min(output.spare_capacity_mut().len());
            let spare = output.spare_capacity_mut();
            let (code, consumed, produced) = self.stream.step(input, &mut spare[..window], flush);
            // SAFETY: zlib wrote exactly `produced` (<= window) bytes at the start of the
            // spare capacity.
            unsafe { output.set_len(before + produced) };
            input = &input[consumed..];
            match code {
                z::Z_STREAM_END => self.finished = true,
                z::Z_OK | z::Z_BUF_ERROR => {}
                other => return Err(zlib_error("stream", other, self.stream.message())),
            }
            if consumed == 0 && produced == 0 {
                // Out of input (or zlib wants more room than is left): come back with more.
                stalled += 1;
                if stalled > MAX_STALLED_ROUNDS || input.is_empty() {
                    break;
                }
            } else {
                stalled = 0;
            }
        }
        Ok(Fed {
            output,
            consumed: u64::try_from(total - input.len()).unwrap_or(u64::MAX),
            finished: self.finished,
        })
    }
}

/// Why [`pump`] stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PumpError {
    /// The sandbox could not complete a call (the session has ended).
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// zlib reported an error (as the worker tells it).
    #[error(transparent)]
    Zlib(#[from] ZError),
    /// Reading the input or writing the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The input ended before the stream did.
    #[error("the input ended before the compressed stream did")]
    Truncated,
    /// The output would pass the limit.
    #[error("output exceeds the {0}-byte limit")]
    OutputLimit(u64),
    /// The worker's answer contradicts what the host asked or knows.
    #[error("the worker's answer contradicts the call: {0}")]
    Contradicted(String),
}

/// Chunk sizes and the output limit of [`pump`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct PumpLimits {
    /// Most input bytes sent per call.
    pub input_chunk: usize,
    /// Most output bytes taken per call.
    pub output_chunk: u64,
    /// Most output bytes in all.
    pub max_output: u64,
}

impl Default for PumpLimits {
    /// 1 MiB in, 4 MiB out per call; no overall limit.
    fn default() -> Self {
        Self {
            input_chunk: 1 << 20,
            output_chunk: 4 << 20,
            max_output: u64::MAX,
        }
    }
}

impl PumpLimits {
    /// These limits with an overall output limit.
    #[must_use]
    pub fn max_output(mut self, limit: u64) -> Self {
        self.max_output = limit;
        self
    }
}

/// Runs a stream in `session`'s worker from `input` to `output`, one bounded chunk per call;
/// returns the output bytes written. Host memory stays within one input chunk plus one output
/// chunk; the worker's within zlib's state plus the same.
///
/// # Errors
/// See [`PumpError`]; after a [`PumpError::Sandbox`] the session has ended.
pub fn pump(
    session: &mut Session<'_>,
    direction: Direction,
    mut input: impl Read,
    mut output: impl Write,
    limits: PumpLimits,
) -> Result<u64, PumpError> {
    let chunk = limits.input_chunk.max(1);
    let handle = start::call_in(session, direction)?.trust_unverified("an opaque name")?;
    let mut pending: Vec<u8> = Vec::with_capacity(chunk);
    let mut at_end = false;
    let mut written = 0u64;
    let mut stalled = 0;
    loop {
        // Top the pending input up to one chunk.
        while !at_end && pending.len() < chunk {
            let start = pending.len();
            pending.resize(chunk, 0);
            let read = input.read(&mut pending[start..])?;
            pending.truncate(start + read);
            at_end = read == 0;
        }
        let sent = pending.len();
        // A copy goes to the worker; the host keeps what it does not consume.
        let fed = feed::call_in(
            session,
            handle.clone(),
            ByteBuf::from(pending.clone()),
            limits.output_chunk,
            at_end,
        )?
        .trust_unverified("split into the worker's verdict and its claims, checked below")?;
        let consumed = usize::try_from(fed.consumed).unwrap_or(usize::MAX);
        if consumed > sent {
            return Err(PumpError::Contradicted(format!(
                "consumed {consumed} of {sent} bytes"
            )));
        }
        let produced = u64::try_from(fed.output.len()).unwrap_or(u64::MAX);
        if produced > limits.output_chunk {
            return Err(PumpError::Contradicted(format!(
                "{produced} output bytes for at most {}",
                limits.output_chunk
            )));
        }
        written = written.saturating_add(produced);
        if written > limits.max_output {
            return Err(PumpError::OutputLimit(limits.max_output));
        }
        output.write_all(&fed.output)?;
        pending.drain(..consumed);
        if fed.finished {
            output.flush()?;
            return Ok(written);
        }
        stalled = if consumed == 0 && produced == 0 {
            stalled + 1
        } else {
            0
        };
        if stalled > MAX_STALLED_ROUNDS {
            return Err(if at_end {
                PumpError::Truncated
            } else {
                PumpError::Contradicted("no progress".to_owned())
            });
        }
    }
}

impl From<RemoteError> for ZError {
    fn from(error: RemoteError) -> Self {
        ZError::Remote(error)
    }
}
