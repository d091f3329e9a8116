//! The seccomp-bpf layer, built in the worker from the policy with `seccompiler` and installed
//! with a direct `seccomp(2)` call (for the user-notification listener).
//!
//! Two filters: the first turns `clone3` into `ENOSYS` so that the C library falls back to
//! `clone`, whose flags a filter can inspect (`clone3` passes them in memory); the second is
//! the allowlist. The kernel applies the most severe verdict of all filters, and `ERRNO`
//! outranks `USER_NOTIF`, so `clone3` never reaches the host.

use std::collections::BTreeMap;
use std::os::fd::{FromRawFd, OwnedFd};

use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

use crate::host::spawn::SETUP_SOCKET_FD;
use crate::policy::rules::{self, SyscallClass, brokers, listens, named, refusal, syscall_class};
use crate::policy::syscalls;
use crate::policy::{OnViolation, Policy};

/// Marks the mismatch verdict while compiling; replaced by `SECCOMP_RET_USER_NOTIF`.
const NOTIFY_MARKER: u32 = 0x3fe;

/// Why the filter could not be built or installed.
#[derive(Debug)]
pub(crate) enum FilterError {
    /// The policy names a syscall this architecture does not know.
    UnknownSyscall,
    /// The policy names a syscall no policy may name (or one that cannot be conditioned
    /// where the policy would use it).
    AlwaysBlocked,
    /// `seccompiler` refused the rules.
    Compile,
    /// The kernel refused the filter.
    Install(std::io::Error),
}

/// Compiles the allowlist filter of `policy` for the process `pid`. Every syscall carries the
/// conditions `policy::rules` gives it, whoever named it.
pub(crate) fn allowlist(policy: &Policy, pid: u32) -> Result<BpfProgram, FilterError> {
    let mut rules = BTreeMap::new();
    let brokered = brokers(policy);
    for name in named(policy) {
        let nr = syscalls::number(name).ok_or(FilterError::UnknownSyscall)?;
        if refusal(policy, name).is_some() {
            return Err(FilterError::AlwaysBlocked);
        }
        match syscall_class(name) {
            // Answered by the first filter; never in the allowlist.
            SyscallClass::Enosys(_) => continue,
            // Left out of the allowlist: the mismatch action hands the call to the listener,
            // where the broker decides on the host's copy of the path.
            SyscallClass::Brokered(_) if brokered => continue,
            _ => {}
        }
        let conditions = rules::conditions(name, pid).map_err(|_| FilterError::Compile)?;
        rules.insert(nr, conditions);
    }
    // The worker sends its listener over the setup socket right after this filter is in:
    // a policy that does not name `sendmsg` still allows that one send.
    let sendmsg = syscalls::number("sendmsg").ok_or(FilterError::UnknownSyscall)?;
    if let std::collections::btree_map::Entry::Vacant(entry) = rules.entry(sendmsg) {
        let setup = rules::on_descriptor(0, SETUP_SOCKET_FD).map_err(|_| FilterError::Compile)?;
        entry.insert(setup);
    }
    // Files passed into calls arrive on the setup socket (`files::channel`): a policy that
    // does not name `recvmsg` still receives on descriptor 4, and on no other. (A policy that
    // names it gets it unconditioned, as its class says: this adds no other case.)
    let recvmsg = syscalls::number("recvmsg").ok_or(FilterError::UnknownSyscall)?;
    if let std::collections::btree_map::Entry::Vacant(entry) = rules.entry(recvmsg) {
        let setup = rules::on_descriptor(0, SETUP_SOCKET_FD).map_err(|_| FilterError::Compile)?;
        entry.insert(setup);
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
        for name in [
            "fsconfig",
            "fspick",
            "mount_setattr",
            "kexec_file_load",
            "setpgid",
        ] {
            let policy = Policy::pure_compute().allow_syscall(name);
            assert!(
                matches!(allowlist(&policy, 1), Err(FilterError::AlwaysBlocked)),
                "{name}"
            );
        }
        assert!(allowlist(&Policy::pure_compute(), 1).is_ok());
        assert!(brokers(&Policy::read_only(["/"])));
        assert!(!brokers(&Policy::read_only(["/"]).report(false)));
        assert!(!brokers(&Policy::pure_compute()));
        assert!(brokers(&Policy::learning()));
    }

    #[test]
    fn a_syscall_added_by_name_keeps_its_conditions() {
        // `clone` named without `allow_threads` is still threads-only, and an unconditioned
        // `clone` would compile to a different (shorter) program.
        let named = Policy::pure_compute().allow_syscall("clone");
        let threads = Policy::pure_compute().allow_threads();
        let named = allowlist(&named, 7).map_err(|_| ()).map(|p| p.len());
        let threads = allowlist(&threads, 7).map_err(|_| ()).map(|p| p.len());
        assert_eq!(named, threads);
        // Without a broker (no listener), openat2's flags could not be checked.
        assert!(matches!(
            allowlist(
                &Policy::pure_compute()
                    .allow_syscall("openat2")
                    .report(false),
                7
            ),
            Err(FilterError::AlwaysBlocked)
        ));
        assert!(allowlist(&Policy::pure_compute().allow_syscall("openat2"), 7).is_ok());
        assert!(allowlist(&Policy::read_only(["/tmp"]).allow_syscall("openat2"), 7).is_ok());
    }
}
