//! Which confinement layers a worker put in force, as it reported after confining itself.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A set of confinement layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Layers(u32);

impl Layers {
    /// `PR_SET_NO_NEW_PRIVS`: exec cannot gain privileges (set-uid, file capabilities).
    pub const NO_NEW_PRIVS: Self = Self(1);
    /// The seccomp-bpf syscall filter.
    pub const SECCOMP: Self = Self(1 << 1);
    /// The seccomp user-notification listener, held by the host, that reports blocked calls.
    pub const NOTIFY: Self = Self(1 << 2);
    /// A fully enforced Landlock ruleset.
    pub const LANDLOCK: Self = Self(1 << 3);
    /// New user, network and IPC namespaces.
    pub const NAMESPACES: Self = Self(1 << 4);
    /// A partially enforced Landlock ruleset (an older kernel's ABI lacks some access rights).
    pub const LANDLOCK_PARTIAL: Self = Self(1 << 5);

    const NAMES: [(Self, &'static str); 6] = [
        (Self::NO_NEW_PRIVS, "no_new_privs"),
        (Self::SECCOMP, "seccomp"),
        (Self::NOTIFY, "seccomp user notification"),
        (Self::LANDLOCK, "landlock"),
        (Self::LANDLOCK_PARTIAL, "landlock (partial)"),
        (Self::NAMESPACES, "namespaces"),
    ];

    /// No layer.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// This set plus `other`.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every layer of `other` is in this set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The layers of `self` missing from `present`.
    #[must_use]
    pub const fn missing_from(self, present: Self) -> Self {
        Self(self.0 & !present.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) const fn bits(self) -> u32 {
        self.0
    }

    pub(crate) const fn from_bits(bits: u32) -> Self {
        Self(bits & 0x3f)
    }
}

impl fmt::Display for Layers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .filter(|(layer, _)| self.contains(*layer))
            .map(|(_, name)| *name)
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(", "))
        }
    }
}

/// What a worker reported about its confinement, checked by the host against the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfinementStatus {
    /// The layers in force.
    pub layers: Layers,
    /// The Landlock ABI version the kernel offers (0 when Landlock is unavailable).
    pub landlock_abi: u32,
}

impl ConfinementStatus {
    /// Packs the status into the worker's 64-bit setup detail word.
    pub(crate) fn pack(self) -> u64 {
        (u64::from(self.landlock_abi) << 32) | u64::from(self.layers.bits())
    }

    /// Unpacks a worker's setup detail word (untrusted: unknown bits are dropped).
    pub(crate) fn unpack(word: u64) -> Self {
        Self {
            layers: Layers::from_bits(u32::try_from(word & 0xffff_ffff).unwrap_or(0)),
            landlock_abi: u32::try_from(word >> 32).unwrap_or(0),
        }
    }
}

impl fmt::Display for ConfinementStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (landlock ABI {})", self.layers, self.landlock_abi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_survives_the_detail_word_and_drops_unknown_bits() {
        let status = ConfinementStatus {
            layers: Layers::SECCOMP.with(Layers::LANDLOCK),
            landlock_abi: 7,
        };
        assert_eq!(ConfinementStatus::unpack(status.pack()), status);
        let lying = ConfinementStatus::unpack(0xffff_ffff);
        assert_eq!(lying.layers.bits(), 0x3f);
        assert_eq!(
            Layers::SECCOMP
                .with(Layers::NAMESPACES)
                .missing_from(Layers::SECCOMP)
                .to_string(),
            "namespaces"
        );
        assert_eq!(Layers::empty().to_string(), "none");
    }
}
