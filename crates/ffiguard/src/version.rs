//! `version` (being written).
