//! Fuzzes the input/output validators of `ffiguard` with arbitrary bytes: C-string arguments,
//! bounded buffer reads, version strings and packed versions must each return a value that
//! keeps its promise or an error, never a panic.

#![no_main]

use ffiguard::cstr::{self, CStrArg, Utf8};
use ffiguard::version::{Packing, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&max, bytes)) = input.split_first() else {
        return;
    };
    let max = usize::from(max);

    // An accepted argument has no NUL inside, respects the bound, and is what C will see.
    for utf8 in [Utf8::Any, Utf8::Require] {
        if let Ok(arg) = CStrArg::from_bytes(bytes, max, utf8) {
            assert_eq!(arg.to_bytes(), bytes);
            assert!(bytes.len() <= max);
            assert!(!bytes.contains(&0));
            assert!(utf8 == Utf8::Any || std::str::from_utf8(bytes).is_ok());
        }
    }

    // A buffer read never goes past the buffer and stops at the first NUL.
    if let Ok(s) = cstr::read_buf(bytes) {
        let len = s.to_bytes().len();
        assert!(len < bytes.len() && bytes[len] == 0 && !bytes[..len].contains(&0));
    }

    // Version parsing is total; an accepted string prints back to an equal version.
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Ok(v) = Version::parse(text) {
            assert_eq!(Version::parse(&v.to_string()), Ok(v));
        }
        let _ = Version::parse_prefix(text);
    }
    if let Some(word) = bytes.first_chunk::<8>() {
        let raw = u64::from_le_bytes(*word);
        for packing in [
            Packing::ZLIB_VERNUM,
            Packing::SQLITE,
            Packing::OPENSSL_3,
            Packing::LIBPNG,
        ] {
            let _ = Version::from_packed(raw, packing);
            let _ = Version::from_packed(raw.cast_signed(), packing);
        }
    }
});
