//! The host's side of a callback: read the request once, bound it, run the handler the call
//! was given (if any) with its panics caught, and answer.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;

use super::{Callbacks, MAX_CALLBACK_DEPTH, status};
use crate::transport::arena;
use crate::transport::futex;
use crate::transport::region::{CALLBACK_CAPACITY, Region};
use crate::transport::wire::ReplyError;

thread_local! {
    /// Callback handlers running on this thread, outermost first.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// A callback the worker asked for that the host cannot take up: the call ends.
pub(crate) fn out_of_step(why: &str) -> ReplyError {
    ReplyError::Malformed(format!("callback {why}"))
}

/// Answers callback `number` of call `call_seq` from `table`; `panicked` receives the message
/// of a handler that panicked (the call fails once the worker has replied).
///
/// # Errors
/// The request is out of step (not the next number, for another call) or claims arguments
/// longer than the callback area: the worker is not to be trusted further.
pub(crate) fn answer(
    region: &Region,
    call_seq: u32,
    number: u32,
    table: &mut Callbacks<'_>,
    panicked: &mut Option<String>,
) -> Result<(), ReplyError> {
    let control = region.control();
    if control.worker.callback_call.load(Ordering::Acquire) != call_seq {
        return Err(out_of_step("for another call"));
    }
    let id = control.worker.callback_id.load(Ordering::Acquire);
    let claimed = control.worker.callback_len.load(Ordering::Acquire);
    let len = usize::try_from(claimed)
        .ok()
        .filter(|len| *len <= CALLBACK_CAPACITY)
        .ok_or(ReplyError::LengthOutOfBounds {
            claimed,
            capacity: CALLBACK_CAPACITY as u64,
        })?;
    // Copied once; the worker may rewrite the area while the handler runs.
    let args = arena::copy_volatile(region.callback_ptr(), len);
    let (code, result) = run(table, id, &args, panicked);
    let (code, result) = if result.len() > CALLBACK_CAPACITY {
        (status::RESULT_TOO_LARGE, Vec::new())
    } else {
        (code, result)
    };
    // SAFETY: result.len() <= CALLBACK_CAPACITY keeps the write inside the mapped callback
    // area; the worker waits for `callback_done` and does not touch the area meanwhile (a
    // worker that does only garbles its own answer); `result` is private memory, disjoint.
    unsafe {
        std::ptr::copy_nonoverlapping(result.as_ptr(), region.callback_ptr(), result.len());
    }
    control.host.callback_status.store(code, Ordering::Relaxed);
    control
        .host
        .callback_len
        .store(result.len() as u64, Ordering::Relaxed);
    control.host.callback_done.store(number, Ordering::SeqCst);
    if control.worker.callback_waiting.load(Ordering::SeqCst) != 0 {
        futex::wake_one(&control.host.callback_done);
    }
    Ok(())
}

/// The handler's status and encoded result.
fn run(
    table: &mut Callbacks<'_>,
    id: u64,
    args: &[u8],
    panicked: &mut Option<String>,
) -> (u32, Vec<u8>) {
    let Some(handler) = table.find(id) else {
        return (status::UNKNOWN, Vec::new());
    };
    if DEPTH.get() >= MAX_CALLBACK_DEPTH {
        return (status::TOO_DEEP, Vec::new());
    }
    DEPTH.set(DEPTH.get() + 1);
    let outcome = {
        let _outside = crate::session::shared::outside();
        std::panic::catch_unwind(AssertUnwindSafe(|| handler(args)))
    };
    DEPTH.set(DEPTH.get().saturating_sub(1));
    match outcome {
        Ok(Ok(result)) => (status::OK, result),
        Ok(Err(code)) => (code, Vec::new()),
        Err(payload) => {
            let message = ffiguard::untrusted::panic_message(payload.as_ref());
            panicked.get_or_insert(message);
            (status::HANDLER_FAILED, Vec::new())
        }
    }
}
