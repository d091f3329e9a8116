//! Bare names a file takes from a bindings module with `use`.
//!
//! `use ffi::*;` followed by `avfilter_graph_dump(graph, ptr::null())` calls a C function even
//! when no declaration of it is in the audited tree: bindings crates such as ffmpeg-sys-next
//! generate theirs into `OUT_DIR` at build time. Rules that only trust declarations they can
//! read ([`crate::Callee::Declared`]) miss every such call; this module lets them recognise the
//! call by the `use` that brought the name in.

use std::collections::BTreeSet;

use syn::visit::Visit;

/// What a file imports from bindings modules, module by module: a `use` holds in the module
/// it is written in (function bodies count as their module), not in modules nested in it.
#[derive(Debug)]
pub(crate) struct BindingsUse {
    /// The file's root module first, then each inline `mod { .. }` in source order.
    scopes: Vec<Scope>,
    /// Indices into `scopes` of the modules being read.
    open: Vec<usize>,
}

/// One module's imports from bindings modules.
#[derive(Debug)]
struct Scope {
    /// Where the module starts and ends, as (line, column).
    start: (usize, usize),
    end: (usize, usize),
    /// A glob import of a bindings module (`use ffi::*;`).
    glob: bool,
    /// Names imported one by one from a bindings module (`use sys::{av_free, av_malloc};`),
    /// under the name they have here (the alias of a `use .. as ..`).
    names: BTreeSet<String>,
    /// Functions the module defines: a local `fn` shadows a glob import of the same name.
    defined: BTreeSet<String>,
}

impl Scope {
    fn new(start: (usize, usize), end: (usize, usize)) -> Self {
        Scope {
            start,
            end,
            glob: false,
            names: BTreeSet::new(),
            defined: BTreeSet::new(),
        }
    }
}

fn line_col(at: proc_macro2::LineColumn) -> (usize, usize) {
    (at.line, at.column)
}

impl BindingsUse {
    /// Reads every `use` item and `fn` of `file` (inline modules and function bodies included).
    pub(crate) fn of(file: &syn::File) -> Self {
        let mut found = BindingsUse {
            scopes: vec![Scope::new((0, 0), (usize::MAX, usize::MAX))],
            open: vec![0],
        };
        found.visit_file(file);
        found
    }

    /// Whether a call of `path` calls a function of a bindings module: `path` is a bare name
    /// that the innermost module around it imports from one (by name, or through a glob it
    /// does not shadow with a `fn` of the same name).
    pub(crate) fn provides(&self, path: &syn::Path) -> bool {
        if path.leading_colon.is_some() || path.segments.len() != 1 {
            return false;
        }
        let ident = &path.segments[0].ident;
        self.imports_at(&ident.to_string(), ident.span())
    }

    /// Whether `name`, written at `at`, is imported from a bindings module by the innermost
    /// module around `at` (see [`provides`](Self::provides)).
    pub(crate) fn imports_at(&self, name: &str, at: proc_macro2::Span) -> bool {
        let at = line_col(at.start());
        let Some(scope) = self
            .scopes
            .iter()
            .filter(|s| s.start <= at && at <= s.end)
            .max_by_key(|s| s.start)
        else {
            return false;
        };
        scope.names.contains(name) || (scope.glob && !scope.defined.contains(name))
    }

    fn current(&mut self) -> &mut Scope {
        let i = self.open.last().copied().unwrap_or(0);
        &mut self.scopes[i]
    }

    /// Adds what `item` imports from bindings modules to the module being read.
    fn add_use(&mut self, item: &syn::ItemUse) {
        for u in super::uses::of_item(item, &[]) {
            // `use ffmpeg_sys_next::{self as ffi}` names a bindings module itself.
            let from_bindings = match &u.imported {
                super::uses::Imported::Module { name, .. } => {
                    let mut module = u.path.clone();
                    module.push(name.clone());
                    is_bindings_module(&module)
                }
                _ => is_bindings_module(&u.path),
            };
            if !from_bindings {
                continue;
            }
            match u.local_name() {
                Some(name) => {
                    self.current().names.insert(name.to_owned());
                }
                None => self.current().glob = true,
            }
        }
    }
}

impl<'ast> Visit<'ast> for BindingsUse {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.add_use(item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.current().defined.insert(item.sig.ident.to_string());
        syn::visit::visit_item_fn(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        use syn::spanned::Spanned;
        let span = item.span();
        self.scopes
            .push(Scope::new(line_col(span.start()), line_col(span.end())));
        self.open.push(self.scopes.len() - 1);
        syn::visit::visit_item_mod(self, item);
        self.open.pop();
    }
}

/// Whether a `use` path names a module that conventionally holds C bindings: a segment `ffi`,
/// `sys`, `bindings` or `libc`, or a `-sys` crate (`libseccomp_sys`, and `ffmpeg_sys_next` for
/// ffmpeg-sys-next, but not `file_system`). The standard library's `std::ffi` and
/// `std::os::raw` hold types, not C functions.
pub(crate) fn is_bindings_module(path: &[String]) -> bool {
    let Some(first) = path.first() else {
        return false;
    };
    if matches!(first.as_str(), "std" | "core" | "alloc") {
        return false;
    }
    path.iter().any(|s| {
        matches!(s.as_str(), "ffi" | "sys" | "bindings" | "libc" | "winapi")
            || s.ends_with("_sys")
            || s.contains("_sys_")
    })
}

/// What a call calls, with a call through a bindings module resolved when the audited tree
/// declares the function in another crate: obs-wrapper's `$crate::obs_sys::blog(..)` is
/// obs-sys's variadic `blog` when both are audited together, though `crate::` keeps
/// [`FileContext::foreign_callee`](crate::FileContext::foreign_callee) to obs-wrapper's own
/// declarations.
pub(crate) fn callee_in_tree<'a>(
    cx: &crate::FileContext<'a>,
    e: &syn::Expr,
) -> Option<crate::Callee<'a>> {
    match cx.foreign_callee(e)? {
        crate::Callee::BindingModule => {
            let (segs, _) = crate::analysis::call_path(e)?;
            let declared = segs
                .last()
                .and_then(|name| cx.model.foreign_fns_named(name).next());
            Some(declared.map_or(crate::Callee::BindingModule, crate::Callee::Declared))
        }
        declared => Some(declared),
    }
}

/// Every name a pattern binds in `f`: its parameters and the identifiers of `let`, `match`,
/// `if let`, `for` and closure patterns in its body. A bare callee of that name is a value
/// bound there, not the function a bindings module's glob brings in.
pub(crate) fn bound_names(f: &crate::analysis::FnItem<'_>) -> BTreeSet<String> {
    struct Names(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut names = Names(f.params().into_iter().map(|(n, _)| n).collect());
    names.visit_block(f.block);
    names.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provides(source: &str, name: &str) -> bool {
        let file = syn::parse_file(source).expect("test source parses");
        let path: syn::Path = syn::parse_str(name).expect("test path parses");
        BindingsUse::of(&file).provides(&path)
    }

    #[test]
    fn globs_and_names_of_bindings_modules() {
        assert!(provides("use ffi::*;", "avfilter_graph_dump"));
        assert!(provides("use crate::ffi::*;", "av_free"));
        assert!(provides("use ffmpeg_sys_next::*;", "av_free"));
        assert!(provides("use sys::{av_free, av_malloc as alloc};", "alloc"));
        assert!(provides("fn f() { use libc::getenv; }", "getenv"));
    }

    #[test]
    fn other_modules_and_shadowed_names_are_not_bindings() {
        assert!(!provides("use std::ffi::*;", "c_str"));
        assert!(!provides("use crate::util::*;", "helper"));
        assert!(!provides("use crate::file_system::*;", "open_path"));
        assert!(!provides("use sys::av_free;", "av_malloc"));
        assert!(!provides("use ffi::*;\nfn name() {}", "name"));
        assert!(!provides("use ffi::*;", "ffi::av_free"));
    }

    #[test]
    fn a_use_holds_in_its_own_module_only() {
        let source = "mod a {\n    use ffi::*;\n    fn f() { av_free(p) }\n}\n\
                      mod b {\n    use util::*;\n    fn g() { av_free(p) }\n}\n";
        let file = syn::parse_file(source).expect("test source parses");
        let uses = BindingsUse::of(&file);
        let mut calls = Vec::new();
        struct Calls<'a>(&'a mut Vec<syn::Path>);
        impl<'ast> Visit<'ast> for Calls<'_> {
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                if let syn::Expr::Path(p) = &*c.func {
                    self.0.push(p.path.clone());
                }
            }
        }
        Calls(&mut calls).visit_file(&file);
        let provided: Vec<bool> = calls.iter().map(|p| uses.provides(p)).collect();
        assert_eq!(provided, [true, false]);
    }
}
