//! `ptr` (being written).
