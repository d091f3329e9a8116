//! The analysis the rules share, each piece once and tested on its own (the way
//! `clippy_utils` serves clippy's lints): walking bodies, functions and their places,
//! expressions read without inference, local names, null checks, type evidence, which type a
//! path names, integer widths per target, what each `use` item brings into which module, what
//! a file takes from a bindings module, where a pointer comes from C, and the items
//! `macro_rules!` bodies generate.

pub(crate) mod bindings_use;
pub(crate) mod c_places;
mod exprs;
pub(crate) mod int_width;
mod items;
mod locals;
pub(crate) mod macro_bodies;
mod null_checks;
mod resolve;
mod types;
pub(crate) mod uses;
mod walk;

pub(crate) use crate::model::same_crate;
pub(crate) use exprs::{
    assoc_call, call_path, ends_with, ident_name, is_constructor_call, mentions, method_receiver,
    peel, peel_casts, segments, text,
};
pub(crate) use items::{FnItem, functions};
pub(crate) use locals::Locals;
pub(crate) use null_checks::{is_address, is_null_call, null_checked, walk_non_null};
pub(crate) use resolve::TypeResolver;
pub(crate) use types::{is_bindgen_output, is_raw_ptr, opaque, text_is_ptr, text_last, type_last};
pub(crate) use walk::{macro_exprs, macros_in, walk_expr, walk_exprs};

#[cfg(test)]
mod tests {
    #[test]
    fn crates_of_a_tree_are_told_apart_by_path() {
        use crate::model::{crate_dir, same_crate};
        assert_eq!(crate_dir("udev/src/device.rs"), Some("udev"));
        assert_eq!(crate_dir("udev/tests/it.rs"), Some("udev"));
        assert_eq!(crate_dir("src/lib.rs"), Some(""));
        assert_eq!(crate_dir("build.rs"), None);
        // opencv's `docs/core.rs` in a tree run is opencv's, not uefi-raw's.
        assert!(!same_crate("opencv/docs/core.rs", "uefi-raw/src/lib.rs"));
        assert!(same_crate("opencv/docs/core.rs", "opencv/src/lib.rs"));
        assert!(same_crate("build.rs", "src/lib.rs"));
        assert!(same_crate("src/a.rs", "tests/b.rs"));
        assert!(
            same_crate("lib.rs", "src/x.rs"),
            "unknown layout: assume one crate"
        );
        assert!(!same_crate("pcap/src/device.rs", "rusb/src/device.rs"));
    }
}
