//! The worker's side of a callback: the request goes into the callback area, the host is
//! woken as for a reply, and the worker waits for the answer (spinning as its spin policy
//! says for the next call, then asleep on the futex word the host sets).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use serde::Serialize;

use super::CallbackError;
use crate::transport::arena;
use crate::transport::cores::Cores;
use crate::transport::futex::{self, WAITERS};
use crate::transport::region::{CALLBACK_CAPACITY, Region};
use crate::transport::spin::{SpinPolicy, Spinner};

/// The worker's shared region, once it serves calls.
static REGION: OnceLock<&'static Region> = OnceLock::new();
/// How the worker spins for an answer before it sleeps (its policy for calls): a handler that
/// answers at once is caught without a wake-up.
static SPINNER: Mutex<Option<Spinner>> = Mutex::new(None);
/// The call being served (its `call_seq`), 0 between calls.
static CALL: AtomicU32 = AtomicU32::new(0);

/// Called by the worker before it serves its first call.
pub(crate) fn serving(region: &'static Region, spin: SpinPolicy) {
    let _ = REGION.set(region);
    *SPINNER.lock().unwrap_or_else(PoisonError::into_inner) = Some(Spinner::new(spin));
}

/// Marks the call being served (0: none), around its dispatch.
pub(crate) fn set_call(seq: u32) {
    CALL.store(seq, Ordering::Relaxed);
}

/// The host's answer: its status and encoded result.
pub(crate) struct Answer {
    pub(crate) status: u32,
    pub(crate) payload: Vec<u8>,
}

/// Posts a callback to host function `id` and waits for the host's answer.
pub(crate) fn ask<A: Serialize>(id: u64, args: &A) -> Result<Answer, CallbackError> {
    let bytes =
        postcard::to_allocvec(args).map_err(|error| CallbackError::Encode(error.to_string()))?;
    ask_encoded(id, &bytes, None)
}

/// Posts a callback to host function `id` with encoded arguments `bytes` (claiming `claimed`
/// bytes instead when given: a test hook's lie) and waits for the host's answer.
pub(crate) fn ask_encoded(
    id: u64,
    bytes: &[u8],
    claimed: Option<u64>,
) -> Result<Answer, CallbackError> {
    let call = CALL.load(Ordering::Relaxed);
    let (Some(region), true) = (REGION.get(), call != 0) else {
        return Err(CallbackError::NoHost);
    };
    if bytes.len() > CALLBACK_CAPACITY {
        return Err(CallbackError::TooLarge);
    }
    // SAFETY: bytes.len() <= CALLBACK_CAPACITY keeps the write inside the mapped callback
    // area, which the host reads only after `callback_seq` moves (below) and writes only
    // before `callback_done` does; no reference into it exists here.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), region.callback_ptr(), bytes.len()) };
    let control = region.control();
    let worker = &control.worker;
    worker.callback_id.store(id, Ordering::Relaxed);
    worker
        .callback_len
        .store(claimed.unwrap_or(bytes.len() as u64), Ordering::Relaxed);
    worker.callback_call.store(call, Ordering::Relaxed);
    let number = worker.callback_seq.load(Ordering::Relaxed).wrapping_add(1);
    worker.callback_seq.store(number, Ordering::SeqCst);
    // Woken as for a reply: the host sleeps on the robust word once it stopped spinning.
    let robust = &worker.robust_word;
    if robust.load(Ordering::SeqCst) & WAITERS != 0 {
        robust.fetch_and(!WAITERS, Ordering::SeqCst);
        futex::wake_one(robust);
    }
    wait_for(
        &control.host.callback_done,
        &worker.callback_waiting,
        number,
    );
    let status = control.host.callback_status.load(Ordering::Acquire);
    let len = usize::try_from(control.host.callback_len.load(Ordering::Acquire))
        .unwrap_or(usize::MAX)
        .min(CALLBACK_CAPACITY);
    Ok(Answer {
        status,
        payload: arena::copy_volatile(region.callback_ptr(), len),
    })
}

/// Waits until `done` holds `number`: spins as the worker's policy says, then sleeps with
/// `waiting` set, so that the host wakes it.
fn wait_for(done: &AtomicU32, waiting: &AtomicU32, number: u32) {
    let answered = || done.load(Ordering::Acquire) == number;
    let control = REGION.get().map(|region| region.control());
    let shared_core = || {
        control.is_some_and(|control| {
            Cores::new(&control.worker_core.cpu, &control.host_core.cpu).shared()
        })
    };
    let caught = SPINNER
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_mut()
        .map_or_else(answered, |spinner| {
            spinner.spin(true, shared_core, answered)
        });
    if caught {
        return;
    }
    let cores = control.map(|control| Cores::new(&control.worker_core.cpu, &control.host_core.cpu));
    cores.inspect(Cores::vacate);
    waiting.store(1, Ordering::SeqCst);
    loop {
        let current = done.load(Ordering::SeqCst);
        if current == number {
            break;
        }
        futex::wait(done, current, None);
    }
    waiting.store(0, Ordering::Relaxed);
    cores.inspect(|cores| {
        cores.publish();
    });
}
