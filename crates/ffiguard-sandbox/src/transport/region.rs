//! The shared region between host and worker: one memfd mapped by both, holding a control
//! block and two arenas (request, reply).
//!
//! The host never forms a Rust reference to bytes the worker can write, except the atomics of
//! the control block: arena bytes are written and read through raw pointers only, and a reply
//! is copied out with volatile loads before anything looks at it.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64};

use rustix::fs::{MemfdFlags, SealFlags};
use rustix::mm::{MapFlags, ProtFlags};

/// `b"FFGS"`: identifies a control block written by this crate.
pub(crate) const MAGIC: u32 = 0x4646_4753;
/// Bumped whenever the control block or the wire format changes.
pub(crate) const PROTOCOL_VERSION: u32 = 7;
/// The control block occupies the first page; the arenas start page-aligned after it.
pub(crate) const CONTROL_SIZE: usize = 4096;
/// The callback area after the two arenas: a callback's arguments (worker to host), then its
/// result (host to worker), each encoded whole.
pub(crate) const CALLBACK_CAPACITY: usize = 64 << 10;

/// Fields the host writes and the worker reads.
#[repr(C, align(64))]
#[derive(Debug, Default)]
pub(crate) struct HostSide {
    pub(crate) magic: AtomicU32,
    pub(crate) version: AtomicU32,
    /// Incremented by the host to ring the worker's doorbell; the worker futex-waits on it.
    pub(crate) call_seq: AtomicU32,
    /// 1 when the adaptive worker should spin for the next call, 0 when it should sleep at
    /// once: the calling thread's plan (`spin_plan.rs`), written before each ring.
    pub(crate) worker_spins: AtomicU32,
    pub(crate) call_id: AtomicU64,
    pub(crate) request_len: AtomicU64,
    pub(crate) request_capacity: AtomicU64,
    pub(crate) reply_capacity: AtomicU64,
    /// Descriptors sent for this call on the setup socket (`files::channel`), in a message
    /// numbered with `call_seq`; 0 when none.
    pub(crate) call_files: AtomicU32,
    /// Equal to the worker's `callback_seq` once the host's answer to that callback is in the
    /// callback area; the worker futex-waits on it.
    pub(crate) callback_done: AtomicU32,
    /// The answer's status (`callbacks::status`).
    pub(crate) callback_status: AtomicU32,
    /// The answer's length in the callback area.
    pub(crate) callback_len: AtomicU64,
}

/// Fields the worker writes and the host reads (and must distrust).
#[repr(C, align(64))]
#[derive(Debug, Default)]
pub(crate) struct WorkerSide {
    /// Set to 1 by the worker just before it sleeps on `call_seq`, so the host only makes the
    /// wake-up syscall when someone is asleep.
    pub(crate) worker_sleeping: AtomicU32,
    /// Equal to `call_seq` once the reply for that call is complete.
    pub(crate) reply_seq: AtomicU32,
    /// The worker's thread id, registered in its robust futex list: when the worker dies the
    /// kernel sets `OWNER_DIED` here and wakes the host. The host sleeps on this word.
    pub(crate) robust_word: AtomicU32,
    pub(crate) reply_status: AtomicU32,
    pub(crate) reply_len: AtomicU64,
    /// 0 while starting, [`SETUP_READY`] once serving, another value names a setup failure.
    pub(crate) setup_state: AtomicU32,
    pub(crate) _pad: AtomicU32,
    pub(crate) setup_detail: AtomicU64,
    /// The sequence number of the descriptor message the worker took for the call just
    /// answered, and how many descriptors it held (0 and 0 when it took none): checked by the
    /// host against what it sent.
    pub(crate) files_seq: AtomicU32,
    pub(crate) files_taken: AtomicU32,
    /// Incremented by the worker for each callback it asks of the host (`callbacks`), once
    /// the request is in the callback area.
    pub(crate) callback_seq: AtomicU32,
    /// The call (`call_seq`) the callback belongs to.
    pub(crate) callback_call: AtomicU32,
    /// 1 while the worker sleeps on `callback_done`: the host wakes it only then.
    pub(crate) callback_waiting: AtomicU32,
    /// Which host function the callback asks for, and the length of its arguments.
    pub(crate) callback_id: AtomicU64,
    pub(crate) callback_len: AtomicU64,
}

/// The worker's spin counters ([`crate::SpinCounters`]), published after every wait. Worker
/// written and so untrusted: the host only reports them, never acts on them.
#[repr(C, align(64))]
#[derive(Debug, Default)]
pub(crate) struct WorkerSpinCounters {
    pub(crate) caught: AtomicU64,
    pub(crate) idle: AtomicU64,
    pub(crate) preempted: AtomicU64,
    pub(crate) skipped: AtomicU64,
    pub(crate) slept: AtomicU64,
    pub(crate) shared_core: AtomicU64,
}

/// The core one side last ran on while waiting (`cores.rs`), on a line of its own: each side
/// writes it only when it moved, and the other reads it while spinning.
#[repr(C, align(64))]
#[derive(Debug, Default)]
pub(crate) struct CoreLine {
    pub(crate) cpu: AtomicU32,
}

/// The worker finished its setup and serves calls.
pub(crate) const SETUP_READY: u32 = 1;
/// The worker found a descriptor it should not have; `setup_detail` holds its number.
pub(crate) const SETUP_LEAKED_FD: u32 = 2;
/// The worker did not recognize the control block (magic or version).
pub(crate) const SETUP_BAD_CONTROL: u32 = 3;
/// The worker's registry holds two functions with the same identifier.
pub(crate) const SETUP_DUPLICATE_ID: u32 = 4;
/// Confinement failed; `setup_detail` holds the errno.
pub(crate) const SETUP_CONFINE_FAILED: u32 = 5;

/// The control block at the start of the region.
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct Control {
    pub(crate) host: HostSide,
    pub(crate) worker: WorkerSide,
    /// On a line of its own, so that publishing counts does not disturb the doorbell words.
    pub(crate) worker_spin: WorkerSpinCounters,
    /// The core of the calling thread waiting for a reply.
    pub(crate) host_core: CoreLine,
    /// The core of the worker waiting for a call. Worker written: a hint only.
    pub(crate) worker_core: CoreLine,
}

const _: () = assert!(size_of::<Control>() <= CONTROL_SIZE);

/// One mapping of the shared region.
#[derive(Debug)]
pub(crate) struct Region {
    base: NonNull<u8>,
    len: usize,
    request_capacity: usize,
    reply_capacity: usize,
    fd: OwnedFd,
}

// SAFETY: the mapping is process-wide memory; all cross-thread access to the control block goes
// through atomics, and arena access is serialized by the owning worker handle (`&mut self`).
unsafe impl Send for Region {}
// SAFETY: shared references only reach the control block's atomics.
unsafe impl Sync for Region {}

impl Region {
    /// Creates the memfd and maps it (host side).
    pub(crate) fn create(request_capacity: usize, reply_capacity: usize) -> std::io::Result<Self> {
        let request_capacity = round_up_to_page(request_capacity);
        let reply_capacity = round_up_to_page(reply_capacity);
        let len = CONTROL_SIZE
            .checked_add(request_capacity)
            .and_then(|len| len.checked_add(reply_capacity))
            .and_then(|len| len.checked_add(CALLBACK_CAPACITY))
            .ok_or_else(|| std::io::Error::other("arena sizes overflow"))?;
        let fd = rustix::fs::memfd_create(
            "ffiguard-sandbox",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        rustix::fs::ftruncate(&fd, u64::try_from(len).map_err(std::io::Error::other)?)?;
        // The size is fixed from now on: a worker cannot shrink the file under the host's
        // mapping (which would turn host reads into SIGBUS).
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)?;
        let region = Self::map(fd, len, request_capacity, reply_capacity)?;
        let control = region.control();
        control.host.request_capacity.store(
            u64::try_from(request_capacity).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
        control.host.reply_capacity.store(
            u64::try_from(reply_capacity).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
        for line in [&control.host_core, &control.worker_core] {
            line.cpu.store(
                crate::transport::cores::UNKNOWN,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        control
            .host
            .version
            .store(PROTOCOL_VERSION, std::sync::atomic::Ordering::Relaxed);
        control
            .host
            .magic
            .store(MAGIC, std::sync::atomic::Ordering::Release);
        Ok(region)
    }

    /// Maps an inherited memfd (worker side), trusting the host's layout.
    pub(crate) fn open_inherited(fd: OwnedFd) -> std::io::Result<Self> {
        let size = rustix::fs::fstat(&fd)?.st_size;
        let len = usize::try_from(size).map_err(std::io::Error::other)?;
        if len < CONTROL_SIZE {
            return Err(std::io::Error::other(
                "shared region smaller than its control block",
            ));
        }
        let mut region = Self::map(fd, len, 0, 0)?;
        let control = region.control();
        let request = control
            .host
            .request_capacity
            .load(std::sync::atomic::Ordering::Relaxed);
        let reply = control
            .host
            .reply_capacity
            .load(std::sync::atomic::Ordering::Relaxed);
        let request = usize::try_from(request).map_err(std::io::Error::other)?;
        let reply = usize::try_from(reply).map_err(std::io::Error::other)?;
        if CONTROL_SIZE
            .checked_add(request)
            .and_then(|n| n.checked_add(reply))
            .and_then(|n| n.checked_add(CALLBACK_CAPACITY))
            != Some(len)
        {
            return Err(std::io::Error::other(
                "shared region layout does not match its size",
            ));
        }
        region.request_capacity = request;
        region.reply_capacity = reply;
        Ok(region)
    }

    fn map(
        fd: OwnedFd,
        len: usize,
        request_capacity: usize,
        reply_capacity: usize,
    ) -> std::io::Result<Self> {
        // SAFETY: a fresh shared mapping chosen by the kernel (null hint) cannot alias any Rust
        // object; `fd` is a memfd at least `len` bytes long (set by ftruncate or checked by
        // fstat), so every mapped page is backed.
        let base = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &fd,
                0,
            )?
        };
        let base = NonNull::new(base.cast::<u8>())
            .ok_or_else(|| std::io::Error::other("mmap returned null"))?;
        Ok(Self {
            base,
            len,
            request_capacity,
            reply_capacity,
            fd,
        })
    }

    /// The control block.
    pub(crate) fn control(&self) -> &Control {
        // SAFETY: the mapping is at least CONTROL_SIZE bytes, page-aligned (so aligned for
        // Control), zero-initialised by the kernel, and all-zero bytes are a valid `Control`
        // (atomics only). Both processes touch it only through atomics.
        unsafe { self.base.cast::<Control>().as_ref() }
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub(crate) fn request_capacity(&self) -> usize {
        self.request_capacity
    }

    pub(crate) fn reply_capacity(&self) -> usize {
        self.reply_capacity
    }

    /// Start of the request arena.
    pub(crate) fn request_ptr(&self) -> *mut u8 {
        // SAFETY: CONTROL_SIZE < len, so the offset stays inside the mapping.
        unsafe { self.base.as_ptr().add(CONTROL_SIZE) }
    }

    /// Start of the reply arena.
    pub(crate) fn reply_ptr(&self) -> *mut u8 {
        // SAFETY: CONTROL_SIZE + request_capacity <= len, inside the mapping.
        unsafe { self.base.as_ptr().add(CONTROL_SIZE + self.request_capacity) }
    }

    /// Start of the callback area ([`CALLBACK_CAPACITY`] bytes).
    pub(crate) fn callback_ptr(&self) -> *mut u8 {
        // SAFETY: CONTROL_SIZE + request_capacity + reply_capacity + CALLBACK_CAPACITY == len,
        // so the area is inside the mapping.
        unsafe {
            self.base
                .as_ptr()
                .add(CONTROL_SIZE + self.request_capacity + self.reply_capacity)
        }
    }

    /// A view of the start of the request arena (worker side: only the host writes it, and
    /// only between calls, so the worker has it to itself while it serves one).
    ///
    /// # Safety
    /// No other reference to the request arena may be live, and the peer must not write it for
    /// the lifetime of the returned slice.
    pub(crate) unsafe fn request_slice(&self, len: usize) -> &[u8] {
        let len = len.min(self.request_capacity);
        // SAFETY: in bounds of the mapped request arena; exclusivity is the caller's promise.
        unsafe { std::slice::from_raw_parts(self.request_ptr(), len) }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `base`/`len` describe the mapping created in `map`; no reference into it
        // outlives `self` (all accessors borrow `self`).
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

fn round_up_to_page(len: usize) -> usize {
    len.max(1).div_ceil(4096).saturating_mul(4096)
}
