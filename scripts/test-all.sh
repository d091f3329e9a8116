#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs (idempotently), then
# every unit, integration and doc test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export LIBCLANG_PATH="${LIBCLANG_PATH:-/usr/lib/llvm-22/lib}"

cargo test --workspace --all-targets
cargo test --workspace --doc
