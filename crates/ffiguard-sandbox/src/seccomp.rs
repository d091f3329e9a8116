//! The seccomp-bpf layer, built in the worker from the policy with `seccompiler` and installed
//! with a direct `seccomp(2)` call (for the user-notification listener).
//!
//! Two filters: the first turns `clone3` into `ENOSYS` so that the C library falls back to
//! `clone`, whose flags a filter can inspect (`clone3` passes them in memory); the second is
//! the allowlist. The kernel applies the most severe verdict of all filters, and `ERRNO`
//! outranks `USER_NOTIF`, so `clone3` never reaches the host.

use std::collections::BTreeMap;
use std::os::fd::{FromRawFd, OwnedFd};

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use crate::policy::{OnViolation, Policy};
use crate::syscalls;

/// Syscalls no policy may allow: kernel attack surface, other processes, namespaces, mounts.
/// A policy naming one of them is refused when the worker starts.
pub const ALWAYS_BLOCKED: &[&str] = &[
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "bpf",
    "userfaultfd",
    "perf_event_open",
    "ptrace",
    "process_vm_writev",
    "keyctl",
    "add_key",
    "request_key",
    "mount",
    "umount2",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "personality",
    "kexec_load",
    "init_module",
    "finit_module",
    "pidfd_getfd",
];

/// Path-taking filesystem calls that, in a policy with read-only paths and a listener, go to
/// the host's filesystem broker (`broker.rs`) instead of being allowed by the filter, so that
/// a path outside the policy is refused and reported rather than refused silently by Landlock.
/// A call listed here that the policy does not allow stays an ordinary blocked call.
pub(crate) const BROKERED: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "access",
    "faccessat",
    "faccessat2",
    "readlinkat",
];

/// Whether `policy` sends [`BROKERED`] calls to the host's broker.
pub(crate) fn brokers(policy: &Policy) -> bool {
    !policy.read_only_paths.is_empty() && listens(policy)
}

/// Whether the worker hands a user-notification listener to the host.
pub(crate) fn listens(policy: &Policy) -> bool {
    policy.report || policy.on_violation == OnViolation::AllowAndLog
}

/// The descriptor on which the worker sends its notification listener to the host.
pub(crate) const SETUP_SOCKET_FD: i32 = 4;

/// Marks the mismatch verdict while compiling; replaced by `SECCOMP_RET_USER_NOTIF`.
const NOTIFY_MARKER: u32 = 0x3fe;

/// Why the filter could not be built or installed.
#[derive(Debug)]
pub(crate) enum FilterError {
    /// The policy names a syscall this architecture does not know.
    UnknownSyscall,
    /// The policy names an always-blocked syscall.
    AlwaysBlocked,
    /// `seccompiler` refused the rules.
    Compile,
    /// The kernel refused the filter.
    Install(std::io::Error),
}

fn arg(index: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, FilterError> {
    SeccompCondition::new(index, SeccompCmpArgLen::Qword, op, value)
        .map_err(|_| FilterError::Compile)
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, FilterError> {
    SeccompRule::new(conditions).map_err(|_| FilterError::Compile)
}

/// Namespace flags `clone` may never carry.
const NAMESPACE_FLAGS: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

/// `open` flags that write or create (the filter refuses them; so does the broker).
pub(crate) const WRITE_FLAGS: u64 = (libc::O_WRONLY
    | libc::O_RDWR
    | libc::O_CREAT
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_TMPFILE) as u64;

/// The conditions the preset attaches to a syscall, or none (allowed unconditionally).
fn conditions(name: &str, policy: &Policy, pid: u64) -> Result<Vec<SeccompRule>, FilterError> {
    let prot_exec = u64::try_from(libc::PROT_EXEC).unwrap_or(4);
    Ok(match name {
        // No executable memory from data: the binary and its libraries are mapped already.
        "mmap" | "mprotect" => vec![rule(vec![arg(2, SeccompCmpOp::MaskedEq(prot_exec), 0)?])?],
        // Signals only to itself; reading memory only its own (ffiguard's pointer-readability
        // probe), never another process's.
        "kill" | "tgkill" | "tkill" | "process_vm_readv" => {
            vec![rule(vec![arg(0, SeccompCmpOp::Eq, pid)?])?]
        }
        "fcntl" => [libc::F_GETFD, libc::F_SETFD, libc::F_GETFL, libc::F_SETFL]
            .into_iter()
            .map(|cmd| {
                rule(vec![arg(
                    1,
                    SeccompCmpOp::Eq,
                    u64::try_from(cmd).unwrap_or(0),
                )?])
            })
            .collect::<Result<_, _>>()?,
        "prlimit64" => vec![rule(vec![arg(2, SeccompCmpOp::Eq, 0)?])?],
        // stdio asks whether its streams are terminals before choosing a buffering mode.
        "ioctl" => vec![rule(vec![arg(1, SeccompCmpOp::Eq, libc::TCGETS)?])?],
        // Policies grant read access only (Landlock would refuse a write anyway): opening for
        // writing goes to the listener, so the attempt is reported with its path. (With
        // read-only paths and a listener every `openat` goes to the broker instead.)
        "openat" => vec![rule(vec![arg(2, SeccompCmpOp::MaskedEq(WRITE_FLAGS), 0)?])?],
        "sendmsg" => {
            let fd = u64::try_from(SETUP_SOCKET_FD).unwrap_or(4);
            vec![rule(vec![arg(0, SeccompCmpOp::Eq, fd)?])?]
        }
        "clone" if policy.threads => {
            let thread = u64::try_from(libc::CLONE_THREAD).unwrap_or(0x10000);
            vec![rule(vec![arg(
                0,
                SeccompCmpOp::MaskedEq(thread | NAMESPACE_FLAGS),
                thread,
            )?])?]
        }
        _ => Vec::new(),
    })
}

/// Compiles the allowlist filter of `policy` for the process `pid`.
pub(crate) fn allowlist(policy: &Policy, pid: u32) -> Result<BpfProgram, FilterError> {
    let mut rules = BTreeMap::new();
    let brokered = brokers(policy);
    for name in &policy.syscalls {
        if ALWAYS_BLOCKED.contains(&name.as_str()) {
            return Err(FilterError::AlwaysBlocked);
        }
        let nr = syscalls::number(name).ok_or(FilterError::UnknownSyscall)?;
        if brokered && BROKERED.contains(&name.as_str()) {
            // Left out of the allowlist: the mismatch action hands the call to the listener,
            // where the broker decides on the host's copy of the path.
            continue;
        }
        rules.insert(nr, conditions(name, policy, u64::from(pid))?);
    }
    let notify = listens(policy);
    let mismatch = match (notify, policy.on_violation) {
        (true, _) => SeccompAction::Trace(NOTIFY_MARKER),
        (false, OnViolation::Kill) => SeccompAction::KillProcess,
        (false, _) => SeccompAction::Errno(u32::try_from(libc::EPERM).unwrap_or(1)),
    };
    let filter = SeccompFilter::new(rules, mismatch, SeccompAction::Allow, target_arch()?)
        .map_err(|_| FilterError::Compile)?;
    let mut program: BpfProgram = filter.try_into().map_err(|_| FilterError::Compile)?;
    if notify {
        let marker = libc::SECCOMP_RET_TRACE | NOTIFY_MARKER;
        let ret_k = u16::try_from(libc::BPF_RET | libc::BPF_K).unwrap_or(6);
        for instruction in &mut program {
            if instruction.code == ret_k && instruction.k == marker {
                instruction.k = libc::SECCOMP_RET_USER_NOTIF;
            }
        }
    }
    Ok(program)
}

/// The filter that fails `clone3` with `ENOSYS` and allows everything else.
pub(crate) fn clone3_enosys() -> Result<BpfProgram, FilterError> {
    let nr = syscalls::number("clone3").ok_or(FilterError::UnknownSyscall)?;
    let rules = BTreeMap::from([(nr, Vec::new())]);
    let enosys = u32::try_from(libc::ENOSYS).unwrap_or(38);
    SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(enosys),
        target_arch()?,
    )
    .map_err(|_| FilterError::Compile)?
    .try_into()
    .map_err(|_| FilterError::Compile)
}

fn target_arch() -> Result<TargetArch, FilterError> {
    if cfg!(target_arch = "x86_64") {
        Ok(TargetArch::x86_64)
    } else {
        Err(FilterError::Compile)
    }
}

/// Installs `program` on the calling thread (`PR_SET_NO_NEW_PRIVS` must be set); with
/// `listener`, returns the user-notification listener descriptor.
pub(crate) fn install(
    program: &BpfProgram,
    listener: bool,
) -> Result<Option<OwnedFd>, FilterError> {
    let program_len = u16::try_from(program.len()).map_err(|_| FilterError::Compile)?;
    let fprog = libc::sock_fprog {
        len: program_len,
        filter: program.as_ptr().cast_mut().cast::<libc::sock_filter>(),
    };
    let flags = if listener {
        libc::SECCOMP_FILTER_FLAG_NEW_LISTENER
    } else {
        0
    };
    // SAFETY: `fprog` points to `program`, a live vector of `len` instructions whose layout is
    // `sock_filter`'s (seccompiler's `sock_filter` is `repr(C)` with the same fields); the
    // kernel copies the program before returning and keeps no pointer into it.
    let result = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            std::ptr::from_ref(&fprog),
        )
    };
    if result < 0 {
        return Err(FilterError::Install(std::io::Error::last_os_error()));
    }
    if !listener {
        return Ok(None);
    }
    let fd = i32::try_from(result).map_err(|_| FilterError::Compile)?;
    // SAFETY: with NEW_LISTENER the kernel returned a fresh descriptor owned by nobody else.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// Namespace flags `clone` may never carry (for the host's learning-mode check).
pub(crate) fn namespace_flags() -> u64 {
    NAMESPACE_FLAGS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_blocked_and_unknown_syscalls_are_refused() {
        let policy = Policy::pure_compute().allow_syscall("ptrace");
        assert!(matches!(
            allowlist(&policy, 1),
            Err(FilterError::AlwaysBlocked)
        ));
        let policy = Policy::pure_compute().allow_syscall("no_such_call");
        assert!(matches!(
            allowlist(&policy, 1),
            Err(FilterError::UnknownSyscall)
        ));
        assert!(allowlist(&Policy::pure_compute(), 1).is_ok());
        assert!(brokers(&Policy::read_only(["/"])));
        assert!(!brokers(&Policy::read_only(["/"]).report(false)));
        assert!(!brokers(&Policy::pure_compute()));
        for name in ALWAYS_BLOCKED {
            assert!(syscalls::number(name).is_some(), "{name}");
        }
    }
}
