//! Sessions: one worker pinned for a sequence of calls, and objects that live in it between
//! them.
//!
//! [`Sandbox::session`](crate::Sandbox::session) returns a [`Session`](crate::Session) that
//! owns one worker until it ends. Isolated functions called in it (`function::call_in(&mut
//! session, …)`) can keep values in the worker with [`Remote::new`] and use them in later
//! calls through the [`Remote`]s the host holds. The host never sees an address: a handle is
//! an index, a generation and a type tag, checked in the worker against its object table, and
//! on the host against the session that received it.
//!
//! - `objects` — the worker's table (bounded, generation-checked, one lock per object);
//! - `remote` — [`Remote`] and its encoding;
//! - `shared` — the host's record of a session's handles and the per-thread scope in which a
//!   session call encodes and decodes them.
//!
//! The [`Session`](crate::Session) type itself is in `host/session.rs`, with the pool it
//! takes its worker from.

pub(crate) mod objects;
mod remote;
pub(crate) mod shared;

pub use objects::{MAX_OBJECTS, live_objects};
pub use remote::{Remote, RemoteError};

/// [`decode_reply`](crate::decode_reply) as a session call decodes: handles in the reply are
/// adopted by a scratch session (tag check, bound on their number). For the `sandbox_reply`
/// fuzz target; not part of the API.
#[doc(hidden)]
pub fn __decode_reply_in_session<R: serde::de::DeserializeOwned>(
    status: u32,
    payload: &[u8],
) -> Result<R, crate::ReplyError> {
    let session = shared::SessionShared::new(MAX_OBJECTS);
    let _scope = shared::enter(&session);
    let decoded = crate::decode_reply(status, payload);
    shared::take_refusal();
    decoded
}
