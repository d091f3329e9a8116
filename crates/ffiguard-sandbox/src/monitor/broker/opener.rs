//! The broker's opener: the host thread that resolves and opens paths beneath the allowed
//! ones, confined by the policy's own Landlock read rules (Landlock domains are per thread, so
//! the rest of the host is untouched).

use std::ffi::OsString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rustix::fs::{Access, AtFlags, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::{Kind, check};
use crate::monitor::blocked::Refusal;
use crate::policy::Requirement;

/// The worker's open flags the host honours (everything else is dropped; the host always
/// opens read-only, close-on-exec and without acquiring a terminal). With `O_PATH`, only
/// `O_DIRECTORY` and `O_NOFOLLOW` of them apply.
const PASSED_FLAGS: u64 = (libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_NONBLOCK
    | libc::O_NOATIME
    | libc::O_PATH
    | libc::O_LARGEFILE) as u64;

/// The longest the listener waits for the opener thread.
const OPEN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// One allowed path, held open by the host.
#[derive(Debug)]
pub(super) struct Root {
    /// The absolute spellings a worker's path may start with: as the policy gave it, and with
    /// symbolic links resolved.
    pub(super) prefixes: Vec<PathBuf>,
    /// The allowed directory, or the directory containing the allowed file (`O_PATH`).
    base: OwnedFd,
    /// For an allowed file: its name in `base`.
    pub(super) file: Option<OsString>,
}

pub(super) type Job = Box<dyn FnOnce() + Send>;

/// Runs `job` on the opener thread behind `jobs` and waits for its result.
pub(super) fn run_on<T: Send + 'static>(
    jobs: &mpsc::Sender<Job>,
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (reply, result) = mpsc::sync_channel(1);
    jobs.send(Box::new(move || {
        let _ = reply.send(job());
    }))
    .ok()?;
    // Bounded: an open that blocks anyway (a device, a stalled network filesystem) costs the
    // worker an EACCES, not the listener thread.
    result.recv_timeout(OPEN_TIMEOUT).ok()
}

/// What the opener did for a request beneath an allowed path.
#[derive(Debug)]
pub(super) enum Acted {
    /// Opened the file; `directory` says whether it is one (the worker may then open paths
    /// relative to it).
    Opened { fd: OwnedFd, directory: bool },
    /// Answered an `access` check with success.
    Answered,
    /// Read a symbolic link's target (for `readlinkat`, which the host answers itself).
    Link(Vec<u8>),
}

/// Why the opener did not act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failed {
    /// The error the worker gets (`EXDEV`: the path left the allowed one).
    Errno(Errno),
    /// A violation of the policy.
    Refused(Refusal),
}

impl From<Errno> for Failed {
    fn from(errno: Errno) -> Self {
        Self::Errno(errno)
    }
}

/// On the opener thread: the first candidate that resolves beneath its allowed path decides.
pub(super) fn resolve_and_act(
    roots: &[Root],
    candidates: &[(usize, PathBuf)],
    kind: Kind,
    flags: u64,
    extra: u64,
) -> Result<Acted, Failed> {
    let mut error = None;
    for (index, rest) in candidates {
        let Some(root) = roots.get(*index) else {
            continue;
        };
        match act(root, rest, kind, flags, extra) {
            Ok(acted) => return Ok(acted),
            // A file the host must not open on the worker's behalf decides at once.
            Err(refused @ Failed::Refused(_)) => return Err(refused),
            // An escape counts only when no other allowed path gives a better answer.
            Err(Failed::Errno(Errno::XDEV)) => {
                error.get_or_insert(Failed::Errno(Errno::XDEV));
            }
            Err(failed) => error = Some(failed),
        }
    }
    Err(error.unwrap_or(Failed::Errno(Errno::ACCESS)))
}

fn act(root: &Root, rest: &Path, kind: Kind, flags: u64, extra: u64) -> Result<Acted, Failed> {
    let mut resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    let name: &Path = match &root.file {
        // `file/` (here `file/.`) is not a directory.
        Some(_) if !rest.as_os_str().is_empty() => return Err(Errno::NOTDIR.into()),
        // An allowed file is opened by its own name in its directory, never through a link.
        Some(file) => {
            resolve |= ResolveFlags::NO_SYMLINKS;
            Path::new(file)
        }
        None if rest.as_os_str().is_empty() => Path::new("."),
        None => rest,
    };
    match kind {
        Kind::Open => {
            resolve |= ResolveFlags::from_bits_truncate(extra)
                & (ResolveFlags::NO_XDEV | ResolveFlags::NO_SYMLINKS | ResolveFlags::CACHED);
            let asked =
                OFlags::from_bits_truncate(u32::try_from(flags & PASSED_FLAGS).unwrap_or(0));
            // First a path-only descriptor: it opens nothing (no device is opened, no FIFO
            // waits), so the host can look at what the worker asked for before opening it.
            let located = rustix::fs::openat2(
                &root.base,
                name,
                OFlags::PATH | OFlags::CLOEXEC | (asked & (OFlags::DIRECTORY | OFlags::NOFOLLOW)),
                Mode::empty(),
                resolve,
            )?;
            let stat = check::file(&located)?;
            let directory = FileType::from_raw_mode(stat.st_mode) == FileType::Directory;
            // An `O_PATH` descriptor cannot be placed in another process (the kernel's
            // ADDFD refuses it), so the worker gets a read-only one of the same file: no
            // more than the policy grants it, and everything `O_PATH` allows works on it.
            let wanted = asked - (OFlags::PATH | OFlags::NOFOLLOW);
            let fd = reopen(&located, &stat, wanted, &root.base, name, resolve)?;
            Ok(Acted::Opened { fd, directory })
        }
        Kind::Access => {
            let nofollow = extra & u64::from(AtFlags::SYMLINK_NOFOLLOW.bits()) != 0;
            let mut oflags = OFlags::PATH | OFlags::CLOEXEC;
            if nofollow {
                oflags |= OFlags::NOFOLLOW;
            }
            let fd = rustix::fs::openat2(&root.base, name, oflags, Mode::empty(), resolve)?;
            check::file(&fd)?;
            let mode = Access::from_bits_truncate(u32::try_from(flags & 7).unwrap_or(0));
            if mode.contains(Access::WRITE_OK) {
                // The policy grants reading only, whatever the file's permissions say.
                return Err(Errno::ACCESS.into());
            }
            if !mode.is_empty() {
                let mut at = AtFlags::EMPTY_PATH;
                if extra & u64::from(AtFlags::EACCESS.bits()) != 0 {
                    at |= AtFlags::EACCESS;
                }
                rustix::fs::accessat(&fd, "", mode, at)?;
            }
            Ok(Acted::Answered)
        }
        Kind::Readlink => {
            let oflags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = rustix::fs::openat2(&root.base, name, oflags, Mode::empty(), resolve)?;
            check::file(&fd)?;
            let target = rustix::fs::readlinkat(&fd, "", Vec::new())?;
            Ok(Acted::Link(target.into_bytes()))
        }
    }
}

/// Opens for reading the file `located` (an `O_PATH` descriptor) stands for: through the
/// host's `/proc/thread-self/fd`, which reaches exactly that file; without procfs, by its path
/// again, checking that the same file was opened.
fn reopen(
    located: &OwnedFd,
    stat: &rustix::fs::Stat,
    wanted: OFlags,
    base: &OwnedFd,
    name: &Path,
    resolve: ResolveFlags,
) -> Result<OwnedFd, Failed> {
    // Always non-blocking, so that a FIFO cannot stall the host's opener; the worker's own
    // choice is restored on the (shared) open file description.
    let oflags = wanted | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    let through_proc = format!("/proc/thread-self/fd/{}", located.as_raw_fd());
    let fd = match rustix::fs::open(through_proc.as_str(), oflags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => {
            let fd = rustix::fs::openat2(base, name, oflags, Mode::empty(), resolve)?;
            let opened = rustix::fs::fstat(&fd)?;
            if (opened.st_dev, opened.st_ino) != (stat.st_dev, stat.st_ino) {
                // Replaced between the look and the open: let the worker try again.
                return Err(Errno::AGAIN.into());
            }
            fd
        }
        Err(errno) => return Err(errno.into()),
    };
    if !wanted.contains(OFlags::NONBLOCK) {
        let status = rustix::fs::fcntl_getfl(&fd)?;
        rustix::fs::fcntl_setfl(&fd, status - OFlags::NONBLOCK)?;
    }
    Ok(fd)
}

/// Opens one of the policy's paths for the broker; `None` when it does not exist (Landlock
/// then refuses the policy in the worker anyway).
pub(super) fn open_root(path: &Path) -> Option<Root> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let mut prefixes = Vec::new();
    let given: PathBuf = path.components().collect();
    if given.is_absolute() {
        prefixes.push(given);
    }
    if !prefixes.contains(&canonical) {
        prefixes.push(canonical.clone());
    }
    let directory = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if check::pseudo_filesystem(&canonical) != Some(false) {
        // Never a root on procfs, sysfs and the like (the policy check refuses such paths;
        // this keeps the broker safe on its own).
        return None;
    }
    if std::fs::metadata(&canonical).ok()?.is_dir() {
        let base = rustix::fs::open(&canonical, directory, Mode::empty()).ok()?;
        return Some(Root {
            prefixes,
            base,
            file: None,
        });
    }
    let parent = canonical.parent()?;
    let base = rustix::fs::open(parent, directory, Mode::empty()).ok()?;
    Some(Root {
        prefixes,
        base,
        file: Some(canonical.file_name()?.to_os_string()),
    })
}

/// Starts the opener thread: it restricts itself with the policy's Landlock read rules, then
/// runs jobs until the broker is dropped. If the policy requires Landlock and the thread
/// cannot put it fully in force, it runs no job (every brokered call is then refused).
pub(super) fn start_opener(
    paths: Vec<PathBuf>,
    landlock: Requirement,
) -> std::io::Result<mpsc::Sender<Job>> {
    let (jobs, receiver) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("ffiguard-fs-broker".into())
        .spawn(move || {
            let confined = match landlock {
                Requirement::Off => true,
                _ => match crate::confine::landlock::restrict_host_thread(&paths) {
                    Ok(full) => full || landlock == Requirement::IfAvailable,
                    Err(_) => landlock == Requirement::IfAvailable,
                },
            };
            if !confined {
                tracing::error!(
                    "the filesystem broker could not confine itself with Landlock; \
                     refusing every brokered call"
                );
                return;
            }
            for job in receiver {
                job();
            }
        })?;
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The second layer: the host's own opens are confined by Landlock, on the opener thread
    /// only.
    #[test]
    fn the_opener_thread_is_confined_by_landlock() {
        let base = std::env::temp_dir().join(format!("ffiguard-opener-{}", std::process::id()));
        let allowed = base.join("allowed");
        std::fs::create_dir_all(&allowed).expect("dirs");
        std::fs::write(allowed.join("inside"), "inside").expect("inside");
        std::fs::write(base.join("outside"), "outside").expect("outside");
        let jobs = start_opener(vec![allowed.clone()], Requirement::Required).expect("opener");
        let inside = allowed.join("inside");
        let outside = base.join("outside");
        let read_inside = run_on(&jobs, move || std::fs::read(inside).ok());
        let outside_there = outside.clone();
        let read_outside = run_on(&jobs, move || {
            std::fs::read(outside_there).map_err(|error| error.kind())
        });
        let read_here = std::fs::read(&outside).ok();
        let _ = std::fs::remove_dir_all(&base);
        assert_eq!(read_inside, Some(Some(b"inside".to_vec())));
        assert_eq!(
            read_outside,
            Some(Err(std::io::ErrorKind::PermissionDenied))
        );
        assert_eq!(
            read_here,
            Some(b"outside".to_vec()),
            "other threads are untouched"
        );
    }
}
