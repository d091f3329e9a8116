//! Run C library code in a worker process with fast typed calls, surviving crashes and hangs.
//!
//! Rust cannot defend a program against a malicious or compromised C library that runs in its
//! address space. A separate process can. `ffiguard-sandbox` runs functions that call the C
//! library in worker processes and gives the host typed calls to them:
//!
//! - **Declaring isolated code**: [`#[isolated]`](isolated) on an ordinary function generates a
//!   host-side shim (`function::call(&sandbox, args…)`) and a worker-side dispatch entry,
//!   registered at link time.
//! - **Workers** re-execute a binary (this one, or a dedicated one), never `fork` the live host
//!   and keep running its code. They start with an empty environment, only their IPC
//!   descriptors open, their own session and process group (no controlling terminal), rlimits
//!   and a parent-death signal, and pass a single confinement step before serving calls.
//! - **Confinement**: before its first call every worker applies a [`Policy`] — by default
//!   [`Policy::pure_compute`]: no filesystem, network, exec, new processes or threads. Layers:
//!   user/network/IPC namespaces, `no_new_privs`, Landlock, a seccomp-bpf allowlist. The worker
//!   reports the [`Layers`] in force ([`Sandbox::confinement_status`]); a required layer that is
//!   missing stops the sandbox with an error naming it, never a silent downgrade. Every syscall
//!   outside the policy reaches the host through a seccomp listener the worker cannot silence
//!   ([`Sandbox::blocked_calls`]: the syscall's name and its decoded path, address or program),
//!   and fails with `EPERM` or kills the worker ([`OnViolation`]). A learning mode suggests a
//!   minimal policy. What this does and does not protect: `docs/threat-model.md`.
//! - **Transport**: a memfd shared by host and worker with futex doorbells; no syscall per call
//!   beyond the wake-ups, and none when the other side is spinning ([`SpinPolicy`]: by default
//!   both sides spin briefly and back off where spinning does not pay). The host copies every reply
//!   into private memory, bounds every length and never follows a worker's pointer or offset.
//!   A large result built in an [`OutputBuf`] is written straight into the reply arena by the
//!   isolated function, so the worker does not copy it again; the host still copies it once.
//! - **Files, capability style**: a [`PassedFile`] hands one call an open regular file,
//!   reopened read-only for the worker, which reads it without any filesystem policy.
//! - **Callbacks**: an isolated function can call the host functions
//!   ([`callbacks::HostFn`]) it was given for that call ([`callbacks::Callbacks`]); their
//!   arguments reach the host `Tainted`.
//! - **Results are [`Tainted`]** until the caller verifies them.
//! - **Failures are values**: a crash, a resource limit, a missed deadline or a garbled reply
//!   becomes a [`SandboxError`] naming the function and the cause, and a fresh worker serves
//!   the next call.
//! - **Audit**: every call emits a `tracing` event and lands in a bounded ring
//!   ([`Sandbox::recent_calls`]).
//!
//! ```no_run
//! use ffiguard_sandbox::{ByteBuf, Sandbox, isolated};
//!
//! #[isolated]
//! fn checksum(data: ByteBuf) -> u32 {
//!     data.iter().fold(0u32, |sum, byte| sum.wrapping_mul(31).wrapping_add(u32::from(*byte)))
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     ffiguard_sandbox::init(); // first thing: in a worker this never returns
//!     let sandbox = Sandbox::new()?;
//!     let sum = checksum::call(&sandbox, ByteBuf::from(b"hello".to_vec()))?
//!         .trust_unverified("any u32 is a valid checksum to print");
//!     println!("{sum}");
//!     Ok(())
//! }
//! ```
//!
//! What `#[isolated]` refuses, at compile time — functions whose calls cannot be described by
//! values alone (generics, `self`, borrowed arguments):
//!
//! ```compile_fail
//! #[ffiguard_sandbox::isolated]
//! fn generic<T>(value: T) -> u32 { 0 }
//! ```
//!
//! ```compile_fail
//! #[ffiguard_sandbox::isolated]
//! fn borrowed(data: &[u8]) -> u32 { 0 } // arguments must be owned, deserializable values
//! ```
//!
//! A result that is dropped unexamined is flagged (`Tainted` is `#[must_use]`):
//!
//! ```compile_fail
//! #![deny(unused_must_use)]
//! fn discard(result: ffiguard_sandbox::Tainted<u32>) {
//!     std::convert::identity(result);
//! }
//! ```
//!
//! # Tests
//!
//! A worker re-executes the test binary, so the binary must call [`init`] before the test
//! harness runs: give integration tests that use a sandbox `harness = false` and a `main` that
//! calls `ffiguard_sandbox::testing::run` (feature `testing`; it calls `init()`, then the
//! tests with libtest's arguments and output), or use a dedicated worker binary.

// Lets `#[isolated]` expansions inside this crate (the test hooks) name it as users do.
#[cfg(feature = "test-hooks")]
extern crate self as ffiguard_sandbox;

// The crate by role, as in Sandboxed API: `policy` (what a worker may do), `host` (the
// `Sandbox` and its worker processes), `worker` (the process that runs the library),
// `confine` (the layers a worker puts on itself), `monitor` (the host's watch over a confined
// worker: seccomp listener, filesystem broker, admission), `transport` (the shared region,
// doorbells and the zero-copy encoding between them), `files` (open files passed into calls)
// and `callbacks` (host functions a call may call back).
pub mod callbacks;
mod confine;
mod error;
pub mod files;
mod host;
mod monitor;
mod policy;
mod registry;
pub mod session;
mod tainted;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
#[cfg(feature = "testing")]
pub mod testing;
mod text;
mod transport;
mod worker;

pub use confine::status::{ConfinementStatus, Layers};
pub use error::SandboxError;
pub use ffiguard_macros::isolated;
pub use files::{FileError, PassedFile};
pub use host::builder::SandboxBuilder;
pub use host::call_log::{CallRecord, Outcome};
pub use host::limits::{Limit, Limits};
pub use host::sandbox::Sandbox;
pub use host::session::Session;
pub use monitor::blocked::{BlockedCall, Refusal, Verdict};
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub use policy::check::waive_policy_check_for_tests;
pub use policy::rules::{SyscallClass, syscall_class, syscall_classes, syscall_table_markdown};
pub use policy::syscalls::syscall_names;
pub use policy::{OnViolation, Policy, Requirement};
pub use session::{Remote, RemoteError};
pub use tainted::Tainted;
pub use transport::output_buf::OutputBuf;
pub use transport::spin::{PlanCounts, SpinCounters, SpinPolicy, SpinReport};
pub use transport::wire::{ByteBuf, ReplyError, decode_reply, decode_reply_in_arena};

/// Turns this process into a worker if it was started as one; otherwise returns at once.
///
/// Call it first thing in `main` of every binary that creates a [`Sandbox`] with the default
/// same-binary workers, and of dedicated worker binaries. In a worker it never returns: it
/// sets up, confines, serves calls and exits when the host goes away.
pub fn init() {
    if worker::is_worker_process() {
        worker::run();
    }
}

/// Whether this process was started as a sandbox worker.
pub fn is_worker() -> bool {
    worker::is_worker_process()
}

#[doc(hidden)]
pub mod __private {
    pub use crate::host::sandbox::{call, call_with_callbacks};
    pub use crate::host::session::{call_in, call_in_with_callbacks};
    pub use crate::registry::{
        Descriptor, Entry, REGISTRY, ReplyWriter, Request, dispatch, function_id,
    };
    pub use crate::transport::wire::Status;
    pub use linkme;
}
