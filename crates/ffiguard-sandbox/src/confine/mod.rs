//! The worker's confinement step: namespaces, `PR_SET_NO_NEW_PRIVS`, Landlock, seccomp (in that
//! order: each later layer would forbid setting up the earlier ones), then the notification
//! listener goes to the host. Returns the layers in force, which the host checks against the
//! policy; a required layer that fails stops the worker with a code naming the layer.

pub(crate) mod capabilities;
pub(crate) mod landlock;
pub(crate) mod namespaces;
pub(crate) mod seccomp;
pub(crate) mod status;

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};

use crate::confine::status::{ConfinementStatus, Layers};
use crate::host::spawn::SETUP_SOCKET_FD;
use crate::policy::rules::{brokers, listens};
use crate::policy::{Policy, Requirement};
use seccomp::FilterError;

/// Which step failed, carried in the high half of the worker's setup detail word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Namespaces = 1,
    NoNewPrivs = 2,
    Landlock = 3,
    SeccompCompile = 4,
    SeccompInstall = 5,
    SendListener = 6,
    AlwaysBlocked = 7,
    UnknownSyscall = 8,
    NotDumpable = 9,
    Capabilities = 10,
}

impl Step {
    pub(crate) fn describe(code: u64) -> &'static str {
        match code {
            1 => "namespaces (user, net, ipc) could not be entered",
            2 => "PR_SET_NO_NEW_PRIVS could not be set",
            3 => "the Landlock ruleset could not be enforced",
            4 => "the seccomp filter could not be compiled",
            5 => "the kernel refused the seccomp filter",
            6 => "the seccomp listener could not be handed to the host",
            7 => "the policy allows an always-blocked syscall",
            8 => "the policy names a syscall this architecture does not know",
            9 => "the worker could not make itself non-dumpable",
            10 => "the worker could not drop its capabilities",
            _ => "an unknown confinement step failed",
        }
    }
}

/// A failed step and its errno (0 when there is none).
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) step: Step,
    pub(crate) errno: i32,
}

impl Failure {
    pub(crate) fn pack(&self) -> u64 {
        ((self.step as u64) << 32) | u64::try_from(self.errno).unwrap_or(0)
    }
}

fn failure(step: Step, error: &std::io::Error) -> Failure {
    Failure {
        step,
        errno: error.raw_os_error().unwrap_or(0),
    }
}

/// Opens the worker's `/proc/self/mem`, sent to the host with the listener so that it can
/// read blocked calls' arguments. Access to it is checked when it is opened, so this works
/// for an unprivileged host; it must happen before the worker makes itself non-dumpable (which
/// hands its `/proc` entries to root) and before Landlock.
pub(crate) fn open_own_memory() -> Option<OwnedFd> {
    // Read-write: the filesystem broker answers `readlinkat` by writing the link's target
    // into the worker's buffer itself, so that the kernel never reads the path again.
    rustix::fs::open(
        "/proc/self/mem",
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()
}

/// In the listener message's mask: the worker's `/proc/self/mem` follows the listener.
pub(crate) const SENT_MEMORY: u8 = 1;
/// In the listener message's mask: the worker's working directory follows.
pub(crate) const SENT_CWD: u8 = 2;

/// The working directory as an `O_PATH` descriptor: the host reads which directory it is
/// (the worker cannot change it afterwards unless its policy allows `chdir`/`fchdir`).
fn open_working_directory() -> Option<OwnedFd> {
    rustix::fs::open(
        ".",
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()
}

/// Applies `policy` to this (single-threaded) worker; `memory` is from [`open_own_memory`].
pub(crate) fn apply(
    policy: &Policy,
    memory: Option<OwnedFd>,
) -> Result<ConfinementStatus, Failure> {
    // SAFETY: the spawner put the worker's end of the setup socket on this number before exec
    // and nothing else in this process owns it.
    let socket = unsafe { OwnedFd::from_raw_fd(SETUP_SOCKET_FD) };
    let mut layers = Layers::empty();
    let landlock_abi = crate::confine::landlock::kernel_abi();

    if policy.namespaces != Requirement::Off {
        match crate::confine::namespaces::enter() {
            Ok(()) => layers = layers.with(Layers::NAMESPACES),
            Err(error) if policy.namespaces == Requirement::Required => {
                return Err(failure(Step::Namespaces, &error));
            }
            Err(_) => {}
        }
    }
    if policy.seccomp != Requirement::Off || policy.landlock != Requirement::Off {
        // After the user namespace (whose capabilities it drops too), before the filter
        // (which refuses capset).
        crate::confine::capabilities::drop_all()
            .map_err(|error| failure(Step::Capabilities, &error))?;
        rustix::thread::set_no_new_privs(true)
            .map_err(|error| failure(Step::NoNewPrivs, &error.into()))?;
        layers = layers.with(Layers::NO_NEW_PRIVS);
    }
    if policy.landlock != Requirement::Off {
        match crate::confine::landlock::restrict(&policy.read_only_paths) {
            Ok(achieved) => layers = layers.with(achieved),
            Err(_) if policy.landlock == Requirement::Required => {
                return Err(Failure {
                    step: Step::Landlock,
                    errno: 0,
                });
            }
            Err(_) => {}
        }
        if policy.landlock == Requirement::Required && !layers.contains(Layers::LANDLOCK) {
            return Err(Failure {
                step: Step::Landlock,
                errno: libc::EOPNOTSUPP,
            });
        }
    }
    if policy.seccomp != Requirement::Off {
        match install_filters(policy, socket.as_fd(), memory.as_ref()) {
            Ok(notify) => {
                layers = layers.with(Layers::SECCOMP);
                if notify {
                    layers = layers.with(Layers::NOTIFY);
                }
            }
            Err(failed) if policy.seccomp == Requirement::Required => return Err(failed),
            Err(_) => {}
        }
    }
    // The setup socket stays open for the worker's whole life (the host closes its end once
    // it has the listener, so sending on it fails with EPIPE): the filter refuses closing or
    // replacing descriptor 4 (`policy::rules`), so no later socket can take its number and
    // inherit the setup-only `sendmsg` rule of a policy that does not name `sendmsg`.
    let _pinned = socket.into_raw_fd();
    drop(memory);
    Ok(ConfinementStatus {
        layers,
        landlock_abi,
    })
}

fn install_filters(
    policy: &Policy,
    socket: BorrowedFd<'_>,
    memory: Option<&OwnedFd>,
) -> Result<bool, Failure> {
    let compile_failure = |error: FilterError| match error {
        FilterError::AlwaysBlocked => Failure {
            step: Step::AlwaysBlocked,
            errno: 0,
        },
        FilterError::UnknownSyscall => Failure {
            step: Step::UnknownSyscall,
            errno: 0,
        },
        FilterError::Compile => Failure {
            step: Step::SeccompCompile,
            errno: 0,
        },
        FilterError::Install(error) => failure(Step::SeccompInstall, &error),
    };
    // Both programs are compiled before either is installed: compiling allocates and may need
    // syscalls the filters forbid.
    let clone3 = seccomp::clone3_enosys().map_err(compile_failure)?;
    let allowlist = seccomp::allowlist(policy, std::process::id()).map_err(compile_failure)?;
    let listen = listens(policy);
    // The filesystem broker resolves relative paths against the working directory; opened
    // before the filter, which sends `openat` to a listener nobody serves yet.
    let cwd = if brokers(policy) {
        open_working_directory()
    } else {
        None
    };
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(3))];
    seccomp::install(&clone3, false).map_err(compile_failure)?;
    let listener = seccomp::install(&allowlist, listen).map_err(compile_failure)?;
    let Some(listener) = listener else {
        return Ok(false);
    };
    let mut ancillary = rustix::net::SendAncillaryBuffer::new(&mut space);
    let mut fds = vec![listener.as_fd()];
    fds.extend(memory.map(AsFd::as_fd));
    fds.extend(cwd.as_ref().map(AsFd::as_fd));
    if !ancillary.push(rustix::net::SendAncillaryMessage::ScmRights(&fds)) {
        return Err(Failure {
            step: Step::SendListener,
            errno: 0,
        });
    }
    // The second byte says which optional descriptors follow the listener.
    let mask = (u8::from(memory.is_some()) * SENT_MEMORY) | (u8::from(cwd.is_some()) * SENT_CWD);
    rustix::net::sendmsg(
        socket,
        &[IoSlice::new(&[b'L', mask])],
        &mut ancillary,
        rustix::net::SendFlags::empty(),
    )
    .map_err(|error| failure(Step::SendListener, &error.into()))?;
    Ok(true)
}
