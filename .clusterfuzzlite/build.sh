#!/bin/bash -eu
# Builds every cargo-fuzz target the way OSS-Fuzz and ClusterFuzzLite build Rust projects and
# puts them, with their seed corpora and dictionaries, into $OUT. The engine sets $SRC, $OUT,
# $WORK, $SANITIZER, $FUZZING_ENGINE, $CC/$CFLAGS (clang with -fsanitize=fuzzer-no-link and the
# sanitizer, so the C that the `cc` crate builds is instrumented too) and the Rust flags
# cargo-fuzz passes on.
cd "$SRC/ffiguard"
target_dir="${CARGO_TARGET_DIR:-$WORK/target}"
export LIBCLANG_PATH="${LIBCLANG_PATH:-$(llvm-config --libdir 2>/dev/null || echo /usr/lib/llvm/lib)}"

cargo fuzz build -O --debug-assertions --fuzz-dir fuzz --target-dir "$target_dir"

release="$target_dir/x86_64-unknown-linux-gnu/release"
for target in $(cargo fuzz list --fuzz-dir fuzz); do
    cp "$release/$target" "$OUT/"
    if [ -d "fuzz/seeds/$target" ]; then
        (cd "fuzz/seeds/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
    if [ -f "fuzz/dict/$target.dict" ]; then
        cp "fuzz/dict/$target.dict" "$OUT/$target.dict"
    fi
done
