//! `sync` (being written).
