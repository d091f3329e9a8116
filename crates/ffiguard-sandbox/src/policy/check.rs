//! The check every policy passes before any worker starts: a policy the sandbox accepts must
//! not open a path to the host, whatever a user added to a preset.

use crate::confine::status::Layers;
use crate::error::SandboxError;
use crate::policy::{OnViolation, Policy, Requirement};

impl Policy {
    /// Checks that this policy can be enforced as written and opens no path to the host;
    /// [`crate::SandboxBuilder::build`] calls it. Refused, with the reason:
    ///
    /// - a syscall this architecture does not know, or one no policy may name (see
    ///   [`crate::syscall_class`]: every syscall a policy names carries the same argument
    ///   conditions as in the presets, and what cannot be conditioned is refused);
    /// - a policy without seccomp that still asks for other layers or rules: a worker without
    ///   the filter is unconfined, which only [`Policy::unconfined_dangerous`] says openly;
    /// - read-only paths without a required (hence fully enforced) Landlock layer, except in
    ///   learning mode;
    /// - a read-only path on procfs, sysfs or another pseudo-filesystem: the filesystem
    ///   broker opens files as the host, so `/proc/self` would be the host's.
    /// - without the broker (`report(false)`), a read-only path with procfs, sysfs, devices or
    ///   another such mount at or beneath it (`/`, `/dev`): the worker would open other
    ///   processes' `/proc` entries and device nodes itself.
    ///
    /// ```
    /// use ffiguard_sandbox::Policy;
    ///
    /// assert!(Policy::pure_compute().validate().is_ok());
    /// assert!(Policy::pure_compute().allow_syscall("setpgid").validate().is_err());
    /// assert!(Policy::read_only(["/proc/self"]).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), SandboxError> {
        let refuse = |reason: String| SandboxError::Confinement {
            reason,
            required: self.required_layers(),
            in_force: Layers::empty(),
        };
        if self.seccomp == Requirement::Off {
            let unconfined = self.landlock == Requirement::Off
                && self.namespaces == Requirement::Off
                && self.read_only_paths.is_empty()
                && self.syscalls.is_empty()
                && !self.report
                && self.on_violation != OnViolation::AllowAndLog;
            if unconfined {
                return Ok(());
            }
            return Err(refuse(
                "a policy without seccomp confines nothing the process boundary does not; \
                 use Policy::unconfined_dangerous() to say so"
                    .into(),
            ));
        }
        let unknown: Vec<&str> = crate::policy::rules::named(self)
            .filter(|name| crate::policy::syscalls::number(name).is_none())
            .collect();
        if !unknown.is_empty() {
            return Err(refuse(format!(
                "the policy names syscalls this architecture does not know: {}",
                unknown.join(" ")
            )));
        }
        let refused: Vec<String> = crate::policy::rules::named(self)
            .filter_map(|name| crate::policy::rules::refusal(self, name))
            .collect();
        if !refused.is_empty() {
            return Err(refuse(format!(
                "the policy allows syscalls no policy may allow: {}",
                refused.join("; ")
            )));
        }
        if !self.read_only_paths.is_empty()
            && self.landlock != Requirement::Required
            && self.on_violation != OnViolation::AllowAndLog
        {
            return Err(refuse(
                "read-only paths need Landlock required (fully enforced): it bounds what the \
                 worker's own kernel calls can reach"
                    .into(),
            ));
        }
        for path in &self.read_only_paths {
            if crate::monitor::broker::check::pseudo_filesystem(path) == Some(true) {
                return Err(refuse(format!(
                    "{} is on a pseudo-filesystem (procfs, sysfs, …) whose files depend on who \
                     opens them; the host would open its own",
                    path.display()
                )));
            }
            // Without the broker the worker's own kernel opens what Landlock lets it read:
            // beneath `/` that includes other processes' world-readable /proc entries
            // (cmdline, status) and, for a worker that is uid 0 without a user namespace, raw
            // devices. Landlock cannot exclude a mount beneath an allowed directory.
            if !crate::policy::rules::brokers(self)
                && let Some((mount, kind)) = opener_dependent_mount_beneath(path)
            {
                return Err(refuse(format!(
                    "{} has {kind} mounted at {}: without the broker (report(false)) the worker \
                     would open those files itself; allow narrower paths, or keep reporting on",
                    path.display(),
                    mount.display()
                )));
            }
        }
        if crate::confine::seccomp::allowlist(self, std::process::id()).is_err() {
            return Err(refuse(
                "the seccomp filter cannot be compiled for this architecture".into(),
            ));
        }
        Ok(())
    }
}

/// Mount types whose files are views of the opener, the kernel or other processes, and
/// `devtmpfs` (device nodes): what a worker must not open through a read path of its own.
const OPENER_DEPENDENT_MOUNTS: &[&str] = &[
    "proc",
    "sysfs",
    "devtmpfs",
    "devpts",
    "debugfs",
    "tracefs",
    "securityfs",
    "cgroup",
    "cgroup2",
    "bpf",
    "nsfs",
    "mqueue",
    "pstore",
    "configfs",
    "efivarfs",
    "fusectl",
    "binfmt_misc",
    "selinuxfs",
    "autofs",
    "rpc_pipefs",
];

/// The first mount at or beneath `path` (symbolic links resolved) of a type in
/// [`OPENER_DEPENDENT_MOUNTS`], from `/proc/self/mountinfo`; `None` when there is none, or
/// when the mount table cannot be read (`validate` then relies on the checks above).
fn opener_dependent_mount_beneath(path: &std::path::Path) -> Option<(std::path::PathBuf, String)> {
    let root = std::fs::canonicalize(path).ok()?;
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    table.lines().find_map(|line| {
        let (fields, after) = line.split_once(" - ")?;
        let mount = unescape_mount_path(fields.split(' ').nth(4)?);
        let kind = after.split(' ').next()?;
        (OPENER_DEPENDENT_MOUNTS.contains(&kind) && mount.starts_with(&root))
            .then(|| (mount, kind.to_owned()))
    })
}

/// A mountinfo path field: spaces, tabs, newlines and backslashes are written as octal escapes.
fn unescape_mount_path(field: &str) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (bytes[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    std::ffi::OsString::from_vec(out).into()
}

/// Test builds only: lets [`crate::SandboxBuilder::build`] accept a policy [`Policy::validate`]
/// refuses, so that a suite can take one layer away and show that another holds on its own
/// (the broker with Landlock off). Never available to users.
#[cfg(feature = "test-hooks")]
static WAIVED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Test builds only (feature `test-hooks`): from now on, this process builds sandboxes
/// without the policy check, to test one layer without another.
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub fn waive_policy_check_for_tests() {
    WAIVED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The check [`crate::SandboxBuilder::build`] runs.
pub(crate) fn before_build(policy: &Policy) -> Result<(), SandboxError> {
    #[cfg(feature = "test-hooks")]
    if WAIVED.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    policy.validate()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(policy: &Policy) -> String {
        policy
            .validate()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn presets_pass_and_what_cannot_be_conditioned_is_refused() {
        assert!(Policy::pure_compute().validate().is_ok());
        assert!(Policy::learning().validate().is_ok());
        assert!(Policy::unconfined_dangerous().validate().is_ok());
        assert!(Policy::read_only([std::env::temp_dir()]).validate().is_ok());
        assert!(reason(&Policy::pure_compute().allow_syscall("ptrace")).contains("ptrace"));
        assert!(reason(&Policy::pure_compute().allow_syscall("no_such")).contains("no_such"));
        let unbrokered = Policy::pure_compute()
            .allow_syscall("openat2")
            .report(false);
        assert!(reason(&unbrokered).contains("openat2"));
        assert!(reason(&Policy::read_only(["/proc"])).contains("pseudo-filesystem"));
        assert!(reason(&Policy::read_only(["/proc/self"])).contains("pseudo-filesystem"));
        let host = format!("/proc/{}", std::process::id());
        assert!(reason(&Policy::read_only([host])).contains("pseudo-filesystem"));
    }

    /// Without a broker the worker opens files itself: a read path with /proc, /sys or /dev
    /// mounted beneath it would hand it other processes' /proc entries and device nodes.
    #[test]
    fn unbrokered_read_paths_may_not_cover_proc_or_devices() {
        assert!(reason(&Policy::read_only(["/"]).report(false)).contains("mounted at"));
        assert!(reason(&Policy::read_only(["/dev"]).report(false)).contains("devtmpfs"));
        assert!(
            Policy::read_only(["/"]).validate().is_ok(),
            "the broker refuses them itself"
        );
        assert!(
            Policy::read_only([std::env::temp_dir()])
                .report(false)
                .validate()
                .is_ok()
        );
        assert_eq!(
            unescape_mount_path("/mnt/a\\040b\\134c"),
            std::path::PathBuf::from("/mnt/a b\\c")
        );
    }

    #[test]
    fn read_paths_need_landlock_and_confinement_needs_seccomp() {
        let no_landlock =
            Policy::read_only([std::env::temp_dir()]).landlock(Requirement::IfAvailable);
        assert!(reason(&no_landlock).contains("Landlock"));
        let no_seccomp = Policy::pure_compute().seccomp(Requirement::Off);
        assert!(reason(&no_seccomp).contains("seccomp"));
    }
}
