//! The filesystem broker: in a policy with read-only paths (and in learning mode), the host —
//! not the worker's kernel — carries out every path-taking call, and reports each refusal with
//! the path.
//!
//! The seccomp filter sends `open`, `openat`, `openat2`, `access`, `faccessat`, `faccessat2`,
//! `readlink` and `readlinkat` to the listener (`policy::rules::BROKERED`). The host copies the path
//! (and `openat2`'s `open_how`) once out of the worker's memory and decides on that copy only:
//! it makes the path absolute (against the worker's working directory, or against a directory
//! descriptor the broker itself handed out), looks for an allowed path it starts with, and
//! resolves the rest *beneath* that allowed path with `openat2(RESOLVE_BENEATH |
//! RESOLVE_NO_MAGICLINKS)` on a descriptor of the allowed directory, so `..` and symbolic links
//! cannot lead out of it.
//!
//! **The worker's kernel never acts on a path the host has only read**: every answer is the
//! host's own work.
//!
//! - An allowed open is carried out by the host, read-only, and the descriptor is placed in
//!   the worker as the call's result (`SECCOMP_IOCTL_NOTIF_ADDFD` with
//!   `SECCOMP_ADDFD_FLAG_SEND`). A second worker thread that rewrites the string or the
//!   `open_how` after the host read them changes nothing.
//! - `access`-family calls are answered by the host from the file it resolved.
//! - `readlink`/`readlinkat` are answered by the host too: it reads the link and writes the
//!   target into the worker's buffer through the worker's `/proc/self/mem`.
//! - Before opening, the host looks at the file through an `O_PATH` descriptor (which opens
//!   nothing) and refuses pseudo-filesystems and devices (`check.rs`): the host opens with its
//!   own identity, and `/proc/self` would be its own.
//! - A path relative to a directory descriptor is resolved against the path the broker opened
//!   that descriptor for; relative to any other descriptor it is refused and reported.
//!
//! The host's opens run on a thread of their own that has restricted itself with the same
//! Landlock read-only rules as the worker: a mistake in the checks above still cannot open a
//! file the policy does not allow. Landlock also stays in force in the worker.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, mpsc};

use rustix::fs::{AtFlags, ResolveFlags};
use rustix::io::Errno;

use crate::monitor::blocked::Refusal;
use crate::policy::rules::WRITE_FLAGS;
use crate::policy::{OnViolation, Policy};

pub(crate) mod check;
mod opener;

use opener::{Acted, Failed, Job, Root, open_root, resolve_and_act, run_on, start_opener};

/// The longest path the kernel accepts, with its terminating NUL.
const PATH_MAX: usize = 4096;

/// `sizeof(struct open_how)`: flags, mode, resolve.
const OPEN_HOW_SIZE: u64 = 24;

/// The most directory descriptors the broker remembers for one worker (the worker's own
/// descriptor limit bounds them first).
const MAX_DIRECTORIES: usize = 4096;

/// What kind of brokered call a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Access,
    Readlink,
}

/// A brokered call, with the path copied out of the worker (the only copy the host uses).
#[derive(Debug)]
pub(crate) struct Request {
    kind: Kind,
    dirfd: i32,
    /// The path, or the errno the kernel would have returned for it.
    path: Result<Vec<u8>, Errno>,
    /// `open` flags (for `access`, the mode) as the worker passed them.
    flags: u64,
    /// `openat2`'s resolve flags; `faccessat2`'s flags.
    extra: u64,
    /// `readlink`'s buffer in the worker, and its size.
    buffer: (u64, u64),
}

/// What the host answers.
#[derive(Debug)]
pub(crate) enum Ruling {
    /// The host opened the file: place the descriptor in the worker as the call's result.
    Inject {
        /// The descriptor the host opened.
        fd: OwnedFd,
        /// Whether the worker asked for `O_CLOEXEC`.
        cloexec: bool,
        /// For a directory: the absolute path it was opened for (paths relative to it are
        /// resolved against this).
        directory: Option<PathBuf>,
    },
    /// The call's result is this (0 or a negative errno).
    Answer(i32),
    /// Write `bytes` at `address` in the worker; the call's result is their count.
    WriteBack { address: u64, bytes: Vec<u8> },
    /// Nothing is carried out: the call fails with `EACCES` (or the worker is killed).
    Refuse,
}

/// The broker's ruling, the policy violation it reports (if any) and the path it concerns
/// (absolute when the host could resolve it). A violation with a ruling other than
/// [`Ruling::Refuse`] is learning mode carrying the call out anyway.
#[derive(Debug)]
pub(crate) struct Decision {
    pub(crate) ruling: Ruling,
    pub(crate) refusal: Option<Refusal>,
    pub(crate) path: Option<String>,
}

/// The per-worker broker held by the listener thread.
#[derive(Debug)]
pub(crate) struct Broker {
    /// The brokered syscalls the broker decides.
    names: Vec<&'static str>,
    roots: Arc<Vec<Root>>,
    /// Learning mode: `/`, through which the host opens (and reports) what lies outside the
    /// allowed paths, still never a pseudo-file.
    learning: Option<Arc<Vec<Root>>>,
    /// The worker's working directory, when it sent one and cannot change it.
    cwd: Option<PathBuf>,
    /// Directory descriptors the broker placed in the worker, by number, with their paths.
    directories: RefCell<HashMap<i32, PathBuf>>,
    /// The Landlock-restricted opener thread.
    jobs: mpsc::Sender<Job>,
}

impl Broker {
    /// A broker for `policy`, or `None` when the policy has no broker (its brokered calls
    /// then stay with the filter). `cwd` is the worker's working directory.
    pub(crate) fn start(policy: &Policy, cwd: Option<OwnedFd>) -> std::io::Result<Option<Self>> {
        if !crate::policy::rules::brokers(policy) {
            return Ok(None);
        }
        let learning = policy.on_violation == OnViolation::AllowAndLog;
        let names = crate::policy::rules::BROKERED
            .iter()
            .copied()
            .filter(|name| learning || policy.syscalls.contains(*name))
            .collect();
        let roots: Vec<Root> = policy
            .read_only_paths
            .iter()
            .filter_map(|path| open_root(path))
            .collect();
        let learning = learning
            .then(|| open_root(Path::new("/")))
            .flatten()
            .map(|root| Arc::new(vec![root]));
        let may_move = policy.syscalls.contains("chdir") || policy.syscalls.contains("fchdir");
        let cwd = cwd
            .filter(|_| !may_move)
            .and_then(|fd| std::fs::read_link(format!("/proc/self/fd/{}", raw(&fd))).ok())
            .filter(|path| path.is_absolute());
        let jobs = start_opener(policy.read_only_paths.clone(), policy.landlock)?;
        Ok(Some(Self {
            names,
            roots: Arc::new(roots),
            learning,
            cwd,
            directories: RefCell::new(HashMap::new()),
            jobs,
        }))
    }

    /// Whether the broker decides calls to `name`.
    pub(crate) fn handles(&self, name: &str) -> bool {
        self.names.contains(&name)
    }

    /// Copies what the broker needs out of the worker: the path (once) and, for `openat2`,
    /// its `open_how`. `memory` is the worker's `/proc/self/mem`.
    pub(crate) fn read(name: &str, args: &[u64; 6], memory: &OwnedFd) -> Request {
        let dirfd = |index: usize| low_i32(args[index]);
        let path = |index: usize| read_path(memory, args[index]);
        let at_fdcwd = libc::AT_FDCWD;
        let mut buffer = (0, 0);
        let (kind, dirfd, path, flags, extra) = match name {
            "open" => (Kind::Open, at_fdcwd, path(0), args[1], 0),
            "openat" => (Kind::Open, dirfd(0), path(1), args[2], 0),
            "openat2" => match read_open_how(memory, args[2], args[3]) {
                Ok((flags, resolve)) => (Kind::Open, dirfd(0), path(1), flags, resolve),
                Err(errno) => (Kind::Open, dirfd(0), Err(errno), 0, 0),
            },
            "access" => (Kind::Access, at_fdcwd, path(0), args[1], 0),
            "faccessat" => (Kind::Access, dirfd(0), path(1), args[2], 0),
            "faccessat2" => (Kind::Access, dirfd(0), path(1), args[2], args[3]),
            "readlink" => {
                buffer = (args[1], args[2]);
                (Kind::Readlink, at_fdcwd, path(0), 0, 0)
            }
            _ => {
                buffer = (args[2], args[3]);
                (Kind::Readlink, dirfd(0), path(1), 0, 0)
            }
        };
        Request {
            kind,
            dirfd,
            path,
            flags,
            extra,
            buffer,
        }
    }

    /// Decides a request (the host's copy: nothing is read from the worker again).
    pub(crate) fn decide(&self, request: Request) -> Decision {
        let raw = match &request.path {
            Ok(raw) => raw.clone(),
            Err(errno) => return answer(*errno, None),
        };
        let raw = Path::new(OsStr::from_bytes(&raw));
        let resolve = ResolveFlags::from_bits_truncate(request.extra);
        let confined_to_descriptor = request.kind == Kind::Open
            && resolve.intersects(ResolveFlags::BENEATH | ResolveFlags::IN_ROOT);
        let absolute = if raw.as_os_str().is_empty() {
            // An empty path names the descriptor itself (for `access` only with
            // AT_EMPTY_PATH; `readlinkat` on an `O_PATH` descriptor of a link).
            let on_descriptor = request.kind == Kind::Readlink
                || (request.kind == Kind::Access
                    && request.extra & u64::from(AtFlags::EMPTY_PATH.bits()) != 0);
            if !on_descriptor {
                return answer(Errno::NOENT, None);
            }
            self.base(request.dirfd)
        } else if confined_to_descriptor {
            // openat2's own confinement, checked lexically: the host then resolves beneath
            // the allowed path as always.
            let climbs = raw.components().next() == Some(Component::ParentDir);
            if climbs || (raw.is_absolute() && resolve.contains(ResolveFlags::BENEATH)) {
                return answer(Errno::XDEV, None);
            }
            let inside: PathBuf = raw
                .components()
                .filter(|c| *c != Component::RootDir)
                .collect();
            self.join(request.dirfd, &inside)
        } else if raw.is_absolute() {
            Some(raw.to_path_buf())
        } else {
            self.join(request.dirfd, raw)
        };
        let Some(absolute) = absolute else {
            return refuse(
                Refusal::UnknownDescriptor,
                raw.to_string_lossy().into_owned(),
            );
        };
        let shown = absolute.to_string_lossy().into_owned();
        if request.kind == Kind::Open && request.flags & WRITE_FLAGS != 0 {
            return refuse(Refusal::WriteAccess, shown);
        }
        if request.kind == Kind::Readlink && request.buffer.1 == 0 {
            return answer(Errno::INVAL, Some(shown));
        }
        let mut candidates = candidates(&self.roots, &absolute);
        if raw.as_os_str().as_bytes().ends_with(b"/") {
            // Keep "must be a directory": `file/.` fails with ENOTDIR as `file/` would.
            for (_, rest) in &mut candidates {
                rest.push(".");
            }
        }
        let outcome = if candidates.is_empty() {
            Err(Failed::Refused(Refusal::OutsideAllowedPaths))
        } else {
            self.act(&self.roots, candidates, &request)
        };
        let outcome = match outcome {
            Err(Failed::Errno(Errno::XDEV)) if !resolve.contains(ResolveFlags::NO_XDEV) => {
                Err(Failed::Refused(Refusal::Escape))
            }
            other => other,
        };
        match outcome {
            Ok(acted) => Decision {
                ruling: self.ruling(acted, &request, &absolute),
                refusal: None,
                path: Some(shown),
            },
            Err(Failed::Errno(errno)) => answer(errno, Some(shown)),
            Err(Failed::Refused(refusal)) => self.learn(refusal, &request, &absolute, shown),
        }
    }

    /// Learning mode: a path outside the allowed ones (or escaping them) is opened through
    /// `/` and reported as allowed; a write or a pseudo-file never is.
    fn learn(
        &self,
        refusal: Refusal,
        request: &Request,
        absolute: &Path,
        shown: String,
    ) -> Decision {
        let outside = matches!(refusal, Refusal::OutsideAllowedPaths | Refusal::Escape);
        let Some(whole) = self.learning.as_ref().filter(|_| outside) else {
            return refuse(refusal, shown);
        };
        let rest: PathBuf = absolute
            .components()
            .filter(|c| *c != Component::RootDir)
            .collect();
        match self.act(whole, vec![(0, rest)], request) {
            Ok(acted) => Decision {
                ruling: self.ruling(acted, request, absolute),
                refusal: Some(refusal),
                path: Some(shown),
            },
            Err(Failed::Refused(refused)) => refuse(refused, shown),
            Err(Failed::Errno(errno)) => Decision {
                ruling: Ruling::Answer(-errno.raw_os_error()),
                refusal: Some(refusal),
                path: Some(shown),
            },
        }
    }

    /// Resolves and acts on the opener thread; `EACCES` when that thread could not confine
    /// itself or did not answer in time.
    fn act(
        &self,
        roots: &Arc<Vec<Root>>,
        candidates: Vec<(usize, PathBuf)>,
        request: &Request,
    ) -> Result<Acted, Failed> {
        let roots = Arc::clone(roots);
        let (kind, flags, extra) = (request.kind, request.flags, request.extra);
        run_on(&self.jobs, move || {
            resolve_and_act(&roots, &candidates, kind, flags, extra)
        })
        .unwrap_or(Err(Failed::Errno(Errno::ACCESS)))
    }

    fn ruling(&self, acted: Acted, request: &Request, absolute: &Path) -> Ruling {
        match acted {
            Acted::Opened { fd, directory } => Ruling::Inject {
                fd,
                cloexec: request.flags & crate::policy::rules::unsigned(libc::O_CLOEXEC) != 0,
                directory: directory.then(|| absolute.to_path_buf()),
            },
            Acted::Answered => Ruling::Answer(0),
            Acted::Link(mut bytes) => {
                bytes.truncate(usize::try_from(request.buffer.1).unwrap_or(usize::MAX));
                Ruling::WriteBack {
                    address: request.buffer.0,
                    bytes,
                }
            }
        }
    }

    /// The directory a relative path of `dirfd` starts from.
    fn base(&self, dirfd: i32) -> Option<PathBuf> {
        if dirfd == libc::AT_FDCWD {
            return self.cwd.clone();
        }
        self.directories.borrow().get(&dirfd).cloned()
    }

    /// `relative` joined to the directory of `dirfd`. Only the working directory is the
    /// kernel's own name of a directory, so only there may leading `..` be taken off
    /// lexically; beneath a directory the broker opened (whose path may pass through links)
    /// every `..` is left to `openat2`, which keeps it beneath the allowed path.
    fn join(&self, dirfd: i32, relative: &Path) -> Option<PathBuf> {
        let base = self.base(dirfd)?;
        Some(if dirfd == libc::AT_FDCWD {
            join_to_directory(&base, relative)
        } else {
            base.join(relative)
        })
    }

    /// Records what the worker's descriptor `number` now is: a directory the broker opened
    /// (paths relative to it resolve against `directory`), or anything else.
    pub(crate) fn placed(&self, number: i32, directory: Option<PathBuf>) {
        let mut directories = self.directories.borrow_mut();
        match directory {
            Some(path) if directories.len() < MAX_DIRECTORIES => {
                directories.insert(number, path);
            }
            _ => {
                directories.remove(&number);
            }
        }
    }
}

/// The allowed paths `path` starts with (lexically), each with the rest of the path.
fn candidates(roots: &[Root], path: &Path) -> Vec<(usize, PathBuf)> {
    let path: PathBuf = path.components().collect();
    let mut found = Vec::new();
    for (index, root) in roots.iter().enumerate() {
        for prefix in &root.prefixes {
            if let Ok(rest) = path.strip_prefix(prefix)
                && (root.file.is_none() || rest.as_os_str().is_empty())
            {
                found.push((index, rest.to_path_buf()));
                break;
            }
        }
    }
    // The most specific allowed path first.
    found.sort_by_key(|(_, rest)| rest.components().count());
    found
}

fn answer(errno: Errno, path: Option<String>) -> Decision {
    Decision {
        ruling: Ruling::Answer(-errno.raw_os_error()),
        refusal: None,
        path,
    }
}

fn refuse(refusal: Refusal, path: String) -> Decision {
    Decision {
        ruling: Ruling::Refuse,
        refusal: Some(refusal),
        path: Some(path),
    }
}

fn raw(fd: &OwnedFd) -> i32 {
    use std::os::fd::AsRawFd;
    fd.as_fd().as_raw_fd()
}

/// Reads a NUL-terminated path from the worker, with the kernel's errors for a bad one.
fn read_path(memory: &OwnedFd, address: u64) -> Result<Vec<u8>, Errno> {
    let (bytes, terminated) =
        crate::monitor::worker_memory::read_c_string(memory, address, PATH_MAX)
            .ok_or(Errno::FAULT)?;
    if !terminated {
        return Err(if bytes.len() >= PATH_MAX {
            Errno::NAMETOOLONG
        } else {
            Errno::FAULT
        });
    }
    Ok(bytes)
}

/// Reads `openat2`'s `struct open_how`: (flags, resolve).
fn read_open_how(memory: &OwnedFd, address: u64, size: u64) -> Result<(u64, u64), Errno> {
    if size < OPEN_HOW_SIZE {
        return Err(Errno::INVAL);
    }
    if size > OPEN_HOW_SIZE {
        // A newer layout than this host knows: refuse rather than guess.
        return Err(Errno::TOOBIG);
    }
    let bytes =
        crate::monitor::worker_memory::read_memory(memory, address, 24).ok_or(Errno::FAULT)?;
    let word = |at: usize| -> Result<u64, Errno> {
        let slice = bytes.get(at..at + 8).ok_or(Errno::FAULT)?;
        Ok(u64::from_ne_bytes(
            slice.try_into().map_err(|_| Errno::FAULT)?,
        ))
    };
    Ok((word(0)?, word(16)?))
}

/// `relative` joined to the working directory `cwd`. Leading `..` components are taken off
/// `cwd` here: `cwd` is the kernel's own name of the directory (symbolic links resolved), so
/// its parent is exactly what `..` means. Any later `..` stays for `openat2` to resolve.
fn join_to_directory(cwd: &Path, relative: &Path) -> PathBuf {
    let mut base = cwd.to_path_buf();
    let mut rest = relative.components().peekable();
    while let Some(component) = rest.peek() {
        match component {
            Component::ParentDir => {
                base.pop();
            }
            Component::CurDir => {}
            _ => break,
        }
        rest.next();
    }
    base.join(rest.collect::<PathBuf>())
}

/// The low 32 bits of a syscall argument as the C `int` the kernel sees.
fn low_i32(value: u64) -> i32 {
    let low = u32::try_from(value & 0xffff_ffff).unwrap_or(0);
    i32::from_ne_bytes(low.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_arguments_keep_their_sign() {
        assert_eq!(
            low_i32(u64::from_ne_bytes((-100i64).to_ne_bytes())),
            libc::AT_FDCWD
        );
        assert_eq!(low_i32(0xffff_ffff_0000_0007), 7);
    }

    #[test]
    fn relative_paths_climb_the_working_directory_only_at_their_start() {
        let cwd = Path::new("/srv/app/run");
        assert_eq!(
            join_to_directory(cwd, Path::new("../../data/x")),
            PathBuf::from("/srv/data/x")
        );
        assert_eq!(
            join_to_directory(cwd, Path::new("../../../../etc")),
            PathBuf::from("/etc")
        );
        assert_eq!(
            join_to_directory(cwd, Path::new("./a/../b")),
            PathBuf::from("/srv/app/run/a/../b")
        );
    }

    #[test]
    fn paths_match_allowed_prefixes_by_component() {
        let dir = std::env::temp_dir();
        let root = open_root(&dir).expect("the temporary directory");
        let roots = [root];
        assert_eq!(candidates(&roots, &dir.join("x")).len(), 1);
        assert_eq!(candidates(&roots, &dir.join(".//x")).len(), 1);
        let sibling = PathBuf::from(format!("{}-sibling/x", dir.display()));
        assert!(candidates(&roots, &sibling).is_empty());
        assert!(candidates(&roots, Path::new("/")).is_empty());
    }
}
