//! A cheap, process-unique identity for the current thread.
//!
//! `std::thread::current().id()` clones an `Arc` on every call; a trampoline runs on every
//! callback, so it reads a `const`-initialised thread-local instead (one TLS load once the id
//! is assigned). Unlike the address of a thread-local, an id is never reused after its thread
//! exits, so a closure bound to a dead thread is never mistaken for one bound to a new thread.

use std::cell::Cell;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(1);

thread_local! {
    // `const` initialisation and no destructor: reading it never registers a destructor and
    // keeps working while other thread-locals are being torn down.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// Identity of a thread, unique for the lifetime of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ThreadToken(NonZeroU64);

impl ThreadToken {
    /// The calling thread's token (assigned on first use, on any thread — including threads C
    /// created itself).
    #[inline]
    pub(crate) fn current() -> Self {
        let id = CURRENT
            .try_with(|slot| {
                let id = slot.get();
                if id != 0 {
                    return id;
                }
                let id = fresh();
                slot.set(id);
                id
            })
            // Unreachable for a const thread-local without destructor; a fresh id can never
            // equal an owner's id, so the caller is treated as a stranger, which is the safe side.
            .unwrap_or_else(|_| fresh());
        // `fresh` starts at 1, so zero never occurs; MAX keeps the function total regardless.
        Self(NonZeroU64::new(id).unwrap_or(NonZeroU64::MAX))
    }

    /// The raw id, for diagnostics.
    pub(crate) fn get(self) -> u64 {
        self.0.get()
    }
}

fn fresh() -> u64 {
    // Starting at 1 and counting up, 2^64 ids cannot be exhausted by a real process.
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::ThreadToken;

    #[test]
    fn stable_within_a_thread_and_distinct_across_threads() {
        let here = ThreadToken::current();
        assert_eq!(here, ThreadToken::current());
        let there = std::thread::spawn(ThreadToken::current).join().unwrap();
        assert_ne!(here, there);
        let later = std::thread::spawn(ThreadToken::current).join().unwrap();
        assert_ne!(there, later, "ids are not reused after a thread exits");
    }
}
