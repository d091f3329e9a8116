//! The host's own look at a worker's confinement, from outside it: what the kernel shows in
//! `/proc` set against the layers the worker reported in shared memory.
//!
//! The report is written by the worker, and a worker is only as honest as the code it has run.
//! What the kernel shows cannot be forged from inside: `/proc/<pid>/status` carries the
//! seccomp mode, the number of filters and `no_new_privs`, and a seccomp listener is an
//! anonymous inode named `seccomp notify`. Landlock and namespaces are not shown there (a
//! Landlock domain is invisible from outside; reading another process's namespace links needs
//! ptrace access to it), so those stay the worker's word.

use std::os::fd::{AsRawFd, OwnedFd};

use crate::confine::status::Layers;

/// What `/proc/self/fd/N` names for a seccomp user-notification listener (the kernel's
/// `anon_inode_getfile("seccomp notify", …)`).
const LISTENER_LINK: &str = "anon_inode:seccomp notify";

/// `Seccomp:` in `/proc/<pid>/status` when a filter is in force (`SECCOMP_MODE_FILTER`).
const SECCOMP_MODE_FILTER: &str = "2";

/// Checks the reported `layers` against `/proc/<pid>/status` of the (unreaped) worker `pid`;
/// returns what contradicts the report, or that the status could not be read.
pub(crate) fn contradiction(pid: u32, layers: Layers) -> Option<String> {
    if !layers.contains(Layers::SECCOMP) && !layers.contains(Layers::NO_NEW_PRIVS) {
        return None;
    }
    let path = format!("/proc/{pid}/status");
    let status = match std::fs::read_to_string(&path) {
        Ok(status) => status,
        Err(error) => return Some(format!("cannot read {path} to check it: {error}")),
    };
    contradiction_in(&status, layers)
}

/// The check of [`contradiction`] on the text of a status file.
fn contradiction_in(status: &str, layers: Layers) -> Option<String> {
    let field = |name: &str| {
        status.lines().find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::trim)
        })
    };
    if layers.contains(Layers::NO_NEW_PRIVS) && field("NoNewPrivs") != Some("1") {
        return Some(format!(
            "it reported no_new_privs, the kernel shows NoNewPrivs: {}",
            field("NoNewPrivs").unwrap_or("(absent)")
        ));
    }
    if layers.contains(Layers::SECCOMP) {
        if field("Seccomp") != Some(SECCOMP_MODE_FILTER) {
            return Some(format!(
                "it reported a seccomp filter, the kernel shows Seccomp: {}",
                field("Seccomp").unwrap_or("(absent)")
            ));
        }
        // Counted since Linux 5.9; an older kernel's mode 2 is all there is to check.
        if let Some(count) = field("Seccomp_filters")
            && count.parse::<u64>().map_or(true, |count| count == 0)
        {
            return Some(format!(
                "it reported a seccomp filter, the kernel shows Seccomp_filters: {count}"
            ));
        }
    }
    None
}

/// Whether `fd`, received from a worker as its listener, is a seccomp listener; if not, what it
/// is instead.
pub(crate) fn not_a_listener(fd: &OwnedFd) -> Option<String> {
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    match std::fs::read_link(&link) {
        Ok(target) if target.as_os_str() == LISTENER_LINK => None,
        Ok(target) => Some(crate::text::escape(&target.to_string_lossy()).into_owned()),
        Err(error) => Some(format!("unreadable ({error})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFINED: &str = "Name:\tworker\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t2\n";

    #[test]
    fn the_kernels_view_must_back_the_report() {
        let both = Layers::SECCOMP.with(Layers::NO_NEW_PRIVS);
        assert_eq!(contradiction_in(CONFINED, both), None);
        let unconfined = "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n";
        let found = contradiction_in(unconfined, both).unwrap_or_default();
        assert!(found.contains("NoNewPrivs: 0"), "{found}");
        let found = contradiction_in(unconfined, Layers::SECCOMP).unwrap_or_default();
        assert!(found.contains("Seccomp: 0"), "{found}");
        let no_filters = "Seccomp:\t2\nSeccomp_filters:\t0\n";
        assert!(contradiction_in(no_filters, Layers::SECCOMP).is_some());
        let old_kernel = "Seccomp:\t2\n";
        assert_eq!(contradiction_in(old_kernel, Layers::SECCOMP), None);
        assert_eq!(contradiction_in("", Layers::NAMESPACES), None);
    }

    #[test]
    fn a_file_is_not_a_listener() {
        let file = std::fs::File::open("/dev/null").map(OwnedFd::from);
        let shown = file.as_ref().ok().and_then(not_a_listener);
        assert_eq!(shown.as_deref(), Some("/dev/null"));
    }
}
