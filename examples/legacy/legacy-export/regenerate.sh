#!/usr/bin/env bash
# Regenerates include/legacy_export.h from the Rust sources with cbindgen (configuration in
# cbindgen.toml and tools/cbindgen_config.rs). Run after changing an export, then commit it.
set -euo pipefail
cd "$(dirname "$0")"
cargo run --quiet -p legacy-export --example regenerate_header
