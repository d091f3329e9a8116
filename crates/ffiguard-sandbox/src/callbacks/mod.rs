//! Callbacks: an isolated function calls host functions it was given for that call (read more
//! input, report progress, log), over the same shared region.
//!
//! - [`HostFn`] names a host function and its types, once, for both sides: the worker calls
//!   it ([`HostFn::call`]), the host gives a handler for it to one call ([`Callbacks::on`]);
//! - `host` — the host's side of one callback: the bounds, the lookup in the call's table, the
//!   handler run with its argument [`Tainted`] and its panics caught;
//! - `worker` — the worker's side: the request in the callback area, the wait for the answer.
//!
//! A callback is a request the worker posts in the callback area during a call; the host,
//! waiting for the call's reply, answers it from the table given to that call only, and goes
//! on waiting, under the call's deadline. A worker cannot reach a host function it was not
//! given: an unknown id gets [`CallbackError::Unknown`], nothing runs.

pub(crate) mod host;
pub(crate) mod worker;

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::tainted::Tainted;

/// Most callbacks one call may make before the host ends it ([`Callbacks::max_calls`]
/// changes it for one call).
pub const DEFAULT_MAX_CALLBACKS: u64 = 1 << 20;
/// Most callback handlers nested on one host thread (a handler that makes an isolated call
/// whose worker calls back, and so on): deeper callbacks get [`CallbackError::TooDeep`].
pub const MAX_CALLBACK_DEPTH: usize = 4;

/// The status of the host's answer to a callback.
pub(crate) mod status {
    /// The payload is the handler's encoded result.
    pub(crate) const OK: u32 = 0;
    /// No handler with that id was given to the call.
    pub(crate) const UNKNOWN: u32 = 1;
    /// The arguments did not decode as the handler's argument type.
    pub(crate) const BAD_ARGUMENTS: u32 = 2;
    /// The handler panicked (the call fails on the host too).
    pub(crate) const HANDLER_FAILED: u32 = 3;
    /// Handlers were nested [`MAX_CALLBACK_DEPTH`](super::MAX_CALLBACK_DEPTH) deep already.
    pub(crate) const TOO_DEEP: u32 = 4;
    /// The result does not fit the callback area.
    pub(crate) const RESULT_TOO_LARGE: u32 = 5;
}

/// Why a callback failed: what [`HostFn::call`] returns in the worker, and what a call whose
/// callback failed on the host returns ([`SandboxError::Callback`](crate::SandboxError)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum CallbackError {
    /// The call was given no handler for this host function.
    #[error("the call was given no host function `{0}`")]
    Unknown(String),
    /// The host could not decode the arguments as the host function's argument type.
    #[error("the host refused the callback's arguments")]
    BadArguments,
    /// The handler panicked; the call fails on the host with the panic's message.
    #[error("the host function panicked: {0}")]
    HandlerPanicked(String),
    /// Handlers were already nested [`MAX_CALLBACK_DEPTH`] deep on the host.
    #[error("callbacks nested deeper than {MAX_CALLBACK_DEPTH}")]
    TooDeep,
    /// The arguments or the result do not fit the callback area (64 KiB).
    #[error("the callback's arguments or result exceed 64 KiB")]
    TooLarge,
    /// The arguments could not be encoded.
    #[error("cannot encode the callback's arguments: {0}")]
    Encode(String),
    /// The host's answer did not decode as the result type.
    #[error("the host's answer did not decode")]
    BadAnswer,
    /// Called outside a worker's call: there is no host to call.
    #[error("no host to call: not inside an isolated call in a worker")]
    NoHost,
    /// The call made more callbacks than its bound; the host ended it.
    #[error("more than {max} callbacks in one call")]
    TooMany {
        /// The bound.
        max: u64,
    },
}

/// A host function an isolated function may call back, by name and types.
///
/// Declare it once, as a `static` both sides see; the host gives a handler for it to a call
/// with [`Callbacks::on`], and the isolated function calls it with [`HostFn::call`]. The
/// argument reaches the handler [`Tainted`]: it came from the worker.
///
/// ```no_run
/// use ffiguard_sandbox::callbacks::{Callbacks, HostFn};
/// use ffiguard_sandbox::{Sandbox, isolated};
///
/// /// Progress in per mille.
/// static PROGRESS: HostFn<u32, ()> = HostFn::new("progress");
///
/// #[isolated]
/// fn long_job(steps: u32) -> u32 {
///     for step in 0..steps {
///         let _ = PROGRESS.call(step * 1000 / steps.max(1));
///     }
///     steps
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// ffiguard_sandbox::init();
/// let sandbox = Sandbox::new()?;
/// let mut shown = 0;
/// let mut callbacks = Callbacks::new().on(&PROGRESS, |per_mille| {
///     if let Ok(p) = per_mille.verify(|p| if p <= 1000 { Ok(p) } else { Err(p) }) {
///         shown = p;
///     }
/// });
/// long_job::call_with_callbacks(&sandbox, &mut callbacks, 10)?;
/// # Ok(())
/// # }
/// ```
pub struct HostFn<A, R> {
    name: &'static str,
    id: u64,
    _types: PhantomData<fn(A) -> R>,
}

impl<A, R> HostFn<A, R> {
    /// Names a host function. The name identifies it on the wire; give each host function of
    /// a program its own.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            id: crate::registry::function_id(name, "host function"),
            _types: PhantomData,
        }
    }

    /// The name given to [`HostFn::new`].
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<A: Serialize, R: DeserializeOwned> HostFn<A, R> {
    /// Calls the host function, from an isolated function running in a worker, and waits for
    /// its result.
    ///
    /// # Errors
    /// [`CallbackError::Unknown`] when the call was not given this host function;
    /// [`CallbackError::NoHost`] outside a worker's call; the others as their variants say.
    pub fn call(&self, args: A) -> Result<R, CallbackError> {
        let answer = worker::ask(self.id, &args)?;
        match answer.status {
            status::OK => {
                postcard::from_bytes(&answer.payload).map_err(|_| CallbackError::BadAnswer)
            }
            status::UNKNOWN => Err(CallbackError::Unknown(self.name.to_owned())),
            status::BAD_ARGUMENTS => Err(CallbackError::BadArguments),
            status::HANDLER_FAILED => Err(CallbackError::HandlerPanicked(String::new())),
            status::TOO_DEEP => Err(CallbackError::TooDeep),
            status::RESULT_TOO_LARGE => Err(CallbackError::TooLarge),
            _ => Err(CallbackError::BadAnswer),
        }
    }
}

impl<A, R> fmt::Debug for HostFn<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostFn({})", self.name)
    }
}

/// What a handler makes of a callback's encoded arguments: the encoded result, or the status
/// that refuses it.
type Handler<'a> = Box<dyn FnMut(&[u8]) -> Result<Vec<u8>, u32> + 'a>;

/// The host functions given to one call: `function::call_with_callbacks(&sandbox, &mut
/// callbacks, …)` or `call_in_with_callbacks` in a session.
///
/// Only the host functions added with [`Callbacks::on`] can be reached, and only during the
/// calls this table is passed to. Each handler gets the worker's argument [`Tainted`]; a
/// handler that panics fails the call ([`CallbackError::HandlerPanicked`]) after the worker
/// was told. At most [`DEFAULT_MAX_CALLBACKS`] callbacks per call ([`Callbacks::max_calls`]);
/// more end the call and replace the worker. The call's deadline covers its callbacks.
pub struct Callbacks<'a> {
    handlers: Vec<(u64, &'static str, Handler<'a>)>,
    pub(crate) max_calls: u64,
}

impl Default for Callbacks<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Callbacks<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.handlers.iter().map(|(_, name, _)| *name).collect();
        f.debug_struct("Callbacks")
            .field("host_functions", &names)
            .field("max_calls", &self.max_calls)
            .finish()
    }
}

impl<'a> Callbacks<'a> {
    /// No host function: a worker that calls back gets [`CallbackError::Unknown`].
    pub fn new() -> Self {
        Self {
            handlers: Vec::new(),
            max_calls: DEFAULT_MAX_CALLBACKS,
        }
    }

    /// Gives `function` to the calls this table is passed to, carried out by `handler`. A
    /// later handler for the same function replaces an earlier one.
    #[must_use]
    pub fn on<A, R>(
        mut self,
        function: &HostFn<A, R>,
        mut handler: impl FnMut(Tainted<A>) -> R + 'a,
    ) -> Self
    where
        A: DeserializeOwned + 'a,
        R: Serialize + 'a,
    {
        let run: Handler<'a> = Box::new(move |bytes: &[u8]| {
            let args = crate::decode_reply::<A>(crate::transport::wire::status::OK, bytes)
                .map_err(|_| status::BAD_ARGUMENTS)?;
            let result = handler(Tainted::__new(args));
            postcard::to_allocvec(&result).map_err(|_| status::HANDLER_FAILED)
        });
        self.handlers.retain(|(id, _, _)| *id != function.id);
        self.handlers.push((function.id, function.name, run));
        self
    }

    /// Callbacks one call may make (default [`DEFAULT_MAX_CALLBACKS`]).
    #[must_use]
    pub fn max_calls(mut self, max: u64) -> Self {
        self.max_calls = max;
        self
    }

    fn find(&mut self, id: u64) -> Option<&mut Handler<'a>> {
        self.handlers
            .iter_mut()
            .find(|(known, _, _)| *known == id)
            .map(|(_, _, handler)| handler)
    }
}
