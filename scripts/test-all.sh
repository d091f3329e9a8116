#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs (idempotently), then
#   1. every unit, integration and doc test of the workspace (C fixtures, real workers, real
#      seccomp/Landlock, the planted-bug sanitizer fixtures under address/leak/undefined/valgrind),
#      and `cargo ffiguard check` of the workspace itself at `--deny warning`;
#   2. the FFI crates' own tests under AddressSanitizer+LeakSanitizer and ThreadSanitizer,
#      through `cargo ffiguard sanitize` (including the demonstration that TSan reports the race
#      liblegacy's lock prevents);
#   3. a smoke run of every fuzz target (a few seconds each);
#   4. the pure-Rust runtime tests under Miri, when a nightly toolchain with Miri is installed.
# Set FFIGUARD_QUICK=1 to run only step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export LIBCLANG_PATH="${LIBCLANG_PATH:-/usr/lib/llvm-22/lib}"

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "workspace tests"
cargo test --workspace --all-targets
cargo test --workspace --doc

step "the workspace audits itself"
# Every warning-level FFI finding in our own code is fixed or suppressed with a reason.
cargo run -q -p cargo-ffiguard -- ffiguard check . --deny warning

if [ "${FFIGUARD_QUICK:-0}" = 1 ]; then
    exit 0
fi

step "sanitizers over the FFI crates"
bash crates/ffiguard-sanitize/ci/dogfood.sh

step "fuzz smoke run"
bash crates/ffiguard-sanitize/ci/fuzz-smoke.sh "${FFIGUARD_FUZZ_SECONDS:-10}"

step "Miri"
bash crates/ffiguard-sanitize/ci/miri.sh
step "done"
