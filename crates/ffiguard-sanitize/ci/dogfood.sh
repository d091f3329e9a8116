#!/usr/bin/env bash
# Runs this workspace's FFI crates under the sanitizers through `cargo ffiguard sanitize`:
# AddressSanitizer (+ LeakSanitizer) and ThreadSanitizer always, MemorySanitizer with
# `--memory`. Doctests are left out (`--lib --tests`): each is a separate instrumented build,
# and the code they reach is reached by the tests. docs/sanitize.md says why each skip exists.
#
#   crates/ffiguard-sanitize/ci/dogfood.sh [--memory]
set -euo pipefail
cd "$(dirname "$0")/../../.."

sanitize() {
    cargo run -q -p cargo-ffiguard -- sanitize "$@"
}

sanitize address --plain -- -p ffiguard -p legacy -p legacy-sys -p legacy-export --lib --tests \
    -- --skip thread_bound_refuses_access_and_drop_from_a_smuggled_thread
sanitize thread --plain -- -p ffiguard -p legacy -p legacy-sys --lib --tests -- --include-ignored
if [ "${1:-}" = "--memory" ]; then
    sanitize memory --plain -- -p ffiguard -p legacy --lib --tests
fi
