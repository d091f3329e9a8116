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

/// Points at the Debian package that provides a target's C library headers when an include
/// was not found.
fn hint(target: &str, diagnostics: &[String]) -> String {
    if !diagnostics.iter().any(|d| d.contains("file not found")) {
        return String::new();
    }
    match crate::Target::named(target).and_then(|t| t.debian_headers_package) {
        Some(package) => format!(
            "\nhelp: the C library headers for {target} come from the Debian package `{package}`"
        ),
        None => String::new(),
    }
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
}
