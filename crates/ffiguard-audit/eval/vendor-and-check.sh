#!/usr/bin/env bash
# Evaluates `cargo ffiguard check` on current releases of real FFI crates.
#
#   eval/vendor-and-check.sh [--no-clippy] [--runs N]
#
# 1. Vendors rusqlite, openssl, git2, libz-sys, curl and their -sys crates from crates.io into
#    $FFIGUARD_EVAL_DIR (default /tmp/ffiguard-eval) with `cargo vendor` (network: crates.io).
# 2. Audits each crate: findings per thousand lines and lines/s (bench/throughput.sh), and keeps
#    each JSON report in $FFIGUARD_EVAL_DIR/reports/CRATE.json for the precision sample.
# 3. Side by side: `cargo clippy -p CRATE` from a clean target dir vs `cargo ffiguard check`
#    on the same crate, for crates whose C parts build here without system libraries
#    (rusqlite with `bundled`, libz-sys with `static`). Medians of --runs runs for ffiguard;
#    clippy runs once per crate from a clean target (it is minutes, not milliseconds).
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
eval_dir="${FFIGUARD_EVAL_DIR:-/tmp/ffiguard-eval}"
runs=5
clippy=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-clippy) clippy=0; shift ;;
        --runs) runs="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$eval_dir/corpus/src" "$eval_dir/reports"
cd "$eval_dir/corpus"
cat > Cargo.toml <<'TOML'
[package]
name = "ffiguard-eval-corpus"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
rusqlite = { version = "*", features = ["bundled"] }
openssl = "*"
git2 = { version = "*", default-features = false }
libz-sys = { version = "*", features = ["static"] }
curl = "*"

[workspace]
TOML
echo "fn main() {}" > src/main.rs
if [ ! -d vendor ]; then
    cargo vendor --quiet vendor > /dev/null
fi

FFIGUARD_BIN="$(ffiguard_binary "$here")"
export FFIGUARD_BIN

crates=(rusqlite libsqlite3-sys openssl openssl-sys git2 libgit2-sys libz-sys curl curl-sys)
dirs=()
for c in "${crates[@]}"; do
    dirs+=("vendor/$c")
    "$FFIGUARD_BIN" check "vendor/$c" --format json --threads 2 > "$eval_dir/reports/$c.json" || true
done
print_versions vendor "${crates[@]}"
echo
echo "## Throughput and findings (2 threads, median of $runs runs)"
bash "$here/crates/ffiguard-audit/bench/throughput.sh" --runs "$runs" --threads 2 "${dirs[@]}"
echo
echo "## The nine crates as one corpus (every .rs file, one run, 2 threads, median of $runs runs)"
rm -rf "$eval_dir/ffi-corpus" && mkdir -p "$eval_dir/ffi-corpus"
for c in "${crates[@]}"; do ln -s "$eval_dir/corpus/vendor/$c" "$eval_dir/ffi-corpus/$c"; done
bash "$here/crates/ffiguard-audit/bench/throughput.sh" --runs "$runs" --threads 2 "$eval_dir/ffi-corpus"
echo
echo "## Findings per rule"
python3 - "$eval_dir/reports" <<'PY'
import json, os, sys, collections
counts = collections.Counter()
for name in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], name)) as f:
        for finding in json.load(f)["findings"]:
            counts[finding["rule"]] += 1
print("| rule | findings |\n| --- | ---: |")
for rule, n in sorted(counts.items()):
    print(f"| {rule} | {n} |")
PY

if [ "$clippy" = 1 ]; then
    echo
    echo "## cargo clippy (clean target dir) vs cargo ffiguard check"
    echo "| crate | clippy (s) | ffiguard check (s, median) | ratio |"
    echo "| --- | ---: | ---: | ---: |"
    median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
    for spec in rusqlite:bundled libz-sys:static; do
        c="${spec%%:*}"; features="${spec#*:}"
        # Clippy lints only workspace members, so each crate is linted as its own package.
        src="$eval_dir/standalone/$c"
        rm -rf "$src" && mkdir -p "$eval_dir/standalone" && cp -r "vendor/$c" "$src"
        target="$eval_dir/clippy-target-$c"
        rm -rf "$target"
        (cd "$src" && cargo generate-lockfile --offline -q 2>/dev/null || cargo generate-lockfile -q)
        start=$(date +%s.%N)
        (cd "$src" && CARGO_TARGET_DIR="$target" cargo clippy --offline -q --features "$features" \
            > "$eval_dir/clippy-$c.log" 2>&1) || echo "clippy on $c failed: see $eval_dir/clippy-$c.log" >&2
        end=$(date +%s.%N)
        clippy_s="$(echo "$end - $start" | bc -l)"
        rm -rf "$target"
        times=()
        for _ in $(seq "$runs"); do
            start=$(date +%s.%N)
            "$FFIGUARD_BIN" check "vendor/$c" --format json --threads 2 > /dev/null || true
            end=$(date +%s.%N)
            times+=("$(echo "$end - $start" | bc -l)")
        done
        ours="$(printf '%s\n' "${times[@]}" | median)"
        printf '| %s | %.1f | %.3f | %.0f× |\n' "$c" "$clippy_s" "$ours" "$(echo "$clippy_s / $ours" | bc -l)"
    done
fi
