//! The host's record of one session's handles, and the scope in which a call's arguments and
//! reply are encoded and decoded for it.
//!
//! A [`Remote`](super::Remote) is encoded and decoded by serde, which gives no way to pass the
//! session along; the session call sets it for the calling thread for exactly that span
//! ([`enter`]). Outside such a span a handle can be neither sent nor received.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What the host knows of one session's handles.
#[derive(Debug)]
pub(crate) struct SessionShared {
    /// Unique in this process: a handle of another session is refused by comparing it.
    pub(crate) nonce: u64,
    /// False once the session ended: its handles name nothing any more.
    alive: AtomicBool,
    /// Handles dropped on the host whose objects the worker still holds.
    pending: Mutex<Vec<(u32, u32)>>,
    /// Whether `pending` may hold any: read by every call, so that a call with nothing to
    /// free takes no lock.
    any_pending: AtomicBool,
    /// Handles alive on the host.
    live: AtomicUsize,
    /// Most handles alive at once.
    max: usize,
}

static NEXT_NONCE: AtomicU64 = AtomicU64::new(1);

impl SessionShared {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            nonce: NEXT_NONCE.fetch_add(1, Ordering::Relaxed),
            alive: AtomicBool::new(true),
            pending: Mutex::new(Vec::new()),
            any_pending: AtomicBool::new(false),
            live: AtomicUsize::new(0),
            max,
        })
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// Ends the session: its handles are refused from now on and nothing is freed any more.
    pub(crate) fn end(&self) {
        self.alive.store(false, Ordering::Release);
        self.lock_pending().clear();
    }

    /// Counts a handle the worker returned; `false` when the session already holds `max`.
    pub(crate) fn adopt(&self) -> bool {
        self.live
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |live| {
                (live < self.max).then_some(live + 1)
            })
            .is_ok()
    }

    /// A handle was dropped: its object is freed with the session's next call.
    pub(crate) fn release(&self, index: u32, generation: u32) {
        self.live.fetch_sub(1, Ordering::AcqRel);
        if self.is_alive() {
            self.lock_pending().push((index, generation));
            self.any_pending.store(true, Ordering::Release);
        }
    }

    /// The frees to send with the next call, if there are any.
    pub(crate) fn take_pending(&self) -> Option<Vec<(u32, u32)>> {
        if !self.any_pending.load(Ordering::Acquire) {
            return None;
        }
        let mut pending = self.lock_pending();
        // Cleared under the lock: a release that pushes after this sets it again.
        self.any_pending.store(false, Ordering::Release);
        let taken = std::mem::take(&mut *pending);
        (!taken.is_empty()).then_some(taken)
    }

    /// Handles alive on the host.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<(u32, u32)>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<SessionShared>>> = const { RefCell::new(None) };
    /// Why a handle was refused while encoding or decoding on this thread: the encoder keeps
    /// only "serde error", so the call takes the reason from here.
    static REFUSAL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Notes why a handle was refused and returns the text for the serde error.
pub(crate) fn refuse(reason: String) -> String {
    REFUSAL.with(|refusal| *refusal.borrow_mut() = Some(reason.clone()));
    reason
}

/// The reason noted by the last [`refuse`] on this thread, taken.
pub(crate) fn take_refusal() -> Option<String> {
    REFUSAL.with(|refusal| refusal.borrow_mut().take())
}

/// The session whose call this thread is encoding or decoding, if any.
pub(crate) fn current() -> Option<Arc<SessionShared>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// The nonce of the session whose call this thread is encoding, if any (no reference taken).
pub(crate) fn current_nonce() -> Option<u64> {
    CURRENT.with(|current| current.borrow().as_ref().map(|session| session.nonce))
}

/// Sets the session for this thread until the returned guard is dropped.
pub(crate) fn enter(session: &Arc<SessionShared>) -> Scope {
    let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(session))));
    Scope { previous }
}

/// Sets no session for this thread until the returned guard is dropped: a callback handler
/// runs outside the session whose call it serves, so that handles neither travel through
/// callbacks nor are taken from isolated calls the handler itself makes.
pub(crate) fn outside() -> Scope {
    let previous = CURRENT.with(|current| current.replace(None));
    Scope { previous }
}

/// Restores the thread's previous session when dropped.
pub(crate) struct Scope {
    previous: Option<Arc<SessionShared>>,
}

impl Drop for Scope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}
