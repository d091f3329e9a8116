//! What a worker may do: a confinement policy built in code, printable as reviewable data.
//!
//! A policy names the syscalls the worker may make (with the argument conditions the preset
//! attaches), the paths it may read, whether it needs namespaces, Landlock and seccomp, and what
//! happens to a call outside the policy. The host sends it to the worker in the setup message;
//! the worker applies it in one step before serving calls and reports back which layers are in
//! force, which the host checks against [`Policy::required_layers`].

pub(crate) mod check;
pub(crate) mod rules;
pub(crate) mod syscalls;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What happens to a syscall the policy does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OnViolation {
    /// The call fails with `EPERM`: the library sees an error and may go on.
    Deny,
    /// The worker is killed; the host reports the call and starts a fresh worker.
    Kill,
    /// Learning mode: the call is allowed and reported, so that a minimal policy can be
    /// suggested ([`crate::Sandbox::suggested_policy`]). Never use it with untrusted code.
    AllowAndLog,
}

/// Whether a confinement layer must be in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Requirement {
    /// The sandbox refuses to start without it.
    Required,
    /// Used when the kernel allows it; [`crate::ConfinementStatus`] says whether it was.
    IfAvailable,
    /// Not used.
    Off,
}

/// A confinement policy. Start from a preset and add what the library needs.
///
/// ```
/// use ffiguard_sandbox::Policy;
///
/// let policy = Policy::pure_compute()
///     .allow_read("/usr/share/zoneinfo")
///     .allow_syscall("uname");
/// println!("{policy}"); // one line per rule, for review
/// let json = serde_json::to_string_pretty(&policy).expect("a policy is plain data");
/// assert!(json.contains("zoneinfo"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The preset this policy started from (for review; the rules below are what count).
    pub preset: String,
    /// Syscalls allowed without conditions beyond the preset's own (see [`Policy::threads`]).
    pub syscalls: BTreeSet<String>,
    /// Paths the worker may read (files and directories beneath them), enforced by Landlock
    /// and, with [`Policy::report`], decided and reported by the host's filesystem broker
    /// (see [`Policy::allow_read`]).
    pub read_only_paths: Vec<PathBuf>,
    /// Whether the worker may start threads (`clone` with `CLONE_THREAD`, never with
    /// namespace flags).
    pub threads: bool,
    /// The seccomp-bpf filter.
    pub seccomp: Requirement,
    /// The Landlock ruleset (filesystem, TCP and scoping of signals and abstract sockets).
    pub landlock: Requirement,
    /// New user, network and IPC namespaces.
    pub namespaces: Requirement,
    /// What happens to a syscall outside the policy.
    pub on_violation: OnViolation,
    /// Whether blocked calls are reported to the host through a seccomp user-notification
    /// listener the worker cannot silence. Without it a blocked call fails (or kills) silently,
    /// and reads of the read-only paths are left to the filter and Landlock (no broker).
    pub report: bool,
}

/// Syscalls a worker needs to compute, allocate and talk to the host: memory, futexes, time,
/// signals to itself, I/O on descriptors it already holds, exit. Each carries the conditions
/// `policy::rules` gives it wherever it is allowed (no `PROT_EXEC` for `mmap`/`mprotect`,
/// `kill`/`tgkill`/`tkill` only to itself, `futex` without requeue, …; the table is in
/// `docs/threat-model.md`).
pub(crate) const PURE_COMPUTE: &[&str] = &[
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "lseek",
    "close",
    "fstat",
    "newfstatat",
    "statx",
    "fcntl",
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "futex",
    "set_robust_list",
    "get_robust_list",
    "set_tid_address",
    "rseq",
    "sched_yield",
    "sched_getaffinity",
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "getrandom",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "kill",
    "tgkill",
    "tkill",
    "getpid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "prlimit64",
    "restart_syscall",
    "exit",
    "exit_group",
    "sendmsg",
    "clone3",
    "process_vm_readv",
    "ioctl",
];

impl Policy {
    /// The default: no filesystem, no network, no exec, no new processes or threads, only what
    /// computing, allocating and talking to the host need. Blocked calls fail with `EPERM` and
    /// are reported; seccomp and Landlock are required, namespaces used when available.
    pub fn pure_compute() -> Self {
        Self {
            preset: "pure_compute".into(),
            syscalls: PURE_COMPUTE.iter().map(|name| (*name).to_owned()).collect(),
            read_only_paths: Vec::new(),
            threads: false,
            seccomp: Requirement::Required,
            landlock: Requirement::Required,
            namespaces: Requirement::IfAvailable,
            on_violation: OnViolation::Deny,
            report: true,
        }
    }

    /// `pure_compute` plus reading the given paths (opening, listing, `stat`).
    pub fn read_only(paths: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        let mut policy = Self::pure_compute();
        policy.preset = "read_only".into();
        for path in paths {
            policy = policy.allow_read(path);
        }
        policy
    }

    /// **Dangerous**: no confinement at all beyond the process boundary and rlimits. For
    /// comparisons (the hostile suite shows what each attack does without confinement) and for
    /// trusted code that needs everything.
    pub fn unconfined_dangerous() -> Self {
        Self {
            preset: "unconfined_dangerous".into(),
            syscalls: BTreeSet::new(),
            read_only_paths: Vec::new(),
            threads: true,
            seccomp: Requirement::Off,
            landlock: Requirement::Off,
            namespaces: Requirement::Off,
            on_violation: OnViolation::Deny,
            report: false,
        }
    }

    /// Learning mode: `pure_compute`'s layers, but every call outside the policy is allowed
    /// and reported. Run the library's workload, then print
    /// [`crate::Sandbox::suggested_policy`]. Never with untrusted input.
    pub fn learning() -> Self {
        let mut policy = Self::pure_compute();
        policy.preset = "learning".into();
        policy.on_violation = OnViolation::AllowAndLog;
        policy.landlock = Requirement::Off;
        policy.threads = true;
        policy.report = true;
        policy
    }

    /// Allows reading `path` and everything beneath it (adds the syscalls opening needs:
    /// `openat`, `getdents64`, `readlink`, `readlinkat`, `faccessat`, `faccessat2`, `access`).
    /// A path on procfs, sysfs or another pseudo-filesystem is refused by
    /// [`Policy::validate`]: the broker opens files as the host.
    ///
    /// With reporting on (the default), path-taking calls then go to the host's filesystem
    /// broker rather than straight to the kernel: the host reads the path once, resolves it
    /// beneath the allowed paths without letting `..` or symbolic links lead out, opens an
    /// allowed file itself and hands the worker the descriptor; a refused path is a
    /// [`crate::BlockedCall`] with the absolute path and a [`crate::Refusal`] reason. The
    /// worker's kernel never acts on a path the host has only read. Landlock stays in force
    /// in the worker. `stat`-family calls are not brokered (see `docs/threat-model.md`).
    ///
    /// ```no_run
    /// use ffiguard_sandbox::{Policy, Refusal, Sandbox};
    ///
    /// ffiguard_sandbox::init();
    /// let sandbox = Sandbox::builder()
    ///     .policy(Policy::pure_compute().allow_read("/usr/share/zoneinfo"))
    ///     .build()?;
    /// // ... calls whose C code opens /etc/shadow ...
    /// for call in sandbox.blocked_calls() {
    ///     if call.reason == Some(Refusal::OutsideAllowedPaths) {
    ///         println!("refused {}: {:?}", call.syscall, call.detail);
    ///     }
    /// }
    /// # Ok::<(), ffiguard_sandbox::SandboxError>(())
    /// ```
    pub fn allow_read(mut self, path: impl Into<PathBuf>) -> Self {
        self.read_only_paths.push(path.into());
        for name in [
            "openat",
            "getdents64",
            "readlink",
            "readlinkat",
            "faccessat",
            "faccessat2",
            "access",
        ] {
            self.syscalls.insert(name.to_owned());
        }
        self
    }

    /// Allows one more syscall by name (see [`crate::syscall_classes`]). It carries the same
    /// argument conditions as in the presets (`clone` stays threads-only, `kill` reaches only
    /// the worker, `socket` only IP); names that cannot be conditioned, and unknown names, make
    /// [`Policy::validate`] refuse the policy.
    pub fn allow_syscall(mut self, name: &str) -> Self {
        self.syscalls.insert(name.to_owned());
        self
    }

    /// Allows starting threads (`clone` with `CLONE_THREAD` and without namespace flags).
    pub fn allow_threads(mut self) -> Self {
        self.threads = true;
        self.syscalls.insert("clone".to_owned());
        self
    }

    /// What happens to a syscall outside the policy.
    pub fn on_violation(mut self, action: OnViolation) -> Self {
        self.on_violation = action;
        self
    }

    /// Sets the namespaces requirement.
    pub fn namespaces(mut self, requirement: Requirement) -> Self {
        self.namespaces = requirement;
        self
    }

    /// Sets the Landlock requirement.
    pub fn landlock(mut self, requirement: Requirement) -> Self {
        self.landlock = requirement;
        self
    }

    /// Sets the seccomp requirement.
    pub fn seccomp(mut self, requirement: Requirement) -> Self {
        self.seccomp = requirement;
        self
    }

    /// Whether blocked calls are reported through a user-notification listener.
    pub fn report(mut self, report: bool) -> Self {
        self.report = report;
        self
    }

    /// The layers that must be in force for the sandbox to start.
    pub fn required_layers(&self) -> crate::Layers {
        let mut layers = crate::Layers::empty();
        if self.seccomp == Requirement::Required {
            layers = layers
                .with(crate::Layers::SECCOMP)
                .with(crate::Layers::NO_NEW_PRIVS);
            if self.report {
                layers = layers.with(crate::Layers::NOTIFY);
            }
        }
        if self.landlock == Requirement::Required {
            layers = layers.with(crate::Layers::LANDLOCK);
        }
        if self.namespaces == Requirement::Required {
            layers = layers.with(crate::Layers::NAMESPACES);
        }
        layers
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::pure_compute()
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "policy {}", self.preset)?;
        writeln!(f, "  seccomp: {:?}", self.seccomp)?;
        writeln!(f, "  landlock: {:?}", self.landlock)?;
        writeln!(f, "  namespaces (user, net, ipc): {:?}", self.namespaces)?;
        writeln!(f, "  on violation: {:?}", self.on_violation)?;
        writeln!(f, "  report blocked calls: {}", self.report)?;
        writeln!(f, "  threads: {}", self.threads)?;
        for path in &self.read_only_paths {
            writeln!(f, "  read: {}", path.display())?;
        }
        let names: Vec<&str> = self.syscalls.iter().map(String::as_str).collect();
        write!(f, "  syscalls: {}", names.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_round_trips_through_json_and_prints_its_rules() {
        let policy = Policy::read_only(["/etc/hostname"]).allow_threads();
        let json = serde_json::to_string(&policy).unwrap_or_default();
        let back: Option<Policy> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(policy.clone()));
        let text = policy.to_string();
        assert!(text.contains("read: /etc/hostname"), "{text}");
        assert!(text.contains("openat"), "{text}");
        assert!(!Policy::pure_compute().syscalls.contains("openat"));
        assert!(!Policy::pure_compute().syscalls.contains("execve"));
    }
}
