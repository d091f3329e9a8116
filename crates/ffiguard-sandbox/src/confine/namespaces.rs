//! The namespace layer: a new user namespace (first, so that an unprivileged worker may create
//! the others), a network namespace with only a downed loopback, and an IPC namespace.
//!
//! Entered by the worker right at startup, while it is single-threaded (`unshare` of a user
//! namespace refuses multi-threaded callers) and before it serves calls. The spawner thread of
//! the host is not affected: the worker is a re-executed process of its own.

/// Unshares user, network and IPC namespaces.
pub(crate) fn enter() -> std::io::Result<()> {
    let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNET | libc::CLONE_NEWIPC;
    // SAFETY: unshare takes a flag word and touches no memory of ours.
    if unsafe { libc::unshare(flags) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
