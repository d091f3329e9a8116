//! The targets a header set is read for, and the facts a binding checker needs about each.

use serde::Serialize;
use std::path::Path;

/// A compilation target: how to ask clang for it, and how Rust spells it in `cfg`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Short name used in reports (`x86_64-linux`).
    pub name: &'static str,
    /// The clang `-target` triple.
    pub clang_triple: &'static str,
    /// A `cfg` predicate that selects this target in Rust.
    pub rust_cfg: &'static str,
    /// `sizeof(void *)`.
    pub pointer_bytes: u64,
    /// `sizeof(long)`: 8 on LP64, 4 on LLP64 (Windows) and ILP32.
    pub long_bytes: u64,
    /// Whether plain `char` is signed (and so whether Rust's `c_char` is `i8`).
    pub char_signed: bool,
    /// Directories holding this target's C library headers, tried in order; the first that
    /// exists is used with `-nostdlibinc`. Empty means clang's own defaults (the host).
    pub sysroot_includes: &'static [&'static str],
    /// The Debian package that provides those headers, for error messages.
    pub debian_headers_package: Option<&'static str>,
}

/// 64-bit Linux (LP64).
pub const X86_64_LINUX: Target = Target {
    name: "x86_64-linux",
    clang_triple: "x86_64-unknown-linux-gnu",
    rust_cfg: r#"all(target_arch = "x86_64", target_os = "linux")"#,
    pointer_bytes: 8,
    long_bytes: 8,
    char_signed: true,
    sysroot_includes: &[
        "/usr/include/x86_64-linux-gnu",
        "/usr/x86_64-linux-gnu/include",
    ],
    debian_headers_package: Some("libc6-dev"),
};

/// 32-bit x86 Linux (ILP32).
pub const I686_LINUX: Target = Target {
    name: "i686-linux",
    clang_triple: "i686-unknown-linux-gnu",
    rust_cfg: r#"all(target_arch = "x86", target_os = "linux")"#,
    pointer_bytes: 4,
    long_bytes: 4,
    char_signed: true,
    sysroot_includes: &["/usr/i686-linux-gnu/include"],
    debian_headers_package: Some("libc6-dev-i386-cross"),
};

/// 64-bit ARM Linux (LP64, unsigned `char`).
pub const AARCH64_LINUX: Target = Target {
    name: "aarch64-linux",
    clang_triple: "aarch64-unknown-linux-gnu",
    rust_cfg: r#"all(target_arch = "aarch64", target_os = "linux")"#,
    pointer_bytes: 8,
    long_bytes: 8,
    char_signed: false,
    sysroot_includes: &["/usr/aarch64-linux-gnu/include"],
    debian_headers_package: Some("libc6-dev-arm64-cross"),
};

/// 64-bit Windows (LLP64: `long` is 4 bytes), read with the MinGW-w64 headers.
pub const X86_64_WINDOWS: Target = Target {
    name: "x86_64-windows",
    clang_triple: "x86_64-w64-windows-gnu",
    rust_cfg: r#"all(target_arch = "x86_64", target_os = "windows")"#,
    pointer_bytes: 8,
    long_bytes: 4,
    char_signed: true,
    sysroot_includes: &["/usr/x86_64-w64-mingw32/include"],
    debian_headers_package: Some("mingw-w64-x86-64-dev"),
};

/// Every target ffiguard knows, in report order.
pub const ALL_TARGETS: [Target; 4] = [X86_64_LINUX, I686_LINUX, AARCH64_LINUX, X86_64_WINDOWS];

impl Target {
    /// The known target with this short name.
    ///
    /// ```
    /// let t = ffiguard_cheader::Target::named("x86_64-windows").unwrap();
    /// assert_eq!(t.long_bytes, 4);
    /// ```
    pub fn named(name: &str) -> Option<Target> {
        ALL_TARGETS.into_iter().find(|t| t.name == name)
    }

    /// Whether this is the machine's own target (clang's default include paths apply).
    pub fn is_host(&self) -> bool {
        let arch = match self.clang_triple.split('-').next() {
            Some("i686") => "x86",
            Some(other) => other,
            None => return false,
        };
        let os = if self.clang_triple.contains("windows") {
            "windows"
        } else {
            "linux"
        };
        arch == std::env::consts::ARCH && os == std::env::consts::OS
    }

    /// The clang arguments that select this target and its C library headers.
    ///
    /// On the host, clang's defaults. Elsewhere, the first existing directory of
    /// [`sysroot_includes`](Self::sysroot_includes); when none exists, freestanding mode, in
    /// which only clang's builtin headers (`<stddef.h>`, `<stdint.h>`, `<stdarg.h>`, ...)
    /// are found.
    pub fn clang_args(&self) -> Vec<String> {
        let mut args = vec!["-target".to_owned(), self.clang_triple.to_owned()];
        if self.is_host() {
            return args;
        }
        args.push("-nostdlibinc".to_owned());
        match self.sysroot_includes.iter().find(|d| Path::new(d).is_dir()) {
            Some(dir) => {
                args.push("-isystem".to_owned());
                args.push((*dir).to_owned());
            }
            None => args.push("-ffreestanding".to_owned()),
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for t in ALL_TARGETS {
            assert_eq!(Target::named(t.name), Some(t.clone()));
        }
        assert_eq!(Target::named("sparc-solaris"), None);
    }

    #[test]
    fn exactly_one_known_target_is_this_host_on_x86_64_linux() {
        if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
            let hosts: Vec<_> = ALL_TARGETS.iter().filter(|t| t.is_host()).collect();
            assert_eq!(hosts.len(), 1);
            assert_eq!(hosts[0].name, "x86_64-linux");
            assert_eq!(X86_64_LINUX.clang_args().len(), 2);
            assert!(I686_LINUX.clang_args().contains(&"-nostdlibinc".to_owned()));
        }
    }
}
