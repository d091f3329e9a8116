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
