//! The host's check of a worker's confinement: the layers it reported against those the policy
//! requires, and the hand-over of its seccomp listener to a host thread.

use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;

use crate::confine::status::{ConfinementStatus, Layers};
use crate::error::SandboxError;
use crate::monitor::blocked::BlockedLog;
use crate::monitor::listener::{self, Listener};
use crate::policy::{OnViolation, Policy};

/// What the host needs to confine its workers: the policy and where blocked calls go.
#[derive(Debug, Clone)]
pub(crate) struct Confinement {
    pub(crate) policy: Policy,
    pub(crate) log: BlockedLog,
}

/// Explains a worker's confinement failure word (step in the high half, errno in the low).
pub(crate) fn describe_failure(word: u64) -> String {
    let step = word >> 32;
    let errno = word & 0xffff_ffff;
    let reason = crate::confine::Step::describe(step);
    if errno == 0 {
        reason.to_owned()
    } else {
        let error = std::io::Error::from_raw_os_error(i32::try_from(errno).unwrap_or(0));
        format!("{reason}: {error}")
    }
}

/// The error for a worker that stopped in its confinement step (detail word from the worker);
/// [`with_required`] fills in what the policy required.
pub(crate) fn failed(word: u64) -> SandboxError {
    SandboxError::Confinement {
        reason: describe_failure(word),
        required: Layers::empty(),
        in_force: Layers::empty(),
    }
}

/// Fills the required layers into a confinement error from [`failed`].
pub(crate) fn with_required(error: SandboxError, policy: &Policy) -> SandboxError {
    match error {
        SandboxError::Confinement {
            reason, in_force, ..
        } => SandboxError::Confinement {
            reason,
            required: policy.required_layers(),
            in_force,
        },
        other => other,
    }
}

/// Checks the status a ready worker reported, against the policy and against what the kernel
/// shows of the worker from outside (see [`crate::monitor::inspect`]), and starts serving its listener.
pub(crate) fn accept(
    confinement: &Confinement,
    status_word: u64,
    setup_socket: &OwnedFd,
    worker_pid: u32,
) -> Result<(ConfinementStatus, Option<Listener>), SandboxError> {
    let status = ConfinementStatus::unpack(status_word);
    let required = confinement.policy.required_layers();
    let refuse = |reason: String, in_force: Layers| SandboxError::Confinement {
        reason,
        required,
        in_force,
    };
    let missing = required.missing_from(status.layers);
    if !missing.is_empty() {
        return Err(refuse(
            format!("the worker could not put in force: {missing}"),
            status.layers,
        ));
    }
    // The worker is ready, so the layers it reports are in force for good (none can be lifted
    // again) and what `/proc` shows now holds for every later call.
    if let Some(contradiction) = crate::monitor::inspect::contradiction(worker_pid, status.layers) {
        return Err(refuse(
            format!("the worker's report was contradicted: {contradiction}"),
            status.layers,
        ));
    }
    if !status.layers.contains(Layers::NOTIFY) {
        return Ok((status, None));
    }
    // The worker sent the listener before it reported ready, so it is already queued.
    let received = receive_listener(setup_socket).ok_or_else(|| {
        refuse(
            "the worker reported a seccomp listener but sent none".into(),
            status.layers,
        )
    })?;
    if let Some(instead) = crate::monitor::inspect::not_a_listener(&received.listener) {
        return Err(refuse(
            format!(
                "the worker's report was contradicted: it reported a seccomp listener and sent {instead}"
            ),
            status.layers,
        ));
    }
    let on_violation = match confinement.policy.on_violation {
        OnViolation::AllowAndLog => OnViolation::AllowAndLog,
        OnViolation::Kill => OnViolation::Kill,
        _ => OnViolation::Deny,
    };
    let thread = listener::serve(
        received,
        worker_pid,
        &confinement.policy,
        on_violation,
        confinement.log.clone(),
    )
    .map_err(|e| {
        refuse(
            format!("cannot start the listener thread: {e}"),
            status.layers,
        )
    })?;
    Ok((status, Some(thread)))
}

/// Receives the listener and, when the worker could open them, its `/proc/self/mem` and (for
/// the filesystem broker) its working directory.
fn receive_listener(socket: &OwnedFd) -> Option<listener::Received> {
    let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(3))];
    let mut ancillary = rustix::net::RecvAncillaryBuffer::new(&mut space);
    let mut message = [0u8; 2];
    rustix::net::recvmsg(
        socket,
        &mut [std::io::IoSliceMut::new(&mut message)],
        &mut ancillary,
        rustix::net::RecvFlags::DONTWAIT | rustix::net::RecvFlags::CMSG_CLOEXEC,
    )
    .ok()?;
    let mut received = Vec::new();
    for message in ancillary.drain() {
        if let rustix::net::RecvAncillaryMessage::ScmRights(fds) = message {
            // Any extra descriptor a lying worker sent is dropped (closed) here.
            received.extend(fds.take(3));
        }
    }
    let mask = message[1];
    let mut received = received.into_iter();
    let listener = received.next()?;
    let memory = if mask & crate::confine::SENT_MEMORY != 0 {
        received.next()
    } else {
        None
    };
    let cwd = if mask & crate::confine::SENT_CWD != 0 {
        received.next()
    } else {
        None
    };
    Some(listener::Received {
        listener,
        memory,
        cwd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_missing_a_required_layer_is_refused_by_name() {
        let confinement = Confinement {
            policy: Policy::pure_compute(),
            log: BlockedLog::default(),
        };
        let (socket, _other) = rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::SEQPACKET,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .expect("socketpair");
        let reported = ConfinementStatus {
            layers: Layers::SECCOMP
                .with(Layers::NO_NEW_PRIVS)
                .with(Layers::NOTIFY),
            landlock_abi: 0,
        };
        let error = accept(&confinement, reported.pack(), &socket, 1).err();
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("could not put in force: landlock"), "{text}");
        assert!(describe_failure((3 << 32) | 95).starts_with("the Landlock ruleset"));
    }
}
