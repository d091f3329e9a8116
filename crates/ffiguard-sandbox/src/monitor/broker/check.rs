//! Files the host must never open on a worker's behalf: those whose content depends on who
//! opens them.
//!
//! The broker opens files with the *host's* identity. For an ordinary file that is the same
//! file the worker would get; for `/proc/self/environ` it is the host's environment, for
//! `/proc/<pid>/mem` another process's memory, for `/dev/tty` the host's terminal. So the
//! broker looks at what a path leads to (through an `O_PATH` descriptor, which opens nothing)
//! and refuses, with a report, anything on a pseudo-filesystem and any device other than the
//! few that mean the same to everyone.

use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{FileType, Stat};

use super::opener::Failed;
use crate::monitor::blocked::Refusal;

/// Filesystems whose files are views of the opener, of the kernel or of other processes
/// (`linux/magic.h`): procfs, sysfs, debugfs, tracefs, securityfs, cgroup and cgroup2, bpffs,
/// nsfs, devpts, pstore, configfs, efivarfs, fusectl, binfmt_misc, selinuxfs, smackfs,
/// apparmorfs, mqueue, autofs, rpc_pipefs, xenfs.
const PSEUDO_FILESYSTEMS: &[i64] = &[
    0x9fa0,
    0x6265_6572,
    0x6462_6720,
    0x7472_6163,
    0x7363_6673,
    0x0027_e0eb,
    0x6367_7270,
    0xcafe_4a11,
    0x6e73_6673,
    0x1cd1,
    0x6165_676c,
    0x6265_6570,
    0xde5e_81e4,
    0x6573_5543,
    0x4249_4e4d,
    0xf97c_ff8c,
    0x4341_5d53,
    0x5a3c_69f0,
    0x1980_0202,
    0x0187,
    0x6759_6969,
    0xabba_1974,
];

/// Character devices that mean the same whoever opens them: null, zero, full, random,
/// urandom (major 1).
const SAFE_DEVICES: &[(u32, u32)] = &[(1, 3), (1, 5), (1, 7), (1, 8), (1, 9)];

fn is_pseudo(kind: i64) -> bool {
    PSEUDO_FILESYSTEMS.contains(&kind)
}

/// Checks the file behind `located` (an `O_PATH` descriptor) and returns its metadata, or the
/// refusal: a pseudo-filesystem, or a device other than [`SAFE_DEVICES`].
pub(super) fn file(located: &OwnedFd) -> Result<Stat, Failed> {
    let filesystem = rustix::fs::fstatfs(located)?;
    if is_pseudo(filesystem.f_type) {
        return Err(Failed::Refused(Refusal::PseudoFile));
    }
    let stat = rustix::fs::fstat(located)?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::CharacterDevice => {
            let device = (
                rustix::fs::major(stat.st_rdev),
                rustix::fs::minor(stat.st_rdev),
            );
            if !SAFE_DEVICES.contains(&device) {
                return Err(Failed::Refused(Refusal::PseudoFile));
            }
        }
        FileType::BlockDevice => return Err(Failed::Refused(Refusal::PseudoFile)),
        _ => {}
    }
    Ok(stat)
}

/// Whether the file behind `fd` is on a pseudo-filesystem (for files the host passes into a
/// call: `/proc/self/…` would be the host's).
pub(crate) fn pseudo_descriptor(fd: std::os::fd::BorrowedFd<'_>) -> rustix::io::Result<bool> {
    Ok(is_pseudo(rustix::fs::fstatfs(fd)?.f_type))
}

/// Whether `path` (symbolic links followed) is on a pseudo-filesystem; `None` when it cannot
/// be looked at.
pub(crate) fn pseudo_filesystem(path: &Path) -> Option<bool> {
    let filesystem = rustix::fs::statfs(path).ok()?;
    Some(is_pseudo(filesystem.f_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procfs_and_sysfs_are_pseudo_and_a_temporary_directory_is_not() {
        assert_eq!(pseudo_filesystem(Path::new("/proc/self")), Some(true));
        assert_eq!(pseudo_filesystem(Path::new("/proc")), Some(true));
        if Path::new("/sys/kernel").exists() {
            assert_eq!(pseudo_filesystem(Path::new("/sys")), Some(true));
        }
        assert_eq!(pseudo_filesystem(&std::env::temp_dir()), Some(false));
    }
}
