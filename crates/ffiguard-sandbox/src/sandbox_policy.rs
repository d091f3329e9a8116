//! The confinement side of [`Sandbox`]: choosing the policy, the layers in force, the blocked
//! calls and, in learning mode, the policy they suggest.

use crate::builder::SandboxBuilder;
use crate::policy::Policy;
use crate::report::{BlockedCall, Verdict};
use crate::sandbox::Sandbox;
use crate::status::ConfinementStatus;

impl SandboxBuilder {
    /// The confinement policy of every worker (default [`Policy::pure_compute`]). A worker that
    /// cannot put in force a layer the policy requires is not used: the call fails with
    /// [`crate::SandboxError::Confinement`] or [`crate::SandboxError::Spawn`] naming the layer.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
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
    pub fn suggested_policy(&self) -> Policy {
        let mut policy = Policy::pure_compute();
        policy.preset = "suggested".into();
        for call in self.blocked_calls() {
            if call.verdict == Verdict::Allowed {
                if call.syscall == "clone" {
                    policy = policy.allow_threads();
                } else if call.syscall != "clone3" {
                    policy = policy.allow_syscall(&call.syscall);
                }
            }
        }
        policy
    }
}
