//! The ABI cross-check's rules: identity and documentation, in the same shape as every other
//! rule (`cargo ffiguard explain ABI003`). The checks themselves live in
//! `abi::functions` and `abi::records`, because they need the C
//! headers, which a per-file [`Rule`](crate::Rule) never sees.

use crate::{Confidence, Level, RuleDocs, RuleMeta};

/// An `extern` function no header declares.
pub static UNDECLARED_FUNCTION: RuleMeta = RuleMeta {
    id: "ABI001",
    name: "undeclared-c-function",
    summary: "an `extern` function or static is declared by none of the headers its bindings belong to",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "Looks up every function of an `extern \"C\"` block (by `#[link_name]` when given) and \
every `extern` static in the C model of the configured headers, for every target, and reports those \
that no header declares. Declarations under a `cfg` the audit cannot evaluate (a crate feature, a \
custom `--cfg`) are reported at level info: they may bind another variant of the library.",
        why_is_this_bad: "A function the header does not declare was typed by guesswork: its signature cannot \
be checked, and it may not exist in the library at all (a link error at best, a call into the wrong \
symbol at worst).",
        known_problems: "Functions declared by a header that is not configured (a second header of the \
library, a platform header) are reported; add that header to the configuration.",
        example_bad: "unsafe extern \"C\" {\n    // zlib.h has `compress`, not `compress3`\n    \
pub fn compress3(dest: *mut u8, dest_len: *mut c_ulong, src: *const u8, src_len: c_ulong) -> c_int;\n}",
        example_good: "unsafe extern \"C\" {\n    \
pub fn compress(dest: *mut u8, dest_len: *mut c_ulong, src: *const u8, src_len: c_ulong) -> c_int;\n}",
        fix: "Fix the name (or its `#[link_name]`), add the header that declares it to \
`[package.metadata.ffiguard] headers`, or remove the declaration.",
    },
};

/// Parameter count or variadic-ness differs.
pub static ARITY_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI002",
    name: "arity-mismatch",
    summary: "an `extern` function has a different number of parameters, or variadic-ness, than in C",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Compares the parameter count and the trailing `...` of each `extern` function with \
its C prototype.",
        why_is_this_bad: "The callee reads arguments the caller never passed (garbage from registers or the \
stack), or ignores some. Variadic and non-variadic calls use different conventions on several ABIs \
(x86_64 sets `%al`; Apple arm64 passes variadic arguments on the stack), so a `...` mismatch corrupts \
arguments even when the count is right.",
        known_problems: "Unprototyped C declarations (`int f();` before C23) are skipped.",
        example_bad: "unsafe extern \"C\" {\n    pub fn sqlite3_mprintf(fmt: *const c_char) -> *mut c_char;\n}",
        example_good: "unsafe extern \"C\" {\n    pub fn sqlite3_mprintf(fmt: *const c_char, ...) -> *mut c_char;\n}",
        fix: "Copy the parameter list from the header (or regenerate the bindings).",
    },
};

/// A parameter, return, or field type differs in size, kind or pointer depth.
pub static TYPE_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI003",
    name: "type-mismatch",
    summary: "a parameter, return or field type does not match C in size, kind or pointer depth",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Resolves each Rust type of a binding (`c_int`, `libc::size_t`, crate-local aliases, \
function pointers, `Option<fn>`) to its size on every configured target, and compares it with the C \
type from the header: size, integer vs float vs pointer vs record, pointer depth, the record a pointer \
points to, `_Bool` vs `int`, and function-pointer signatures. A Rust declaration without the result \
C returns is reported too: as a warning where the value is only left unread in its register (an \
`int`, a pointer), as an error where C returns a struct or union (possibly through a hidden pointer \
argument the Rust caller does not pass) or a float on i686 (left on the x87 stack, never popped).",
        why_is_this_bad: "The two sides disagree about the bits: a 4-byte `c_int` passed where C reads an \
8-byte `size_t` leaves the upper half as garbage; an `f64` return read from where C left an `int` \
returns whatever the FPU register held; a struct pointer to the wrong struct is reinterpreted memory.",
        known_problems: "Types the audit cannot resolve without compiling (paths into other crates than \
`std`/`core`/`libc`, generic types) are not compared.",
        example_bad: "// C: int deflateBound_like(z_streamp strm, size_t len);\n\
pub fn deflate_bound_like(strm: *mut z_stream, len: c_uint) -> f64;",
        example_good: "pub fn deflate_bound_like(strm: *mut z_stream, len: usize) -> c_int;",
        fix: "Use the C-named type the header uses (`c_long`, `usize` for `size_t`, `c_char`), or \
regenerate the bindings.",
    },
};

/// Same size, different signedness.
pub static SIGNEDNESS_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI004",
    name: "signedness-mismatch",
    summary: "an integer passed by value has the right size but the wrong signedness",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports integer parameters, returns and fields whose size matches C but whose \
signedness does not (`u32` for `int`). Pointees are not compared (`*const u8` for `const char *` is \
common and harmless).",
        why_is_this_bad: "Values above `i32::MAX` turn negative on the other side, so range checks and \
error-code tests (`< 0`) go the wrong way; ABIs that extend small arguments (x86_64 for `char` and \
`short` under clang, RISC-V for 32-bit values) extend with the declared signedness.",
        known_problems: "Flag words declared `int` in C and `u32` in Rust on purpose are reported; suppress \
with a reason.",
        example_bad: "// C: int lg_get_int(lg_store *s, const char *key, long *out);\npub fn lg_get_int(s: *mut lg_store, key: *const c_char, out: *mut c_long) -> c_uint;",
        example_good: "pub fn lg_get_int(s: *mut lg_store, key: *const c_char, out: *mut c_long) -> c_int;",
        fix: "Use the type with the header's signedness and convert explicitly where the value is used.",
    },
};

/// The binding promises not to write where C writes.
pub static CONSTNESS_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI005",
    name: "constness-mismatch",
    summary: "a `*const` pointer is passed where C takes a non-const pointer and may write through it",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "Compares `const` at every pointer level of parameters and returns: a Rust `*const T` \
for a C `T *` is reported. (`*mut T` for `const T *` is allowed: it only gives up a guarantee.)",
        why_is_this_bad: "The binding lets safe wrappers pass pointers derived from `&T`; C writing through \
them mutates memory Rust assumes immutable, which is undefined behaviour.",
        known_problems: "Old C APIs that take `char *` without writing (e.g. pre-const interfaces) are \
reported; suppress with a reason that names the documentation.",
        example_bad: "// C: int inflate(z_streamp strm, int flush);\npub fn inflate(strm: *const z_stream, flush: c_int) -> c_int;",
        example_good: "pub fn inflate(strm: *mut z_stream, flush: c_int) -> c_int;",
        fix: "Use `*mut` where C is non-const.",
    },
};

/// Right on some targets, wrong on others.
pub static TARGET_DEPENDENT_WIDTH: RuleMeta = RuleMeta {
    id: "ABI006",
    name: "target-dependent-width",
    summary: "a binding is right on some targets and wrong on others (`long`, `size_t`, `char`)",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports a parameter, return or field whose type matches C on some of the checked \
targets but not on others, and lists where it is wrong: `i64` for `long` (wrong on 32-bit targets and \
64-bit Windows), `u32` for `size_t` (wrong on every 64-bit target), `i8` for `char` (wrong signedness \
on aarch64 Linux).",
        why_is_this_bad: "The tests pass on the developer's machine and the program corrupts arguments \
and struct fields on the next platform. bindgen bakes one target's sizes into committed bindings the \
same way.",
        known_problems: "Only the targets configured (default: x86_64 and i686 Linux, aarch64 Linux, \
x86_64 Windows) are compared.",
        example_bad: "// C: unsigned long crc32(unsigned long crc, const unsigned char *buf, unsigned int len);\n\
pub fn crc32(crc: u64, buf: *const u8, len: c_uint) -> u64;",
        example_good: "pub fn crc32(crc: c_ulong, buf: *const u8, len: c_uint) -> c_ulong;",
        fix: "Use the C-named type (`c_long`, `c_ulong`, `usize` for `size_t`, `c_char`), whose width \
follows the target like C's.",
    },
};

/// A `repr(C)` struct or union disagrees with the header's layout.
pub static RECORD_LAYOUT_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI007",
    name: "record-layout-mismatch",
    summary: "a struct or union differs from the header in fields, order, types, offsets or size",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Matches each Rust struct and union with the C record of the same tag or typedef \
name, and compares on every target: the field list (missing, extra, reordered), each field's type, \
each field's offset and the total size and alignment (computed with `repr(C)` rules, including \
`packed` and `align`). Records with bitfields are compared by size and alignment.",
        why_is_this_bad: "C reads and writes the struct at the header's offsets. A missing field shifts \
every field after it; a short struct lets C write past the Rust allocation.",
        known_problems: "Fields whose types cannot be resolved end the offset comparison for the fields \
after them.",
        example_bad: "// C: typedef struct lg_stats { char kind; long entries; _Bool dirty; long bytes; } lg_stats;\n\
#[repr(C)]\npub struct lg_stats { pub kind: c_char, pub entries: c_long, pub bytes: c_long }",
        example_good: "#[repr(C)]\npub struct lg_stats { pub kind: c_char, pub entries: c_long, pub dirty: bool, pub bytes: c_long }",
        fix: "Copy the fields from the header in order, with C-named types; generate layout assertions \
with `cargo ffiguard layout-tests` so the build catches the next drift.",
    },
};

/// A type that C sees has Rust's unspecified layout.
pub static MISSING_REPR_C: RuleMeta = RuleMeta {
    id: "ABI008",
    name: "missing-repr-c",
    summary: "a struct, union or enum that mirrors a C type has no `#[repr(C)]` (or integer repr)",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports Rust structs, unions and enums named like a record or enum of the headers \
that carry no `repr` fixing their layout.",
        why_is_this_bad: "Rust may reorder fields and pick any enum size; the layout happens to match until \
a compiler upgrade or a new field reorders it.",
        known_problems: "A Rust type that only shares its name with a C type is reported.",
        example_bad: "pub struct lg_stats { pub kind: c_char, pub entries: c_long }",
        example_good: "#[repr(C)]\npub struct lg_stats { pub kind: c_char, pub entries: c_long }",
        fix: "Add `#[repr(C)]` (structs, unions) or the integer `repr` of the C enum's underlying type.",
    },
};

/// An enum's values or size differ.
pub static ENUM_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI009",
    name: "enum-mismatch",
    summary: "a Rust enum's discriminants or representation differ from the C enum",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Compares each Rust enum named like a C enum: its `repr` size with the C enum's \
underlying type on every target, and each variant's discriminant (explicit or implied) with the C \
enumerator of the same name.",
        why_is_this_bad: "A C value with no Rust variant, or a variant with the wrong discriminant, makes \
reading the enum from C undefined behaviour or silently changes its meaning; a wrong size corrupts \
neighbouring fields and arguments.",
        known_problems: "Variants are matched by name: a renamed variant is reported as missing.",
        example_bad: "#[repr(u8)]\npub enum fx_color { FX_RED = 1, FX_GREEN = 3 }",
        example_good: "#[repr(u32)]\npub enum fx_color { FX_RED = 1, FX_GREEN = 2 }",
        fix: "Copy the values from the header, use the C enum's underlying type as `repr`, or bind the \
enum as an integer type with constants (bindgen's default) when C may produce other values.",
    },
};

/// A constant differs from the macro or enumerator of the same name.
pub static CONSTANT_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI010",
    name: "constant-mismatch",
    summary: "a Rust constant differs from the C macro or enumerator of the same name",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Compares integer `const` items with the integer macros and enumerators of the \
headers that have the same name.",
        why_is_this_bad: "Flags and error codes copied by hand drift when the header changes: the binding \
tests for an error C no longer returns, or sets a flag that now means something else.",
        known_problems: "Only macros whose body is an integer literal are modelled.",
        example_bad: "pub const LG_ERR_RANGE: c_int = -5; // header: #define LG_ERR_RANGE (-4)",
        example_good: "pub const LG_ERR_RANGE: c_int = -4;",
        fix: "Take the value from the header (or regenerate the bindings).",
    },
};

/// A header function nothing binds.
pub static UNBOUND_FUNCTION: RuleMeta = RuleMeta {
    id: "ABI011",
    name: "unbound-c-function",
    summary: "a function of a configured header has no `extern` declaration",
    default_level: Level::Info,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "Lists functions of the library's own headers (the configured headers and the other \
non-system headers in their directories and the include directories) that no `extern` block declares.",
        why_is_this_bad: "Not a bug by itself: bindings often cover part of an API. It tells hand-written \
bindings which functions a header update added.",
        known_problems: "Functions bound through another crate are listed.",
        example_bad: "// header declares lg_checksum(); the bindings do not",
        example_good: "unsafe extern \"C\" { pub fn lg_checksum(store: *const lg_store) -> c_uint; }",
        fix: "Bind it if the crate needs it; otherwise set this rule to `allow`.",
    },
};

/// The headers could not be read for a target.
pub static HEADER_UNREADABLE: RuleMeta = RuleMeta {
    id: "ABI012",
    name: "header-unreadable",
    summary: "the configured headers could not be read for a target, so it was not cross-checked",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports, per target, headers that libclang could not read: a missing header or \
include, a syntax error, or a missing C library for that target.",
        why_is_this_bad: "The bindings were not checked for that target; a clean report would be a false \
promise.",
        known_problems: "None known.",
        example_bad: "# Cargo.toml\n# [package.metadata.ffiguard]\n# headers = [\"csrc/missing.h\"]",
        example_good: "# [package.metadata.ffiguard]\n# headers = [\"csrc/legacy.h\"]\n# include = [\"csrc\"]",
        fix: "Fix the header path, add the include directories (`include = [..]`) and defines the \
build uses, or install the target's C library headers (for a missing C library header such as \
`stdio.h` the message names the Debian package).",
    },
};

/// A bindings file generated for one platform, compared only on the targets it fits.
pub static PLATFORM_BINDINGS: RuleMeta = RuleMeta {
    id: "ABI013",
    name: "platform-bindings",
    summary: "a bindings file was generated for one platform, so it is cross-checked only on the targets it fits",
    default_level: Level::Info,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "Reads what a generator wrote into a bindings file about the machine it ran on \
(`pub type wchar_t = c_ushort` on Windows, `size_t` as `c_ulonglong` on 64-bit Windows, `c_ulong` on \
64-bit Unix, `c_uint` on 32-bit targets, records of one C library such as MSVC's `_iobuf` or \
glibc's `__fsid_t`) and, when the signs agree, compares the file only on the targets that fit. \
A file brought in by `#[cfg(..)] include!(..)` or `#[cfg(..)] mod ..;` is compared under that \
`cfg` too. This finding says which file was restricted, why, and where it was compared.",
        why_is_this_bad: "Not a bug where the crate picks the file per platform. Where it does not, the \
bindings are wrong on every other platform: regenerate them there, or generate them at build time.",
        known_problems: "A hand-written file that spells `size_t` as `c_ulong` is taken for 64-bit Unix.",
        example_bad: "// src/lib.rs, generated on Windows and compiled everywhere\n\
pub type wchar_t = ::std::os::raw::c_ushort;\npub type size_t = ::std::os::raw::c_ulonglong;",
        example_good: "// build.rs runs bindgen for the target, or the crate picks a file per target:\n\
#[cfg(windows)]\ninclude!(\"bindings_windows.rs\");",
        fix: "Generate the bindings per target (in `build.rs`, or one file per target chosen by \
`cfg`), or set this rule to `allow` when the crate supports that one platform only.",
    },
};

/// Fields named or grouped differently from C over the same layout.
pub static FIELD_NAMES_DIFFER: RuleMeta = RuleMeta {
    id: "ABI014",
    name: "field-names-differ",
    summary: "a record's fields are named or grouped differently from C, over the same layout",
    default_level: Level::Info,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "When a Rust record's field names differ from the header's, compares the two as \
runs of scalars (integers, floats and pointers at their offsets, arrays and nested structs \
expanded). If the runs, the size and the alignment agree, the difference is reported here, at \
level info, instead of as ABI007.",
        why_is_this_bad: "Not an ABI difference: the bytes mean the same to both sides. It tells of a \
header update that renamed a reserved field or put a new field into padding, which the Rust side \
may want to expose.",
        known_problems: "Two integers of the same width that swapped places (and meanings) look the same.",
        example_bad: "// C (xz 5.4): uint64_t seek_pos;\npub reserved_int1: u64,",
        example_good: "pub seek_pos: u64,",
        fix: "Rename the fields as the header does, or set this rule to `allow`.",
    },
};

/// Every rule of the cross-check, in id order.
pub static ALL: &[&RuleMeta] = &[
    &UNDECLARED_FUNCTION,
    &ARITY_MISMATCH,
    &TYPE_MISMATCH,
    &SIGNEDNESS_MISMATCH,
    &CONSTNESS_MISMATCH,
    &TARGET_DEPENDENT_WIDTH,
    &RECORD_LAYOUT_MISMATCH,
    &MISSING_REPR_C,
    &ENUM_MISMATCH,
    &CONSTANT_MISMATCH,
    &UNBOUND_FUNCTION,
    &HEADER_UNREADABLE,
    &PLATFORM_BINDINGS,
    &FIELD_NAMES_DIFFER,
];
