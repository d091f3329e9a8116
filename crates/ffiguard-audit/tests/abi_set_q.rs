//! The false-positive class of held-out set q, on a small fixture modelled on the crate that
//! showed it (`fixtures/abi/set_q/`): what is right must come out clean, and that crate's real
//! mismatch must still be found.
//!
//! Needs libclang and the targets' C headers, as `abi_checks.rs` does.

mod support;

use ffiguard_audit::Finding;

/// The error-level findings for the Rust file `rust` against `header`, both in
/// `fixtures/abi/set_q/`.
fn errors(header: &str, rust: &str) -> Vec<Finding> {
    support::errors(&support::check("set_q", header, &[rust]))
        .into_iter()
        .cloned()
        .collect()
}

#[test]
fn a_handle_type_of_another_crate_or_a_transparent_newtype_is_not_judged_by_pointer_depth() {
    let errors = errors("handles.h", "handles.rs");
    let about = |name: &str| errors.iter().filter(|f| f.message.contains(name)).count();
    // `*mut ash::vk::Buffer` for `VkBuffer *`: the pointee is a `u64` the check cannot see.
    assert_eq!(about("vmaCreateBuffer"), 0, "{errors:#?}");
    assert_eq!(about("vmaDestroyBuffer"), 0, "{errors:#?}");
    // The same with a local `#[repr(transparent)] struct Image(u64)`.
    assert_eq!(about("vmaCreateImage"), 0, "{errors:#?}");
    assert_eq!(about("vmaDestroyImage"), 0, "{errors:#?}");
    // vk-mem's real mismatch: its own handle is a pointer, C's a `uint64_t` on i686.
    for f in ["vmaVirtualAllocate", "vmaVirtualFree"] {
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains(f) && e.message.contains("i686-linux")),
            "{f}: {errors:#?}"
        );
    }
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn a_record_passed_for_its_const_twin_is_not_another_record() {
    let errors = errors("twins.h", "twins.rs");
    // `Binary` stands for `spv_binary_t`; `spv_const_binary_t` is laid out alike.
    assert!(
        !errors.iter().any(|f| f.message.contains("spvValidate")),
        "{errors:#?}"
    );
    // A record of another layout is still another record.
    assert!(
        errors
            .iter()
            .any(|f| f.message.contains("spvPositionReset") && f.message.contains("is not Rust")),
        "{errors:#?}"
    );
}
