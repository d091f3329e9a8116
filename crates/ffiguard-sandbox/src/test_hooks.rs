//! Hostile-worker behaviour for the crate's own tests (feature `test-hooks`): an isolated
//! function running in a worker asks the serve loop to corrupt the reply it is about to publish,
//! rattles the word the host sleeps on, or the worker lies about its confinement, the way a
//! compromised library could.

use std::os::fd::{AsFd, BorrowedFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::confine::status::{ConfinementStatus, Layers};
use crate::transport::region::Region;
use crate::worker::setup::Setup;

/// How the worker misbehaves after the current call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
#[non_exhaustive]
pub enum Hostility {
    /// Behave.
    None = 0,
    /// Claim a reply length of `u64::MAX`.
    HugeLength = 1,
    /// Claim one byte more than the reply arena holds.
    LengthPastArena = 2,
    /// Keep the OK status, replace the first 4 KiB of the arena with garbage and claim it all
    /// as the frame.
    Garbage = 3,
    /// Write a status word no version knows.
    UnknownStatus = 4,
    /// Publish the reply, and keep rewriting it from another thread while the host reads it.
    RewriteWhileRead = 5,
    /// Claim to have died (set `OWNER_DIED` in the robust word) while staying alive.
    FakeDeath = 6,
    /// Claim to have taken one passed file more than the call's message held.
    MoreFilesTaken = 7,
    /// Claim to have taken the call's files from the message of another call.
    FilesFromAnotherCall = 8,
    /// From now on, publish the calling thread's core as the worker's own whenever the worker
    /// publishes or withdraws its core, so that the host's spins find the worker on their core.
    ClaimCallerCore = 9,
}

static MODE: AtomicU32 = AtomicU32::new(0);
/// Set in a worker by [`Hostility::ClaimCallerCore`].
static CLAIM_CALLER_CORE: AtomicBool = AtomicBool::new(false);

/// Whether this worker lies about its core (`transport/cores.rs` asks when it publishes).
pub(crate) fn claims_caller_core() -> bool {
    CLAIM_CALLER_CORE.load(Ordering::Relaxed)
}

/// Called from inside an isolated function: misbehave once, after this call's reply is written.
pub fn after_this_call(mode: Hostility) {
    MODE.store(mode as u32, Ordering::SeqCst);
}

pub(crate) fn apply(region: &'static Region) {
    let mode = MODE.swap(0, Ordering::SeqCst);
    let control = region.control();
    let reply_capacity = u64::try_from(region.reply_capacity()).unwrap_or(u64::MAX);
    match mode {
        1 => control.worker.reply_len.store(u64::MAX, Ordering::Relaxed),
        2 => control
            .worker
            .reply_len
            .store(reply_capacity + 1, Ordering::Relaxed),
        3 => {
            scribble(region, 0x5a, 4096);
            control.worker.reply_len.store(4096, Ordering::Relaxed);
        }
        4 => control.worker.reply_status.store(0xdead, Ordering::Relaxed),
        5 => {
            control
                .worker
                .reply_len
                .store(reply_capacity, Ordering::Relaxed);
            let _ = std::thread::Builder::new().spawn(move || {
                for round in 0u64.. {
                    scribble(region, round.to_le_bytes()[0], region.reply_capacity());
                }
            });
        }
        6 => {
            control
                .worker
                .robust_word
                .fetch_or(crate::transport::futex::OWNER_DIED, Ordering::SeqCst);
        }
        7 => {
            control.worker.files_taken.fetch_add(1, Ordering::Relaxed);
        }
        8 => {
            control.worker.files_seq.fetch_sub(1, Ordering::Relaxed);
        }
        9 => {
            CLAIM_CALLER_CORE.store(true, Ordering::Relaxed);
            let host = control.host_core.cpu.load(Ordering::Relaxed);
            control.worker_core.cpu.store(host, Ordering::Relaxed);
        }
        _ => {}
    }
}

fn scribble(region: &Region, byte: u8, len: usize) {
    let len = len.min(region.reply_capacity());
    let start = region.reply_ptr();
    for offset in 0..len {
        // SAFETY: offset < reply_capacity keeps the write inside the mapped reply arena; it is
        // a volatile raw write, no reference into the arena exists in this process meanwhile.
        unsafe {
            start
                .wrapping_add(offset)
                .write_volatile(byte ^ (offset.to_le_bytes()[0]))
        };
    }
}

/// Bytes that replies encoded on the calling thread carried straight from an
/// [`OutputBuf`](crate::OutputBuf) in the reply arena, without a copy. Called from an isolated
/// function, it reports the worker's serving thread.
pub fn in_place_bytes() -> u64 {
    crate::transport::output_buf::in_place_bytes()
}

/// Reports the worker's own program name and pid; linked into both the crate's tests and its
/// dedicated test worker binary, to show which binary served a call.
#[crate::isolated]
pub fn worker_identity() -> (String, u32) {
    let program = std::env::current_exe()
        .map(|path| path.to_string_lossy().into_owned())
        .unwrap_or_default();
    (program, std::process::id())
}

/// The worker's shared region, for hooks that act during a call.
static REGION: OnceLock<&'static Region> = OnceLock::new();

/// Called by the worker before it serves its first call.
pub(crate) fn serving(region: &'static Region) {
    let _ = REGION.set(region);
}

/// Called from inside an isolated function: for `duration`, keeps changing the robust-futex
/// word the host sleeps on and waking it, without publishing a reply or claiming a death — a
/// worker trying to keep the host's wait busy. Returns the number of wake-ups (0 outside a
/// worker).
pub fn rattle_robust_word(duration: Duration) -> u64 {
    let Some(region) = REGION.get() else {
        return 0;
    };
    let word = &region.control().worker.robust_word;
    let started = Instant::now();
    let mut wakes = 0;
    while started.elapsed() < duration {
        // Flips a thread-id bit, never OWNER_DIED; two flips restore the word, so the kernel
        // still recognises its owner if the worker dies afterwards.
        word.fetch_xor(1, Ordering::SeqCst);
        crate::transport::futex::wake_one(word);
        word.fetch_xor(1, Ordering::SeqCst);
        crate::transport::futex::wake_one(word);
        wakes += 2;
    }
    wakes
}

/// Called from inside an isolated function: asks the host for callback `id` with `payload` as
/// its encoded arguments (claiming `claimed` bytes of them when given), as a worker choosing
/// its own bytes would; returns the host's status word and answer.
///
/// # Errors
/// As [`HostFn::call`](crate::callbacks::HostFn::call) before the host answers.
pub fn raw_callback(
    id: u64,
    payload: &[u8],
    claimed: Option<u64>,
) -> Result<(u32, Vec<u8>), crate::callbacks::CallbackError> {
    crate::callbacks::worker::ask_encoded(id, payload, claimed)
        .map(|answer| (answer.status, answer.payload))
}

static SKIP_FILES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Called from inside an isolated function: with the next call that passes files, the worker
/// says it took them but leaves them queued on its socket.
pub fn leave_files_queued_next_call() {
    SKIP_FILES.store(true, Ordering::SeqCst);
}

pub(crate) fn skip_taking_files() -> bool {
    SKIP_FILES.swap(false, Ordering::SeqCst)
}

impl crate::SandboxBuilder {
    /// Test hook: the sandbox's workers report `layers` in force on top of the layers they
    /// really put in force and, when `layers` includes [`Layers::NOTIFY`], send a descriptor of
    /// `/dev/null` as their seccomp listener: workers lying about their confinement.
    pub fn workers_claiming(mut self, layers: Layers) -> Self {
        self.settings.claimed_layers = layers;
        self
    }
}

/// Called by the worker before it confines itself: sends the fake listener a lying worker
/// claims to have.
pub(crate) fn before_confine(setup: &Setup) {
    if !setup.claimed_layers.contains(Layers::NOTIFY) {
        return;
    }
    let Ok(fake) = std::fs::File::open("/dev/null") else {
        return;
    };
    // SAFETY: the spawner put the setup socket on this number before exec; it stays open until
    // the confinement step takes ownership of it, which runs after this returns. The borrow
    // ends with this function.
    let socket = unsafe { BorrowedFd::borrow_raw(crate::host::spawn::SETUP_SOCKET_FD) };
    let mut space = [std::mem::MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut ancillary = rustix::net::SendAncillaryBuffer::new(&mut space);
    let fds = [fake.as_fd()];
    if ancillary.push(rustix::net::SendAncillaryMessage::ScmRights(&fds)) {
        let _ = rustix::net::sendmsg(
            socket,
            &[std::io::IoSlice::new(&[b'L', 0])],
            &mut ancillary,
            rustix::net::SendFlags::empty(),
        );
    }
}

/// The status a lying worker reports.
pub(crate) fn claimed(status: ConfinementStatus, setup: &Setup) -> ConfinementStatus {
    ConfinementStatus {
        layers: status.layers.with(setup.claimed_layers),
        ..status
    }
}
