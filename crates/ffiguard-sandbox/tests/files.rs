//! Files passed into isolated calls, through real workers under their real seccomp filter and
//! Landlock ruleset: read with no filesystem policy, never written through, refused by kind,
//! kept out of every call but their own, and no path learned from them.

mod support;

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::Duration;

use ffiguard_sandbox::files::{MAX_FILES_PER_CALL, MAX_OPEN_FILES};
use ffiguard_sandbox::test_hooks::{Hostility, after_this_call};
use ffiguard_sandbox::{
    FileError, PassedFile, Policy, Remote, RemoteError, ReplyError, Sandbox, SandboxError, isolated,
};

#[isolated]
fn read_all(file: PassedFile) -> Result<String, String> {
    let mut text = String::new();
    file.as_file()
        .read_to_string(&mut text)
        .map_err(|error| error.to_string())?;
    Ok(text)
}

/// What a worker gets when it tries to change the file through its descriptor: whether a
/// write, a truncation and a write seal succeeded.
#[isolated]
fn try_to_change(file: PassedFile) -> (bool, bool, bool) {
    let wrote = file.as_file().write(b"worker was here").is_ok();
    let truncated = file.as_file().set_len(0).is_ok();
    let sealed = rustix::fs::fcntl_add_seals(&file, rustix::fs::SealFlags::WRITE).is_ok();
    (wrote, truncated, sealed)
}

/// Reads three bytes and says where the worker's offset is then.
#[isolated]
fn read_three(mut file: PassedFile) -> (String, u64) {
    let mut bytes = [0u8; 3];
    let read = file.read(&mut bytes).unwrap_or(0);
    let offset = file.stream_position().unwrap_or(u64::MAX);
    (String::from_utf8_lossy(&bytes[..read]).into_owned(), offset)
}

/// Tries to learn the file's path, or to open it again, through `/proc/self/fd`.
#[isolated]
fn learn_path(file: PassedFile) -> (Option<String>, bool) {
    let link = format!("/proc/self/fd/{}", file.as_raw_fd());
    let path = std::fs::read_link(&link)
        .ok()
        .map(|path| path.to_string_lossy().into_owned());
    let reopened = std::fs::File::open(&link).is_ok();
    (path, reopened)
}

/// Descriptors above the setup socket open in the worker, and the passed files it counts.
#[isolated]
fn open_descriptors() -> (Vec<i32>, usize) {
    let open = (5..64)
        .filter(|fd| {
            // SAFETY: F_GETFD on any number only reads that descriptor's flags or fails with
            // EBADF; it touches no memory and closes nothing.
            unsafe { libc::fcntl(*fd, libc::F_GETFD) != -1 }
        })
        .collect();
    (open, ffiguard_sandbox::files::open_passed_files())
}

#[isolated]
fn keep(file: PassedFile) -> Result<Remote<PassedFile>, RemoteError> {
    Remote::new(file)
}

#[isolated]
fn read_kept(file: Remote<PassedFile>) -> Result<String, RemoteError> {
    file.with(|file| {
        let mut text = String::new();
        let _ = file.seek(SeekFrom::Start(0));
        let _ = file.read_to_string(&mut text);
        text
    })
}

#[isolated]
fn count(files: Vec<PassedFile>) -> usize {
    files.len()
}

/// Passes the call, then misbehaves about its descriptors after the reply is written.
#[isolated]
fn lie_about_files(files: Vec<PassedFile>, mode: u32) -> usize {
    after_this_call(match mode {
        7 => Hostility::MoreFilesTaken,
        8 => Hostility::FilesFromAnotherCall,
        _ => Hostility::None,
    });
    files.len()
}

/// The errno of `recvmsg(fd, …, MSG_DONTWAIT)` in the worker (0 when it succeeded).
#[isolated]
fn recvmsg_errno(fd: i32) -> i32 {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: zeroed is a valid msghdr (null pointers, zero lengths).
    let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
    header.msg_iov = &mut iov;
    header.msg_iovlen = 1;
    // SAFETY: `header` points at one live iovec over `byte`; no control buffer. recvmsg on a
    // descriptor that is not a socket fails without touching memory.
    let received = unsafe { libc::recvmsg(fd, &mut header, libc::MSG_DONTWAIT) };
    if received < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        0
    }
}

/// The errno of sending one byte on the setup socket (descriptor 4) from the worker, with
/// `sendmsg`: the one send every filter allows there.
#[isolated]
fn send_to_host_errno() -> i32 {
    let mut byte = [1u8];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: zeroed is a valid msghdr (null pointers, zero lengths).
    let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
    header.msg_iov = &mut iov;
    header.msg_iovlen = 1;
    // SAFETY: `header` points at one live iovec over `byte`; no control buffer. Descriptor 4
    // is the worker's setup socket (or the call fails with an errno).
    let sent = unsafe { libc::sendmsg(4, &header, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    if sent < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        0
    }
}

fn sandbox() -> Sandbox {
    sandbox_with(Policy::pure_compute())
}

fn sandbox_with(policy: Policy) -> Sandbox {
    Sandbox::builder()
        .workers(2)
        .policy(policy)
        .deadline(Duration::from_secs(10))
        .build()
        .expect("sandbox")
}

/// A file of its own in a directory of its own, removed on drop.
struct Scratch {
    directory: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let directory =
            std::env::temp_dir().join(format!("ffiguard-files-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("scratch directory");
        Self { directory }
    }

    fn file(&self, content: &str) -> (PathBuf, std::fs::File) {
        let path = self.directory.join("file.txt");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("create");
        file.write_all(content.as_bytes()).expect("write");
        (path, file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

fn passed(file: impl AsFd) -> PassedFile {
    PassedFile::read_only(file).expect("a readable regular file")
}

fn reads_a_file_with_no_filesystem_policy() {
    let scratch = Scratch::new("read");
    let (_, file) = scratch.file("line one\nline two\n");
    let sandbox = sandbox();
    let text = read_all::call(&sandbox, passed(&file))
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(text.as_deref(), Ok("line one\nline two\n"));
    // Also from an OwnedFd and a BorrowedFd, and in a session.
    let owned: OwnedFd = file.try_clone().expect("dup").into();
    let mut session = sandbox.session().expect("session");
    for argument in [passed(owned), passed(file.as_fd())] {
        let text = read_all::call_in(&mut session, argument)
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(text.as_deref(), Ok("line one\nline two\n"));
    }
    // The worker could not have opened it by name.
    assert!(
        sandbox.policy().read_only_paths.is_empty(),
        "no filesystem policy"
    );
}

/// The file is open read-write on the host; the worker's description is read-only. Fails if
/// the host passed its own descriptor instead of reopening it `O_RDONLY`.
fn writing_through_a_passed_file_fails() {
    let scratch = Scratch::new("write");
    let (path, file) = scratch.file("untouched");
    let sandbox = sandbox();
    let (wrote, truncated, _) = try_to_change::call(&sandbox, passed(&file))
        .expect("call")
        .trust_unverified("compared");
    assert!(!wrote && !truncated, "wrote {wrote}, truncated {truncated}");
    assert_eq!(
        std::fs::read_to_string(&path).ok().as_deref(),
        Some("untouched")
    );
    // A memfd's seals belong to the file, not the description: sealing needs write access.
    let memfd = rustix::fs::memfd_create(
        "passed",
        rustix::fs::MemfdFlags::CLOEXEC | rustix::fs::MemfdFlags::ALLOW_SEALING,
    )
    .expect("memfd");
    rustix::io::write(&memfd, b"sealable").expect("write");
    let (wrote, _, sealed) = try_to_change::call(&sandbox, passed(&memfd))
        .expect("call")
        .trust_unverified("compared");
    assert!(!wrote && !sealed, "wrote {wrote}, sealed {sealed}");
    assert!(rustix::io::write(&memfd, b" still writable").is_ok());
}

/// The worker reads from its own offset and moves only that one. Fails if the host passed its
/// own open file description.
fn the_hosts_offset_stays_where_it_was() {
    let scratch = Scratch::new("offset");
    let (_, mut file) = scratch.file("abcdefghij");
    file.seek(SeekFrom::Start(6)).expect("seek");
    let sandbox = sandbox();
    let (read, offset) = read_three::call(&sandbox, passed(&file))
        .expect("call")
        .trust_unverified("compared");
    assert_eq!((read.as_str(), offset), ("abc", 3));
    assert_eq!(file.stream_position().ok(), Some(6));
}

fn what_is_not_a_readable_regular_file_is_refused() {
    let scratch = Scratch::new("refused");
    let directory = std::fs::File::open(&scratch.directory).expect("directory");
    assert!(matches!(
        PassedFile::read_only(&directory),
        Err(FileError::Directory)
    ));
    let (socket, _peer) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    assert!(matches!(
        PassedFile::read_only(&socket),
        Err(FileError::Socket)
    ));
    let (reader, _writer) = std::io::pipe().expect("pipe");
    assert!(matches!(
        PassedFile::read_only(&reader),
        Err(FileError::Pipe)
    ));
    let null = std::fs::File::open("/dev/null").expect("/dev/null");
    assert!(matches!(
        PassedFile::read_only(&null),
        Err(FileError::Device)
    ));
    let path = scratch.directory.join("write-only");
    let write_only = std::fs::File::create(&path).expect("create");
    assert!(matches!(
        PassedFile::read_only(&write_only),
        Err(FileError::WriteOnly)
    ));
    let status = std::fs::File::open("/proc/self/status").expect("procfs");
    assert!(matches!(
        PassedFile::read_only(&status),
        Err(FileError::PseudoFile)
    ));
}

/// Neither `readlink` nor `open` of `/proc/self/fd/N` works in the worker: under
/// `pure_compute` both are outside the filter, and with read-only paths the broker refuses
/// procfs.
fn the_path_cannot_be_learned_through_proc() {
    let scratch = Scratch::new("path");
    let (_, file) = scratch.file("secret name");
    for policy in [
        Policy::pure_compute(),
        Policy::read_only([scratch.directory.clone()]),
    ] {
        let sandbox = sandbox_with(policy);
        let (path, reopened) = learn_path::call(&sandbox, passed(&file))
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(path, None, "the worker read the file's path");
        assert!(!reopened, "the worker reopened the file through /proc");
        let refused: Vec<String> = sandbox
            .blocked_calls()
            .into_iter()
            .map(|call| call.syscall)
            .collect();
        assert!(
            refused.iter().any(|name| name.starts_with("readlink")),
            "{refused:?}"
        );
    }
}

/// The filter lets `recvmsg` through on descriptor 4 only: elsewhere it is refused (`EPERM`),
/// not handed to the kernel (which would say `ENOTSOCK` for /dev/null on descriptor 0).
fn recvmsg_is_allowed_on_the_setup_socket_only() {
    let sandbox = sandbox();
    let on = |fd: i32| {
        recvmsg_errno::call(&sandbox, fd)
            .expect("call")
            .trust_unverified("compared")
    };
    assert_eq!(on(4), libc::EAGAIN, "nothing queued for the worker");
    assert_eq!(on(0), libc::EPERM, "recvmsg on another descriptor");
    assert_eq!(on(5), libc::EPERM);
    let named = sandbox_with(Policy::pure_compute().allow_syscall("recvmsg"));
    let errno = recvmsg_errno::call(&named, 0)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(
        errno,
        libc::ENOTSOCK,
        "a policy naming recvmsg gets it as named"
    );
}

/// The host keeps its end of the setup socket for sending files, but reads nothing on it: the
/// worker cannot queue messages (or descriptors) there.
fn the_worker_cannot_send_to_the_host() {
    let sandbox = sandbox();
    let errno = send_to_host_errno::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(errno, libc::EPIPE);
}

/// Received descriptors are closed when the call ends, unless a `Remote` keeps them; a kept
/// one is closed once its handle is dropped.
fn passed_files_do_not_outlive_their_call() {
    let scratch = Scratch::new("leak");
    let (_, file) = scratch.file("kept");
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let open = |session: &mut ffiguard_sandbox::Session<'_>| {
        open_descriptors::call_in(session)
            .expect("call")
            .trust_unverified("compared")
    };
    let (before, counted) = open(&mut session);
    assert_eq!(counted, 0);
    for _ in 0..3 {
        let text = read_all::call_in(&mut session, passed(&file))
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(text.as_deref(), Ok("kept"));
    }
    let taken = count::call_in(&mut session, vec![passed(&file), passed(&file)])
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(taken, 2);
    assert_eq!(open(&mut session), (before.clone(), 0));
    let kept = keep::call_in(&mut session, passed(&file))
        .expect("call")
        .trust_unverified("an opaque name")
        .expect("kept");
    let (during, counted) = open(&mut session);
    assert_eq!((during.len(), counted), (before.len() + 1, 1));
    let text = read_kept::call_in(&mut session, kept.clone())
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(text.as_deref(), Ok("kept"));
    drop(kept);
    assert_eq!(open(&mut session), (before, 0));
}

fn the_number_of_files_is_bounded() {
    let scratch = Scratch::new("bound");
    let (_, file) = scratch.file("x");
    let sandbox = sandbox();
    let many: Vec<PassedFile> = (0..=MAX_FILES_PER_CALL).map(|_| passed(&file)).collect();
    let error = count::call(&sandbox, many).expect_err("too many for one call");
    assert!(
        matches!(
            error,
            SandboxError::File {
                source: FileError::TooMany { .. },
                ..
            }
        ),
        "{error}"
    );
    // The worker's own bound: files kept in handles count until dropped.
    let mut session = sandbox.session().expect("session");
    let mut handles = Vec::new();
    for _ in 0..MAX_OPEN_FILES {
        let handle = keep::call_in(&mut session, passed(&file))
            .expect("call")
            .trust_unverified("an opaque name")
            .expect("kept");
        handles.push(handle);
    }
    let error = keep::call_in(&mut session, passed(&file)).expect_err("over the bound");
    assert!(
        matches!(
            error,
            SandboxError::File {
                source: FileError::WorkerFull { .. },
                ..
            }
        ),
        "{error}"
    );
    assert!(
        session.is_active(),
        "a refused call does not end the session"
    );
    handles.pop();
    keep::call_in(&mut session, passed(&file))
        .expect("room again")
        .trust_unverified("an opaque name")
        .expect("kept");
}

/// A worker whose account of the descriptors it took differs from what the host sent — one
/// more, another call's message, or some when none were sent — is out of step: typed error,
/// worker replaced.
fn a_worker_lying_about_its_files_gets_a_typed_error() {
    let scratch = Scratch::new("lie");
    let (_, file) = scratch.file("x");
    let sandbox = sandbox();
    for (files, mode) in [(1, 7), (2, 8), (0, 7)] {
        let arguments = (0..files).map(|_| passed(&file)).collect();
        let error = lie_about_files::call(&sandbox, arguments, mode).expect_err("out of step");
        assert!(
            matches!(
                &error,
                SandboxError::Reply {
                    source: ReplyError::FilesMismatch { .. },
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.worker_replaced());
    }
    let text = read_all::call(&sandbox, passed(&file))
        .expect("the next call")
        .trust_unverified("compared");
    assert_eq!(text.as_deref(), Ok("x"));
}

#[isolated]
fn leave_files_queued_next_call() {
    ffiguard_sandbox::test_hooks::leave_files_queued_next_call();
}

/// A worker that says it took its files but left them on its socket is caught by the host's
/// look at the socket's queue (they would pile up in flight, call after call).
fn a_worker_leaving_its_files_queued_gets_a_typed_error() {
    let scratch = Scratch::new("queued");
    let (_, file) = scratch.file("x");
    let sandbox = sandbox_with(Policy::pure_compute());
    let sandbox = &sandbox;
    let mut session = sandbox.session().expect("session");
    leave_files_queued_next_call::call_in(&mut session)
        .expect("call")
        .trust_unverified("nothing");
    let error = read_all::call_in(&mut session, passed(&file)).expect_err("left queued");
    assert!(
        matches!(
            &error,
            SandboxError::Reply {
                source: ReplyError::FilesNotTaken { .. },
                ..
            }
        ),
        "{error}"
    );
    assert!(!session.is_active());
}

#[isolated]
fn give_back(file: PassedFile) -> PassedFile {
    file
}

/// Files go one way: a reply holding one is refused (the worker cannot encode it).
fn a_file_cannot_travel_back() {
    let scratch = Scratch::new("back");
    let (_, file) = scratch.file("x");
    let sandbox = sandbox();
    let error = give_back::call(&sandbox, passed(&file)).expect_err("refused");
    assert!(
        matches!(
            &error,
            SandboxError::Reply {
                source: ReplyError::Panicked(message),
                ..
            } if message.contains("Serialization")
        ),
        "{error}"
    );
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        reads_a_file_with_no_filesystem_policy,
        writing_through_a_passed_file_fails,
        the_hosts_offset_stays_where_it_was,
        what_is_not_a_readable_regular_file_is_refused,
        the_path_cannot_be_learned_through_proc,
        recvmsg_is_allowed_on_the_setup_socket_only,
        the_worker_cannot_send_to_the_host,
        passed_files_do_not_outlive_their_call,
        the_number_of_files_is_bounded,
        a_worker_lying_about_its_files_gets_a_typed_error,
        a_worker_leaving_its_files_queued_gets_a_typed_error,
        a_file_cannot_travel_back,
    ]);
}
