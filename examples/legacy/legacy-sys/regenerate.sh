#!/usr/bin/env bash
# Regenerates src/bindings.rs from csrc/wrapper.h with the pinned bindgen configuration
# (tools/bindgen_config.rs). Run after changing any header in csrc/, then commit the result.
set -euo pipefail
cd "$(dirname "$0")"
export LIBCLANG_PATH="${LIBCLANG_PATH:-/usr/lib/llvm-22/lib}"
cargo run --quiet -p legacy-sys --example regenerate_bindings
