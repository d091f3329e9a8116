//! The host's watch over a confined worker: the admission check of what the worker says it put
//! in force, the seccomp user-notification listener that hears every call outside the policy,
//! the filesystem broker that carries out path-taking calls, the readers of the worker's
//! memory, and the log of blocked calls.

pub(crate) mod admission;
pub(crate) mod blocked;
pub(crate) mod broker;
pub(crate) mod inspect;
pub(crate) mod listener;
pub(crate) mod worker_memory;
