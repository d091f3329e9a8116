//! The worker side: check the inherited state, confine, then serve calls until killed.

pub(crate) mod setup;

use crate::confine::status::ConfinementStatus;
use crate::confine::{Failure, Step};
use crate::host::spawn::{REGION_FD, SETUP_SOCKET_FD, WORKER_ARG};
use crate::registry::{ReplyWriter, Table};
use crate::transport::cores::Cores;
use crate::transport::futex::{self, WAITERS};
use crate::transport::region::{
    MAGIC, PROTOCOL_VERSION, Region, SETUP_BAD_CONTROL, SETUP_CONFINE_FAILED, SETUP_DUPLICATE_ID,
    SETUP_LEAKED_FD, SETUP_READY, WorkerSpinCounters,
};
use crate::transport::spin::{SpinCounters, Spinner};
use crate::transport::wire::status;
use crate::worker::setup::Setup;
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::Ordering;

/// Whether this process was started as a worker.
pub(crate) fn is_worker_process() -> bool {
    std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == WORKER_ARG)
}

/// Runs the worker; never returns. Exit codes name the setup step that failed when there is no
/// control block to report through.
pub(crate) fn run() -> ! {
    // SAFETY: REGION_FD was dup2()ed into place by the host's pre-exec setup and nothing in
    // this process has taken ownership of it (the worker runs before any program code).
    let fd = unsafe { OwnedFd::from_raw_fd(REGION_FD) };
    let region = match Region::open_inherited(fd) {
        Ok(region) => &*Box::leak(Box::new(region)),
        Err(_) => std::process::exit(101),
    };
    let control = region.control();
    let fail = |code: u32, detail: u64| -> ! {
        control.worker.setup_detail.store(detail, Ordering::Relaxed);
        control.worker.setup_state.store(code, Ordering::Release);
        futex::wake_one(&control.worker.setup_state);
        std::process::exit(102)
    };
    if control.host.magic.load(Ordering::Acquire) != MAGIC
        || control.host.version.load(Ordering::Relaxed) != PROTOCOL_VERSION
    {
        fail(SETUP_BAD_CONTROL, 0);
    }
    if let Some(leaked) = unexpected_descriptor() {
        fail(SETUP_LEAKED_FD, leaked);
    }
    let setup_len = control.host.request_len.load(Ordering::Acquire);
    // SAFETY: the host wrote the setup message before starting us and writes the request
    // arena again only after we report ready.
    let setup_bytes = unsafe { region.request_slice(usize::try_from(setup_len).unwrap_or(0)) };
    let setup = match postcard::take_from_bytes::<Setup>(setup_bytes) {
        Ok((setup, [])) => setup,
        _ => fail(SETUP_BAD_CONTROL, setup_len),
    };
    let table = match Table::build() {
        Ok(table) => table,
        Err(duplicate) => fail(SETUP_DUPLICATE_ID, duplicate),
    };
    #[cfg(feature = "test-hooks")]
    crate::test_hooks::before_confine(&setup);
    let status = match confine(&setup) {
        Ok(status) => status,
        Err(failure) => fail(SETUP_CONFINE_FAILED, failure.pack()),
    };
    #[cfg(feature = "test-hooks")]
    let status = crate::test_hooks::claimed(status, &setup);
    #[cfg(feature = "test-hooks")]
    crate::test_hooks::serving(region);
    if futex::register_robust(&control.worker.robust_word).is_err() {
        fail(SETUP_CONFINE_FAILED, 0);
    }
    control
        .worker
        .setup_detail
        .store(status.pack(), Ordering::Relaxed);
    control
        .worker
        .setup_state
        .store(SETUP_READY, Ordering::Release);
    futex::wake_one(&control.worker.setup_state);
    crate::session::objects::mark_serving();
    crate::callbacks::worker::serving(region, setup.worker_spin);
    serve(region, &table, &setup)
}

/// The single point where the worker gives up its rights, after setup and before it runs any
/// isolated function: not dumpable (unless the host must read its memory for reports), then
/// the policy's layers.
fn confine(setup: &Setup) -> Result<ConfinementStatus, Failure> {
    let memory = crate::confine::open_own_memory();
    if setup.not_dumpable {
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
            .map_err(|error| Failure {
                step: Step::NotDumpable,
                errno: error.raw_os_error(),
            })?;
    }
    crate::confine::apply(&setup.policy, memory)
}

/// Returns the first open descriptor other than stdio, the region and the setup socket (the host closes the rest
/// with `close_range` before exec; this checks that it did).
fn unexpected_descriptor() -> Option<u64> {
    let Ok(listing) = std::fs::read_dir("/proc/self/fd") else {
        return probe_descriptors();
    };
    let numbers: Vec<u64> = listing
        .flatten()
        .take(65_536)
        .filter_map(|entry| {
            entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse().ok())
        })
        .collect();
    // The listing's own descriptor is among the numbers; it is closed once the iterator is
    // gone, so only descriptors that still resolve count.
    numbers
        .into_iter()
        .filter(|fd| *fd > 4)
        .find(|fd| std::fs::read_link(format!("/proc/self/fd/{fd}")).is_ok())
}

/// Without `/proc`, asks the kernel about every descriptor number the worker may hold
/// (`RLIMIT_NOFILE` bounds them, capped at 65,536 probes).
fn probe_descriptors() -> Option<u64> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(65_536)
        .min(65_536);
    (5..limit).find(|fd| {
        let Ok(raw) = i32::try_from(*fd) else {
            return false;
        };
        // SAFETY: fcntl(F_GETFD) accepts any integer: it reads the descriptor's flags or
        // fails with EBADF; it touches no memory and closes nothing. (A `BorrowedFd` is not
        // used because the number may not be open.)
        unsafe { libc::fcntl(raw, libc::F_GETFD) != -1 }
    })
}

fn serve(region: &'static Region, table: &Table, setup: &Setup) -> ! {
    let control = region.control();
    let mut spinner = Spinner::new(setup.worker_spin);
    // The host numbers calls from 1; reading `call_seq` here instead could miss a call rung
    // between our "ready" and this line.
    let mut last = 0;
    loop {
        let call_seq = &control.host.call_seq;
        // The plan the host sent with the call just served (none before the first).
        let planned = control.host.worker_spins.load(Ordering::Relaxed) != 0;
        let cores = Cores::new(&control.worker_core.cpu, &control.host_core.cpu);
        if !spinner.spin(
            planned,
            || cores.shared(),
            || call_seq.load(Ordering::Acquire) != last,
        ) {
            // Announce the sleep, then re-check: the host rings only when it sees the flag.
            cores.vacate();
            control.worker.worker_sleeping.store(1, Ordering::SeqCst);
            while call_seq.load(Ordering::SeqCst) == last {
                futex::wait(call_seq, last, None);
            }
            control.worker.worker_sleeping.store(0, Ordering::Relaxed);
            cores.publish();
        }
        publish(&control.worker_spin, spinner.counters);
        let seq = call_seq.load(Ordering::Acquire);
        let id = control.host.call_id.load(Ordering::Relaxed);
        let len = control.host.request_len.load(Ordering::Relaxed);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        // SAFETY: the host writes the request arena only before ringing for a call and waits
        // for our reply before writing it again, so nothing writes it while we read.
        let request = unsafe { region.request_slice(len) };
        // SAFETY: the reply arena belongs to the worker until it publishes `reply_seq`; the
        // host reads it only afterwards, and no other reference into it exists here (an
        // `OutputBuf` that outlived an earlier call holds bytes the writer respects). The
        // region is leaked, so the arena stays mapped for as long as any `OutputBuf` lives.
        let mut writer = unsafe { ReplyWriter::new(region.reply_ptr(), region.reply_capacity()) };
        let files = take_files(control, seq);
        let outcome = match (table.find(id), files) {
            (_, Err(refused)) => crate::transport::wire::Status {
                code: refused,
                len: 0,
            },
            (Some(entry), Ok(files)) => {
                // SAFETY: as for `request` above; the arena is page-aligned.
                let request = unsafe {
                    crate::registry::Request::new(
                        request,
                        region.request_ptr(),
                        region.request_capacity(),
                    )
                };
                crate::callbacks::worker::set_call(seq);
                let status =
                    crate::files::providing(files, || (entry.dispatch)(&request, &mut writer));
                crate::callbacks::worker::set_call(0);
                status
            }
            (None, Ok(_)) => crate::transport::wire::Status {
                code: status::UNKNOWN_FUNCTION,
                len: 0,
            },
        };
        control
            .worker
            .reply_status
            .store(outcome.code, Ordering::Relaxed);
        control.worker.reply_len.store(
            u64::try_from(outcome.len).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::apply(region);
        control.worker.reply_seq.store(seq, Ordering::SeqCst);
        let robust = &control.worker.robust_word;
        if robust.load(Ordering::SeqCst) & WAITERS != 0 {
            robust.fetch_and(!WAITERS, Ordering::SeqCst);
            futex::wake_one(robust);
            spinner.woke_other();
        }
        last = seq;
    }
}

/// Takes the descriptors the host sent for call `seq` from the setup socket, and says in the
/// control block which message they came from and how many there were; or the status that
/// refuses the call (they did not arrive, or the worker holds too many already: the call's
/// are closed).
fn take_files(control: &crate::transport::region::Control, seq: u32) -> Result<Vec<OwnedFd>, u32> {
    let announced = control.host.call_files.load(Ordering::Relaxed);
    let acknowledge = |taken: usize| {
        control.worker.files_seq.store(seq, Ordering::Relaxed);
        control
            .worker
            .files_taken
            .store(u32::try_from(taken).unwrap_or(u32::MAX), Ordering::Relaxed);
    };
    if announced == 0 {
        acknowledge(0);
        return Ok(Vec::new());
    }
    #[cfg(feature = "test-hooks")]
    if crate::test_hooks::skip_taking_files() {
        // A lying worker: says it took them, leaves them queued.
        acknowledge(usize::try_from(announced).unwrap_or(0));
        return Ok(Vec::new());
    }
    // SAFETY: descriptor 4 is the setup socket, kept open for the worker's whole life: the
    // confinement step leaves it open and the seccomp filter refuses closing or replacing it.
    // The borrow ends with this function.
    let socket = unsafe { BorrowedFd::borrow_raw(SETUP_SOCKET_FD) };
    let Ok(files) = crate::files::channel::receive(socket, seq, announced) else {
        acknowledge(0);
        return Err(status::FILES_MISSING);
    };
    acknowledge(files.len());
    if crate::files::open_passed_files().saturating_add(files.len()) > crate::files::MAX_OPEN_FILES
    {
        return Err(status::TOO_MANY_FILES);
    }
    Ok(files)
}

/// Copies the worker's spin counts where the host can read them (relaxed: they are reports,
/// ordered with nothing; the line is the worker's own, so the stores cost no transfer).
fn publish(shared: &WorkerSpinCounters, counters: SpinCounters) {
    shared.caught.store(counters.caught, Ordering::Relaxed);
    shared.idle.store(counters.idle, Ordering::Relaxed);
    shared
        .preempted
        .store(counters.preempted, Ordering::Relaxed);
    shared.skipped.store(counters.skipped, Ordering::Relaxed);
    shared.slept.store(counters.slept, Ordering::Relaxed);
    shared
        .shared_core
        .store(counters.shared_core, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Covers the /proc-less fallback of the descriptor check: an open descriptor above 3
    /// must be found by probing.
    #[test]
    fn probing_finds_an_open_descriptor() {
        let file = std::fs::File::open("/dev/null").expect("open");
        let high = rustix::io::fcntl_dupfd_cloexec(&file, 5).expect("dup");
        let found = probe_descriptors().expect("a descriptor above 4 is open");
        assert!(found >= 5);
        assert!(found <= u64::try_from(std::os::fd::AsRawFd::as_raw_fd(&high)).unwrap_or(0));
    }
}
