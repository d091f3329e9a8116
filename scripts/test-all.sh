#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs (idempotently), then
#   1. every unit, integration and doc test of the workspace (C fixtures, real workers, real
#      seccomp/Landlock, the planted-bug sanitizer fixtures under address/leak/undefined/valgrind),
#      the optional features, rustdoc without warnings, a check with the minimum supported Rust
#      version (installed with rustup), and `cargo ffiguard check` of the workspace itself at
#      `--deny warning`;
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
# A one-shot build gains nothing from incremental caches, which would add about a third to the
# target directory (a cold run writes ~12 GiB without them).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# Say early when the disk is too small, instead of failing in a linker an hour in.
free_kib=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kib:-0}" -lt $((16 * 1024 * 1024)) ]; then
    printf 'test-all: warning: only %d MiB free here; a cold run writes about 12 GiB\n' \
        "$((free_kib / 1024))" >&2
fi

started=$SECONDS
current="setup"
steps=0
step() {
    current=$1
    steps=$((steps + 1))
    printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"
}
# One closing line, whatever happens: which step failed, or that all passed, and the time.
finish() {
    local status=$?
    if [ "$status" -eq 0 ]; then
        printf '\ntest-all: all %d steps passed in %d s\n' "$steps" "$((SECONDS - started))"
    else
        printf '\ntest-all: FAILED in step "%s" (exit %d) after %d s\n' \
            "$current" "$status" "$((SECONDS - started))"
    fi
}
trap finish EXIT

step "workspace tests"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

step "feature builds"
# The features CI would otherwise never build: ffiguard's `tracing` spans (tests/trace.rs runs
# only with it), and every feature at once.
cargo test -p ffiguard --features tracing --locked
cargo check --workspace --all-targets --all-features --locked

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked

step "packaging (dry run)"
# Every publishable crate packages (versions on path dependencies, metadata, included files);
# --no-verify: the unpublished crates cannot be fetched back from the registry to build.
publishable=(ffiguard ffiguard-macros ffiguard-sandbox ffiguard-cheader ffiguard-audit
    ffiguard-sanitize cargo-ffiguard)
cargo package --no-verify --allow-dirty --locked "${publishable[@]/#/--package=}"

step "minimum supported Rust version"
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
rustup toolchain list | grep -q "^$msrv-" || rustup toolchain install "$msrv" --profile minimal
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" check --workspace --all-targets --locked

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
