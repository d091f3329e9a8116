//! The designs a user would pick instead of the sandbox, each serving the same empty call in
//! a re-executed process of its own: a Unix socket pair, a pipe pair (one byte each way, and
//! postcard-framed arguments), `ipc-channel`, a raw spinning shared-memory ping-pong with no
//! framing, no futex and no checks (the floor of a cross-process round trip), and the same
//! shared page with a futex doorbell and no spinning (the floor of a round trip that sleeps).

use std::hint::black_box;
use std::io::{Read, Write};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

use ipc_channel::ipc::{self, IpcOneShotServer, IpcReceiver, IpcSender};
use rustix::thread::futex;

use crate::empty;

const SOCKET_ARG: &str = "--bench-socket-worker";
const PIPE_BYTE_ARG: &str = "--bench-pipe-byte-worker";
const PIPE_FRAMED_ARG: &str = "--bench-pipe-framed-worker";
const IPC_ARG: &str = "--bench-ipc-channel-worker";
const SHM_ARG: &str = "--bench-raw-shm-worker";
const FUTEX_ARG: &str = "--bench-futex-shm-worker";

/// The request both sides of `ipc-channel` exchange at start: where to send calls, where
/// replies come from.
type IpcPair = (IpcSender<()>, IpcReceiver<()>);

/// Serves as a peer's worker if `arg` names one; returns only if it does not.
pub(crate) fn serve_if_worker(arg: Option<&str>) {
    match arg {
        Some(SOCKET_ARG) => {
            // SAFETY: fd 0 is the socket the host passed as stdin, owned by nothing else here.
            let stream = unsafe { UnixStream::from_raw_fd(0) };
            let reader = stream.try_clone().expect("socket clone");
            serve_framed(reader, stream)
        }
        Some(PIPE_FRAMED_ARG) => serve_framed(std::io::stdin().lock(), std::io::stdout().lock()),
        Some(PIPE_BYTE_ARG) => serve_byte(),
        Some(IPC_ARG) => serve_ipc(),
        Some(SHM_ARG) => serve_shm(),
        Some(FUTEX_ARG) => serve_futex(),
        _ => {}
    }
}

/// One contender of the empty-call table that lives in a process of its own.
pub(crate) trait Peer {
    fn name(&self) -> &'static str;
    /// One empty call, round trip.
    fn call(&mut self);
    /// Before a batch of calls (a peer whose worker must not spin between batches wakes it).
    fn begin_batch(&mut self) {}
    /// After a batch of calls.
    fn end_batch(&mut self) {}
}

fn spawn(arg: &str, stdin: Stdio, stdout: Stdio) -> Child {
    Command::new("/proc/self/exe")
        .arg(arg)
        .env_clear()
        .stdin(stdin)
        .stdout(stdout)
        .spawn()
        .expect("peer worker")
}

/// Ends a peer worker: closing its input ends every loop below; the kill covers a worker
/// that is stuck.
fn finish(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

// --- postcard frames: (id u64, length u32, payload) in, (status u32, length u32, payload) out

fn serve_framed(mut reader: impl Read, mut writer: impl Write) -> ! {
    let mut header = [0u8; 12];
    let mut payload = Vec::new();
    loop {
        if reader.read_exact(&mut header).is_err() {
            std::process::exit(0);
        }
        let len = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        payload.resize(usize::try_from(len).unwrap_or(0), 0);
        if reader.read_exact(&mut payload).is_err() {
            std::process::exit(0);
        }
        let args: () = postcard::from_bytes(&payload).unwrap_or(());
        black_box(args);
        empty();
        let reply = postcard::to_allocvec(&()).unwrap_or_default();
        let mut frame = Vec::with_capacity(8 + reply.len());
        frame.extend_from_slice(&0u32.to_le_bytes());
        frame.extend_from_slice(&u32::try_from(reply.len()).unwrap_or(0).to_le_bytes());
        frame.extend_from_slice(&reply);
        if writer
            .write_all(&frame)
            .and_then(|()| writer.flush())
            .is_err()
        {
            std::process::exit(0);
        }
    }
}

fn framed_call(reader: &mut impl Read, writer: &mut impl Write) {
    let payload = postcard::to_allocvec(&()).unwrap_or_default();
    let mut frame = Vec::with_capacity(12 + payload.len());
    frame.extend_from_slice(&empty::SIGNATURE.len().to_le_bytes());
    frame.extend_from_slice(&u32::try_from(payload.len()).unwrap_or(0).to_le_bytes());
    frame.extend_from_slice(&payload);
    writer.write_all(&frame).expect("peer write");
    let mut header = [0u8; 8];
    reader.read_exact(&mut header).expect("peer read");
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let mut reply = vec![0u8; usize::try_from(len).unwrap_or(0)];
    reader.read_exact(&mut reply).expect("peer read");
    let () = postcard::from_bytes(&reply).expect("decode");
}

/// The same framed call over a Unix socket pair.
pub(crate) struct Socket {
    stream: UnixStream,
    child: Child,
}

impl Socket {
    pub(crate) fn start() -> Self {
        let (host, client) = UnixStream::pair().expect("socketpair");
        let child = spawn(
            SOCKET_ARG,
            Stdio::from(OwnedFd::from(client)),
            Stdio::null(),
        );
        Self {
            stream: host,
            child,
        }
    }
}

impl Peer for Socket {
    fn name(&self) -> &'static str {
        "Unix socket pair, postcard frames"
    }
    fn call(&mut self) {
        let mut reader = &self.stream;
        let mut writer = &self.stream;
        framed_call(&mut reader, &mut writer);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        finish(&mut self.child);
    }
}

/// A fork+exec worker over a pipe pair (its stdin and stdout).
pub(crate) struct Pipe {
    framed: bool,
    to: Option<ChildStdin>,
    from: ChildStdout,
    child: Child,
}

impl Pipe {
    /// One byte each way (`framed == false`), or postcard frames.
    pub(crate) fn start(framed: bool) -> Self {
        let arg = if framed {
            PIPE_FRAMED_ARG
        } else {
            PIPE_BYTE_ARG
        };
        let mut child = spawn(arg, Stdio::piped(), Stdio::piped());
        Self {
            framed,
            to: child.stdin.take(),
            from: child.stdout.take().expect("pipe"),
            child,
        }
    }
}

fn serve_byte() -> ! {
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut byte = [0u8; 1];
    loop {
        if input.read_exact(&mut byte).is_err() {
            std::process::exit(0);
        }
        empty();
        if output
            .write_all(&byte)
            .and_then(|()| output.flush())
            .is_err()
        {
            std::process::exit(0);
        }
    }
}

impl Peer for Pipe {
    fn name(&self) -> &'static str {
        if self.framed {
            "pipe pair, postcard frames"
        } else {
            "pipe pair, 1 byte each way"
        }
    }
    fn call(&mut self) {
        let to = self.to.as_mut().expect("pipe open");
        if self.framed {
            framed_call(&mut self.from, to);
        } else {
            to.write_all(&[1]).expect("pipe write");
            let mut byte = [0u8; 1];
            self.from.read_exact(&mut byte).expect("pipe read");
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        drop(self.to.take());
        finish(&mut self.child);
    }
}

/// `ipc-channel`: a typed channel pair, set up through a one-shot server.
pub(crate) struct IpcChannel {
    requests: IpcSender<()>,
    replies: IpcReceiver<()>,
    child: Child,
}

impl IpcChannel {
    pub(crate) fn start() -> Self {
        let (server, name) = IpcOneShotServer::<IpcPair>::new().expect("ipc server");
        let child = Command::new("/proc/self/exe")
            .arg(IPC_ARG)
            .arg(name)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("ipc worker");
        let (_, (requests, replies)) = server.accept().expect("ipc accept");
        Self {
            requests,
            replies,
            child,
        }
    }
}

fn serve_ipc() -> ! {
    let name = std::env::args().nth(2).expect("server name");
    let bootstrap = IpcSender::<IpcPair>::connect(name).expect("ipc connect");
    let (request_sender, requests) = ipc::channel::<()>().expect("channel");
    let (replies, reply_receiver) = ipc::channel::<()>().expect("channel");
    bootstrap
        .send((request_sender, reply_receiver))
        .expect("ipc bootstrap");
    while requests.recv().is_ok() {
        empty();
        if replies.send(()).is_err() {
            break;
        }
    }
    std::process::exit(0)
}

impl Peer for IpcChannel {
    fn name(&self) -> &'static str {
        "ipc-channel 0.23"
    }
    fn call(&mut self) {
        self.requests.send(()).expect("ipc send");
        self.replies.recv().expect("ipc recv");
    }
}

impl Drop for IpcChannel {
    fn drop(&mut self) {
        finish(&mut self.child);
    }
}

// --- the floor: two processes spinning on one shared page -------------------------------------

/// A page of a memfd mapped shared, holding three words on cache lines of their own.
struct SharedPage {
    base: NonNull<AtomicU32>,
}

const PAGE: usize = 4096;
/// The host's call number, the worker's answer, the host's request to stop, and whether a
/// batch is running (between batches the worker sleeps, so that it does not take a core from
/// the contenders measured meanwhile).
const PING: usize = 0;
const PONG: usize = 16;
const STOP: usize = 32;
const ACTIVE: usize = 48;

impl SharedPage {
    fn map(fd: impl AsFd) -> Self {
        // SAFETY: a fresh shared mapping of one page of a memfd that is at least a page long
        // (the host sized it before either side maps it); the kernel picks the address, so
        // no existing mapping is replaced.
        let base = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                PAGE,
                rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                rustix::mm::MapFlags::SHARED,
                fd,
                0,
            )
        }
        .expect("mmap");
        Self {
            base: NonNull::new(base.cast::<AtomicU32>()).expect("mapped"),
        }
    }

    fn word(&self, index: usize) -> &AtomicU32 {
        assert!(index < PAGE / size_of::<AtomicU32>());
        // SAFETY: `index` is within the one-page mapping (checked above), so the offset stays
        // inside the same allocation.
        let slot = unsafe { self.base.add(index) };
        // SAFETY: the slot is mapped, readable and writable for as long as `self` lives (the
        // returned reference borrows `self`); the page is page-aligned, so every u32 slot is
        // aligned; both processes touch it only through atomics.
        unsafe { slot.as_ref() }
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        // SAFETY: `base` is the start of the one-page mapping made in `map`, and no reference
        // into it outlives `self` (`word` borrows `self`).
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), PAGE) };
    }
}

fn serve_shm() -> ! {
    // SAFETY: fd 0 is the memfd the host passed as stdin, owned by nothing else here.
    let fd = unsafe { OwnedFd::from_raw_fd(0) };
    let page = SharedPage::map(&fd);
    let parent = rustix::process::getppid();
    let (ping, pong, stop) = (page.word(PING), page.word(PONG), page.word(STOP));
    let active = page.word(ACTIVE);
    let mut last = 0;
    let mut polls = 0u32;
    loop {
        let seq = ping.load(Ordering::Acquire);
        if seq != last {
            empty();
            pong.store(seq, Ordering::Release);
            last = seq;
            continue;
        }
        if active.load(Ordering::Acquire) == 0 {
            // Shared (not PRIVATE): the word lives in a memfd mapped by two processes. A
            // timeout, so that the checks below still run while the host is gone.
            let timeout = rustix::time::Timespec {
                tv_sec: 0,
                tv_nsec: 100_000_000,
            };
            let _ = futex::wait(active, futex::Flags::empty(), 0, Some(&timeout));
        }
        std::hint::spin_loop();
        polls = polls.wrapping_add(1);
        // Never spin on after the host has gone, even if it could not say so.
        if (polls.is_multiple_of(1 << 20) || active.load(Ordering::Relaxed) == 0)
            && (stop.load(Ordering::Relaxed) != 0 || rustix::process::getppid() != parent)
        {
            std::process::exit(0);
        }
    }
}

/// The floor: the host bumps a word and spins until the worker, spinning on it, echoes it.
pub(crate) struct RawShm {
    page: SharedPage,
    seq: u32,
    child: Child,
    /// The worker's own affinity while a batch keeps it off the calling thread's core.
    pinned: Option<rustix::thread::CpuSet>,
}

impl RawShm {
    pub(crate) fn start() -> Self {
        let fd = rustix::fs::memfd_create("bench-raw-shm", rustix::fs::MemfdFlags::CLOEXEC)
            .expect("memfd");
        rustix::fs::ftruncate(&fd, PAGE as u64).expect("ftruncate");
        let page = SharedPage::map(&fd);
        let child = spawn(SHM_ARG, Stdio::from(fd), Stdio::null());
        Self {
            page,
            seq: 0,
            child,
            pinned: None,
        }
    }
}

impl Peer for RawShm {
    fn name(&self) -> &'static str {
        "raw shared memory, both spin (floor)"
    }
    fn begin_batch(&mut self) {
        // The floor of the transport, not of the scheduler: for its batch the worker may not
        // use the calling thread's core (two spinners on one core measure time slices).
        let pid = rustix::process::Pid::from_child(&self.child);
        if let Ok(allowed) = rustix::thread::sched_getaffinity(Some(pid)) {
            // SAFETY: sched_getcpu takes no arguments and touches no memory of ours.
            let here = usize::try_from(unsafe { libc::sched_getcpu() }).ok();
            if let Some(here) = here.filter(|&cpu| allowed.is_set(cpu) && allowed.count() > 1) {
                let mut elsewhere = allowed;
                elsewhere.unset(here);
                if rustix::thread::sched_setaffinity(Some(pid), &elsewhere).is_ok() {
                    self.pinned = Some(allowed);
                }
            }
        }
        let active = self.page.word(ACTIVE);
        active.store(1, Ordering::Release);
        futex::wake(active, futex::Flags::empty(), 1).ok();
    }
    fn end_batch(&mut self) {
        self.page.word(ACTIVE).store(0, Ordering::Release);
        if let Some(allowed) = self.pinned.take() {
            let pid = rustix::process::Pid::from_child(&self.child);
            let _ = rustix::thread::sched_setaffinity(Some(pid), &allowed);
        }
    }
    fn call(&mut self) {
        self.seq = self.seq.wrapping_add(1).max(1);
        self.page.word(PING).store(self.seq, Ordering::Release);
        let pong = self.page.word(PONG);
        while pong.load(Ordering::Acquire) != self.seq {
            std::hint::spin_loop();
        }
    }
}

impl Drop for RawShm {
    fn drop(&mut self) {
        self.page.word(STOP).store(1, Ordering::Relaxed);
        futex::wake(self.page.word(ACTIVE), futex::Flags::empty(), 1).ok();
        finish(&mut self.child);
    }
}

// --- shared memory with a futex doorbell and no spinning -----------------------------------

/// How long a sleeping futex worker waits before it checks whether the host is still there.
const FUTEX_CHECK: rustix::time::Timespec = rustix::time::Timespec {
    tv_sec: 0,
    tv_nsec: 100_000_000,
};

fn serve_futex() -> ! {
    // SAFETY: fd 0 is the memfd the host passed as stdin, owned by nothing else here.
    let fd = unsafe { OwnedFd::from_raw_fd(0) };
    let page = SharedPage::map(&fd);
    let parent = rustix::process::getppid();
    let (ping, pong, stop) = (page.word(PING), page.word(PONG), page.word(STOP));
    let mut last = 0;
    loop {
        let seq = ping.load(Ordering::Acquire);
        if seq != last {
            empty();
            pong.store(seq, Ordering::Release);
            futex::wake(pong, futex::Flags::empty(), 1).ok();
            last = seq;
            continue;
        }
        if stop.load(Ordering::Relaxed) != 0 || rustix::process::getppid() != parent {
            std::process::exit(0);
        }
        let _ = futex::wait(ping, futex::Flags::empty(), last, Some(&FUTEX_CHECK));
    }
}

/// The design without spinning a user would write on shared memory: write the call, wake the
/// worker's futex, sleep on the reply's futex (the sandbox's never-spin policy, without the
/// arena, the codec and the checks).
pub(crate) struct FutexShm {
    page: SharedPage,
    seq: u32,
    child: Child,
}

impl FutexShm {
    pub(crate) fn start() -> Self {
        let fd = rustix::fs::memfd_create("bench-futex-shm", rustix::fs::MemfdFlags::CLOEXEC)
            .expect("memfd");
        rustix::fs::ftruncate(&fd, PAGE as u64).expect("ftruncate");
        let page = SharedPage::map(&fd);
        let child = spawn(FUTEX_ARG, Stdio::from(fd), Stdio::null());
        Self {
            page,
            seq: 0,
            child,
        }
    }
}

impl Peer for FutexShm {
    fn name(&self) -> &'static str {
        "shared memory, futex wake, no spin"
    }
    fn call(&mut self) {
        self.seq = self.seq.wrapping_add(1).max(1);
        let ping = self.page.word(PING);
        ping.store(self.seq, Ordering::Release);
        futex::wake(ping, futex::Flags::empty(), 1).ok();
        let pong = self.page.word(PONG);
        loop {
            let seen = pong.load(Ordering::Acquire);
            if seen == self.seq {
                break;
            }
            let _ = futex::wait(pong, futex::Flags::empty(), seen, Some(&FUTEX_CHECK));
        }
    }
}

impl Drop for FutexShm {
    fn drop(&mut self) {
        self.page.word(STOP).store(1, Ordering::Relaxed);
        futex::wake(self.page.word(PING), futex::Flags::empty(), 1).ok();
        finish(&mut self.child);
    }
}
