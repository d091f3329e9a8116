//! Boundary tests: every C type at MAX, MAX+1, MIN, MIN-1 and -1, from several Rust types.

use super::*;

/// For each C type: the extremes convert exactly, one past each extreme is refused with the
/// value and both names kept. Covers the range check in `into_c`; removing it makes the
/// "one past" cases return a wrapped value instead of an error.
macro_rules! boundaries {
    ($($marker:ident),*) => {$({
        type R = <$marker as CType>::Repr;
        let max = i128::try_from(R::MAX).unwrap();
        let min = i128::try_from(R::MIN).unwrap();
        assert_eq!(to_c::<$marker>(max), Ok(R::MAX), "{} MAX", $marker::NAME);
        assert_eq!(to_c::<$marker>(min), Ok(R::MIN), "{} MIN", $marker::NAME);
        assert_eq!(
            to_c::<$marker>(max + 1),
            Err(ConvError::IntoC {
                value: IntValue::Signed(max + 1),
                c_type: $marker::NAME,
                rust_type: "i128",
            }),
            "{} MAX+1", $marker::NAME
        );
        assert_eq!(
            to_c::<$marker>(min - 1),
            Err(ConvError::IntoC {
                value: IntValue::Signed(min - 1),
                c_type: $marker::NAME,
                rust_type: "i128",
            }),
            "{} MIN-1", $marker::NAME
        );
        // The same boundaries from an unsigned source: MAX+1 as u128.
        let umax = u128::try_from(max).unwrap();
        assert_eq!(to_c::<$marker>(umax), Ok(R::MAX));
        assert!(to_c::<$marker>(umax + 1).is_err());
        // -1 into an unsigned type is an error, never the type's MAX.
        if min == 0 {
            assert_eq!(
                to_c::<$marker>(-1_i8).unwrap_err().to_string(),
                format!("-1 does not fit in C `{}` (from `i8`)", $marker::NAME)
            );
        } else {
            assert_eq!(to_c::<$marker>(-1_i8), Ok(R::try_from(-1_i8).unwrap()));
        }
        // Back from C: MIN into an unsigned Rust type and MAX into a narrower one.
        let back: Result<u8, _> = from_c::<$marker, u8>(R::MAX);
        assert_eq!(back.is_ok(), max <= 255, "{} MAX -> u8", $marker::NAME);
        let back: Result<u128, _> = from_c::<$marker, u128>(R::MIN);
        assert_eq!(back.is_ok(), min == 0, "{} MIN -> u128", $marker::NAME);
        assert_eq!(from_c::<$marker, i128>(R::MAX), Ok(max));
        assert_eq!(from_c::<$marker, i128>(R::MIN), Ok(min));
    })*};
}

#[test]
fn every_c_type_at_every_boundary() {
    boundaries!(
        Char, SChar, UChar, Short, UShort, Int, UInt, Long, ULong, LongLong, ULongLong, SizeT,
        SSizeT, PtrdiffT, IntptrT, UintptrT, Int8T, Int16T, Int32T, Int64T, Uint8T, Uint16T,
        Uint32T, Uint64T
    );
}

/// Every Rust source type at its own extremes into `int`, the most common C parameter type.
macro_rules! from_rust_sources {
    ($($t:ty),*) => {$({
        let fits = |v: i128| i32::try_from(v).is_ok();
        let max = <$t>::MAX;
        let min = <$t>::MIN;
        assert_eq!(c_int(max).is_ok(), u128::try_from(max).map_or(false, |m| m <= i32::MAX as u128));
        assert_eq!(c_int(min).is_ok(), i128::try_from(min).map_or(false, fits));
        let err = c_int(max).err();
        if let Some(err) = err {
            assert_eq!(
                err.to_string(),
                format!("{} does not fit in C `int` (from `{}`)", max, stringify!($t))
            );
        }
    })*};
}

#[test]
fn every_rust_type_into_int() {
    from_rust_sources!(
        i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
    );
}

#[test]
fn the_issue_example_message() {
    let err = c_int(4_294_967_296_usize).unwrap_err();
    assert_eq!(
        err.to_string(),
        "4294967296 does not fit in C `int` (from `usize`)"
    );
    assert_eq!(err.value(), IntValue::Unsigned(4_294_967_296));
}

/// `long` follows the target: 32 bits on Windows and 32-bit targets, 64 bits on 64-bit Unix.
#[test]
fn long_follows_the_target_data_model() {
    let long_bits = core::mem::size_of::<<Long as CType>::Repr>() * 8;
    if cfg!(windows) || cfg!(target_pointer_width = "32") {
        assert_eq!(long_bits, 32);
        assert!(c_long(i64::from(i32::MAX) + 1).is_err());
    } else {
        assert_eq!(long_bits, 64);
        assert!(c_long(i64::from(i32::MAX) + 1).is_ok());
    }
    // size_t is always pointer-sized; usize always fits, u64 only on 64-bit targets.
    assert!(size_t(usize::MAX).is_ok());
    assert_eq!(size_t(u64::MAX).is_ok(), cfg!(target_pointer_width = "64"));
}

#[test]
fn char_signedness_follows_the_target() {
    let signed = <Char as CType>::Repr::MIN != 0;
    assert_eq!(c_char(200_u8).is_ok(), !signed);
    assert_eq!(c_char(-1_i8).is_ok(), signed);
}

#[test]
fn method_forms_match_free_functions() {
    assert_eq!(7_u8.to_c::<UInt>(), to_c::<UInt>(7_u8));
    assert_eq!(i16::from_c::<Int>(-40_000), from_c::<Int, i16>(-40_000));
    assert!(i16::from_c::<Int>(-40_000).is_err());
}

#[test]
fn slices_with_each_empty_choice() {
    let empty: [u64; 0] = [];
    let (p, n) = slice_arg::<SizeT, _>(&empty, EmptySlice::Null).unwrap();
    assert!(p.is_null());
    assert_eq!(n, 0);
    let (p, n) = slice_arg::<SizeT, _>(&empty, EmptySlice::Dangling).unwrap();
    assert!(!p.is_null());
    assert!(p.is_aligned());
    assert_eq!(n, 0);
    let mut buf = [0_u32; 4];
    let (p, n) = slice_arg_mut::<Int, _>(&mut buf[..0], EmptySlice::Null).unwrap();
    assert!(p.is_null() && n == 0);
    assert_eq!(byte_len::<UInt, u32>(&buf), Ok(16));
    let err = slice_arg::<Int8T, _>(&[0_u8; 128], EmptySlice::Null).unwrap_err();
    assert_eq!(
        err,
        ConvError::IntoC {
            value: IntValue::Unsigned(128),
            c_type: "int8_t",
            rust_type: "usize"
        }
    );
}
