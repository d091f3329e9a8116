#!/usr/bin/env bash
# Whether `cargo ffiguard check` stays linear as the tree grows: CPU time (user + sys) and peak
# memory of one `check` over a tree, against the same for each of its crates checked alone.
#
#   bench/scale.sh copies [--runs N] CORPUS          # CORPUS as one tree, copied 1, 4 and 16 times
#   bench/scale.sh parts [--runs N] DIR              # DIR as one tree, and each directory in it alone
#
# Prints Markdown rows: lines, CPU seconds (median of N runs), peak RSS (MiB, median), KiB of
# memory per line of input, and the ratios the goals are stated in (16x input vs time; the
# whole tree vs the sum of its parts). Uses the release binary at $FFIGUARD_BIN (default: built
# with `cargo build --release -p cargo-ffiguard`). The copies go to $FFIGUARD_SCALE_DIR
# (default /tmp/ffiguard-scale; 16 copies of the nine-crate corpus take ~660 MB).
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
mode="${1:-}"
shift || true
runs=3
while [ $# -gt 1 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
target="${1:-}"
if [ -z "$target" ] || { [ "$mode" != copies ] && [ "$mode" != parts ]; }; then
    echo "usage: $0 copies|parts [--runs N] DIR" >&2
    exit 2
fi
if [ -z "${FFIGUARD_BIN:-}" ]; then
    (cd "$here" && cargo build --release -q -p cargo-ffiguard)
    FFIGUARD_BIN="${CARGO_TARGET_DIR:-$here/target}/release/cargo-ffiguard"
fi

timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
lines_of() { find "$1" -name '*.rs' -type f -print0 | xargs -0 cat | wc -l; }

# "CPU-seconds peak-KiB" of one check, median of $runs runs each.
measure() {
    local dir=$1 cpu=() rss=() out
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$timing" -f '%U %S %M' "$FFIGUARD_BIN" ffiguard check "$dir" \
            --threads 2 --format json >/dev/null 2>&1 || true
        out=$(tail -1 "$timing")
        cpu+=("$(echo "$out" | awk '{print $1 + $2}')")
        rss+=("$(echo "$out" | awk '{print $3}')")
    done
    echo "$(printf '%s\n' "${cpu[@]}" | median) $(printf '%s\n' "${rss[@]}" | median)"
}

row() { # name lines cpu kib
    awk -v n="$1" -v l="$2" -v c="$3" -v k="$4" 'BEGIN {
        printf "| %s | %d | %.2f | %.0f | %.2f |\n", n, l, c, k / 1024, k / l }'
}

echo "| tree | lines | CPU (s) | peak RSS (MiB) | KiB per line |"
echo "| --- | ---: | ---: | ---: | ---: |"
if [ "$mode" = copies ]; then
    scratch="${FFIGUARD_SCALE_DIR:-/tmp/ffiguard-scale}"
    base_cpu=""
    ratios=""
    for n in 1 4 16; do
        dir="$scratch/x$n"
        if [ ! -d "$dir" ]; then
            mkdir -p "$dir"
            for i in $(seq "$n"); do cp -r "$target" "$dir/copy$i"; done
        fi
        lines=$(lines_of "$dir")
        read -r cpu kib < <(measure "$dir")
        row "$n × the corpus" "$lines" "$cpu" "$kib"
        if [ -z "$base_cpu" ]; then base_cpu=$cpu; fi
        [ "$n" = 1 ] && continue
        ratios+="$n copies: $(awk -v a="$cpu" -v b="$base_cpu" 'BEGIN {printf "%.1f", a / b}')x the CPU of one; "
    done
    echo
    echo "${ratios%; }"
else
    lines=$(lines_of "$target")
    read -r whole_cpu whole_kib < <(measure "$target")
    sum_cpu=0
    max_kib=0
    for part in "$target"/*/; do
        part_lines=$(lines_of "$part")
        [ "$part_lines" -gt 0 ] || continue
        read -r cpu kib < <(measure "$part")
        row "$(basename "$part")" "$part_lines" "$cpu" "$kib"
        sum_cpu=$(awk -v a="$sum_cpu" -v b="$cpu" 'BEGIN {print a + b}')
        max_kib=$(( kib > max_kib ? kib : max_kib ))
    done
    row "**one tree**" "$lines" "$whole_cpu" "$whole_kib"
    echo
    awk -v w="$whole_cpu" -v s="$sum_cpu" -v k="$whole_kib" -v m="$max_kib" 'BEGIN {
        printf "one tree: %.2fx the CPU of the parts one by one (%.2f s against %.2f s); peak memory %.0f MiB against %.0f MiB for the largest part\n", w / s, w, s, k / 1024, m / 1024 }'
fi
