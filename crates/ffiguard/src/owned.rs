//! `owned` (being written).
