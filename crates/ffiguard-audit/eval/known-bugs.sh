#!/usr/bin/env bash
# Recall and precision of `cargo ffiguard check` on code with known FFI bugs: the last
# vulnerable release of crates with a published advisory (RustSec) or a fixed issue.
#
#   eval/known-bugs.sh
#
# 1. Vendors each exact version into its own scratch project under $FFIGUARD_KNOWNBUGS_DIR
#    (default /tmp/ffiguard-knownbugs) with `cargo vendor` (network: crates.io). Yanked
#    versions are pinned with `cargo update --precise`, which accepts them.
# 2. Audits each crate with `check --format json` into $FFIGUARD_KNOWNBUGS_DIR/reports/, and the
#    two curses crates as one tree (pancurses calls the declarations of ncurses' `ll` module).
# 3. Prints, per advisory, what ffiguard reports at the advisory's location (file:line of the
#    faulty call or cast), then every error-level finding of every crate, for checking by hand.
#
# None of these crates was used to tune the rules.
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs}"

# advisory | crate | version | file:line[,line] ... of the bug | rule meant to catch it (- : none)
advisories=(
    "RUSTSEC-2019-0006|ncurses|5.99.0|src/lib.rs:1015,1108,1636|FFI013"
    "RUSTSEC-2019-0005|pancurses|0.16.0|src/window.rs:447,487|FFI013"
    "RUSTSEC-2025-0022|openssl|0.10.71|src/md.rs:112 src/cipher.rs:149|FFI011"
    "RUSTSEC-2024-0357|openssl|0.10.65|src/bio.rs:66|FFI015"
    "RUSTSEC-2023-0044|openssl|0.10.54|src/x509/verify.rs:125|-"
    "RUSTSEC-2018-0010|openssl|0.10.8|src/cms.rs:150|-"
    "RUSTSEC-2020-0100|sys-info|0.7.0|lib.rs:574|-"
    "RUSTSEC-2020-0098|rusb|0.6.5|src/device.rs:34,35 src/device_handle.rs:127,128|FFI007"
    "RUSTSEC-2020-0078|net2|0.2.35|src/socket.rs:90,93|FFI001"
    "RUSTSEC-2020-0079|socket2|0.3.15|src/sockaddr.rs:185,196|FFI001"
    "RUSTSEC-2020-0080|miow|0.3.5|src/net.rs:462,466|FFI001"
    "RUSTSEC-2020-0081|mio|0.7.5|src/sys/unix/net.rs:79,83 src/sys/windows/net.rs:50,54|FFI001"
    "RUSTSEC-2021-0021|nb-connect|1.0.2|src/lib.rs:65,66|FFI001"
    "RUSTSEC-2020-0097|xcb|0.9.0|src/base.rs:134|-"
    "steamworks-rs#9|steamworks|0.5.0|src/callback.rs:131,156|FFI003"
)

mkdir -p "$eval_dir/reports"
vendor_one() {
    local crate="$1" version="$2" dir="$eval_dir/p-$1-$2"
    [ -d "$dir/vendor/$crate" ] && return 0
    mkdir -p "$dir/src"
    echo "fn main() {}" > "$dir/src/main.rs"
    manifest() {
        printf '[package]\nname = "kb"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        printf '[dependencies]\n%s = "%s"\n\n[workspace]\n' "$crate" "$1"
    }
    (
        cd "$dir"
        manifest "=$version" > Cargo.toml
        if ! cargo generate-lockfile -q 2> /dev/null; then
            # A yanked version: resolve its minor series, then pin it with `--precise`, which
            # accepts yanked versions (net2, socket2, mio, miow and nb-connect were yanked).
            manifest "$(echo "$version" | cut -d. -f1-2)" > Cargo.toml
            cargo generate-lockfile -q
            cargo update -q -p "$crate" --precise "$version"
        fi
        cargo vendor -q vendor > /dev/null
    )
}
for a in "${advisories[@]}"; do
    IFS='|' read -r _ crate version _ _ <<< "$a"
    vendor_one "$crate" "$version"
done

(cd "$here" && cargo build --release -q -p cargo-ffiguard)
bin="${CARGO_TARGET_DIR:-$here/target}/release/cargo-ffiguard"
for a in "${advisories[@]}"; do
    IFS='|' read -r _ crate version _ _ <<< "$a"
    "$bin" check "$eval_dir/p-$crate-$version/vendor/$crate" --format json --threads 2 \
        > "$eval_dir/reports/$crate-$version.json" || true
done
rm -rf "$eval_dir/curses-tree" && mkdir -p "$eval_dir/curses-tree"
ln -s "$eval_dir/p-ncurses-5.99.0/vendor/ncurses" "$eval_dir/curses-tree/ncurses"
ln -s "$eval_dir/p-pancurses-0.16.0/vendor/pancurses" "$eval_dir/curses-tree/pancurses"
"$bin" check "$eval_dir/curses-tree" --format json --threads 2 \
    > "$eval_dir/reports/curses-tree.json" || true

python3 - "$eval_dir" "${advisories[@]}" <<'PY'
import json, os, sys

eval_dir, advisories = sys.argv[1], [a.split("|") for a in sys.argv[2:]]
def report(name):
    return json.load(open(os.path.join(eval_dir, "reports", name + ".json")))
def short(f):
    return f"{f['rule']} {f['level']} {f['location']['file']}:{f['location']['line']}"

print("## Per crate (`cargo ffiguard check`, default levels)\n")
print("| crate | version | files | lines | errors | warnings | infos |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
seen = set()
for _, crate, version, _, _ in advisories:
    if (crate, version) in seen:
        continue
    seen.add((crate, version))
    s = report(f"{crate}-{version}")["summary"]
    print(f"| {crate} | {version} | {s['files']} | {s['lines']} | {s['errors']} "
          f"| {s['warnings']} | {s['infos']} |")

print("\n## At each advisory's location (FFI017 left out)\n")
print("| advisory | crate | rule meant | caught | findings at the location |")
print("| --- | --- | --- | --- | --- |")
tree = report("curses-tree")["findings"]
for adv, crate, version, where, meant in advisories:
    wanted = set()
    for spot in where.split():
        file, lines = spot.split(":")
        wanted |= {(file, int(n)) for n in lines.split(",")}
    def at(findings, prefix=""):
        return [f for f in findings if f["rule"] != "FFI017"
                and (f["location"]["file"].removeprefix(prefix), f["location"]["line"]) in wanted]
    hits = at(report(f"{crate}-{version}")["findings"])
    if crate in ("ncurses", "pancurses"):
        hits += [dict(f, rule=f["rule"] + " (tree)") for f in at(tree, crate + "/")]
    caught = "-" if meant == "-" else ("yes" if any(f["rule"].startswith(meant) for f in hits)
                                       else "no")
    shown = "; ".join(short(f) for f in hits) or "none"
    print(f"| {adv} | {crate} {version} | {meant} | {caught} | {shown} |")

print("\n## Every error-level finding, per-crate runs\n")
for _, crate, version, _, _ in sorted({tuple(a) for a in advisories}, key=lambda a: (a[1], a[2])):
    for f in report(f"{crate}-{version}")["findings"]:
        if f["level"] == "error":
            print(f"- {crate} {version}: {short(f)}: {f['message'].splitlines()[0]}")
print("\n## Every error-level finding, curses tree\n")
for f in tree:
    if f["level"] == "error":
        print(f"- {short(f)}: {f['message'].splitlines()[0]}")
PY
