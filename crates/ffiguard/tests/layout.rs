//! `assert_layout!` against the C compiler: the layout a header gives is compiled and
//! measured with the system C compiler (`$CC`, default `cc`), and must equal both the Rust
//! type's layout and what the compile-time assertions state for this target.

#![cfg(all(unix, any(target_arch = "x86_64", target_arch = "aarch64")))]

mod support;

use core::ffi::{c_char, c_int, c_long, c_void};
use std::process::Command;

/// The Rust mirror of `struct record` below.
#[repr(C)]
struct Record {
    tag: u8,
    id: u32,
    size: c_long,
    name: [c_char; 5],
    data: *const c_void,
    flags: c_int,
}

/// What the header gives on 64-bit Unix (LP64): size, alignment, then field offsets in
/// declaration order. Shared by the compile-time assertion and the run-time comparison.
const LP64: [usize; 8] = [40, 8, 0, 4, 8, 16, 24, 32];

ffiguard::assert_layout!(
    #[cfg(all(target_pointer_width = "64", not(windows)))]
    Record {
        size: LP64[0],
        align: LP64[1],
        fields: { tag: LP64[2], id: LP64[3], size: LP64[4], name: LP64[5], data: LP64[6], flags: LP64[7] },
    }
);

const HEADER_AND_PROBE: &str = r#"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct record {
    uint8_t tag;
    uint32_t id;
    long size;
    char name[5];
    const void *data;
    int flags;
};

int main(void) {
    printf("%zu %zu %zu %zu %zu %zu %zu %zu\n",
           sizeof(struct record), _Alignof(struct record),
           offsetof(struct record, tag), offsetof(struct record, id),
           offsetof(struct record, size), offsetof(struct record, name),
           offsetof(struct record, data), offsetof(struct record, flags));
    return 0;
}
"#;

fn c_layout() -> Vec<usize> {
    let exe = support::compile_c("record", "", HEADER_AND_PROBE, &[]);
    let out = Command::new(&exe).output().expect("run layout probe");
    let _ = std::fs::remove_file(&exe);
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("ASCII output")
        .split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect()
}

/// The numbers the compile-time assertion states are the ones the C compiler computes for
/// this target, and the Rust type has them too (checked here again at run time so a wrong
/// `LP64` table fails with both sides printed).
#[test]
fn asserted_layout_matches_the_c_compiler() {
    let from_c = c_layout();
    let from_rust = [
        size_of::<Record>(),
        align_of::<Record>(),
        core::mem::offset_of!(Record, tag),
        core::mem::offset_of!(Record, id),
        core::mem::offset_of!(Record, size),
        core::mem::offset_of!(Record, name),
        core::mem::offset_of!(Record, data),
        core::mem::offset_of!(Record, flags),
    ];
    assert_eq!(from_c, from_rust, "C (left) and Rust (right) disagree");
    assert_eq!(
        from_c, LP64,
        "C (left) and the asserted table (right) disagree"
    );
}
