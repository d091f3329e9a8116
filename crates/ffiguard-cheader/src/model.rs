//! The C model: what a set of headers declares, with sizes and offsets for one target.

use serde::Serialize;
use std::collections::BTreeMap;

/// The integer rank C spells, kept because its width is what varies across targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntRank {
    /// `char`, `signed char`, `unsigned char`.
    Char,
    /// `short`.
    Short,
    /// `int`.
    Int,
    /// `long`: 8 bytes on LP64, 4 on LLP64 and ILP32.
    Long,
    /// `long long`.
    LongLong,
    /// `__int128`.
    Int128,
    /// `wchar_t`, `char16_t`, `char32_t`.
    WideChar,
}

/// The shape of a C type, after typedefs are resolved (their names stay in [`CType::spelling`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CTypeKind {
    /// `void`.
    Void,
    /// `_Bool` / `bool`.
    Bool,
    /// Plain `char`, whose signedness is the target's.
    PlainChar {
        /// Signed on this target.
        signed: bool,
    },
    /// Any other integer type.
    Int {
        /// Signed.
        signed: bool,
        /// The C rank.
        rank: IntRank,
    },
    /// `float`, `double`, `long double`, `_Float16`, ...
    Float,
    /// A pointer.
    Pointer {
        /// What it points to.
        pointee: Box<CType>,
    },
    /// A function type (the pointee of a function pointer).
    Function(Box<Signature>),
    /// An array with a known length, or a flexible array member (`len: None`).
    Array {
        /// The element type.
        element: Box<CType>,
        /// Element count.
        len: Option<u64>,
    },
    /// A struct or union.
    Record {
        /// The tag (`struct tag`), or the typedef name of an anonymous record.
        name: String,
        /// Whether it is a union.
        union: bool,
    },
    /// An enum.
    Enum {
        /// The tag, or the typedef name of an anonymous enum.
        name: String,
    },
    /// Anything else (vectors, `_Complex`, ...): compared by size only.
    Other,
}

/// A C type as one target sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CType {
    /// The shape.
    pub kind: CTypeKind,
    /// As written in the header (`size_t`, `const char *`, `uLong`).
    pub spelling: String,
    /// Typedef names crossed while resolving, outermost first (`uLongf` → `uLong`).
    pub typedefs: Vec<String>,
    /// `sizeof`, when the type is complete.
    pub size: Option<u64>,
    /// `_Alignof`, when the type is complete.
    pub align: Option<u64>,
    /// `const`-qualified at this level.
    pub is_const: bool,
}

impl CType {
    /// Whether some typedef on the way is one whose width follows the pointer width
    /// (`size_t`, `ssize_t`, `ptrdiff_t`, `intptr_t`, `uintptr_t`).
    pub fn is_pointer_sized_typedef(&self) -> bool {
        self.typedefs.iter().any(|t| {
            matches!(
                t.as_str(),
                "size_t" | "ssize_t" | "ptrdiff_t" | "intptr_t" | "uintptr_t" | "__size_t"
            )
        })
    }

    /// Whether the type is `long` or `unsigned long` (possibly through typedefs).
    pub fn is_long(&self) -> bool {
        matches!(
            self.kind,
            CTypeKind::Int {
                rank: IntRank::Long,
                ..
            }
        )
    }
}

/// A function's parameters and result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signature {
    /// The result type.
    pub ret: CType,
    /// Parameter types in order.
    pub params: Vec<CType>,
    /// Parameter names as declared (empty strings where unnamed).
    pub param_names: Vec<String>,
    /// Ends with `...`.
    pub variadic: bool,
    /// Declared without a prototype (`int f();`): the parameters are unknown.
    pub unprototyped: bool,
}

/// Where a declaration comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The file (as libclang names it).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// In a system header (`-isystem`, the C library).
    pub system: bool,
}

/// A function declaration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Function {
    /// The name.
    pub name: String,
    /// The signature.
    pub signature: Signature,
    /// Where it is declared.
    pub origin: Origin,
}

/// A variable declared `extern` (or defined) at file scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Variable {
    /// The name.
    pub name: String,
    /// The type.
    pub ty: CType,
    /// Where it is declared.
    pub origin: Origin,
}

/// A field of a struct or union.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Field {
    /// The name; empty for an anonymous struct or union member.
    pub name: String,
    /// The type.
    pub ty: CType,
    /// Offset from the start of the record, in bits.
    pub offset_bits: u64,
    /// Width, for a bitfield.
    pub bit_width: Option<u32>,
}

/// A struct or union.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// The tag, or the typedef name of an anonymous record.
    pub name: String,
    /// Typedef names that denote this record (`typedef struct z_stream_s z_stream;`).
    pub aliases: Vec<String>,
    /// Whether it is a union.
    pub union: bool,
    /// Whether a definition was seen (opaque otherwise).
    pub complete: bool,
    /// `sizeof` (complete records only).
    pub size: Option<u64>,
    /// `_Alignof` (complete records only).
    pub align: Option<u64>,
    /// Declared `__attribute__((packed))`.
    pub packed: bool,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// Where it is defined (or first declared).
    pub origin: Origin,
}

impl Record {
    /// Whether any field is a bitfield.
    pub fn has_bitfields(&self) -> bool {
        self.fields.iter().any(|f| f.bit_width.is_some())
    }
}

/// An enum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enum {
    /// The tag, or the typedef name of an anonymous enum.
    pub name: String,
    /// Typedef names that denote this enum.
    pub aliases: Vec<String>,
    /// The integer type the compiler chose (or the one declared with `: type`).
    pub underlying: CType,
    /// Enumerators with their values.
    pub constants: Vec<(String, i128)>,
    /// Where it is defined.
    pub origin: Origin,
}

/// A `#define NAME value` whose value is an integer literal (optionally negated,
/// parenthesized or suffixed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Macro {
    /// The name.
    pub name: String,
    /// The value.
    pub value: i128,
    /// Where it is defined.
    pub origin: Origin,
}

/// Everything a header set declares, for one target.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CModel {
    /// The target's short name.
    pub target: String,
    /// Functions by name.
    pub functions: BTreeMap<String, Function>,
    /// File-scope variables by name (`extern const char *zlibVersionString;`).
    pub variables: BTreeMap<String, Variable>,
    /// Structs and unions by tag (anonymous ones by their typedef name).
    pub records: BTreeMap<String, Record>,
    /// Enums by tag (anonymous ones by their typedef name).
    pub enums: BTreeMap<String, Enum>,
    /// Typedefs by name.
    pub typedefs: BTreeMap<String, CType>,
    /// Integer constant macros by name.
    pub macros: BTreeMap<String, Macro>,
    /// Enumerator values by name (across all enums).
    pub enum_constants: BTreeMap<String, i128>,
    /// The language the headers were read as ([`parse_headers`](crate::parse_headers)).
    pub language: Language,
}

/// The language a header set was read as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Language {
    /// C, the default.
    #[default]
    C,
    /// C++, keeping the declarations of C linkage (`extern "C"`): headers of a C API that
    /// compile only as C++.
    Cpp,
}

impl CModel {
    /// The record with this tag or typedef name.
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.get(name).or_else(|| {
            self.records
                .values()
                .find(|r| r.aliases.iter().any(|a| a == name))
        })
    }

    /// The enum with this tag or typedef name.
    pub fn enumeration(&self, name: &str) -> Option<&Enum> {
        self.enums.get(name).or_else(|| {
            self.enums
                .values()
                .find(|e| e.aliases.iter().any(|a| a == name))
        })
    }

    /// The value of an integer macro or an enumerator with this name.
    pub fn constant(&self, name: &str) -> Option<i128> {
        self.macros
            .get(name)
            .map(|m| m.value)
            .or_else(|| self.enum_constants.get(name).copied())
    }
}
