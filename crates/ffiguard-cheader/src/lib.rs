//! A model of C headers — functions, structs and unions (with field offsets, bitfields and
//! `packed`), enums, typedefs and integer constant macros — computed by libclang for one
//! target at a time.
//!
//! libclang is loaded at run time (as bindgen does, through `clang-sys`'s `runtime` feature),
//! so building this crate needs no LLVM; reading headers needs `libclang.so` (Debian:
//! `libclang-22-dev`; point `LIBCLANG_PATH` at its directory when it is not found).
//!
//! Sizes, alignments and offsets come from clang's own record layout for the target triple,
//! so `long` is 4 bytes on [`X86_64_WINDOWS`] and 8 on [`X86_64_LINUX`] without any table of
//! ours. A target's C library headers come from its Debian cross package when installed
//! (see [`Target::clang_args`]).
//!
//! ```no_run
//! use ffiguard_cheader::{HeaderSet, X86_64_WINDOWS, parse_headers};
//!
//! let set = HeaderSet::new(["/usr/include/zlib.h"]);
//! let model = parse_headers(&set, &X86_64_WINDOWS)?;
//! assert_eq!(model.typedefs["uLong"].size, Some(4)); // `unsigned long` on LLP64
//! let z_stream = model.record("z_stream").unwrap(); // tag `z_stream_s`, found by typedef
//! println!("{} bytes, {} fields", z_stream.size.unwrap_or(0), z_stream.fields.len());
//! # Ok::<(), ffiguard_cheader::HeaderError>(())
//! ```

mod clang;
mod error;
mod model;
mod target;
mod translate;
mod value;

pub use error::HeaderError;
pub use model::{
    CModel, CType, CTypeKind, Enum, Field, Function, IntRank, Language, Macro, Origin, Record,
    Signature, Variable,
};
pub use target::{AARCH64_LINUX, ALL_TARGETS, I686_LINUX, Target, X86_64_LINUX, X86_64_WINDOWS};
pub use value::parse_macro_value;

use std::ffi::CString;
use std::path::PathBuf;

/// Errors of the headers beyond which reporting more adds nothing.
const MAX_REPORTED_ERRORS: usize = 8;

/// Headers to read together, with the include paths and defines the build uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderSet {
    /// The headers, included in this order.
    pub headers: Vec<PathBuf>,
    /// `-I` directories.
    pub include_dirs: Vec<PathBuf>,
    /// `-D` definitions (`NAME` or `NAME=VALUE`).
    pub defines: Vec<String>,
    /// `-D` definitions for one target only, as `(target name, definition)`: a build script
    /// that defines `WIN32` only when building for Windows.
    pub target_defines: Vec<(String, String)>,
    /// Any other clang arguments (`-std=c99`, ...).
    pub extra_args: Vec<String>,
}

impl HeaderSet {
    /// A set of headers with no extra include paths or defines.
    pub fn new<P: Into<PathBuf>>(headers: impl IntoIterator<Item = P>) -> HeaderSet {
        HeaderSet {
            headers: headers.into_iter().map(Into::into).collect(),
            ..HeaderSet::default()
        }
    }

    /// The clang command line for `target` (without the input file), reading the headers as
    /// C (see [`parse_headers`] for when they are read as C++).
    pub fn clang_args(&self, target: &Target) -> Vec<String> {
        self.clang_args_as(target, Language::C)
    }

    /// The clang command line for `target`, reading the headers as `language`.
    pub fn clang_args_as(&self, target: &Target, language: Language) -> Vec<String> {
        let x = match language {
            Language::C => "c",
            Language::Cpp => "c++",
        };
        let mut args = vec!["-x".to_owned(), x.to_owned()];
        args.extend(target.clang_args());
        for dir in &self.include_dirs {
            args.push(format!("-I{}", dir.display()));
        }
        let for_target = self
            .target_defines
            .iter()
            .filter(|(t, _)| t == target.name)
            .map(|(_, d)| d);
        for define in self.defines.iter().chain(for_target) {
            args.push(format!("-D{define}"));
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }

    /// The in-memory file that includes every header.
    fn umbrella(&self) -> Result<String, HeaderError> {
        let mut text = String::new();
        for header in &self.headers {
            if !header.is_file() {
                return Err(HeaderError::MissingHeader(header.clone()));
            }
            let path = std::path::absolute(header).unwrap_or_else(|_| header.clone());
            let path = path
                .to_str()
                .ok_or_else(|| HeaderError::BadArgument(path.display().to_string()))?;
            text.push_str(&format!("#include \"{}\"\n", path.replace('"', "\\\"")));
        }
        Ok(text)
    }
}

fn cstring(s: &str) -> Result<CString, HeaderError> {
    CString::new(s).map_err(|_| HeaderError::BadArgument(s.to_owned()))
}

/// Reads a header set for one target.
///
/// The headers are read as C. A set that does not compile as C is read again as C++ — the
/// headers of many C APIs are written for C++ compilers only (a bare `bool`, an enum named
/// without `enum`, an unconditional `extern "C" { .. }`) — and that reading is kept when it
/// compiles and every function it declares outside a system header has C linkage (declared
/// in `extern "C"`), apart from `inline` and `static` ones: then the functions are the C symbols the
/// bindings link to. [`CModel::language`] says which reading was kept. Otherwise the C
/// reading's error is returned.
///
/// Fails when libclang cannot be loaded, a header is missing, or the headers have errors for
/// this target (a missing include names the Debian package that provides it).
pub fn parse_headers(set: &HeaderSet, target: &Target) -> Result<CModel, HeaderError> {
    clang::ensure_loaded()?;
    match parse_as(set, target, Language::C) {
        Err(c_error @ HeaderError::Diagnostics { .. }) => {
            parse_as(set, target, Language::Cpp).map_err(|_| c_error)
        }
        other => other,
    }
}

/// The header set read as `language` for `target`; read as C++, a function with C++ linkage
/// is an error.
fn parse_as(set: &HeaderSet, target: &Target, language: Language) -> Result<CModel, HeaderError> {
    let umbrella_name = cstring("ffiguard-umbrella.h")?;
    let umbrella = cstring(&set.umbrella()?)?;
    let mut args = set.clang_args_as(target, language);
    if let Some(dir) = clang::resource_dir() {
        args.push("-resource-dir".to_owned());
        args.push(dir.display().to_string());
    }
    let args = args
        .iter()
        .map(|a| cstring(a))
        .collect::<Result<Vec<_>, _>>()?;
    let index = clang::Index::new();
    let tu = clang::Tu::parse(
        &index,
        &umbrella_name,
        &args,
        &[(umbrella_name.clone(), umbrella)],
    )
    .map_err(|code| HeaderError::Parse {
        target: target.name.to_owned(),
        code,
    })?;
    let errors = tu.errors();
    if !errors.is_empty() {
        return Err(HeaderError::Diagnostics {
            target: target.name.to_owned(),
            diagnostics: errors.into_iter().take(MAX_REPORTED_ERRORS).collect(),
        });
    }
    if language == Language::Cpp
        && let Some((function, at)) = translate::cpp_linkage_function(&tu.cursor())
    {
        return Err(HeaderError::Diagnostics {
            target: target.name.to_owned(),
            diagnostics: vec![format!(
                "{at}: `{function}` has C++ linkage: the headers declare a C++ API, not C"
            )],
        });
    }
    Ok(translate::translate(&tu.cursor(), target.name, language))
}

/// Reads a header set for several targets, one thread per target (libclang units are
/// independent), results in the order of `targets`.
pub fn parse_for_targets(
    set: &HeaderSet,
    targets: &[Target],
) -> Vec<(Target, Result<CModel, HeaderError>)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| scope.spawn(move || parse_headers(set, t)))
            .collect();
        targets
            .iter()
            .cloned()
            .zip(handles)
            .map(|(t, h)| {
                let result = h.join().unwrap_or_else(|_| {
                    Err(HeaderError::Parse {
                        target: t.name.to_owned(),
                        code: -1,
                    })
                });
                (t, result)
            })
            .collect()
    })
}
