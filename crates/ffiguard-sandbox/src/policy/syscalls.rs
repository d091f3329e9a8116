//! Syscall names and numbers of the architecture the sandbox is built for, from the
//! `syscalls` crate (generated from the kernel's tables), for building filters from names and
//! naming blocked calls.

use std::str::FromStr;

use syscalls::Sysno;

/// The number of the syscall called `name` on this architecture.
pub(crate) fn number(name: &str) -> Option<i64> {
    Sysno::from_str(name)
        .ok()
        .map(|sysno| i64::from(sysno.id()))
}

/// The name of syscall `nr` on this architecture.
pub(crate) fn name(nr: i64) -> Option<&'static str> {
    let nr = usize::try_from(nr).ok()?;
    Sysno::new(nr).map(|sysno| sysno.name())
}

/// Every syscall name this architecture knows, in number order, for policy authors.
pub fn syscall_names() -> impl Iterator<Item = &'static str> {
    let (first, last) = (Sysno::first().id(), Sysno::last().id());
    (first..=last)
        .filter_map(|nr| usize::try_from(nr).ok().and_then(Sysno::new))
        .map(|sysno| sysno.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        assert_eq!(number("read"), Some(0));
        assert_eq!(name(0), Some("read"));
        assert_eq!(number("openat2").and_then(name), Some("openat2"));
        assert_eq!(number("no_such_call"), None);
        assert_eq!(name(-1), None);
        assert!(syscall_names().count() > 300);
    }
}
