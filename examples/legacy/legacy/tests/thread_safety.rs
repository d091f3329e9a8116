//! Thread-safety tests. They observe liblegacy's process-wide state, so they live in their own
//! test binary and run one at a time.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use legacy::{LgCode, Store};

/// Tests in this file observe process-wide counters: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const THREADS: usize = 4;

/// Runs `work(thread_index)` on `THREADS` threads released together, and joins them.
fn on_threads<T: Send + 'static>(work: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let start = Arc::new(Barrier::new(THREADS));
    let work = Arc::new(work);
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (start, work) = (Arc::clone(&start), Arc::clone(&work));
            thread::spawn(move || {
                start.wait();
                work(t)
            })
        })
        .collect();
    workers
        .into_iter()
        .map(|worker| worker.join().expect("worker panicked"))
        .collect()
}

fn config_file(dir: &tempfile::TempDir, lines: usize) -> PathBuf {
    let mut text = String::new();
    for i in 0..lines {
        let _ = writeln!(text, "key{i} = value number {i}");
    }
    let path = dir.path().join("big.conf");
    std::fs::write(&path, text).expect("write config");
    path
}

/// **Thread-safety violation.** liblegacy keeps its registry of open stores, its id counter
/// and its last error in unsynchronised globals: two threads working on *different* stores
/// still race. liblegacy counts calls that overlap (`lg_misuse_count`).
///
/// Defence: every call that touches the globals holds the crate's one
/// `ffiguard::sync::LibraryLock`, including the release in `Drop`. Without it, threads that
/// load files into their own stores overlap inside liblegacy: the misuse count rises (and ids
/// repeat or the open-store count drifts once the races land).
#[test]
fn calls_from_many_threads_never_overlap_inside_the_library() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Arc::new(config_file(&dir, 2_000));
    let misuse_before = legacy::misuse_count().unwrap();
    let open_before = legacy::open_stores().unwrap();

    let ids = on_threads(move |t| {
        let mut ids = Vec::new();
        for round in 0..10 {
            let mut store = Store::new(&format!("worker{t}")).expect("Store::new");
            store.load(&path).expect("load");
            assert_eq!(store.stats().expect("stats").entries, 2_000);
            assert_eq!(store.get("key1999").expect("get"), "value number 1999");
            ids.push(store.id());
            for _ in 0..(100 * round) {
                ids.push(Store::new("short-lived").expect("Store::new").id());
            }
        }
        ids
    });

    assert_eq!(
        legacy::misuse_count().unwrap(),
        misuse_before,
        "liblegacy saw overlapping calls"
    );
    let mut counters = HashSet::new();
    for id in ids.into_iter().flatten() {
        // The low 24 bits are liblegacy's counter; the top 8 mix in the name.
        assert!(
            counters.insert(id & 0x00ff_ffff),
            "id counter repeated: {id:#x}"
        );
    }
    assert_eq!(
        legacy::open_stores().unwrap(),
        open_before,
        "registry count drifted"
    );
}

/// **Thread-safety violation: the last error.** liblegacy's last-error message is one global
/// buffer; another thread's failure can overwrite it between a call and the read of its
/// message.
///
/// Defence: the message is read under the same lock as the call, and attached only when
/// `lg_last_error_code()` names the code the call returned. Every error below must carry its
/// own message, never another thread's.
#[test]
fn error_messages_stay_with_their_own_failure_across_threads() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    on_threads(|t| {
        let mut store = Store::new(&format!("msg{t}")).expect("Store::new");
        if t % 2 == 1 {
            store.seal().expect("seal");
        }
        for _ in 0..2_000 {
            let err = if t % 2 == 0 {
                store.get("absent").unwrap_err()
            } else {
                store.set("k", "v").unwrap_err()
            };
            let text = err.to_string();
            if t % 2 == 0 {
                assert_eq!(err.code(), Some(LgCode::NotFound), "{text}");
                assert!(text.contains("no key 'absent'"), "{text}");
            } else {
                assert_eq!(err.code(), Some(LgCode::Unknown(-9)), "{text}");
                assert!(text.contains(&format!("'msg{t}' is sealed")), "{text}");
            }
        }
    });
}

/// **Global limits.** liblegacy's registry holds 64 stores; the 65th `lg_store_new` returns
/// NULL with `LG_ERR_FULL`.
///
/// Defence: `ffiguard::error::null_is_error` plus the library's message: the caller gets the
/// typed code and liblegacy's explanation instead of a null handle.
#[test]
fn full_registry_is_a_typed_error() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut stores = Vec::new();
    let err = loop {
        match Store::new("filler") {
            Ok(store) => stores.push(store),
            Err(err) => break err,
        }
        assert!(
            stores.len() <= 64,
            "more than LG_MAX_STORES stores were opened"
        );
    };
    assert_eq!(err.code(), Some(LgCode::Full), "{err}");
    assert!(err.to_string().contains("64 stores already open"), "{err}");
    drop(stores);
    assert!(Store::new("after").is_ok());
}
