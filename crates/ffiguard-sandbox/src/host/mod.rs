//! The host side: the [`crate::Sandbox`] callers hold, how it is built, and the worker
//! processes it starts, calls, watches die and replaces.

pub(crate) mod builder;
pub(crate) mod call_log;
mod confinement;
pub(crate) mod death;
pub(crate) mod limits;
pub(crate) mod sandbox;
pub(crate) mod session;
pub(crate) mod settings;
pub(crate) mod spawn;
pub(crate) mod worker_process;
