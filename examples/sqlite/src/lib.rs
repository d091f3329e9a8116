//! SQLite in a sandbox session: the connection and its statements live in a confined worker,
//! the host holds [`Remote`](ffiguard_sandbox::Remote)s and gets checked values back.
//!
//! - [`worker`]: the isolated functions, the only code that touches `sqlite3*` pointers;
//! - [`Connection`] and [`Statement`]: a small `rusqlite`-shaped API on the host;
//! - [`Value`], [`SqlError`]: what crosses between them.
//!
//! A database file is opened from its bytes ([`Connection::open_image`]) or, read-only, from
//! an open file passed to the worker as a descriptor ([`Connection::open_file`]), in memory, so
//! the worker runs under [`Policy::pure_compute`](ffiguard_sandbox::Policy::pure_compute) — no
//! filesystem at all. A corrupt or hostile file that crashes or hangs SQLite ends that
//! connection's session with a typed error; the next connection starts a fresh worker.

mod connection;
#[cfg(feature = "planted-bugs")]
mod planted;
mod rows;
mod value;
pub mod worker;

pub use connection::{Connection, Error, Statement};
#[cfg(feature = "planted-bugs")]
pub use planted::Lie;
pub use rows::{Packed, Rows, RowsError, encode_value};
pub use value::{Row, SqlError, Value};
