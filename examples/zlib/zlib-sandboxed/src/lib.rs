//! Real zlib, run isolated: `inflate` and `deflate` execute in `ffiguard-sandbox` workers, so a
//! memory-safety bug in zlib (or a hostile build of it) corrupts a worker, not the host.
//!
//! The functions are ordinary functions too: call them directly to run zlib in-process (the
//! benchmarks compare both).
//!
//! ```no_run
//! use ffiguard_sandbox::{ByteBuf, Sandbox};
//! use zlib_sandboxed::{deflate, inflate};
//!
//! ffiguard_sandbox::init();
//! let sandbox = Sandbox::new()?;
//! let original = b"hello hello hello hello".to_vec();
//! let compressed = deflate::call(&sandbox, ByteBuf::from(original.clone()), 6)?
//!     .trust_unverified("inflated and compared below")?;
//! let expected_len = original.len() as u64;
//! let restored = inflate::call(&sandbox, compressed, expected_len)?
//!     .verify(|result| match result {
//!         Ok(bytes) if bytes.len() as u64 == expected_len => Ok(bytes),
//!         Ok(_) => Err("wrong length".into()),
//!         Err(error) => Err(error.to_string()),
//!     })?;
//! assert_eq!(&restored[..], &original[..]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chunked;
mod stream;

use ffiguard_sandbox::{ByteBuf, OutputBuf, isolated};
use serde::{Deserialize, Serialize};

/// A zlib failure, with zlib's code and message kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum ZError {
    /// zlib returned an error code.
    #[error("zlib {function} returned {code}: {message}")]
    Zlib {
        /// The zlib function.
        function: String,
        /// Its return code (`Z_DATA_ERROR`, …).
        code: i32,
        /// zlib's `msg`, if it set one.
        message: String,
    },
    /// The output would exceed the limit the caller set.
    #[error("output exceeds the {limit}-byte limit")]
    OutputLimit {
        /// The limit.
        limit: u64,
    },
    /// The input ended before the compressed stream did.
    #[error("the compressed stream is truncated")]
    Truncated,
    /// The compression level is not 0–9 (or -1 for the default).
    #[error("compression level {0} is not in -1..=9")]
    BadLevel(i32),
    /// A stream's handle could not be used in the worker.
    #[error(transparent)]
    Remote(ffiguard_sandbox::RemoteError),
}

/// Inflates a zlib stream, refusing to produce more than `max_output` bytes.
///
/// Run in a worker, zlib writes the output straight into the reply arena (an [`OutputBuf`]),
/// so the only copy of it is the host's; called in-process it is an ordinary heap buffer.
///
/// # Errors
/// [`ZError`] for corrupt or truncated input, or output past the limit.
#[isolated]
pub fn inflate(data: ByteBuf, max_output: u64) -> Result<OutputBuf, ZError> {
    stream::inflate(&data, max_output)
}

/// Deflates `data` at `level` (0–9, or -1 for zlib's default).
///
/// # Errors
/// [`ZError`] for a bad level or a zlib failure.
#[isolated]
pub fn deflate(data: ByteBuf, level: i32) -> Result<ByteBuf, ZError> {
    stream::deflate(&data, level).map(ByteBuf::from)
}

/// Deterministic, compressible, text-like bytes (a pseudo-random walk over 18 characters, about
/// 37:1 under zlib): the input of this crate's tests and of the sandbox benchmarks.
///
/// ```
/// let data = zlib_sandboxed::sample_text(1 << 10);
/// assert_eq!(data.len(), 1 << 10);
/// assert_eq!(data, zlib_sandboxed::sample_text(1 << 10));
/// ```
pub fn sample_text(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|i| {
            if i % 64 == 0 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
            }
            b"abcdefghij klmnop\n"[usize::try_from(state >> 59).unwrap_or(0) % 18]
        })
        .collect()
}
