//! Turns a libclang translation unit into a [`CModel`].

#![allow(
    non_upper_case_globals,
    reason = "libclang constant names used as patterns"
)]

use crate::clang::{Cursor, Type};
use crate::model::{
    CModel, CType, CTypeKind, Enum, Field, Function, IntRank, Language, Macro, Origin, Record,
    Signature, Variable,
};
use crate::value::parse_macro_value;
use clang_sys::*;
use std::collections::HashMap;

/// Deepest type nesting followed (pointers to functions taking pointers to ...).
const MAX_TYPE_DEPTH: u32 = 24;

/// The first function the unit declares with C++ linkage outside a system header, as its name
/// and `file:line`: a top-level or namespace-level declaration outside `extern "C"` that is not
/// `inline` or `static`. Such a header is a C++ API, whose functions are not the C symbols of
/// the same name.
pub(crate) fn cpp_linkage_function(root: &Cursor<'_>) -> Option<(String, String)> {
    let mut pending = vec![(*root, 0u32)];
    while let Some((scope, depth)) = pending.pop() {
        for c in scope.children() {
            match c.kind() {
                CXCursor_FunctionDecl if !c.location().2 && !c.is_inline_or_static() => {
                    let (file, line, _) = c.location();
                    return Some((c.spelling(), format!("{file}:{line}")));
                }
                CXCursor_Namespace if depth < MAX_TYPE_DEPTH => pending.push((c, depth + 1)),
                _ => {}
            }
        }
    }
    None
}

/// The declarations under `root`, with those of `extern "C" { .. }` blocks and namespaces
/// (seen when headers are read as C++) in their place. Read as C++, a function declared
/// outside `extern "C"` has C++ linkage (only `inline` or `static` ones pass
/// [`cpp_linkage_function`]): it is no C symbol and is left out.
fn declarations<'t>(root: &Cursor<'t>, cpp: bool) -> Vec<Cursor<'t>> {
    let mut out = Vec::new();
    // (siblings, next index, depth, inside `extern "C"`)
    let mut pending = vec![(root.children(), 0usize, 0u32, false)];
    while let Some((children, next, depth, c_linkage)) = pending.pop() {
        let Some(c) = children.get(next).copied() else {
            continue;
        };
        pending.push((children, next + 1, depth, c_linkage));
        match c.kind() {
            CXCursor_LinkageSpec | CXCursor_Namespace if depth < MAX_TYPE_DEPTH => {
                let inner = c_linkage || c.kind() == CXCursor_LinkageSpec;
                pending.push((c.children(), 0, depth + 1, inner));
            }
            CXCursor_FunctionDecl if cpp && !c_linkage => {}
            _ => out.push(c),
        }
    }
    out
}

/// Reads every top-level declaration of the unit rooted at `root`.
pub(crate) fn translate(root: &Cursor<'_>, target: &str, language: Language) -> CModel {
    let mut t = Translator {
        model: CModel {
            target: target.to_owned(),
            language,
            ..CModel::default()
        },
        anonymous: HashMap::new(),
    };
    let children = declarations(root, language == Language::Cpp);
    // Anonymous records and enums are named by the typedef that follows them: name them first
    // so that every reference (including earlier fields) uses that name.
    for c in &children {
        if c.kind() == CXCursor_TypedefDecl {
            let under = strip_sugar(c.typedef_underlying());
            let decl = under.declaration();
            if matches!(under.kind(), CXType_Record | CXType_Enum) && decl.is_anonymous() {
                t.anonymous
                    .entry(location_key(&decl))
                    .or_insert_with(|| c.spelling());
            }
        }
    }
    for c in &children {
        t.declaration(c);
    }
    t.model
}

struct Translator {
    model: CModel,
    /// Names given to anonymous records and enums, keyed by their location.
    anonymous: HashMap<String, String>,
}

fn origin(c: &Cursor<'_>) -> Origin {
    let (file, line, system) = c.location();
    Origin { file, line, system }
}

fn location_key(c: &Cursor<'_>) -> String {
    let (file, line, _) = c.location();
    format!("{file}:{line}:{}", c.spelling())
}

/// Where the anonymous member `member` of `parent` starts, in bits: the offset of its first
/// named field as seen from `parent`, less that field's offset inside the member.
fn anonymous_member_offset(parent: &Cursor<'_>, member: &Cursor<'_>) -> Option<u64> {
    let leaf = first_field_name(member, 0)?;
    parent
        .ty()
        .offset_of(&leaf)?
        .checked_sub(member.ty().offset_of(&leaf)?)
}

/// The first named field of a record, found through nested anonymous members.
fn first_field_name(record: &Cursor<'_>, depth: u32) -> Option<String> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    record
        .children()
        .into_iter()
        .find_map(|child| match child.kind() {
            CXCursor_FieldDecl if !child.spelling().is_empty() => Some(child.spelling()),
            CXCursor_StructDecl | CXCursor_UnionDecl if child.is_anonymous_member() => {
                first_field_name(&child, depth + 1)
            }
            _ => None,
        })
}

fn strip_sugar(mut ty: Type<'_>) -> Type<'_> {
    for _ in 0..MAX_TYPE_DEPTH {
        match ty.kind() {
            CXType_Elaborated => ty = ty.named(),
            _ => break,
        }
    }
    ty
}

impl Translator {
    fn declaration(&mut self, c: &Cursor<'_>) {
        match c.kind() {
            CXCursor_FunctionDecl => {
                let name = c.spelling();
                if self.model.functions.contains_key(&name) {
                    return;
                }
                let mut signature = self.signature(c.ty(), 0);
                signature.param_names = c
                    .children()
                    .iter()
                    .filter(|p| p.kind() == CXCursor_ParmDecl)
                    .map(Cursor::spelling)
                    .collect();
                let origin = origin(c);
                self.model.functions.insert(
                    name.clone(),
                    Function {
                        name,
                        signature,
                        origin,
                    },
                );
            }
            CXCursor_VarDecl => {
                let name = c.spelling();
                if !self.model.variables.contains_key(&name) {
                    let ty = self.ctype(c.ty(), 0);
                    let origin = origin(c);
                    self.model
                        .variables
                        .insert(name.clone(), Variable { name, ty, origin });
                }
            }
            CXCursor_StructDecl | CXCursor_UnionDecl | CXCursor_ClassDecl => self.record(c, None),
            CXCursor_EnumDecl => self.enumeration(c),
            CXCursor_TypedefDecl => self.typedef(c),
            CXCursor_MacroDefinition if !c.is_function_like_macro() => {
                let tokens = c.tokens();
                if let Some(value) = tokens.get(1..).and_then(parse_macro_value) {
                    let name = c.spelling();
                    let origin = origin(c);
                    self.model.macros.insert(
                        name.clone(),
                        Macro {
                            name,
                            value,
                            origin,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    /// The hidden pointer to a C++ class's virtual table, as a `void *` of the target's width.
    fn vtable_pointer(&self) -> CType {
        let bytes = crate::Target::named(&self.model.target).map(|t| t.pointer_bytes);
        let void = CType {
            kind: CTypeKind::Void,
            spelling: "void".to_owned(),
            typedefs: Vec::new(),
            size: None,
            align: None,
            is_const: false,
        };
        CType {
            kind: CTypeKind::Pointer {
                pointee: Box::new(void),
            },
            spelling: "void *".to_owned(),
            typedefs: Vec::new(),
            size: bytes,
            align: bytes,
            is_const: false,
        }
    }

    fn decl_name(&self, decl: &Cursor<'_>) -> String {
        if decl.is_anonymous() {
            self.anonymous
                .get(&location_key(decl))
                .cloned()
                .unwrap_or_else(|| "(anonymous)".to_owned())
        } else {
            decl.spelling()
        }
    }

    fn record(&mut self, c: &Cursor<'_>, name: Option<String>) {
        let name = name.unwrap_or_else(|| self.decl_name(c));
        let complete = c.is_definition();
        if self
            .model
            .records
            .get(&name)
            .is_some_and(|r| r.complete || !complete)
        {
            return;
        }
        let mut fields = Vec::new();
        let mut nested = 0;
        let mut bases = Vec::new();
        let mut dynamic = false;
        for child in c.children() {
            match child.kind() {
                CXCursor_StructDecl | CXCursor_UnionDecl
                    if child.is_anonymous() && child.is_definition() =>
                {
                    // bindgen names nested anonymous records `Parent__bindgen_ty_N`.
                    nested += 1;
                    let nested_name = format!("{name}__bindgen_ty_{nested}");
                    self.anonymous
                        .insert(location_key(&child), nested_name.clone());
                    self.record(&child, Some(nested_name));
                    if child.is_anonymous_member() {
                        // libclang does not visit the implicit field of an anonymous member;
                        // bindgen writes it as `__bindgen_anon_N`, so it is a field here too,
                        // with an empty name.
                        fields.push(Field {
                            name: String::new(),
                            ty: self.ctype(child.ty(), 0),
                            offset_bits: anonymous_member_offset(c, &child).unwrap_or(0),
                            bit_width: None,
                        });
                    }
                }
                CXCursor_FieldDecl => fields.push(Field {
                    name: child.spelling(),
                    ty: self.ctype(child.ty(), 0),
                    offset_bits: child.field_offset_bits().unwrap_or(0),
                    bit_width: child.bit_width(),
                }),
                CXCursor_CXXBaseSpecifier => bases.push(child),
                CXCursor_CXXMethod if child.is_virtual_method() => dynamic = true,
                _ => {}
            }
        }
        // A C++ class (headers read as C++) lays out what bindgen writes as fields: its first
        // base class (`_base`), else the pointer to its virtual table (`vtable_`), first.
        if let Some(base) = bases.first() {
            fields.insert(
                0,
                Field {
                    name: "_base".to_owned(),
                    ty: self.ctype(base.ty(), 0),
                    offset_bits: 0,
                    bit_width: None,
                },
            );
        } else if dynamic {
            fields.insert(
                0,
                Field {
                    name: "vtable_".to_owned(),
                    ty: self.vtable_pointer(),
                    offset_bits: 0,
                    bit_width: None,
                },
            );
        }
        let ty = c.ty();
        let record = Record {
            name: name.clone(),
            aliases: Vec::new(),
            union: c.kind() == CXCursor_UnionDecl,
            complete,
            size: if complete { ty.size() } else { None },
            align: if complete { ty.align() } else { None },
            packed: c.is_packed(),
            fields,
            origin: origin(c),
        };
        let aliases = self
            .model
            .records
            .remove(&name)
            .map(|old| old.aliases)
            .unwrap_or_default();
        self.model
            .records
            .insert(name, Record { aliases, ..record });
    }

    fn enumeration(&mut self, c: &Cursor<'_>) {
        let name = self.decl_name(c);
        if !c.is_definition() || self.model.enums.contains_key(&name) {
            return;
        }
        let underlying = self.ctype(c.enum_integer_type(), 0);
        let unsigned = matches!(
            underlying.kind,
            CTypeKind::Int { signed: false, .. } | CTypeKind::PlainChar { signed: false }
        );
        let constants: Vec<(String, i128)> = c
            .children()
            .iter()
            .filter(|k| k.kind() == CXCursor_EnumConstantDecl)
            .map(|k| (k.spelling(), k.enum_value(unsigned)))
            .collect();
        for (k, v) in &constants {
            self.model.enum_constants.insert(k.clone(), *v);
        }
        let origin = origin(c);
        self.model.enums.insert(
            name.clone(),
            Enum {
                name,
                aliases: Vec::new(),
                underlying,
                constants,
                origin,
            },
        );
    }

    fn typedef(&mut self, c: &Cursor<'_>) {
        let name = c.spelling();
        let under = strip_sugar(c.typedef_underlying());
        let ty = self.ctype(c.typedef_underlying(), 0);
        match under.kind() {
            CXType_Record => {
                let target = self.decl_name(&under.declaration());
                if target != name {
                    if let Some(r) = self.model.records.get_mut(&target) {
                        r.aliases.push(name.clone());
                    } else {
                        // `typedef struct opaque opaque_t;` with no struct declaration seen
                        // at top level yet: declare it so the alias is known.
                        self.record(&under.declaration(), Some(target.clone()));
                        if let Some(r) = self.model.records.get_mut(&target) {
                            r.aliases.push(name.clone());
                        }
                    }
                }
            }
            CXType_Enum => {
                let target = self.decl_name(&under.declaration());
                if let Some(e) = self.model.enums.get_mut(&target)
                    && target != name
                {
                    e.aliases.push(name.clone());
                }
            }
            _ => {}
        }
        self.model.typedefs.insert(name, ty);
    }

    fn signature(&self, fn_type: Type<'_>, depth: u32) -> Signature {
        let canon = fn_type.canonical();
        // The written type keeps typedef names (`size_t`) that the canonical one has lost.
        let params = fn_type.args().or_else(|| canon.args());
        Signature {
            ret: self.ctype(fn_type.result(), depth + 1),
            unprototyped: canon.kind() == CXType_FunctionNoProto,
            params: params
                .unwrap_or_default()
                .into_iter()
                .map(|p| adjust_param(self.ctype(p, depth + 1)))
                .collect(),
            param_names: Vec::new(),
            variadic: canon.is_variadic(),
        }
    }

    /// Converts a type, keeping the typedef names crossed on the way.
    fn ctype(&self, ty: Type<'_>, depth: u32) -> CType {
        let spelling = ty.spelling();
        let is_const = ty.is_const();
        let (size, align) = if matches!(
            ty.canonical().kind(),
            CXType_LValueReference | CXType_RValueReference
        ) {
            // `sizeof` of a reference is its referent's: the reference itself is a pointer.
            (None, None)
        } else {
            (ty.size(), ty.align())
        };
        let mut typedefs = Vec::new();
        let mut cur = ty;
        for _ in 0..MAX_TYPE_DEPTH {
            match cur.kind() {
                CXType_Elaborated => cur = cur.named(),
                CXType_Typedef => {
                    let decl = cur.declaration();
                    typedefs.push(decl.spelling());
                    cur = decl.typedef_underlying();
                }
                _ => break,
            }
        }
        let kind = if depth > MAX_TYPE_DEPTH {
            CTypeKind::Other
        } else {
            self.kind_of(cur, depth)
        };
        CType {
            kind,
            spelling,
            typedefs,
            size,
            align,
            is_const,
        }
    }

    fn kind_of(&self, cur: Type<'_>, depth: u32) -> CTypeKind {
        let canon = cur.canonical();
        let int = |signed, rank| CTypeKind::Int { signed, rank };
        match canon.kind() {
            CXType_Void => CTypeKind::Void,
            CXType_Bool => CTypeKind::Bool,
            CXType_Char_S => CTypeKind::PlainChar { signed: true },
            CXType_Char_U => CTypeKind::PlainChar { signed: false },
            CXType_SChar => int(true, IntRank::Char),
            CXType_UChar => int(false, IntRank::Char),
            CXType_Short => int(true, IntRank::Short),
            CXType_UShort => int(false, IntRank::Short),
            CXType_Int => int(true, IntRank::Int),
            CXType_UInt => int(false, IntRank::Int),
            CXType_Long => int(true, IntRank::Long),
            CXType_ULong => int(false, IntRank::Long),
            CXType_LongLong => int(true, IntRank::LongLong),
            CXType_ULongLong => int(false, IntRank::LongLong),
            CXType_Int128 => int(true, IntRank::Int128),
            CXType_UInt128 => int(false, IntRank::Int128),
            CXType_WChar => int(true, IntRank::WideChar),
            CXType_Char16 | CXType_Char32 => int(false, IntRank::WideChar),
            CXType_Float | CXType_Double | CXType_LongDouble | CXType_Half | CXType_Float16
            | CXType_Float128 => CTypeKind::Float,
            // A C++ reference is passed and laid out as a pointer.
            CXType_LValueReference | CXType_RValueReference => CTypeKind::Pointer {
                pointee: Box::new(self.ctype(cur.pointee(), depth + 1)),
            },
            CXType_Pointer | CXType_BlockPointer => {
                let pointee = if cur.kind() == CXType_Pointer {
                    cur.pointee()
                } else {
                    canon.pointee()
                };
                CTypeKind::Pointer {
                    pointee: Box::new(self.ctype(pointee, depth + 1)),
                }
            }
            CXType_FunctionProto | CXType_FunctionNoProto => {
                CTypeKind::Function(Box::new(self.signature(cur, depth + 1)))
            }
            CXType_ConstantArray => CTypeKind::Array {
                element: Box::new(self.ctype(cur.element(), depth + 1)),
                len: cur.array_len(),
            },
            CXType_IncompleteArray => CTypeKind::Array {
                element: Box::new(self.ctype(cur.element(), depth + 1)),
                len: None,
            },
            CXType_Record => {
                let decl = canon.declaration();
                CTypeKind::Record {
                    name: self.decl_name(&decl),
                    union: decl.kind() == CXCursor_UnionDecl,
                }
            }
            CXType_Enum => CTypeKind::Enum {
                name: self.decl_name(&canon.declaration()),
            },
            _ => CTypeKind::Other,
        }
    }
}

/// C adjusts a parameter declared as an array to a pointer to its element (C11 6.7.6.3p7):
/// `const unsigned char data[]` and `char s[20]` are `const unsigned char *` and `char *`.
fn adjust_param(c: CType) -> CType {
    match c.kind {
        CTypeKind::Array { element, .. } => CType {
            kind: CTypeKind::Pointer { pointee: element },
            size: None,
            align: None,
            ..c
        },
        _ => c,
    }
}
