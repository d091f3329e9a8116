//! The audit rules, one file each, and the registry the engine runs.
//!
//! Every rule matches syntax only (no type inference, no macro expansion). Each rule's
//! documentation says exactly what it matches and where that is wrong; its tests are the
//! fixtures in `tests/fixtures/rules/`, one true-positive and one true-negative file per rule.
//!
//! The documentation is Markdown, one page per rule in `docs/` beside this module (`FFI015.md`),
//! for the header cross-check's rules and the engine's diagnostics too; `rule_docs` says why
//! it lives there and what shape a page has.

mod allocator_mismatch;
mod bool_char_across_boundary;
mod clone_of_foreign_owner;
mod cstr_from_unchecked_ptr;
mod cstring_temporary_pointer;
mod fixed_width_for_platform_int;
mod ignored_foreign_status;
mod leaked_shared_state;
mod lossy_cast_into_foreign_call;
mod missing_layout_assertion;
mod non_ffi_safe_type;
mod non_literal_format_string;
mod panic_in_extern_fn;
mod reentrant_user_data;
mod safe_fn_raw_pointer;
mod static_mut_in_callback;
mod str_as_c_string;
mod unchecked_foreign_pointer;
mod unchecked_slice_from_c;
mod undocumented_unsafe;
mod unjustified_send_sync;

use crate::Rule;

static ALL: &[&dyn Rule] = &[
    &non_ffi_safe_type::NonFfiSafeType,
    &lossy_cast_into_foreign_call::LossyCastIntoForeignCall,
    &panic_in_extern_fn::PanicInExternFn,
    &static_mut_in_callback::StaticMutInCallback,
    &cstr_from_unchecked_ptr::CStrFromUncheckedPtr,
    &allocator_mismatch::AllocatorMismatch,
    &unjustified_send_sync::UnjustifiedSendSync,
    &leaked_shared_state::LeakedSharedState,
    &safe_fn_raw_pointer::SafeFnRawPointer,
    &unchecked_foreign_pointer::UncheckedForeignPointer,
    &cstring_temporary_pointer::CStringTemporaryPointer,
    &str_as_c_string::StrAsCString,
    &non_literal_format_string::NonLiteralFormatString,
    &ignored_foreign_status::IgnoredForeignStatus,
    &unchecked_slice_from_c::UncheckedSliceFromC,
    &clone_of_foreign_owner::CloneOfForeignOwner,
    &undocumented_unsafe::UndocumentedUnsafe,
    &bool_char_across_boundary::BoolCharAcrossBoundary,
    &fixed_width_for_platform_int::FixedWidthForPlatformInt,
    &missing_layout_assertion::MissingLayoutAssertion,
    &reentrant_user_data::ReentrantUserData,
];

/// Every rule, in id order (`FFI001` first).
///
/// ```
/// let rules = ffiguard_audit::rules::all();
/// assert_eq!(rules[0].meta().id, "FFI001");
/// assert!(rules.windows(2).all(|w| w[0].meta().id < w[1].meta().id));
/// ```
pub fn all() -> &'static [&'static dyn Rule] {
    ALL
}
