#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for a few seconds: a smoke run for CI
# that proves the targets build, start and survive their first inputs.
#
#   crates/ffiguard-sanitize/ci/fuzz-smoke.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Installs cargo-fuzz if missing. Uses nightly when rustup has it, otherwise the default
# toolchain with RUSTC_BOOTSTRAP=1. C reached by a target (liblegacy) is built by the clang
# matching rustc's LLVM with -fsanitize=fuzzer-no-link, so coverage guides into C.
# Corpora go under the target directory (not fuzz/corpus), so the tree stays clean.
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
seconds="${1:-10}"
[ $# -gt 0 ] && shift

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

toolchain=()
if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=(+nightly)
else
    echo "fuzz-smoke: no nightly toolchain; using the default one with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
fi
llvm_major="$(rustc "${toolchain[@]}" -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
if command -v "clang-$llvm_major" >/dev/null 2>&1; then
    export CC="clang-$llvm_major" CXX="clang++-$llvm_major"
else
    echo "fuzz-smoke: no clang-$llvm_major (rustc's LLVM); C is built uninstrumented" >&2
fi
if [ -n "${CC:-}" ]; then
    export CFLAGS="${CFLAGS:-} -fsanitize=address,fuzzer-no-link"
fi
export LIBCLANG_PATH="${LIBCLANG_PATH:-/usr/lib/llvm-$llvm_major/lib}"
export RUST_BACKTRACE=0
target_dir="${CARGO_TARGET_DIR:-$root/target}/fuzz"

cd "$root"
targets=("$@")
build=("${targets[@]}")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list --fuzz-dir fuzz)
    build=("") # one build of every target
fi
start=$(date +%s)
for target in "${build[@]}"; do
    # shellcheck disable=SC2086 # an empty $target means "all targets"
    cargo "${toolchain[@]}" fuzz build --fuzz-dir fuzz --target-dir "$target_dir" $target
done
built=$(date +%s)
echo "fuzz-smoke: built ${#targets[@]} targets in $((built - start)) s"

failed=()
for target in "${targets[@]}"; do
    corpus="$target_dir/smoke-corpus/$target"
    mkdir -p "$corpus"
    log="$target_dir/smoke-$target.log"
    # The committed seeds (fuzz/seeds/<target>) are read, never written; new inputs go to the
    # corpus under the target directory. A committed dictionary is used when there is one.
    seeds=()
    [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
    dict=()
    [ -f "fuzz/dict/$target.dict" ] && dict=("-dict=fuzz/dict/$target.dict")
    if cargo "${toolchain[@]}" fuzz run --fuzz-dir fuzz --target-dir "$target_dir" "$target" \
        "$corpus" "${seeds[@]}" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
        -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        echo "fuzz-smoke: $target: ok, ${execs:-?} executions in ${seconds} s"
    else
        echo "fuzz-smoke: $target: FAILED (log: $log)"
        tail -40 "$log"
        failed+=("$target")
    fi
done
echo "fuzz-smoke: $(( ${#targets[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
