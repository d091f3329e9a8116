//! How passed descriptors reach the worker: one `SCM_RIGHTS` message per call on the setup
//! socket (descriptor 4, pinned in the worker for its life), sent by the host before it rings
//! for the call.
//!
//! Each message carries the call's sequence number and its count of descriptors. The worker
//! takes only the message numbered with the call it serves, discarding (closing) any older
//! one, and says in the control block which message it took and how many descriptors it
//! found; the host checks that against what it sent. So a descriptor can never be taken by a
//! later call than its own, whatever became of the call it was sent with. The worker's
//! receive queue holds at most what the kernel's socket buffer does, and the host never
//! blocks on it: a worker that stops taking messages makes the next send fail.
//!
//! The host shuts the reading side of its end once it has the worker's listener: the worker
//! can no longer send anything to the host on this socket (`EPIPE`).

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

/// Most files one call may pass (the kernel allows 253 per message).
pub const MAX_FILES_PER_CALL: usize = 16;
/// Most received descriptors a worker holds at once (in [`PassedFile`](super::PassedFile)s,
/// including those kept in [`Remote`](crate::Remote)s): a call that would pass more is
/// refused by the worker with [`ReplyError::TooManyFiles`](crate::ReplyError::TooManyFiles),
/// and the session goes on. Below the worker's default `RLIMIT_NOFILE` (64).
pub const MAX_OPEN_FILES: usize = 32;

/// Marks a descriptor message (first byte).
const TAG: u8 = b'F';
/// Tag, sequence number, count.
const MESSAGE_LEN: usize = 9;
/// Stale messages the worker discards before giving up on finding its call's.
const MAX_STALE: usize = 64;

/// Received descriptors held by the worker now.
pub(super) static OPEN: AtomicUsize = AtomicUsize::new(0);

pub(super) fn count_open(delta: isize) {
    if delta >= 0 {
        OPEN.fetch_add(delta.unsigned_abs(), Ordering::AcqRel);
    } else {
        OPEN.fetch_sub(delta.unsigned_abs(), Ordering::AcqRel);
    }
}

fn message(seq: u32, count: u32) -> [u8; MESSAGE_LEN] {
    let mut bytes = [0u8; MESSAGE_LEN];
    bytes[0] = TAG;
    bytes[1..5].copy_from_slice(&seq.to_le_bytes());
    bytes[5..9].copy_from_slice(&count.to_le_bytes());
    bytes
}

/// Host: sends `fds` for call `seq`, without blocking.
pub(crate) fn send(socket: BorrowedFd<'_>, seq: u32, fds: &[RawFd]) -> std::io::Result<()> {
    let count = u32::try_from(fds.len()).map_err(std::io::Error::other)?;
    let borrowed: Vec<BorrowedFd<'_>> = fds
        .iter()
        // SAFETY: the numbers were collected from the `PassedFile`s of the arguments being
        // sent, which the caller holds (by reference) until the call returns; so each is open
        // for the duration of this send.
        .map(|fd| unsafe { BorrowedFd::borrow_raw(*fd) })
        .collect();
    let mut space =
        [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FILES_PER_CALL))];
    let mut ancillary = SendAncillaryBuffer::new(&mut space);
    if !ancillary.push(SendAncillaryMessage::ScmRights(&borrowed)) {
        return Err(std::io::Error::other(
            "too many descriptors for one message",
        ));
    }
    let bytes = message(seq, count);
    let sent = rustix::net::sendmsg(
        socket,
        &[IoSlice::new(&bytes)],
        &mut ancillary,
        SendFlags::DONTWAIT | SendFlags::NOSIGNAL,
    )?;
    if sent != MESSAGE_LEN {
        return Err(std::io::Error::other("descriptor message cut short"));
    }
    Ok(())
}

/// Host: after the listener arrived, nothing more is read from the worker on this socket.
pub(crate) fn close_return_path(socket: BorrowedFd<'_>) {
    let _ = rustix::net::shutdown(socket, rustix::net::Shutdown::Read);
    // Whatever the worker queued before (a lying worker's extra messages) is dropped now, with
    // any descriptors in it, rather than held for the worker's life.
    for _ in 0..MAX_STALE {
        let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(4))];
        let mut ancillary = RecvAncillaryBuffer::new(&mut space);
        let mut bytes = [0u8; 16];
        let received = rustix::net::recvmsg(
            socket,
            &mut [IoSliceMut::new(&mut bytes)],
            &mut ancillary,
            RecvFlags::DONTWAIT | RecvFlags::CMSG_CLOEXEC,
        );
        ancillary.drain().for_each(drop);
        if !matches!(received, Ok(message) if message.bytes > 0) {
            break;
        }
    }
}

/// Host: bytes of messages sent on `socket` that the worker has not taken yet (for a Unix
/// socket, `SIOCOUTQ` counts what the sender queued until the receiver frees it).
pub(crate) fn unread(socket: BorrowedFd<'_>) -> std::io::Result<usize> {
    let mut queued: libc::c_int = 0;
    // SAFETY: SIOCOUTQ (TIOCOUTQ's number) writes one c_int through the pointer, which points
    // at the local above; `socket` is an open descriptor for the duration of the call.
    let result = unsafe { libc::ioctl(socket.as_raw_fd(), libc::TIOCOUTQ, &raw mut queued) };
    if result < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(usize::try_from(queued).unwrap_or(usize::MAX))
}

/// Why the worker found no descriptors for its call.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// No message for this call was queued.
    NoMessage,
    /// The call's message held another number of descriptors than announced.
    Count,
}

/// Worker: takes the descriptors sent for call `seq` (`expected` of them), closing those of
/// any older message on the way.
pub(crate) fn receive(
    socket: BorrowedFd<'_>,
    seq: u32,
    expected: u32,
) -> Result<Vec<OwnedFd>, Missing> {
    for _ in 0..MAX_STALE {
        let mut space =
            [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FILES_PER_CALL))];
        let mut ancillary = RecvAncillaryBuffer::new(&mut space);
        let mut bytes = [0u8; MESSAGE_LEN];
        let Ok(received) = rustix::net::recvmsg(
            socket,
            &mut [IoSliceMut::new(&mut bytes)],
            &mut ancillary,
            RecvFlags::DONTWAIT | RecvFlags::CMSG_CLOEXEC,
        ) else {
            return Err(Missing::NoMessage);
        };
        let mut fds = Vec::new();
        for message in ancillary.drain() {
            if let RecvAncillaryMessage::ScmRights(received) = message {
                fds.extend(received);
            }
        }
        if received.bytes != MESSAGE_LEN || bytes[0] != TAG {
            // Not a descriptor message: whatever it carried is closed with `fds`.
            continue;
        }
        let number = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        let count = u32::from_le_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]);
        if number != seq {
            continue;
        }
        let truncated = received.flags.contains(rustix::net::ReturnFlags::CTRUNC);
        if truncated || count != expected || u32::try_from(fds.len()).ok() != Some(count) {
            return Err(Missing::Count);
        }
        return Ok(fds);
    }
    Err(Missing::NoMessage)
}

#[cfg(test)]
mod tests {
    use std::os::fd::{AsFd, AsRawFd};

    use super::*;

    fn pair() -> (OwnedFd, OwnedFd) {
        rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::SEQPACKET,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .expect("socketpair")
    }

    fn inode(fd: BorrowedFd<'_>) -> u64 {
        rustix::fs::fstat(fd).map(|stat| stat.st_ino).unwrap_or(0)
    }

    /// A message left from an earlier call (its decoding failed before it was taken) is
    /// closed, never handed to the next call.
    #[test]
    fn a_stale_message_is_discarded_not_shifted() {
        let (host, worker) = pair();
        let old = std::fs::File::open("/dev/null").expect("open");
        let new = std::fs::File::open(std::env::temp_dir()).expect("open");
        send(host.as_fd(), 1, &[old.as_raw_fd()]).expect("send 1");
        send(host.as_fd(), 2, &[new.as_raw_fd()]).expect("send 2");
        let fds = receive(worker.as_fd(), 2, 1).expect("call 2's");
        assert_eq!(fds.len(), 1);
        assert_eq!(inode(fds[0].as_fd()), inode(new.as_fd()));
        assert_eq!(
            receive(worker.as_fd(), 3, 1).err(),
            Some(Missing::NoMessage)
        );
    }

    #[test]
    fn a_count_other_than_announced_is_refused() {
        let (host, worker) = pair();
        let file = std::fs::File::open("/dev/null").expect("open");
        send(host.as_fd(), 5, &[file.as_raw_fd(), file.as_raw_fd()]).expect("send");
        assert_eq!(receive(worker.as_fd(), 5, 1).err(), Some(Missing::Count));
    }

    #[test]
    fn after_the_return_path_is_closed_the_worker_cannot_send() {
        let (host, worker) = pair();
        close_return_path(host.as_fd());
        let file = std::fs::File::open("/dev/null").expect("open");
        assert!(send(worker.as_fd(), 1, &[file.as_raw_fd()]).is_err());
        // The host still sends.
        send(host.as_fd(), 1, &[file.as_raw_fd()]).expect("send");
        assert_eq!(
            receive(worker.as_fd(), 1, 1).map(|fds| fds.len()).ok(),
            Some(1)
        );
    }
}
