//! [`Session`]: one worker pinned for a sequence of calls, so objects can live in it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::callbacks::Callbacks;
use crate::error::SandboxError;
use crate::host::sandbox::{Ran, Sandbox, deadline_after, deadline_from_now, recorded};
use crate::host::worker_process::WorkerProcess;
use crate::registry::Descriptor;
use crate::session::objects::{self, MAX_OBJECTS};
use crate::session::shared::{self, SessionShared};
use crate::tainted::Tainted;

/// A worker of a [`Sandbox`] held for a sequence of calls.
///
/// Isolated functions called in a session (`function::call_in(&mut session, …)`) run one after
/// the other in the same worker, so what one keeps with [`Remote::new`](crate::Remote::new) the
/// next can use. The session starts on a worker that has served no call and never moves: when
/// the worker dies, misses a deadline, panics or sends a reply that does not decode, the
/// session **ends**, and every later call fails with [`SandboxError::SessionEnded`] naming
/// the first failure — the state is gone and no fresh worker stands in for it silently. Start
/// a new session to go on.
///
/// Dropping the session, or [`Session::end`], kills its worker and gives its pool slot back.
/// Handles dropped on the host are freed in the worker with the session's next call.
///
/// ```no_run
/// use ffiguard_sandbox::{Remote, RemoteError, Sandbox, isolated};
///
/// #[isolated]
/// fn remember(text: String) -> Result<Remote<String>, RemoteError> {
///     Remote::new(text)
/// }
///
/// #[isolated]
/// fn length(text: Remote<String>) -> Result<usize, RemoteError> {
///     text.with(|text| text.len())
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// ffiguard_sandbox::init();
/// let sandbox = Sandbox::new()?;
/// let mut session = sandbox.session()?;
/// let text = remember::call_in(&mut session, "kept in the worker".into())?
///     .trust_unverified("an opaque name")?;
/// let len = length::call_in(&mut session, text)?.trust_unverified("shown only")?;
/// assert_eq!(len, 18);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Session<'s> {
    sandbox: &'s Sandbox,
    worker: Option<WorkerProcess>,
    shared: Arc<SessionShared>,
    /// Why the session ended, once it has.
    ended: Option<String>,
}

/// Frees objects whose handles the host dropped: the first part of a session call that has
/// any to free.
static FREE: Descriptor = Descriptor {
    name: "ffiguard_sandbox::session::free",
    id: crate::registry::function_id(
        "ffiguard_sandbox::session::free",
        "(Vec<(u32, u32)>) -> u32",
    ),
};

fn free_dispatch(
    request: &crate::registry::Request<'_>,
    reply: &mut crate::registry::ReplyWriter<'_>,
) -> crate::transport::wire::Status {
    crate::registry::dispatch::<(Vec<(u32, u32)>,), u32, _>(request, reply, |(ids,)| {
        objects::remove_all(&ids)
    })
}

#[linkme::distributed_slice(crate::registry::REGISTRY)]
static FREE_ENTRY: crate::registry::Entry = crate::registry::Entry {
    descriptor: &FREE,
    dispatch: free_dispatch,
};

impl Sandbox {
    /// Starts a session on a worker that has served no call, waiting for a pool slot up to
    /// the sandbox's default deadline.
    ///
    /// # Errors
    /// [`SandboxError::Busy`] when no worker became free in time; a start failure
    /// ([`SandboxError::Spawn`], [`SandboxError::Confinement`]).
    pub fn session(&self) -> Result<Session<'_>, SandboxError> {
        let deadline = self.config.deadline;
        let worker = self.acquire_fresh("session", deadline, deadline_from_now(deadline))?;
        Ok(Session {
            sandbox: self,
            worker: Some(worker),
            shared: SessionShared::new(MAX_OBJECTS),
            ended: None,
        })
    }
}

impl Session<'_> {
    /// Whether the session can still take calls.
    pub fn is_active(&self) -> bool {
        self.ended.is_none()
    }

    /// Why the session ended, if it has.
    pub fn end_cause(&self) -> Option<&str> {
        self.ended.as_deref()
    }

    /// Handles of this session alive on the host.
    pub fn live_handles(&self) -> usize {
        self.shared.live()
    }

    /// The session's worker process, while the session is active.
    pub fn worker_pid(&self) -> Option<u32> {
        self.worker.as_ref().map(WorkerProcess::pid)
    }

    /// Ends the session: kills its worker and gives its slot back to the pool. Its handles
    /// name nothing from now on.
    ///
    /// # Errors
    /// [`SandboxError::SessionEnded`] with the cause if it had already ended on a failure.
    pub fn end(mut self) -> Result<(), SandboxError> {
        match self.ended.take() {
            Some(cause) => Err(SandboxError::SessionEnded { cause }),
            None => Ok(()),
        }
    }

    /// The host side of `function::call_in`. Called by the generated shims.
    pub(crate) fn call<A: Serialize + ?Sized, R: DeserializeOwned>(
        &mut self,
        descriptor: &'static Descriptor,
        args: &A,
        deadline: Option<Duration>,
        callbacks: Option<&mut Callbacks<'_>>,
    ) -> Result<Tainted<R>, SandboxError> {
        let deadline = deadline.unwrap_or(self.sandbox.config.deadline);
        let mut started = Instant::now();
        let until = deadline_after(started, deadline);
        if let Some(pending) = self.shared.take_pending() {
            // The worker's count of what it freed is a claim nothing depends on.
            let _freed: Tainted<u32> =
                self.run(&FREE, &(pending,), (deadline, until), None, started)?;
            started = Instant::now();
        }
        self.run(descriptor, args, (deadline, until), callbacks, started)
    }

    fn run<A: Serialize + ?Sized, R: DeserializeOwned>(
        &mut self,
        descriptor: &'static Descriptor,
        args: &A,
        deadline: (Duration, Instant),
        callbacks: Option<&mut Callbacks<'_>>,
        started: Instant,
    ) -> Result<Tainted<R>, SandboxError> {
        let (Some(worker), None) = (self.worker.as_mut(), &self.ended) else {
            return Err(SandboxError::SessionEnded {
                cause: self.ended.clone().unwrap_or_default(),
            });
        };
        let sandbox = self.sandbox;
        let shared = &self.shared;
        let mut ran = None;
        let result = recorded(sandbox, descriptor, started, |record, _| {
            // Handles in the arguments and the reply are this session's while the call runs.
            let _scope = shared::enter(shared);
            match sandbox.run_on::<A, R>(worker, descriptor, args, deadline, record, callbacks) {
                Ran::Done(value) => Ok(value),
                Ran::Refused(error) => Err(error),
                Ran::Failed(error) => {
                    ran = Some(error.to_string());
                    Err(error)
                }
            }
        });
        if let Some(cause) = ran {
            self.finish(cause);
        }
        result
    }

    /// Ends the session on a failure: the worker goes, and so does everything it kept.
    fn finish(&mut self, cause: String) {
        self.shared.end();
        if let Some(worker) = self.worker.take() {
            self.sandbox.discard(worker);
        }
        self.ended = Some(cause);
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        self.shared.end();
        if let Some(worker) = self.worker.take() {
            self.sandbox.discard(worker);
        }
    }
}

/// The host side of `function::call_in`. Called by the generated shims.
///
/// # Errors
/// See [`SandboxError`]; [`SandboxError::SessionEnded`] once the session has ended.
pub fn call_in<A: Serialize, R: DeserializeOwned>(
    session: &mut Session<'_>,
    descriptor: &'static Descriptor,
    args: &A,
    deadline: Option<Duration>,
) -> Result<Tainted<R>, SandboxError> {
    session.call(descriptor, args, deadline, None)
}

/// The host side of `function::call_in_with_callbacks`. Called by the generated shims.
///
/// # Errors
/// See [`SandboxError`]; [`SandboxError::SessionEnded`] once the session has ended.
pub fn call_in_with_callbacks<A: Serialize, R: DeserializeOwned>(
    session: &mut Session<'_>,
    descriptor: &'static Descriptor,
    args: &A,
    callbacks: &mut Callbacks<'_>,
) -> Result<Tainted<R>, SandboxError> {
    session.call(descriptor, args, None, Some(callbacks))
}
