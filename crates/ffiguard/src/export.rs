//! `export` (being written).
