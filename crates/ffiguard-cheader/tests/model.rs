//! Reads a fixture header for every known target through libclang and checks the model:
//! per-target sizes and offsets, typedef names, bitfields, packed records, enums, macros.
//!
//! Needs libclang (Debian `libclang-22-dev`, `LIBCLANG_PATH=/usr/lib/llvm-22/lib`); the tests
//! fail, naming the package, when it cannot be loaded.

use ffiguard_cheader::{
    ALL_TARGETS, CModel, CTypeKind, HeaderError, HeaderSet, I686_LINUX, IntRank, Language,
    X86_64_LINUX, X86_64_WINDOWS, parse_for_targets, parse_headers,
};
use std::path::PathBuf;

fn fixture() -> HeaderSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut set = HeaderSet::new([dir.join("layout.h")]);
    // C99, where `void fx_old();` declares a function without a prototype (C23 reads it as
    // `(void)`).
    set.extra_args.push("-std=c99".to_owned());
    set
}

fn model(target: &ffiguard_cheader::Target) -> CModel {
    match parse_headers(&fixture(), target) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn functions_keep_typedef_names_variadics_and_prototypes() {
    let m = model(&X86_64_LINUX);
    let hash = &m.functions["fx_hash"].signature;
    assert_eq!(hash.params.len(), 2);
    assert!(
        hash.params[1].is_pointer_sized_typedef(),
        "{:?}",
        hash.params[1]
    );
    assert_eq!(hash.ret.typedefs, ["fx_ulong"]);
    assert!(hash.ret.is_long());
    assert_eq!(hash.param_names, ["data", "len"]);
    let CTypeKind::Pointer { pointee } = &hash.params[0].kind else {
        panic!("{:?}", hash.params[0]);
    };
    assert!(pointee.is_const);
    assert_eq!(pointee.kind, CTypeKind::Void);

    let log = &m.functions["fx_log"].signature;
    assert!(log.variadic);
    let CTypeKind::Pointer { pointee } = &log.params[0].kind else {
        panic!("callback is a pointer");
    };
    let CTypeKind::Function(cb) = &pointee.kind else {
        panic!("to a function: {pointee:?}");
    };
    assert!(cb.variadic);
    assert_eq!(cb.params.len(), 2);

    assert_eq!(m.functions["fx_flag"].signature.ret.kind, CTypeKind::Bool);
    for p in &m.functions["fx_packet"].signature.params {
        assert!(
            matches!(&p.kind, CTypeKind::Pointer { pointee } if matches!(pointee.kind, CTypeKind::PlainChar { .. } | CTypeKind::Int { .. })),
            "an array parameter is a pointer: {p:?}"
        );
    }
    assert!(m.functions["fx_old"].signature.unprototyped);
}

#[test]
fn layouts_follow_the_target() {
    let results = parse_for_targets(&fixture(), &ALL_TARGETS);
    let sizes: Vec<(String, Option<u64>, u64)> = results
        .into_iter()
        .map(|(t, m)| {
            let m = m.unwrap_or_else(|e| panic!("{e}"));
            let r = m.record("fx_record").expect("fx_record").clone();
            let value = r.fields.iter().find(|f| f.name == "value").expect("value");
            (t.name.to_owned(), r.size, value.ty.size.unwrap_or(0))
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("x86_64-linux".to_owned(), Some(48), 8),
            ("i686-linux".to_owned(), Some(32), 4),
            ("aarch64-linux".to_owned(), Some(48), 8),
            ("x86_64-windows".to_owned(), Some(40), 4),
        ]
    );
}

#[test]
fn records_bitfields_packed_and_anonymous_members() {
    let m = model(&I686_LINUX);
    let r = m
        .record("fx_record")
        .expect("typedef name finds the anonymous struct");
    assert!(r.has_bitfields());
    let names: Vec<&str> = r.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["tag", "value", "len", "at", "flag", "mode", "u"]);
    let mode = &r.fields[5];
    assert_eq!((mode.offset_bits, mode.bit_width), (161, Some(3)));
    // i686 aligns double to 4 inside structs.
    assert_eq!(r.fields[6].offset_bits, 192);
    assert!(m.records.contains_key("fx_record__bindgen_ty_1"));
    let packed = m.record("fx_packed").expect("packed");
    assert!(packed.packed);
    assert_eq!((packed.size, packed.align), (Some(5), Some(1)));
    let opaque = m.record("fx_opaque").expect("opaque");
    assert!(!opaque.complete);
    assert_eq!(opaque.size, None);
}

#[test]
fn anonymous_members_are_fields_with_empty_names_at_their_offsets() {
    for (target, union_at, struct_at, last_at) in
        [(&X86_64_LINUX, 64, 128, 160), (&I686_LINUX, 32, 96, 128)]
    {
        let m = model(target);
        let r = m.record("fx_anon").expect("fx_anon");
        let fields: Vec<(&str, u64)> = r
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.offset_bits))
            .collect();
        assert_eq!(
            fields,
            [
                ("kind", 0),
                ("", union_at),
                ("", struct_at),
                ("last", last_at)
            ],
            "{}",
            target.name
        );
        assert!(m.records.contains_key("fx_anon__bindgen_ty_1"));
        assert!(m.records.contains_key("fx_anon__bindgen_ty_2"));
    }
}

#[test]
fn enums_macros_and_char_signedness() {
    let linux = model(&X86_64_LINUX);
    let color = linux.enumeration("fx_color").expect("fx_color");
    assert_eq!(
        color.underlying.kind,
        CTypeKind::Int {
            signed: false,
            rank: IntRank::Int
        }
    );
    assert_eq!(color.constants[2], ("FX_BIG".to_owned(), 0x8000_0000));
    assert_eq!(linux.constant("FX_NEG"), Some(-7));
    assert_eq!(linux.constant("FX_MASK"), Some(0xF0));
    assert_eq!(linux.constant("FX_GREEN"), Some(2));
    assert_eq!(linux.constant("FX_FN"), None);
    let tag = &linux.record("fx_record").expect("record").fields[0].ty.kind;
    assert_eq!(*tag, CTypeKind::PlainChar { signed: true });
    let arm = model(&ffiguard_cheader::AARCH64_LINUX);
    let tag = &arm.record("fx_record").expect("record").fields[0].ty.kind;
    assert_eq!(*tag, CTypeKind::PlainChar { signed: false });
    let win = model(&X86_64_WINDOWS);
    assert_eq!(win.typedefs["fx_ulong"].size, Some(4));
    assert_eq!(win.variables["fx_counter"].ty.size, Some(4));
    assert_eq!(linux.variables["fx_counter"].ty.size, Some(8));
    assert!(matches!(
        linux.variables["fx_names"].ty.kind,
        CTypeKind::Array { len: Some(4), .. }
    ));
}

#[test]
fn broken_headers_are_errors_with_the_compiler_message() {
    let dir = tempfile_dir();
    let header = dir.join("broken.h");
    std::fs::write(&header, "#include \"nowhere.h\"\nint f(void);\n").expect("write");
    let err = parse_headers(&HeaderSet::new([&header]), &X86_64_LINUX).expect_err("must fail");
    let text = err.to_string();
    assert!(matches!(err, HeaderError::Diagnostics { .. }), "{text}");
    assert!(text.contains("nowhere.h"), "{text}");
    let missing = parse_headers(&HeaderSet::new([dir.join("absent.h")]), &X86_64_LINUX);
    assert!(matches!(missing, Err(HeaderError::MissingHeader(_))));
    let _ = std::fs::remove_dir_all(dir);
}

/// Headers of a C API written for C++ compilers (steamworks' flat API: a bare `bool`, an
/// enum named without `enum`, `extern "C"` on every function) are read as C++ and keep their C
/// declarations; a C++ API (functions with C++ linkage) is refused with the C reading's error;
/// a header that reads as C is still read as C.
#[test]
fn headers_of_a_c_api_that_compile_only_as_cpp_are_read_as_cpp() {
    let dir = std::env::temp_dir().join(format!("ffiguard-cheader-cpp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let flat = dir.join("flat.h");
    std::fs::write(
        &flat,
        "#include <stdint.h>\n\
         #define S_API extern \"C\"\n\
         enum EResult { k_EResultOK = 1, k_EResultFail = 2 };\n\
         struct Ticket { bool valid; EResult result; uint64_t id; };\n\
         class ISteamUser;\n\
         namespace detail { inline int helper(int x) { return x + 1; } }\n\
         inline bool ready() { return true; }\n\
         S_API bool SteamAPI_Init(Ticket *ticket, ISteamUser *user);\n\
         extern \"C\" { EResult SteamAPI_Result(const Ticket *t); }\n\
         class ISteamApps { public: virtual bool BIsSubscribed() = 0; };\n\
         class CCallback : public ISteamApps { int m_id; };\n\
         S_API void SteamAPI_SetTicket(const Ticket &t, ISteamApps *apps);\n",
    )
    .expect("write");
    let m = parse_headers(&HeaderSet::new([&flat]), &X86_64_LINUX).expect("reads as C++");
    assert_eq!(m.language, Language::Cpp);
    let init = &m.functions["SteamAPI_Init"];
    assert_eq!(init.signature.ret.kind, CTypeKind::Bool);
    assert!(m.functions.contains_key("SteamAPI_Result"));
    assert!(
        !m.functions.contains_key("ready"),
        "an inline C++ helper is no C symbol"
    );
    let ticket = m.record("Ticket").expect("the struct");
    assert_eq!(ticket.size, Some(16));
    assert_eq!(m.enum_constants["k_EResultFail"], 2);
    // A reference is a pointer; a class lays out its vtable pointer or base first, as bindgen
    // writes them.
    let set = &m.functions["SteamAPI_SetTicket"].signature.params[0];
    assert!(
        matches!(&set.kind, CTypeKind::Pointer { pointee } if pointee.spelling.contains("Ticket")),
        "{set:?}"
    );
    let apps = m.record("ISteamApps").expect("the class");
    assert_eq!(
        (apps.size, apps.fields[0].name.as_str()),
        (Some(8), "vtable_")
    );
    let callback = m.record("CCallback").expect("the class");
    let names: Vec<&str> = callback.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["_base", "m_id"]);
    assert_eq!(callback.fields[1].offset_bits, 64);
    // The same declarations without `extern "C"` are a C++ API: the C error is kept.
    let api = dir.join("api.h");
    std::fs::write(&api, "unsigned hash(const char *s, bool fast);\n").expect("write");
    let err = parse_headers(&HeaderSet::new([&api]), &X86_64_LINUX).expect_err("C++ linkage");
    assert!(
        matches!(&err, HeaderError::Diagnostics { .. }) && err.to_string().contains("bool"),
        "{err}"
    );
    // A C header stays C.
    let c = dir.join("c.h");
    std::fs::write(&c, "struct empty {};\nint f(struct empty e);\n").expect("write");
    let m = parse_headers(&HeaderSet::new([&c]), &X86_64_LINUX).expect("C");
    assert_eq!(m.language, Language::C);
    assert_eq!(
        m.record("empty").and_then(|r| r.size),
        Some(0),
        "C's size, not C++'s 1"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ffiguard-cheader-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
