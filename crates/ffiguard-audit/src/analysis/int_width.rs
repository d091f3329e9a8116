//! Integer widths per target: the one table of what `c_long`, `size_t`, `usize` and the other
//! integer names are on a target (from [`ffiguard_cheader::Target`]'s `sizeof`s), read by the
//! ABI cross-check for one target at a time and by the rules across every target, for judging
//! whether a cast can lose a value.

use ffiguard_cheader::{ALL_TARGETS, Target};

/// An integer type as one target sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IntOnTarget {
    /// Width in bytes.
    pub(crate) bytes: u64,
    /// Signed.
    pub(crate) signed: bool,
    /// Named as C or the target names it (`c_long`, `size_t`, `int32_t`, `usize`), rather than
    /// as a fixed-width Rust primitive (`i64`).
    pub(crate) adaptive: bool,
}

/// The integer type `name` (last path segment: a Rust primitive, a `core::ffi`/`libc` C name
/// or a `<stdint.h>` name) on `target`; `None` for any other name.
pub(crate) fn int_on(name: &str, target: &Target) -> Option<IntOnTarget> {
    let ptr = target.pointer_bytes;
    let long = target.long_bytes;
    let int = |bytes: u64, signed: bool, adaptive: bool| IntOnTarget {
        bytes,
        signed,
        adaptive,
    };
    Some(match name {
        "i8" => int(1, true, false),
        "u8" => int(1, false, false),
        "i16" => int(2, true, false),
        "u16" => int(2, false, false),
        "i32" => int(4, true, false),
        "u32" => int(4, false, false),
        "i64" => int(8, true, false),
        "u64" => int(8, false, false),
        "i128" => int(16, true, false),
        "u128" => int(16, false, false),
        "isize" | "ssize_t" | "intptr_t" | "ptrdiff_t" => int(ptr, true, true),
        "usize" | "size_t" | "uintptr_t" => int(ptr, false, true),
        "c_char" => int(1, target.char_signed, true),
        "c_schar" => int(1, true, true),
        "c_uchar" => int(1, false, true),
        "c_short" => int(2, true, true),
        "c_ushort" => int(2, false, true),
        "c_int" => int(4, true, true),
        "c_uint" => int(4, false, true),
        "c_long" => int(long, true, true),
        "c_ulong" => int(long, false, true),
        "c_longlong" => int(8, true, true),
        "c_ulonglong" => int(8, false, true),
        "int8_t" => int(1, true, true),
        "uint8_t" => int(1, false, true),
        "int16_t" => int(2, true, true),
        "uint16_t" => int(2, false, true),
        "int32_t" => int(4, true, true),
        "uint32_t" => int(4, false, true),
        "int64_t" => int(8, true, true),
        "uint64_t" => int(8, false, true),
        _ => return None,
    })
}

/// Width facts of an integer type: signedness (`None` when it differs by target, as for
/// `c_char`) and the smallest and largest width in bits over the targets we care about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IntWidth {
    pub(crate) signed: Option<bool>,
    pub(crate) min_bits: u32,
    pub(crate) max_bits: u32,
    /// For target-dependent widths, which C type they follow: the same class has the same
    /// width on every target (`usize` and `size_t` are one type; `c_long` is not `usize`).
    pub(crate) class: WidthClass,
}

/// What a target-dependent integer width follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WidthClass {
    /// The same on every target.
    Fixed,
    /// Pointer-sized (`usize`, `size_t`, `intptr_t`).
    Pointer,
    /// C `long` (32-bit on Windows, 64-bit on other 64-bit targets).
    Long,
}

/// Integer facts for a type name (last segment), Rust or C alias, over every target of
/// [`ALL_TARGETS`].
pub(crate) fn int_width(name: &str) -> Option<IntWidth> {
    // Windows' `DWORD` and POSIX's `off_t` are read as the fixed widths they have on the
    // targets the casts are judged for; the ABI cross-check does not know them (it sizes them
    // from the crate's own alias, or the C model).
    let known = match name {
        "DWORD" => "u32",
        "off_t" => "i64",
        other => other,
    };
    let mut on = ALL_TARGETS.iter().map(|t| int_on(known, t));
    let first = on.next()??;
    let (mut min_bytes, mut max_bytes, mut signed) = (first.bytes, first.bytes, Some(first.signed));
    for t in on {
        let t = t?;
        min_bytes = min_bytes.min(t.bytes);
        max_bytes = max_bytes.max(t.bytes);
        if signed != Some(t.signed) {
            signed = None;
        }
    }
    let class = match (min_bytes == max_bytes, name) {
        (true, _) => WidthClass::Fixed,
        (false, "c_long" | "c_ulong") => WidthClass::Long,
        (false, _) => WidthClass::Pointer,
    };
    Some(IntWidth {
        signed,
        min_bits: u32::try_from(min_bytes * 8).ok()?,
        max_bits: u32::try_from(max_bytes * 8).ok()?,
        class,
    })
}

/// Whether a conversion from `from` to `to` can lose the value on some target: narrowing, or a
/// sign change the destination cannot absorb.
pub(crate) fn lossy(from: IntWidth, to: IntWidth) -> bool {
    let same_class = from.class == to.class && from.class != WidthClass::Fixed;
    if same_class {
        return from.signed != to.signed;
    }
    if from.max_bits > to.min_bits {
        return true;
    }
    match (from.signed, to.signed) {
        (Some(true), Some(false)) => true,
        (Some(false), Some(true)) => from.max_bits >= to.min_bits,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_conversions() {
        let w = |n| int_width(n).unwrap();
        assert!(lossy(w("usize"), w("c_int")));
        assert!(lossy(w("u64"), w("u32")));
        assert!(lossy(w("i64"), w("c_uint")));
        assert!(lossy(w("u32"), w("i32")));
        assert!(
            lossy(w("usize"), w("c_ulong")),
            "c_ulong is 32-bit on Windows"
        );
        assert!(!lossy(w("u16"), w("u32")));
        assert!(!lossy(w("u32"), w("i64")));
        assert!(!lossy(w("u8"), w("c_char")));
        assert!(!lossy(w("usize"), w("size_t")), "size_t is usize");
        assert!(lossy(w("isize"), w("size_t")));
    }

    #[test]
    fn widths_over_all_targets() {
        let w = |n| int_width(n).unwrap();
        assert_eq!(
            w("c_char"),
            IntWidth {
                signed: None,
                min_bits: 8,
                max_bits: 8,
                class: WidthClass::Fixed
            },
            "signed on x86, unsigned on aarch64"
        );
        assert_eq!((w("c_long").min_bits, w("c_long").max_bits), (32, 64));
        assert_eq!(w("c_long").class, WidthClass::Long);
        assert_eq!(w("size_t").class, WidthClass::Pointer);
        assert_eq!(w("DWORD"), w("u32"));
        assert_eq!(w("off_t"), w("i64"));
        assert_eq!(w("u128").max_bits, 128);
        assert_eq!(int_width("f32"), None);
        assert_eq!(int_width("c_float"), None);
    }

    #[test]
    fn one_target() {
        use ffiguard_cheader::{AARCH64_LINUX, X86_64_LINUX, X86_64_WINDOWS};
        assert_eq!(int_on("c_long", &X86_64_WINDOWS).map(|i| i.bytes), Some(4));
        assert_eq!(int_on("c_long", &X86_64_LINUX).map(|i| i.bytes), Some(8));
        assert_eq!(
            int_on("c_char", &AARCH64_LINUX).map(|i| i.signed),
            Some(false)
        );
        assert_eq!(
            int_on("i64", &X86_64_LINUX).map(|i| i.adaptive),
            Some(false)
        );
        assert_eq!(int_on("DWORD", &X86_64_WINDOWS), None);
    }
}
