//! Everything a [`crate::SandboxBuilder`] sets, kept by the [`crate::Sandbox`] it builds and
//! read when a worker starts (its own module, so that the sandbox and its worker processes do
//! not depend on the builder).

use std::time::Duration;

use crate::host::limits::Limits;
use crate::host::spawn::WorkerBinary;
use crate::transport::spin::SpinPolicy;

/// The settings of a sandbox and of each worker it starts.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) binary: WorkerBinary,
    pub(crate) workers: usize,
    pub(crate) limits: Limits,
    pub(crate) deadline: Duration,
    pub(crate) startup_deadline: Duration,
    pub(crate) request_capacity: usize,
    pub(crate) reply_capacity: usize,
    pub(crate) spin: SpinPolicy,
    pub(crate) worker_spin: SpinPolicy,
    pub(crate) audit_capacity: usize,
    pub(crate) policy: crate::policy::Policy,
    pub(crate) calls_per_worker: Option<u64>,
    #[cfg(feature = "test-hooks")]
    pub(crate) claimed_layers: crate::Layers,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            binary: WorkerBinary::SameBinary,
            workers: 1,
            limits: Limits::default(),
            deadline: Duration::from_secs(30),
            startup_deadline: Duration::from_secs(10),
            request_capacity: 32 << 20,
            reply_capacity: 32 << 20,
            spin: SpinPolicy::adaptive(),
            worker_spin: SpinPolicy::adaptive(),
            audit_capacity: 256,
            policy: crate::policy::Policy::pure_compute(),
            calls_per_worker: None,
            #[cfg(feature = "test-hooks")]
            claimed_layers: crate::Layers::empty(),
        }
    }
}
