//! A spinner on stderr while a long audit runs: only on a terminal, and only once the run has
//! taken longer than [`SHOW_AFTER`], so short runs and piped output stay clean.

use ffiguard_audit::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a run goes before the spinner appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Runs `audit` while a thread shows `progress` once [`SHOW_AFTER`] has passed.
pub(crate) fn around<R: Send>(progress: &Progress, audit: impl FnOnce() -> R + Send) -> R {
    if !std::io::stderr().is_terminal() {
        return audit();
    }
    let (done, finished) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || show(progress, &finished));
        let result = audit();
        // The spinner thread ends as soon as the sender is gone.
        drop(done);
        result
    })
}

fn show(progress: &Progress, finished: &mpsc::Receiver<()>) {
    let start = Instant::now();
    if finished.recv_timeout(SHOW_AFTER) != Err(mpsc::RecvTimeoutError::Timeout) {
        return;
    }
    // Counted from the start of the run, not from when the spinner appears.
    let bar = ProgressBar::new_spinner().with_elapsed(start.elapsed());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}") {
        bar.set_style(style);
    }
    while finished.recv_timeout(Duration::from_millis(100)) == Err(mpsc::RecvTimeoutError::Timeout)
    {
        bar.set_message(format!(
            "ffiguard: {} file(s) parsed, {} checked",
            progress.read(),
            progress.checked()
        ));
        bar.tick();
    }
    bar.finish_and_clear();
}
