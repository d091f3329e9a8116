//! Compile-time layout assertions for `#[repr(C)]` types, per target.
//!
//! A struct declared by hand (or generated once on one machine) must match the C header on
//! every target it is built for: `long` changes size on Windows, pointers on 32-bit targets,
//! and a reordered field shifts every offset after it. [`assert_layout!`](crate::assert_layout)
//! states the size, alignment and field offsets the header gives, and the build fails — with a
//! message pointing at the assertion and giving the stated and the real number — if the
//! Rust type disagrees.
//!
//! ```
//! use core::ffi::c_long;
//!
//! #[repr(C)]
//! struct Packet {
//!     version: u8,
//!     length: u32,
//!     value: c_long,
//! }
//!
//! // LP64 (64-bit Unix): long is 8 bytes.
//! ffiguard::assert_layout!(
//!     #[cfg(all(target_pointer_width = "64", not(windows)))]
//!     Packet { size: 16, align: 8, fields: { version: 0, length: 4, value: 8 } }
//! );
//! // LLP64 (64-bit Windows) and ILP32 (every 32-bit target): long is 4 bytes.
//! ffiguard::assert_layout!(
//!     #[cfg(any(windows, target_pointer_width = "32"))]
//!     Packet { size: 12, align: 4, fields: { version: 0, length: 4, value: 8 } }
//! );
//! ```
//!
//! # Syntax
//!
//! ```text
//! assert_layout!( [#[attr]...] Type { size: EXPR, align: EXPR [, fields: { FIELD: EXPR, ... }] } );
//! ```
//!
//! - Outer attributes (normally one `#[cfg(...)]`) apply to the whole assertion, so one
//!   invocation states the layout for one set of targets.
//! - `FIELD` is a field name, a tuple index (`0`), or a nested path (`header.len`).
//! - The expansion is a `const _: () = { ... };` item: it may appear at module level or inside
//!   a function, and costs nothing at run time.
//!
//! The shape is regular on purpose, so a tool that reads C headers can emit one line per
//! (target, type) without knowing Rust syntax beyond it:
//!
//! ```text
//! ffiguard::assert_layout!(#[cfg(all(target_arch = "x86_64", target_os = "linux"))] ffi::Packet { size: 16, align: 8, fields: { version: 0, length: 4, value: 8 } });
//! ffiguard::assert_layout!(#[cfg(all(target_arch = "x86", target_os = "linux"))] ffi::Packet { size: 12, align: 4, fields: { version: 0, length: 4, value: 8 } });
//! ```
//!
//! # What a failure looks like
//!
//! The error gives both numbers, the stated one and the one this target's compiler uses:
//!
//! ```compile_fail,E0308
//! #[repr(C)]
//! struct Packet { version: u8, length: u32 }
//!
//! // error[E0308]: mismatched types: expected `5`, found `8`
//! //   = note: expected struct `ffiguard::layout::Size<5>`
//! //              found struct `ffiguard::layout::Size<8>`
//! ffiguard::assert_layout!(Packet { size: 5, align: 4 });
//! ```
//!
//! ```compile_fail,E0308
//! #[repr(C)]
//! struct Packet { version: u8, length: u32 }
//!
//! // error[E0308]: mismatched types: expected `1`, found `4`
//! //   = note: expected struct `ffiguard::layout::Offset<1>`
//! //              found struct `ffiguard::layout::Offset<4>`
//! ffiguard::assert_layout!(Packet { size: 8, align: 4, fields: { version: 0, length: 1 } });
//! ```
//!
//! ```compile_fail,E0308
//! #[repr(C)]
//! struct Packet { version: u8, length: u32 }
//!
//! // error[E0308]: mismatched types: expected `8`, found `4`
//! //   = note: expected struct `ffiguard::layout::Align<8>`
//! //              found struct `ffiguard::layout::Align<4>`
//! ffiguard::assert_layout!(Packet { size: 8, align: 8 });
//! ```
//!
//! A field the header has but the Rust type lacks is a compile error too:
//!
//! ```compile_fail,E0609
//! #[repr(C)]
//! struct Packet { version: u8, length: u32 }
//!
//! ffiguard::assert_layout!(Packet { size: 8, align: 4, fields: { checksum: 8 } });
//! ```

/// Asserts at compile time the size, alignment and field offsets of a type. See the
/// [`layout`](crate::layout) module for the syntax and per-target use.
///
/// ```
/// #[repr(C)]
/// struct Pair(u16, u64);
///
/// ffiguard::assert_layout!(Pair { size: 16, align: 8, fields: { 0: 0, 1: 8 } });
/// ```
///
/// ```compile_fail,E0308
/// #[repr(C)]
/// struct Pair(u16, u64);
///
/// // error[E0308]: mismatched types: expected `2`, found `8`
/// ffiguard::assert_layout!(Pair { size: 16, align: 8, fields: { 0: 0, 1: 2 } });
/// ```
#[macro_export]
macro_rules! assert_layout {
    (
        $(#[$attr:meta])*
        $ty:ty {
            size: $size:expr,
            align: $align:expr
            $(, fields: { $($first:tt $(. $rest:tt)* : $offset:expr),* $(,)? })?
            $(,)?
        }
    ) => {
        $(#[$attr])*
        const _: () = {
            // Each number is a const parameter of a marker type, so a mismatch is a type error
            // that prints both numbers (a `const` panic message cannot format the real one).
            let _: $crate::layout::Size<{ $size }> =
                $crate::layout::Size::<{ ::core::mem::size_of::<$ty>() }>;
            let _: $crate::layout::Align<{ $align }> =
                $crate::layout::Align::<{ ::core::mem::align_of::<$ty>() }>;
            $($(
                let _: $crate::layout::Offset<{ $offset }> =
                    $crate::layout::Offset::<{ ::core::mem::offset_of!($ty, $first $(. $rest)*) }>;
            )*)?
        };
    };
}

/// A size in a failed [`assert_layout!`](crate::assert_layout): the error shows the stated
/// and the real one as this type's parameter.
#[doc(hidden)]
pub struct Size<const BYTES: usize>;

/// An alignment in a failed [`assert_layout!`](crate::assert_layout).
#[doc(hidden)]
pub struct Align<const BYTES: usize>;

/// A field offset in a failed [`assert_layout!`](crate::assert_layout).
#[doc(hidden)]
pub struct Offset<const BYTES: usize>;

#[cfg(test)]
mod tests {
    use core::ffi::{c_char, c_int, c_long, c_void};

    #[repr(C)]
    struct Header {
        kind: u8,
        len: u32,
    }

    #[repr(C)]
    struct Message {
        header: Header,
        name: [c_char; 6],
        data: *const c_void,
        count: c_long,
        flags: c_int,
    }

    #[repr(C)]
    struct Empty;

    // The same type, one assertion per data model, as a header-driven generator would emit.
    crate::assert_layout!(
        #[cfg(all(target_pointer_width = "64", not(windows)))]
        Message {
            size: 40,
            align: 8,
            fields: { header: 0, header.len: 4, name: 8, data: 16, count: 24, flags: 32 },
        }
    );
    crate::assert_layout!(
        #[cfg(all(target_pointer_width = "64", windows))]
        Message {
            size: 32,
            align: 8,
            fields: { header: 0, header.len: 4, name: 8, data: 16, count: 24, flags: 28 },
        }
    );
    crate::assert_layout!(
        #[cfg(target_pointer_width = "32")]
        Message {
            size: 28,
            align: 4,
            fields: { header: 0, header.len: 4, name: 8, data: 16, count: 20, flags: 24 },
        }
    );
    crate::assert_layout!(Header { size: 8, align: 4, fields: { kind: 0, len: 4 } });
    crate::assert_layout!(Empty { size: 0, align: 1 });
    crate::assert_layout!(core::mem::MaybeUninit<[u16; 3]> { size: 6, align: 2 });
    crate::assert_layout!(u64 {
        size: 8,
        align: core::mem::align_of::<u64>(),
    });

    #[test]
    fn assertions_also_work_inside_functions() {
        crate::assert_layout!(Header { size: 4 + 4, align: 4, fields: { len: 4 } });
        // The expansion is a const item: nothing is left to run.
        let message = core::mem::MaybeUninit::<Message>::uninit();
        assert_eq!(core::mem::size_of_val(&message) % 4, 0);
    }
}
