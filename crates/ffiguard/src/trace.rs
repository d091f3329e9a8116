//! `trace` (being written).
