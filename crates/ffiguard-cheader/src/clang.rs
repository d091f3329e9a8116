//! A small safe layer over the libclang C API (loaded at run time through `clang-sys`).
//!
//! Lifetimes carry libclang's ownership rules: a [`Tu`] borrows the [`Index`] it was parsed
//! in, and every [`Cursor`] and [`Type`] borrows its [`Tu`], so none can outlive the memory
//! libclang keeps them in.

use crate::HeaderError;
use clang_sys::*;
use std::ffi::{CStr, CString, c_void};
use std::marker::PhantomData;
use std::os::raw::{c_int, c_uint, c_ulong};

/// Loads libclang for the calling thread (clang-sys keeps the library per thread).
pub(crate) fn ensure_loaded() -> Result<(), HeaderError> {
    if clang_sys::is_loaded() {
        return Ok(());
    }
    clang_sys::load().map_err(HeaderError::Libclang)
}

/// clang's resource directory (its builtin headers: `stddef.h`, `mm_malloc.h`, ...), found
/// next to the libclang that was loaded, by the path it was loaded from.
///
/// libclang derives it from its own file's real path, and where that is a symlink into
/// another directory (Debian: `/usr/lib/llvm-22/lib/libclang.so` →
/// `/usr/lib/x86_64-linux-gnu/libclang-22.so.22`) it looks in a directory that does not
/// exist; a target whose C library includes a builtin header (MinGW's `<stdlib.h>` includes
/// `<mm_malloc.h>`) then cannot be read.
pub(crate) fn resource_dir() -> Option<std::path::PathBuf> {
    let library = clang_sys::get_library()?;
    let dir = library.path().parent()?.join("clang");
    let mut versions: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("include").join("stddef.h").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// Converts and frees a libclang string.
fn take(s: CXString) -> String {
    // SAFETY: `s` is a live CXString just returned by libclang and not yet disposed.
    let ptr = unsafe { clang_getCString(s) };
    let text = if ptr.is_null() {
        String::new()
    } else {
        // SAFETY: non-null results of clang_getCString point to a NUL-terminated string that
        // lives until clang_disposeString, which runs below, after the copy.
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    };
    // SAFETY: `s` is disposed exactly once, here, and not used afterwards.
    unsafe { clang_disposeString(s) };
    text
}

/// A libclang index (the owner of translation units).
pub(crate) struct Index(CXIndex);

impl Index {
    /// A new index. libclang must be loaded on this thread ([`ensure_loaded`]).
    pub(crate) fn new() -> Index {
        // SAFETY: clang_createIndex has no preconditions beyond a loaded library, which the
        // only caller (`parse_headers`) ensured on this thread.
        Index(unsafe { clang_createIndex(0, 0) })
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        // SAFETY: the index came from clang_createIndex, is disposed once, and every Tu
        // borrowing it has been dropped (the borrow checker enforces that).
        unsafe { clang_disposeIndex(self.0) };
    }
}

/// A parsed translation unit.
pub(crate) struct Tu<'i> {
    raw: CXTranslationUnit,
    _index: PhantomData<&'i Index>,
}

impl Drop for Tu<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` came from a successful parse, is disposed once, and no Cursor or Type
        // borrowing it is alive.
        unsafe { clang_disposeTranslationUnit(self.raw) };
    }
}

impl<'i> Tu<'i> {
    /// Parses `file` (which may be one of the in-memory `unsaved` files) with `args`.
    pub(crate) fn parse(
        index: &'i Index,
        file: &CStr,
        args: &[CString],
        unsaved: &[(CString, CString)],
    ) -> Result<Tu<'i>, c_int> {
        let arg_ptrs: Vec<*const std::os::raw::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        let mut files: Vec<CXUnsavedFile> = unsaved
            .iter()
            .map(|(name, contents)| CXUnsavedFile {
                Filename: name.as_ptr(),
                Contents: contents.as_ptr(),
                Length: c_ulong::try_from(contents.as_bytes().len()).unwrap_or(c_ulong::MAX),
            })
            .collect();
        let nargs = c_int::try_from(arg_ptrs.len()).map_err(|_| -1)?;
        let nfiles = c_uint::try_from(files.len()).map_err(|_| -1)?;
        let mut raw: CXTranslationUnit = std::ptr::null_mut();
        let options =
            CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_SkipFunctionBodies;
        // SAFETY: every pointer is valid for the call: `file`, each argument and each unsaved
        // file's name and contents are live CStrings borrowed for this call; the arrays have
        // the counts passed; `raw` is a valid out-pointer; the index is live.
        let code = unsafe {
            clang_parseTranslationUnit2(
                index.0,
                file.as_ptr(),
                arg_ptrs.as_ptr(),
                nargs,
                files.as_mut_ptr(),
                nfiles,
                options,
                &mut raw,
            )
        };
        if code != CXError_Success || raw.is_null() {
            return Err(code);
        }
        Ok(Tu {
            raw,
            _index: PhantomData,
        })
    }

    /// Formatted diagnostics of severity error or fatal.
    pub(crate) fn errors(&self) -> Vec<String> {
        // SAFETY: the translation unit is live.
        let count = unsafe { clang_getNumDiagnostics(self.raw) };
        let mut out = Vec::new();
        for i in 0..count {
            // SAFETY: `i` is below the count libclang just reported for this live unit.
            let diag = unsafe { clang_getDiagnostic(self.raw, i) };
            // SAFETY: `diag` is a live diagnostic from the call above.
            let severity = unsafe { clang_getDiagnosticSeverity(diag) };
            if severity >= CXDiagnostic_Error {
                // SAFETY: no precondition; returns libclang's default display options.
                let options = unsafe { clang_defaultDiagnosticDisplayOptions() };
                // SAFETY: `diag` is live; the options come from libclang itself.
                let text = take(unsafe { clang_formatDiagnostic(diag, options) });
                out.push(text);
            }
            // SAFETY: `diag` is disposed once and not used again.
            unsafe { clang_disposeDiagnostic(diag) };
        }
        out
    }

    /// The root cursor.
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor {
            // SAFETY: the translation unit is live.
            raw: unsafe { clang_getTranslationUnitCursor(self.raw) },
            tu: self.raw,
            _tu: PhantomData,
        }
    }
}

/// A node of the AST.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'t> {
    raw: CXCursor,
    tu: CXTranslationUnit,
    _tu: PhantomData<&'t ()>,
}

extern "C" fn collect_child(
    cursor: CXCursor,
    _parent: CXCursor,
    data: CXClientData,
) -> CXChildVisitResult {
    // SAFETY: `data` is the `&mut Vec<CXCursor>` that `Cursor::children` passes to
    // clang_visitChildren, alive and not otherwise borrowed during the visit.
    // ffiguard: allow(FFI021) -- this visitor never calls back into libclang, so it cannot re-enter itself
    let out = unsafe { &mut *data.cast::<Vec<CXCursor>>() };
    out.push(cursor);
    CXChildVisit_Continue
}

impl<'t> Cursor<'t> {
    fn wrap(&self, raw: CXCursor) -> Cursor<'t> {
        Cursor {
            raw,
            tu: self.tu,
            _tu: PhantomData,
        }
    }

    /// The direct children.
    pub(crate) fn children(&self) -> Vec<Cursor<'t>> {
        let mut raw: Vec<CXCursor> = Vec::new();
        let data: *mut Vec<CXCursor> = &mut raw;
        // SAFETY: the cursor's unit is live; the visitor only pushes into `raw`, which
        // outlives the call and is not touched elsewhere until it returns.
        unsafe { clang_visitChildren(self.raw, collect_child, data.cast::<c_void>()) };
        raw.into_iter().map(|c| self.wrap(c)).collect()
    }

    /// The cursor kind.
    pub(crate) fn kind(&self) -> CXCursorKind {
        // SAFETY: the cursor's unit is live (lifetime `'t`).
        unsafe { clang_getCursorKind(self.raw) }
    }

    /// The name.
    pub(crate) fn spelling(&self) -> String {
        // SAFETY: the cursor's unit is live.
        take(unsafe { clang_getCursorSpelling(self.raw) })
    }

    /// The declared type.
    pub(crate) fn ty(&self) -> Type<'t> {
        // SAFETY: the cursor's unit is live.
        self.ty_of(unsafe { clang_getCursorType(self.raw) })
    }

    fn ty_of(&self, raw: CXType) -> Type<'t> {
        Type {
            raw,
            tu: self.tu,
            _tu: PhantomData,
        }
    }

    /// File, line and whether the file is a system header.
    pub(crate) fn location(&self) -> (String, u32, bool) {
        // SAFETY: the cursor's unit is live.
        let loc = unsafe { clang_getCursorLocation(self.raw) };
        let mut file: CXFile = std::ptr::null_mut();
        let mut line: c_uint = 0;
        // SAFETY: `loc` is a live location; the out-pointers are valid or null as allowed.
        unsafe {
            clang_getSpellingLocation(
                loc,
                &mut file,
                &mut line,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
        }
        // SAFETY: `loc` is a live location.
        let system = unsafe { clang_Location_isInSystemHeader(loc) } != 0;
        let name = if file.is_null() {
            String::new()
        } else {
            // SAFETY: `file` is a non-null CXFile of the live unit.
            take(unsafe { clang_getFileName(file) })
        };
        (name, line, system)
    }

    /// Whether this declaration is the definition.
    pub(crate) fn is_definition(&self) -> bool {
        // SAFETY: the cursor's unit is live.
        unsafe { clang_isCursorDefinition(self.raw) != 0 }
    }

    /// Whether a function declaration is `inline` or `static`: no external symbol a binding
    /// could link to (bodies are skipped, so a definition is not seen as one).
    pub(crate) fn is_inline_or_static(&self) -> bool {
        // SAFETY: the cursor's unit is live.
        let inline = unsafe { clang_Cursor_isFunctionInlined(self.raw) } != 0;
        // SAFETY: the cursor's unit is live.
        let static_ = unsafe { clang_Cursor_getStorageClass(self.raw) } == CX_SC_Static;
        inline || static_
    }

    /// Whether a C++ method is `virtual`.
    pub(crate) fn is_virtual_method(&self) -> bool {
        // SAFETY: the cursor's unit is live.
        unsafe { clang_CXXMethod_isVirtual(self.raw) != 0 }
    }

    /// Whether a record or enum declaration is anonymous.
    pub(crate) fn is_anonymous(&self) -> bool {
        // SAFETY: the cursor's unit is live.
        unsafe { clang_Cursor_isAnonymous(self.raw) != 0 }
    }

    /// Whether a record declaration is an anonymous member (C11's `struct { union { .. }; }`),
    /// whose fields belong to the enclosing record; false for an unnamed record that types a
    /// named field (`union { .. } u;`).
    pub(crate) fn is_anonymous_member(&self) -> bool {
        // SAFETY: the cursor's unit is live.
        unsafe { clang_Cursor_isAnonymousRecordDecl(self.raw) != 0 }
    }

    /// Bit width of a bitfield, `None` otherwise.
    pub(crate) fn bit_width(&self) -> Option<u32> {
        // SAFETY: the cursor's unit is live.
        let is_bitfield = unsafe { clang_Cursor_isBitField(self.raw) } != 0;
        if !is_bitfield {
            return None;
        }
        // SAFETY: the cursor's unit is live and the cursor is a bitfield.
        u32::try_from(unsafe { clang_getFieldDeclBitWidth(self.raw) }).ok()
    }

    /// Offset of a field in bits.
    pub(crate) fn field_offset_bits(&self) -> Option<u64> {
        // SAFETY: the cursor's unit is live.
        u64::try_from(unsafe { clang_Cursor_getOffsetOfField(self.raw) }).ok()
    }

    /// Value of an enumerator, read as signed or unsigned to match its enum.
    pub(crate) fn enum_value(&self, unsigned: bool) -> i128 {
        if unsigned {
            // SAFETY: the cursor's unit is live.
            i128::from(unsafe { clang_getEnumConstantDeclUnsignedValue(self.raw) })
        } else {
            // SAFETY: the cursor's unit is live.
            i128::from(unsafe { clang_getEnumConstantDeclValue(self.raw) })
        }
    }

    /// The integer type of an enum declaration.
    pub(crate) fn enum_integer_type(&self) -> Type<'t> {
        // SAFETY: the cursor's unit is live.
        self.ty_of(unsafe { clang_getEnumDeclIntegerType(self.raw) })
    }

    /// The type a typedef declaration names.
    pub(crate) fn typedef_underlying(&self) -> Type<'t> {
        // SAFETY: the cursor's unit is live.
        self.ty_of(unsafe { clang_getTypedefDeclUnderlyingType(self.raw) })
    }

    /// Whether a macro definition takes arguments.
    pub(crate) fn is_function_like_macro(&self) -> bool {
        // SAFETY: the cursor's unit is live.
        unsafe { clang_Cursor_isMacroFunctionLike(self.raw) != 0 }
    }

    /// The spellings of the tokens this cursor covers.
    pub(crate) fn tokens(&self) -> Vec<String> {
        // SAFETY: the cursor's unit is live.
        let range = unsafe { clang_getCursorExtent(self.raw) };
        let mut tokens: *mut CXToken = std::ptr::null_mut();
        let mut count: c_uint = 0;
        // SAFETY: the unit is live, `range` belongs to it, the out-pointers are valid.
        unsafe { clang_tokenize(self.tu, range, &mut tokens, &mut count) };
        if tokens.is_null() {
            return Vec::new();
        }
        let len = usize::try_from(count).unwrap_or(0);
        // SAFETY: libclang returned `count` tokens at `tokens`, valid until clang_disposeTokens.
        let slice = unsafe { std::slice::from_raw_parts(tokens, len) };
        let out = slice
            .iter()
            // SAFETY: each token belongs to the live unit.
            .map(|t| take(unsafe { clang_getTokenSpelling(self.tu, *t) }))
            .collect();
        // SAFETY: the tokens are disposed once, with the count libclang gave, after the last use.
        unsafe { clang_disposeTokens(self.tu, tokens, count) };
        out
    }

    /// Whether a record declaration carries `__attribute__((packed))`.
    pub(crate) fn is_packed(&self) -> bool {
        self.children()
            .iter()
            .any(|c| c.kind() == CXCursor_PackedAttr)
    }
}

/// A type, as seen in one translation unit.
#[derive(Clone, Copy)]
pub(crate) struct Type<'t> {
    raw: CXType,
    tu: CXTranslationUnit,
    _tu: PhantomData<&'t ()>,
}

impl<'t> Type<'t> {
    fn wrap(&self, raw: CXType) -> Type<'t> {
        Type {
            raw,
            tu: self.tu,
            _tu: PhantomData,
        }
    }

    /// The type kind.
    pub(crate) fn kind(&self) -> CXTypeKind {
        self.raw.kind
    }

    /// As written.
    pub(crate) fn spelling(&self) -> String {
        // SAFETY: the type's unit is live (lifetime `'t`).
        take(unsafe { clang_getTypeSpelling(self.raw) })
    }

    /// With typedefs and sugar removed.
    pub(crate) fn canonical(&self) -> Type<'t> {
        // SAFETY: the type's unit is live.
        self.wrap(unsafe { clang_getCanonicalType(self.raw) })
    }

    /// What a pointer points to.
    pub(crate) fn pointee(&self) -> Type<'t> {
        // SAFETY: the type's unit is live.
        self.wrap(unsafe { clang_getPointeeType(self.raw) })
    }

    /// The type inside an elaborated (`struct x`) type.
    pub(crate) fn named(&self) -> Type<'t> {
        // SAFETY: the type's unit is live.
        self.wrap(unsafe { clang_Type_getNamedType(self.raw) })
    }

    /// `const` at this level.
    pub(crate) fn is_const(&self) -> bool {
        // SAFETY: the type's unit is live.
        unsafe { clang_isConstQualifiedType(self.raw) != 0 }
    }

    /// `sizeof`, `None` for incomplete or dependent types.
    pub(crate) fn size(&self) -> Option<u64> {
        // SAFETY: the type's unit is live.
        u64::try_from(unsafe { clang_Type_getSizeOf(self.raw) }).ok()
    }

    /// Offset in bits of the field named `field` in this record type, looked up through
    /// anonymous members as C does; `None` when there is no such field or the record is
    /// incomplete.
    pub(crate) fn offset_of(&self, field: &str) -> Option<u64> {
        let name = CString::new(field).ok()?;
        // SAFETY: the type's unit is live; `name` is NUL-terminated and outlives the call.
        u64::try_from(unsafe { clang_Type_getOffsetOf(self.raw, name.as_ptr()) }).ok()
    }

    /// `_Alignof`, `None` for incomplete types.
    pub(crate) fn align(&self) -> Option<u64> {
        // SAFETY: the type's unit is live.
        u64::try_from(unsafe { clang_Type_getAlignOf(self.raw) }).ok()
    }

    /// The result type of a function type.
    pub(crate) fn result(&self) -> Type<'t> {
        // SAFETY: the type's unit is live.
        self.wrap(unsafe { clang_getResultType(self.raw) })
    }

    /// Parameter types of a function type (`None` without a prototype).
    pub(crate) fn args(&self) -> Option<Vec<Type<'t>>> {
        // SAFETY: the type's unit is live.
        let n = u32::try_from(unsafe { clang_getNumArgTypes(self.raw) }).ok()?;
        let mut args = Vec::new();
        for i in 0..n {
            // SAFETY: the type's unit is live and `i` is below the count just reported.
            args.push(self.wrap(unsafe { clang_getArgType(self.raw, i) }));
        }
        Some(args)
    }

    /// Whether a function type ends with `...`.
    pub(crate) fn is_variadic(&self) -> bool {
        // SAFETY: the type's unit is live.
        unsafe { clang_isFunctionTypeVariadic(self.raw) != 0 }
    }

    /// The declaration of a record, enum or typedef type.
    pub(crate) fn declaration(&self) -> Cursor<'t> {
        Cursor {
            // SAFETY: the type's unit is live.
            raw: unsafe { clang_getTypeDeclaration(self.raw) },
            tu: self.tu,
            _tu: PhantomData,
        }
    }

    /// The element type of an array.
    pub(crate) fn element(&self) -> Type<'t> {
        // SAFETY: the type's unit is live.
        self.wrap(unsafe { clang_getArrayElementType(self.raw) })
    }

    /// The length of a constant array.
    pub(crate) fn array_len(&self) -> Option<u64> {
        // SAFETY: the type's unit is live.
        u64::try_from(unsafe { clang_getArraySize(self.raw) }).ok()
    }
}
