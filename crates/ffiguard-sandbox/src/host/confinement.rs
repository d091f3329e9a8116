//! The confinement side of [`Sandbox`]: choosing the policy, the layers in force, the blocked
//! calls and, in learning mode, the policy they suggest.

use crate::confine::status::ConfinementStatus;
use crate::host::builder::SandboxBuilder;
use crate::host::sandbox::Sandbox;
use crate::monitor::blocked::{BlockedCall, Verdict};
use crate::policy::Policy;

impl SandboxBuilder {
    /// The confinement policy of every worker (default [`Policy::pure_compute`]). A worker that
    /// cannot put in force a layer the policy requires is not used: the call fails with
    /// [`crate::SandboxError::Confinement`] naming the layer.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.settings.policy = policy;
        self
    }
}

impl Sandbox {
    /// The policy the workers run under.
    pub fn policy(&self) -> &Policy {
        &self.confinement.policy
    }

    /// The confinement the most recently started worker reported (and the host checked
    /// against the policy), or `None` before the first worker started.
    pub fn confinement_status(&self) -> Option<ConfinementStatus> {
        *self
            .last_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every syscall the workers made outside the policy (the most recent 4,096), oldest
    /// first, as the seccomp listener reported them.
    pub fn blocked_calls(&self) -> Vec<BlockedCall> {
        self.confinement.log.snapshot()
    }

    /// In learning mode: the policy (starting from `pure_compute`) that allows what the
    /// workers did. Review it before use: it allows what the library did, not what it needs.
    /// Files the workers opened become read-only paths (taken from the reports' decoded
    /// arguments, which the library controlled); threads become [`Policy::allow_threads`];
    /// new processes (`clone` without `CLONE_THREAD`) cannot be allowed and are left out.
    /// Conditioned syscalls the learning policy did not name (`socket`, `prctl`, …) were
    /// refused during learning but are suggested: named, the filter checks their conditions.
    pub fn suggested_policy(&self) -> Policy {
        let mut policy = Policy::pure_compute();
        policy.preset = "suggested".into();
        let thread = u64::try_from(libc::CLONE_THREAD).unwrap_or(0x10000);
        for call in self.blocked_calls() {
            // Learning mode refuses a conditioned syscall the policy does not name (it cannot
            // check the conditions itself); naming it lets the filter check them.
            let conditioned = matches!(
                crate::syscall_class(&call.syscall),
                crate::SyscallClass::Conditioned(_)
            );
            let suggest = call.verdict == Verdict::Allowed
                || (conditioned
                    && call.reason.is_none()
                    && !policy.syscalls.contains(&call.syscall));
            if !suggest {
                continue;
            }
            match call.syscall.as_str() {
                "clone" if call.args[0] & thread != 0 => policy = policy.allow_threads(),
                "clone" | "clone3" | "fork" | "vfork" | "execve" | "execveat" => {}
                "open" | "openat" => match &call.detail {
                    Some(path)
                        if !policy
                            .read_only_paths
                            .iter()
                            .any(|p| p.as_os_str() == path.as_str()) =>
                    {
                        policy = policy.allow_read(path);
                    }
                    _ => {}
                },
                name => policy = policy.allow_syscall(name),
            }
        }
        policy
    }
}
