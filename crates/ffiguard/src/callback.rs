//! `callback` (being written).
