//! `cstr` (being written).
