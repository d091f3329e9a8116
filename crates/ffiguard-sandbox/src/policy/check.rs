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
        }
        if crate::confine::seccomp::allowlist(self, std::process::id()).is_err() {
            return Err(refuse(
                "the seccomp filter cannot be compiled for this architecture".into(),
            ));
        }
        Ok(())
    }
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

    #[test]
    fn read_paths_need_landlock_and_confinement_needs_seccomp() {
        let no_landlock =
            Policy::read_only([std::env::temp_dir()]).landlock(Requirement::IfAvailable);
        assert!(reason(&no_landlock).contains("Landlock"));
        let no_seccomp = Policy::pure_compute().seccomp(Requirement::Off);
        assert!(reason(&no_seccomp).contains("seccomp"));
    }
}
