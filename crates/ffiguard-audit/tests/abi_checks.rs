//! Each check of the ABI cross-check on a fixture header (`fixtures/abi/shapes.h`): correct
//! bindings in several styles come out clean, and a copy with one defect per item raises
//! the rule that names it, listing the targets where the binding is wrong.
//!
//! Needs libclang (Debian `libclang-22-dev`, `LIBCLANG_PATH=/usr/lib/llvm-22/lib`) and the
//! targets' C headers (`libc6-dev-i386-cross`, `libc6-dev-arm64-cross`,
//! `mingw-w64-x86-64-dev`); without them the tests fail naming the package.

use ffiguard_audit::Finding;
use ffiguard_audit::abi::{self, ALL_TARGETS, HeaderSet};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/abi")
}

fn check(rust_fixture: &str) -> Vec<Finding> {
    let headers = HeaderSet::new([fixtures().join("shapes.h")]);
    // Fail loudly (naming the package) rather than report nothing without libclang.
    for t in &ALL_TARGETS {
        if let Err(e) = ffiguard_cheader::parse_headers(&headers, t) {
            panic!("{e}");
        }
    }
    let path = fixtures().join(rust_fixture);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let report = abi::check_bindings(&[(rust_fixture.to_owned(), text)], &headers, &ALL_TARGETS);
    assert_eq!(report.checked_targets.len(), 4);
    report.findings
}

/// The findings of Rust source `rust` against a header whose text is `c`, on `targets`.
fn check_text(c: &str, rust: &str, targets: &[abi::Target]) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = dir.path().join("api.h");
    std::fs::write(&header, c).expect("write");
    abi::check_bindings(
        &[("api.rs".to_owned(), rust.to_owned())],
        &HeaderSet::new([&header]),
        targets,
    )
    .findings
}

fn find<'a>(findings: &'a [Finding], rule: &str, text: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule == rule && f.message.contains(text))
        .unwrap_or_else(|| panic!("no {rule} finding mentioning {text:?} in {findings:#?}"))
}

#[test]
fn correct_bindings_are_clean() {
    let findings = check("shapes_good.rs");
    let real: Vec<&Finding> = findings.iter().filter(|f| f.rule != "ABI011").collect();
    assert!(real.is_empty(), "{real:#?}");
}

#[test]
fn every_defect_is_reported_under_its_rule() {
    let f = check("shapes_bad.rs");
    // `long` through a typedef chain bound to u64: wrong where long is 4 bytes.
    let digest = find(&f, "ABI006", "result of `sh_digest`");
    assert!(
        digest
            .message
            .contains("on i686-linux, x86_64-windows; right on x86_64-linux, aarch64-linux"),
        "{}",
        digest.message
    );
    // Function-pointer parameter: size_t bound to u32.
    find(&f, "ABI006", "callback parameter 3");
    // Enum: representation and a wrong discriminant.
    find(&f, "ABI009", "representation of `sh_mode`");
    find(&f, "ABI009", "`SH_WRITE` is 3 in Rust");
    // Packed attribute lost: offsets and size differ.
    find(&f, "ABI007", "offset of field `len` of `sh_header`");
    // No repr(C) at all.
    find(&f, "ABI008", "`sh_pair`");
    // Union member of the wrong float width changes the union's size.
    find(&f, "ABI003", "field `d` of `sh_value`");
    // Constant drift.
    find(&f, "ABI010", "constant `SH_B`");
    // An anonymous member left out.
    let event = find(&f, "ABI007", "fields of `sh_event`");
    assert!(
        event.message.contains("missing C field(s) (anonymous)"),
        "{}",
        event.message
    );
    // _Bool returned as int; int taken as bool.
    find(&f, "ABI003", "result of `sh_is_open`");
    find(&f, "ABI003", "parameter 1 `flag` of `sh_set_flag`");
    // Plain char as i8: wrong signedness where char is unsigned.
    let first = find(&f, "ABI006", "result of `sh_first`");
    assert!(
        first.message.contains("on aarch64-linux;"),
        "{}",
        first.message
    );
    // A union returned by value, dropped by the binding: i686 returns every struct and union
    // through a hidden pointer argument the callee pops, as it does a struct.
    let get = find(&f, "ABI003", "result of `sh_get`");
    assert!(
        get.message.contains("C returns the union"),
        "{}",
        get.message
    );
}

/// Declarations under target `cfg`s are compared on their targets only; one under a crate
/// feature that no header declares is information, not a warning.
#[test]
fn cfg_gated_declarations_are_compared_where_they_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = dir.path().join("gated.h");
    std::fs::write(&header, "long g_len(void);\nstruct g_rec { long v; };\n").expect("write");
    let rust = r#"
        #[cfg(windows)]
        unsafe extern "C" { pub fn g_len() -> i32; }
        #[cfg(not(windows))]
        unsafe extern "C" { pub fn g_len() -> i64; }
        #[cfg(feature = "ng")]
        unsafe extern "C" { pub fn g_ng_only() -> i32; }
        #[cfg(target_pointer_width = "64")] #[repr(C)] pub struct g_rec { pub v: core::ffi::c_long }
        #[cfg(target_pointer_width = "32")] #[repr(C)] pub struct g_rec { pub v: i32 }
    "#;
    let report = abi::check_bindings(
        &[("gated.rs".to_owned(), rust.to_owned())],
        &HeaderSet::new([&header]),
        &ALL_TARGETS,
    );
    assert_eq!(report.checked_targets.len(), 4, "{:#?}", report.findings);
    let shown: Vec<(&str, ffiguard_audit::Level, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.level, f.message.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "ABI006",
                ffiguard_audit::Level::Error,
                "result of `g_len`: C `long` is 4 bytes, Rust `i64` is 8 (on i686-linux; right on x86_64-linux, aarch64-linux)"
            ),
            (
                "ABI001",
                ffiguard_audit::Level::Info,
                "`g_ng_only` is declared in Rust but in none of the configured headers"
            ),
        ]
    );
}

/// Checked on 64-bit Linux only, `i64` for `long` is right everywhere it is compared, and
/// still reported (as a warning): it breaks on the first target outside the list.
#[test]
fn fixed_width_for_long_is_reported_even_where_it_happens_to_fit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = dir.path().join("fits.h");
    std::fs::write(
        &header,
        "#include <stddef.h>\nlong f_len(size_t n);\nstruct f_rec { unsigned long v; };\n\
         void f_set(struct f_rec *r);\n",
    )
    .expect("write");
    let rust = "#[repr(C)] pub struct f_rec { pub v: u64 }\n\
                unsafe extern \"C\" { pub fn f_len(n: usize) -> i64; }\n\
                unsafe extern \"C\" { pub fn f_set(r: *mut f_rec); }\n";
    let targets = [abi::ALL_TARGETS[0].clone(), abi::ALL_TARGETS[2].clone()];
    let report = abi::check_bindings(
        &[("fits.rs".to_owned(), rust.to_owned())],
        &HeaderSet::new([&header]),
        &targets,
    );
    let shown: Vec<(&str, ffiguard_audit::Level, usize)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.level, f.location.line))
        .collect();
    let warning = ffiguard_audit::Level::Warning;
    assert_eq!(
        shown,
        [("ABI006", warning, 1), ("ABI006", warning, 2)],
        "{:#?}",
        report.findings
    );
    assert!(report.findings[1].message.contains("`i64` is fixed-width"));
    assert_eq!(
        report.findings[1].help.as_deref(),
        Some("C declares `long`: use `c_long`")
    );
}

/// `extern` statics are compared with the header's variables like parameters are.
#[test]
fn extern_statics_are_compared_with_c_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = dir.path().join("vars.h");
    std::fs::write(
        &header,
        "extern long v_count;\nextern const char *v_name;\n",
    )
    .expect("write");
    let rust = "unsafe extern \"C\" {\n    pub static v_count: i32;\n    pub static v_name: *const core::ffi::c_char;\n    pub static v_gone: i32;\n}\n";
    let report = abi::check_bindings(
        &[("vars.rs".to_owned(), rust.to_owned())],
        &HeaderSet::new([&header]),
        &ALL_TARGETS,
    );
    let shown: Vec<(&str, usize)> = report
        .findings
        .iter()
        .map(|f| (f.rule, f.location.line))
        .collect();
    assert_eq!(
        shown,
        [("ABI006", 2), ("ABI001", 4)],
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings[0]
            .message
            .contains("on x86_64-linux, aarch64-linux; right on i686-linux, x86_64-windows"),
        "{}",
        report.findings[0].message
    );
}

/// bindgen's opaque blob for a C struct it could not spell has the C type's size and
/// alignment and no fields: compared by layout only (fitsio-sys's `fitsfile`, set s).
#[test]
fn a_bindgen_opaque_blob_is_compared_by_size_and_alignment_only() {
    let c = "typedef struct { int pos; void *f; } fitsfile;\n\
             typedef struct { int pos; void *f; } other;\n\
             void f_open(fitsfile *p);\nvoid f_other(other *p);\n";
    // Right size for `fitsfile`, one word short for `other`.
    let rust = "#[repr(C)] #[repr(align(8))] pub struct fitsfile { pub _bindgen_opaque_blob: [u64; 2usize] }\n\
                #[repr(C)] #[repr(align(8))] pub struct other { pub _bindgen_opaque_blob: [u64; 1usize] }\n\
                unsafe extern \"C\" { pub fn f_open(p: *mut fitsfile); pub fn f_other(p: *mut other); }\n";
    let findings = check_text(c, rust, &ALL_TARGETS[..1]);
    let shown: Vec<(&str, usize, &str)> = findings
        .iter()
        .filter(|f| f.level == ffiguard_audit::Level::Error)
        .map(|f| (f.rule, f.location.line, f.message.as_str()))
        .collect();
    assert_eq!(shown.len(), 1, "{shown:#?}");
    assert_eq!(
        shown[0].1, 2,
        "only `other`, whose size differs: {shown:#?}"
    );
    assert!(shown[0].2.contains("size"), "{shown:#?}");
}

/// One opaque Rust stand-in for several incomplete C structs, used by pointer (quiche's
/// `STACK_OF` for BoringSSL's `_STACK` and `stack_st_X509`, set 7): pointers to things
/// neither side lays out. A stand-in with real fields is still compared by name.
#[test]
fn one_opaque_stand_in_for_several_incomplete_c_structs_is_a_handle() {
    let c = "#include <stddef.h>\ntypedef struct stack_st _STACK;\nstruct stack_st_X509;\n\
             struct point { int x; int y; };\n\
             size_t sk_num(const _STACK *sk);\nvoid x509_free(struct stack_st_X509 *s);\n\
             void p_len(const _STACK *sk);\nvoid p_use(struct point *p);\n";
    let rust = "#[repr(C)] pub struct STACK_OF { _unused: [u8; 0] }\n\
                #[repr(C)] pub struct Pt { pub x: i32, pub y: i32 }\n\
                unsafe extern \"C\" {\n\
                    pub fn sk_num(sk: *const STACK_OF) -> usize;\n\
                    pub fn x509_free(s: *mut STACK_OF);\n\
                    pub fn p_len(sk: *const Pt);\n\
                    pub fn p_use(p: *mut Pt);\n\
                }\n";
    let findings = check_text(c, rust, &ALL_TARGETS[..1]);
    let errors: Vec<(&str, usize)> = findings
        .iter()
        .filter(|f| f.level == ffiguard_audit::Level::Error)
        .map(|f| (f.rule, f.location.line))
        .collect();
    // Only `Pt`, a laid-out struct passed both where C takes the opaque `_STACK` and where it
    // takes `struct point`: one of the two uses is reported (which, depends on the pairing).
    assert_eq!(errors.len(), 1, "{findings:#?}");
    assert!(matches!(errors[0], ("ABI003", 6 | 7)), "{errors:?}");
}

/// A C pointer held as an integer of the pointer's width is passed alike: a warning where
/// the widths agree (i686), an error where they do not (x86_64). fitsio-sys's 32-bit bindings
/// (set s) declare `va_list` as `u32`.
#[test]
fn a_pointer_held_as_an_integer_of_its_width_is_a_warning_where_the_widths_agree() {
    let c = "void take(const char *f, void *a);\n";
    let rust = "unsafe extern \"C\" { pub fn take(f: *const ::std::os::raw::c_char, a: u32); }\n";
    let levels = |target: &abi::Target| -> Vec<(&'static str, ffiguard_audit::Level)> {
        let findings = check_text(c, rust, std::slice::from_ref(target));
        findings.iter().map(|f| (f.rule, f.level)).collect()
    };
    use ffiguard_audit::Level::{Error, Warning};
    assert_eq!(levels(&abi::ALL_TARGETS[1]), [("ABI003", Warning)]);
    assert_eq!(levels(&abi::ALL_TARGETS[0]), [("ABI003", Error)]);
}
