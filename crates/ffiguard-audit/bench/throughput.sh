#!/usr/bin/env bash
# Throughput of `cargo ffiguard check`: median wall time of N runs per directory, lines/s.
#
#   bench/throughput.sh [--runs N] [--threads T] DIR...
#
# Prints one Markdown table row per directory and a total row: wall time and lines/s, and CPU time
# (user + sys) with lines per CPU-second, which stays meaningful on a loaded machine. Uses the release binary at
# $FFIGUARD_BIN (default: built with `cargo build --release -p cargo-ffiguard`).
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
runs=5
threads=2
dirs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        *) dirs+=("$1"); shift ;;
    esac
done
[ ${#dirs[@]} -gt 0 ] || { echo "usage: $0 [--runs N] [--threads T] DIR..." >&2; exit 2; }
if [ -z "${FFIGUARD_BIN:-}" ]; then
    (cd "$here" && cargo build --release -q -p cargo-ffiguard)
    FFIGUARD_BIN="${CARGO_TARGET_DIR:-$here/target}/release/cargo-ffiguard"
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| crate | files | lines | findings | findings/kLOC | wall (s) | lines/s | CPU (s) | lines/CPU-s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
total_lines=0; total_time=0; total_cpu=0; total_findings=0; total_files=0
TIMEFORMAT='%R %U %S'

for dir in "${dirs[@]}"; do
    name="$(basename "$dir")"
    json="$("$FFIGUARD_BIN" check "$dir" --format json --threads "$threads" || true)"
    read -r files lines findings < <(printf '%s' "$json" | python3 -c '
import json,sys; s=json.load(sys.stdin)["summary"]; print(s["files"], s["lines"], s["findings"])')
    walls=(); cpus=()
    for _ in $(seq "$runs"); do
        read -r wall user sys < <({ time "$FFIGUARD_BIN" check "$dir" --format json \
            --threads "$threads" >/dev/null 2>&1; } 2>&1)
        walls+=("$wall"); cpus+=("$(echo "$user + $sys" | bc -l)")
    done
    t="$(printf '%s\n' "${walls[@]}" | median)"
    c="$(printf '%s\n' "${cpus[@]}" | median)"
    printf '| %s | %d | %d | %d | %.2f | %.3f | %.0f | %.3f | %.0f |\n' "$name" "$files" "$lines" \
        "$findings" "$(echo "$findings * 1000 / ($lines + 0.000001)" | bc -l)" "$t" \
        "$(echo "$lines / $t" | bc -l)" "$c" "$(echo "$lines / ($c + 0.000001)" | bc -l)"
    total_lines=$((total_lines + lines)); total_files=$((total_files + files))
    total_findings=$((total_findings + findings))
    total_time="$(echo "$total_time + $t" | bc -l)"
    total_cpu="$(echo "$total_cpu + $c" | bc -l)"
done
printf '| **total** | %d | %d | %d | %.2f | %.3f | %.0f | %.3f | %.0f |\n' "$total_files" \
    "$total_lines" "$total_findings" \
    "$(echo "$total_findings * 1000 / ($total_lines + 0.000001)" | bc -l)" "$total_time" \
    "$(echo "$total_lines / $total_time" | bc -l)" "$total_cpu" \
    "$(echo "$total_lines / ($total_cpu + 0.000001)" | bc -l)"
