# Shared helpers of the evaluation scripts; sourced, not run.

# print_versions VENDOR_DIR CRATE...: a "## Versions" list with the version of each vendored
# crate, read from VENDOR_DIR/CRATE/Cargo.toml.
print_versions() {
    local vendor="$1" c
    shift
    echo "## Versions"
    for c in "$@"; do
        printf -- '- %s %s\n' "$c" \
            "$(sed -n 's/^version = "\(.*\)"/\1/p' "$vendor/$c/Cargo.toml" | head -1)"
    done
}

# ffiguard_binary REPO: the cargo-ffiguard binary to measure, printed. `FFIGUARD_BIN=path`
# names one built elsewhere (say, from `git archive COMMIT`), so that a measurement names the
# commit it measured and uncommitted edits in the working tree cannot leak into it; without
# it, the working tree is built in release mode. The binary's version line goes to stderr.
ffiguard_binary() {
    local repo="$1" bin
    if [ -n "${FFIGUARD_BIN:-}" ]; then
        bin="$FFIGUARD_BIN"
    else
        (cd "$repo" && cargo build --release -q -p cargo-ffiguard) >&2
        bin="${CARGO_TARGET_DIR:-$repo/target}/release/cargo-ffiguard"
    fi
    [ -x "$bin" ] || { echo "no cargo-ffiguard binary at $bin" >&2; return 1; }
    echo "measuring with $bin" >&2
    echo "$bin"
}
