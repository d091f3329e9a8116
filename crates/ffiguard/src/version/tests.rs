//! Hostile and boundary inputs for version parsing, decoding and requirements.

use super::*;

#[test]
fn malformed_strings_are_errors() {
    for bad in [
        "",
        ".",
        "1.",
        "1..2",
        ".1",
        "v1",
        "-1",
        "+1",
        "1.2.3.",
        " 1.2",
        "1.2 ",
        "1,2",
        "1.-2",
        "٣.1",
        "99999999999",
        "1.4294967296",
    ] {
        assert!(Version::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn well_formed_strings_parse() {
    assert_eq!(Version::parse("0"), Ok(Version::new(0, 0, 0)));
    assert_eq!(Version::parse("7.1"), Ok(Version::new(7, 1, 0)));
    assert_eq!(
        Version::parse("4294967295.0.4294967295"),
        Ok(Version::new(u32::MAX, 0, u32::MAX))
    );
    assert_eq!(
        Version::parse_prefix("1.2.3.4"),
        Ok((Version::new(1, 2, 3), ".4"))
    );
    assert_eq!(
        Version::parse_prefix("3.45.1 2024"),
        Ok((Version::new(3, 45, 1), " 2024"))
    );
}

#[test]
fn parse_errors_keep_a_bounded_input() {
    let long = "9".repeat(10_000);
    let Err(VersionError::Parse { input, .. }) = Version::parse(&long) else {
        panic!("expected a parse error");
    };
    assert_eq!(input.len(), 64);
    // Truncation respects character boundaries.
    let wide = "é".repeat(100);
    let Err(VersionError::Parse { input, .. }) = Version::parse(&wide) else {
        panic!("expected a parse error");
    };
    assert!(input.len() <= 64 && input.chars().all(|c| c == 'é'));
}

#[test]
fn c_strings_must_be_utf8() {
    let c = c"1.\xff";
    assert!(matches!(Version::from_c_str(c), Err(VersionError::Read(_))));
}

#[test]
fn packed_layouts_of_real_libraries() {
    assert_eq!(
        Version::from_packed(0x12d0_u32, Packing::ZLIB_VERNUM),
        Ok(Version::new(1, 2, 13))
    );
    assert_eq!(
        Version::from_packed(0x3000_0020_u64, Packing::OPENSSL_3),
        Ok(Version::new(3, 0, 2))
    );
    assert_eq!(
        Version::from_packed(10637, Packing::LIBPNG),
        Ok(Version::new(1, 6, 37))
    );
    assert_eq!(
        Version::from_packed(3_045_001_i32, Packing::SQLITE),
        Ok(Version::new(3, 45, 1))
    );
}

#[test]
fn hostile_packed_values_are_errors() {
    // Negative, bits above the major field, parts too large, nonsensical layouts.
    assert!(Version::from_packed(-1_i32, Packing::ZLIB_VERNUM).is_err());
    assert!(Version::from_packed(i64::MIN, Packing::SQLITE).is_err());
    assert!(Version::from_packed(u128::MAX, Packing::SQLITE).is_err());
    assert!(Version::from_packed(0x1_1310_u32, Packing::ZLIB_VERNUM).is_err());
    assert!(Version::from_packed(u64::MAX, Packing::SQLITE).is_err());
    let bad_decimal = Packing::Decimal {
        major_scale: 10,
        minor_scale: 0,
    };
    assert!(Version::from_packed(5, bad_decimal).is_err());
    let wide = BitField {
        shift: 0,
        width: 40,
    };
    let bad_bits = Packing::Bits {
        major: BitField {
            shift: 60,
            width: 8,
        },
        minor: wide,
        patch: wide,
    };
    assert!(Version::from_packed(1, bad_bits).is_err());
    let err = Version::from_packed(-5_i32, Packing::SQLITE).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode packed version -5: not in 0..=u64::MAX"
    );
}

#[test]
fn requirements_at_their_edges() {
    let v = Version::new;
    let compat = Requirement::compatible(1, 2, 13);
    assert!(!compat.is_satisfied_by(v(1, 2, 12)));
    assert!(compat.is_satisfied_by(v(1, 2, 13)));
    assert!(compat.is_satisfied_by(v(1, u32::MAX, u32::MAX)));
    assert!(!compat.is_satisfied_by(v(2, 0, 0)));
    assert!(!compat.is_satisfied_by(v(0, 9, 9)));
    assert!(Requirement::compatible(u32::MAX, 0, 0).is_satisfied_by(v(u32::MAX, 1, 0)));
    assert!(Requirement::exact(1, 0, 5).is_satisfied_by(v(1, 0, 5)));
    assert!(!Requirement::exact(1, 0, 5).is_satisfied_by(v(1, 0, 4)));
    let err = Requirement::exact(1, 0, 5)
        .check("libfoo", v(1, 0, 4))
        .unwrap_err();
    assert_eq!(
        err,
        VersionError::Unsatisfied {
            library: "libfoo",
            found: v(1, 0, 4),
            required: Requirement::exact(1, 0, 5),
        }
    );
    assert_eq!(err.to_string(), "libfoo 1.0.4 found, = 1.0.5 required");
}

#[test]
fn features_report_everything_missing() {
    let reported: Vec<String> = vec!["a".into(), "b".into()];
    assert!(require_features("lib", &reported, &[]).is_ok());
    assert!(require_features("lib", &reported, &["b", "a"]).is_ok());
    assert_eq!(
        require_features("lib", &reported, &["c", "a", "d"]),
        Err(VersionError::MissingFeatures {
            library: "lib",
            missing: vec!["c".into(), "d".into()],
        })
    );
    // Substrings do not count as a match.
    assert!(require_features("lib", ["THREADSAFE=10"], &["THREADSAFE=1"]).is_err());
}

#[test]
fn separately_reported_parts_are_range_checked() {
    assert_eq!(
        Version::from_parts(u64::from(u32::MAX), 0_u8, 0_i8),
        Ok(Version::new(u32::MAX, 0, 0))
    );
    assert_eq!(
        Version::from_parts(u64::from(u32::MAX) + 1, 0_u8, 0_u8),
        Err(VersionError::PartOutOfRange {
            part: "major",
            value: 4_294_967_296
        })
    );
    assert_eq!(
        Version::from_parts(1_i32, i32::MIN, 0_i32),
        Err(VersionError::PartOutOfRange {
            part: "minor",
            value: i128::from(i32::MIN)
        })
    );
}
