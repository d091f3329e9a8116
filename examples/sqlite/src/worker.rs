//! The worker side: SQLite's own objects, kept in the session's worker and used through
//! [`Remote`]s. Everything here runs in the sandbox; the host only calls the isolated
//! functions' shims.

use std::ffi::{CStr, CString, c_char, c_int};
use std::io::Read;
use std::ptr::NonNull;

use ffiguard_sandbox::{ByteBuf, OutputBuf, PassedFile, Remote, RemoteError, isolated};
use libsqlite3_sys as ffi;

use crate::rows::{self, Packed};
use crate::value::{SqlError, Value};

unsafe extern "C" {
    /// In the bundled library, left out of libsqlite3-sys's bindings. Closes the connection
    /// once its last statement is finalized (a "zombie" until then), so the host may drop a
    /// connection's handle before its statements'.
    fn sqlite3_close_v2(db: *mut ffi::sqlite3) -> c_int;
}

/// An open `sqlite3*`, closed with `sqlite3_close_v2` (which waits for its statements).
pub struct Conn(NonNull<ffi::sqlite3>);

// SAFETY: the bundled SQLite is built threadsafe (SQLITE_THREADSAFE=1, serialized), so a
// connection may be used from any thread; the worker uses it from its one serving thread.
unsafe impl Send for Conn {}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sqlite3_open_v2 and is closed once, here; close_v2
        // defers the close until the connection's statements are finalized.
        unsafe { sqlite3_close_v2(self.0.as_ptr()) };
    }
}

/// A prepared `sqlite3_stmt*`, finalized on drop. Its connection may be closed first:
/// `sqlite3_close_v2` keeps it until its last statement is finalized.
pub struct Stmt {
    raw: NonNull<ffi::sqlite3_stmt>,
}

// SAFETY: as for `Conn`: serialized threading mode.
unsafe impl Send for Stmt {}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sqlite3_prepare_v2 and is finalized once, here.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

/// What a failed call returns: SQLite's error, or a handle that named nothing usable.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// SQLite said no.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// The handle could not be used.
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

fn error_of(db: *mut ffi::sqlite3, code: c_int) -> SqlError {
    // SAFETY: `db` is a live connection (or null, which errmsg answers for with "out of
    // memory").
    let text = unsafe { ffi::sqlite3_errmsg(db) };
    // SAFETY: errmsg returns a NUL-terminated string that stays valid until the next call on
    // the connection; it is copied before that.
    let message = unsafe { CStr::from_ptr(text) };
    SqlError {
        code,
        message: message.to_string_lossy().into_owned(),
    }
}

fn c_string(text: String) -> Result<CString, SqlError> {
    CString::new(text).map_err(|_| SqlError {
        code: ffi::SQLITE_MISUSE,
        message: "SQL text holds a NUL byte".to_owned(),
    })
}

fn open_memory_raw() -> Result<Conn, SqlError> {
    let mut db = std::ptr::null_mut();
    let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE | ffi::SQLITE_OPEN_MEMORY;
    // SAFETY: the name is a NUL-terminated literal, `db` a valid out-pointer, no VFS named.
    let code =
        unsafe { ffi::sqlite3_open_v2(c":memory:".as_ptr(), &raw mut db, flags, std::ptr::null()) };
    let Some(conn) = NonNull::new(db) else {
        return Err(SqlError {
            code,
            message: "sqlite3_open_v2 returned no connection".to_owned(),
        });
    };
    let conn = Conn(conn);
    if code != ffi::SQLITE_OK {
        return Err(error_of(conn.0.as_ptr(), code));
    }
    #[cfg(feature = "planted-bugs")]
    crate::planted::register(conn.0.as_ptr());
    Ok(conn)
}

/// Opens an empty in-memory database.
#[isolated]
pub fn open_memory() -> Result<Remote<Conn>, WorkerError> {
    Ok(Remote::new(open_memory_raw()?)?)
}

/// Opens a database from the bytes of a database file, in memory: the worker needs no
/// filesystem access, and whatever the file holds is parsed only here.
#[isolated]
pub fn open_image(image: ByteBuf) -> Result<Remote<Conn>, WorkerError> {
    let flags = ffi::SQLITE_DESERIALIZE_FREEONCLOSE | ffi::SQLITE_DESERIALIZE_RESIZEABLE;
    Ok(Remote::new(deserialize(&image.into_vec(), flags)?)?)
}

/// Opens, read-only and in memory, the database file the host passed: the worker reads it
/// through its descriptor (no filesystem policy) and SQLite refuses every write to it.
#[isolated]
pub fn open_file(file: PassedFile) -> Result<Remote<Conn>, WorkerError> {
    let mut image = Vec::new();
    file.as_file()
        .read_to_end(&mut image)
        .map_err(|error| SqlError {
            code: ffi::SQLITE_IOERR,
            message: format!("cannot read the database file: {error}"),
        })?;
    drop(file);
    let flags = ffi::SQLITE_DESERIALIZE_FREEONCLOSE | ffi::SQLITE_DESERIALIZE_READONLY;
    Ok(Remote::new(deserialize(&image, flags)?)?)
}

/// A connection to an in-memory copy of `image` (`sqlite3_deserialize` with `flags`).
fn deserialize(image: &[u8], flags: u32) -> Result<Conn, SqlError> {
    let conn = open_memory_raw()?;
    let len = i64::try_from(image.len()).map_err(|_| SqlError {
        code: ffi::SQLITE_TOOBIG,
        message: "database image too large".to_owned(),
    })?;
    let size = u64::try_from(len).unwrap_or(0).max(1);
    // SAFETY: sqlite3_malloc64 has no preconditions; the result is checked below.
    let buffer = unsafe { ffi::sqlite3_malloc64(size) }.cast::<u8>();
    if buffer.is_null() {
        return Err(SqlError {
            code: ffi::SQLITE_NOMEM,
            message: "no memory for the database image".to_owned(),
        });
    }
    // SAFETY: `buffer` holds at least `image.len()` bytes and is fresh, so disjoint from
    // `image`.
    unsafe { std::ptr::copy_nonoverlapping(image.as_ptr(), buffer, image.len()) };
    // SAFETY: `buffer` came from sqlite3_malloc64 with `size >= len` bytes, and with
    // FREEONCLOSE (which every caller passes) SQLite owns it from here (it frees it on
    // failure too).
    let code = unsafe {
        ffi::sqlite3_deserialize(conn.0.as_ptr(), c"main".as_ptr(), buffer, len, len, flags)
    };
    if code != ffi::SQLITE_OK {
        return Err(error_of(conn.0.as_ptr(), code));
    }
    Ok(conn)
}

/// Runs statements that return no rows (`sqlite3_exec`).
#[isolated]
pub fn execute(conn: Remote<Conn>, sql: String) -> Result<(), WorkerError> {
    let sql = c_string(sql)?;
    conn.with(|conn| {
        let db = conn.0.as_ptr();
        // SAFETY: `db` is live, `sql` NUL-terminated; no callback, no error out-pointer.
        let code = unsafe {
            ffi::sqlite3_exec(
                db,
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(error_of(db, code).into())
        }
    })?
}

/// Prepares one statement; the statement keeps its connection alive.
#[isolated]
pub fn prepare(conn: Remote<Conn>, sql: String) -> Result<(Remote<Stmt>, u32), WorkerError> {
    let sql = c_string(sql)?;
    let raw = conn.with(|c| {
        let db = c.0.as_ptr();
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is live, `sql` NUL-terminated (-1: read to the NUL), `stmt` a valid
        // out-pointer; the tail is not wanted.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &raw mut stmt, std::ptr::null_mut())
        };
        match NonNull::new(stmt) {
            Some(stmt) if code == ffi::SQLITE_OK => Ok(stmt),
            _ if code == ffi::SQLITE_OK => Err(SqlError {
                code: ffi::SQLITE_MISUSE,
                message: "no statement in the SQL text".to_owned(),
            }),
            _ => Err(error_of(db, code)),
        }
    })??;
    // SAFETY: `raw` is a live statement.
    let columns = unsafe { ffi::sqlite3_column_count(raw.as_ptr()) };
    let stmt = Stmt { raw };
    Ok((Remote::new(stmt)?, u32::try_from(columns).unwrap_or(0)))
}

fn bind(stmt: &mut Stmt, params: &[Value]) -> Result<(), SqlError> {
    let raw = stmt.raw.as_ptr();
    // SAFETY: `raw` is live; reset and clear have no other preconditions.
    unsafe {
        ffi::sqlite3_reset(raw);
    }
    // SAFETY: as above.
    let parameters = unsafe { ffi::sqlite3_bind_parameter_count(raw) };
    // Values of an earlier call that this one does not bind again are cleared; when it binds
    // every parameter there are none, and the clearing pass is skipped.
    if usize::try_from(parameters).map_or(true, |parameters| params.len() < parameters) {
        // SAFETY: as above.
        unsafe {
            ffi::sqlite3_clear_bindings(raw);
        }
    }
    for (index, value) in params.iter().enumerate() {
        let index = c_int::try_from(index + 1).unwrap_or(c_int::MAX);
        let code = match value {
            // SAFETY: `raw` is live; out-of-range indexes return SQLITE_RANGE.
            Value::Null => unsafe { ffi::sqlite3_bind_null(raw, index) },
            // SAFETY: as above.
            Value::Integer(n) => unsafe { ffi::sqlite3_bind_int64(raw, index, *n) },
            // SAFETY: as above.
            Value::Real(x) => unsafe { ffi::sqlite3_bind_double(raw, index, *x) },
            // SAFETY: pointer and length describe `text`; SQLITE_TRANSIENT makes SQLite copy
            // it before returning.
            Value::Text(text) => unsafe {
                ffi::sqlite3_bind_text64(
                    raw,
                    index,
                    text.as_ptr().cast::<c_char>(),
                    text.len() as u64,
                    ffi::SQLITE_TRANSIENT(),
                    u8::try_from(ffi::SQLITE_UTF8).unwrap_or(1),
                )
            },
            // SAFETY: as for text.
            Value::Blob(bytes) => unsafe {
                ffi::sqlite3_bind_blob64(
                    raw,
                    index,
                    bytes.as_ptr().cast(),
                    bytes.len() as u64,
                    ffi::SQLITE_TRANSIENT(),
                )
            },
        };
        if code != ffi::SQLITE_OK {
            // SAFETY: `raw` is live.
            let db = unsafe { ffi::sqlite3_db_handle(raw) };
            return Err(error_of(db, code));
        }
    }
    Ok(())
}

thread_local! {
    /// Where a reply's rows are encoded before they are copied into its [`OutputBuf`] in
    /// large pieces; kept from call to call, so a point query allocates nothing for it.
    static CHUNK: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Bytes a scan gathers before it copies them into the reply buffer.
const CHUNK_BYTES: usize = 32 << 10;

/// Encodes the rows `step` finds into an [`OutputBuf`] (in the reply arena when the call
/// runs in a worker), through the thread's chunk; returns how many rows, at most `limit`.
fn encode_rows(
    limit: u64,
    mut step: impl FnMut() -> Result<Option<(*mut ffi::sqlite3_stmt, c_int)>, SqlError>,
) -> Result<(u64, OutputBuf), SqlError> {
    let mut out = OutputBuf::with_capacity(1 << 20);
    let rows = CHUNK.with_borrow_mut(|chunk| {
        chunk.clear();
        chunk.reserve(CHUNK_BYTES + 256);
        let mut rows = 0u64;
        while rows < limit {
            let Some((raw, columns)) = step()? else { break };
            put_row(chunk, raw, columns);
            rows += 1;
            if chunk.len() >= CHUNK_BYTES {
                out.extend_from_slice(chunk);
                chunk.clear();
            }
        }
        #[cfg(feature = "planted-bugs")]
        let rows = crate::planted::tell(rows, chunk);
        out.extend_from_slice(chunk);
        Ok::<_, SqlError>(rows)
    })?;
    Ok((rows, out))
}

/// Encodes the `columns` values of the row `raw` is on, straight from SQLite's buffers.
///
/// The row is read under one hold of the connection's mutex, one `sqlite3_column_value` per
/// column and SQLite's value accessors on it (the typed column accessors would take the mutex
/// again for the type, the value and a text's length). The in-process side of the benchmark
/// reads its rows the same way.
fn put_row(out: &mut Vec<u8>, raw: *mut ffi::sqlite3_stmt, columns: c_int) {
    // SAFETY: `raw` is live.
    let db = unsafe { ffi::sqlite3_db_handle(raw) };
    // SAFETY: a statement's connection lives at least as long as the statement.
    let mutex = unsafe { ffi::sqlite3_db_mutex(db) };
    // SAFETY: the connection's own mutex (null, a no-op, when it has none); recursive, so the
    // column calls below may take it again; left below on every path.
    unsafe { ffi::sqlite3_mutex_enter(mutex) };
    for index in 0..columns {
        // SAFETY: `raw` is live and positioned on a row; `index` < sqlite3_data_count. The
        // value is SQLite's "unprotected" kind: its accessors are safe while the connection's
        // mutex is held, as it is here, and the value is used before the mutex is left.
        let value = unsafe { ffi::sqlite3_column_value(raw, index) };
        put_value(out, value);
    }
    // SAFETY: entered above, on this thread.
    unsafe { ffi::sqlite3_mutex_leave(mutex) };
}

/// Encodes one value of the current row.
fn put_value(out: &mut Vec<u8>, value: *mut ffi::sqlite3_value) {
    // SAFETY: `value` is a column value of the current row, read under the connection's
    // mutex (`put_row`).
    match unsafe { ffi::sqlite3_value_type(value) } {
        ffi::SQLITE_INTEGER => {
            // SAFETY: as above.
            let number = unsafe { ffi::sqlite3_value_int64(value) };
            rows::put_integer(out, number);
        }
        ffi::SQLITE_FLOAT => {
            // SAFETY: as above.
            let number = unsafe { ffi::sqlite3_value_double(value) };
            rows::put_real(out, number);
        }
        // As SQLite holds it: the host replaces what is not UTF-8.
        ffi::SQLITE_TEXT => put_bytes(out, value, true),
        ffi::SQLITE_BLOB => put_bytes(out, value, false),
        _ => rows::put_null(out),
    }
}

/// Encodes a text or blob value, copying its bytes out of SQLite's buffer at once.
fn put_bytes(out: &mut Vec<u8>, value: *mut ffi::sqlite3_value, text: bool) {
    let data = if text {
        // SAFETY: as in `put_value`.
        unsafe { ffi::sqlite3_value_text(value) }.cast::<u8>()
    } else {
        // SAFETY: as in `put_value`.
        unsafe { ffi::sqlite3_value_blob(value) }.cast::<u8>()
    };
    // SAFETY: called after the text/blob accessor, as SQLite documents.
    let len = unsafe { ffi::sqlite3_value_bytes(value) };
    let len = usize::try_from(len).unwrap_or(0);
    let bytes = if data.is_null() || len == 0 {
        &[][..]
    } else {
        // SAFETY: SQLite guarantees `len` readable bytes at `data` until the value changes;
        // they are copied into `out` below, before this function returns.
        unsafe { std::slice::from_raw_parts(data, len) }
    };
    if text {
        rows::put_text(out, bytes);
    } else {
        rows::put_blob(out, bytes);
    }
}

/// Steps once: the number of columns of the row it is on, or `None` when the statement is
/// done.
fn step(stmt: &mut Stmt) -> Result<Option<c_int>, SqlError> {
    let raw = stmt.raw.as_ptr();
    // SAFETY: `raw` is live.
    match unsafe { ffi::sqlite3_step(raw) } {
        // SAFETY: `raw` is live.
        ffi::SQLITE_ROW => Ok(Some(unsafe { ffi::sqlite3_data_count(raw) })),
        ffi::SQLITE_DONE => Ok(None),
        code => {
            // SAFETY: `raw` is live.
            let db = unsafe { ffi::sqlite3_db_handle(raw) };
            Err(error_of(db, code))
        }
    }
}

/// Binds `params`, steps up to `limit` rows and encodes them (the compact row format,
/// `rows.rs`); returns how many.
fn scan(stmt: &mut Stmt, params: &[Value], limit: u64) -> Result<(u64, OutputBuf), SqlError> {
    bind(stmt, params)?;
    let raw = stmt.raw.as_ptr();
    encode_rows(limit, || Ok(step(stmt)?.map(|columns| (raw, columns))))
}

/// Makes the worker lie about the rows of its later replies (feature `planted-bugs`, for the
/// tests of the host's decoder).
#[cfg(feature = "planted-bugs")]
#[isolated]
pub fn plant_lie(lie: crate::planted::Lie) {
    crate::planted::plant(lie);
}

/// Binds `params` and returns the first row, if any (a point query in one call): the number
/// of rows (0 or 1) and the row in the compact format, inside the reply's frame.
#[isolated]
pub fn query_row(stmt: Remote<Stmt>, params: Vec<Value>) -> Result<(u64, Packed), WorkerError> {
    Ok(stmt.with(|stmt| {
        bind(stmt, &params)?;
        let mut row = Vec::with_capacity(64);
        let rows = match step(stmt)? {
            Some(columns) => {
                put_row(&mut row, stmt.raw.as_ptr(), columns);
                1
            }
            None => 0,
        };
        #[cfg(feature = "planted-bugs")]
        let rows = crate::planted::tell(rows, &mut row);
        Ok::<_, SqlError>((rows, Packed(row)))
    })??)
}

/// Binds `params` and returns every row, up to `limit` (a scan in one call): the number of
/// rows and the rows in the compact format, written into the reply arena as the statement
/// steps.
#[isolated]
pub fn query_all(
    stmt: Remote<Stmt>,
    params: Vec<Value>,
    limit: u64,
) -> Result<(u64, OutputBuf), WorkerError> {
    Ok(stmt.with(|stmt| scan(stmt, &params, limit))??)
}

/// Binds each parameter list in turn and steps the statement to its end: many inserts in
/// one call. Returns the rows changed.
#[isolated]
pub fn execute_many(stmt: Remote<Stmt>, batches: Vec<Vec<Value>>) -> Result<u64, WorkerError> {
    Ok(stmt.with(|stmt| {
        let mut changed = 0u64;
        for params in &batches {
            bind(stmt, params)?;
            while step(stmt)?.is_some() {}
            // SAFETY: `stmt.raw` is live.
            let db = unsafe { ffi::sqlite3_db_handle(stmt.raw.as_ptr()) };
            // SAFETY: a statement's connection lives at least as long as the statement.
            let rows = unsafe { ffi::sqlite3_changes64(db) };
            changed += u64::try_from(rows).unwrap_or(0);
        }
        Ok::<_, SqlError>(changed)
    })??)
}

/// Does nothing with a statement handle: what taking a handle costs.
#[isolated]
pub fn touch(stmt: Remote<Stmt>) -> Result<(), WorkerError> {
    Ok(stmt.with(|_| ())?)
}

/// The database's file image (`sqlite3_serialize` of `main`).
#[isolated]
pub fn serialize(conn: Remote<Conn>) -> Result<ByteBuf, WorkerError> {
    Ok(conn.with(|c| {
        let db = c.0.as_ptr();
        let mut size: i64 = 0;
        // SAFETY: `db` is live, the schema name NUL-terminated, `size` a valid out-pointer;
        // flags 0: SQLite returns a fresh sqlite3_malloc copy, freed below.
        let data = unsafe { ffi::sqlite3_serialize(db, c"main".as_ptr(), &raw mut size, 0) };
        if data.is_null() {
            return Err(SqlError {
                code: ffi::SQLITE_NOMEM,
                message: "sqlite3_serialize returned nothing".to_owned(),
            });
        }
        let len = usize::try_from(size).unwrap_or(0);
        // SAFETY: SQLite returned `size` bytes at `data`.
        let bytes = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
        // SAFETY: `data` came from SQLite's allocator and is freed once.
        unsafe { ffi::sqlite3_free(data.cast()) };
        Ok(ByteBuf::from(bytes))
    })??)
}
