//! Dropping every capability before the worker serves calls.
//!
//! A worker that entered a new user namespace holds every capability *in* that namespace
//! (CAP_NET_ADMIN over its network namespace, CAP_NET_RAW for packet sockets, …), and a worker
//! started by root without namespaces holds them for real. None of them is needed once the
//! worker is confined, so they go: the bounding set (what any later exec could regain), the
//! ambient set, and the effective, permitted and inheritable sets; the securebits are locked
//! so that uid 0 regains nothing either. Then the worker checks that its sets are empty.

use rustix::thread::{CapabilitySet, CapabilitySets, capabilities, set_capabilities};

/// `SECBIT_NOROOT | SECBIT_NO_SETUID_FIXUP | SECBIT_KEEP_CAPS_LOCKED |
/// SECBIT_NO_CAP_AMBIENT_RAISE` and the lock bit of each (`linux/securebits.h`).
const LOCKED_SECUREBITS: libc::c_ulong = 0b1110_1111;

/// Drops every capability of the calling (single-threaded) worker; fails when a set is not
/// empty afterwards.
pub(crate) fn drop_all() -> std::io::Result<()> {
    // The bounding set: dropping needs CAP_SETPCAP, which a worker without any capability
    // does not have and does not need (it has nothing to drop, and no_new_privs keeps exec
    // from granting file capabilities).
    let may_change = has_setpcap();
    if may_change {
        for capability in 0..64 {
            // SAFETY: prctl(PR_CAPBSET_DROP, n) takes integers only and touches no memory.
            let dropped = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, capability, 0, 0, 0) };
            if dropped != 0 {
                let error = std::io::Error::last_os_error();
                // EINVAL: past the kernel's last capability.
                if error.raw_os_error() == Some(libc::EINVAL) {
                    break;
                }
                return Err(error);
            }
        }
        // SAFETY: prctl(PR_SET_SECUREBITS, bits) takes integers only.
        if unsafe { libc::prctl(libc::PR_SET_SECUREBITS, LOCKED_SECUREBITS, 0, 0, 0) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    rustix::thread::clear_ambient_capability_set()?;
    let none = CapabilitySets {
        effective: CapabilitySet::empty(),
        permitted: CapabilitySet::empty(),
        inheritable: CapabilitySet::empty(),
    };
    set_capabilities(None, none)?;
    let left = capabilities(None)?;
    if !left.effective.is_empty() || !left.permitted.is_empty() || !left.inheritable.is_empty() {
        return Err(std::io::Error::from_raw_os_error(libc::EPERM));
    }
    Ok(())
}

fn has_setpcap() -> bool {
    capabilities(None).is_ok_and(|sets| sets.effective.contains(CapabilitySet::SETPCAP))
}
