//! Integer widths across targets, for judging whether a cast can lose a value.

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

/// Integer facts for a type name (last segment), Rust or C alias.
pub(crate) fn int_width(name: &str) -> Option<IntWidth> {
    let w = |signed: Option<bool>, min_bits, max_bits| {
        let class = match (min_bits == max_bits, name) {
            (true, _) => WidthClass::Fixed,
            (false, "c_long" | "c_ulong") => WidthClass::Long,
            (false, _) => WidthClass::Pointer,
        };
        Some(IntWidth {
            signed,
            min_bits,
            max_bits,
            class,
        })
    };
    match name {
        "u8" | "c_uchar" | "uint8_t" => w(Some(false), 8, 8),
        "i8" | "c_schar" | "int8_t" => w(Some(true), 8, 8),
        "c_char" => w(None, 8, 8),
        "u16" | "c_ushort" | "uint16_t" => w(Some(false), 16, 16),
        "i16" | "c_short" | "int16_t" => w(Some(true), 16, 16),
        "u32" | "c_uint" | "uint32_t" | "DWORD" => w(Some(false), 32, 32),
        "i32" | "c_int" | "int32_t" => w(Some(true), 32, 32),
        "u64" | "c_ulonglong" | "uint64_t" => w(Some(false), 64, 64),
        "i64" | "c_longlong" | "int64_t" | "off_t" => w(Some(true), 64, 64),
        "u128" => w(Some(false), 128, 128),
        "i128" => w(Some(true), 128, 128),
        "usize" | "size_t" | "uintptr_t" => w(Some(false), 32, 64),
        "isize" | "ssize_t" | "intptr_t" | "ptrdiff_t" => w(Some(true), 32, 64),
        "c_ulong" => w(Some(false), 32, 64),
        "c_long" => w(Some(true), 32, 64),
        _ => None,
    }
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
}
