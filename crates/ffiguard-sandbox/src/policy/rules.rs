//! What a policy may name: every syscall's class, and the argument conditions it carries
//! wherever it is allowed — in a preset or added by [`crate::Policy::allow_syscall`].
//!
//! This is the one place that decides conditions. The seccomp layer compiles them, the policy
//! check ([`crate::Policy::validate`]) refuses a policy naming a syscall that cannot be
//! conditioned, the listener refuses (even in learning mode) a call that failed its
//! conditions, and `docs/threat-model.md` shows the table generated from here.
//!
//! A syscall this table does not list is refused: it has not been reviewed, so no policy may
//! name it.

use std::fmt;

use crate::policy::{OnViolation, Policy};

use seccompiler::{SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompRule};

/// How a syscall may appear in a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyscallClass {
    /// Allowed without argument conditions when named: it can only act on the worker itself or
    /// on descriptors the worker already holds.
    Plain,
    /// Allowed only when its arguments meet the conditions described.
    Conditioned(&'static str),
    /// With read-only paths and a listener, decided by the host's filesystem broker on its own
    /// copy of the path; otherwise allowed under the conditions described.
    Brokered(&'static str),
    /// Answered in the worker's kernel with `ENOSYS` whatever the policy says.
    Enosys(&'static str),
    /// Never allowed: a policy naming it is refused. The text says why.
    Never(&'static str),
}

impl SyscallClass {
    /// Whether a policy may name this syscall.
    pub fn may_be_named(self) -> bool {
        !matches!(self, Self::Never(_))
    }
}

impl fmt::Display for SyscallClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Plain => f.write_str("allowed as named"),
            Self::Conditioned(text) => write!(f, "only {text}"),
            Self::Brokered(text) => write!(f, "brokered; without a broker, {text}"),
            Self::Enosys(text) => write!(f, "ENOSYS: {text}"),
            Self::Never(text) => write!(f, "never: {text}"),
        }
    }
}

const NOT_REVIEWED: &str = "not reviewed for policies";
const NEW_PROCESS: &str = "starts a new process or program";
const OTHER_PROCESS: &str = "acts on another process";
const KERNEL: &str = "kernel attack surface with no use in a library";
const NAMESPACE: &str = "namespaces and mounts belong to the host";
const SYSTEM: &str = "changes the whole system";
const FILE_CHANGE: &str = "changes files or their metadata (policies grant reading only)";
const PATH_READ: &str = "reads any path without the broker";
const IPC: &str = "IPC objects are shared with the host without an IPC namespace";
const CREDENTIALS: &str = "changes credentials or capabilities";
const GROUP: &str = "leaves the worker's process group and session";
const SELF_ONLY: &str = "on the worker itself (pid 0 or its own pid)";
const SETUP_SOCKET: &str = "sparing descriptor 4, the setup socket kept for the worker's life";

/// The review of every syscall a policy may name, and of those it may never name for a
/// specific reason. Names missing here are refused as not reviewed.
const TABLE: &[(&str, SyscallClass)] = {
    use SyscallClass::{Brokered, Conditioned, Enosys, Never, Plain};
    &[
        // Descriptors the worker holds.
        ("read", Plain),
        ("write", Plain),
        ("readv", Plain),
        ("writev", Plain),
        ("pread64", Plain),
        ("pwrite64", Plain),
        ("preadv", Plain),
        ("pwritev", Plain),
        ("preadv2", Plain),
        ("pwritev2", Plain),
        ("lseek", Plain),
        ("close", Conditioned(SETUP_SOCKET)),
        ("close_range", Conditioned(SETUP_SOCKET)),
        ("dup", Plain),
        ("dup2", Conditioned(SETUP_SOCKET)),
        ("dup3", Conditioned(SETUP_SOCKET)),
        ("fstat", Plain),
        ("fstatfs", Plain),
        ("getdents", Plain),
        ("getdents64", Plain),
        ("fsync", Plain),
        ("fdatasync", Plain),
        ("syncfs", Plain),
        ("sync_file_range", Plain),
        ("flock", Plain),
        ("fadvise64", Plain),
        ("readahead", Plain),
        ("ftruncate", Plain),
        ("fallocate", Plain),
        ("fgetxattr", Plain),
        ("flistxattr", Plain),
        ("sendfile", Plain),
        ("splice", Plain),
        ("tee", Plain),
        ("vmsplice", Plain),
        ("copy_file_range", Plain),
        ("pipe", Plain),
        ("pipe2", Plain),
        ("eventfd", Plain),
        ("eventfd2", Plain),
        ("signalfd", Plain),
        ("signalfd4", Plain),
        ("timerfd_create", Plain),
        ("timerfd_settime", Plain),
        ("timerfd_gettime", Plain),
        ("memfd_create", Plain),
        ("memfd_secret", Plain),
        ("poll", Plain),
        ("ppoll", Plain),
        ("select", Plain),
        ("pselect6", Plain),
        ("epoll_create", Plain),
        ("epoll_create1", Plain),
        ("epoll_ctl", Plain),
        ("epoll_wait", Plain),
        ("epoll_pwait", Plain),
        ("epoll_pwait2", Plain),
        ("io_setup", Plain),
        ("io_destroy", Plain),
        ("io_getevents", Plain),
        ("io_submit", Plain),
        ("io_cancel", Plain),
        (
            "fcntl",
            Conditioned(
                "F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GET_SEALS, F_ADD_SEALS (no locks, no \
                 SIGIO owners; duplicating is `dup`'s, named on its own)",
            ),
        ),
        (
            "ioctl",
            Conditioned(
                "TCGETS, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX (no terminal input, no devices)",
            ),
        ),
        // Memory.
        ("brk", Plain),
        ("munmap", Plain),
        ("mremap", Plain),
        ("madvise", Plain),
        ("msync", Plain),
        ("mincore", Plain),
        ("mlock", Plain),
        ("mlock2", Plain),
        ("munlock", Plain),
        ("mlockall", Plain),
        ("munlockall", Plain),
        ("membarrier", Plain),
        ("mseal", Plain),
        ("mbind", Plain),
        ("set_mempolicy", Plain),
        ("get_mempolicy", Plain),
        ("set_mempolicy_home_node", Plain),
        ("pkey_alloc", Plain),
        ("pkey_free", Plain),
        ("mmap", Conditioned("without PROT_EXEC")),
        ("mprotect", Conditioned("without PROT_EXEC")),
        ("pkey_mprotect", Conditioned("without PROT_EXEC")),
        // Threads, futexes, scheduling of the worker itself.
        (
            "clone",
            Conditioned("threads: CLONE_THREAD set, no namespace flags (same as allow_threads)"),
        ),
        (
            "clone3",
            Enosys("its flags are in memory, so libc falls back to clone, which the filter reads"),
        ),
        (
            "futex",
            Conditioned(
                "FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAKE_OP, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET \
                 (no requeue, no priority inheritance)",
            ),
        ),
        ("futex_waitv", Plain),
        ("set_robust_list", Plain),
        ("get_robust_list", Conditioned(SELF_ONLY)),
        ("set_tid_address", Plain),
        ("rseq", Plain),
        ("restart_syscall", Plain),
        ("sched_yield", Plain),
        ("sched_getaffinity", Plain),
        ("sched_getparam", Plain),
        ("sched_getscheduler", Plain),
        ("sched_getattr", Plain),
        ("sched_get_priority_max", Plain),
        ("sched_get_priority_min", Plain),
        ("sched_rr_get_interval", Plain),
        ("sched_setaffinity", Conditioned(SELF_ONLY)),
        ("sched_setparam", Conditioned(SELF_ONLY)),
        ("sched_setscheduler", Conditioned(SELF_ONLY)),
        ("sched_setattr", Conditioned(SELF_ONLY)),
        ("getpriority", Plain),
        (
            "setpriority",
            Conditioned("PRIO_PROCESS on the worker itself"),
        ),
        ("ioprio_get", Plain),
        (
            "ioprio_set",
            Conditioned("IOPRIO_WHO_PROCESS on the worker itself"),
        ),
        ("getcpu", Plain),
        (
            "arch_prctl",
            Conditioned("ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS"),
        ),
        (
            "prctl",
            Conditioned(
                "PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP, \
                 PR_CAPBSET_READ, PR_SET_VMA, PR_GET_TIMERSLACK, PR_SET_TIMERSLACK",
            ),
        ),
        // Time.
        ("clock_gettime", Plain),
        ("clock_getres", Plain),
        ("clock_nanosleep", Plain),
        ("nanosleep", Plain),
        ("gettimeofday", Plain),
        ("time", Plain),
        ("times", Plain),
        ("alarm", Plain),
        ("getitimer", Plain),
        ("setitimer", Plain),
        ("timer_create", Plain),
        ("timer_settime", Plain),
        ("timer_gettime", Plain),
        ("timer_getoverrun", Plain),
        ("timer_delete", Plain),
        // Signals.
        ("rt_sigaction", Plain),
        ("rt_sigprocmask", Plain),
        ("rt_sigreturn", Plain),
        ("rt_sigpending", Plain),
        ("rt_sigtimedwait", Plain),
        ("rt_sigsuspend", Plain),
        ("sigaltstack", Plain),
        ("pause", Plain),
        ("kill", Conditioned("to the worker's own pid")),
        (
            "tgkill",
            Conditioned("within the worker's own thread group"),
        ),
        ("tkill", Conditioned("to the worker's main thread")),
        ("rt_sigqueueinfo", Conditioned("to the worker's own pid")),
        (
            "rt_tgsigqueueinfo",
            Conditioned("within the worker's own thread group"),
        ),
        // Identity and limits of the worker itself.
        ("getpid", Plain),
        ("gettid", Plain),
        ("getppid", Plain),
        ("getuid", Plain),
        ("geteuid", Plain),
        ("getgid", Plain),
        ("getegid", Plain),
        ("getresuid", Plain),
        ("getresgid", Plain),
        ("getgroups", Plain),
        ("getpgrp", Plain),
        ("getpgid", Plain),
        ("getsid", Plain),
        ("capget", Plain),
        ("getrlimit", Plain),
        ("setrlimit", Plain),
        ("getrusage", Plain),
        (
            "prlimit64",
            Conditioned("reading the worker's own limits (no new limit)"),
        ),
        (
            "process_vm_readv",
            Conditioned("on the worker's own memory"),
        ),
        ("pidfd_open", Conditioned("on the worker's own pid")),
        ("umask", Plain),
        ("uname", Plain),
        ("sysinfo", Plain),
        ("getrandom", Plain),
        ("getcwd", Plain),
        ("chdir", Plain),
        ("fchdir", Plain),
        ("wait4", Plain),
        ("waitid", Plain),
        ("exit", Plain),
        ("exit_group", Plain),
        ("landlock_create_ruleset", Plain),
        ("landlock_add_rule", Plain),
        ("landlock_restrict_self", Plain),
        // Sockets: only the families and types below can be created, so a descriptor a
        // socket call acts on is one of them.
        (
            "socket",
            Conditioned(
                "AF_INET and AF_INET6 TCP or UDP (no raw, packet, netlink, vsock or Unix sockets: \
                 a Unix socket could connect to a path on the host)",
            ),
        ),
        (
            "socketpair",
            Conditioned(
                "AF_UNIX stream or seqpacket pairs (a datagram pair could send to a host path)",
            ),
        ),
        ("connect", Plain),
        ("bind", Plain),
        ("listen", Plain),
        ("accept", Plain),
        ("accept4", Plain),
        ("shutdown", Plain),
        ("getsockname", Plain),
        ("getpeername", Plain),
        ("setsockopt", Plain),
        ("getsockopt", Plain),
        ("sendto", Plain),
        ("recvfrom", Plain),
        ("sendmsg", Plain),
        ("recvmsg", Plain),
        ("sendmmsg", Plain),
        ("recvmmsg", Plain),
        // Path-taking reads.
        ("open", Brokered("read-only flags")),
        ("openat", Brokered("read-only flags")),
        (
            "openat2",
            Brokered("refused (its flags are in memory, where the filter cannot check them)"),
        ),
        ("access", Brokered("allowed (like stat: existence only)")),
        ("faccessat", Brokered("allowed (like stat: existence only)")),
        (
            "faccessat2",
            Brokered("allowed (like stat: existence only)"),
        ),
        ("readlink", Brokered("allowed (link targets anywhere)")),
        ("readlinkat", Brokered("allowed (link targets anywhere)")),
        ("stat", Plain),
        ("lstat", Plain),
        ("newfstatat", Plain),
        ("statx", Plain),
        ("statfs", Plain),
        // Never.
        ("fork", Never(NEW_PROCESS)),
        ("vfork", Never(NEW_PROCESS)),
        ("execve", Never(NEW_PROCESS)),
        ("execveat", Never(NEW_PROCESS)),
        ("ptrace", Never(OTHER_PROCESS)),
        ("process_vm_writev", Never(OTHER_PROCESS)),
        ("process_madvise", Never(OTHER_PROCESS)),
        ("process_mrelease", Never(OTHER_PROCESS)),
        ("pidfd_getfd", Never(OTHER_PROCESS)),
        ("pidfd_send_signal", Never(OTHER_PROCESS)),
        ("kcmp", Never(OTHER_PROCESS)),
        ("migrate_pages", Never(OTHER_PROCESS)),
        ("move_pages", Never(OTHER_PROCESS)),
        ("setpgid", Never(GROUP)),
        ("setsid", Never(GROUP)),
        ("io_uring_setup", Never(KERNEL)),
        ("io_uring_enter", Never(KERNEL)),
        ("io_uring_register", Never(KERNEL)),
        ("bpf", Never(KERNEL)),
        ("userfaultfd", Never(KERNEL)),
        ("perf_event_open", Never(KERNEL)),
        ("keyctl", Never(KERNEL)),
        ("add_key", Never(KERNEL)),
        ("request_key", Never(KERNEL)),
        ("personality", Never(KERNEL)),
        ("modify_ldt", Never(KERNEL)),
        ("iopl", Never(KERNEL)),
        ("ioperm", Never(KERNEL)),
        ("seccomp", Never(KERNEL)),
        ("remap_file_pages", Never(KERNEL)),
        ("mount", Never(NAMESPACE)),
        ("umount2", Never(NAMESPACE)),
        ("fsopen", Never(NAMESPACE)),
        ("fsconfig", Never(NAMESPACE)),
        ("fsmount", Never(NAMESPACE)),
        ("fspick", Never(NAMESPACE)),
        ("move_mount", Never(NAMESPACE)),
        ("open_tree", Never(NAMESPACE)),
        ("mount_setattr", Never(NAMESPACE)),
        ("pivot_root", Never(NAMESPACE)),
        ("chroot", Never(NAMESPACE)),
        ("unshare", Never(NAMESPACE)),
        ("setns", Never(NAMESPACE)),
        ("kexec_load", Never(SYSTEM)),
        ("kexec_file_load", Never(SYSTEM)),
        ("init_module", Never(SYSTEM)),
        ("finit_module", Never(SYSTEM)),
        ("delete_module", Never(SYSTEM)),
        ("reboot", Never(SYSTEM)),
        ("swapon", Never(SYSTEM)),
        ("swapoff", Never(SYSTEM)),
        ("acct", Never(SYSTEM)),
        ("settimeofday", Never(SYSTEM)),
        ("clock_settime", Never(SYSTEM)),
        ("clock_adjtime", Never(SYSTEM)),
        ("adjtimex", Never(SYSTEM)),
        ("sethostname", Never(SYSTEM)),
        ("setdomainname", Never(SYSTEM)),
        ("syslog", Never(SYSTEM)),
        ("quotactl", Never(SYSTEM)),
        ("quotactl_fd", Never(SYSTEM)),
        ("vhangup", Never(SYSTEM)),
        ("creat", Never(FILE_CHANGE)),
        ("mknod", Never(FILE_CHANGE)),
        ("mknodat", Never(FILE_CHANGE)),
        ("link", Never(FILE_CHANGE)),
        ("linkat", Never(FILE_CHANGE)),
        ("symlink", Never(FILE_CHANGE)),
        ("symlinkat", Never(FILE_CHANGE)),
        ("unlink", Never(FILE_CHANGE)),
        ("unlinkat", Never(FILE_CHANGE)),
        ("rename", Never(FILE_CHANGE)),
        ("renameat", Never(FILE_CHANGE)),
        ("renameat2", Never(FILE_CHANGE)),
        ("mkdir", Never(FILE_CHANGE)),
        ("mkdirat", Never(FILE_CHANGE)),
        ("rmdir", Never(FILE_CHANGE)),
        ("truncate", Never(FILE_CHANGE)),
        ("chmod", Never(FILE_CHANGE)),
        ("fchmod", Never(FILE_CHANGE)),
        ("fchmodat", Never(FILE_CHANGE)),
        ("fchmodat2", Never(FILE_CHANGE)),
        ("chown", Never(FILE_CHANGE)),
        ("fchown", Never(FILE_CHANGE)),
        ("lchown", Never(FILE_CHANGE)),
        ("fchownat", Never(FILE_CHANGE)),
        ("utime", Never(FILE_CHANGE)),
        ("utimes", Never(FILE_CHANGE)),
        ("utimensat", Never(FILE_CHANGE)),
        ("futimesat", Never(FILE_CHANGE)),
        ("setxattr", Never(FILE_CHANGE)),
        ("lsetxattr", Never(FILE_CHANGE)),
        ("fsetxattr", Never(FILE_CHANGE)),
        ("removexattr", Never(FILE_CHANGE)),
        ("lremovexattr", Never(FILE_CHANGE)),
        ("fremovexattr", Never(FILE_CHANGE)),
        ("sync", Never(SYSTEM)),
        ("getxattr", Never(PATH_READ)),
        ("lgetxattr", Never(PATH_READ)),
        ("listxattr", Never(PATH_READ)),
        ("llistxattr", Never(PATH_READ)),
        ("inotify_init", Never(PATH_READ)),
        ("inotify_init1", Never(PATH_READ)),
        ("inotify_add_watch", Never(PATH_READ)),
        ("inotify_rm_watch", Never(PATH_READ)),
        ("fanotify_init", Never(PATH_READ)),
        ("fanotify_mark", Never(PATH_READ)),
        ("name_to_handle_at", Never(PATH_READ)),
        ("open_by_handle_at", Never(PATH_READ)),
        ("shmget", Never(IPC)),
        ("shmat", Never(IPC)),
        ("shmdt", Never(IPC)),
        ("shmctl", Never(IPC)),
        ("semget", Never(IPC)),
        ("semop", Never(IPC)),
        ("semtimedop", Never(IPC)),
        ("semctl", Never(IPC)),
        ("msgget", Never(IPC)),
        ("msgsnd", Never(IPC)),
        ("msgrcv", Never(IPC)),
        ("msgctl", Never(IPC)),
        ("mq_open", Never(IPC)),
        ("mq_unlink", Never(IPC)),
        ("mq_timedsend", Never(IPC)),
        ("mq_timedreceive", Never(IPC)),
        ("mq_notify", Never(IPC)),
        ("mq_getsetattr", Never(IPC)),
        ("setuid", Never(CREDENTIALS)),
        ("setgid", Never(CREDENTIALS)),
        ("setreuid", Never(CREDENTIALS)),
        ("setregid", Never(CREDENTIALS)),
        ("setresuid", Never(CREDENTIALS)),
        ("setresgid", Never(CREDENTIALS)),
        ("setfsuid", Never(CREDENTIALS)),
        ("setfsgid", Never(CREDENTIALS)),
        ("setgroups", Never(CREDENTIALS)),
        ("capset", Never(CREDENTIALS)),
    ]
};

/// The class of the syscall called `name`: [`SyscallClass::Never`] for names this review does
/// not list (including names the architecture does not know).
pub fn syscall_class(name: &str) -> SyscallClass {
    TABLE
        .iter()
        .find(|(known, _)| *known == name)
        .map_or(SyscallClass::Never(NOT_REVIEWED), |(_, class)| *class)
}

/// Every syscall this architecture knows, with its class, in number order.
pub fn syscall_classes() -> impl Iterator<Item = (&'static str, SyscallClass)> {
    crate::policy::syscalls::syscall_names().map(|name| (name, syscall_class(name)))
}

// What a policy names, and which of its calls go to the host's broker.

/// Path-taking filesystem calls that, in a policy with read-only paths and a listener, go to
/// the host's filesystem broker (`monitor/broker`) instead of being allowed by the filter, so that
/// a path outside the policy is refused and reported rather than refused silently by Landlock.
/// A call listed here that the policy does not allow stays an ordinary blocked call (except
/// in learning mode, where the broker takes them all).
pub(crate) const BROKERED: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
];

/// Whether `policy` sends [`BROKERED`] calls to the host's broker: whenever it has a listener
/// and read-only paths or a brokered syscall (so that every refused path is reported, never
/// left to Landlock's silent `EACCES`), and in learning mode (where the host opens what the
/// worker asks for itself, never letting the worker's kernel act on a path the host has only
/// read).
pub(crate) fn brokers(policy: &Policy) -> bool {
    listens(policy)
        && (!policy.read_only_paths.is_empty()
            || policy.on_violation == OnViolation::AllowAndLog
            || BROKERED.iter().any(|name| policy.syscalls.contains(*name)))
}

/// Whether the worker hands a user-notification listener to the host.
pub(crate) fn listens(policy: &Policy) -> bool {
    policy.report || policy.on_violation == OnViolation::AllowAndLog
}

/// The syscalls the allowlist of `policy` names: its own, and `clone` for threads.
pub(crate) fn named(policy: &Policy) -> impl Iterator<Item = &str> {
    let threads = policy.threads.then_some("clone");
    policy.syscalls.iter().map(String::as_str).chain(threads)
}

/// Why `policy` may not name `name`, or `None` when it may.
pub(crate) fn refusal(policy: &Policy, name: &str) -> Option<String> {
    match syscall_class(name) {
        SyscallClass::Never(why) => Some(format!("{name}: {why}")),
        SyscallClass::Brokered(_) if !brokers(policy) && !allowed_without_broker(name) => {
            Some(format!(
                "{name}: its flags are in memory; allowed only through the broker (read-only paths with reporting)"
            ))
        }
        _ => None,
    }
}

/// Why a condition could not be compiled (only a value outside seccompiler's ranges).
#[derive(Debug)]
pub(crate) struct ConditionError;

/// `open` flags that write or create. `O_TMPFILE` is counted by its own bit only: its
/// definition includes `O_DIRECTORY`, which a plain directory open carries too.
pub(crate) const WRITE_FLAGS: u64 = (libc::O_WRONLY
    | libc::O_RDWR
    | libc::O_CREAT
    | libc::O_TRUNC
    | libc::O_APPEND
    | (libc::O_TMPFILE & !libc::O_DIRECTORY)) as u64;

/// Namespace flags `clone` may never carry.
pub(crate) const NAMESPACE_FLAGS: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

fn qword(index: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, ConditionError> {
    SeccompCondition::new(index, SeccompCmpArgLen::Qword, op, value).map_err(|_| ConditionError)
}

/// A condition on the low 32 bits: for `int` arguments, whose high bits the kernel ignores.
fn dword(index: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, ConditionError> {
    SeccompCondition::new(index, SeccompCmpArgLen::Dword, op, value).map_err(|_| ConditionError)
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, ConditionError> {
    SeccompRule::new(conditions).map_err(|_| ConditionError)
}

/// An `int` constant as the unsigned word a filter compares.
pub(crate) fn unsigned(value: i32) -> u64 {
    u64::from(u32::from_ne_bytes(value.to_ne_bytes()))
}

/// One rule per value: argument `index` (an `int`) equals one of `values`.
fn one_of(index: u8, values: &[u64]) -> Result<Vec<SeccompRule>, ConditionError> {
    values
        .iter()
        .map(|value| rule(vec![dword(index, SeccompCmpOp::Eq, *value)?]))
        .collect()
}

/// Argument `index` (a pid) is 0 or the worker's own pid.
fn self_pid(
    index: u8,
    pid: u64,
    also: &[SeccompCondition],
) -> Result<Vec<SeccompRule>, ConditionError> {
    [0, pid]
        .into_iter()
        .map(|value| {
            let mut conditions = vec![dword(index, SeccompCmpOp::Eq, value)?];
            conditions.extend(also.iter().cloned());
            rule(conditions)
        })
        .collect()
}

/// The seccomp rules under which `name` is allowed for the worker `pid` (empty: allowed
/// without conditions). Only for names whose class is not [`SyscallClass::Never`].
pub(crate) fn conditions(name: &str, pid: u32) -> Result<Vec<SeccompRule>, ConditionError> {
    let pid = u64::from(pid);
    let setup = unsigned(crate::host::spawn::SETUP_SOCKET_FD);
    let no_exec = |index: u8| -> Result<Vec<SeccompRule>, ConditionError> {
        let prot_exec = unsigned(libc::PROT_EXEC);
        Ok(vec![rule(vec![qword(
            index,
            SeccompCmpOp::MaskedEq(prot_exec),
            0,
        )?])?])
    };
    let read_only = |index: u8| -> Result<Vec<SeccompRule>, ConditionError> {
        Ok(vec![rule(vec![qword(
            index,
            SeccompCmpOp::MaskedEq(WRITE_FLAGS),
            0,
        )?])?])
    };
    let exactly_self = |index: u8| -> Result<Vec<SeccompRule>, ConditionError> {
        Ok(vec![rule(vec![dword(index, SeccompCmpOp::Eq, pid)?])?])
    };
    Ok(match name {
        // No executable memory from data: the binary and its libraries are mapped already.
        "mmap" | "mprotect" | "pkey_mprotect" => no_exec(2)?,
        "kill" | "tgkill" | "tkill" | "rt_sigqueueinfo" | "rt_tgsigqueueinfo"
        | "process_vm_readv" | "pidfd_open" => exactly_self(0)?,
        "get_robust_list" | "sched_setaffinity" | "sched_setparam" | "sched_setscheduler"
        | "sched_setattr" => self_pid(0, pid, &[])?,
        "prlimit64" => self_pid(0, pid, &[qword(2, SeccompCmpOp::Eq, 0)?])?,
        "setpriority" => self_pid(
            1,
            pid,
            &[dword(0, SeccompCmpOp::Eq, u64::from(libc::PRIO_PROCESS))?],
        )?,
        // IOPRIO_WHO_PROCESS is 1.
        "ioprio_set" => self_pid(1, pid, &[dword(0, SeccompCmpOp::Eq, 1)?])?,
        "fcntl" => one_of(
            1,
            &[
                libc::F_GETFD,
                libc::F_SETFD,
                libc::F_GETFL,
                libc::F_SETFL,
                libc::F_GET_SEALS,
                libc::F_ADD_SEALS,
            ]
            .map(unsigned),
        )?,
        // stdio asks whether its streams are terminals before choosing a buffering mode.
        "ioctl" => one_of(
            1,
            &[
                libc::TCGETS,
                libc::FIONREAD,
                libc::FIONBIO,
                libc::FIOCLEX,
                libc::FIONCLEX,
            ]
            .map(u64::from),
        )?,
        "arch_prctl" => one_of(0, &[0x1001, 0x1002, 0x1003, 0x1004])?,
        "prctl" => one_of(
            0,
            &[
                libc::PR_SET_NAME,
                libc::PR_GET_NAME,
                libc::PR_GET_DUMPABLE,
                libc::PR_GET_NO_NEW_PRIVS,
                libc::PR_GET_SECCOMP,
                libc::PR_CAPBSET_READ,
                libc::PR_SET_VMA,
                libc::PR_GET_TIMERSLACK,
                libc::PR_SET_TIMERSLACK,
            ]
            .map(unsigned),
        )?,
        "futex" => {
            let command_bits = !(unsigned(libc::FUTEX_PRIVATE_FLAG)
                | unsigned(libc::FUTEX_CLOCK_REALTIME))
                & 0xffff_ffff;
            [
                libc::FUTEX_WAIT,
                libc::FUTEX_WAKE,
                libc::FUTEX_WAKE_OP,
                libc::FUTEX_WAIT_BITSET,
                libc::FUTEX_WAKE_BITSET,
            ]
            .into_iter()
            .map(|op| {
                rule(vec![dword(
                    1,
                    SeccompCmpOp::MaskedEq(command_bits),
                    unsigned(op),
                )?])
            })
            .collect::<Result<_, _>>()?
        }
        "clone" => {
            let thread = unsigned(libc::CLONE_THREAD);
            vec![rule(vec![qword(
                0,
                SeccompCmpOp::MaskedEq(thread | NAMESPACE_FLAGS),
                thread,
            )?])?]
        }
        "socket" => {
            let type_bits = 0xf;
            let (stream, dgram) = (unsigned(libc::SOCK_STREAM), unsigned(libc::SOCK_DGRAM));
            let (tcp, udp) = (unsigned(libc::IPPROTO_TCP), unsigned(libc::IPPROTO_UDP));
            let mut rules = Vec::new();
            for family in [libc::AF_INET, libc::AF_INET6].map(unsigned) {
                for (kind, protocol) in [(stream, 0), (stream, tcp), (dgram, 0), (dgram, udp)] {
                    rules.push(rule(vec![
                        dword(0, SeccompCmpOp::Eq, family)?,
                        dword(1, SeccompCmpOp::MaskedEq(type_bits), kind)?,
                        dword(2, SeccompCmpOp::Eq, protocol)?,
                    ])?);
                }
            }
            rules
        }
        "socketpair" => [libc::SOCK_STREAM, libc::SOCK_SEQPACKET]
            .map(unsigned)
            .into_iter()
            .map(|kind| {
                rule(vec![
                    dword(0, SeccompCmpOp::Eq, unsigned(libc::AF_UNIX))?,
                    dword(1, SeccompCmpOp::MaskedEq(0xf), kind)?,
                    dword(2, SeccompCmpOp::Eq, 0)?,
                ])
            })
            .collect::<Result<_, _>>()?,
        // Descriptor 4 stays the setup socket (see `confine/mod.rs`).
        "close" => vec![rule(vec![dword(0, SeccompCmpOp::Ne, setup)?])?],
        "dup2" | "dup3" => vec![rule(vec![dword(1, SeccompCmpOp::Ne, setup)?])?],
        "close_range" => vec![
            rule(vec![dword(0, SeccompCmpOp::Gt, setup)?])?,
            rule(vec![dword(1, SeccompCmpOp::Lt, setup)?])?,
        ],
        // Outside the broker: policies grant read access only.
        "openat" => read_only(2)?,
        "open" => read_only(1)?,
        _ => Vec::new(),
    })
}

/// The rule "argument `index` is the descriptor `fd`".
pub(crate) fn on_descriptor(index: u8, fd: i32) -> Result<Vec<SeccompRule>, ConditionError> {
    Ok(vec![rule(vec![dword(
        index,
        SeccompCmpOp::Eq,
        unsigned(fd),
    )?])?])
}

/// Whether `name`, allowed by the policy, can also be carried out without the broker (the
/// filter can check what it needs in registers).
pub(crate) fn allowed_without_broker(name: &str) -> bool {
    name != "openat2"
}

/// The generated part of `docs/threat-model.md`: what each preset allows, then every syscall
/// of this architecture with what a policy naming it gets (drift-tested against the file).
pub fn syscall_table_markdown() -> String {
    let mut out = String::new();
    let presets = [
        ("pure_compute", crate::Policy::pure_compute()),
        (
            "read_only(paths)",
            crate::Policy::read_only([std::path::PathBuf::from("/x")]),
        ),
        ("learning", crate::Policy::learning()),
    ];
    out.push_str("| preset | syscalls it names | other settings |\n| --- | --- | --- |\n");
    for (name, policy) in presets {
        let names: Vec<String> = named(&policy).map(|name| format!("`{name}`")).collect();
        out.push_str(&format!(
            "| `{name}` | {} | seccomp {:?}, Landlock {:?}, namespaces {:?}, on violation {:?}, \
             report {}, threads {} |\n",
            names.join(" "),
            policy.seccomp,
            policy.landlock,
            policy.namespaces,
            policy.on_violation,
            policy.report,
            policy.threads
        ));
    }
    out.push_str("\n| syscall | in a policy |\n| --- | --- |\n");
    for (name, class) in syscall_classes() {
        out.push_str(&format!("| `{name}` | {class} |\n"));
    }
    out
}

/// The markers around the generated part of `docs/threat-model.md`.
#[cfg(test)]
const GENERATED_START: &str = "<!-- generated: ffiguard_sandbox::syscall_table_markdown -->";
#[cfg(test)]
const GENERATED_END: &str = "<!-- end of generated part -->";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reviewed_name_is_a_syscall_of_this_architecture() {
        for (name, _) in TABLE {
            assert!(crate::policy::syscalls::number(name).is_some(), "{name}");
        }
        let mut names: Vec<&str> = TABLE.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a syscall is reviewed twice");
    }

    #[test]
    fn every_allowed_name_compiles_its_conditions() {
        for (name, class) in syscall_classes() {
            if class.may_be_named() {
                assert!(conditions(name, 4242).is_ok(), "{name}");
            }
        }
        assert!(!syscall_class("no_such_call").may_be_named());
        assert!(!syscall_class("fsconfig").may_be_named());
        assert!(!syscall_class("setpgid").may_be_named());
    }

    /// Regenerate with `FFIGUARD_BLESS=1 cargo test -p ffiguard-sandbox --lib threat_model`.
    #[test]
    fn threat_model_states_the_generated_table() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/threat-model.md");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (Some(start), Some(end)) = (text.find(GENERATED_START), text.find(GENERATED_END))
        else {
            panic!("docs/threat-model.md lacks the generated-part markers");
        };
        let body = &text[start + GENERATED_START.len()..end];
        let expected = format!("\n{}", syscall_table_markdown());
        if body != expected {
            if std::env::var_os("FFIGUARD_BLESS").is_some() {
                let fresh = format!(
                    "{}{}{}",
                    &text[..start + GENERATED_START.len()],
                    expected,
                    &text[end..]
                );
                std::fs::write(&path, fresh).unwrap_or_default();
                return;
            }
            panic!("docs/threat-model.md is out of date: FFIGUARD_BLESS=1 regenerates it");
        }
    }

    #[test]
    fn a_directory_open_is_not_a_write() {
        assert_eq!(unsigned(libc::O_DIRECTORY) & WRITE_FLAGS, 0);
        assert_ne!(unsigned(libc::O_TMPFILE) & WRITE_FLAGS, 0);
    }
}
