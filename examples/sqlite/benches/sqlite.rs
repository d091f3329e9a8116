//! SQLite in a sandbox session against SQLite in-process, side by side in one run.
//!
//! `cargo bench -p sqlite-sandboxed --bench sqlite` prints medians (and min–max over the
//! rounds): empty calls through the pool and in a session, a call that only takes a handle
//! next to the session's empty call, a point query by primary key on a 100,000-row table, and
//! a scan of the table returned in one call. The same point query and scan also run against
//! the design a user would write by hand instead: a process of its own that owns the SQLite
//! connection and answers over a Unix socket pair with postcard frames (no confinement, no
//! checks beyond postcard's). BENCHMARKS.md (`## Sandbox sessions: SQLite and streams`)
//! records them. `-- quick` runs fewer rounds; `-- only=empty` (or `point`, `scan`) runs one
//! group. Run without `--bench` (`cargo test --benches`), it makes each call once as a smoke
//! test; its figures mean nothing.

use std::ffi::{CStr, c_int};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ffiguard_sandbox::{Remote, RemoteError, Sandbox, isolated};
use libsqlite3_sys as ffi;
use sqlite_sandboxed::{Connection, Value};

const ROWS: i64 = 100_000;

#[isolated]
fn empty() {}

/// Keeps a byte in the session's worker.
#[isolated]
fn keep() -> Result<Remote<u8>, RemoteError> {
    Remote::new(1)
}

/// Takes a handle and does nothing with it: what a handle adds to a call.
#[isolated]
fn take(kept: Remote<u8>) {
    drop(kept);
}

/// The same table, in-process, through the raw API.
struct Local {
    db: *mut ffi::sqlite3,
    point: *mut ffi::sqlite3_stmt,
    scan: *mut ffi::sqlite3_stmt,
}

/// One live statement, driven one SQLite call per method.
#[derive(Clone, Copy)]
struct Raw(*mut ffi::sqlite3_stmt);

impl Raw {
    fn reset(self) {
        // SAFETY: the statement is live (finalized only when `Local` drops).
        unsafe { ffi::sqlite3_reset(self.0) };
    }

    fn bind(self, id: i64) {
        // SAFETY: as above; parameter 1 exists in every statement bound here.
        unsafe { ffi::sqlite3_bind_int64(self.0, 1, id) };
    }

    fn step(self) -> c_int {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_step(self.0) }
    }

    fn int(self, column: c_int) -> i64 {
        // SAFETY: as above, positioned on a row that has `column`.
        unsafe { ffi::sqlite3_column_int64(self.0, column) }
    }

    fn real(self, column: c_int) -> f64 {
        // SAFETY: as above.
        unsafe { ffi::sqlite3_column_double(self.0, column) }
    }

    fn text(self, column: c_int) -> String {
        // SAFETY: as above; the pointer is read before the statement moves.
        let text = unsafe { ffi::sqlite3_column_text(self.0, column) };
        // SAFETY: SQLite's text is NUL-terminated and valid until the next step or reset.
        unsafe { CStr::from_ptr(text.cast()) }
            .to_string_lossy()
            .into_owned()
    }

    fn finalize(self) {
        // SAFETY: called once per statement, from `Drop`.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

impl Local {
    fn new() -> Self {
        let mut db = std::ptr::null_mut();
        // SAFETY: literal name, valid out-pointer.
        let code = unsafe { ffi::sqlite3_open(c":memory:".as_ptr(), &raw mut db) };
        assert_eq!(code, ffi::SQLITE_OK);
        let exec = |sql: &CStr| {
            // SAFETY: `db` is open, `sql` NUL-terminated.
            let code = unsafe {
                ffi::sqlite3_exec(
                    db,
                    sql.as_ptr(),
                    None,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(code, ffi::SQLITE_OK);
        };
        exec(c"CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)");
        exec(c"BEGIN");
        let insert = Raw(prepare(
            db,
            c"INSERT INTO t VALUES (?1, 'row ' || ?1, ?1 / 2.0)",
        ));
        for id in 0..ROWS {
            insert.bind(id);
            assert_eq!(insert.step(), ffi::SQLITE_DONE);
            insert.reset();
        }
        insert.finalize();
        exec(c"COMMIT");
        Self {
            db,
            point: prepare(db, c"SELECT name, score FROM t WHERE id = ?1"),
            scan: prepare(db, c"SELECT id, name, score FROM t"),
        }
    }

    /// A point query, reading the row into owned values as the sandboxed one does.
    fn point(&self, id: i64) -> (String, f64) {
        self.point_row(id).expect("a row")
    }

    fn point_row(&self, id: i64) -> Option<(String, f64)> {
        let point = Raw(self.point);
        point.reset();
        point.bind(id);
        (point.step() == ffi::SQLITE_ROW).then(|| self.locked(|| (point.text(0), point.real(1))))
    }

    /// Runs `read` under one hold of the connection's mutex, so that the column calls in it
    /// take it again without an atomic operation: how the sandboxed worker reads a row too.
    fn locked<R>(&self, read: impl FnOnce() -> R) -> R {
        // SAFETY: `db` is open; its mutex is recursive; left below.
        let mutex = unsafe { ffi::sqlite3_db_mutex(self.db) };
        // SAFETY: as above.
        unsafe { ffi::sqlite3_mutex_enter(mutex) };
        let row = read();
        // SAFETY: entered above, on this thread.
        unsafe { ffi::sqlite3_mutex_leave(mutex) };
        row
    }

    fn scan(&self) -> usize {
        self.scan_rows().len()
    }

    /// Every row, read into owned values.
    fn scan_rows(&self) -> Vec<(i64, String, f64)> {
        let scan = Raw(self.scan);
        let mut rows = Vec::new();
        scan.reset();
        while scan.step() == ffi::SQLITE_ROW {
            rows.push(self.locked(|| (scan.int(0), scan.text(1), scan.real(2))));
        }
        rows
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        Raw(self.point).finalize();
        Raw(self.scan).finalize();
        // SAFETY: every statement is finalized; the connection is closed once.
        unsafe { ffi::sqlite3_close(self.db) };
    }
}

/// Serves the socket contender's worker if this process was started as one.
const SOCKET_WORKER_ARG: &str = "--bench-sqlite-socket-worker";

/// What the socket contender's host asks: a point query by id, or the whole scan.
#[derive(serde::Serialize, serde::Deserialize)]
enum Ask {
    Point(i64),
    Scan,
}

/// The contender's worker: the same table in a process of its own, answering postcard frames
/// (a `u32` length, then the payload) on the socket it was given as stdin.
fn serve_socket() -> ! {
    // SAFETY: fd 0 is the socket the host passed as stdin, owned by nothing else here.
    let mut stream = unsafe { UnixStream::from_raw_fd(0) };
    let local = Local::new();
    let mut payload = Vec::new();
    loop {
        if read_frame(&mut stream, &mut payload).is_err() {
            std::process::exit(0);
        }
        let reply = match postcard::from_bytes::<Ask>(&payload) {
            Ok(Ask::Point(id)) => postcard::to_allocvec(&local.point_row(id)),
            Ok(Ask::Scan) => postcard::to_allocvec(&local.scan_rows()),
            Err(_) => std::process::exit(1),
        };
        let Ok(reply) = reply else {
            std::process::exit(1)
        };
        if write_frame(&mut stream, &reply).is_err() {
            std::process::exit(0);
        }
    }
}

fn write_frame(stream: &mut UnixStream, payload: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}

fn read_frame(stream: &mut UnixStream, payload: &mut Vec<u8>) -> std::io::Result<()> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header)?;
    payload.resize(u32::from_le_bytes(header) as usize, 0);
    stream.read_exact(payload)
}

/// The host side of the socket contender.
struct SocketPeer {
    stream: UnixStream,
    child: Child,
    reply: Vec<u8>,
}

impl SocketPeer {
    fn start() -> Self {
        let (host, client) = UnixStream::pair().expect("socketpair");
        let child = Command::new("/proc/self/exe")
            .arg(SOCKET_WORKER_ARG)
            .env_clear()
            .stdin(Stdio::from(OwnedFd::from(client)))
            .stdout(Stdio::null())
            .spawn()
            .expect("socket worker");
        let mut peer = Self {
            stream: host,
            child,
            reply: Vec::new(),
        };
        // The worker fills its table before it answers: not part of any measured call.
        let _: Option<(String, f64)> = peer.ask(&Ask::Point(0));
        peer
    }

    fn ask<R: serde::de::DeserializeOwned>(&mut self, ask: &Ask) -> R {
        let request = postcard::to_allocvec(ask).expect("encode");
        write_frame(&mut self.stream, &request).expect("write");
        read_frame(&mut self.stream, &mut self.reply).expect("read");
        postcard::from_bytes(&self.reply).expect("decode")
    }
}

impl Drop for SocketPeer {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn prepare(db: *mut ffi::sqlite3, sql: &CStr) -> *mut ffi::sqlite3_stmt {
    let mut stmt = std::ptr::null_mut();
    // SAFETY: `db` is open, `sql` NUL-terminated, `stmt` a valid out-pointer.
    let code: c_int = unsafe {
        ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &raw mut stmt, std::ptr::null_mut())
    };
    assert_eq!(code, ffi::SQLITE_OK);
    stmt
}

/// Per-call time of `rounds` batches of `batch` calls: (median, min, max).
fn measure(rounds: u32, batch: u32, mut call: impl FnMut(u32)) -> (Duration, Duration, Duration) {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for i in 0..batch {
                call(i);
            }
            start.elapsed() / batch.max(1)
        })
        .collect();
    samples.sort_unstable();
    (
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1],
    )
}

/// [`measure`] for two calls, their rounds alternating.
fn measure_pair(
    rounds: u32,
    batch: u32,
    mut first: impl FnMut(),
    mut second: impl FnMut(),
) -> (
    (Duration, Duration, Duration),
    (Duration, Duration, Duration),
) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        a.push(measure(1, batch, |_| first()).0);
        b.push(measure(1, batch, |_| second()).0);
    }
    let summary = |mut samples: Vec<Duration>| {
        samples.sort_unstable();
        (
            samples[samples.len() / 2],
            samples[0],
            samples[samples.len() - 1],
        )
    };
    (summary(a), summary(b))
}

/// CPU time a process has used so far (all its threads), through its CPU-time clock; `None`
/// when the clock cannot be read.
fn process_cpu(pid: u32) -> Option<Duration> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    let mut clock: libc::clockid_t = 0;
    // SAFETY: `clock` is a valid out-pointer; any pid is accepted (an error for a bad one).
    if unsafe { libc::clock_getcpuclockid(pid, &raw mut clock) } != 0 {
        return None;
    }
    read_clock(clock)
}

/// CPU time this thread has used so far.
fn thread_cpu() -> Option<Duration> {
    read_clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn read_clock(clock: libc::clockid_t) -> Option<Duration> {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid out-pointer.
    if unsafe { libc::clock_gettime(clock, &raw mut time) } != 0 {
        return None;
    }
    Some(Duration::new(
        u64::try_from(time.tv_sec).ok()?,
        u32::try_from(time.tv_nsec).ok()?,
    ))
}

/// CPU time per scan of `scans` runs of `run`: this thread's, and the peer process's.
fn cpu_per_scan(scans: u32, peer: Option<u32>, mut run: impl FnMut()) -> (Duration, Duration) {
    let peer_cpu = || peer.and_then(process_cpu).unwrap_or_default();
    let (host_before, peer_before) = (thread_cpu().unwrap_or_default(), peer_cpu());
    for _ in 0..scans {
        run();
    }
    let host = thread_cpu().unwrap_or_default().saturating_sub(host_before);
    let peer = peer_cpu().saturating_sub(peer_before);
    (host / scans.max(1), peer / scans.max(1))
}

fn show_cpu(name: &str, (host, peer): (Duration, Duration), base: Duration) {
    let total = host + peer;
    let ratio = base.as_secs_f64() / total.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "| {name}: CPU time per scan, caller + other process | {:.2} ms + {:.2} ms = {:.2} ms | | {ratio:.2}× |",
        host.as_secs_f64() * 1e3,
        peer.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
    );
}

fn show(name: &str, (median, min, max): (Duration, Duration, Duration), base: Duration) {
    let ratio = base.as_secs_f64() / median.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "| {name} | {:.2} µs | {:.2}–{:.2} µs | {ratio:.2}× |",
        median.as_secs_f64() * 1e6,
        min.as_secs_f64() * 1e6,
        max.as_secs_f64() * 1e6,
    );
}

fn main() {
    ffiguard_sandbox::init();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(SOCKET_WORKER_ARG) {
        serve_socket();
    }
    let smoke = !args.iter().any(|a| a == "--bench");
    let quick = args.iter().any(|a| a == "quick");
    // `-- only=point` (or `empty`, `scan`) runs one group: for profiling one of them alone.
    let only = args
        .iter()
        .find_map(|a| a.strip_prefix("only="))
        .map(str::to_owned);
    let runs = |group: &str| only.as_deref().is_none_or(|only| only == group);
    let (rounds, batch, scans) = match (smoke, quick) {
        (true, _) => (1, 1, 1),
        (false, true) => (5, 2_000, 3),
        (false, false) => (11, 10_000, 7),
    };
    let sandbox = Sandbox::builder().workers(2).build().expect("sandbox");
    let db = Connection::open_in_memory(&sandbox).expect("open");
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)")
        .expect("create");
    db.execute(&format!(
        "BEGIN; WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x + 1 < {ROWS}) \
         INSERT INTO t SELECT x, 'row ' || x, x / 2.0 FROM c; COMMIT"
    ))
    .expect("fill");
    let point = db
        .prepare("SELECT name, score FROM t WHERE id = ?1")
        .expect("prepare");
    let scan = db
        .prepare("SELECT id, name, score FROM t")
        .expect("prepare");
    let local = Local::new();
    let id = |i: u32| i64::from(i).wrapping_mul(7919) % ROWS;

    println!("| operation | median | min–max | vs in-process |");
    println!("| --- | ---: | ---: | ---: |");
    // First, and in alternating rounds, so both see the same machine: an empty call through
    // the pool, then, in one session of a sandbox of its own, an empty call and one that
    // takes a handle.
    if runs("empty") {
        let (plain, _) = measure_pair(
            rounds,
            batch,
            || {
                empty::call(&sandbox)
                    .expect("call")
                    .trust_unverified("unit")
            },
            || point.ping().expect("ping"),
        );
        show("empty call, pool", plain, plain.0);
        {
            // Dropped before the queries below, so its worker does not spin beside theirs.
            let own = Sandbox::builder().workers(1).build().expect("sandbox");
            let session = std::cell::RefCell::new(own.session().expect("session"));
            let kept = keep::call_in(&mut session.borrow_mut())
                .expect("call")
                .trust_unverified("an opaque name")
                .expect("kept");
            let (in_session, taking) = measure_pair(
                rounds,
                batch,
                || {
                    empty::call_in(&mut session.borrow_mut())
                        .expect("call")
                        .trust_unverified("unit");
                },
                || {
                    take::call_in(&mut session.borrow_mut(), kept.clone())
                        .expect("call")
                        .trust_unverified("unit");
                },
            );
            show("empty call, session", in_session, in_session.0);
            show(
                "handle-taking empty call, same session",
                taking,
                in_session.0,
            );
        }
    }
    if runs("point") {
        let base = measure(rounds, batch, |i| {
            std::hint::black_box(local.point(id(i)));
        });
        show("point query, in-process", base, base.0);
        let sandboxed = measure(rounds, batch, |i| {
            std::hint::black_box(point.query_row(&[Value::Integer(id(i))]).expect("query"));
        });
        show("point query, session", sandboxed, base.0);
        let mut peer = SocketPeer::start();
        let socket = measure(rounds, batch, |i| {
            let row: Option<(String, f64)> = peer.ask(&Ask::Point(id(i)));
            std::hint::black_box(row.expect("a row"));
        });
        show("point query, Unix socket pair, postcard", socket, base.0);
    }
    if runs("scan") {
        let base = measure(scans, 1, |_| {
            assert_eq!(
                std::hint::black_box(local.scan()),
                usize::try_from(ROWS).unwrap_or(0)
            );
        });
        show("100k-row scan, in-process", base, base.0);
        let sandboxed = measure(scans, 1, |_| {
            assert_eq!(
                scan.query_all(&[]).expect("scan").len(),
                usize::try_from(ROWS).unwrap_or(0)
            );
        });
        show("100k-row scan, session, one call", sandboxed, base.0);
        let mut peer = SocketPeer::start();
        let socket = measure(scans, 1, |_| {
            let rows: Vec<(i64, String, f64)> = peer.ask(&Ask::Scan);
            assert_eq!(rows.len(), usize::try_from(ROWS).unwrap_or(0));
        });
        show("100k-row scan, Unix socket pair, postcard", socket, base.0);
        // The work of each design, whatever the machine's load: the CPU time of the calling
        // thread and of the process serving it (which includes up to one spin, 20 µs, on each
        // side per call: nothing next to a scan).
        let rows = usize::try_from(ROWS).unwrap_or(0);
        let local_cpu = cpu_per_scan(scans, None, || assert_eq!(local.scan(), rows));
        show_cpu("in-process", local_cpu, local_cpu.0);
        let session_cpu = cpu_per_scan(scans, db.worker_pid(), || {
            assert_eq!(scan.query_all(&[]).expect("scan").len(), rows);
        });
        show_cpu("session", session_cpu, local_cpu.0);
        let socket_cpu = cpu_per_scan(scans, Some(peer.child.id()), || {
            let rows_back: Vec<(i64, String, f64)> = peer.ask(&Ask::Scan);
            assert_eq!(rows_back.len(), rows);
        });
        show_cpu("Unix socket pair", socket_cpu, local_cpu.0);
    }
}
