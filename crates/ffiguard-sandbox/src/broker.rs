//! The filesystem broker: in a policy with read-only paths, the host (not the worker's kernel
//! call) decides every path-taking open, and reports each refusal with the path.
//!
//! The seccomp filter sends `open`, `openat`, `openat2`, `access`, `faccessat`, `faccessat2`
//! and `readlinkat` to the listener (`seccomp::BROKERED`). The host copies the path once out
//! of the worker's memory, makes it absolute (against the working directory the worker sent
//! at start), and looks for an allowed path it starts with. It then resolves the rest
//! *beneath* that allowed path with `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` on a
//! descriptor of the allowed directory, so `..` and symbolic links cannot lead out of it.
//!
//! - An allowed open is carried out by the host, read-only, and the descriptor is placed in
//!   the worker as the call's result (`SECCOMP_IOCTL_NOTIF_ADDFD` with
//!   `SECCOMP_ADDFD_FLAG_SEND`). The worker's kernel never looks at the path again, so a
//!   second worker thread that rewrites the string after the host read it changes nothing.
//! - `access`-family calls are answered by the host in the same way (it does the check on the
//!   file it resolved and returns the result).
//! - `readlinkat` cannot be answered without writing into the worker: once the host has found
//!   the path beneath an allowed path, the kernel carries the call out
//!   (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`), which re-reads the path (see the threat model).
//! - A path relative to a real directory descriptor cannot be resolved by the host (it does not
//!   hold the worker's descriptors): the kernel carries the call out under Landlock, unreported.
//!
//! The host's opens run on a thread of their own that has restricted itself with the same
//! Landlock read-only rules as the worker: a mistake in the checks above still cannot open a
//! file the policy does not allow. Landlock also stays in force in the worker.

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, mpsc};

use rustix::fs::{AtFlags, ResolveFlags};
use rustix::io::Errno;

use crate::policy::Policy;
use crate::report::Refusal;
use crate::seccomp::WRITE_FLAGS;

mod opener;

use opener::{Acted, Job, Root, open_root, resolve_and_act, run_on, start_opener};

/// The longest path the kernel accepts, with its terminating NUL.
const PATH_MAX: usize = 4096;

/// `sizeof(struct open_how)`: flags, mode, resolve.
const OPEN_HOW_SIZE: u64 = 24;

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
    },
    /// The call's result is this (0 or a negative errno), no violation.
    Answer(i32),
    /// The kernel carries the call out in the worker, under its Landlock rules.
    Continue,
    /// A violation of the policy.
    Refuse(Refusal),
}

/// The broker's ruling and the path it concerns (absolute when the host could resolve it).
#[derive(Debug)]
pub(crate) struct Decision {
    pub(crate) ruling: Ruling,
    pub(crate) path: Option<String>,
}

/// The per-worker broker held by the listener thread.
#[derive(Debug)]
pub(crate) struct Broker {
    /// The brokered syscalls the policy allows.
    names: Vec<&'static str>,
    roots: Arc<Vec<Root>>,
    /// The worker's working directory, when it sent one and cannot change it.
    cwd: Option<PathBuf>,
    /// The Landlock-restricted opener thread.
    jobs: mpsc::Sender<Job>,
}

impl Broker {
    /// A broker for `policy`, or `None` when the policy has no read-only paths (its brokered
    /// calls then stay with the filter). `cwd` is the worker's working directory.
    pub(crate) fn start(policy: &Policy, cwd: Option<OwnedFd>) -> std::io::Result<Option<Self>> {
        if !crate::seccomp::brokers(policy) {
            return Ok(None);
        }
        let names = crate::seccomp::BROKERED
            .iter()
            .copied()
            .filter(|name| policy.syscalls.contains(*name))
            .collect();
        let roots: Vec<Root> = policy
            .read_only_paths
            .iter()
            .filter_map(|path| open_root(path))
            .collect();
        let may_move = policy.syscalls.contains("chdir") || policy.syscalls.contains("fchdir");
        let cwd = cwd
            .filter(|_| !may_move)
            .and_then(|fd| std::fs::read_link(format!("/proc/self/fd/{}", raw(&fd))).ok())
            .filter(|path| path.is_absolute());
        let jobs = start_opener(policy.read_only_paths.clone(), policy.landlock)?;
        Ok(Some(Self {
            names,
            roots: Arc::new(roots),
            cwd,
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
            _ => (Kind::Readlink, dirfd(0), path(1), 0, 0),
        };
        Request {
            kind,
            dirfd,
            path,
            flags,
            extra,
        }
    }

    /// Decides a request (the host's copy: nothing is read from the worker again).
    pub(crate) fn decide(&self, request: Request) -> Decision {
        let raw = match request.path {
            Ok(raw) => raw,
            Err(errno) => return answer(errno, None),
        };
        if raw.is_empty() {
            // An empty path names the descriptor itself (for `access` only with AT_EMPTY_PATH;
            // `readlinkat` on an `O_PATH` descriptor of a link): the kernel decides.
            let on_descriptor = request.kind == Kind::Readlink
                || (request.kind == Kind::Access
                    && request.extra & u64::from(AtFlags::EMPTY_PATH.bits()) != 0);
            if on_descriptor {
                return Decision {
                    ruling: Ruling::Continue,
                    path: None,
                };
            }
            return answer(Errno::NOENT, None);
        }
        let raw = Path::new(OsStr::from_bytes(&raw));
        let beneath_descriptor =
            request.extra & (ResolveFlags::BENEATH | ResolveFlags::IN_ROOT).bits() != 0
                && request.kind == Kind::Open;
        let absolute = if beneath_descriptor {
            None
        } else if raw.is_absolute() {
            Some(raw.to_path_buf())
        } else if request.dirfd == libc::AT_FDCWD {
            self.cwd.as_ref().map(|cwd| join_to_directory(cwd, raw))
        } else {
            None
        };
        let shown = absolute
            .as_deref()
            .unwrap_or(raw)
            .to_string_lossy()
            .into_owned();
        if request.kind == Kind::Open && request.flags & WRITE_FLAGS != 0 {
            return refuse(Refusal::WriteAccess, shown);
        }
        let Some(absolute) = absolute else {
            // Relative to a descriptor the host does not hold: Landlock decides.
            return Decision {
                ruling: Ruling::Continue,
                path: Some(shown),
            };
        };
        let mut candidates = self.candidates(&absolute);
        if candidates.is_empty() {
            return refuse(Refusal::OutsideAllowedPaths, shown);
        }
        if raw.as_os_str().as_bytes().ends_with(b"/") {
            // Keep "must be a directory": `file/.` fails with ENOTDIR as `file/` would.
            for (_, rest) in &mut candidates {
                rest.push(".");
            }
        }
        let roots = Arc::clone(&self.roots);
        let kind = request.kind;
        let (flags, extra) = (request.flags, request.extra);
        let outcome = self.run(move || resolve_and_act(&roots, &candidates, kind, flags, extra));
        let ruling = match outcome {
            None => Ruling::Answer(-libc::EACCES),
            Some(Err(Errno::XDEV)) if extra & ResolveFlags::NO_XDEV.bits() == 0 => {
                Ruling::Refuse(Refusal::Escape)
            }
            Some(Err(errno)) => Ruling::Answer(-errno.raw_os_error()),
            Some(Ok(Acted::Opened(fd))) => Ruling::Inject {
                fd,
                cloexec: flags & (libc::O_CLOEXEC as u64) != 0,
            },
            Some(Ok(Acted::Answered)) => Ruling::Answer(0),
            Some(Ok(Acted::Found)) => Ruling::Continue,
        };
        Decision {
            ruling,
            path: Some(shown),
        }
    }

    /// The allowed paths `path` starts with (lexically), each with the rest of the path.
    fn candidates(&self, path: &Path) -> Vec<(usize, PathBuf)> {
        let path: PathBuf = path.components().collect();
        let mut found = Vec::new();
        for (index, root) in self.roots.iter().enumerate() {
            for prefix in &root.prefixes {
                if let Ok(rest) = path.strip_prefix(prefix) {
                    if root.file.is_none() || rest.as_os_str().is_empty() {
                        found.push((index, rest.to_path_buf()));
                        break;
                    }
                }
            }
        }
        // The most specific allowed path first.
        found.sort_by_key(|(_, rest)| rest.components().count());
        found
    }

    /// Runs `job` on the opener thread; `None` when that thread could not confine itself.
    fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        run_on(&self.jobs, job)
    }
}

fn answer(errno: Errno, path: Option<String>) -> Decision {
    Decision {
        ruling: Ruling::Answer(-errno.raw_os_error()),
        path,
    }
}

fn refuse(refusal: Refusal, path: String) -> Decision {
    Decision {
        ruling: Ruling::Refuse(refusal),
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
        crate::notify::read_c_string(memory, address, PATH_MAX).ok_or(Errno::FAULT)?;
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
    let bytes = crate::notify::read_memory(memory, address, 24).ok_or(Errno::FAULT)?;
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
    use crate::policy::Requirement;

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
        let jobs = start_opener(Vec::new(), Requirement::Off).expect("opener");
        let broker = Broker {
            names: vec!["openat"],
            roots: Arc::new(vec![root]),
            cwd: None,
            jobs,
        };
        assert_eq!(broker.candidates(&dir.join("x")).len(), 1);
        assert_eq!(broker.candidates(&dir.join(".//x")).len(), 1);
        let sibling = PathBuf::from(format!("{}-sibling/x", dir.display()));
        assert!(broker.candidates(&sibling).is_empty());
        assert!(broker.candidates(Path::new("/")).is_empty());
    }
}
