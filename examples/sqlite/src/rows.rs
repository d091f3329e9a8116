//! The compact row format: how the worker returns rows, and the host's bounded decoder.
//!
//! The worker writes each value as it steps the statement, straight from SQLite's own
//! buffers into an [`OutputBuf`](ffiguard_sandbox::OutputBuf) (which lives in the reply
//! arena): no `Vec<Value>` per row, no `String` per text, in the worker. The host copies the
//! block once out of the arena, then decodes it here into owned [`Value`]s, one flat `Vec`
//! for all the rows.
//!
//! # Format
//!
//! Values one after the other, row by row, each a tag byte and its data:
//!
//! | tag | value | data |
//! | --- | --- | --- |
//! | 0 | `Null` | none |
//! | 1 | `Integer` | the zigzag LEB128 varint of the `i64` (1–10 bytes) |
//! | 2 | `Real` | the `f64`'s 8 bytes, little-endian |
//! | 3 | `Text` | a LEB128 varint length, then that many bytes of UTF-8 |
//! | 4 | `Blob` | a LEB128 varint length, then that many bytes |
//!
//! The number of rows travels beside the block (the worker's claim); the number of columns
//! is the host's own (the statement's). Nothing in the block is an offset: the decoder reads
//! front to back and checks every length against the bytes left.

use std::ops::Index;

use crate::value::{Row, Value};

const NULL: u8 = 0;
const INTEGER: u8 = 1;
const REAL: u8 = 2;
const TEXT: u8 = 3;
const BLOB: u8 = 4;

/// Why a block of rows from the worker was refused. Every variant is a finding about the
/// worker's bytes, made without trusting any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowsError {
    /// The block ends inside a value.
    #[error("the rows end inside a value at byte {at}")]
    Truncated {
        /// Offset of the value that was cut short.
        at: usize,
    },
    /// A tag byte that names no value type.
    #[error("unknown value tag {tag} at byte {at}")]
    UnknownTag {
        /// The tag.
        tag: u8,
        /// Its offset.
        at: usize,
    },
    /// A varint longer than 10 bytes, or one that overflows 64 bits.
    #[error("a malformed varint at byte {at}")]
    BadVarint {
        /// Its offset.
        at: usize,
    },
    /// The block does not hold the number of rows the worker claims, of the statement's
    /// number of columns.
    #[error(
        "the worker claims {claimed} rows of {columns} columns; the block holds {found} values"
    )]
    CountMismatch {
        /// Rows the worker claims.
        claimed: u64,
        /// The statement's columns, as the host knows them.
        columns: u32,
        /// Values decoded before the mismatch was found (a lower bound when the block holds
        /// more).
        found: usize,
    },
}

/// Rows of a query, decoded on the host: owned values, `columns` to a row, in one `Vec`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rows {
    columns: usize,
    rows: usize,
    values: Vec<Value>,
}

impl Rows {
    /// Decodes a block of `claimed_rows` rows of `columns` values, as the worker wrote it.
    ///
    /// Bounded by the block: it allocates at most one `Value` per byte of `block` (every
    /// value takes at least its tag byte) plus the text and blob bytes it holds, whatever
    /// the worker claims, and never panics.
    ///
    /// # Errors
    /// [`RowsError`] for a block that is cut short, holds an unknown tag or a malformed
    /// length, or does not hold exactly `claimed_rows` rows. Text that is not UTF-8 is not an
    /// error: its bad bytes are replaced with U+FFFD, as SQLite's own text may hold them.
    pub fn decode(columns: u32, claimed_rows: u64, block: &[u8]) -> Result<Self, RowsError> {
        let mismatch = |found| RowsError::CountMismatch {
            claimed: claimed_rows,
            columns,
            found,
        };
        let width = usize::try_from(columns).map_err(|_| mismatch(0))?;
        // A statement without columns returns no rows; every value takes at least a byte.
        let expected = usize::try_from(claimed_rows)
            .ok()
            .and_then(|rows| rows.checked_mul(width))
            .filter(|values| *values <= block.len() && (width > 0 || claimed_rows == 0))
            .ok_or_else(|| mismatch(0))?;
        let mut values = Vec::with_capacity(expected);
        let mut reader = Reader { block, at: 0 };
        while reader.at < block.len() {
            if values.len() == expected {
                return Err(mismatch(values.len() + 1));
            }
            values.push(reader.value()?);
        }
        if values.len() != expected {
            return Err(mismatch(values.len()));
        }
        Ok(Self {
            columns: width,
            rows: expected.checked_div(width).unwrap_or(0),
            values,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Values in a row.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Row `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&[Value]> {
        let start = index.checked_mul(self.columns)?;
        self.values
            .get(start..start.checked_add(self.columns)?)
            .filter(|_| index < self.rows)
    }

    /// The rows in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[Value]> + '_ {
        (0..self.rows).map(move |index| &self.values[index * self.columns..][..self.columns])
    }

    /// Every value, row after row.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values, row after row, without copying.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The rows as one `Vec` each (allocates a `Vec` per row).
    pub fn into_rows(self) -> Vec<Row> {
        self.iter().map(<[Value]>::to_vec).collect()
    }
}

impl Index<usize> for Rows {
    type Output = [Value];

    /// Row `index`.
    ///
    /// # Panics
    /// If there is no such row, as slice indexing does.
    fn index(&self, index: usize) -> &[Value] {
        match self.get(index) {
            Some(row) => row,
            None => panic!("row {index} of {}", self.rows),
        }
    }
}

/// Reads values front to back; `at` only grows and never passes the block's end.
struct Reader<'a> {
    block: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn value(&mut self) -> Result<Value, RowsError> {
        let start = self.at;
        let tag = self.take(1, start)?[0];
        Ok(match tag {
            NULL => Value::Null,
            INTEGER => {
                let zigzag = self.varint(start)?;
                #[allow(clippy::cast_possible_wrap)] // zigzag decoding: the bits are the value
                let value = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
                Value::Integer(value)
            }
            REAL => {
                let bytes = self.take(8, start)?;
                let mut word = [0u8; 8];
                word.copy_from_slice(bytes);
                Value::Real(f64::from_le_bytes(word))
            }
            TEXT => {
                let len = self.length(start)?;
                // Not UTF-8 (SQLite does not check what it stores, and the worker sends its
                // bytes as they are): replaced, as `Value::Text` documents.
                Value::Text(String::from_utf8_lossy(self.take(len, start)?).into_owned())
            }
            BLOB => {
                let len = self.length(start)?;
                Value::Blob(self.take(len, start)?.to_vec())
            }
            tag => return Err(RowsError::UnknownTag { tag, at: start }),
        })
    }

    /// The next `len` bytes; `value` is where the value being read started.
    fn take(&mut self, len: usize, value: usize) -> Result<&[u8], RowsError> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.block.len())
            .ok_or(RowsError::Truncated { at: value })?;
        let bytes = &self.block[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    fn varint(&mut self, value: usize) -> Result<u64, RowsError> {
        let mut result = 0u64;
        for index in 0..10 {
            let byte = self.take(1, value)?[0];
            let bits = u64::from(byte & 0x7f);
            // The tenth byte may hold only the top bit of a u64.
            if index == 9 && bits > 1 {
                return Err(RowsError::BadVarint { at: value });
            }
            result |= bits << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(result);
            }
        }
        Err(RowsError::BadVarint { at: value })
    }

    /// A text or blob length: checked against the bytes left before anything is allocated.
    fn length(&mut self, value: usize) -> Result<usize, RowsError> {
        let len = self.varint(value)?;
        usize::try_from(len)
            .ok()
            .filter(|len| *len <= self.block.len() - self.at)
            .ok_or(RowsError::Truncated { at: value })
    }
}

/// A short block of rows that travels inside the reply's frame (a point query's row), not as a
/// bulk buffer beside it: the host reads one place of the reply arena instead of two.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packed(pub(crate) Vec<u8>);

impl Packed {
    /// The encoded block.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl serde::Serialize for Packed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Packed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Packed;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a block of rows")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Packed, E> {
                Ok(Packed(bytes.to_vec()))
            }
        }
        deserializer.deserialize_bytes(Visit)
    }
}

/// Encodes a `NULL` at the end of `out` (the worker's side; the tests' too).
pub(crate) fn put_null(out: &mut Vec<u8>) {
    out.push(NULL);
}

/// Encodes an integer.
pub(crate) fn put_integer(out: &mut Vec<u8>, value: i64) {
    #[allow(clippy::cast_sign_loss)] // zigzag encoding: the bits are the value
    let zigzag = ((value << 1) ^ (value >> 63)) as u64;
    out.push(INTEGER);
    put_varint(out, zigzag);
}

/// Encodes a float.
pub(crate) fn put_real(out: &mut Vec<u8>, value: f64) {
    out.push(REAL);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Encodes text (bytes that are not UTF-8 are replaced on the host).
pub(crate) fn put_text(out: &mut Vec<u8>, text: &[u8]) {
    put_bytes(out, TEXT, text);
}

/// Encodes a blob.
pub(crate) fn put_blob(out: &mut Vec<u8>, bytes: &[u8]) {
    put_bytes(out, BLOB, bytes);
}

fn put_bytes(out: &mut Vec<u8>, tag: u8, data: &[u8]) {
    out.push(tag);
    put_varint(out, u64::try_from(data.len()).unwrap_or(u64::MAX));
    out.extend_from_slice(data);
}

/// Appends `value` as a LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(u8::try_from(value & 0x7f).unwrap_or(0) | 0x80);
        value >>= 7;
    }
    out.push(u8::try_from(value).unwrap_or(0));
}

/// Encodes `value` (the form the tests and the fuzz target build blocks in).
pub fn encode_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => put_null(out),
        Value::Integer(n) => put_integer(out, *n),
        Value::Real(x) => put_real(out, *x),
        Value::Text(text) => put_text(out, text.as_bytes()),
        Value::Blob(bytes) => put_blob(out, bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(values: &[Value]) -> Vec<u8> {
        let mut out = Vec::new();
        for value in values {
            encode_value(&mut out, value);
        }
        out
    }

    #[test]
    fn values_round_trip() {
        let values = vec![
            Value::Null,
            Value::Integer(0),
            Value::Integer(-1),
            Value::Integer(i64::MIN),
            Value::Integer(i64::MAX),
            Value::Real(-0.5),
            Value::Text("ünïcode".into()),
            Value::Text(String::new()),
            Value::Blob(vec![0, 255, 7]),
            Value::Blob(vec![1; 300]),
        ];
        let rows = Rows::decode(2, 5, &block(&values)).expect("decodes");
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[2], values[4..6]);
        assert_eq!(rows.iter().count(), 5);
        assert_eq!(rows.get(5), None);
        assert_eq!(rows.into_values(), values);
    }

    /// Random blocks and claims (the fuzz target `sqlite_rows`, in miniature): rows or an
    /// error, never a panic.
    #[test]
    fn hostile_blocks_become_errors() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = usize::try_from(next() % 48).unwrap_or(0);
            // Tags in range most of the time, so that decoding gets past the first byte.
            let block: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => u8::try_from(next() % 5).unwrap_or(0),
                    _ => next().to_le_bytes()[0],
                })
                .collect();
            let columns = u32::try_from(next() % 4).unwrap_or(1);
            let claimed = if next() % 2 == 0 { next() % 8 } else { next() };
            if let Ok(rows) = Rows::decode(columns, claimed, &block) {
                assert_eq!(rows.len() as u64, claimed);
                assert_eq!(rows.iter().count(), rows.len());
            }
        }
    }

    /// Covers the count check: a worker that claims more or fewer rows than it sent.
    #[test]
    fn a_lying_row_count_is_refused() {
        let bytes = block(&[Value::Integer(1), Value::Integer(2), Value::Integer(3)]);
        assert!(Rows::decode(1, 3, &bytes).is_ok());
        for claimed in [0, 2, 4, u64::MAX, u64::MAX / 2 + 1] {
            assert!(
                matches!(
                    Rows::decode(1, claimed, &bytes),
                    Err(RowsError::CountMismatch { .. })
                ),
                "{claimed}"
            );
        }
        // Three values are not whole rows of two, nor is any row of no columns.
        assert!(Rows::decode(2, 1, &bytes).is_err());
        assert!(Rows::decode(2, 2, &bytes).is_err());
        assert!(Rows::decode(0, 3, &bytes).is_err());
        assert_eq!(Rows::decode(0, 0, &[]).map(|rows| rows.len()), Ok(0));
    }

    /// Covers the length checks: a text or blob length past the block's end.
    #[test]
    fn lying_lengths_are_refused_before_allocating() {
        let mut bytes = vec![TEXT];
        bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        bytes.extend_from_slice(b"abc");
        assert_eq!(
            Rows::decode(1, 1, &bytes),
            Err(RowsError::Truncated { at: 0 })
        );
        assert_eq!(
            Rows::decode(1, 1, &[BLOB, 4, 1, 2, 3]),
            Err(RowsError::Truncated { at: 0 })
        );
        assert_eq!(
            Rows::decode(1, 1, &[INTEGER, 0x80, 0x80]),
            Err(RowsError::Truncated { at: 0 })
        );
        assert_eq!(
            Rows::decode(
                1,
                1,
                &[
                    INTEGER, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
                ]
            ),
            Err(RowsError::BadVarint { at: 0 })
        );
        assert_eq!(
            Rows::decode(1, 1, &[TEXT, 2, 0xc3, 0x28]).map(Rows::into_values),
            Ok(vec![Value::Text("\u{fffd}(".into())])
        );
        assert_eq!(
            Rows::decode(1, 1, &[9]),
            Err(RowsError::UnknownTag { tag: 9, at: 0 })
        );
        assert_eq!(
            Rows::decode(1, 1, &[REAL, 0, 0]),
            Err(RowsError::Truncated { at: 0 })
        );
    }
}
