#!/usr/bin/env bash
# ABI cross-check evaluation on real -sys crates: fetches libz-sys and libsqlite3-sys from
# crates.io into a temporary cargo project, then checks each crate's bindings against the
# headers it bundles, on x86_64/i686/aarch64 Linux and x86_64 Windows, and times the check.
#
# Needs: libclang (Debian libclang-22-dev), the targets' C headers (libc6-dev-i386-cross,
# libc6-dev-arm64-cross, mingw-w64-x86-64-dev). Usage: crates/ffiguard-audit/eval/abi-eval.sh
set -euo pipefail

LIBZ_SYS_VERSION="${LIBZ_SYS_VERSION:-1.1.31}"
LIBSQLITE3_SYS_VERSION="${LIBSQLITE3_SYS_VERSION:-0.40.0}"
export LIBCLANG_PATH="${LIBCLANG_PATH:-/usr/lib/llvm-22/lib}"

repo="$(cd "$(dirname "$0")/../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/fetch/src"
: > "$work/fetch/src/lib.rs"
cat > "$work/fetch/Cargo.toml" <<TOML
[package]
name = "ffiguard-abi-eval-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
libz-sys = "=$LIBZ_SYS_VERSION"
libsqlite3-sys = "=$LIBSQLITE3_SYS_VERSION"

[workspace]
TOML
# `cargo fetch` unpacks the crates into cargo's registry cache; `cargo metadata` says where.
(cd "$work/fetch" && cargo fetch --quiet)
manifest_dir() {
    (cd "$work/fetch" && cargo metadata --format-version 1 --quiet) |
        python3 -c "import json,sys; d=json.load(sys.stdin); print([p['manifest_path'] for p in d['packages'] if p['name']==sys.argv[1]][0].rsplit('/',1)[0])" "$1"
}
FFIGUARD_EVAL_LIBZ_SYS="$(manifest_dir libz-sys)"
FFIGUARD_EVAL_LIBSQLITE3_SYS="$(manifest_dir libsqlite3-sys)"
export FFIGUARD_EVAL_LIBZ_SYS FFIGUARD_EVAL_LIBSQLITE3_SYS
echo "libz-sys $LIBZ_SYS_VERSION: $FFIGUARD_EVAL_LIBZ_SYS"
echo "libsqlite3-sys $LIBSQLITE3_SYS_VERSION: $FFIGUARD_EVAL_LIBSQLITE3_SYS"

cd "$repo"
cargo test --release -p ffiguard-audit --test abi_eval -- --ignored --nocapture --test-threads 1
