//! Files passed into isolated calls, capability style: the host hands a worker one open,
//! read-only file, and the worker needs no filesystem policy to read it.
//!
//! - [`PassedFile`] is what an isolated function takes: made on the host from an open file
//!   ([`PassedFile::read_only`]), received in the worker as an open descriptor;
//! - `admit` — the host's checks (a regular, readable file) and its reopening `O_RDONLY`
//!   through `/proc/self/fd`, so that the worker gets an open file description of its own;
//! - `channel` — the descriptors' way over: an `SCM_RIGHTS` message on the setup socket per
//!   call, numbered with the call, and the worker's bound on how many it holds.
//!
//! Files go one way only: a worker cannot return a descriptor to the host.

mod admit;
pub(crate) mod channel;

use std::cell::RefCell;
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::Ordering;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use channel::{MAX_FILES_PER_CALL, MAX_OPEN_FILES};

/// Why a file cannot be passed into an isolated call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// A directory: a worker holding it could open what lies beneath it with `openat`.
    #[error("a directory cannot be passed: only regular files are")]
    Directory,
    /// A socket: a worker could talk through it.
    #[error("a socket cannot be passed: only regular files are")]
    Socket,
    /// A pipe or FIFO: reading it takes data from its other readers.
    #[error("a pipe cannot be passed: only regular files are")]
    Pipe,
    /// A character or block device.
    #[error("a device cannot be passed: only regular files are")]
    Device,
    /// Another kind of file (a symbolic link opened with `O_PATH`, or an unknown type).
    #[error("this kind of file cannot be passed: only regular files are")]
    NotRegular,
    /// Open for writing only: the host holds no right to read it, so neither may the worker.
    #[error("the file is open for writing only")]
    WriteOnly,
    /// An `O_PATH` descriptor, which opens nothing: the host holds no right to read it.
    #[error("the descriptor is an O_PATH descriptor, which grants no reading")]
    PathOnly,
    /// A file of a pseudo-filesystem (procfs, sysfs, …), whose content depends on who reads
    /// it: `/proc/self/…` would be the host's.
    #[error("a file of a pseudo-filesystem (procfs, sysfs, …) cannot be passed")]
    PseudoFile,
    /// The file could not be looked at.
    #[error("cannot inspect the file")]
    Inspect(#[source] std::io::Error),
    /// The file could not be opened again read-only (through `/proc/self/fd`).
    #[error("cannot reopen the file read-only")]
    Reopen(#[source] std::io::Error),
    /// The reopened file is not the one passed (it was replaced in between).
    #[error("the reopened file is not the file passed")]
    Replaced,
    /// More files in one call's arguments than [`MAX_FILES_PER_CALL`].
    #[error("{given} files in one call; at most {max} may be passed")]
    TooMany {
        /// Files in the arguments.
        given: usize,
        /// The bound.
        max: usize,
    },
    /// The worker says it already holds [`MAX_OPEN_FILES`] received descriptors (kept in
    /// [`Remote`](crate::Remote)s): it closed this call's files and did not run the call.
    #[error("the worker already holds the most passed files it may ({max})")]
    WorkerFull {
        /// The bound.
        max: usize,
    },
    /// The files could not be sent to the worker (it did not take earlier messages, or shut
    /// its end).
    #[error("cannot send the files to the worker")]
    Send(#[source] std::io::Error),
}

/// A read-only file passed into an isolated call.
///
/// On the host, [`PassedFile::read_only`] accepts any open regular file (a [`File`], an
/// [`OwnedFd`], a [`BorrowedFd`]) and opens it again, read-only, as a new open file
/// description: the worker receives that one, so it cannot write through it, change the
/// flags the host's descriptor has, or move the host's file offset. In the isolated function
/// the argument is an open file the worker reads without any filesystem policy (the default
/// [`Policy::pure_compute`](crate::Policy::pure_compute) is enough); reading starts at offset
/// 0 of the worker's own description, whatever the host's offset.
///
/// The worker closes the descriptor when the value is dropped: at the end of the call, or
/// later if it keeps it in a [`Remote`](crate::Remote) (sessions). What a worker can learn from
/// it: the file's content and `fstat` (size, inode, owner, mode, times); not its path
/// (`docs/sessions.md`, "Files passed in").
///
/// ```no_run
/// use std::io::Read;
/// use ffiguard_sandbox::{PassedFile, Sandbox, isolated};
///
/// #[isolated]
/// fn count_lines(file: PassedFile) -> Result<usize, String> {
///     let mut text = String::new();
///     file.as_file()
///         .read_to_string(&mut text)
///         .map_err(|error| error.to_string())?;
///     Ok(text.lines().count())
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// ffiguard_sandbox::init();
/// let sandbox = Sandbox::new()?; // pure_compute: no filesystem at all
/// let file = std::fs::File::open("/etc/hostname")?;
/// let lines = count_lines::call(&sandbox, PassedFile::read_only(&file)?)?
///     .trust_unverified("shown only")?;
/// println!("{lines}");
/// # Ok(())
/// # }
/// ```
///
/// A `PassedFile` cannot travel back: a reply that holds one is refused.
pub struct PassedFile {
    file: File,
    /// Counted in the worker's bound on received descriptors.
    counted: bool,
}

impl PassedFile {
    /// Checks that `file` is a regular file open for reading and opens it again read-only
    /// (through `/proc/self/fd`), for passing into an isolated call.
    ///
    /// # Errors
    /// [`FileError::Directory`], [`FileError::Socket`], [`FileError::Pipe`],
    /// [`FileError::Device`], [`FileError::NotRegular`] for anything but a regular file;
    /// [`FileError::WriteOnly`] and [`FileError::PathOnly`] for descriptors that grant no
    /// reading; [`FileError::PseudoFile`] for files of procfs, sysfs and the like;
    /// [`FileError::Inspect`], [`FileError::Reopen`], [`FileError::Replaced`] when the file
    /// cannot be looked at or reopened (no `/proc`, no read permission).
    pub fn read_only(file: impl AsFd) -> Result<Self, FileError> {
        let reopened = admit::reopen_read_only(file.as_fd())?;
        Ok(Self {
            file: File::from(reopened),
            counted: false,
        })
    }

    /// The open file (read it, `seek`, `metadata`).
    pub fn as_file(&self) -> &File {
        &self.file
    }

    /// A received descriptor, counted against the worker's bound until dropped.
    fn received(fd: OwnedFd) -> Self {
        channel::count_open(1);
        Self {
            file: File::from(fd),
            counted: true,
        }
    }
}

impl Drop for PassedFile {
    fn drop(&mut self) {
        if self.counted {
            channel::count_open(-1);
        }
    }
}

impl fmt::Debug for PassedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassedFile")
            .field("fd", &self.file.as_raw_fd())
            .finish()
    }
}

impl AsFd for PassedFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// For handing the descriptor to a C library in the worker (which must not close it: the
/// `PassedFile` does).
impl AsRawFd for PassedFile {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

impl Read for PassedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

impl Read for &PassedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (&self.file).read(buf)
    }
}

impl Seek for PassedFile {
    fn seek(&mut self, position: SeekFrom) -> std::io::Result<u64> {
        self.file.seek(position)
    }
}

thread_local! {
    /// Descriptors of the arguments the host is encoding on this thread, in wire order.
    static OUTGOING: RefCell<Option<Vec<RawFd>>> = const { RefCell::new(None) };
    /// Descriptors received for the call the worker is decoding on this thread, by index.
    static INCOMING: RefCell<Option<Vec<Option<OwnedFd>>>> = const { RefCell::new(None) };
}

/// Runs `encode` (the host encoding a call's arguments) collecting the descriptors of the
/// [`PassedFile`]s in them; returns its result and the descriptors, in wire order. Each
/// descriptor is listed once, however often the encoder passes over the value.
pub(crate) fn collecting<T>(encode: impl FnOnce() -> T) -> (T, Vec<RawFd>) {
    let previous = OUTGOING.with(|outgoing| outgoing.replace(Some(Vec::new())));
    let result = encode();
    let collected = OUTGOING.with(|outgoing| outgoing.replace(previous));
    (result, collected.unwrap_or_default())
}

/// Runs `decode` (the worker decoding a call's arguments and running it) with `received`
/// available to the [`PassedFile`]s in the arguments; every descriptor no argument took is
/// closed when this returns, so none is left for a later call.
pub(crate) fn providing<T>(received: Vec<OwnedFd>, decode: impl FnOnce() -> T) -> T {
    let slots = received.into_iter().map(Some).collect();
    let previous = INCOMING.with(|incoming| incoming.replace(Some(slots)));
    let result = decode();
    // Dropping the slots closes what was not taken.
    drop(INCOMING.with(|incoming| incoming.replace(previous)));
    result
}

/// Refusal of a `PassedFile` outside a call's arguments (a reply, or a serializer of the
/// caller's own).
const ONLY_ARGUMENTS: &str =
    "a PassedFile travels only into an isolated call, as one of its arguments";

impl Serialize for PassedFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fd = self.file.as_raw_fd();
        let index = OUTGOING.with(|outgoing| {
            let mut outgoing = outgoing.borrow_mut();
            let list = outgoing.as_mut()?;
            let index = match list.iter().position(|known| *known == fd) {
                Some(index) => index,
                None => {
                    list.push(fd);
                    list.len() - 1
                }
            };
            u32::try_from(index).ok()
        });
        match index {
            Some(index) => serializer.serialize_u32(index),
            None => Err(S::Error::custom(ONLY_ARGUMENTS)),
        }
    }
}

impl<'de> Deserialize<'de> for PassedFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let index = u32::deserialize(deserializer)?;
        let taken = INCOMING.with(|incoming| {
            let mut incoming = incoming.borrow_mut();
            let slots = incoming.as_mut().ok_or(ONLY_ARGUMENTS)?;
            usize::try_from(index)
                .ok()
                .and_then(|index| slots.get_mut(index))
                .and_then(Option::take)
                .ok_or("no descriptor was received for this argument (or it was taken twice)")
        });
        taken.map(Self::received).map_err(D::Error::custom)
    }
}

/// Received descriptors the worker holds now (in [`PassedFile`]s, including those kept in
/// [`Remote`](crate::Remote)s). Call it in an isolated function; on the host it counts
/// nothing.
pub fn open_passed_files() -> usize {
    channel::OPEN.load(Ordering::Acquire)
}
