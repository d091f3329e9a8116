//! Hostile and boundary inputs from the Rust side: every one is refused with a typed error
//! before it reaches C, or reaches C and comes back as liblegacy's own typed error. None may
//! panic, crash or be silently altered.

use ffiguard::cstr::CStrError;
use legacy::{Error, LgCode, MAX_KEY_LEN, MAX_VALUE_LEN, Store};

fn store(name: &str) -> Store {
    Store::new(name).unwrap_or_else(|err| panic!("Store::new({name:?}): {err}"))
}

fn assert_argument(result: legacy::Result<impl std::fmt::Debug>, what: &str, expected: CStrError) {
    match result {
        Err(Error::Argument { what: got, source }) => {
            assert_eq!(got, what);
            assert_eq!(source, expected);
        }
        other => panic!("expected an invalid {what}, got {other:?}"),
    }
}

/// Interior NUL: C would see `"user"` where Rust passed `"user\0admin"`.
#[test]
fn interior_nul_is_refused_in_every_string_argument() {
    let mut s = store("nul");
    let nul = CStrError::InteriorNul { position: 4 };
    assert_argument(Store::new("user\0admin"), "store name", nul.clone());
    assert_argument(s.set("user\0admin", "v"), "key", nul.clone());
    assert_argument(s.set("k", "user\0admin"), "value", nul.clone());
    assert_argument(s.get("user\0admin"), "key", nul.clone());
    assert_argument(s.load("user\0admin".as_ref()), "path", nul);
}

/// Too long: keys are bounded by `LG_KEY_MAX`, values by the wrapper's own limit.
#[test]
fn lengths_at_and_past_the_limits() {
    let mut s = store("lengths");
    let longest_key = "k".repeat(MAX_KEY_LEN);
    s.set(&longest_key, "v").unwrap();
    assert_eq!(s.get(&longest_key).unwrap(), "v");
    assert_argument(
        s.set(&"k".repeat(MAX_KEY_LEN + 1), "v"),
        "key",
        CStrError::TooLong {
            len: MAX_KEY_LEN + 1,
            max: MAX_KEY_LEN,
        },
    );
    assert_argument(
        Store::new(&"n".repeat(MAX_KEY_LEN + 1)),
        "store name",
        CStrError::TooLong {
            len: MAX_KEY_LEN + 1,
            max: MAX_KEY_LEN,
        },
    );

    let biggest = "x".repeat(MAX_VALUE_LEN);
    s.set("big", &biggest).unwrap();
    assert_eq!(s.get("big").unwrap().len(), MAX_VALUE_LEN);
    assert_argument(
        s.set("big", &"x".repeat(MAX_VALUE_LEN + 1)),
        "value",
        CStrError::TooLong {
            len: MAX_VALUE_LEN + 1,
            max: MAX_VALUE_LEN,
        },
    );
}

/// Empty strings and keys liblegacy itself refuses come back as its typed code.
#[test]
fn empty_and_malformed_keys_are_liblegacy_errors() {
    let mut s = store("keys");
    for key in ["", "with space", "$virtual"] {
        assert_eq!(
            s.set(key, "v").unwrap_err().code(),
            Some(LgCode::Invalid),
            "{key:?}"
        );
    }
    s.set("empty", "").unwrap();
    assert_eq!(s.get("empty").unwrap(), "");
    assert_eq!(s.get("absent").unwrap_err().code(), Some(LgCode::NotFound));
    assert_eq!(
        s.remove("absent").unwrap_err().code(),
        Some(LgCode::NotFound)
    );
    assert_eq!(s.peek("absent").unwrap_err().code(), Some(LgCode::NotFound));
}

/// Capacity 0 and capacities around the value's size, for the caller-buffer protocol.
#[test]
fn caller_buffers_of_every_interesting_capacity() {
    let mut s = store("buffers");
    s.set("five", "12345").unwrap();
    s.set("empty", "").unwrap();
    for (capacity, expected) in [
        (0, Err(6)),
        (1, Err(6)),
        (5, Err(6)),
        (6, Ok(5)),
        (64, Ok(5)),
    ] {
        let mut buf = vec![0xEE_u8; capacity];
        match (s.get_into("five", &mut buf), expected) {
            (Ok(len), Ok(want)) => {
                assert_eq!(len, want);
                assert_eq!(&buf[..=len], b"12345\0");
            }
            (
                Err(Error::BufferTooSmall {
                    needed,
                    capacity: c,
                }),
                Err(want),
            ) => {
                assert_eq!((needed, c), (want, capacity));
            }
            (got, want) => panic!("capacity {capacity}: got {got:?}, want {want:?}"),
        }
    }
    match s.get_into("empty", &mut []) {
        Err(Error::BufferTooSmall {
            needed: 1,
            capacity: 0,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(s.get_into("empty", &mut [0xEE]).unwrap(), 0);
}

/// Every integer boundary of `lg_store_reserve(int)`: C's own range check answers inside
/// `int`, the wrapper's conversion answers outside it.
#[test]
fn reserve_at_every_integer_boundary() {
    let mut s = store("reserve");
    assert_eq!(s.reserve(0).unwrap_err().code(), Some(LgCode::Invalid));
    s.reserve(1).unwrap();
    s.reserve(1 << 20).unwrap();
    assert_eq!(
        s.reserve((1 << 20) + 1).unwrap_err().code(),
        Some(LgCode::Range)
    );
    let int_max = usize::try_from(i32::MAX).unwrap();
    assert_eq!(s.reserve(int_max).unwrap_err().code(), Some(LgCode::Range));
    for slots in [int_max + 1, 1 << 32, (1 << 32) + 1, usize::MAX] {
        assert!(
            matches!(s.reserve(slots), Err(Error::Conversion(_))),
            "reserve({slots})"
        );
    }
}

/// Every boundary of C `long` coming back through an out-parameter.
#[test]
fn integers_parsed_by_c_at_every_boundary() {
    let mut s = store("longs");
    let cases: [(&str, Result<i64, LgCode>); 8] = [
        ("0", Ok(0)),
        ("-1", Ok(-1)),
        ("9223372036854775807", Ok(i64::MAX)),
        ("-9223372036854775808", Ok(i64::MIN)),
        ("9223372036854775808", Err(LgCode::Range)),
        ("-9223372036854775809", Err(LgCode::Range)),
        ("12abc", Err(LgCode::Syntax)),
        ("", Err(LgCode::Syntax)),
    ];
    for (text, expected) in cases {
        s.set("n", text).unwrap();
        let got = s
            .get_i64("n")
            .map_err(|err| err.code().expect("a liblegacy code"));
        assert_eq!(got, expected, "{text:?}");
    }
}

/// `lg_add` at every `int` boundary, and the checksum of nothing.
#[test]
fn pure_functions_at_their_boundaries() {
    assert_eq!(legacy::add(i32::MAX, i32::MIN).unwrap(), -1);
    assert_eq!(legacy::add(i32::MIN, i32::MAX).unwrap(), -1);
    assert_eq!(legacy::add(-1, i32::MIN + 1).unwrap(), i32::MIN);
    assert!(legacy::add(i32::MIN, i32::MIN).is_err());
    assert_eq!(legacy::checksum(&[]).unwrap(), 0x811c_9dc5);
    assert_eq!(
        legacy::checksum(&[0; 64]).unwrap(),
        legacy::checksum(&[0; 64]).unwrap()
    );
}

/// A file liblegacy cannot parse is its typed syntax error with its message (path and line).
#[test]
fn malformed_file_is_a_syntax_error_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.conf");
    std::fs::write(&path, "# comment\ngood = 1\nthis line has no equals sign\n").unwrap();
    let mut s = store("syntax");
    let err = s.load(&path).unwrap_err();
    assert_eq!(err.code(), Some(LgCode::Syntax));
    assert!(err.to_string().contains("bad.conf:3: expected"), "{err}");
}

/// Values liblegacy stores but Rust cannot hold as `String` (not UTF-8, loaded from a file)
/// come back from `get` as an error naming the bad byte, not as a panic or lossy text.
#[test]
fn non_utf8_value_from_c_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.conf");
    std::fs::write(&path, b"name = caf\xe9\n").unwrap();
    let mut s = store("latin1");
    s.load(&path).unwrap();
    match s.get("name") {
        Err(Error::BadString {
            source: CStrError::InvalidUtf8 { valid_up_to: 3, .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // The byte interface returns the bytes as they are.
    let mut raw = [0_u8; 8];
    assert_eq!(s.get_into("name", &mut raw).unwrap(), 4);
    assert_eq!(&raw[..5], b"caf\xe9\0");
}
