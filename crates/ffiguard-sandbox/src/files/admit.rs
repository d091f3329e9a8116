//! The host's checks on a file before it is passed, and its reopening read-only.
//!
//! Only a regular file that the host may read is passed, and never the host's own open file
//! description: the file is opened again through `/proc/self/fd/N` with `O_RDONLY`. The new
//! description is the worker's alone, so the worker cannot write through it (the kernel checks
//! the description's mode on every write, `ftruncate`, `fallocate`, writable shared mapping and
//! memfd seal), cannot change the flags of the host's description (`F_SETFL` acts on the
//! worker's), and moves only its own file offset.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, Mode, OFlags};

use super::FileError;

/// Checks `fd` and returns a new read-only open file description of the same file.
pub(super) fn reopen_read_only(fd: BorrowedFd<'_>) -> Result<OwnedFd, FileError> {
    let inspect = |error: rustix::io::Errno| FileError::Inspect(error.into());
    let stat = rustix::fs::fstat(fd).map_err(inspect)?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::RegularFile => {}
        FileType::Directory => return Err(FileError::Directory),
        FileType::Socket => return Err(FileError::Socket),
        FileType::Fifo => return Err(FileError::Pipe),
        FileType::CharacterDevice | FileType::BlockDevice => return Err(FileError::Device),
        _ => return Err(FileError::NotRegular),
    }
    if crate::monitor::broker::check::pseudo_descriptor(fd).map_err(inspect)? {
        return Err(FileError::PseudoFile);
    }
    let flags = rustix::fs::fcntl_getfl(fd).map_err(inspect)?;
    if flags.contains(OFlags::PATH) {
        return Err(FileError::PathOnly);
    }
    if flags.contains(OFlags::WRONLY) {
        return Err(FileError::WriteOnly);
    }
    // A new open file description of the same file: the magic link reaches the file itself,
    // and the kernel checks read permission again for the new open.
    let reopened = rustix::fs::open(
        format!("/proc/self/fd/{}", fd.as_raw_fd()),
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(|error| FileError::Reopen(error.into()))?;
    let again = rustix::fs::fstat(&reopened).map_err(inspect)?;
    if (again.st_dev, again.st_ino) != (stat.st_dev, stat.st_ino)
        || FileType::from_raw_mode(again.st_mode) != FileType::RegularFile
    {
        return Err(FileError::Replaced);
    }
    Ok(reopened)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::fd::AsFd;

    use super::*;

    fn temporary(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("ffiguard-admit-{}-{name}", std::process::id()))
    }

    #[test]
    fn the_reopened_description_is_read_only_and_separate() {
        let path = temporary("rw");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("create");
        file.write_all(b"content").expect("write");
        let reopened = reopen_read_only(file.as_fd()).expect("admitted");
        let flags = rustix::fs::fcntl_getfl(&reopened).expect("flags");
        assert!(!flags.contains(OFlags::RDWR) && !flags.contains(OFlags::WRONLY));
        assert!(rustix::io::write(&reopened, b"x").is_err());
        // The host's offset (7, after the write) is not the new description's (0).
        assert_eq!(rustix::fs::tell(&reopened).ok(), Some(0));
        assert_eq!(rustix::fs::tell(&file).ok(), Some(7));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn only_readable_regular_files_are_admitted() {
        let directory = std::fs::File::open(std::env::temp_dir()).expect("directory");
        assert!(matches!(
            reopen_read_only(directory.as_fd()),
            Err(FileError::Directory)
        ));
        let path = temporary("wo");
        let write_only = std::fs::File::create(&path).expect("create");
        assert!(matches!(
            reopen_read_only(write_only.as_fd()),
            Err(FileError::WriteOnly)
        ));
        let path_only =
            rustix::fs::open(&path, OFlags::PATH | OFlags::CLOEXEC, Mode::empty()).expect("O_PATH");
        assert!(matches!(
            reopen_read_only(path_only.as_fd()),
            Err(FileError::PathOnly)
        ));
        let _ = std::fs::remove_file(&path);
        let status = std::fs::File::open("/proc/self/status").expect("procfs");
        assert!(matches!(
            reopen_read_only(status.as_fd()),
            Err(FileError::PseudoFile)
        ));
    }
}
