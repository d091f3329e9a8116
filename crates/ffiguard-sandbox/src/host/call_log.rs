//! The audit trail: one `tracing` event per call, and a bounded ring of recent calls per
//! sandbox.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A reply was decoded (the value is still tainted).
    Ok,
    /// The call failed; the text is the error's display form.
    Failed(String),
}

/// One sandboxed call, as recorded by the audit ring.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// The isolated function's stable name.
    pub function: &'static str,
    /// The worker that served it (0 if none was reached).
    pub worker_pid: u32,
    /// Encoded argument bytes.
    pub input_bytes: usize,
    /// Reply bytes copied back.
    pub output_bytes: usize,
    /// Wall time from the start of the call to its outcome.
    pub duration: Duration,
    /// When the call started.
    pub started: SystemTime,
    /// How it ended.
    pub outcome: Outcome,
}

/// A bounded ring of recent calls.
#[derive(Debug)]
pub(crate) struct AuditRing {
    capacity: usize,
    records: Mutex<VecDeque<CallRecord>>,
}

impl AuditRing {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            records: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    pub(crate) fn record(&self, record: CallRecord) {
        match &record.outcome {
            Outcome::Ok => tracing::debug!(
                target: "ffiguard_sandbox::call",
                function = record.function,
                worker_pid = record.worker_pid,
                input_bytes = record.input_bytes,
                output_bytes = record.output_bytes,
                duration_ns = u64::try_from(record.duration.as_nanos()).unwrap_or(u64::MAX),
                outcome = "ok",
            ),
            Outcome::Failed(error) => tracing::warn!(
                target: "ffiguard_sandbox::call",
                function = record.function,
                worker_pid = record.worker_pid,
                input_bytes = record.input_bytes,
                output_bytes = record.output_bytes,
                duration_ns = u64::try_from(record.duration.as_nanos()).unwrap_or(u64::MAX),
                outcome = "failed",
                error = error.as_str(),
            ),
        }
        if self.capacity == 0 {
            return;
        }
        // A poisoned ring only means another thread panicked while pushing; the data is fine.
        let mut records = self
            .records
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if records.len() >= self.capacity {
            records.pop_front();
        }
        records.push_back(record);
    }

    pub(crate) fn recent(&self) -> Vec<CallRecord> {
        let records = self
            .records
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        records.iter().cloned().collect()
    }
}
