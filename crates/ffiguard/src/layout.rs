//! `layout` (being written).
