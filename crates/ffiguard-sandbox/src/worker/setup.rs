//! The setup message: what the host tells a worker before its first call, written
//! postcard-encoded at the start of the request arena before the worker is started.
//!
//! The worker reads it once, applies it in its single confinement step, and only then serves
//! calls. The confinement layer extends this message with its policy (seccomp filter, Landlock
//! rules, namespaces); an older worker refuses a newer message instead of ignoring a policy.

use serde::{Deserialize, Serialize};

/// Settings a worker applies between its setup and its first call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Setup {
    /// How the worker spins for the next call before sleeping.
    pub(crate) worker_spin: crate::SpinPolicy,
    /// Whether the worker makes itself non-dumpable (no core file, no ptrace attach by
    /// same-user processes, `/proc/<pid>` owned by root).
    pub(crate) not_dumpable: bool,
    /// The confinement policy the worker applies before its first call.
    pub(crate) policy: crate::policy::Policy,
    /// Test hook: layers the worker claims on top of those it puts in force.
    #[cfg(feature = "test-hooks")]
    pub(crate) claimed_layers: crate::Layers,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_round_trips_and_rejects_trailing_bytes() {
        let setup = Setup {
            worker_spin: crate::SpinPolicy::adaptive(),
            not_dumpable: true,
            policy: crate::policy::Policy::pure_compute(),
            #[cfg(feature = "test-hooks")]
            claimed_layers: crate::Layers::empty(),
        };
        let mut bytes = postcard::to_allocvec(&setup).unwrap_or_default();
        assert_eq!(postcard::from_bytes::<Setup>(&bytes).ok(), Some(setup));
        bytes.push(1);
        let (_, rest) = postcard::take_from_bytes::<Setup>(&bytes).unwrap_or((
            Setup {
                worker_spin: crate::SpinPolicy::Never,
                not_dumpable: false,
                policy: crate::policy::Policy::unconfined_dangerous(),
                #[cfg(feature = "test-hooks")]
                claimed_layers: crate::Layers::empty(),
            },
            &[],
        ));
        assert_eq!(rest, &[1]);
    }
}
