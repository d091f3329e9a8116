//! Fuzzes the safe `legacy` wrapper (and through it liblegacy's C, built with
//! `-fsanitize=fuzzer-no-link` by `crates/ffiguard-sanitize/ci/fuzz-smoke.sh` so coverage
//! reaches into C): a byte program drives a store, the checksum, arithmetic and the parser.
//! Every call must return a value or a typed error — never a crash or a sanitizer report.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ops::ControlFlow;

/// Splits off a length-prefixed string (lossy UTF-8, so NULs and odd bytes reach the checks).
fn take_str<'a>(data: &mut &'a [u8]) -> String {
    let Some((&len, rest)) = data.split_first() else {
        return String::new();
    };
    let len = usize::from(len % 48).min(rest.len());
    let (text, rest) = rest.split_at(len);
    *data = rest;
    String::from_utf8_lossy(text).into_owned()
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let name = take_str(&mut data);
    let Ok(mut store) = legacy::Store::new(&name) else {
        return;
    };
    let mut steps = 0;
    while let Some((&op, rest)) = data.split_first() {
        data = rest;
        steps += 1;
        if steps > 64 {
            break;
        }
        match op % 12 {
            0 => {
                let (key, value) = (take_str(&mut data), take_str(&mut data));
                if store.set(&key, &value).is_ok() {
                    assert_eq!(store.get(&key).ok().as_deref(), Some(value.as_str()));
                }
            }
            1 => drop(store.remove(&take_str(&mut data))),
            2 => drop(store.get(&take_str(&mut data))),
            3 => drop(store.peek(&take_str(&mut data))),
            4 => drop(store.get_i64(&take_str(&mut data))),
            5 => {
                let key = take_str(&mut data);
                let mut buf = vec![0u8; usize::from(op / 12)];
                if let Ok(len) = store.get_into(&key, &mut buf) {
                    assert!(len <= buf.len());
                }
            }
            6 => drop(store.reserve(usize::from(op))),
            7 => drop(store.seal()),
            8 => drop((store.stats(), store.dump())),
            9 => drop(legacy::checksum(data)),
            10 => {
                let a = i32::from_le_bytes([op, op, 0, op]);
                drop(legacy::add(a, i32::from(op)));
            }
            _ => {
                let text = take_str(&mut data);
                let _ = legacy::callbacks::parse(&text, |entry| {
                    assert!(entry.key.len() <= text.len());
                    ControlFlow::Continue(())
                });
            }
        }
    }
});
