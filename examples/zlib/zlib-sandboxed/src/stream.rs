//! zlib's streaming API behind a safe, bounded interface.

use std::ffi::{CStr, c_int, c_uint};
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use ffiguard::conv;
use ffiguard_sandbox::OutputBuf;
use libz_sys as z;

use crate::ZError;

/// Rounds without input consumed or output produced before giving up (one is normal: a round
/// that only discovers the output buffer is full).
pub(crate) const MAX_STALLED_ROUNDS: u32 = 4;

/// Largest slice handed to zlib at once: `avail_in`/`avail_out` are C `unsigned int`.
const CHUNK: usize = 1 << 30;

/// zlib's allocator hook: `calloc`, so that `zfree` may `free`.
///
/// # Safety
/// None beyond zlib's contract: any counts are accepted (calloc checks the product).
unsafe extern "C" fn zalloc(_opaque: z::voidpf, items: z::uInt, size: z::uInt) -> z::voidpf {
    // SAFETY: calloc takes any counts and returns null (checked by zlib) or a fresh block.
    unsafe { libc::calloc(items as usize, size as usize) }
}

/// zlib's release hook.
///
/// # Safety
/// `address` must be null or a block from [`zalloc`], released once.
unsafe extern "C" fn zfree(_opaque: z::voidpf, address: z::voidpf) {
    // SAFETY: zlib frees only blocks it obtained from `zalloc`, i.e. from calloc.
    unsafe { libc::free(address) }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Kind {
    Inflate,
    Deflate,
}

/// An initialised z_stream, ended exactly once on drop.
pub(crate) struct Stream {
    raw: Box<z::z_stream>,
    kind: Kind,
}

// SAFETY: a z_stream is plain state owned by this value: zlib keeps no thread-affine data in
// it and touches it only during calls made through `&mut self`, so moving it to another
// thread between calls is sound (zlib is documented as thread-safe for distinct streams).
unsafe impl Send for Stream {}

impl Stream {
    pub(crate) fn new(kind: Kind, level: c_int) -> Result<Self, ZError> {
        let mut raw = Box::new(z::z_stream {
            next_in: std::ptr::null_mut(),
            avail_in: 0,
            total_in: 0,
            next_out: std::ptr::null_mut(),
            avail_out: 0,
            total_out: 0,
            msg: std::ptr::null_mut(),
            state: std::ptr::null_mut(),
            zalloc,
            zfree,
            opaque: std::ptr::null_mut(),
            data_type: 0,
            adler: 0,
            reserved: 0,
        });
        let size = conv::c_int(size_of::<z::z_stream>())
            .map_err(|_| zlib_error("init", z::Z_VERSION_ERROR, None))?;
        // SAFETY: zlibVersion has no preconditions; it returns a static NUL-terminated string.
        let version = unsafe { z::zlibVersion() };
        let code = match kind {
            // SAFETY: `raw` is a fully initialised z_stream with valid allocator callbacks;
            // `version` is zlib's own and `size` the struct size these bindings were built
            // with, which zlib checks against its own.
            Kind::Inflate => unsafe { z::inflateInit_(&mut *raw, version, size) },
            // SAFETY: as for inflateInit_; deflateInit_ validates `level` itself.
            Kind::Deflate => unsafe { z::deflateInit_(&mut *raw, level, version, size) },
        };
        if code != z::Z_OK {
            return Err(zlib_error("init", code, None));
        }
        Ok(Self { raw, kind })
    }

    pub(crate) fn message(&self) -> Option<String> {
        let msg = NonNull::new(self.raw.msg)?;
        // SAFETY: zlib sets `msg` to null or to one of its static NUL-terminated strings.
        Some(
            unsafe { CStr::from_ptr(msg.as_ptr()) }
                .to_string_lossy()
                .into_owned(),
        )
    }

    /// One zlib step over `input` into `output` (spare capacity of a buffer). Returns zlib's
    /// code, the bytes consumed and the bytes written at the start of `output`.
    pub(crate) fn step(
        &mut self,
        input: &[u8],
        output: &mut [MaybeUninit<u8>],
        flush: c_int,
    ) -> (c_int, usize, usize) {
        let input = &input[..input.len().min(CHUNK)];
        let output_len = output.len().min(CHUNK);
        self.raw.next_in = input.as_ptr().cast_mut();
        self.raw.avail_in = c_uint::try_from(input.len()).unwrap_or(0);
        self.raw.next_out = output.as_mut_ptr().cast();
        self.raw.avail_out = c_uint::try_from(output_len).unwrap_or(0);
        let code = match self.kind {
            // SAFETY: next_in/avail_in describe `input` (zlib only reads it, despite `*mut`);
            // next_out/avail_out describe (a prefix of) `output`, possibly uninitialised memory
            // zlib only writes; both stay valid for the call. The stream was initialised in
            // `new`.
            Kind::Inflate => unsafe { z::inflate(&mut *self.raw, flush) },
            // SAFETY: as above, for a stream initialised by deflateInit_.
            Kind::Deflate => unsafe { z::deflate(&mut *self.raw, flush) },
        };
        // zlib only ever lowers the counts it was given; saturating keeps a misbehaving build
        // from making `produced` exceed the room it was handed.
        let consumed = input
            .len()
            .saturating_sub(usize::try_from(self.raw.avail_in).unwrap_or(usize::MAX));
        let produced =
            output_len.saturating_sub(usize::try_from(self.raw.avail_out).unwrap_or(usize::MAX));
        (code, consumed, produced)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        match self.kind {
            // SAFETY: the stream was initialised by inflateInit_ and is ended once, here.
            Kind::Inflate => unsafe { z::inflateEnd(&mut *self.raw) },
            // SAFETY: the stream was initialised by deflateInit_ and is ended once, here.
            Kind::Deflate => unsafe { z::deflateEnd(&mut *self.raw) },
        };
    }
}

pub(crate) fn zlib_error(function: &str, code: c_int, message: Option<String>) -> ZError {
    ZError::Zlib {
        function: function.to_owned(),
        code,
        message: message.unwrap_or_default(),
    }
}

/// Inflates into an [`OutputBuf`]: in a worker, straight into the reply arena.
pub(crate) fn inflate(mut input: &[u8], max_output: u64) -> Result<OutputBuf, ZError> {
    let limit = usize::try_from(max_output).unwrap_or(usize::MAX);
    // zlib is never handed room past this; output beyond `limit` is caught after the step.
    let ceiling = limit.max(1);
    let mut stream = Stream::new(Kind::Inflate, 0)?;
    let mut output = OutputBuf::with_capacity(input.len().saturating_mul(4).max(4096).min(ceiling));
    // Each round consumes input or produces output (or returns); the output is bounded by
    // `limit` and the input by its length, so the loop ends. A zlib that stops making progress
    // anyway is cut off after a few rounds.
    let mut stalled = 0;
    loop {
        // A buffer in the reply arena may offer more than was asked for: room stops at the
        // ceiling, as a heap buffer's capacity does.
        if output.len() >= output.capacity().min(ceiling) {
            if output.len() >= limit {
                return Err(ZError::OutputLimit { limit: max_output });
            }
            let grow = output.len().max(4096).min(limit - output.len());
            output.reserve_exact(grow);
        }
        let before = output.len();
        let room = output.capacity().min(ceiling) - before;
        let spare = output.spare_capacity_mut();
        let window = room.min(spare.len());
        let (code, consumed, produced) = stream.step(input, &mut spare[..window], z::Z_NO_FLUSH);
        // SAFETY: zlib wrote exactly `produced` (<= window <= spare capacity) bytes at the
        // start of the spare capacity.
        unsafe { output.set_len(before + produced) };
        input = &input[consumed..];
        stalled = if consumed == 0 && produced == 0 {
            stalled + 1
        } else {
            0
        };
        if stalled > MAX_STALLED_ROUNDS {
            return Err(zlib_error("inflate", code, Some("no progress".into())));
        }
        match code {
            z::Z_STREAM_END => return Ok(output),
            z::Z_OK => {}
            z::Z_BUF_ERROR if output.len() < output.capacity().min(ceiling) => {
                return Err(ZError::Truncated);
            }
            z::Z_BUF_ERROR => {}
            other => return Err(zlib_error("inflate", other, stream.message())),
        }
        if output.len() > limit {
            return Err(ZError::OutputLimit { limit: max_output });
        }
    }
}

pub(crate) fn deflate(mut input: &[u8], level: i32) -> Result<Vec<u8>, ZError> {
    if !(-1..=9).contains(&level) {
        return Err(ZError::BadLevel(level));
    }
    let mut stream = Stream::new(Kind::Deflate, level)?;
    let mut output = Vec::with_capacity(input.len() / 2 + 4096);
    let mut stalled = 0;
    loop {
        if output.len() == output.capacity() {
            output.reserve(output.len().max(4096));
        }
        let flush = if input.len() <= CHUNK {
            z::Z_FINISH
        } else {
            z::Z_NO_FLUSH
        };
        let before = output.len();
        let (code, consumed, produced) = stream.step(input, output.spare_capacity_mut(), flush);
        // SAFETY: zlib wrote exactly `produced` bytes at the start of the spare capacity.
        unsafe { output.set_len(before + produced) };
        input = &input[consumed..];
        stalled = if consumed == 0 && output.len() == before {
            stalled + 1
        } else {
            0
        };
        if stalled > MAX_STALLED_ROUNDS {
            return Err(zlib_error("deflate", code, Some("no progress".into())));
        }
        match code {
            z::Z_STREAM_END => return Ok(output),
            z::Z_OK | z::Z_BUF_ERROR => {}
            other => return Err(zlib_error("deflate", other, stream.message())),
        }
    }
}
