//! `conv` (being written).
