#!/usr/bin/env bash
# Installs, idempotently, everything the test suite needs on a fresh Debian machine.
# Safe to run again: each step checks before it installs.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: clang-22 matches rustc's LLVM 22 (sanitizers, libFuzzer, bindgen's libclang);
# the cross C headers let the ABI cross-check read system headers as i686, aarch64 and Windows do.
apt_packages=(clang-22 libclang-22-dev llvm-22 pkg-config make valgrind
    libc6-dev-i386-cross libc6-dev-arm64-cross mingw-w64-x86-64-dev)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# rustup components.
# rust-src: ThreadSanitizer and MemorySanitizer rebuild std with -Zbuild-std, with the toolchain
# `cargo ffiguard sanitize` really uses: nightly when rustup has one, else the default. Both get
# it, so that installing a nightly later does not break the sanitizer runs.
for c in rustfmt clippy rust-src; do
    rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done
if rustup toolchain list 2>/dev/null | grep -q '^nightly-'; then
    rustup component list --installed --toolchain nightly 2>/dev/null | grep -q '^rust-src' ||
        rustup component add rust-src --toolchain nightly
fi
