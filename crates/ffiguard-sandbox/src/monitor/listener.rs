//! The host side of seccomp user notification: a thread per worker that receives each call
//! outside the policy, decodes it for the report, and answers with the policy's verdict.
//!
//! The listener descriptor lives in the host (the worker sent it over its setup socket and
//! closed its own copy), so nothing the worker does can silence the reports. Arguments that
//! point into the worker's memory are read through the `/proc/<pid>/mem` descriptor the worker
//! opened before confining itself (checked at open, so it works for an unprivileged host and a
//! non-dumpable worker, where `process_vm_readv` would not), and the notification is
//! checked with `SECCOMP_IOCTL_NOTIF_ID_VALID` afterwards, so a report never names memory of a
//! process that has been replaced. For ordinary blocked calls they remain a report only: a
//! second worker thread can rewrite them between our read and any kernel use (TOCTOU), so no
//! verdict depends on them.
//!
//! Filesystem calls of a policy with read-only paths are the exception: they go to the
//! broker (`monitor/broker`), which decides on the host's single copy of the path and, for an
//! allowed open, opens the file itself and places the descriptor in the worker, so the path
//! it reports is the path it acted on.

use std::collections::BTreeSet;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::monitor::blocked::{BlockedCall, BlockedLog, Verdict};
use crate::monitor::broker::{Broker, Decision, Ruling};
use crate::monitor::worker_memory::{read_c_string, read_memory};
use crate::policy::rules::{SyscallClass, syscall_class};
use crate::policy::syscalls;
use crate::policy::{OnViolation, Policy};
use rustix::process::{Pid, PidfdFlags, Signal};

/// How long the listener thread sleeps in `poll` before checking whether to stop.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// The longest string read from the worker for a report: the bound on all untrusted text.
const MAX_STRING: usize = crate::text::MAX_UNTRUSTED_BYTES;

/// A running listener thread; dropping it asks the thread to stop (it also stops by itself
/// when the worker is gone).
#[derive(Debug)]
pub(crate) struct Listener {
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The descriptors a worker hands over with its listener.
#[derive(Debug)]
pub(crate) struct Received {
    /// The seccomp user-notification listener.
    pub(crate) listener: OwnedFd,
    /// The worker's `/proc/self/mem`, when it could open it.
    pub(crate) memory: Option<OwnedFd>,
    /// The worker's working directory (`O_PATH`), sent when its policy has a broker.
    pub(crate) cwd: Option<OwnedFd>,
}

/// What one listener thread serves with.
struct Service {
    /// The worker's process id (a notification names the calling *thread*).
    worker_pid: u32,
    /// A pidfd of the worker, taken while it is known alive and unreaped: kills reach the
    /// worker and nothing else, even if it changed its process group.
    pidfd: Option<OwnedFd>,
    /// The syscalls the policy names (a call to one of them reached the listener because
    /// it failed its conditions, which not even learning mode lets through).
    named: BTreeSet<String>,
    memory: Option<OwnedFd>,
    broker: Option<Broker>,
    on_violation: OnViolation,
    log: BlockedLog,
}

/// Starts serving the worker's listener on a new thread, with a filesystem broker when
/// `policy` has read-only paths.
pub(crate) fn serve(
    received: Received,
    worker_pid: u32,
    policy: &Policy,
    on_violation: OnViolation,
    log: BlockedLog,
) -> std::io::Result<Listener> {
    let broker = Broker::start(policy, received.cwd)?;
    let pidfd = Pid::from_raw(i32::try_from(worker_pid).unwrap_or(0))
        .and_then(|pid| rustix::process::pidfd_open(pid, PidfdFlags::empty()).ok());
    let service = Service {
        worker_pid,
        pidfd,
        named: crate::policy::rules::named(policy)
            .map(str::to_owned)
            .collect(),
        memory: received.memory,
        broker,
        on_violation,
        log,
    };
    let fd = received.listener;
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("ffiguard-seccomp-listener".into())
        .spawn(move || run(&fd, &service, &stopping))?;
    Ok(Listener { stop })
}

fn run(fd: &OwnedFd, service: &Service, stop: &AtomicBool) {
    let timeout = i32::try_from(POLL_INTERVAL.as_millis()).unwrap_or(200);
    while !stop.load(Ordering::Relaxed) {
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1; the kernel writes only `revents`.
        let ready = unsafe { libc::poll(&raw mut poll, 1, timeout) };
        if ready < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        if poll.revents & libc::POLLIN != 0 {
            serve_one(fd, service);
        } else if poll.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            // No process uses the filter any more: the worker is gone.
            return;
        }
    }
}

fn serve_one(fd: &OwnedFd, service: &Service) {
    // SAFETY: seccomp_notif is plain integers; all-zero is what RECV requires.
    let mut notif: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: RECV writes one seccomp_notif into the valid, exclusively borrowed `notif`.
    let received = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV,
            &raw mut notif,
        )
    };
    if received != 0 {
        // The target died between poll and receive (ENOENT), or an interrupted call.
        return;
    }
    let nr = i64::from(notif.data.nr);
    let name = syscalls::name(nr).map_or_else(|| format!("nr {nr}"), str::to_owned);
    let args = notif.data.args;
    let memory = service.memory.as_ref();
    if let (Some(broker), Some(memory)) = (&service.broker, memory)
        && broker.handles(&name)
    {
        let request = Broker::read(&name, &args, memory);
        if !id_valid(fd, notif.id) {
            // Gone or replaced: what we read may belong to another process.
            return;
        }
        let decision = broker.decide(request);
        // The decision took a round trip to the opener thread: check again that the call is
        // still waiting before acting on it.
        if !id_valid(fd, notif.id) {
            return;
        }
        answer_brokered(fd, service, broker, memory, &notif, name, decision);
        return;
    }
    let mut detail = memory.and_then(|memory| decode(&name, memory, &args));
    if !id_valid(fd, notif.id) {
        // The worker died or the call was interrupted: whatever we read may be another
        // process's memory now.
        detail = None;
    }
    let verdict = match service.on_violation {
        OnViolation::AllowAndLog if learning_may_allow(service, &name) => Verdict::Allowed,
        OnViolation::Kill => Verdict::Killed,
        _ => Verdict::Denied,
    };
    service.log.push(BlockedCall {
        pid: service.worker_pid,
        syscall: name,
        nr,
        args,
        detail,
        reason: None,
        verdict,
    });
    // Logged before the kill, so that the host, seeing the death, finds the cause.
    if verdict == Verdict::Killed {
        kill(service);
    }
    if verdict == Verdict::Allowed {
        respond(fd, notif.id, 0, 0, continue_flag());
    } else {
        respond(fd, notif.id, 0, -libc::EPERM, 0);
    }
}

/// Whether learning mode may let `name` through: only a syscall no policy names and whose
/// review allows it without conditions. A call that failed the conditions of a syscall the
/// policy names (a signal to another process, executable memory), a syscall no policy may name
/// and one whose conditions the listener cannot check (it was not named, so the filter did not
/// check them) are refused: learning mode is for trusted code, and still never reaches other
/// processes.
fn learning_may_allow(service: &Service, name: &str) -> bool {
    !service.named.contains(name) && syscall_class(name) == SyscallClass::Plain
}

/// Carries out the broker's decision on a notification.
fn answer_brokered(
    fd: &OwnedFd,
    service: &Service,
    broker: &Broker,
    memory: &OwnedFd,
    notif: &libc::seccomp_notif,
    name: String,
    decision: Decision,
) {
    if let Some(refusal) = decision.refusal {
        let verdict = match (&decision.ruling, service.on_violation) {
            (Ruling::Refuse, OnViolation::Kill) => Verdict::Killed,
            (Ruling::Refuse, _) => Verdict::Denied,
            _ => Verdict::Allowed,
        };
        service.log.push(BlockedCall {
            pid: service.worker_pid,
            syscall: name,
            nr: i64::from(notif.data.nr),
            args: notif.data.args,
            detail: decision.path,
            reason: Some(refusal),
            verdict,
        });
        if verdict == Verdict::Killed {
            kill(service);
        }
    }
    match decision.ruling {
        Ruling::Inject {
            fd: opened,
            cloexec,
            directory,
        } => {
            let addfd = libc::seccomp_notif_addfd {
                id: notif.id,
                flags: u32::try_from(libc::SECCOMP_ADDFD_FLAG_SEND).unwrap_or(2),
                srcfd: u32::try_from(opened.as_raw_fd()).unwrap_or(u32::MAX),
                newfd: 0,
                newfd_flags: if cloexec {
                    u32::try_from(libc::O_CLOEXEC).unwrap_or(0)
                } else {
                    0
                },
            };
            // SAFETY: ADDFD reads one seccomp_notif_addfd from the valid `addfd`; `srcfd` is
            // a descriptor this thread owns until the call returns. With FLAG_SEND the kernel
            // installs a duplicate in the worker and answers the call with its number.
            let placed = unsafe {
                libc::ioctl(
                    fd.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_ADDFD,
                    &raw const addfd,
                )
            };
            if placed < 0 {
                let error = std::io::Error::last_os_error();
                // ENOENT: the call is gone. Otherwise (EMFILE: the worker's descriptor limit)
                // the worker gets the error.
                if error.raw_os_error() != Some(libc::ENOENT) {
                    let errno = error.raw_os_error().unwrap_or(libc::EIO);
                    respond(fd, notif.id, 0, -errno, 0);
                }
            } else {
                broker.placed(placed, directory);
            }
        }
        Ruling::Answer(code) => respond(fd, notif.id, 0, code, 0),
        Ruling::WriteBack { address, bytes } => {
            // The worker's buffer, written through its own /proc/self/mem: a bad address is
            // the worker's EFAULT, as the kernel would give it.
            let written = rustix::io::pwrite(memory, &bytes, address);
            match written {
                Ok(count) if count == bytes.len() => {
                    respond(fd, notif.id, i64::try_from(count).unwrap_or(0), 0, 0);
                }
                _ => respond(fd, notif.id, 0, -libc::EFAULT, 0),
            }
        }
        Ruling::Refuse => respond(fd, notif.id, 0, -libc::EACCES, 0),
    }
}

fn continue_flag() -> u32 {
    u32::try_from(libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE).unwrap_or(1)
}

/// Answers notification `id`: `error` 0 means success with result `val` (or, with the
/// CONTINUE flag, the kernel carries the call out); otherwise a negative errno.
fn respond(fd: &OwnedFd, id: u64, val: i64, error: i32, flags: u32) {
    let response = libc::seccomp_notif_resp {
        id,
        val,
        error,
        flags,
    };
    // SAFETY: SEND reads one seccomp_notif_resp from the valid `response`. Failure (the
    // target died) needs no handling.
    unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND,
            &raw const response,
        )
    };
}

/// Kills the worker: through its pidfd, which names this process and no other.
fn kill(service: &Service) {
    if let Some(pidfd) = &service.pidfd {
        let _ = rustix::process::pidfd_send_signal(pidfd, Signal::KILL);
    } else if let Ok(pid) = i32::try_from(service.worker_pid) {
        // SAFETY: kill takes two integers and touches no memory. The pid is the worker's;
        // only the host reaps workers, so the number cannot be reused before it is reaped.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

fn id_valid(fd: &OwnedFd, id: u64) -> bool {
    // SAFETY: ID_VALID reads one u64 from the valid `id`.
    unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_ID_VALID,
            &raw const id,
        ) == 0
    }
}

/// Decodes the argument that says what the call was about.
fn decode(name: &str, memory: &OwnedFd, args: &[u64; 6]) -> Option<String> {
    let path = |index: usize| read_string(memory, args[index]);
    match name {
        "open" | "creat" | "execve" | "access" | "stat" | "lstat" | "truncate" | "chdir"
        | "unlink" | "mkdir" | "rmdir" => path(0),
        "openat" | "execveat" | "unlinkat" | "mkdirat" | "newfstatat" | "statx" | "faccessat"
        | "faccessat2" | "readlinkat" | "mknodat" | "openat2" => path(1),
        "symlink" | "link" | "rename" => Some(format!("{} -> {}", path(0)?, path(1)?)),
        "symlinkat" => Some(format!("{} -> {}", path(0)?, path(2)?)),
        "linkat" | "renameat" | "renameat2" => Some(format!("{} -> {}", path(1)?, path(3)?)),
        "connect" | "bind" => read_sockaddr(memory, args[1], args[2]),
        "sendto" if args[4] != 0 => read_sockaddr(memory, args[4], args[5]),
        "socket" => Some(format!("domain {} type {}", args[0], args[1])),
        "kill" | "tgkill" | "tkill" => Some(format!("target {}", args[0])),
        "clone" => Some(format!("flags {:#x}", args[0])),
        "mmap" | "mprotect" => Some(format!("prot {:#x}", args[2])),
        _ => None,
    }
}

fn read_string(memory: &OwnedFd, address: u64) -> Option<String> {
    let (bytes, _) = read_c_string(memory, address, MAX_STRING)?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn read_sockaddr(memory: &OwnedFd, address: u64, len: u64) -> Option<String> {
    let len = usize::try_from(len).ok()?.min(128);
    let bytes = read_memory(memory, address, len)?;
    let family = i32::from(u16::from_ne_bytes([*bytes.first()?, *bytes.get(1)?]));
    let port = || bytes.get(2..4).map(|p| u16::from_be_bytes([p[0], p[1]]));
    match family {
        libc::AF_INET => {
            let ip = bytes.get(4..8)?;
            Some(format!(
                "{}.{}.{}.{}:{}",
                ip[0],
                ip[1],
                ip[2],
                ip[3],
                port()?
            ))
        }
        libc::AF_INET6 => {
            let ip: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            Some(format!("[{}]:{}", std::net::Ipv6Addr::from(ip), port()?))
        }
        libc::AF_UNIX => {
            let path = bytes.get(2..)?;
            let (prefix, path) = match path.first() {
                Some(0) => ("@", &path[1..]),
                _ => ("", path),
            };
            let end = path.iter().position(|b| *b == 0).unwrap_or(path.len());
            Some(format!(
                "unix:{prefix}{}",
                String::from_utf8_lossy(&path[..end])
            ))
        }
        other => Some(format!("family {other}")),
    }
}
