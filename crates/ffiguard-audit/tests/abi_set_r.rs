//! The false-positive classes of held-out set r, each on a small fixture modelled on the
//! crate that showed it (`fixtures/abi/set_r/`): what is right must come out as no error, and
//! the real mismatches of the same shapes must still be found.
//!
//! Needs libclang and the targets' C headers, as `abi_checks.rs` does.

mod support;

use ffiguard_audit::{Finding, Level};
use support::errors;

/// The findings for the Rust file `rust` against `header`, both in `fixtures/abi/set_r/`.
fn check(header: &str, rust: &str) -> Vec<Finding> {
    support::check("set_r", header, &[rust])
}

fn about<'a>(findings: &'a [Finding], text: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.message.contains(text))
        .collect()
}

#[test]
fn a_callback_with_more_parameters_than_a_minimal_c_type_is_a_warning() {
    let f = check("callbacks.h", "callbacks.rs");
    // cuba's integrand: C's five parameters first, four more that the integrator passes.
    let vegas = about(&f, "`llVegas`");
    assert_eq!(vegas.len(), 1, "{f:#?}");
    assert_eq!(vegas[0].rule, "ABI003");
    assert_eq!(vegas[0].level, Level::Warning);
    assert!(
        vegas[0].message.contains("5 parameter(s) in C, 9 in Rust")
            && vegas[0].message.contains("the first 5"),
        "{vegas:#?}"
    );
    // A first parameter that is not C's, or fewer parameters than C's, is still an error.
    let errors = errors(&f);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("`llSuave`") && e.message.contains("callback parameter 1")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.message.contains("`llCuhre`")
            && e.message.contains("5 parameter(s) in C, 2 in Rust")),
        "{errors:#?}"
    );
}

#[test]
fn union_members_bindgen_or_a_hand_renamed_are_c_members_over_the_same_layout() {
    let f = check("unions.h", "unions.rs");
    // yyjson's `u64_` for `u64`: bindgen's spelling of C's name, no difference at all.
    assert!(about(&f, "`val_uni`").is_empty(), "{f:#?}");
    // Renamed by hand over the same layout: an info, as for a struct.
    let num = about(&f, "fields of `Num`");
    assert_eq!(num.len(), 1, "{f:#?}");
    assert_eq!((num[0].rule, num[0].level), ("ABI014", Level::Info));
    // A renamed member narrower than C's: the union is smaller, still an error.
    let errors = errors(&f);
    assert!(
        errors.iter().any(|e| e.message.contains("`Wide`")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().all(|e| e.message.contains("`Wide`")),
        "{errors:#?}"
    );
}

#[test]
fn a_rename_is_not_an_error_because_another_member_is_a_union_or_made_by_a_macro() {
    let f = check("renamed.h", "renamed.rs");
    // libucl's `rc`/`real_type` beside `value: i64` for a union of the same size, and sokol's
    // `event_type` beside a `bitflags!`-made field: infos.
    for name in ["fields of `obj_t`", "fields of `ev_t`"] {
        let found = about(&f, name);
        assert_eq!(found.len(), 1, "{name}: {f:#?}");
        assert_eq!((found[0].rule, found[0].level), ("ABI014", Level::Info));
    }
    // A renamed member of another width is still an error.
    let errors = errors(&f);
    assert!(
        !errors.is_empty() && errors.iter().all(|e| e.message.contains("`bad_t`")),
        "{errors:#?}"
    );
}

#[test]
fn an_anonymous_c_union_bound_as_one_named_field_of_its_layout_is_its_binding() {
    let f = check("anonymous.h", "anonymous.rs");
    // sokol's `u: SgAttachmentDescValue` and `depth_or_layers: c_int`: no difference.
    assert!(about(&f, "`attachment_desc`").is_empty(), "{f:#?}");
    assert!(about(&f, "`image_desc`").is_empty(), "{f:#?}");
    // A named field of another size is not the union.
    let errors = errors(&f);
    assert!(
        !errors.is_empty() && errors.iter().all(|e| e.message.contains("`sized`")),
        "{errors:#?}"
    );
}

#[test]
fn two_rust_structs_of_one_name_are_told_apart_by_their_use() {
    let f = check("same_name.h", "same_name.rs");
    // `ffi::SgDesc` is what `sg_setup` takes; the public `SgDesc` is the run it embeds.
    let desc = about(&f, "`SgDesc`");
    assert_eq!(desc.len(), 1, "{f:#?}");
    assert_eq!((desc[0].rule, desc[0].level), ("ABI014", Level::Info));
    assert_eq!(desc[0].location.line, 3, "{desc:#?}");
    // The mirror of `sg_pass` holds a 4-byte `frame` for C's 8: still an error, on the mirror.
    let errors = errors(&f);
    assert!(!errors.is_empty(), "{f:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e.message.contains("`SgPass`") && e.location.line == 11),
        "{errors:#?}"
    );
}

#[test]
fn a_c_2d_array_bound_as_one_flat_array_of_as_many_elements_matches() {
    let f = check("arrays.h", "arrays.rs");
    // sokol's `[SgSubImageContent; 6 * SG_MAX_MIPMAPS]` for `subimage[SG_CUBEFACE_NUM][SG_MAX_MIPMAPS]`.
    assert!(about(&f, "`image_content`").is_empty(), "{f:#?}");
    // One row too few is still an error.
    let errors = errors(&f);
    assert!(
        !errors.is_empty() && errors.iter().all(|e| e.message.contains("`short_content`")),
        "{errors:#?}"
    );
}

#[test]
fn constant_expressions_size_arrays_and_one_array_may_store_a_union() {
    let f = check("ntru.h", "ntru.rs");
    // ntru's `INT_POLY_SIZE = ((MAX_DEGREE + 16 + 7) & 0xFFF8)` is computed, so `IntPoly`
    // (`n` for `N`) and `KeyPair` (`private`/`public` for `priv`/`pub`) are renames over the
    // same layout, and `PrivUnion { data: [u16; 3004] }` is the union's storage.
    for name in [
        "fields of `IntPoly`",
        "fields of `KeyPair`",
        "fields of `PrivUnion`",
    ] {
        let found = about(&f, name);
        assert_eq!(found.len(), 1, "{name}: {f:#?}");
        assert_eq!((found[0].rule, found[0].level), ("ABI014", Level::Info));
    }
    // An array smaller than the union it stands for is still an error.
    let errors = errors(&f);
    assert!(
        !errors.is_empty()
            && errors
                .iter()
                .all(|e| e.message.contains("`Small`") || e.message.contains("`SmallUnion`")),
        "{errors:#?}"
    );
}

#[test]
fn a_wrapper_of_a_static_inline_function_is_compared_with_the_function() {
    let f = check("static_inline.h", "static_inline.rs");
    // `#[link_name = "val_get_len__extern"]`: bindgen's wrapper of C's `static inline
    // val_get_len`, neither undeclared (ABI001) nor leaving the C function unbound (ABI011).
    assert!(
        f.iter().all(|x| x.rule != "ABI001" && x.rule != "ABI011"),
        "{f:#?}"
    );
    // Compared with the C function: a `bool` for its `int` result is found.
    let errors = errors(&f);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("val_is_str"), "{errors:#?}");
}
