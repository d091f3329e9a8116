//! Resource limits applied to every worker, and how a death maps back to the limit that
//! caused it.

use std::time::Duration;

/// Resource limits (rlimits) set on a worker before it executes any of its own code. Hard and
/// soft limits are both lowered, so the worker cannot raise them again.
///
/// "No new processes" (`max_processes: Some(0)`) is enforced with `RLIMIT_NPROC`, which the
/// kernel counts per *user* and does not apply to root (`INIT_USER` is exempt): for an
/// unprivileged host user, `fork` and `clone` fail in the worker; for a root host, only the
/// process-group kill contains children (they die with the worker unless they leave its
/// group). The seccomp policy of the confinement layer makes it absolute.
///
/// ```
/// use std::time::Duration;
/// use ffiguard_sandbox::Limits;
///
/// let limits = Limits::default()
///     .with_address_space(Some(256 << 20))
///     .with_cpu_time(Some(Duration::from_secs(5)));
/// assert_eq!(limits.address_space, Some(256 << 20));
/// assert_eq!(limits.max_processes, Some(0)); // no new processes by default
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// `RLIMIT_AS`: address space, in bytes. The shared arenas count toward it.
    pub address_space: Option<u64>,
    /// `RLIMIT_CPU`: CPU time over the worker's whole life (SIGXCPU when exceeded). The pool
    /// retires a worker once the time it has spent serving calls reaches half this budget, so
    /// a long-lived sandbox does not fail an ordinary call because a worker's budget ran out;
    /// a single call that burns the rest still gets [`Limit::CpuTime`]. Per-call wall time is
    /// bounded by the deadline.
    pub cpu_time: Option<Duration>,
    /// `RLIMIT_FSIZE`: largest file the worker may write, in bytes (SIGXFSZ beyond).
    pub file_size: Option<u64>,
    /// `RLIMIT_NOFILE`: open descriptors.
    pub open_files: Option<u64>,
    /// `RLIMIT_NPROC`: see the type's documentation.
    pub max_processes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            address_space: Some(1 << 30),
            cpu_time: Some(Duration::from_secs(600)),
            file_size: Some(64 << 20),
            open_files: Some(64),
            max_processes: Some(0),
        }
    }
}

impl Limits {
    /// No limits at all (descriptors are still closed and the environment still emptied).
    pub fn none() -> Self {
        Self {
            address_space: None,
            cpu_time: None,
            file_size: None,
            open_files: None,
            max_processes: None,
        }
    }

    /// Sets `RLIMIT_AS`.
    ///
    /// Reaching it is silent: the kernel fails the `mmap` or `brk` with `ENOMEM` and sends no
    /// signal. A C library that checks `malloc`'s result carries on (or returns its own error)
    /// and nothing reaches the host. Only when the worker dies of it (Rust's allocation-failure
    /// abort) is [`Limit::Memory`] reported, and only with the kernel's accounting behind it (see
    /// [`Limit::Memory`]). The worker's peak address space cannot be reported either: the
    /// kernel keeps `VmPeak` in `/proc/<pid>/status` only while the process lives, and a dead
    /// worker's `wait4` usage has its peak resident set (`ru_maxrss`), not its address space.
    pub fn with_address_space(mut self, bytes: Option<u64>) -> Self {
        self.address_space = bytes;
        self
    }

    /// Sets `RLIMIT_CPU`.
    pub fn with_cpu_time(mut self, time: Option<Duration>) -> Self {
        self.cpu_time = time;
        self
    }

    /// Sets `RLIMIT_FSIZE`.
    pub fn with_file_size(mut self, bytes: Option<u64>) -> Self {
        self.file_size = bytes;
        self
    }

    /// Sets `RLIMIT_NOFILE`.
    pub fn with_open_files(mut self, count: Option<u64>) -> Self {
        self.open_files = count;
        self
    }

    /// Sets `RLIMIT_NPROC`.
    pub fn with_max_processes(mut self, count: Option<u64>) -> Self {
        self.max_processes = count;
        self
    }
}

/// Which limit a worker ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// `RLIMIT_AS`: the worker aborted after an allocation failed, by its own account on
    /// standard error, and the kernel's accounting supports it (its peak resident set reached
    /// at least half the address-space limit). The message alone is not enough: a worker can
    /// write it without having filled its memory, and is then reported as the abort it is
    /// ([`crate::SandboxError::Crashed`], with the message as its claim).
    Memory,
    /// `RLIMIT_CPU` (SIGXCPU).
    CpuTime,
    /// `RLIMIT_FSIZE` (SIGXFSZ).
    FileSize,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limit::Memory => "memory (RLIMIT_AS)",
            Limit::CpuTime => "CPU time (RLIMIT_CPU)",
            Limit::FileSize => "file size (RLIMIT_FSIZE)",
        })
    }
}

/// The conventional name of a signal number.
/// What a fatal signal usually means for a worker, for an error that has nothing better.
pub(crate) fn signal_meaning(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGSEGV => "invalid memory access",
        libc::SIGBUS => "misaligned or truncated memory access",
        libc::SIGILL => "illegal instruction",
        libc::SIGFPE => "arithmetic fault, such as an integer division by zero",
        libc::SIGABRT => "aborted: an assertion, a double free or heap corruption detected",
        libc::SIGTRAP => "trap or breakpoint instruction",
        libc::SIGKILL => {
            "killed outright: by the host, the kernel's out-of-memory killer, or \
                           a hard resource limit"
        }
        libc::SIGPIPE => "wrote to a closed pipe or socket",
        libc::SIGSYS => "a syscall refused by the seccomp filter",
        _ => return None,
    })
}

pub(crate) fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        other => return format!("signal {other}"),
    };
    name.to_owned()
}
