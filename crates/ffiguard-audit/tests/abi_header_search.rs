//! Zero-configuration header discovery on small crates modelled on real `-sys` crates.

use ffiguard_audit::abi::config::{find_headers, load};
use ffiguard_audit::abi::header_search::{HeaderReason, MadeFrom};
use std::path::Path;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

#[test]
fn cc_built_crate_gets_the_public_umbrella_header_its_sources_include() {
    // Modelled on libssh2-sys and liblzma-sys: cc compiles bundled C files that include an
    // internal header and, through the include directory, the public umbrella header, whose
    // parts may only be included through it.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"x-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                r#"fn main() {
                    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap();
                    let mut b = cc::Build::new();
                    b.file("vendor/src/lib.c").include("vendor/include").define("X_STATIC", None);
                    if os == "windows" { b.define("X_WIN32", None); }
                    if probe() { b.define("X_PROBED", None); }
                    b.compile("x");
                }"#,
            ),
            (
                "vendor/src/lib.c",
                "#include \"internal.h\"\n#include <x.h>\nint x_open(void) { return 0; }\n",
            ),
            ("vendor/src/internal.h", "int x_internal(void);\n"),
            ("vendor/include/x.h", "#include \"x/parts.h\"\n"),
            (
                "vendor/include/x/parts.h",
                "int x_open(void);\nint x_close(int);\n",
            ),
            (
                "src/lib.rs",
                "unsafe extern \"C\" { pub fn x_open() -> i32; pub fn x_close(h: i32) -> i32; }\n",
            ),
        ],
    );
    let found = find_headers(root).expect("reads");
    assert_eq!(found.none_found, None);
    let headers: Vec<(String, &HeaderReason)> = found
        .headers
        .iter()
        .map(|h| {
            let rel = h
                .path
                .strip_prefix(std::fs::canonicalize(root).expect("root"));
            (rel.expect("in crate").display().to_string(), &h.reason)
        })
        .collect();
    assert_eq!(headers.len(), 1, "{headers:?}");
    assert_eq!(headers[0].0, "vendor/include/x.h");
    assert!(matches!(
        headers[0].1,
        HeaderReason::IncludedBySource { source } if source == Path::new("vendor/src/lib.c")
    ));
    // The define under `os == "windows"` applies to Windows only; the probed one nowhere.
    let config = load(root).expect("reads").expect("has headers");
    assert_eq!(config.headers.defines, ["X_STATIC"]);
    assert_eq!(
        config.headers.target_defines,
        [("x86_64-windows".to_owned(), "X_WIN32".to_owned())]
    );
}

#[test]
fn bindgen_header_named_through_variables_and_format_is_found() {
    // Modelled on zfp-sys and qhull-sys: the header path is built from CARGO_MANIFEST_DIR,
    // and the include directory comes from a generated path, so it is found in the crate.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"y-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                r#"fn main() {
                    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
                    let out = cmake::build("lib");
                    let header = format!("{}/binding.h", dir.display());
                    bindgen::Builder::default()
                        .header(header)
                        .clang_arg(format!("-I{}", out.join("include").display()));
                }"#,
            ),
            ("binding.h", "#include <y.h>\n"),
            ("lib/include/y.h", "int y_run(void);\n"),
        ],
    );
    let found = find_headers(root).expect("reads");
    assert_eq!(found.headers.len(), 1);
    assert_eq!(found.headers[0].reason, HeaderReason::BindgenHeader);
    assert!(found.headers[0].path.ends_with("binding.h"));
    assert_eq!(found.inferred_include_dirs.len(), 1);
    assert!(found.inferred_include_dirs[0].ends_with("lib/include"));
}

#[test]
fn a_crate_without_headers_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"z\"\nversion = \"0.1.0\"\n",
            ),
            ("src/lib.rs", "pub fn f() {}\n"),
        ],
    );
    let found = find_headers(dir.path()).expect("reads");
    assert!(found.headers.is_empty());
    let why = found.none_found.expect("a reason");
    assert!(why.contains("no build script"), "{why}");
}

#[test]
fn an_include_a_dependency_ships_is_found_beside_the_crate() {
    // Modelled on vorbis-sys 0.1.1 in a `cargo vendor` directory: `codec.h` includes
    // `<ogg/ogg.h>`, which ogg-sys ships and the build reaches through `DEP_OGG_INCLUDE`.
    let dir = tempfile::tempdir().expect("tempdir");
    let vendor = dir.path();
    write(
        vendor,
        &[
            (
                "vorbis-sys/Cargo.toml",
                "[package]\nname = \"vorbis-sys\"\nversion = \"0.1.1\"\n\n\
                 [dependencies.ogg-sys]\nversion = \"0.0.9\"\n",
            ),
            (
                "vorbis-sys/build.rs",
                r#"fn main() {
                    let ogg = std::env::var("DEP_OGG_INCLUDE").unwrap();
                    cc::Build::new().file("libvorbis/lib/info.c").include("libvorbis/include").include(&ogg).compile("vorbis");
                }"#,
            ),
            (
                "vorbis-sys/libvorbis/lib/info.c",
                "#include \"vorbis/codec.h\"\nint vorbis_info_blocksize(vorbis_info *vi, int zo) { return 0; }\n",
            ),
            (
                "vorbis-sys/libvorbis/include/vorbis/codec.h",
                "#include <ogg/ogg.h>\ntypedef struct vorbis_info { int version; ogg_int64_t rate; } vorbis_info;\n\
                 int vorbis_info_blocksize(vorbis_info *vi, int zo);\n",
            ),
            (
                "vorbis-sys/src/lib.rs",
                "#[repr(C)] pub struct vorbis_info { pub version: i32, pub rate: i64 }\n\
                 extern \"C\" { pub fn vorbis_info_blocksize(vi: *mut vorbis_info, zo: i32) -> i32; }\n",
            ),
            (
                "ogg-sys-0.0.9/Cargo.toml",
                "[package]\nname = \"ogg-sys\"\nversion = \"0.0.9\"\n",
            ),
            (
                "ogg-sys-0.0.9/libogg/include/ogg/ogg.h",
                "#include <ogg/os_types.h>\n",
            ),
            (
                "ogg-sys-0.0.9/libogg/include/ogg/os_types.h",
                "typedef long long ogg_int64_t;\n",
            ),
        ],
    );
    let config = load(&vendor.join("vorbis-sys"))
        .expect("reads")
        .expect("headers found");
    let ogg_include =
        std::fs::canonicalize(vendor.join("ogg-sys-0.0.9/libogg/include")).expect("canonical");
    assert!(
        config.headers.include_dirs.contains(&ogg_include),
        "{:#?}",
        config.headers.include_dirs
    );
}

#[test]
fn a_bindings_file_included_from_outside_src_is_read() {
    // Modelled on croaring-sys: `src/lib.rs` is only `include!("../CRoaring/bindings.rs")`,
    // and cc compiles the amalgamated `CRoaring/roaring.c`, which includes `roaring.h`.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"roar-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                r#"fn main() { cc::Build::new().file("CRoaring/roaring.c").std("c11").compile("roaring"); }"#,
            ),
            (
                "CRoaring/roaring.c",
                "#include \"roaring.h\"\nroaring_bitmap_t *roaring_bitmap_create(void) { return 0; }\n",
            ),
            (
                "CRoaring/roaring.h",
                "typedef struct roaring_bitmap_s roaring_bitmap_t;\n\
                 roaring_bitmap_t *roaring_bitmap_create(void);\n\
                 void roaring_bitmap_free(const roaring_bitmap_t *r);\n",
            ),
            (
                "CRoaring/bindings.rs",
                "#[repr(C)] pub struct roaring_bitmap_t { _p: [u8; 0] }\n\
                 extern \"C\" {\n\
                     pub fn roaring_bitmap_create() -> *mut roaring_bitmap_t;\n\
                     pub fn roaring_bitmap_free(r: *const roaring_bitmap_t);\n\
                 }\n",
            ),
            (
                "src/lib.rs",
                "#![no_std]\ninclude!(\"../CRoaring/bindings.rs\");\n",
            ),
        ],
    );
    let found = find_headers(root).expect("reads");
    assert_eq!(found.none_found, None);
    assert_eq!(found.headers.len(), 1, "{:#?}", found.headers);
    assert!(found.headers[0].path.ends_with("CRoaring/roaring.h"));
    let config = load(root).expect("reads").expect("headers found");
    assert!(
        config
            .bindings
            .iter()
            .any(|b| b == &root.join("CRoaring/bindings.rs")),
        "{:#?}",
        config.bindings
    );
}

#[test]
fn extern_blocks_inside_a_linking_macro_call_are_looked_for() {
    // Modelled on openvino-sys (and clang-sys): every `extern "C"` block of the bindings is
    // inside `link! { .. }`, a macro that either re-emits the blocks or loads the library
    // at run time; the C API's headers are bundled.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"ov-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                "fn main() { println!(\"cargo:rustc-link-lib=ov_c\"); }\n",
            ),
            (
                "upstream/c/include/ov_c_api.h",
                "#include \"ov_common.h\"\nvoid ov_free(const char *content);\n",
            ),
            (
                "upstream/c/include/ov_common.h",
                "const char *ov_get_last_err_msg(void);\n",
            ),
            (
                "src/linking.rs",
                "#[macro_export] macro_rules! link {\n\
                     ($(unsafe extern \"C\" { $(#[doc=$doc:expr])* pub fn $name:ident($($p:ident: $t:ty),*) $(-> $r:ty)*; })+) => {\n\
                         extern \"C\" { $(pub fn $name($($p: $t),*) $(-> $r)*;)+ }\n\
                     };\n\
                 }\n",
            ),
            (
                "src/functions.rs",
                "use crate::link;\nlink! {\n\
                     unsafe extern \"C\" { pub fn ov_free(content: *const ::std::os::raw::c_char); }\n\
                     unsafe extern \"C\" { pub fn ov_get_last_err_msg() -> *const ::std::os::raw::c_char; }\n\
                 }\n",
            ),
            ("src/lib.rs", "mod linking;\nmod functions;\n"),
        ],
    );
    let found = find_headers(root).expect("reads");
    assert_eq!(found.none_found, None);
    assert!(
        found
            .headers
            .iter()
            .any(|h| h.path.ends_with("upstream/c/include/ov_c_api.h")),
        "{:#?}",
        found.headers
    );
    assert!(matches!(
        found.headers[0].reason,
        HeaderReason::DeclaresBoundFunctions { bound: 2, .. }
    ));
}

/// The headers chosen, relative to `root`, with their reasons.
fn chosen(root: &Path) -> Vec<(String, HeaderReason)> {
    let canonical = std::fs::canonicalize(root).expect("root");
    find_headers(root)
        .expect("reads")
        .headers
        .into_iter()
        .map(|h| {
            let rel = h.path.strip_prefix(&canonical).expect("in crate");
            (rel.display().to_string(), h.reason)
        })
        .collect()
}

#[test]
fn a_cpp_header_over_a_c_api_gives_way_to_the_c_header_it_includes() {
    // Modelled on spirv-tools-sys: cc compiles C++ (`build.cpp(true)`) that includes
    // `spirv-tools/libspirv.hpp`, which includes `<functional>` and the C API's `libspirv.h`;
    // the bindings bind the C functions under `#[link_name]`. Needs libclang.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"spv-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                r#"fn main() {
                    let mut build = cc::Build::new();
                    build.include("tools/include").file("src/c/opt.cpp").cpp(true);
                    build.compile("spv");
                }"#,
            ),
            (
                "src/c/opt.cpp",
                "#include \"spirv-tools/libspirv.hpp\"\nextern \"C\" int spv_opt(void) { return 0; }\n",
            ),
            (
                "tools/include/spirv-tools/libspirv.hpp",
                "#include <functional>\n#include \"libspirv.h\"\nnamespace spvtools { class Context; }\n",
            ),
            (
                "tools/include/spirv-tools/libspirv.h",
                "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\
                 typedef struct spv_context_t *spv_context;\n\
                 spv_context spvContextCreate(int env);\nvoid spvContextDestroy(spv_context c);\n\
                 #ifdef __cplusplus\n}\n#endif\n",
            ),
            (
                "src/lib.rs",
                "pub enum Context {}\nextern \"C\" {\n\
                     #[link_name = \"spvContextCreate\"] pub fn context_create(env: i32) -> *mut Context;\n\
                     #[link_name = \"spvContextDestroy\"] pub fn context_destroy(c: *mut Context);\n\
                 }\n",
            ),
        ],
    );
    let headers = chosen(root);
    assert_eq!(headers.len(), 1, "{headers:#?}");
    assert_eq!(
        headers[0].0, "tools/include/spirv-tools/libspirv.h",
        "{headers:#?}"
    );
    let HeaderReason::IncludedByUnreadable {
        umbrella,
        umbrella_error,
        declared,
        bound,
    } = &headers[0].1
    else {
        panic!("{headers:#?}");
    };
    assert!(umbrella.ends_with("libspirv.hpp"), "{umbrella:?}");
    // libclang's first error and the target it is for (`<functional>` is not found where
    // the header is read as C, nor for a target without a C++ library).
    assert!(umbrella_error.starts_with("on "), "{umbrella_error}");
    assert_eq!((*declared, *bound), (2, 2));
}

#[test]
fn a_c_header_reached_through_one_that_includes_cpp_is_chosen() {
    // Modelled on libfuzzy-sys: the library is built by `configure` and `make` (no C file
    // the build script names), and the header that covers the bound functions through its
    // includes, `match.h`, reaches `fuzzy.h` through `ssdeep.h`, which includes `<string>`.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"fuzzy-sys\"\nversion = \"0.1.0\"\n\n[lib]\npath = \"lib.rs\"\n",
            ),
            (
                "build.rs",
                "fn main() { run(Command::new(\"libfuzzy/configure\")); }\n",
            ),
            (
                "libfuzzy/match.h",
                "#include \"ssdeep.h\"\nint match_load(const char *f);\n",
            ),
            (
                "libfuzzy/ssdeep.h",
                "#include <string>\n#include \"fuzzy.h\"\nbool process_win32(std::string s);\n",
            ),
            (
                "libfuzzy/fuzzy.h",
                "#include <stdint.h>\n\
                 int fuzzy_hash_buf(const unsigned char *buf, uint32_t len, char *result);\n\
                 int fuzzy_compare(const char *a, const char *b);\n",
            ),
            (
                "lib.rs",
                "use std::os::raw::{c_char, c_int, c_uchar};\nextern \"C\" {\n\
                     pub fn fuzzy_hash_buf(buf: *const c_uchar, len: u32, result: *mut c_char) -> c_int;\n\
                     pub fn fuzzy_compare(a: *const c_char, b: *const c_char) -> c_int;\n\
                     pub fn match_load(f: *const c_char) -> c_int;\n\
                 }\n",
            ),
        ],
    );
    let headers = chosen(root);
    assert_eq!(headers.len(), 1, "{headers:#?}");
    assert_eq!(headers[0].0, "libfuzzy/fuzzy.h");
    assert!(
        matches!(
            &headers[0].1,
            HeaderReason::IncludedByUnreadable { umbrella, declared: 2, bound: 3, .. }
                if umbrella.ends_with("match.h")
        ),
        "{headers:#?}"
    );
}

#[test]
fn a_header_a_c_file_includes_itself_is_not_taken_through_one_that_includes_it_conditionally() {
    // Modelled on nanovg-sys: cc compiles `nanovg.c`, which includes `nanovg.h`, and a shim
    // that includes `<nanovg.h>` and `<nanovg_gl.h>`; `nanovg_gl.h` includes `nanovg.h` only
    // in its implementation section, so read alone it declares none of nanovg's functions.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"vg-sys\"\nversion = \"0.1.0\"\n\n[lib]\npath = \"lib.rs\"\n",
            ),
            (
                "build.rs",
                r#"fn build_library(backend_macro: &str) {
                    let mut config = cc::Build::new();
                    config.include("nanovg/src");
                    config.file("nanovg/src/nanovg.c");
                    config.file("nanovg_shim.c");
                    config.define(backend_macro, None);
                    config.compile("nanovg");
                }"#,
            ),
            (
                "nanovg/src/nanovg.c",
                "#include <stdlib.h>\n#include \"nanovg.h\"\nvoid nvgBeginFrame(NVGcontext *c) {}\n",
            ),
            (
                "nanovg_shim.c",
                "#include <nanovg.h>\n#define NANOVG_GL_IMPLEMENTATION\n#include <nanovg_gl.h>\n",
            ),
            (
                "nanovg/src/nanovg.h",
                "#ifndef NANOVG_H\n#define NANOVG_H\ntypedef struct NVGcontext NVGcontext;\n\
                 void nvgBeginFrame(NVGcontext *ctx);\nvoid nvgEndFrame(NVGcontext *ctx);\n\
                 void nvgFill(NVGcontext *ctx);\n#endif\n",
            ),
            (
                "nanovg/src/nanovg_gl.h",
                "#ifndef NANOVG_GL_H\n#define NANOVG_GL_H\n\
                 #if defined NANOVG_GL3\nstruct NVGcontext *nvgCreateGL3(int flags);\n#endif\n\
                 #endif\n\
                 #ifdef NANOVG_GL_IMPLEMENTATION\n#include \"nanovg.h\"\n\
                 NVGcontext *nvgCreateGL3(int flags) { return nvgCreateInternal(flags); }\n\
                 #endif\n",
            ),
            (
                "lib.rs",
                "pub enum NVGcontext {}\nextern \"C\" {\n\
                     pub fn nvgBeginFrame(ctx: *mut NVGcontext);\n\
                     pub fn nvgEndFrame(ctx: *mut NVGcontext);\n\
                     pub fn nvgFill(ctx: *mut NVGcontext);\n\
                     pub fn nvgCreateGL3(flags: i32) -> *mut NVGcontext;\n\
                 }\n",
            ),
        ],
    );
    let headers = chosen(root);
    assert_eq!(headers[0].0, "nanovg/src/nanovg.h", "{headers:#?}");
    assert!(
        matches!(&headers[0].1, HeaderReason::IncludedBySource { .. }),
        "{headers:#?}"
    );
}

#[test]
fn parts_that_read_only_inside_their_umbrella_give_way_to_it() {
    // Modelled on tomcrypt-sys: every compiled C file includes `tomcrypt.h`, which includes
    // the configuration and then the parts through the include directory; a part read alone
    // does not know the configuration's types. Needs libclang.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"tc-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                r#"fn main() {
                    let mut ltc_build = cc::Build::new();
                    ltc_build.define("LTC_SOURCE", None).include("libtomcrypt/src/headers");
                    ltc_build.file("libtomcrypt/src/ciphers/aes.c").file("libtomcrypt/src/pk/rsa.c");
                    ltc_build.compile("tomcrypt");
                }"#,
            ),
            (
                "libtomcrypt/src/ciphers/aes.c",
                "#include \"tomcrypt.h\"\nint aes_setup(const unsigned char *k, int n, ulong32 r) { return 0; }\n",
            ),
            (
                "libtomcrypt/src/pk/rsa.c",
                "#include \"tomcrypt.h\"\nint rsa_make_key(prng_state *p, int size) { return 0; }\n",
            ),
            (
                "libtomcrypt/src/headers/tomcrypt.h",
                "#include <stddef.h>\n#include <tomcrypt_cfg.h>\n#include <tomcrypt_cipher.h>\n\
                 #include <tomcrypt_pk.h>\n",
            ),
            (
                "libtomcrypt/src/headers/tomcrypt_cfg.h",
                "typedef unsigned int ulong32;\ntypedef struct prng_state { int x; } prng_state;\n",
            ),
            (
                "libtomcrypt/src/headers/tomcrypt_cipher.h",
                "int aes_setup(const unsigned char *key, int keylen, ulong32 rounds);\n",
            ),
            (
                "libtomcrypt/src/headers/tomcrypt_pk.h",
                "int rsa_make_key(prng_state *prng, int size);\n",
            ),
            (
                "src/lib.rs",
                "#[repr(C)] pub struct prng_state { pub x: i32 }\nextern \"C\" {\n\
                     pub fn aes_setup(key: *const u8, keylen: i32, rounds: u32) -> i32;\n\
                     pub fn rsa_make_key(prng: *mut prng_state, size: i32) -> i32;\n\
                 }\n",
            ),
        ],
    );
    let headers = chosen(root);
    assert_eq!(headers.len(), 1, "{headers:#?}");
    assert_eq!(headers[0].0, "libtomcrypt/src/headers/tomcrypt.h");
    let HeaderReason::UmbrellaOfParts {
        parts,
        parts_error,
        declared,
        bound,
    } = &headers[0].1
    else {
        panic!("{headers:#?}");
    };
    assert_eq!((*parts, *declared, *bound), (2, 2, 2));
    assert!(parts_error.contains("tomcrypt_"), "{parts_error}");
    assert!(
        !parts_error.contains(&root.display().to_string()),
        "{parts_error}"
    );
}

#[test]
fn a_header_that_needs_system_headers_is_read_after_those_its_c_file_includes_first() {
    // Modelled on lzlib-sys: `lzlib.h` includes nothing and uses `uint8_t`; `lzlib.c`
    // includes `<stdbool.h>`, `<stdint.h>`, `<stdlib.h>` and `<string.h>` before it. Needs
    // libclang.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"lz-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                r#"fn main() {
                    let mut cfg = cc::Build::new();
                    cfg.include("lzlib").file("./lzlib/lzlib.c").opt_level(2).compile("lzlib");
                }"#,
            ),
            (
                "lzlib/lzlib.c",
                "#include <stdbool.h>\n#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n\n\
                 #include \"lzlib.h\"\nint LZ_api_version(void) { return 1; }\n",
            ),
            (
                "lzlib/lzlib.h",
                "int LZ_api_version(void);\nstruct LZ_Encoder;\n\
                 int LZ_compress_write(struct LZ_Encoder *e, const uint8_t *buffer, int size);\n",
            ),
            (
                "src/lib.rs",
                "pub enum LZ_Encoder {}\nextern \"C\" {\n\
                     pub fn LZ_api_version() -> i32;\n\
                     pub fn LZ_compress_write(e: *mut LZ_Encoder, buffer: *const u8, size: i32) -> i32;\n\
                 }\n",
            ),
        ],
    );
    let headers = chosen(root);
    assert_eq!(headers.len(), 1, "{headers:#?}");
    assert_eq!(headers[0].0, "lzlib/lzlib.h");
    let HeaderReason::IncludedBySourceAfter {
        source,
        prelude,
        alone_error,
    } = &headers[0].1
    else {
        panic!("{headers:#?}");
    };
    assert_eq!(source, Path::new("lzlib/lzlib.c"));
    assert_eq!(prelude, &["stdbool.h", "stdint.h", "stdlib.h", "string.h"]);
    assert!(alone_error.contains("uint8_t"), "{alone_error}");
    let config = load(root).expect("reads").expect("headers found");
    assert!(
        config
            .headers
            .extra_args
            .windows(2)
            .any(|w| w == ["-include", "stdint.h"]),
        "{:?}",
        config.headers.extra_args
    );
    // The header is read with the prelude on every target, with no finding of its own.
    let files = vec![(
        "src/lib.rs".to_owned(),
        std::fs::read_to_string(root.join("src/lib.rs")).expect("read"),
    )];
    let report = ffiguard_audit::abi::check_config(&files, &config);
    assert_eq!(report.checked_targets.len(), 4, "{:#?}", report.findings);
}

/// Reads the crate's bindings and cross-checks them with its configuration.
fn check(root: &Path) -> ffiguard_audit::abi::AbiReport {
    let config = load(root).expect("reads").expect("headers found");
    let files: Vec<(String, String)> = config
        .bindings
        .iter()
        .map(|b| {
            let rel = b
                .strip_prefix(root)
                .expect("in crate")
                .display()
                .to_string();
            (rel, std::fs::read_to_string(b).expect("read"))
        })
        .collect();
    ffiguard_audit::abi::check_config(&files, &config)
}

#[test]
fn a_header_the_build_generates_is_made_from_its_autoconf_template() {
    // Modelled on sixel-sys: `wrapper.h` includes `libsixel/include/sixel.h`, which
    // libsixel's `configure` makes from `sixel.h.in`. Needs libclang.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"sx-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                "fn main() { Command::new(\"./configure\").current_dir(\"libsixel\").status(); }\n",
            ),
            ("wrapper.h", "#include \"libsixel/include/sixel.h\"\n"),
            (
                "libsixel/include/sixel.h.in",
                "#define LIBSIXEL_VERSION \"@PACKAGE_VERSION@\"\n#define SIXELAPI\n\
                 typedef int SIXELSTATUS;\ntypedef struct sixel_output sixel_output_t;\n\
                 SIXELAPI @attr_func_deprecated@ sixel_output_t *sixel_output_create(int fd);\n\
                 SIXELAPI SIXELSTATUS sixel_output_new(sixel_output_t **output, int fd);\n",
            ),
            (
                "src/lib.rs",
                "pub enum sixel_output_t {}\nextern \"C\" {\n\
                     pub fn sixel_output_create(fd: i32) -> *mut sixel_output_t;\n\
                     pub fn sixel_output_new(output: *mut *mut sixel_output_t, fd: i32) -> i32;\n\
                 }\n",
            ),
        ],
    );
    let found = find_headers(root).expect("reads");
    assert_eq!(found.headers.len(), 1, "{:#?}", found.headers);
    assert_eq!(found.headers[0].reason, HeaderReason::Wrapper);
    let made = &found.headers[0].made;
    assert_eq!(made.len(), 1, "{made:#?}");
    assert_eq!(made[0].include, "libsixel/include/sixel.h");
    assert!(
        matches!(&made[0].from, MadeFrom::Template { template, known: 0, unknown: 2 }
            if template == Path::new("libsixel/include/sixel.h.in")),
        "{made:#?}"
    );
    // The reason `--explain-headers` prints says so.
    let explained = found.headers[0].explained(&found.headers[0].reason.to_string());
    assert!(
        explained.contains("made from libsixel/include/sixel.h.in"),
        "{explained}"
    );
    let report = check(root);
    assert_eq!(report.checked_targets.len(), 4, "{:#?}", report.findings);
    assert!(
        report.findings.iter().all(|f| f.rule != "ABI001"),
        "{:#?}",
        report.findings
    );
}

#[test]
fn an_installed_include_path_and_cmake_configured_headers_are_made() {
    // Modelled on libyang2-sys: `wrapper.h` includes `<libyang/libyang.h>`, laid out so only
    // by cmake's install (the file is `libyang/src/libyang.h`), which includes `ly_config.h`
    // and `version.h`, made by cmake's `configure_file` from `.h.in` files; the size in
    // `ly_config.h` is a literal `set(..)` of `CMakeLists.txt`. Needs libclang.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"yang-sys\"\nversion = \"0.1.0\"\n",
            ),
            (
                "build.rs",
                "fn main() { bindgen::Builder::default().header(\"wrapper.h\").generate(); }\n",
            ),
            ("wrapper.h", "#include <libyang/libyang.h>\n"),
            (
                "libyang/CMakeLists.txt",
                "set(LIBYANG_MAJOR_SOVERSION 3)\n\
                 set(LYD_VALUE_SIZE \"24\" CACHE STRING \"Maximum size in bytes\")\n",
            ),
            (
                "libyang/src/libyang.h",
                "#include \"ly_config.h\"\n#include \"version.h\"\n\
                 struct lyd_value { const char *canon; unsigned char fixed_mem[LYD_VALUE_FIXED_MEM_SIZE]; };\n\
                 #ifdef LY_ENABLED_COMMON\nint ly_common(void);\n#endif\n\
                 int lyd_value_get(struct lyd_value *v, int major);\n",
            ),
            (
                "libyang/src/ly_config.h.in",
                "#define LYD_VALUE_FIXED_MEM_SIZE @LYD_VALUE_SIZE@\n#cmakedefine LY_ENABLED_COMMON\n",
            ),
            (
                "libyang/src/version.h.in",
                "#define LY_VERSION_MAJOR @LIBYANG_MAJOR_SOVERSION@\n#define LY_VERSION \"@LIBYANG_SOVERSION_FULL@\"\n",
            ),
            (
                "src/lib.rs",
                "#[repr(C)] pub struct lyd_value { pub canon: *const i8, pub fixed_mem: [u8; 24] }\n\
                 extern \"C\" { pub fn lyd_value_get(v: *mut lyd_value, major: i32) -> i32; }\n",
            ),
        ],
    );
    let found = find_headers(root).expect("reads");
    assert_eq!(found.headers.len(), 1, "{:#?}", found.headers);
    let made: Vec<(&str, &MadeFrom)> = found.headers[0]
        .made
        .iter()
        .map(|m| (m.include.as_str(), &m.from))
        .collect();
    assert_eq!(made.len(), 3, "{made:#?}");
    assert!(
        matches!(made[0], ("libyang/libyang.h", MadeFrom::InstallLayout { found })
            if found == Path::new("libyang/src/libyang.h")),
        "{made:#?}"
    );
    assert!(
        made.iter().any(|m| matches!(
            m,
            (
                "ly_config.h",
                MadeFrom::Template {
                    known: 1,
                    unknown: 1,
                    ..
                }
            )
        )),
        "{made:#?}"
    );
    assert!(
        made.iter().any(|m| matches!(
            m,
            (
                "version.h",
                MadeFrom::Template {
                    known: 1,
                    unknown: 1,
                    ..
                }
            )
        )),
        "{made:#?}"
    );
    // Read on every target, with the size CMakeLists.txt sets: no layout finding.
    let report = check(root);
    assert_eq!(report.checked_targets.len(), 4, "{:#?}", report.findings);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.level != ffiguard_audit::Level::Error),
        "{:#?}",
        report.findings
    );
}
