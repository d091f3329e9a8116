//! The host side: a `rusqlite`-shaped API whose connection and statements live in a sandbox
//! session. Every answer is checked against what the host knows before it is returned.

use std::cell::RefCell;
use std::time::Duration;

use ffiguard_sandbox::{ByteBuf, Remote, RemoteError, Sandbox, SandboxError, Session, Tainted};

use crate::rows::{Rows, RowsError};
use crate::value::{Row, SqlError, Value};
use crate::worker::{self, Conn, Stmt, WorkerError};

/// Why a database call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sandbox could not complete the call: the worker crashed, hung, or the session had
    /// already ended ([`SandboxError::SessionEnded`]). Open a new connection to go on.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// SQLite reported an error (as the worker tells it).
    #[error(transparent)]
    Sql(SqlError),
    /// A handle could not be used in the worker.
    #[error(transparent)]
    Remote(RemoteError),
    /// The database file could not be passed to the worker (not a readable regular file).
    #[error(transparent)]
    File(#[from] ffiguard_sandbox::FileError),
    /// The worker's answer contradicts what the host knows (a row with the wrong number of
    /// columns).
    #[error("the worker's answer does not fit the statement: {0}")]
    Contradicted(String),
    /// The worker's rows do not decode (cut short, a bad length or tag, text that is not
    /// UTF-8), or are not as many as it claims.
    #[error("the worker's rows are malformed: {0}")]
    Rows(#[from] RowsError),
}

impl From<WorkerError> for Error {
    fn from(error: WorkerError) -> Self {
        match error {
            WorkerError::Sql(error) => Error::Sql(error),
            WorkerError::Remote(error) => Error::Remote(error),
        }
    }
}

/// A database connection kept in its own sandbox session.
///
/// ```no_run
/// use sqlite_sandboxed::{Connection, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// ffiguard_sandbox::init();
/// let sandbox = ffiguard_sandbox::Sandbox::new()?;
/// let db = Connection::open_in_memory(&sandbox)?;
/// db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'one')")?;
/// let stmt = db.prepare("SELECT name FROM t WHERE id = ?1")?;
/// assert_eq!(stmt.query_row(&[Value::Integer(1)])?, Some(vec![Value::Text("one".into())]));
/// # Ok(())
/// # }
/// ```
pub struct Connection<'s> {
    session: RefCell<Session<'s>>,
    handle: Remote<Conn>,
    deadline: Option<Duration>,
}

impl std::fmt::Debug for Connection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// A call's result: the worker's `Result`, flattened.
fn flatten<T>(
    reply: Result<Tainted<Result<T, WorkerError>>, SandboxError>,
) -> Result<Tainted<T>, Error> {
    // The worker's verdict (ok or error) is itself a claim; an error claim is only shown.
    let inner = reply?.trust_unverified("split into the worker's verdict and its value");
    inner.map(Tainted::__new).map_err(Error::from)
}

impl<'s> Connection<'s> {
    /// Opens an empty in-memory database in a new session of `sandbox`.
    ///
    /// # Errors
    /// [`Error::Sandbox`] when no session could start; [`Error::Sql`] when SQLite refused.
    pub fn open_in_memory(sandbox: &'s Sandbox) -> Result<Self, Error> {
        let mut session = sandbox.session()?;
        let handle = flatten(worker::open_memory::call_in(&mut session))?
            .trust_unverified("an opaque name, checked by the session");
        Ok(Self::new(session, handle))
    }

    /// Opens the database whose file contents are `image`, in memory, in a new session of
    /// `sandbox`. The worker needs no filesystem access; a hostile file can only harm the
    /// worker.
    ///
    /// # Errors
    /// As [`Connection::open_in_memory`]; a file SQLite cannot read is usually an
    /// [`Error::Sql`] (`SQLITE_NOTADB`, `SQLITE_CORRUPT`) here or at the first query.
    pub fn open_image(sandbox: &'s Sandbox, image: &[u8]) -> Result<Self, Error> {
        let mut session = sandbox.session()?;
        let handle = flatten(worker::open_image::call_in(
            &mut session,
            ByteBuf::from(image.to_vec()),
        ))?
        .trust_unverified("an opaque name, checked by the session");
        Ok(Self::new(session, handle))
    }

    /// Opens the database file `file` read-only, in memory, in a new session of `sandbox`. The
    /// file is passed to the worker as a read-only descriptor
    /// ([`PassedFile`](ffiguard_sandbox::PassedFile)): the worker needs no filesystem policy,
    /// cannot write the file, and learns nothing of its path. Writes through the connection
    /// fail with `SQLITE_READONLY`.
    ///
    /// ```no_run
    /// use sqlite_sandboxed::Connection;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// ffiguard_sandbox::init();
    /// let sandbox = ffiguard_sandbox::Sandbox::new()?;
    /// let db = Connection::open_file(&sandbox, &std::fs::File::open("app.db")?)?;
    /// let rows = db.prepare("SELECT name FROM sqlite_schema")?.query_all(&[])?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::File`] when `file` is not a readable regular file; otherwise as
    /// [`Connection::open_image`].
    pub fn open_file(sandbox: &'s Sandbox, file: impl std::os::fd::AsFd) -> Result<Self, Error> {
        let file = ffiguard_sandbox::PassedFile::read_only(file)?;
        let mut session = sandbox.session()?;
        let handle = flatten(worker::open_file::call_in(&mut session, file))?
            .trust_unverified("an opaque name, checked by the session");
        Ok(Self::new(session, handle))
    }

    fn new(session: Session<'s>, handle: Remote<Conn>) -> Self {
        Self {
            session: RefCell::new(session),
            handle,
            deadline: None,
        }
    }

    /// Sets a deadline for every later call on this connection (default: the sandbox's). A
    /// call that misses it kills the worker and ends the connection.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Runs SQL that returns no rows (several statements may be separated by `;`).
    ///
    /// # Errors
    /// See [`Error`].
    pub fn execute(&self, sql: &str) -> Result<(), Error> {
        let session = &mut *self.session.borrow_mut();
        let handle = self.handle.clone();
        let reply = match self.deadline {
            Some(deadline) => {
                worker::execute::call_in_with_deadline(session, deadline, handle, sql.to_owned())
            }
            None => worker::execute::call_in(session, handle, sql.to_owned()),
        };
        flatten(reply).map(|done| done.trust_unverified("unit"))
    }

    /// Prepares one statement.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_, 's>, Error> {
        let session = &mut *self.session.borrow_mut();
        let (handle, columns) = flatten(worker::prepare::call_in(
            session,
            self.handle.clone(),
            sql.to_owned(),
        ))?
        .trust_unverified("a name, and a column count every row is checked against");
        Ok(Statement {
            conn: self,
            handle,
            columns,
        })
    }

    /// The database's file image, as the worker serializes it.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn serialize(&self) -> Result<Vec<u8>, Error> {
        let session = &mut *self.session.borrow_mut();
        let image = flatten(worker::serialize::call_in(session, self.handle.clone()))?;
        Ok(image
            .trust_unverified("bytes handed back as bytes, to be opened in a sandbox again")
            .into_vec())
    }

    /// Makes the worker lie about the rows of later replies (feature `planted-bugs`: for the
    /// tests of the host's row decoder only).
    ///
    /// # Errors
    /// See [`Error`].
    #[cfg(feature = "planted-bugs")]
    pub fn plant_lie(&self, lie: crate::planted::Lie) -> Result<(), Error> {
        let session = &mut *self.session.borrow_mut();
        worker::plant_lie::call_in(session, lie)?.trust_unverified("unit");
        Ok(())
    }

    /// The process id of the worker that holds the connection, while its session runs (for
    /// diagnostics: its CPU time, its memory).
    pub fn worker_pid(&self) -> Option<u32> {
        self.session.borrow().worker_pid()
    }

    /// Whether the connection's session still runs: `false` after its worker died or missed a
    /// deadline.
    pub fn is_open(&self) -> bool {
        self.session.borrow().is_active()
    }
}

/// A prepared statement of a [`Connection`].
pub struct Statement<'c, 's> {
    conn: &'c Connection<'s>,
    handle: Remote<Stmt>,
    columns: u32,
}

impl std::fmt::Debug for Statement<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statement")
            .field("handle", &self.handle)
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

impl Statement<'_, '_> {
    /// Result columns of the statement.
    pub fn column_count(&self) -> u32 {
        self.columns
    }

    /// Binds `params` (`?1`, `?2`, …) and returns the first row, if any: a point query in one
    /// call.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn query_row(&self, params: &[Value]) -> Result<Option<Row>, Error> {
        let session = &mut *self.conn.session.borrow_mut();
        let reply = worker::query_row::call_in(session, self.handle.clone(), params.to_vec());
        flatten(reply)?.verify(|(claimed, block)| {
            if claimed > 1 {
                return Err(Error::Contradicted(format!(
                    "{claimed} rows for a query of one"
                )));
            }
            let rows = Rows::decode(self.columns, claimed, block.as_bytes())?;
            Ok((!rows.is_empty()).then(|| rows.into_values()))
        })
    }

    /// Binds `params` and returns every row: a scan in one call (bounded by the sandbox's
    /// reply arena; a larger result is [`SandboxError::Reply`]). The worker encodes the rows
    /// as it steps; the host decodes them once, checking each against the statement's
    /// column count.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn query_all(&self, params: &[Value]) -> Result<Rows, Error> {
        let session = &mut *self.conn.session.borrow_mut();
        let reply =
            worker::query_all::call_in(session, self.handle.clone(), params.to_vec(), u64::MAX);
        flatten(reply)?.verify(|(claimed, block)| Ok(Rows::decode(self.columns, claimed, &block)?))
    }

    /// Runs the statement once per parameter list, in one call; returns the rows changed
    /// (as the worker counts them).
    ///
    /// # Errors
    /// See [`Error`].
    pub fn execute_many(&self, batches: &[Vec<Value>]) -> Result<u64, Error> {
        let session = &mut *self.conn.session.borrow_mut();
        let reply = worker::execute_many::call_in(session, self.handle.clone(), batches.to_vec());
        Ok(flatten(reply)?.trust_unverified("a count, reported only"))
    }

    /// A round trip that takes the statement's handle and does nothing in the worker: what
    /// a handle-taking call costs.
    ///
    /// # Errors
    /// See [`Error`].
    pub fn ping(&self) -> Result<(), Error> {
        let session = &mut *self.conn.session.borrow_mut();
        flatten(worker::touch::call_in(session, self.handle.clone()))
            .map(|t| t.trust_unverified("unit"))
    }
}
