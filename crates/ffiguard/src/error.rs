//! `error` (being written).
