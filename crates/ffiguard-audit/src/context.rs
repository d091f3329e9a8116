//! What a rule sees of one file: its syntax, its text, and the crate-wide model.

use crate::model::{FfiModel, ForeignFn};
use crate::span::location;
use crate::{Finding, Location, RuleMeta, SourceText};
use proc_macro2::Span;
use syn::spanned::Spanned;

/// One file under audit, handed to [`Rule::check`](crate::Rule::check).
#[derive(Clone, Copy)]
pub struct FileContext<'a> {
    /// Path relative to the audited root, with `/` separators (as in [`Location::file`]).
    pub path: &'a str,
    /// The file's text and comments.
    pub source: &'a SourceText,
    /// The parsed file. Macros are not expanded.
    pub syntax: &'a syn::File,
    /// The crate-wide model, built from every file before rules run.
    pub model: &'a FfiModel,
    /// What the file's `use` items bring into scope.
    pub imports: &'a Imports,
}

/// The names a file's `use` items bring into scope: enough to tell whether a bare call
/// `floor(x)` can name a function another crate declares.
#[derive(Debug, Default)]
pub struct Imports {
    names: std::collections::HashSet<String>,
    glob: bool,
}

impl Imports {
    /// Reads the `use` items of a file (inline modules included) that may bring another
    /// crate's items: not `use crate::..`, `use self::..` or `use super::..`.
    pub fn of(file: &syn::File) -> Imports {
        Imports::with_root(file, &|root| !matches!(root, "crate" | "self" | "super"))
    }

    /// Reads the `use` items of a file whose path starts with a segment `keep` accepts.
    pub(crate) fn with_root(file: &syn::File, keep: &dyn Fn(&str) -> bool) -> Imports {
        let mut imports = Imports::default();
        for u in crate::analysis::uses::of_file(file, &[]) {
            if !keep(u.root().unwrap_or("")) {
                continue;
            }
            match u.local_name() {
                Some(name) => {
                    imports.names.insert(name.to_owned());
                }
                None => imports.glob = true,
            }
        }
        imports
    }

    /// Whether `name` may come from another crate: imported by name, or through a glob.
    pub fn may_import(&self, name: &str) -> bool {
        self.glob || self.names.contains(name)
    }
}

/// What a call expression's callee is, as far as syntax tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callee<'m> {
    /// A function declared in an `extern` block of this crate, matched by its last path segment.
    Declared(&'m ForeignFn),
    /// A path through a module that conventionally holds bindings: `libc::`, `ffi::`, `sys::`,
    /// `bindings::` or a crate whose name ends in `_sys` (`libz_sys::deflate`).
    BindingModule,
}

impl<'a> FileContext<'a> {
    /// Location of a span in this file.
    pub fn location(&self, span: Span) -> Location {
        location(self.path, span)
    }

    /// Location of a whole syntax node (first to last token).
    pub fn location_of<T: Spanned + ?Sized>(&self, node: &T) -> Location {
        location(self.path, node.span())
    }

    /// The source text a span covers ("" for a synthetic span).
    pub fn snippet(&self, span: Span) -> &'a str {
        let loc = self.location(span);
        let start = self.source.offset(loc.line, loc.column);
        let end = self.source.offset(loc.end_line, loc.end_column);
        self.source.text().get(start..end.max(start)).unwrap_or("")
    }

    /// A finding for `meta`'s rule at `span`, at the rule's default level.
    pub fn finding(
        &self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> Finding {
        Finding::of(meta, message, self.location(span))
    }

    /// If `expr` is a call `path(args)` to a foreign function, which one.
    ///
    /// Method calls and calls through variables are not recognised (no type information).
    pub fn foreign_callee(&self, expr: &syn::Expr) -> Option<Callee<'a>> {
        let syn::Expr::Call(call) = expr else {
            return None;
        };
        let syn::Expr::Path(path) = &*call.func else {
            return None;
        };
        self.foreign_path(&path.path)
    }

    /// If `path` names a foreign function (see [`foreign_callee`](Self::foreign_callee)).
    pub fn foreign_path(&self, path: &syn::Path) -> Option<Callee<'a>> {
        let last = path.segments.last()?;
        let name = last.ident.to_string();
        let mut declared = self.model.foreign_fns_named(&name).peekable();
        // Most calls name no declaration at all: only those that do are placed.
        if declared.peek().is_some() {
            // A bare `floor(x)` names another crate's declaration only through a `use` (crates
            // audited together: region's own `page::floor` is not a libm binding elsewhere).
            // So does `io::printf(..)` when `io` is a module of this crate (rutie's wrapper).
            let local_only = match path.segments.first() {
                Some(first) if path.segments.len() > 1 => {
                    let m = first.ident.to_string();
                    matches!(m.as_str(), "crate" | "self" | "super")
                        || self.model.exposure.has_module(self.path, &m)
                            && !self.model.exposure.reexports_into(self.path, &m)
                }
                _ => !self.imports.may_import(&name),
            };
            let found = if local_only {
                declared.find(|f| crate::model::same_crate(&f.location.file, self.path))
            } else {
                declared.next()
            };
            if let Some(f) = found {
                return Some(Callee::Declared(f));
            }
        }
        let through_bindings = path.segments.iter().rev().skip(1).any(|s| {
            let name = s.ident.to_string();
            matches!(name.as_str(), "libc" | "ffi" | "sys" | "bindings" | "raw")
                || name.ends_with("_sys")
        });
        through_bindings.then_some(Callee::BindingModule)
    }

    /// The comment block directly above `line` (see [`SourceText::comment_above`]).
    pub fn comment_above(&self, line: usize) -> Option<String> {
        self.source.comment_above(line)
    }

    /// Whether the node starting at `span` is justified by a `SAFETY:` comment: in the comment
    /// block above its first line, at the end of its first line, or (for an `unsafe` block
    /// nested in a statement) above the statement's line up to three lines higher within the
    /// same comment run. The check is case-insensitive on `safety:`.
    pub fn has_safety_comment(&self, span: Span) -> bool {
        let line = self.location(span).line;
        let says_safety = |t: &str| t.to_ascii_lowercase().contains("safety:");
        if self.comment_above(line).as_deref().is_some_and(says_safety) {
            return true;
        }
        if self.source.trailing_comment(line).is_some_and(says_safety) {
            return true;
        }
        // `let x =\n    unsafe { .. }`: the comment sits above the statement's first line. Every
        // line from there down must continue that statement: a blank line, or one that ends a
        // statement or an item (`;`, `}`), means the comment belongs to something else.
        let continues = |l: usize| {
            let text = self.source.line(l).unwrap_or("").trim_end();
            !text.is_empty() && !text.ends_with(';') && !text.ends_with('}')
        };
        (1..=3).any(|up| {
            line.checked_sub(up).is_some_and(|l| {
                l >= 1
                    && !self.source.is_comment_only_line(l)
                    && self.comment_above(l).as_deref().is_some_and(says_safety)
                    && (l..line).all(continues)
            })
        })
    }
}
