#!/usr/bin/env bash
# Cost of `cargo ffiguard check` on one large generated binding file, by file size.
#
#   bench/generated-size.sh [--runs N] [SIZE_KB...]      # default sizes: 256 512 1024 2048 5120
#
# Writes a bindgen-like `src/lib.rs` (one `#[repr(C)] struct` and one `extern "C"` block per
# item, ~430 bytes each) of each size into a temporary crate, then prints one Markdown row per
# size: median wall time and CPU time (user + sys, which stays meaningful on a loaded machine)
# of N runs with human output and with SARIF output, and the peak RSS of a SARIF run (GNU
# time). One thread (`--threads 1`): the file is one unit of work either way. Uses the release binary at $FFIGUARD_BIN (default: built with
# `cargo build --release -p cargo-ffiguard`).
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
runs=3
sizes=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        *) sizes+=("$1"); shift ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(256 512 1024 2048 5120)
if [ -z "${FFIGUARD_BIN:-}" ]; then
    (cd "$here" && cargo build --release -q -p cargo-ffiguard)
    FFIGUARD_BIN="${CARGO_TARGET_DIR:-$here/target}/release/cargo-ffiguard"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

generate() { # SIZE_KB DIR
    mkdir -p "$2/src"
    printf '[package]\nname = "generated"\nversion = "0.1.0"\n' > "$2/Cargo.toml"
    python3 - "$1" "$2/src/lib.rs" <<'PY'
import sys
limit, path = int(sys.argv[1]) * 1024, sys.argv[2]
out, size, n = [], 0, 0
while size < limit:
    item = f"""#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct s_{n} {{
    pub id: ::std::os::raw::c_int,
    pub name: *const ::std::os::raw::c_char,
    pub next: *mut s_{n},
    pub len: usize,
}}
extern "C" {{
    pub fn f_{n}(s: *mut s_{n}, key: *const ::std::os::raw::c_char, n: ::std::os::raw::c_long) -> ::std::os::raw::c_int;
}}
"""
    out.append(item)
    size += len(item)
    n += 1
open(path, "w").write("".join(out))
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
TIMEFORMAT='%R %U %S'

echo "| file | lines | findings | human wall (s) | human CPU (s) | SARIF wall (s) | SARIF CPU (s) | SARIF peak RSS (MiB) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for kb in "${sizes[@]}"; do
    dir="$work/g$kb"
    generate "$kb" "$dir"
    lines="$(wc -l < "$dir/src/lib.rs")"
    findings="$("$FFIGUARD_BIN" check "$dir" --format json --threads 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["findings"])' || true)"
    human=(); sarif=()
    for _ in $(seq "$runs"); do
        human+=("$( { time "$FFIGUARD_BIN" check "$dir" --threads 1 --color never > /dev/null || true; } 2>&1 | tail -1)")
        sarif+=("$( { time "$FFIGUARD_BIN" check "$dir" --threads 1 --format sarif > /dev/null || true; } 2>&1 | tail -1)")
    done
    rss_kb="$( { /usr/bin/time -f '%M' "$FFIGUARD_BIN" check "$dir" --threads 1 --format sarif > /dev/null || true; } 2>&1 | tail -1)"
    wall() { printf '%s\n' "$@" | awk '{print $1}' | median; }
    cpu() { printf '%s\n' "$@" | awk '{printf "%.3f\n", $2 + $3}' | median; }
    printf '| %s KiB | %s | %s | %s | %s | %s | %s | %s |\n' "$kb" "$lines" "$findings" \
        "$(wall "${human[@]}")" "$(cpu "${human[@]}")" "$(wall "${sarif[@]}")" "$(cpu "${sarif[@]}")" \
        "$((rss_kb / 1024))"
done
