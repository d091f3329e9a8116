//! Reads the C library's own headers (glibc for the Linux targets, MinGW-w64 for Windows)
//! for every target: the cross packages must be installed (`libc6-dev-i386-cross`,
//! `libc6-dev-arm64-cross`, `mingw-w64-x86-64-dev`) or the test fails naming the missing one.

use ffiguard_cheader::{ALL_TARGETS, HeaderSet, parse_for_targets};

#[test]
fn libc_headers_give_each_target_its_own_layouts() {
    let dir = std::env::temp_dir().join(format!("ffiguard-cheader-sys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let header = dir.join("uses_libc.h");
    std::fs::write(
        &header,
        "#include <stdio.h>\n#include <time.h>\n#include <stdint.h>\n\
         struct uses { struct timespec when; FILE *out; int64_t big; };\n",
    )
    .expect("write");
    let results = parse_for_targets(&HeaderSet::new([&header]), &ALL_TARGETS);
    let _ = std::fs::remove_dir_all(&dir);
    let mut seen = Vec::new();
    for (target, model) in results {
        let model = model.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            model.functions.contains_key("fopen"),
            "{}: no fopen",
            target.name
        );
        let timespec = model.record("timespec").expect("struct timespec");
        let uses = model.record("uses").expect("struct uses");
        let big = uses.fields.iter().find(|f| f.name == "big").expect("big");
        seen.push((target.name, timespec.size, uses.size, big.offset_bits / 8));
    }
    assert_eq!(
        seen,
        [
            ("x86_64-linux", Some(16), Some(32), 24),
            ("i686-linux", Some(8), Some(20), 12),
            ("aarch64-linux", Some(16), Some(32), 24),
            ("x86_64-windows", Some(16), Some(32), 24),
        ]
    );
}

#[test]
fn stdlib_h_reads_on_every_target_including_mingw() {
    // MinGW's <stdlib.h> includes <malloc.h>, which includes clang's builtin <mm_malloc.h>:
    // it is found only when libclang is given its resource directory (a symlinked libclang
    // looks for it next to the symlink's target).
    let dir = std::env::temp_dir().join(format!("ffiguard-cheader-stdlib-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let header = dir.join("uses_stdlib.h");
    std::fs::write(&header, "#include <stdlib.h>\nvoid *take(size_t n);\n").expect("write");
    let results = parse_for_targets(&HeaderSet::new([&header]), &ALL_TARGETS);
    let _ = std::fs::remove_dir_all(&dir);
    for (target, model) in results {
        let model = model.unwrap_or_else(|e| panic!("{}: {e}", target.name));
        assert!(model.functions.contains_key("malloc"), "{}", target.name);
    }
}
