//! The Landlock layer: no filesystem access beyond the policy's read-only paths, no TCP bind
//! or connect, no signals or abstract Unix sockets outside the worker's own domain.

use landlock::{
    ABI, Access, AccessFs, AccessNet, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    Scope, path_beneath_rules,
};

use crate::confine::status::Layers;

/// The newest ABI whose rights this layer asks for (6: scoping of signals and abstract
/// sockets). Newer kernels enforce it fully; older ones partially, which the status shows.
const TARGET_ABI: ABI = ABI::V6;

/// Restricts the calling thread (single-threaded worker: the process) and returns the layer
/// it achieved: [`Layers::LANDLOCK`], [`Layers::LANDLOCK_PARTIAL`] or none.
pub(crate) fn restrict(read_only: &[std::path::PathBuf]) -> Result<Layers, landlock::RulesetError> {
    let ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(TARGET_ABI))?
        .handle_access(AccessNet::from_all(TARGET_ABI))?
        .scope(Scope::from_all(TARGET_ABI))?;
    let status = restrict_to_reading(ruleset, read_only)?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => Layers::LANDLOCK,
        RulesetStatus::PartiallyEnforced => Layers::LANDLOCK_PARTIAL,
        RulesetStatus::NotEnforced => Layers::empty(),
    })
}

/// Restricts the calling *host* thread to reading the policy's paths: the filesystem broker's
/// opener runs under it, so that a path the broker's own checks let through by mistake is
/// still refused by the kernel. Only filesystem access is handled (the thread must keep
/// signalling and talking to workers). Landlock domains are per thread: the rest of the host
/// is untouched. Returns whether the ruleset is fully enforced.
pub(crate) fn restrict_host_thread(
    read_only: &[std::path::PathBuf],
) -> Result<bool, landlock::RulesetError> {
    let ruleset = Ruleset::default().handle_access(AccessFs::from_all(TARGET_ABI))?;
    let status = restrict_to_reading(ruleset, read_only)?;
    Ok(status.ruleset == RulesetStatus::FullyEnforced)
}

/// Creates `ruleset` with read access beneath `read_only` as its only rules, and restricts the
/// calling thread with it.
fn restrict_to_reading(
    ruleset: Ruleset,
    read_only: &[std::path::PathBuf],
) -> Result<landlock::RestrictionStatus, landlock::RulesetError> {
    ruleset
        .create()?
        .add_rules(path_beneath_rules(
            read_only,
            AccessFs::from_read(TARGET_ABI),
        ))?
        .restrict_self()
}

/// The Landlock ABI the running kernel offers (0 when it has none).
pub(crate) fn kernel_abi() -> u32 {
    // SAFETY: landlock_create_ruleset with a null attribute, size 0 and the VERSION flag only
    // returns the ABI version (or an error); it reads no memory.
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            1u32,
        )
    };
    u32::try_from(version).unwrap_or(0)
}
