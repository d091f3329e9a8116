//! Busy processes that hold every core, for the oversubscribed measurements.
//!
//! Each is a re-execution of the bench binary in a session of its own, as another program on a
//! production host would be: with the scheduler's autogroups (on by default), threads of the
//! bench process itself would compete only with the calling thread, not with the worker,
//! which runs in a session of its own too.

use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The argument that turns the bench binary into a busy loop.
pub(crate) const BUSY_ARG: &str = "--bench-busy-loop";
/// A busy loop ends on its own after this long even if nobody stops it.
const LONGEST: Duration = Duration::from_secs(300);

/// The busy loop: spins until killed or until [`LONGEST`] has passed.
pub(crate) fn busy_loop() -> ! {
    // A session (hence an autogroup) of its own; fails only for a group leader, which a
    // freshly spawned child is not.
    let _ = rustix::process::setsid();
    let start = Instant::now();
    let mut x = 0u64;
    loop {
        for _ in 0..1_000_000 {
            x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        if start.elapsed() > LONGEST {
            std::process::exit(0);
        }
    }
}

/// Busy loops that run while this value lives: killed and reaped when it is dropped.
pub(crate) struct BusyLoops(Vec<Child>);

impl BusyLoops {
    /// Starts one busy loop per core.
    pub(crate) fn on_every_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let children = (0..cores)
            .map(|_| {
                Command::new("/proc/self/exe")
                    .arg(BUSY_ARG)
                    .env_clear()
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("busy loop")
            })
            .collect();
        // Let the scheduler spread them before anything is measured.
        std::thread::sleep(Duration::from_millis(100));
        Self(children)
    }

    /// How many loops run.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
