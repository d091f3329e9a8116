//! [`Remote`]: a typed name for an object that stays in the worker between calls.

use std::any::{Any, type_name};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, TryLockError};

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::objects;
use super::shared::{self, SessionShared};

/// Why a [`Remote`] could not be made or used.
///
/// Serializable, so an isolated function can return it; on the host it is then the worker's
/// claim, inside the call's [`Tainted`](crate::Tainted) result.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RemoteError {
    /// The object was freed (or the id was never issued).
    #[error("the handle names no live object (freed, or never issued)")]
    Stale,
    /// The id names an object of another type.
    #[error("the handle names an object that is not a `{expected}`")]
    WrongType {
        /// The type the handle was declared for.
        expected: String,
    },
    /// The worker already holds the most objects it may.
    #[error("the worker already holds {max} objects")]
    TableFull {
        /// The bound ([`MAX_OBJECTS`](super::MAX_OBJECTS)).
        max: usize,
    },
    /// The object is in use further up this call (the same handle taken twice).
    #[error("the object is already in use in this call")]
    InUse,
    /// An earlier call panicked while using the object.
    #[error("an earlier call panicked while using the object")]
    Poisoned,
    /// [`Remote::with`] was called on the host: the object lives in the worker.
    #[error("the object lives in the worker; use it from an isolated function")]
    OnHost,
}

/// A typed, opaque name for a `T` kept in a session's worker.
///
/// In an isolated function, [`Remote::new`] keeps a value in the worker and returns its
/// handle, and [`Remote::with`] uses the value a handle names. On the host a handle is only a
/// name: it holds no address, cannot be turned into one, and is refused by every session but
/// the one that received it. Cloning it is cheap; when the last clone is dropped the object is
/// freed in the worker with the session's next call. After the session ends, its handles name
/// nothing and every call that passes one fails.
///
/// A session holds at most [`MAX_OBJECTS`](super::MAX_OBJECTS) handles; a reply that would
/// exceed it ends the session. In the worker, a handle the host passed in holds its object
/// until it is dropped: an object that keeps such a handle (a statement keeping its
/// connection's) keeps the other object alive after the host frees it.
///
/// ```no_run
/// use ffiguard_sandbox::{Remote, RemoteError, Sandbox, isolated};
///
/// #[isolated]
/// fn counter(start: u64) -> Result<Remote<u64>, RemoteError> {
///     Remote::new(start)
/// }
///
/// #[isolated]
/// fn bump(counter: Remote<u64>) -> Result<u64, RemoteError> {
///     counter.with(|n| {
///         *n += 1;
///         *n
///     })
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// ffiguard_sandbox::init();
/// let sandbox = Sandbox::new()?;
/// let mut session = sandbox.session()?;
/// let handle = counter::call_in(&mut session, 41)?.trust_unverified("an opaque name")?;
/// let n = bump::call_in(&mut session, handle.clone())?.trust_unverified("shown only")?;
/// assert_eq!(n, 42);
/// # Ok(())
/// # }
/// ```
pub struct Remote<T> {
    inner: Inner,
    _type: PhantomData<fn() -> T>,
}

#[derive(Clone)]
enum Inner {
    /// Received by the host in a session.
    Host(Arc<HostRef>),
    /// An id in this process's object table (a worker's, or any process that calls isolated
    /// functions directly).
    Local {
        index: u32,
        generation: u32,
        /// The object, when the worker already looked it up to check a handle it was handed.
        found: Option<objects::Object>,
    },
}

/// The host's side of one handle; frees the object when the last clone goes.
struct HostRef {
    session: Arc<SessionShared>,
    index: u32,
    generation: u32,
}

impl Drop for HostRef {
    fn drop(&mut self) {
        self.session.release(self.index, self.generation);
    }
}

impl<T: Any + Send> Remote<T> {
    /// Keeps `value` in this process's object table — in a worker, for the rest of the
    /// session — and returns its handle.
    ///
    /// # Errors
    /// [`RemoteError::TableFull`] when [`MAX_OBJECTS`](super::MAX_OBJECTS) objects are kept.
    pub fn new(value: T) -> Result<Self, RemoteError> {
        let (index, generation) = objects::insert(value)?;
        Ok(Self {
            inner: Inner::Local {
                index,
                generation,
                found: None,
            },
            _type: PhantomData,
        })
    }

    /// Runs `f` on the object, in the process that keeps it.
    ///
    /// # Errors
    /// [`RemoteError::OnHost`] for a handle the host received; [`RemoteError::InUse`] when the
    /// object is already being used further up this call; [`RemoteError::Stale`] or
    /// [`RemoteError::WrongType`] when the id names no such object (a handle the worker was
    /// handed is checked before the call, so these mean it was freed since);
    /// [`RemoteError::Poisoned`] after a panic while the object was in use.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, RemoteError> {
        let Inner::Local {
            index,
            generation,
            found,
        } = &self.inner
        else {
            return Err(RemoteError::OnHost);
        };
        // The object a handed-in handle was checked against is used as it is, without
        // another reference count or table lookup.
        let looked_up;
        let object = match found {
            Some(object) => object,
            None => {
                looked_up = objects::get::<T>(*index, *generation)?;
                &looked_up
            }
        };
        let mut guard = match object.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::WouldBlock) => return Err(RemoteError::InUse),
            Err(TryLockError::Poisoned(_)) => return Err(RemoteError::Poisoned),
        };
        let value = guard
            .downcast_mut::<T>()
            .ok_or_else(|| RemoteError::WrongType {
                expected: type_name::<T>().to_owned(),
            })?;
        Ok(f(value))
    }
}

impl<T> Clone for Remote<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Remote<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (index, generation) = match &self.inner {
            Inner::Host(host) => (host.index, host.generation),
            Inner::Local {
                index, generation, ..
            } => (*index, *generation),
        };
        write!(f, "Remote<{}>(#{index}.{generation})", type_name::<T>())
    }
}

/// The type's part of a handle on the wire: a hash of its name, so a handle to one type is
/// not taken for a handle to another (same idea as the function ids, and stable across a
/// host and a dedicated worker built from the same sources).
fn type_tag<T>() -> u64 {
    crate::registry::function_id(type_name::<T>(), "handle")
}

impl<T> Serialize for Remote<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (index, generation) = match &self.inner {
            Inner::Host(host) => {
                let refuse = |reason: &str| S::Error::custom(shared::refuse(reason.to_owned()));
                let Some(current) = shared::current_nonce() else {
                    return Err(refuse(
                        "a session's handle can only be passed to a call in that session (`call_in`)",
                    ));
                };
                if current != host.session.nonce {
                    return Err(refuse("the handle belongs to another session"));
                }
                if !host.session.is_alive() {
                    return Err(refuse("the handle's session has ended"));
                }
                (host.index, host.generation)
            }
            Inner::Local {
                index, generation, ..
            } => (*index, *generation),
        };
        (index, generation, type_tag::<T>()).serialize(serializer)
    }
}

impl<'de, T: Any + Send> Deserialize<'de> for Remote<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (index, generation, tag) = <(u32, u32, u64)>::deserialize(deserializer)?;
        let refuse = |reason: String| D::Error::custom(shared::refuse(reason));
        if tag != type_tag::<T>() {
            return Err(refuse(format!(
                "a handle to another type where a handle to `{}` was expected",
                type_name::<T>()
            )));
        }
        // On the host, in a session call: a handle the worker returned.
        if let Some(session) = shared::current() {
            if !session.adopt() {
                return Err(refuse(format!(
                    "more than {} handles alive in one session",
                    objects::MAX_OBJECTS
                )));
            }
            return Ok(Self {
                inner: Inner::Host(Arc::new(HostRef {
                    session,
                    index,
                    generation,
                })),
                _type: PhantomData,
            });
        }
        // In a worker: a handle the host passed; refused before the function runs unless it
        // names a live `T`.
        if objects::serving() {
            let object = objects::get::<T>(index, generation).map_err(|e| refuse(e.to_string()))?;
            return Ok(Self {
                inner: Inner::Local {
                    index,
                    generation,
                    found: Some(object),
                },
                _type: PhantomData,
            });
        }
        Err(refuse(
            "a handle can only be received by a call in a session (`call_in`)".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{__decode_reply_in_session, MAX_OBJECTS};
    use crate::transport::wire::status;

    fn reply<T: Serialize>(value: &T) -> Vec<u8> {
        postcard::to_allocvec(value).expect("encodes")
    }

    #[test]
    fn the_host_checks_the_tag_and_counts_handles() {
        let good = reply(&(3_u32, 1_u32, type_tag::<u64>()));
        let handle: Remote<u64> =
            __decode_reply_in_session(status::OK, &good).expect("a handle to a u64");
        assert!(format!("{handle:?}").contains("#3.1"));
        assert_eq!(handle.with(|_| ()), Err(RemoteError::OnHost));
        assert!(
            __decode_reply_in_session::<Remote<String>>(status::OK, &good).is_err(),
            "a u64's tag is not a String's"
        );
        // Outside a session (and not in a worker) no handle is accepted.
        assert!(crate::decode_reply::<Remote<u64>>(status::OK, &good).is_err());
        let many = reply(&vec![(3_u32, 1_u32, type_tag::<u64>()); MAX_OBJECTS + 1]);
        assert!(__decode_reply_in_session::<Vec<Remote<u64>>>(status::OK, &many).is_err());
        let most = reply(&vec![(3_u32, 1_u32, type_tag::<u64>()); MAX_OBJECTS]);
        assert!(__decode_reply_in_session::<Vec<Remote<u64>>>(status::OK, &most).is_ok());
    }

    #[test]
    fn a_host_handle_is_sent_only_inside_its_session() {
        let good = reply(&(0_u32, 1_u32, type_tag::<u64>()));
        let session = shared::SessionShared::new(MAX_OBJECTS);
        let handle: Remote<u64> = {
            let _scope = shared::enter(&session);
            crate::decode_reply(status::OK, &good).expect("adopted")
        };
        assert_eq!(session.live(), 1);
        assert!(
            postcard::to_allocvec(&handle).is_err(),
            "outside any session"
        );
        let other = shared::SessionShared::new(MAX_OBJECTS);
        {
            let _scope = shared::enter(&other);
            assert!(
                postcard::to_allocvec(&handle).is_err(),
                "in another session"
            );
            assert_eq!(
                shared::take_refusal().as_deref(),
                Some("the handle belongs to another session")
            );
        }
        {
            let _scope = shared::enter(&session);
            assert_eq!(postcard::to_allocvec(&handle).expect("its own"), good);
        }
        drop(handle);
        assert_eq!(session.live(), 0);
        assert_eq!(session.take_pending(), Some(vec![(0, 1)]));
        session.end();
        let late: Remote<u64> = {
            let _scope = shared::enter(&session);
            crate::decode_reply(status::OK, &good).expect("adopted")
        };
        let _scope = shared::enter(&session);
        assert!(
            postcard::to_allocvec(&late).is_err(),
            "its session has ended"
        );
    }
}
