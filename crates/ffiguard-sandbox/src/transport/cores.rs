//! Which core each side of a worker last ran on, so that neither spins for a side that needs
//! the very core it is spinning on.
//!
//! Two threads that wake each other are often placed on one core by the scheduler (the woken
//! thread goes where its waker runs). There, a spinner holds the core the other side needs
//! to answer, so every wait spins out its whole budget before the other side can run: on the
//! reference VM, runs of calls at ~100 µs each instead of ~0.5 µs (BENCHMARKS.md, `##
//! Sandbox`). Each side therefore publishes the core it runs on while it spins and as soon as
//! it wakes, and withdraws it before it sleeps (where a sleeper will wake is the scheduler's
//! choice, unknown until it runs). A spinner that finds the other side on its own core yields
//! the core at each poll instead of spinning (`spin.rs`), and the calling thread moves the
//! worker to another core ([`move_off`]): on the reference VM two threads that wake each
//! other stay on one core for many milliseconds, even with two runnable, while the other core
//! idles.
//!
//! The words are in shared memory that the worker can write, so the host treats them as a
//! hint: a lying worker can only make its own calls spin, yield or be moved when they should
//! not (a move is two `sched_setaffinity` calls on the worker, at most one a millisecond), and
//! every spin stays within its budget either way. The host never moves itself.

use std::sync::atomic::{AtomicU32, Ordering};

/// No core known (not yet published, or `sched_getcpu` failed).
pub(crate) const UNKNOWN: u32 = u32::MAX;

/// The core the calling thread runs on now, or [`UNKNOWN`].
fn current() -> u32 {
    // SAFETY: sched_getcpu takes no arguments and touches no memory of ours; it reads the
    // thread's rseq area or asks the vDSO, and returns -1 on failure.
    let cpu = unsafe { libc::sched_getcpu() };
    u32::try_from(cpu).unwrap_or(UNKNOWN)
}

/// One side's view of the two published cores.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cores<'a> {
    /// Where this side publishes its own core.
    own: &'a AtomicU32,
    /// Where the other side publishes its core.
    other: &'a AtomicU32,
}

impl<'a> Cores<'a> {
    pub(crate) fn new(own: &'a AtomicU32, other: &'a AtomicU32) -> Self {
        Self { own, other }
    }

    /// Publishes this side's core and says whether the other side is on it. Stores only
    /// when the core changed, so a spinner does not keep writing a line the other side reads.
    pub(crate) fn shared(&self) -> bool {
        self.shared_core().is_some()
    }

    /// The core both sides are on, if they are: [`shared`](Self::shared) with the core this
    /// side found itself on (not read back from the shared word, which the worker can write).
    pub(crate) fn shared_core(&self) -> Option<u32> {
        let cpu = self.publish();
        (cpu != UNKNOWN && self.other.load(Ordering::Relaxed) == cpu).then_some(cpu)
    }

    /// Publishes this side's core (after a wake-up: the scheduler may have moved it) and
    /// returns it.
    pub(crate) fn publish(&self) -> u32 {
        let cpu = current();
        #[cfg(feature = "test-hooks")]
        if crate::test_hooks::claims_caller_core() {
            self.own
                .store(self.other.load(Ordering::Relaxed), Ordering::Relaxed);
            return cpu;
        }
        if self.own.load(Ordering::Relaxed) != cpu {
            self.own.store(cpu, Ordering::Relaxed);
        }
        cpu
    }

    /// Withdraws this side's core before it sleeps.
    pub(crate) fn vacate(&self) {
        #[cfg(feature = "test-hooks")]
        if crate::test_hooks::claims_caller_core() {
            self.own
                .store(self.other.load(Ordering::Relaxed), Ordering::Relaxed);
            return;
        }
        self.own.store(UNKNOWN, Ordering::Relaxed);
    }
}

/// Moves process `pid` (a worker: one thread, our unreaped child, so the number cannot have
/// been reused) off core `cpu`: narrows its affinity to its other cores, which makes the
/// kernel migrate it at once, then restores the affinity it had, so the scheduler stays free
/// to place it. Says whether it moved; nothing happens when `cpu` is its only core.
pub(crate) fn move_off(pid: u32, cpu: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    let Ok(cpu) = usize::try_from(cpu) else {
        return false;
    };
    let Ok(allowed) = rustix::thread::sched_getaffinity(Some(pid)) else {
        return false;
    };
    if !allowed.is_set(cpu) || allowed.count() < 2 {
        return false;
    }
    let mut elsewhere = allowed;
    elsewhere.unset(cpu);
    let moved = rustix::thread::sched_setaffinity(Some(pid), &elsewhere).is_ok();
    // Restoring can only fail if the worker is gone, which the caller finds out anyway.
    let _ = rustix::thread::sched_setaffinity(Some(pid), &allowed);
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_only_when_the_other_side_was_seen_on_this_core() {
        let (own, other) = (AtomicU32::new(UNKNOWN), AtomicU32::new(UNKNOWN));
        let cores = Cores::new(&own, &other);
        assert!(!cores.shared(), "the other side has published nothing");
        assert_ne!(
            own.load(Ordering::Relaxed),
            UNKNOWN,
            "this side published its core"
        );
        // A core no machine has.
        other.store(UNKNOWN - 1, Ordering::Relaxed);
        assert!(!cores.shared());
        // The other side on this thread's core (the thread may move between the publish and
        // the next check, so a few tries).
        let shared = (0..100).any(|_| {
            other.store(own.load(Ordering::Relaxed), Ordering::Relaxed);
            cores.shared()
        });
        assert!(shared);
        // A side that sleeps is nowhere.
        let theirs = Cores::new(&other, &own);
        theirs.vacate();
        assert!(!cores.shared());
        assert_ne!(theirs.publish(), UNKNOWN);
    }

    #[test]
    fn moving_a_process_off_a_core_leaves_its_affinity_as_it_was() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let pid = rustix::process::Pid::from_child(&child);
        let before = rustix::thread::sched_getaffinity(Some(pid)).expect("affinity");
        let cores: Vec<usize> = (0..rustix::thread::CpuSet::MAX_CPU)
            .filter(|&cpu| before.is_set(cpu))
            .collect();
        let first = u32::try_from(cores[0]).expect("small");
        assert_eq!(move_off(child.id(), first), cores.len() > 1);
        assert_eq!(
            rustix::thread::sched_getaffinity(Some(pid)).expect("affinity"),
            before
        );
        // A core it may not use, and a process with one core, are left alone.
        assert!(!move_off(
            child.id(),
            u32::try_from(rustix::thread::CpuSet::MAX_CPU - 1).expect("small")
        ));
        let mut one = rustix::thread::CpuSet::new();
        one.set(cores[0]);
        rustix::thread::sched_setaffinity(Some(pid), &one).expect("pin");
        assert!(!move_off(child.id(), first));
        assert_eq!(
            rustix::thread::sched_getaffinity(Some(pid)).expect("affinity"),
            one
        );
        child.kill().expect("kill");
        child.wait().expect("reap");
    }
}
