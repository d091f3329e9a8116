//! Starting a worker: re-execute a binary (never fork the live host and keep running its code),
//! with an empty environment, only the IPC descriptors open, its own session and process group
//! (no controlling terminal), rlimits and a parent-death signal.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use rustix::fs::{MemfdFlags, Mode, OFlags};
use rustix::process::{Resource, Rlimit};

use crate::host::limits::Limits;

/// The argument that tells `init()` this process is a worker.
pub(crate) const WORKER_ARG: &str = "--ffiguard-sandbox-worker";
/// The descriptor on which the worker sends its notification listener to the host.
pub(crate) const SETUP_SOCKET_FD: i32 = 4;

/// The descriptor number the shared region arrives on in the worker.
pub(crate) const REGION_FD: i32 = 3;

/// Which binary a worker runs.
#[derive(Debug, Clone)]
pub(crate) enum WorkerBinary {
    /// `/proc/self/exe`: the host's own binary, whose `main` calls `init()` first.
    SameBinary,
    /// A dedicated binary that carries only the isolated functions.
    Dedicated(PathBuf),
}

/// What a spawn produces: the process and the host's end of its standard error.
#[derive(Debug)]
pub(crate) struct Spawned {
    pub(crate) child: Child,
    pub(crate) log: OwnedFd,
    /// The host's end of the setup socket, on which the worker sends its seccomp listener.
    pub(crate) setup_socket: OwnedFd,
}

type Job = Box<dyn FnOnce() + Send>;

/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the worker exits, not the process.
/// Workers are therefore forked from one thread that lives as long as the process, so a worker
/// dies with the host and never because the caller's thread finished.
fn spawner() -> &'static Mutex<mpsc::Sender<Job>> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("ffiguard-spawner".to_owned())
            .spawn(move || {
                for job in receiver {
                    job();
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the worker spawner thread; spawning inline");
        }
        Mutex::new(sender)
    })
}

/// Starts a worker process on the spawner thread.
pub(crate) fn spawn(
    binary: &WorkerBinary,
    region_fd: &OwnedFd,
    limits: Limits,
) -> std::io::Result<Spawned> {
    let region_fd = region_fd.try_clone()?;
    let binary = binary.clone();
    let (reply, result) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = reply.send(spawn_here(&binary, &region_fd, limits));
    });
    let sent = match spawner().lock() {
        Ok(sender) => sender.send(job).map_err(|returned| returned.0),
        Err(_) => Err(job),
    };
    match sent {
        Ok(()) => result
            .recv()
            .unwrap_or_else(|_| Err(std::io::Error::other("the spawner thread is gone"))),
        Err(job) => {
            // The spawner thread could not be started or has died: spawning from this thread
            // is still correct, only the parent-death signal is tied to this thread.
            job();
            result
                .recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("spawn produced no result")))
        }
    }
}

fn spawn_here(
    binary: &WorkerBinary,
    region_fd: &OwnedFd,
    limits: Limits,
) -> std::io::Result<Spawned> {
    // The worker's standard error goes to a memfd opened in append mode: the host reads its
    // tail after a crash (panic and abort messages say what happened) and can truncate it.
    let log = rustix::fs::memfd_create("ffiguard-worker-stderr", MemfdFlags::CLOEXEC)?;
    let writer = rustix::fs::open(
        format!("/proc/self/fd/{}", log.as_raw_fd()),
        OFlags::WRONLY | OFlags::APPEND | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    // A descriptor number of 10 or more cannot collide with the stdio numbers the child's
    // setup dup2()s over, nor with REGION_FD.
    let region = rustix::io::fcntl_dupfd_cloexec(region_fd, 10)?;
    let region_raw = region.as_raw_fd();
    let (host_socket, worker_socket) = rustix::net::socketpair(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::SEQPACKET,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )?;
    let worker_socket = rustix::io::fcntl_dupfd_cloexec(&worker_socket, 10)?;
    let socket_raw = worker_socket.as_raw_fd();
    let host_pid = std::process::id();

    let program = match binary {
        WorkerBinary::SameBinary => PathBuf::from("/proc/self/exe"),
        WorkerBinary::Dedicated(path) => path.clone(),
    };
    let mut command = Command::new(program);
    command
        .arg(WORKER_ARG)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(writer));
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // operations are allowed: it makes raw syscalls only (setsid, prctl, getppid, fcntl/dup2,
    // close_range, setrlimit, _exit), allocates nothing, takes no lock, and touches only
    // values copied into it (`region_raw`, `socket_raw`, `host_pid`, `limits`).
    unsafe {
        command.pre_exec(move || child_setup(region_raw, socket_raw, host_pid, limits));
    }
    let child = command.spawn()?;
    drop(region);
    drop(worker_socket);
    Ok(Spawned {
        child,
        log,
        setup_socket: host_socket,
    })
}

/// Runs in the child between fork and exec (see the SAFETY comment at its call).
fn child_setup(
    region_raw: i32,
    socket_raw: i32,
    host_pid: u32,
    limits: Limits,
) -> std::io::Result<()> {
    // A session of its own: no controlling terminal (the worker cannot read the host's
    // terminal, inject input into it with TIOCSTI, or get its job-control signals), and as a
    // session leader it cannot move into another process group (setpgid fails with EPERM), so
    // the group kill always reaches it. The new group's id is the worker's pid.
    rustix::process::setsid()?;
    rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
    // If the host died before the line above, the signal will never come: leave now.
    let parent = rustix::process::getppid().map(|pid| pid.as_raw_nonzero().get());
    if parent.and_then(|pid| u32::try_from(pid).ok()) != Some(host_pid) {
        // SAFETY: _exit is async-signal-safe and ends the child without running host code.
        unsafe { libc::_exit(1) };
    }
    // SAFETY: dup2 on two descriptor numbers; `region_raw` is open (duplicated in the parent
    // before fork) and REGION_FD is a plain number. The duplicate has no CLOEXEC, so it
    // survives exec.
    if unsafe { libc::dup2(region_raw, REGION_FD) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as for the region: `socket_raw` is open and the target is a plain number.
    if unsafe { libc::dup2(socket_raw, SETUP_SOCKET_FD) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Everything above the setup socket goes, including descriptors the host leaked
    // without CLOEXEC. (std's exec-error pipe goes too: an exec failure then shows up as a
    // worker that exits before its setup, which the host reports.)
    // SAFETY: close_range only closes descriptors of this (child) process.
    let closed = unsafe { libc::syscall(libc::SYS_close_range, 5u32, u32::MAX, 0u32) };
    if closed != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // A limit the host itself runs under already and that is lower than the one asked for
    // stays (raising a hard limit needs CAP_SYS_RESOURCE): the worker gets the stricter one.
    let clamp = |resource: Resource, value: u64| -> u64 {
        rustix::process::getrlimit(resource)
            .maximum
            .map_or(value, |hard| value.min(hard))
    };
    let set = |resource: Resource, value: Option<u64>| -> std::io::Result<()> {
        match value {
            Some(value) => {
                let value = clamp(resource, value);
                rustix::process::setrlimit(
                    resource,
                    Rlimit {
                        current: Some(value),
                        maximum: Some(value),
                    },
                )
                .map_err(std::io::Error::from)
            }
            None => Ok(()),
        }
    };
    set(Resource::As, limits.address_space)?;
    // The soft limit sends SIGXCPU (which names the cause); the hard limit one second later
    // is the kernel's SIGKILL backstop. rlimits are whole seconds, rounded up.
    if let Some(cpu) = limits.cpu_time {
        let soft = cpu
            .as_secs()
            .saturating_add(u64::from(cpu.subsec_nanos() > 0))
            .max(1);
        let hard = clamp(Resource::Cpu, soft.saturating_add(1));
        rustix::process::setrlimit(
            Resource::Cpu,
            Rlimit {
                current: Some(soft.min(hard)),
                maximum: Some(hard),
            },
        )?;
    }
    set(Resource::Fsize, limits.file_size)?;
    set(Resource::Nofile, limits.open_files)?;
    set(Resource::Nproc, limits.max_processes)?;
    set(Resource::Core, Some(0))?;
    Ok(())
}
