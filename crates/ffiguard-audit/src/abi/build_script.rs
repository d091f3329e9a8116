//! What a build script says about the C side, read without running it: bindgen's
//! `.header(..)` and `.clang_arg(..)`, cc's `.file(..)`, `.include(..)` and `.define(..)`.
//!
//! Arguments are evaluated as far as the script can be read to produce them: literals, local
//! variables bound to such values, `format!`/`concat!` of them, `env!("CARGO_MANIFEST_DIR")`,
//! `env::var("CARGO_MANIFEST_DIR")`, `env::current_dir()` (cargo runs the script in the crate
//! directory) and `Path::new(..)`/`PathBuf::from(..)` with `.join(..)`/`.push(..)`. Paths under
//! `OUT_DIR` are dropped (generated at build time, not in the crate); paths joined onto a
//! directory the script computes some other way are kept only where they exist in the crate.
//!
//! Defines carry the conditions they sit under (`if cfg!(..)`, `#[cfg(..)]`,
//! `env::var("CARGO_FEATURE_..")`, `CARGO_CFG_TARGET_..` comparisons), so that a define is
//! applied only on the targets and default features where the build would apply it.

use std::collections::HashMap;
use syn::visit::Visit;

/// Marks, in a [`Value`]'s text, where the base directory goes.
const BASE: char = '\0';

/// Where a path the build script builds starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    /// No directory: the text is a literal (a relative path is relative to the crate).
    Literal,
    /// The crate directory.
    Crate,
    /// A directory computed some other way (a path under it is trusted only if it exists).
    Unknown,
    /// `OUT_DIR`: generated at build time.
    OutDir,
}

/// A string value of the build script: text in which [`BASE`] marks the base directory.
#[derive(Clone, Debug)]
struct Value {
    base: Base,
    text: String,
}

impl Value {
    fn literal(text: impl Into<String>) -> Value {
        Value {
            base: Base::Literal,
            text: text.into(),
        }
    }

    fn dir(base: Base) -> Value {
        Value {
            base,
            text: BASE.to_string(),
        }
    }

    /// Concatenates two values; at most one may have a base directory.
    fn concat(self, other: Value) -> Option<Value> {
        let base = match (self.base, other.base) {
            (Base::Literal, b) | (b, Base::Literal) => b,
            _ => return None,
        };
        Some(Value {
            base,
            text: self.text + &other.text,
        })
    }

    /// `self.join(part)`: an absolute `part` replaces the path, as `Path::join` does.
    fn join(self, part: Value) -> Option<Value> {
        if part.base != Base::Literal {
            return None;
        }
        if part.text.starts_with('/') {
            return Some(part);
        }
        if self.text.is_empty() || self.text.ends_with('/') {
            return self.concat(part);
        }
        self.concat(Value::literal("/"))?.concat(part)
    }

    /// The value as a path in the crate, if it can be one.
    fn to_path(&self) -> Option<ScriptPath> {
        let (certain, rest) = match self.base {
            Base::Literal => return Some(ScriptPath::new(&self.text, true)),
            Base::OutDir => return None,
            Base::Crate => (true, self.text.split_once(BASE)?),
            Base::Unknown => (false, self.text.split_once(BASE)?),
        };
        // Text before the directory (`-I` of a flag) is not part of a path.
        if !rest.0.is_empty() {
            return None;
        }
        Some(ScriptPath::new(rest.1.trim_start_matches('/'), certain))
    }
}

/// A path the build script names, relative to the crate (or absolute).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScriptPath {
    /// The path (`.` for the crate directory itself).
    pub(crate) path: String,
    /// False when it was joined onto a directory the script computes (it is only trusted
    /// where it exists in the crate).
    pub(crate) certain: bool,
}

impl ScriptPath {
    fn new(path: &str, certain: bool) -> ScriptPath {
        let path = path.strip_prefix("./").unwrap_or(path);
        ScriptPath {
            path: if path.is_empty() { "." } else { path }.to_owned(),
            certain,
        }
    }
}

/// The condition a value of the build script sits under.
#[derive(Clone, Debug, Default)]
pub(crate) struct Condition {
    /// `cfg` predicates, all of which must hold (`feature = ".."` included).
    pub(crate) cfgs: Vec<syn::Meta>,
    /// Under a condition that cannot be read (`if target.starts_with(..)`, a `match`).
    pub(crate) unknown: bool,
}

/// A `-D` definition and when the build applies it.
#[derive(Clone, Debug)]
pub(crate) struct Define {
    /// `NAME` or `NAME=VALUE`.
    pub(crate) text: String,
    /// When.
    pub(crate) condition: Condition,
}

/// What was read from one build script.
#[derive(Default)]
pub(crate) struct BuildScript {
    /// bindgen `.header(..)` arguments.
    pub(crate) headers: Vec<ScriptPath>,
    /// `.include(..)` and `-I` arguments.
    pub(crate) include: Vec<ScriptPath>,
    /// cc `.file(..)`/`.files(..)` arguments.
    pub(crate) sources: Vec<ScriptPath>,
    /// `.define(..)` and `-D` arguments.
    pub(crate) defines: Vec<Define>,
    vars: HashMap<String, Value>,
    /// Variables bound to a `CARGO_CFG_*` or `TARGET` variable: the cfg key (`target_os`, or
    /// `target` for the triple).
    cfg_vars: HashMap<String, String>,
    conditions: Vec<Condition>,
}

/// Reads a build script's syntax tree.
pub(crate) fn read(file: &syn::File) -> BuildScript {
    let mut script = BuildScript::default();
    script.visit_file(file);
    script
}

fn lit_str(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        syn::Expr::Reference(r) => lit_str(&r.expr),
        syn::Expr::Paren(p) => lit_str(&p.expr),
        _ => None,
    }
}

fn macro_args(mac: &syn::Macro) -> Option<Vec<syn::Expr>> {
    mac.parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()
        .map(|p| p.into_iter().collect())
}

/// The name of the environment variable `env::var("X")`/`env::var_os("X")`/`env!("X")` reads
/// (through `.unwrap()`, `.expect(..)` and the like).
fn env_var_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "unwrap" | "expect" | "unwrap_or_default" | "unwrap_or" | "unwrap_or_else"
            ) =>
        {
            env_var_name(&m.receiver)
        }
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let last = p.path.segments.last()?.ident.to_string();
            let in_env =
                p.path.segments.len() == 1 || p.path.segments.iter().rev().nth(1)?.ident == "env";
            (in_env && matches!(last.as_str(), "var" | "var_os"))
                .then(|| c.args.first().and_then(lit_str))
                .flatten()
        }
        syn::Expr::Macro(m) if m.mac.path.is_ident("env") => {
            macro_args(&m.mac)?.first().and_then(lit_str)
        }
        syn::Expr::Reference(r) => env_var_name(&r.expr),
        _ => None,
    }
}

/// The `cfg` key a `CARGO_CFG_*` variable stands for, or `target` for `TARGET`.
fn cfg_key(var: &str) -> Option<String> {
    if var == "TARGET" {
        return Some("target".to_owned());
    }
    var.strip_prefix("CARGO_CFG_").map(str::to_lowercase)
}

/// Formats a `format!` template with its arguments; `None` for any placeholder other than
/// `{}` and `{name}`.
fn format_template(
    template: &str,
    args: &[Value],
    named: &dyn Fn(&str) -> Option<Value>,
) -> Option<Value> {
    let mut out = Value::literal("");
    let mut literal = String::new();
    let mut next = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let mut name = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    name.push(c);
                }
                let value = if name.is_empty() {
                    next += 1;
                    args.get(next - 1)?.clone()
                } else if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    named(&name)?
                } else {
                    return None;
                };
                out = out
                    .concat(Value::literal(std::mem::take(&mut literal)))?
                    .concat(value)?;
            }
            c => literal.push(c),
        }
    }
    out.concat(Value::literal(literal))
}

impl BuildScript {
    /// The value of a string or path expression, as far as it can be read.
    fn eval(&self, e: &syn::Expr) -> Option<Value> {
        if let Some(s) = lit_str(e) {
            return Some(Value::literal(s));
        }
        if let Some(var) = env_var_name(e) {
            return match var.as_str() {
                "CARGO_MANIFEST_DIR" => Some(Value::dir(Base::Crate)),
                "OUT_DIR" => Some(Value::dir(Base::OutDir)),
                _ => Some(Value::dir(Base::Unknown)),
            };
        }
        match e {
            syn::Expr::Reference(r) => self.eval(&r.expr),
            syn::Expr::Paren(p) => self.eval(&p.expr),
            syn::Expr::Group(g) => self.eval(&g.expr),
            syn::Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                self.vars.get(&name).cloned()
            }
            syn::Expr::Macro(m) => self.eval_macro(&m.mac),
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                let names: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                    [.., "current_dir"] => Some(Value::dir(Base::Crate)),
                    [
                        ..,
                        "Path" | "PathBuf" | "String" | "OsString" | "OsStr",
                        "new" | "from",
                    ] => self.eval(c.args.first()?),
                    _ => None,
                }
            }
            syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
                "unwrap" | "expect" | "display" | "to_str" | "to_string_lossy" | "to_string"
                | "to_owned" | "as_path" | "to_path_buf" | "clone" | "into" | "as_ref"
                | "as_str" | "as_os_str" | "into_os_string" | "into_string" => {
                    self.eval(&m.receiver)
                }
                "join" => {
                    let base = self
                        .eval(&m.receiver)
                        .unwrap_or_else(|| Value::dir(Base::Unknown));
                    base.join(self.eval(m.args.first()?)?)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn eval_macro(&self, mac: &syn::Macro) -> Option<Value> {
        let args = macro_args(mac)?;
        if mac.path.is_ident("concat") {
            let mut out = Value::literal("");
            for a in &args {
                out = out.concat(self.eval(a)?)?;
            }
            return Some(out);
        }
        if mac.path.is_ident("format") {
            let (template, rest) = args.split_first()?;
            let template = lit_str(template)?;
            let mut positional = Vec::new();
            let mut named = HashMap::new();
            for a in rest {
                match a {
                    syn::Expr::Assign(assign) => {
                        let syn::Expr::Path(p) = &*assign.left else {
                            return None;
                        };
                        named.insert(p.path.get_ident()?.to_string(), self.eval(&assign.right)?);
                    }
                    other => positional.push(self.eval(other)?),
                }
            }
            let lookup = |n: &str| named.get(n).cloned().or_else(|| self.vars.get(n).cloned());
            return format_template(&template, &positional, &lookup);
        }
        None
    }

    fn condition(&self) -> Condition {
        let mut all = Condition::default();
        for c in &self.conditions {
            all.cfgs.extend(c.cfgs.iter().cloned());
            all.unknown |= c.unknown;
        }
        all
    }

    /// The condition an `if` tests, as `cfg` predicates; `None` when it cannot be read.
    fn read_condition(&self, e: &syn::Expr) -> Option<syn::Meta> {
        match e {
            syn::Expr::Macro(m) if m.mac.path.is_ident("cfg") => m.mac.parse_body().ok(),
            syn::Expr::Paren(p) => self.read_condition(&p.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                let inner = self.read_condition(&u.expr)?;
                syn::parse_str(&format!("not({})", crate::type_text(&inner))).ok()
            }
            syn::Expr::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::And(_) => "all",
                    syn::BinOp::Or(_) => "any",
                    syn::BinOp::Eq(_) | syn::BinOp::Ne(_) => {
                        let meta = self.compare_cfg(&b.left, &b.right)?;
                        return if matches!(b.op, syn::BinOp::Ne(_)) {
                            syn::parse_str(&format!("not({})", crate::type_text(&meta))).ok()
                        } else {
                            Some(meta)
                        };
                    }
                    _ => return None,
                };
                let l = self.read_condition(&b.left)?;
                let r = self.read_condition(&b.right)?;
                syn::parse_str(&format!(
                    "{op}({}, {})",
                    crate::type_text(&l),
                    crate::type_text(&r)
                ))
                .ok()
            }
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                // `env::var("CARGO_FEATURE_X").is_ok()`: the feature is on.
                if matches!(method.as_str(), "is_ok" | "is_some") {
                    let var = env_var_name(&m.receiver)?;
                    let feature = var.strip_prefix("CARGO_FEATURE_")?;
                    return syn::parse_str(&format!("feature = \"{}\"", feature.to_lowercase()))
                        .ok();
                }
                // `target.contains("windows")` on the target triple.
                if method == "contains" {
                    let key = self.cfg_of(&m.receiver)?;
                    let word = lit_str(m.args.first()?)?;
                    return (key == "target").then(|| triple_word(&word)).flatten();
                }
                None
            }
            _ => None,
        }
    }

    /// `CARGO_CFG_TARGET_OS == "windows"` (either side a variable or the call itself).
    fn compare_cfg(&self, l: &syn::Expr, r: &syn::Expr) -> Option<syn::Meta> {
        let (key, value) = match (self.cfg_of(l), lit_str(r)) {
            (Some(k), Some(v)) => (k, v),
            _ => (self.cfg_of(r)?, lit_str(l)?),
        };
        if key == "target" {
            return None;
        }
        syn::parse_str(&format!("{key} = \"{value}\"")).ok()
    }

    /// The cfg key an expression reads: a `CARGO_CFG_*` variable, directly or through a local.
    fn cfg_of(&self, e: &syn::Expr) -> Option<String> {
        if let syn::Expr::Path(p) = e {
            return self.cfg_vars.get(&p.path.get_ident()?.to_string()).cloned();
        }
        if let syn::Expr::MethodCall(m) = e
            && matches!(m.method.to_string().as_str(), "as_str" | "as_ref")
        {
            return self.cfg_of(&m.receiver);
        }
        if let syn::Expr::Reference(r) = e {
            return self.cfg_of(&r.expr);
        }
        cfg_key(&env_var_name(e)?)
    }

    fn with_condition(&mut self, condition: Condition, walk: impl FnOnce(&mut Self)) {
        self.conditions.push(condition);
        walk(self);
        self.conditions.pop();
    }

    fn attr_condition(attrs: &[syn::Attribute]) -> Condition {
        Condition {
            cfgs: super::cfg::of_attrs(attrs),
            unknown: false,
        }
    }

    fn clang_arg(&mut self, value: &Value) {
        if let Some(dir) = value.text.strip_prefix("-I") {
            let dir = Value {
                base: value.base,
                text: dir.to_owned(),
            };
            if let Some(p) = dir.to_path() {
                self.include.push(p);
            }
        } else if value.base == Base::Literal
            && let Some(def) = value.text.strip_prefix("-D")
        {
            // Only literal defines: a built one may carry a path from OUT_DIR.
            self.defines.push(Define {
                text: def.to_owned(),
                condition: self.condition(),
            });
        }
    }

    fn push_path(&mut self, kind: PathKind, e: &syn::Expr) {
        let Some(path) = self.eval(e).and_then(|v| v.to_path()) else {
            return;
        };
        match kind {
            PathKind::Header => self.headers.push(path),
            PathKind::Include => self.include.push(path),
            PathKind::Source => self.sources.push(path),
        }
    }

    fn each_element(&mut self, kind: PathKind, e: &syn::Expr) {
        match e {
            syn::Expr::Array(a) => {
                for el in &a.elems {
                    self.push_path(kind, el);
                }
            }
            syn::Expr::Reference(r) => self.each_element(kind, &r.expr),
            syn::Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                for el in macro_args(&m.mac).unwrap_or_default() {
                    self.push_path(kind, &el);
                }
            }
            _ => {}
        }
    }
}

#[derive(Clone, Copy)]
enum PathKind {
    Header,
    Include,
    Source,
}

/// A word of a target triple as a `cfg` predicate (`"windows"` → `target_os = "windows"`).
fn triple_word(word: &str) -> Option<syn::Meta> {
    let text = match word {
        "windows" | "linux" | "android" | "freebsd" | "netbsd" | "openbsd" => {
            format!("target_os = \"{word}\"")
        }
        "apple" | "darwin" => "target_vendor = \"apple\"".to_owned(),
        "msvc" | "gnu" | "musl" => format!("target_env = \"{word}\""),
        "x86_64" | "aarch64" | "arm" | "riscv64" | "wasm32" => {
            format!("target_arch = \"{word}\"")
        }
        "i686" | "i586" => "target_arch = \"x86\"".to_owned(),
        _ => return None,
    };
    syn::parse_str(&text).ok()
}

impl<'ast> Visit<'ast> for BuildScript {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        let condition = Self::attr_condition(&local.attrs);
        self.with_condition(condition, |v| syn::visit::visit_local(v, local));
        let syn::Pat::Ident(pat) = strip_type(&local.pat) else {
            return;
        };
        let name = pat.ident.to_string();
        let init = local.init.as_ref().map(|i| &*i.expr);
        match init.and_then(|e| self.eval(e)) {
            Some(v) => {
                self.vars.insert(name.clone(), v);
            }
            None => {
                self.vars.remove(&name);
            }
        }
        match init.and_then(env_var_name).and_then(|var| cfg_key(&var)) {
            Some(key) => {
                self.cfg_vars.insert(name, key);
            }
            None => {
                self.cfg_vars.remove(&name);
            }
        }
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        if let Some(v) = self.eval(&item.expr) {
            self.vars.insert(item.ident.to_string(), v);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let condition = Self::attr_condition(&item.attrs);
        self.with_condition(condition, |v| syn::visit::visit_item_fn(v, item));
    }

    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        self.visit_expr(&e.cond);
        let cfg = self.read_condition(&e.cond);
        let then = Condition {
            cfgs: cfg.iter().cloned().collect(),
            unknown: cfg.is_none(),
        };
        self.with_condition(then, |v| v.visit_block(&e.then_branch));
        if let Some((_, other)) = &e.else_branch {
            let negated = cfg
                .as_ref()
                .and_then(|m| syn::parse_str(&format!("not({})", crate::type_text(m))).ok());
            let condition = Condition {
                unknown: negated.is_none(),
                cfgs: negated.into_iter().collect(),
            };
            self.with_condition(condition, |v| v.visit_expr(other));
        }
    }

    fn visit_expr_match(&mut self, e: &'ast syn::ExprMatch) {
        self.visit_expr(&e.expr);
        let unknown = Condition {
            cfgs: Vec::new(),
            unknown: true,
        };
        self.with_condition(unknown, |v| {
            for arm in &e.arms {
                v.visit_arm(arm);
            }
        });
    }

    fn visit_expr_assign(&mut self, e: &'ast syn::ExprAssign) {
        syn::visit::visit_expr_assign(self, e);
        if let syn::Expr::Path(p) = &*e.left
            && let Some(name) = p.path.get_ident()
        {
            match self.eval(&e.right) {
                Some(v) => self.vars.insert(name.to_string(), v),
                None => self.vars.remove(&name.to_string()),
            };
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let condition = Self::attr_condition(&call.attrs);
        self.with_condition(condition, |v| v.method_call(call));
    }
}

fn strip_type(pat: &syn::Pat) -> &syn::Pat {
    match pat {
        syn::Pat::Type(t) => strip_type(&t.pat),
        other => other,
    }
}

impl BuildScript {
    fn method_call(&mut self, call: &syn::ExprMethodCall) {
        // Receiver first, so that a builder chain is read in source order.
        syn::visit::visit_expr_method_call(self, call);
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        match (call.method.to_string().as_str(), args.as_slice()) {
            ("header", [a]) => self.push_path(PathKind::Header, a),
            ("include", [a]) => self.push_path(PathKind::Include, a),
            ("includes", [a]) => self.each_element(PathKind::Include, a),
            ("file", [a]) => self.push_path(PathKind::Source, a),
            ("files", [a]) => self.each_element(PathKind::Source, a),
            ("clang_arg" | "flag", [a]) => {
                if let Some(v) = self.eval(a) {
                    self.clang_arg(&v);
                }
            }
            ("clang_args", [syn::Expr::Array(arr)]) => {
                for e in &arr.elems {
                    if let Some(v) = self.eval(e) {
                        self.clang_arg(&v);
                    }
                }
            }
            ("define", [name, value]) => {
                if let Some(n) = lit_str(name) {
                    let v = match value {
                        syn::Expr::Call(c) => c.args.first().and_then(lit_str),
                        other => lit_str(other),
                    };
                    let text = match v {
                        Some(v) => format!("{n}={v}"),
                        None => n,
                    };
                    self.defines.push(Define {
                        text,
                        condition: self.condition(),
                    });
                }
            }
            ("push", [a]) => {
                // `path.push("dir")` on a path variable.
                if let syn::Expr::Path(p) = &*call.receiver
                    && let Some(name) = p.path.get_ident().map(ToString::to_string)
                    && let Some(current) = self.vars.get(&name).cloned()
                {
                    match self.eval(a).and_then(|part| current.join(part)) {
                        Some(v) => self.vars.insert(name, v),
                        None => self.vars.remove(&name),
                    };
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(src: &str) -> BuildScript {
        read(&syn::parse_file(src).expect("parses"))
    }

    fn paths(v: &[ScriptPath]) -> Vec<(&str, bool)> {
        v.iter().map(|p| (p.path.as_str(), p.certain)).collect()
    }

    #[test]
    fn header_arguments_built_from_literals_are_read() {
        let s = script(
            r#"
            const WRAPPER: &str = "wrapper.h";
            fn main() {
                let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
                let vendor = manifest.join("vendor");
                let name = "enet";
                let out = PathBuf::from(env::var("OUT_DIR").unwrap());
                bindgen::Builder::default()
                    .header(WRAPPER)
                    .header(format!("{}/include/{name}.h", vendor.display()))
                    .header(concat!(env!("CARGO_MANIFEST_DIR"), "/api/x.h"))
                    .header(Path::new("csrc").join("y.h").to_str().unwrap())
                    .header(out.join("generated.h").to_str().unwrap())
                    .header(somewhere().join("z.h").display().to_string());
            }
            "#,
        );
        assert_eq!(
            paths(&s.headers),
            [
                ("wrapper.h", true),
                ("vendor/include/enet.h", true),
                ("api/x.h", true),
                ("csrc/y.h", true),
                ("z.h", false),
            ]
        );
    }

    #[test]
    fn cc_sources_includes_and_pushed_paths_are_read() {
        // lmdb-rkv-sys: the directory is built with `push`; liblzma-sys: `current_dir()`.
        let s = script(
            r#"
            fn main() {
                let mut lmdb = PathBuf::from(&env::var("CARGO_MANIFEST_DIR").unwrap());
                lmdb.push("lmdb");
                lmdb.push("libraries");
                cc::Build::new()
                    .file(lmdb.join("mdb.c"))
                    .files(&["a.c", "b/c.c"])
                    .include(env::current_dir().unwrap())
                    .include("xz/api")
                    .compile("x");
            }
            "#,
        );
        assert_eq!(
            paths(&s.sources),
            [
                ("lmdb/libraries/mdb.c", true),
                ("a.c", true),
                ("b/c.c", true)
            ]
        );
        assert_eq!(paths(&s.include), [(".", true), ("xz/api", true)]);
    }

    #[test]
    fn defines_keep_the_condition_they_sit_under() {
        let s = script(
            r#"
            fn main() {
                let os = env::var("CARGO_CFG_TARGET_OS").unwrap();
                let target = env::var("TARGET").unwrap();
                let mut b = cc::Build::new();
                b.define("ALWAYS", None);
                if cfg!(feature = "threads") { b.define("THREADS", "1"); } else { b.define("NO_THREADS", None); }
                if os == "windows" { b.define("WIN", None); }
                if target.contains("x86_64") { b.define("X64", None); }
                if env::var("CARGO_FEATURE_ZLIB").is_ok() { b.define("ZLIB", None); }
                if some_probe() { b.define("PROBED", None); }
                #[cfg(unix)]
                b.define("UNIX", None);
            }
            "#,
        );
        let got: Vec<(String, String, bool)> = s
            .defines
            .iter()
            .map(|d| {
                (
                    d.text.clone(),
                    super::super::cfg::describe(&d.condition.cfgs),
                    d.condition.unknown,
                )
            })
            .collect();
        let want = [
            ("ALWAYS", "", false),
            ("THREADS=1", "#[cfg(feature = \"threads\")]", false),
            ("NO_THREADS", "#[cfg(not(feature = \"threads\"))]", false),
            ("WIN", "#[cfg(target_os = \"windows\")]", false),
            ("X64", "#[cfg(target_arch = \"x86_64\")]", false),
            ("ZLIB", "#[cfg(feature = \"zlib\")]", false),
            ("PROBED", "", true),
            ("UNIX", "#[cfg(unix)]", false),
        ];
        let want: Vec<(String, String, bool)> = want
            .iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), *c))
            .collect();
        assert_eq!(got, want);
    }
}
