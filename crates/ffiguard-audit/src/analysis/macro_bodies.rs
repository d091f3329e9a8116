//! Items written inside `macro_rules!` bodies, read as Rust.
//!
//! A crate that generates its `extern "C"` entry points or its handle types with a
//! `macro_rules!` (openvpn-plugin's `openvpn_plugin!`, tract-proxy's `wrapper!`) holds them in
//! token trees that `syn` does not parse, so rules that walk items never see them. Each arm's
//! body is read once as written: `$crate` becomes `crate`, a metavariable becomes an identifier
//! of its name (`$dest` → `dest`), a `block` fragment an empty block, a `vis` or `item`
//! fragment nothing, and a repetition `$( .. ),*` its content once. An arm whose body then
//! parses as items is handed to the rules ([`macro_arms`]). An arm whose body is an expression
//! or statements (obs-wrapper's `obs_log!`, which calls the C logger) is handed to the rules
//! that read function bodies as the body of a function named after the macro
//! ([`macro_statement_arms`]); bodies that build tokens piece by piece are skipped. Tokens
//! keep their spans, so findings point into the macro's definition.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use syn::visit::Visit;

/// One `macro_rules!` arm whose body parses as items.
pub(crate) struct MacroArm {
    /// The body, read as a file of items.
    pub(crate) items: syn::File,
    /// Names of the arm's metavariables (without `$`): values the macro's caller supplies.
    pub(crate) metavariables: BTreeSet<String>,
}

/// Every arm of every `macro_rules!` in `file` (in modules and function bodies too) whose
/// body is a list of items. `source` is the file's text: files without `macro_rules!` cost a
/// substring search.
pub(crate) fn macro_arms(file: &syn::File, source: &str) -> Vec<MacroArm> {
    all_arms(file, source, Body::Items)
}

/// Every arm of every `macro_rules!` in `file` whose body is not items but an expression or
/// statements, read as the body of a function named after the macro (`fn obs_log() { .. }`).
/// `items` then holds that one function.
pub(crate) fn macro_statement_arms(file: &syn::File, source: &str) -> Vec<MacroArm> {
    all_arms(file, source, Body::Statements)
}

/// Which arms to read: those whose body is items, or those whose body is statements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    Items,
    Statements,
}

fn all_arms(file: &syn::File, source: &str, body: Body) -> Vec<MacroArm> {
    if !source.contains("macro_rules!") {
        return Vec::new();
    }
    struct Macros(Vec<MacroArm>, Body);
    impl<'ast> Visit<'ast> for Macros {
        fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
            if m.mac.path.is_ident("macro_rules") {
                let name = m
                    .ident
                    .clone()
                    .unwrap_or_else(|| Ident::new("macro_body", Span::call_site()));
                self.0.extend(arms(m.mac.tokens.clone(), self.1, &name));
            }
        }
    }
    let mut found = Macros(Vec::new(), body);
    found.visit_file(file);
    found.0
}

/// The arms of one `macro_rules!` body (`(matcher) => { body };` repeated) whose body is of
/// kind `kind`; `name` names the function that holds a body of statements.
fn arms(tokens: TokenStream, kind: Body, name: &Ident) -> Vec<MacroArm> {
    let mut out = Vec::new();
    let mut rest = tokens.into_iter().peekable();
    while let Some(tt) = rest.next() {
        let TokenTree::Group(matcher) = tt else {
            continue;
        };
        let arrow = matches!(rest.next(), Some(TokenTree::Punct(p)) if p.as_char() == '=')
            && matches!(rest.next(), Some(TokenTree::Punct(p)) if p.as_char() == '>');
        if !arrow {
            break;
        }
        let Some(TokenTree::Group(body)) = rest.next() else {
            break;
        };
        let mut fragments = HashMap::new();
        fragment_kinds(matcher.stream(), &mut fragments);
        let mut metavariables = BTreeSet::new();
        let tokens = substitute(body.stream(), &fragments, &mut metavariables);
        let items = match syn::parse2::<syn::File>(tokens.clone()) {
            Ok(items) if kind == Body::Items => Some(items),
            Ok(_) => None,
            Err(_) if kind == Body::Statements => {
                syn::parse2::<syn::File>(quote::quote! { fn #name() { #tokens } }).ok()
            }
            Err(_) => None,
        };
        if let Some(items) = items {
            out.push(MacroArm {
                items,
                metavariables,
            });
        }
    }
    out
}

/// `name → fragment` for every `$name:fragment` of a matcher, repetitions included.
fn fragment_kinds(tokens: TokenStream, out: &mut HashMap<String, String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in tokens.iter().enumerate() {
        match tt {
            TokenTree::Group(g) => fragment_kinds(g.stream(), out),
            TokenTree::Punct(p) if p.as_char() == '$' => {
                if let (
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(colon)),
                    Some(TokenTree::Ident(kind)),
                ) = (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3))
                    && colon.as_char() == ':'
                {
                    out.insert(name.to_string(), kind.to_string());
                }
            }
            _ => {}
        }
    }
}

/// The body with metavariables replaced (see the [module docs](self)).
fn substitute(
    tokens: TokenStream,
    fragments: &HashMap<String, String>,
    metavariables: &mut BTreeSet<String>,
) -> TokenStream {
    let mut out = Vec::new();
    let mut rest = tokens.into_iter().peekable();
    while let Some(tt) = rest.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '$' => match rest.peek().cloned() {
                Some(TokenTree::Ident(name)) => {
                    rest.next();
                    let text = name.to_string();
                    if text == "crate" {
                        out.push(TokenTree::Ident(Ident::new("crate", name.span())));
                        continue;
                    }
                    metavariables.insert(text.clone());
                    out.extend(stand_in(&text, fragments.get(&text), name.span()));
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    rest.next();
                    out.extend(substitute(g.stream(), fragments, metavariables));
                    // `$( .. ) sep? op`: drop the separator and the `*`, `+` or `?`.
                    let is_op = |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?'));
                    if is_op(rest.peek()) {
                        rest.next();
                    } else if rest.peek().is_some() {
                        let separator = rest.next();
                        if is_op(rest.peek()) {
                            rest.next();
                        } else {
                            out.extend(separator);
                        }
                    }
                }
                _ => out.push(TokenTree::Punct(p)),
            },
            TokenTree::Group(g) => {
                let mut inner = Group::new(
                    g.delimiter(),
                    substitute(g.stream(), fragments, metavariables),
                );
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// What stands for metavariable `name` of fragment `kind` in the body.
fn stand_in(name: &str, kind: Option<&String>, span: Span) -> Vec<TokenTree> {
    match kind.map(String::as_str) {
        Some("block") => vec![TokenTree::Group({
            let mut g = Group::new(Delimiter::Brace, TokenStream::new());
            g.set_span(span);
            g
        })],
        Some("vis" | "item") => Vec::new(),
        Some("lifetime") => "'static"
            .parse::<TokenStream>()
            .into_iter()
            .flatten()
            .collect(),
        _ => {
            // `$type` → `r#type`: a keyword is a fine identifier once raw. Each form is
            // checked by parsing first, as `Ident::new` panics on what is not an identifier
            // (`$_`, `$self`).
            let ident = if syn::parse_str::<syn::Ident>(name).is_ok() {
                Ident::new(name, span)
            } else if syn::parse_str::<syn::Ident>(&format!("r#{name}")).is_ok() {
                Ident::new_raw(name, span)
            } else {
                Ident::new("macro_placeholder", span)
            };
            vec![TokenTree::Ident(ident)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arms_of(source: &str) -> Vec<MacroArm> {
        let file = syn::parse_file(source).expect("test source parses");
        macro_arms(&file, source)
    }

    #[test]
    fn metavariables_repetitions_and_crate_are_read_as_rust() {
        let arms = arms_of(
            "macro_rules! wrapper {\n\
             ($new_type:ident, $c_type:ident, $dest:ident $(, $typ:ty )*) => {\n\
                 #[derive(Clone)] pub struct $new_type(*mut sys::$c_type $(, $typ)*);\n\
                 impl Drop for $new_type { fn drop(&mut self) { unsafe { $crate::sys::$dest(self.0) } } }\n\
             };\n\
             ($e:expr) => { $e + 1 };\n\
             }",
        );
        assert_eq!(arms.len(), 1, "the expression arm is not items");
        let text = crate::type_text(&arms[0].items);
        assert!(
            text.contains("struct new_type(*mut sys::c_type, typ)"),
            "{text}"
        );
        assert!(text.contains("crate::sys::dest(self.0)"), "{text}");
        assert_eq!(
            arms[0].metavariables.iter().collect::<Vec<_>>(),
            ["c_type", "dest", "new_type", "typ"]
        );
    }

    #[test]
    fn blocks_visibilities_and_keywords_get_stand_ins() {
        let arms = arms_of(
            "macro_rules! export {\n\
             ($vis:vis fn $name:ident($type:ty) $body:block) => {\n\
                 $vis extern \"C\" fn $name(x: $type) $body\n\
             };\n\
             }",
        );
        assert_eq!(arms.len(), 1);
        let text = crate::type_text(&arms[0].items);
        assert!(text.contains("extern \"C\" fn name(x:r#type){}"), "{text}");
    }

    #[test]
    fn metavariables_that_are_no_identifiers_do_not_panic() {
        // arrow2's `match_integer_type!`: `$_:tt` and a nested `macro_rules!`.
        let arms = arms_of(
            "macro_rules! m {( $k:expr, | $_:tt $T:ident | $($body:tt)* ) => ({
                 macro_rules! inner {( $_ $T:ident ) => ( $($body)* )}
             })}
             macro_rules! s {($self:ident, $l:lifetime) => { struct $self<$l>(&$l u8); }}",
        );
        // `m`'s body is a block expression, not items; `s` reads as a struct.
        assert_eq!(arms.len(), 1);
        let text = crate::type_text(&arms[0].items);
        assert!(text.contains("struct macro_placeholder"), "{text}");
    }

    #[test]
    fn expression_bodies_are_read_as_a_function_body() {
        // obs-wrapper 0.1.6 `obs_log!`.
        let source = "macro_rules! obs_log {\n\
             ($level:expr, $($arg:tt)*) => (unsafe {\n\
                 $crate::obs_sys::blog($level, format!(\"{}\", format_args!($($arg)*)).as_ptr() as *const c_char)\n\
             });\n\
             }\n\
             macro_rules! s {($n:ident) => { struct $n; }}";
        let file = syn::parse_file(source).expect("test source parses");
        let arms = macro_statement_arms(&file, source);
        assert_eq!(arms.len(), 1, "the item arm is not statements");
        let text = crate::type_text(&arms[0].items);
        assert!(text.starts_with("fn obs_log()"), "{text}");
        assert!(text.contains("crate::obs_sys::blog(level,"), "{text}");
        assert_eq!(
            arms[0].metavariables.iter().collect::<Vec<_>>(),
            ["arg", "level"]
        );
        assert_eq!(macro_arms(&file, source).len(), 1);
    }

    #[test]
    fn files_without_macro_rules_are_not_searched() {
        assert!(arms_of("fn f() {}").is_empty());
    }
}
