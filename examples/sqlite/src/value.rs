//! What crosses between host and worker: SQL values and SQLite's errors.

use serde::{Deserialize, Serialize};

/// One SQL value, as SQLite's five storage classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Value {
    /// `NULL`.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text (SQLite's bytes, decoded lossily on the host if they were not UTF-8).
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// An error SQLite reported, with its result code and message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("SQLite error {code}: {message}")]
pub struct SqlError {
    /// SQLite's (extended) result code.
    pub code: i32,
    /// `sqlite3_errmsg` or `sqlite3_errstr`.
    pub message: String,
}

/// A row: one value per result column.
pub type Row = Vec<Value>;
