//! SQLite through a sandbox session, with real workers: a database built and queried through
//! handles, and database files that make the library crash, hang or fail — each a typed
//! error, after which a new connection works.

use std::time::{Duration, Instant};

use ffiguard_sandbox::{Sandbox, SandboxError};
use sqlite_sandboxed::{Connection, Error, Value};

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .workers(2)
        .deadline(Duration::from_secs(20))
        .build()
        .expect("sandbox")
}

/// A database with `rows` rows in `t(id INTEGER PRIMARY KEY, name TEXT, score REAL)`.
fn filled(sandbox: &Sandbox, rows: u16) -> Connection<'_> {
    let db = Connection::open_in_memory(sandbox).expect("open");
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)")
        .expect("create");
    let insert = db
        .prepare("INSERT INTO t(id, name, score) VALUES (?1, ?2, ?3)")
        .expect("prepare");
    let batches: Vec<Vec<Value>> = (0..rows)
        .map(|id| {
            vec![
                Value::Integer(i64::from(id)),
                Value::Text(format!("row {id}")),
                Value::Real(f64::from(id) / 2.0),
            ]
        })
        .collect();
    db.execute("BEGIN").expect("begin");
    assert_eq!(
        insert.execute_many(&batches).expect("insert"),
        u64::from(rows)
    );
    db.execute("COMMIT").expect("commit");
    db
}

/// The bytes of a small valid database file, made in a worker with `VACUUM INTO` replaced
/// by SQLite's own serialization: built here from a known schema.
fn image(sandbox: &Sandbox) -> Vec<u8> {
    let db = filled(sandbox, 50);
    db.execute("CREATE VIEW v AS SELECT count(*) FROM t")
        .expect("view");
    db.serialize().expect("serialize")
}

fn statements_live_in_the_worker() {
    let sandbox = sandbox();
    let db = filled(&sandbox, 1000);
    let point = db
        .prepare("SELECT name, score FROM t WHERE id = ?1")
        .expect("prepare");
    assert_eq!(point.column_count(), 2);
    for id in [0_u16, 1, 999] {
        assert_eq!(
            point
                .query_row(&[Value::Integer(i64::from(id))])
                .expect("query"),
            Some(vec![
                Value::Text(format!("row {id}")),
                Value::Real(f64::from(id) / 2.0)
            ])
        );
    }
    assert_eq!(
        point.query_row(&[Value::Integer(5000)]).expect("query"),
        None
    );
    let scan = db.prepare("SELECT id FROM t ORDER BY id").expect("prepare");
    let rows = scan.query_all(&[]).expect("scan");
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[999], vec![Value::Integer(999)]);
    assert_eq!(rows.iter().count(), 1000);
    let blob = db.prepare("SELECT ?1, ?2").expect("prepare");
    assert_eq!(
        blob.query_row(&[Value::Blob(vec![0, 1, 2]), Value::Null])
            .expect("query"),
        Some(vec![Value::Blob(vec![0, 1, 2]), Value::Null])
    );
}

fn sqlite_errors_are_typed_and_the_connection_goes_on() {
    let sandbox = sandbox();
    let db = filled(&sandbox, 3);
    let error = db.prepare("SELEC nonsense").expect_err("syntax");
    assert!(
        matches!(&error, Error::Sql(e) if e.message.contains("syntax")),
        "{error}"
    );
    let error = db
        .execute("INSERT INTO t(id, name) VALUES (1, 'dup')")
        .expect_err("constraint");
    assert!(matches!(error, Error::Sql(_)), "{error}");
    assert!(db.is_open());
    let count = db.prepare("SELECT count(*) FROM t").expect("prepare");
    assert_eq!(
        count.query_row(&[]).expect("count"),
        Some(vec![Value::Integer(3)])
    );
}

fn a_file_that_is_not_a_database_is_an_error() {
    let sandbox = sandbox();
    let garbage = b"this is not a database file, only text that is long enough".repeat(40);
    let outcome = Connection::open_image(&sandbox, &garbage)
        .and_then(|db| db.prepare("SELECT * FROM sqlite_master").map(|_| ()));
    match outcome {
        Err(Error::Sql(e)) => assert!(e.message.contains("not a database"), "{e}"),
        other => panic!("expected SQLITE_NOTADB: {other:?}"),
    }
}

fn a_hostile_file_that_crashes_sqlite_ends_only_its_connection() {
    let sandbox = sandbox();
    let clean = image(&sandbox);
    // The file's view reaches the planted bug, as a crafted file reaches a real one.
    let hostile = {
        let db = Connection::open_image(&sandbox, &clean).expect("open");
        db.execute("DROP VIEW v; CREATE VIEW v AS SELECT planted_fault()")
            .expect("plant");
        db.serialize().expect("serialize")
    };
    let db = Connection::open_image(&sandbox, &hostile).expect("open");
    let view = db.prepare("SELECT * FROM v").expect("prepare");
    let error = view.query_row(&[]).expect_err("the worker crashes");
    assert!(
        matches!(&error, Error::Sandbox(SandboxError::Crashed { .. })),
        "{error}"
    );
    assert!(!db.is_open());
    let error = db.execute("SELECT 1").expect_err("ended");
    assert!(
        matches!(&error, Error::Sandbox(SandboxError::SessionEnded { cause }) if cause.contains("SIGSEGV")),
        "{error}"
    );
    // Another connection, a fresh worker: the clean file reads fine.
    let again = Connection::open_image(&sandbox, &clean).expect("open");
    let count = again.prepare("SELECT * FROM v").expect("prepare");
    assert_eq!(
        count.query_row(&[]).expect("count"),
        Some(vec![Value::Integer(50)])
    );
}

fn a_query_that_never_ends_is_cut_at_the_deadline() {
    let sandbox = sandbox();
    let db = Connection::open_in_memory(&sandbox)
        .expect("open")
        .with_deadline(Duration::from_millis(500));
    let started = Instant::now();
    let error = db
        .execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
        .expect_err("endless");
    assert!(
        matches!(&error, Error::Sandbox(SandboxError::Timeout { .. })),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!db.is_open());
}

/// Planted-bug fuzzing of the file format: flips bytes of a valid file (seeded, bounded) and
/// opens and queries each. Every outcome is a value or a typed error; the host goes on.
fn corrupted_files_never_hurt_the_host() {
    let sandbox = sandbox();
    let clean = image(&sandbox);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut sql_errors, mut ended) = (0, 0, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..60 {
        if Instant::now() > deadline {
            break;
        }
        let mut file = clean.clone();
        for _ in 0..(1 + next() % 16) {
            let at = usize::try_from(next()).unwrap_or(0) % file.len();
            file[at] ^= u8::try_from(next() % 255 + 1).unwrap_or(1);
        }
        let outcome = Connection::open_image(&sandbox, &file).and_then(|db| {
            let db = db.with_deadline(Duration::from_secs(2));
            let stmt = db.prepare("SELECT id, name, score FROM t ORDER BY name")?;
            stmt.query_all(&[])?;
            db.execute("PRAGMA integrity_check")
        });
        match outcome {
            Ok(()) => ok += 1,
            Err(Error::Sql(_)) => sql_errors += 1,
            Err(Error::Sandbox(_)) => ended += 1,
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    eprintln!("    {ok} read, {sql_errors} SQLite errors, {ended} workers lost");
    assert!(ok + sql_errors + ended > 0);
    // The sandbox still serves.
    let db = Connection::open_image(&sandbox, &clean).expect("open");
    assert!(db.prepare("SELECT 1").is_ok());
}

/// A database file passed as a descriptor: read under `pure_compute`, never written.
fn a_database_file_opens_read_only_from_its_descriptor() {
    let sandbox = sandbox();
    let path = std::env::temp_dir().join(format!("ffiguard-sqlite-{}.db", std::process::id()));
    std::fs::write(&path, image(&sandbox)).expect("write the file");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .expect("open");
    let db = Connection::open_file(&sandbox, &file).expect("open from the descriptor");
    let count = db
        .prepare("SELECT count(*) FROM t")
        .expect("prepare")
        .query_row(&[])
        .expect("query");
    assert_eq!(count, Some(vec![Value::Integer(50)]));
    let refused = db.execute("DELETE FROM t");
    assert!(
        matches!(&refused, Err(Error::Sql(error)) if error.code == libsqlite3_sys::SQLITE_READONLY),
        "{refused:?}"
    );
    drop(db);
    let directory = std::fs::File::open(std::env::temp_dir()).expect("directory");
    assert!(matches!(
        Connection::open_file(&sandbox, &directory),
        Err(Error::File(ffiguard_sandbox::FileError::Directory))
    ));
    let _ = std::fs::remove_file(&path);
}

/// A worker that lies about the rows it returns — how many, how long a text is, where the
/// block ends, what type a value has — gets a typed error from the host's decoder, never a
/// panic or a wrong answer; the connection goes on once it tells the truth again.
fn a_worker_that_lies_about_its_rows_is_refused() {
    use sqlite_sandboxed::Lie;
    let sandbox = sandbox();
    let db = filled(&sandbox, 10);
    let scan = db
        .prepare("SELECT name FROM t ORDER BY id")
        .expect("prepare");
    let point = db
        .prepare("SELECT name FROM t WHERE id = ?1")
        .expect("prepare");
    let plant = |lie| db.plant_lie(lie).expect("planted");
    let lies = [
        (Lie::MoreRows, "CountMismatch"),
        (Lie::FewerRows, "CountMismatch"),
        (Lie::LongText, "Truncated"),
        (Lie::CutShort, "Truncated"),
        (Lie::UnknownTag, "UnknownTag"),
    ];
    for (lie, expected) in lies {
        plant(lie);
        let all = scan.query_all(&[]);
        assert!(
            matches!(&all, Err(Error::Rows(error)) if format!("{error:?}").starts_with(expected)),
            "{lie:?}: {all:?}"
        );
        let one = point.query_row(&[Value::Integer(3)]);
        assert!(
            matches!(&one, Err(Error::Rows(_) | Error::Contradicted(_))),
            "{lie:?}: {one:?}"
        );
    }
    plant(Lie::None);
    assert_eq!(scan.query_all(&[]).expect("truthful").len(), 10);
    assert!(db.is_open());
}

fn main() {
    ffiguard_sandbox::testing::run(ffiguard_sandbox::tests![
        a_worker_that_lies_about_its_rows_is_refused,
        a_database_file_opens_read_only_from_its_descriptor,
        statements_live_in_the_worker,
        sqlite_errors_are_typed_and_the_connection_goes_on,
        a_file_that_is_not_a_database_is_an_error,
        a_hostile_file_that_crashes_sqlite_ends_only_its_connection,
        a_query_that_never_ends_is_cut_at_the_deadline,
        corrupted_files_never_hurt_the_host,
    ]);
}
