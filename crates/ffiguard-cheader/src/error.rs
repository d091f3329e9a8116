//! Why a header could not be read.

use std::path::PathBuf;

/// A header set could not be turned into a [`CModel`](crate::CModel) for one target.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// libclang could not be loaded at run time.
    #[error(
        "cannot load libclang ({0}); install the Debian package `libclang-22-dev` (or any \
         libclang >= 11) and set LIBCLANG_PATH to the directory holding libclang.so, e.g. \
         /usr/lib/llvm-22/lib"
    )]
    Libclang(String),
    /// A path could not be passed to libclang (it contains a NUL byte or is not UTF-8).
    #[error("path or argument not usable by libclang: {0:?}")]
    BadArgument(String),
    /// A listed header does not exist.
    #[error("header {0} does not exist")]
    MissingHeader(PathBuf),
    /// libclang refused to build a translation unit (its `CXErrorCode`).
    #[error("libclang could not parse the headers for {target} (CXErrorCode {code})")]
    Parse {
        /// The target name.
        target: String,
        /// The libclang error code.
        code: i32,
    },
    /// The headers have errors for this target (missing include, unknown type, ...).
    #[error("the headers do not compile for {target}:\n{}{}", .diagnostics.join("\n"), hint(.target, .diagnostics))]
    Diagnostics {
        /// The target name.
        target: String,
        /// libclang's formatted error diagnostics (at most a few).
        diagnostics: Vec<String>,
    },
}

/// Says what to do about each header libclang did not find: the Debian package of the
/// target's C library for a C library header (`stdio.h`, `sys/types.h`), the include
/// configuration for any other.
fn hint(target: &str, diagnostics: &[String]) -> String {
    let mut out = String::new();
    let mut seen = Vec::new();
    for missing in diagnostics.iter().filter_map(|d| missing_header(d)) {
        if seen.contains(&missing) {
            continue;
        }
        seen.push(missing);
        let package = crate::Target::named(target).and_then(|t| t.debian_headers_package);
        match package {
            Some(package) if is_c_library_header(missing) => out.push_str(&format!(
                "\nhelp: `{missing}` is a C library header; for {target} it comes from the \
                 Debian package `{package}`"
            )),
            _ => out.push_str(&format!(
                "\nhelp: `{missing}` was not found in the include path; add the directory that \
                 holds it to `include = [..]` under [package.metadata.ffiguard] (or pass \
                 `-I<dir>` through bindgen's `.clang_arg(..)` in build.rs)"
            )),
        }
    }
    out
}

/// The header named by a clang "file not found" diagnostic (`x.h:1:10: fatal error:
/// 'zlib.h' file not found`).
fn missing_header(diagnostic: &str) -> Option<&str> {
    let before = diagnostic.find("' file not found")?;
    let start = diagnostic[..before].rfind('\'')? + 1;
    Some(&diagnostic[start..before])
}

/// Headers of the C standard library and POSIX, which a target's C library package provides.
fn is_c_library_header(name: &str) -> bool {
    const C_LIBRARY: &[&str] = &[
        "assert.h",
        "complex.h",
        "ctype.h",
        "errno.h",
        "fenv.h",
        "float.h",
        "inttypes.h",
        "iso646.h",
        "limits.h",
        "locale.h",
        "math.h",
        "setjmp.h",
        "signal.h",
        "stdalign.h",
        "stdarg.h",
        "stdatomic.h",
        "stdbool.h",
        "stddef.h",
        "stdint.h",
        "stdio.h",
        "stdlib.h",
        "stdnoreturn.h",
        "string.h",
        "tgmath.h",
        "threads.h",
        "time.h",
        "uchar.h",
        "wchar.h",
        "wctype.h",
        "unistd.h",
        "fcntl.h",
        "dirent.h",
        "dlfcn.h",
        "pthread.h",
        "sched.h",
        "semaphore.h",
        "strings.h",
        "termios.h",
        "poll.h",
        "netdb.h",
        "pwd.h",
        "grp.h",
        "glob.h",
        "regex.h",
        "syslog.h",
        "utime.h",
        "alloca.h",
        "malloc.h",
        "features.h",
        "endian.h",
        "elf.h",
        "link.h",
        "spawn.h",
        "iconv.h",
        "langinfo.h",
        "libgen.h",
        "windows.h",
        "winsock2.h",
        "io.h",
        "process.h",
    ];
    C_LIBRARY.contains(&name)
        || ["sys/", "bits/", "gnu/", "netinet/", "arpa/", "net/"]
            .iter()
            .any(|dir| name.starts_with(dir))
}

#[cfg(test)]
mod tests {
    use super::HeaderError;

    #[test]
    fn messages_name_the_package_to_install() {
        let text = HeaderError::Libclang("libclang.so: not found".to_owned()).to_string();
        assert!(
            text.contains("libclang-22-dev") && text.contains("LIBCLANG_PATH"),
            "{text}"
        );
        let missing = HeaderError::Diagnostics {
            target: "i686-linux".to_owned(),
            diagnostics: vec!["x.h:1:10: fatal error: 'stdio.h' file not found".to_owned()],
        }
        .to_string();
        assert!(missing.contains("libc6-dev-i386-cross"), "{missing}");
    }

    /// A library's own header that is not found is an include-path problem, not a missing
    /// C library package.
    #[test]
    fn only_c_library_headers_name_the_c_library_package() {
        let text = |header: &str| {
            HeaderError::Diagnostics {
                target: "x86_64-linux".to_owned(),
                diagnostics: vec![format!(
                    "wrapper.h:3:10: fatal error: '{header}' file not found"
                )],
            }
            .to_string()
        };
        let own = text("zlib.h");
        assert!(!own.contains("libc6-dev"), "{own}");
        assert!(
            own.contains("`zlib.h` was not found in the include path")
                && own.contains("include = ["),
            "{own}"
        );
        for libc in ["stdio.h", "sys/types.h"] {
            let message = text(libc);
            assert!(message.contains("`libc6-dev`"), "{message}");
        }
    }
}
