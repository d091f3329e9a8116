//! The platform a generated bindings file was written for, judged from what the generator
//! wrote into it.
//!
//! bindgen spells the C library's own typedefs as it saw them on the machine that ran it:
//! `pub type wchar_t = c_ushort` only on Windows, `pub type size_t = c_ulonglong` only where
//! `long` is 4 bytes and pointers 8 (64-bit Windows), `c_uint` only on 32-bit targets, and
//! it copies the C library's private records (`_iobuf` from MSVC's CRT, `_IO_FILE` and
//! `__fsid_t` from glibc). A file that says so was made for that platform and is compiled
//! there (pdcurses-sys ships one made on Windows with MSVC); comparing it with the headers
//! of another platform reports its every `wchar_t` and `FILE` as wrong. Such a file is
//! compared only on the targets it fits, and the report says so.

use ffiguard_cheader::Target;
use syn::visit::Visit;

/// The platform a bindings file says it was generated for; `None` fields are not known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Platform {
    /// `Some(true)`: Windows; `Some(false)`: a Unix-like C library.
    pub(crate) windows: Option<bool>,
    /// Pointer width in bytes.
    pub(crate) pointer_bytes: Option<u64>,
    /// What gave it away, for the report (`` `wchar_t` is `c_ushort` ``).
    pub(crate) evidence: Vec<String>,
    /// An OS the cross-check does not model (`__darwin_size_t`: macOS).
    pub(crate) other_os: Option<&'static str>,
}

impl Platform {
    /// Whether a file generated for this platform is compiled for `target`.
    pub(crate) fn fits(&self, target: &Target) -> bool {
        let target_windows = target.clang_triple.contains("windows");
        self.other_os.is_none()
            && self.windows.is_none_or(|w| w == target_windows)
            && self.pointer_bytes.is_none_or(|p| p == target.pointer_bytes)
    }

    /// How the report names the platform (`Windows, 64-bit`).
    pub(crate) fn describe(&self) -> String {
        let os = match (self.other_os, self.windows) {
            (Some(os), _) => os,
            (None, Some(true)) => "Windows",
            (None, Some(false)) => "a Unix-like C library",
            (None, None) => "an unknown OS",
        };
        match self.pointer_bytes {
            Some(p) => format!("{os}, {}-bit", p * 8),
            None => os.to_owned(),
        }
    }
}

/// The platform `file` was generated for, when its typedefs and records name one
/// consistently; `None` for a file that gives no sign or contradicts itself (hand-written
/// bindings that define `size_t` as `usize` give none).
pub(crate) fn of_file(file: &syn::File) -> Option<Platform> {
    let mut signs = Signs::default();
    signs.visit_file(file);
    signs.conclude()
}

#[derive(Default)]
struct Signs {
    windows: Vec<(bool, String)>,
    pointer: Vec<(u64, String)>,
    other_os: Option<(&'static str, String)>,
}

impl Signs {
    fn conclude(self) -> Option<Platform> {
        let agreed = |v: &[(bool, String)]| match v.first() {
            Some((w, _)) if v.iter().all(|(x, _)| x == w) => Ok(Some(*w)),
            Some(_) => Err(()),
            None => Ok(None),
        };
        let windows = agreed(&self.windows).ok()?;
        let pointer_bytes = match self.pointer.first() {
            Some((p, _)) if self.pointer.iter().all(|(x, _)| x == p) => Some(*p),
            Some(_) => return None,
            None => None,
        };
        if windows.is_none() && pointer_bytes.is_none() && self.other_os.is_none() {
            return None;
        }
        let mut evidence: Vec<String> = self
            .windows
            .into_iter()
            .map(|(_, e)| e)
            .chain(self.pointer.into_iter().map(|(_, e)| e))
            .chain(self.other_os.iter().map(|(_, e)| e.clone()))
            .collect();
        evidence.sort();
        evidence.dedup();
        Some(Platform {
            windows,
            pointer_bytes,
            evidence,
            other_os: self.other_os.map(|(os, _)| os),
        })
    }

    fn record_name(&mut self, name: &str) {
        // Old bindgen prefixes records with `Struct_` (`Struct__iobuf`).
        let name = name.strip_prefix("Struct_").unwrap_or(name);
        // Records only one C library declares, which bindgen copies when a header includes
        // <stdio.h>, <locale.h> or <sys/types.h>.
        const MSVC: &[&str] = &[
            "_iobuf",
            "__crt_locale_pointers",
            "__crt_locale_data_public",
            "_Mbstatet",
        ];
        const GLIBC: &[&str] = &[
            "_IO_FILE",
            "__fsid_t",
            "__sigset_t",
            "__pthread_internal_list",
            "__locale_struct",
        ];
        if MSVC.contains(&name) {
            self.windows.push((
                true,
                format!("`{name}` is a record of Microsoft's C library"),
            ));
        } else if GLIBC.contains(&name) {
            self.windows
                .push((false, format!("`{name}` is a record of glibc")));
        } else if name.starts_with("__darwin_") && self.other_os.is_none() {
            self.other_os = Some(("macOS", format!("`{name}` is a macOS typedef")));
        }
    }

    fn alias(&mut self, name: &str, ty: &syn::Type) {
        self.record_name(name);
        // Typedefs of the Unix C libraries' private `<bits/types.h>`-style headers, which
        // bindgen copies from `<time.h>` or `<sys/types.h>` (bela-sys's `__time_t`): neither
        // MSVC's CRT nor MinGW names them so (theirs are `__time64_t`, `_off_t`).
        const UNIX_TYPEDEFS: &[&str] = &[
            "__time_t",
            "__syscall_slong_t",
            "__suseconds_t",
            "__off_t",
            "__off64_t",
            "__pid_t",
            "__uid_t",
            "__gid_t",
            "__mode_t",
            "__dev_t",
            "__ino_t",
            "__nlink_t",
            "__blksize_t",
            "__blkcnt_t",
            "__clock_t",
        ];
        if UNIX_TYPEDEFS.contains(&name) {
            self.windows
                .push((false, format!("`{name}` is a typedef of a Unix C library")));
        }
        let syn::Type::Path(p) = ty else {
            return;
        };
        let Some(last) = p.path.segments.last() else {
            return;
        };
        let spelled = last.ident.to_string();
        let evidence = format!("`{name}` is `{spelled}`");
        match name {
            "wchar_t" => match spelled.as_str() {
                "c_ushort" | "u16" => self.windows.push((true, evidence)),
                "c_int" | "i32" | "c_uint" | "u32" => self.windows.push((false, evidence)),
                _ => {}
            },
            "size_t" | "uintptr_t" | "ptrdiff_t" | "intptr_t" | "ssize_t" => {
                match spelled.as_str() {
                    // `long long` for a pointer-sized type: `long` is too narrow, so LLP64.
                    "c_ulonglong" | "c_longlong" => {
                        self.windows.push((true, evidence.clone()));
                        self.pointer.push((8, evidence));
                    }
                    // `long` for a pointer-sized type: LP64, which Windows never is.
                    "c_ulong" | "c_long" => {
                        self.windows.push((false, evidence.clone()));
                        self.pointer.push((8, evidence));
                    }
                    "c_uint" | "c_int" | "u32" | "i32" => self.pointer.push((4, evidence)),
                    "u64" | "i64" => self.pointer.push((8, evidence)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

impl<'ast> Visit<'ast> for Signs {
    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.alias(&item.ident.to_string(), &item.ty);
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        self.record_name(&item.ident.to_string());
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {
        // Layout tests and helpers: their local items are not the binding's.
    }

    fn visit_item_impl(&mut self, _: &'ast syn::ItemImpl) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffiguard_cheader::{AARCH64_LINUX, I686_LINUX, X86_64_LINUX, X86_64_WINDOWS};

    fn platform(src: &str) -> Option<Platform> {
        of_file(&syn::parse_file(src).expect("parses"))
    }

    #[test]
    fn a_file_generated_on_64_bit_windows_fits_only_x86_64_windows() {
        // The head of pdcurses-sys's src/lib.rs, generated with MSVC.
        let p = platform(
            "pub type uintptr_t = ::std::os::raw::c_ulonglong;\n\
             pub type size_t = ::std::os::raw::c_ulonglong;\n\
             pub type wchar_t = ::std::os::raw::c_ushort;\n\
             #[repr(C)] pub struct Struct__iobuf { pub _ptr: *mut ::std::os::raw::c_char }\n\
             pub type FILE = Struct__iobuf;",
        )
        .expect("a platform");
        assert!(p.fits(&X86_64_WINDOWS));
        for t in [X86_64_LINUX, I686_LINUX, AARCH64_LINUX] {
            assert!(!p.fits(&t), "{}", t.name);
        }
        assert_eq!(p.describe(), "Windows, 64-bit");
        assert!(p.evidence.iter().any(|e| e.contains("wchar_t")));
    }

    #[test]
    fn a_file_generated_on_64_bit_linux_fits_both_64_bit_linux_targets() {
        let p = platform(
            "pub type size_t = ::std::os::raw::c_ulong;\n\
             pub type wchar_t = ::std::os::raw::c_int;\n\
             #[repr(C)] pub struct __fsid_t { pub __val: [c_int; 2] }",
        )
        .expect("a platform");
        assert!(p.fits(&X86_64_LINUX) && p.fits(&AARCH64_LINUX));
        assert!(!p.fits(&I686_LINUX) && !p.fits(&X86_64_WINDOWS));
    }

    #[test]
    fn hand_written_or_contradictory_files_fit_everywhere() {
        assert_eq!(
            platform("pub type size_t = usize; pub struct z_stream;"),
            None
        );
        assert_eq!(
            platform("pub type wchar_t = u16;\n#[repr(C)] pub struct _IO_FILE { pub x: c_int }"),
            None
        );
    }

    #[test]
    fn unix_c_library_typedefs_keep_a_file_off_windows() {
        // bela-sys: made on aarch64 Linux, `timespec` spelled with glibc's typedefs.
        let p = platform(
            "pub type __time_t = ::std::os::raw::c_long;\n\
             pub type __syscall_slong_t = ::std::os::raw::c_long;\n\
             #[repr(C)] pub struct timespec { pub tv_sec: __time_t, pub tv_nsec: __syscall_slong_t }",
        )
        .expect("a Unix C library");
        assert_eq!(p.windows, Some(false));
        assert!(p.fits(&ffiguard_cheader::X86_64_LINUX));
        assert!(p.fits(&ffiguard_cheader::AARCH64_LINUX));
        assert!(!p.fits(&ffiguard_cheader::X86_64_WINDOWS));
    }

    #[test]
    fn a_macos_file_fits_no_modelled_target() {
        let p = platform("pub type __darwin_size_t = ::std::os::raw::c_ulong;").expect("macOS");
        assert!(!p.fits(&X86_64_LINUX) && !p.fits(&X86_64_WINDOWS));
    }
}
