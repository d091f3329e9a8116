//! The broker's opener: the host thread that resolves and opens paths beneath the allowed
//! ones, confined by the policy's own Landlock read rules (Landlock domains are per thread, so
//! the rest of the host is untouched).

use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rustix::fs::{Access, AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::Kind;
use crate::policy::Requirement;

/// The worker's open flags the host honours (everything else is dropped; the host always
/// opens read-only, close-on-exec and without acquiring a terminal).
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
    /// Opened the file.
    Opened(OwnedFd),
    /// Answered an `access` check with success.
    Answered,
    /// Found the path (for `readlinkat`, which the kernel then carries out).
    Found,
}

/// On the opener thread: the first candidate that resolves beneath its allowed path decides.
pub(super) fn resolve_and_act(
    roots: &[Root],
    candidates: &[(usize, PathBuf)],
    kind: Kind,
    flags: u64,
    extra: u64,
) -> Result<Acted, Errno> {
    let mut error = None;
    for (index, rest) in candidates {
        let Some(root) = roots.get(*index) else {
            continue;
        };
        match act(root, rest, kind, flags, extra) {
            Ok(acted) => return Ok(acted),
            // An escape counts only when no other allowed path gives a better answer.
            Err(Errno::XDEV) => {
                error.get_or_insert(Errno::XDEV);
            }
            Err(errno) => error = Some(errno),
        }
    }
    Err(error.unwrap_or(Errno::ACCESS))
}

fn act(root: &Root, rest: &Path, kind: Kind, flags: u64, extra: u64) -> Result<Acted, Errno> {
    let mut resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
    let name: &Path = match &root.file {
        // `file/` (here `file/.`) is not a directory.
        Some(_) if !rest.as_os_str().is_empty() => return Err(Errno::NOTDIR),
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
            // Always non-blocking, so that a FIFO or a device cannot stall the host's opener;
            // the worker's own choice is restored on the (shared) open file description.
            let oflags = asked | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
            let fd = rustix::fs::openat2(&root.base, name, oflags, Mode::empty(), resolve)?;
            if !asked.contains(OFlags::NONBLOCK) && !asked.contains(OFlags::PATH) {
                let status = rustix::fs::fcntl_getfl(&fd)?;
                rustix::fs::fcntl_setfl(&fd, status - OFlags::NONBLOCK)?;
            }
            Ok(Acted::Opened(fd))
        }
        Kind::Access => {
            let nofollow = extra & u64::from(AtFlags::SYMLINK_NOFOLLOW.bits()) != 0;
            let mut oflags = OFlags::PATH | OFlags::CLOEXEC;
            if nofollow {
                oflags |= OFlags::NOFOLLOW;
            }
            let fd = rustix::fs::openat2(&root.base, name, oflags, Mode::empty(), resolve)?;
            let mode = Access::from_bits_truncate(u32::try_from(flags & 7).unwrap_or(0));
            if mode.contains(Access::WRITE_OK) {
                // The policy grants reading only, whatever the file's permissions say.
                return Err(Errno::ACCESS);
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
            rustix::fs::openat2(&root.base, name, oflags, Mode::empty(), resolve)?;
            Ok(Acted::Found)
        }
    }
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
                _ => match crate::landlock_layer::restrict_host_thread(&paths) {
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
