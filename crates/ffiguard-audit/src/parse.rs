//! Parsing one file with guards, so no input can crash or exhaust the process.
//!
//! `syn` parses recursively: a file of 100,000 nested parentheses or a chain of 100,000 unary
//! minus signs overflows the stack, and a stack overflow aborts the process — no `catch_unwind`
//! helps. So the text is first tokenized (proc-macro2's lexer is iterative) and the token tree
//! is measured: a conservative estimate of how deep the parser will recurse must stay under
//! [`MAX_NESTING`] before the tokens reach `syn`.

use proc_macro2::{TokenStream, TokenTree};
use std::str::FromStr;

/// Largest file parsed (bytes). Generated bindings reach a few MB; beyond this a file is reported.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Largest estimated parser recursion depth accepted.
pub const MAX_NESTING: usize = 1_000;

/// Why a file could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseProblem {
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error("file is {0} bytes, over the {MAX_FILE_BYTES}-byte limit")]
    TooLarge(usize),
    /// Nesting would make the parser recurse too deeply; `line` is where the limit was crossed.
    #[error("nesting deeper than {MAX_NESTING} levels (at line {line}); not parsed")]
    TooDeep {
        /// Line (1-based) where the estimate crossed the limit.
        line: usize,
    },
    /// Not valid Rust syntax.
    #[error("{message}")]
    Syntax {
        /// The parser's message.
        message: String,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
    },
}

/// Parses a file's text into a `syn::File`, refusing input that could crash the parser.
///
/// ```
/// use ffiguard_audit::parse::{parse_file, ParseProblem};
/// assert!(parse_file("fn main() {}").is_ok());
/// let deep = format!("fn f() {{ {}1{} }}", "(".repeat(5000), ")".repeat(5000));
/// assert!(matches!(parse_file(&deep), Err(ParseProblem::TooDeep { .. })));
/// ```
pub fn parse_file(text: &str) -> Result<syn::File, ParseProblem> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ParseProblem::TooLarge(text.len()));
    }
    let text = blank_out_shebang(text);
    let tokens = TokenStream::from_str(&text).map_err(|e| {
        let start = e.span().start();
        ParseProblem::Syntax {
            message: "invalid tokens: an unbalanced delimiter, or an unterminated string, \
                      character or comment"
                .to_owned(),
            line: start.line.max(1),
            column: start.column + 1,
        }
    })?;
    check_nesting(&tokens)?;
    syn::parse2::<syn::File>(tokens.clone()).or_else(|e| {
        // Edition 2015 syntax that `syn` 2 no longer parses: closure trait objects without
        // `dyn` (`Box<FnMut(u8)>`), trait methods with anonymous parameters (`fn f(&self,
        // &Rect)`) and 2018's keywords as names (`mod async;`, `try!`). Retry once with the
        // 2018 spelling (spans unchanged); a file that does not parse then keeps its error.
        let (rewritten, changed) = as_edition_2018(tokens);
        let retried = changed.then(|| syn::parse2::<syn::File>(rewritten).ok());
        retried.flatten().ok_or_else(|| {
            let start = e.span().start();
            ParseProblem::Syntax {
                message: e.to_string(),
                line: start.line.max(1),
                column: start.column + 1,
            }
        })
    })
}

/// Rewrites edition-2015 syntax into the 2018 spelling `syn` 2 parses, keeping every span:
///
/// - `dyn` before each `Fn`/`FnMut`/`FnOnce(..)` in type position (after `<`, `,`, `=`, `&`,
///   `mut`, `const` or `->`), the edition-2015 spelling of a trait object; bounds (after `:`,
///   `+`, `impl`, `dyn`) are left alone;
/// - `_: ` before each anonymous parameter of a `fn` (a parameter with no top-level `:` that
///   is not `self`), which edition 2015 allowed in trait methods;
/// - `async`, `await` and `try`, names in edition 2015, as raw identifiers (`r#async`).
///
/// A new token takes the span of the token it precedes, so every other token keeps its line
/// and column. Iterative over nested groups.
fn as_edition_2018(tokens: TokenStream) -> (TokenStream, bool) {
    use proc_macro2::{Group, Ident};
    struct Level {
        input: std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
        output: Vec<TokenTree>,
        group: Option<Group>,
        /// The parameter list of a `fn` item.
        params: bool,
    }
    let type_position = |output: &[TokenTree]| -> bool {
        match output {
            [.., TokenTree::Punct(dash), TokenTree::Punct(gt)]
                if dash.as_char() == '-' && gt.as_char() == '>' =>
            {
                true
            }
            [.., TokenTree::Punct(p)] => matches!(p.as_char(), '<' | ',' | '=' | '&'),
            [.., TokenTree::Ident(i)] => i == "mut" || i == "const",
            _ => false,
        }
    };
    let mut changed = false;
    let mut stack = vec![Level {
        input: tokens.into_iter().peekable(),
        output: Vec::new(),
        group: None,
        params: false,
    }];
    loop {
        // The outermost level returns when it ends, so the stack is never empty here.
        let Some(top) = stack.last_mut() else {
            return (TokenStream::new(), false);
        };
        match top.input.next() {
            Some(TokenTree::Group(group)) => {
                let params = group.delimiter() == proc_macro2::Delimiter::Parenthesis
                    && follows_fn_name(&top.output);
                stack.push(Level {
                    input: group.stream().into_iter().peekable(),
                    output: Vec::new(),
                    group: Some(group),
                    params,
                });
            }
            Some(TokenTree::Ident(ident)) => {
                let bare_fn_trait = (ident == "Fn" || ident == "FnMut" || ident == "FnOnce")
                    && matches!(top.input.peek(), Some(TokenTree::Group(g))
                        if g.delimiter() == proc_macro2::Delimiter::Parenthesis)
                    && type_position(&top.output);
                if bare_fn_trait {
                    top.output
                        .push(TokenTree::Ident(Ident::new("dyn", ident.span())));
                    changed = true;
                }
                if ident == "async" || ident == "await" || ident == "try" {
                    let raw = Ident::new_raw(&ident.to_string(), ident.span());
                    top.output.push(TokenTree::Ident(raw));
                    changed = true;
                } else {
                    top.output.push(TokenTree::Ident(ident));
                }
            }
            Some(other) => top.output.push(other),
            None => {
                let Some(mut done) = stack.pop() else {
                    return (TokenStream::new(), false);
                };
                if done.params {
                    changed |= name_anonymous_params(&mut done.output);
                }
                let stream: TokenStream = done.output.into_iter().collect();
                match (done.group, stack.last_mut()) {
                    (Some(original), Some(parent)) => {
                        let mut group = Group::new(original.delimiter(), stream);
                        group.set_span(original.span());
                        parent.output.push(TokenTree::Group(group));
                    }
                    _ => return (stream, changed),
                }
            }
        }
    }
}

/// Whether `output` ends with `fn NAME` or `fn NAME<..>`: a parenthesis next is the item's
/// parameter list (a function pointer type, `fn(u8)`, has no name).
fn follows_fn_name(output: &[TokenTree]) -> bool {
    let is_punct = |t: &TokenTree, c: char| matches!(t, TokenTree::Punct(p) if p.as_char() == c);
    let mut end = output.len();
    let arrow_at_end = end > 1 && is_punct(&output[end - 2], '-');
    if end > 0 && is_punct(&output[end - 1], '>') && !arrow_at_end {
        // Walk back over the generics to their `<`; `->` inside them is not a closing `>`.
        let mut depth = 0usize;
        let mut i = end;
        loop {
            if i == 0 {
                return false;
            }
            i -= 1;
            let arrow = i > 0 && is_punct(&output[i - 1], '-');
            if is_punct(&output[i], '>') && !arrow {
                depth += 1;
            } else if is_punct(&output[i], '<') {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
        }
        end = i;
    }
    matches!(
        output.get(end.wrapping_sub(2)..end),
        Some([TokenTree::Ident(f), TokenTree::Ident(_)]) if f == "fn"
    )
}

/// Puts `_: ` before each parameter in `params` (a `fn`'s parameter list) that has no
/// top-level `:` and is not a `self` parameter. Returns whether it changed anything.
fn name_anonymous_params(params: &mut Vec<TokenTree>) -> bool {
    use proc_macro2::{Ident, Punct, Spacing};
    let tokens = std::mem::take(params);
    let mut changed = false;
    let mut segment: Vec<TokenTree> = Vec::new();
    let mut angle = 0usize;
    let mut flush = |segment: &mut Vec<TokenTree>, out: &mut Vec<TokenTree>| {
        let named = segment.iter().enumerate().any(|(i, t)| {
            matches!(t, TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Alone)
                && !matches!(i.checked_sub(1).and_then(|j| segment.get(j)),
                    Some(TokenTree::Punct(q)) if q.as_char() == ':' && q.spacing() == Spacing::Joint)
        });
        let is_self = matches!(segment.last(), Some(TokenTree::Ident(i)) if i == "self");
        if !segment.is_empty() && !named && !is_self {
            let span = segment[0].span();
            out.push(TokenTree::Ident(Ident::new("_", span)));
            let mut colon = Punct::new(':', Spacing::Alone);
            colon.set_span(span);
            out.push(TokenTree::Punct(colon));
            changed = true;
        }
        out.append(segment);
    };
    for (i, token) in tokens.iter().enumerate() {
        if let TokenTree::Punct(p) = token {
            let arrow =
                i > 0 && matches!(&tokens[i - 1], TokenTree::Punct(q) if q.as_char() == '-');
            match p.as_char() {
                '<' => angle += 1,
                '>' if !arrow => angle = angle.saturating_sub(1),
                ',' if angle == 0 => {
                    flush(&mut segment, params);
                    params.push(token.clone());
                    continue;
                }
                _ => {}
            }
        }
        segment.push(token.clone());
    }
    flush(&mut segment, params);
    changed
}

/// Replaces a byte-order mark and a `#!...` first line (not `#![attr]`) with spaces, keeping
/// every line and column intact.
fn blank_out_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        let mut owned = String::from(" ");
        owned.push_str(&blank_out_shebang(rest));
        return std::borrow::Cow::Owned(owned);
    }
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        let end = text.find('\n').unwrap_or(text.len());
        let mut owned = " ".repeat(end);
        owned.push_str(&text[end..]);
        std::borrow::Cow::Owned(owned)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Tokens after which the parser may recurse into a sub-expression or sub-type without a group:
/// prefix operators, `<` of generics, `=` of right-associative assignment, closure bars, `if`
/// of `else if` chains, `return`/`break` with a value.
///
/// Also every token that chains onto the expression before it: binary operators (`+`, `/`,
/// `%`, `^` besides the ones above), `.` of method calls and fields, `?` and `as`. `syn` parses
/// `1 + 1 + … + 1` in a loop, but the tree it builds is nested one level per operator, and
/// printing, visiting and dropping that tree recurse once per level: a 150,000-term chain
/// overflows any stack there, long after parsing succeeded.
fn deepens(tt: &TokenTree) -> bool {
    match tt {
        TokenTree::Punct(p) => matches!(
            p.as_char(),
            '-' | '!' | '*' | '&' | '<' | '=' | '|' | '+' | '/' | '%' | '^' | '.' | '?'
        ),
        TokenTree::Ident(i) => {
            i == "if"
                || i == "return"
                || i == "break"
                || i == "dyn"
                || i == "impl"
                || i == "mut"
                || i == "as"
        }
        _ => false,
    }
}

/// Whether a token after a `{}` group continues the expression the group ended: `else`,
/// a binary operator, `.`, `?` or `as`. Then the group did not end a segment, so that
/// `if a {} else if b {} …` and `unsafe { x } + unsafe { x } + …` are measured as the nested
/// trees they are.
fn continues_after_block(tt: &TokenTree) -> bool {
    match tt {
        TokenTree::Punct(p) => matches!(
            p.as_char(),
            '+' | '-' | '*' | '/' | '%' | '^' | '&' | '|' | '<' | '>' | '=' | '.' | '?'
        ),
        TokenTree::Ident(i) => i == "else" || i == "as",
        _ => false,
    }
}

/// Operators spelled with two punctuation characters that the parser treats as one.
const TWO_CHARACTER_OPERATORS: [&str; 18] = [
    "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "->", "..", "+=", "-=", "*=", "/=", "%=", "^=",
    "&=", "|=",
];

/// Estimates parser recursion: group depth plus, at each enclosing level, the tokens that may
/// deepen recursion since the segment began. A segment ends at `;`, `,`, `=>` and after a `{}`
/// group that is not followed by a token continuing the expression (the ends of statements,
/// items, list elements and match arms). Walks iteratively, so the measurement itself cannot
/// overflow.
fn check_nesting(tokens: &TokenStream) -> Result<(), ParseProblem> {
    struct Frame {
        tokens: proc_macro2::token_stream::IntoIter,
        count: usize,
        brace: bool,
        last_was_eq: bool,
        /// The previous token was a `{}` group: the next one decides whether it ended the
        /// segment.
        after_brace: bool,
        /// The previous token, when it is punctuation joined to this one: the second
        /// character of a two-character operator (`==`, `&&`, `<=`) does not count again.
        /// Repeated prefix operators (`--x`, `**p`) are not such operators and count each.
        joined: Option<char>,
    }
    let frame = |stream: TokenStream, brace: bool| Frame {
        tokens: stream.into_iter(),
        count: 0,
        brace,
        last_was_eq: false,
        after_brace: false,
        joined: None,
    };
    let mut stack = vec![frame(tokens.clone(), false)];
    let mut total = 0usize;
    while let Some(top) = stack.last_mut() {
        let Some(tt) = top.tokens.next() else {
            total -= top.count;
            let closed_brace = top.brace;
            stack.pop();
            if let (true, Some(parent)) = (closed_brace, stack.last_mut()) {
                parent.after_brace = true;
            }
            continue;
        };
        if std::mem::take(&mut top.after_brace) && !continues_after_block(&tt) {
            total -= top.count;
            top.count = 0;
        }
        let is_eq = matches!(&tt, TokenTree::Punct(p) if p.as_char() == '=');
        let ends_segment = match &tt {
            TokenTree::Punct(p) => {
                matches!(p.as_char(), ';' | ',') || (p.as_char() == '>' && top.last_was_eq)
            }
            _ => false,
        };
        top.last_was_eq = is_eq;
        let (this, joined_next) = match &tt {
            TokenTree::Punct(p) => (
                Some(p.as_char()),
                (p.spacing() == proc_macro2::Spacing::Joint).then_some(p.as_char()),
            ),
            _ => (None, None),
        };
        let continues_operator = match (std::mem::replace(&mut top.joined, joined_next), this) {
            (Some(first), Some(second)) => TWO_CHARACTER_OPERATORS
                .iter()
                .any(|op| op.chars().eq([first, second])),
            _ => false,
        };
        if ends_segment {
            total -= top.count;
            top.count = 0;
        } else if let TokenTree::Group(g) = &tt {
            let brace = g.delimiter() == proc_macro2::Delimiter::Brace;
            stack.push(frame(g.stream(), brace));
        } else if deepens(&tt) && !continues_operator {
            top.count += 1;
            total += 1;
        }
        if total + stack.len() > MAX_NESTING {
            return Err(ParseProblem::TooDeep {
                line: tt.span().start().line.max(1),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_inputs_are_refused_not_crashed() {
        for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
            let src = format!(
                "fn f() {{ {}{} }}",
                open.repeat(100_000),
                close.repeat(100_000)
            );
            assert!(matches!(
                parse_file(&src),
                Err(ParseProblem::TooDeep { .. })
            ));
        }
        let unary = format!("fn f() {{ let x = {}1; }}", "-".repeat(100_000));
        assert!(matches!(
            parse_file(&unary),
            Err(ParseProblem::TooDeep { .. })
        ));
        // Left-nested chains: parsed in a loop, but the tree is as deep as the chain is long.
        for chain in [
            format!("fn f() -> u32 {{ {} }}", vec!["1"; 150_000].join(" + ")),
            format!("const X: u32 = {};", vec!["1"; 150_000].join(" ^ ")),
            format!("fn f() {{ x{} }}", ".m()".repeat(150_000)),
            format!("fn f() {{ x{} }}", "?".repeat(150_000)),
            format!("fn f() {{ x{} }}", " as u8".repeat(150_000)),
            // Blocks inside a chain do not end it.
            format!(
                "fn f(x: bool) {{ if x {{}} {} }}",
                "else if x { 1 } ".repeat(150_000)
            ),
            format!("fn f() {{ {} }}", vec!["unsafe { 1 }"; 150_000].join(" + ")),
        ] {
            assert!(
                matches!(parse_file(&chain), Err(ParseProblem::TooDeep { line: 1 })),
                "{}",
                &chain[..40]
            );
        }
        let generics = format!(
            "type T = {}u8{};",
            "Vec<".repeat(50_000),
            ">".repeat(50_000)
        );
        assert!(matches!(
            parse_file(&generics),
            Err(ParseProblem::TooDeep { .. })
        ));
    }

    #[test]
    fn long_flat_input_is_fine() {
        let table = format!("static T: [u8; 100000] = [{}];", "1, ".repeat(100_000));
        assert!(parse_file(&table).is_ok());
        let stmts = "let x = -1;\n".repeat(20_000);
        let methods = "fn m(&self) -> &u8 { &self.0 }\n".repeat(2_000);
        assert!(parse_file(&format!("struct S(u8); impl S {{ {methods} }}")).is_ok());
        let arms = "1 => { f(&x) }\n".repeat(2_000);
        assert!(parse_file(&format!("fn f() {{ match 1 {{ {arms} _ => {{}} }} }}")).is_ok());
        assert!(parse_file(&format!("fn f() {{ {stmts} }}")).is_ok());
        // Chains as long as real code writes them.
        let sum = vec!["a.b"; 200].join(" + ");
        assert!(parse_file(&format!("fn f() -> u32 {{ {sum} }}")).is_ok());
        let branches = "else if x == 1 { 1 } ".repeat(450);
        assert!(
            parse_file(&format!(
                "fn f(x: u32) -> u32 {{ if x == 0 {{ 0 }} {branches} else {{ 2 }} }}"
            ))
            .is_ok()
        );
        let blocks = "impl S { fn f(&self) {} }\nif x { y() } else { z() }\n".repeat(5_000);
        assert!(parse_file(&format!("struct S; fn g() {{ {blocks} }}")).is_ok());
        let builder = ".flag(\"-O2\")".repeat(300);
        assert!(
            parse_file(&format!(
                "fn main() {{ cc::Build::new(){builder}.compile(\"x\")?; }}"
            ))
            .is_ok()
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse_file("fn f() {\n  let x = ;\n}").unwrap_err();
        assert!(
            matches!(err, ParseProblem::Syntax { line: 2, .. }),
            "{err:?}"
        );
        assert!(matches!(
            parse_file("fn f() {"),
            Err(ParseProblem::Syntax { .. })
        ));
    }

    #[test]
    fn shebang_and_bom_keep_positions() {
        let file = parse_file("\u{feff}#!/usr/bin/env run\nfn main() {}").unwrap();
        assert_eq!(file.items.len(), 1);
        assert!(parse_file("#![allow(dead_code)]\nfn main() {}").is_ok());
    }

    #[test]
    fn edition_2015_anonymous_parameters_and_2018_keywords_as_names_parse() {
        // vterm-sys's `src/geom.rs`, superlu's `lib.rs`, winrt 0.5's `rt::async`.
        let src = "pub trait Region {\n    fn intersects(&self, &Rect) -> bool;\n    fn map<F: Fn(u8) -> u8>(&mut self, F, Vec<(u8, u16)>, &'static str);\n}\nmod async;\npub use rt::async::{AsyncAction};\nfn f() -> Result<(), E> { let x = try!(g()); Ok(x) }\nfn ptr(cb: fn(u8, u16) -> u8) {}\nfn g<T: Into<u8>>() -> (u8, Vec<u16>) { (0, vec![]) }\n";
        let file = parse_file(src).expect("parses as 2018 spelling");
        assert_eq!(file.items.len(), 6);
        let syn::Item::Trait(t) = &file.items[0] else {
            panic!("a trait first")
        };
        let syn::TraitItem::Fn(map) = &t.items[1] else {
            panic!("a method")
        };
        assert_eq!(map.sig.inputs.len(), 4);
        // Positions are those of the original text.
        let span = map.sig.ident.span().start();
        assert_eq!((span.line, span.column), (3, 7));
        // A file of 2018 code with an error is not rescued by the rewrite.
        let err = parse_file("async fn f() {}\nfn broken( {}\n").unwrap_err();
        assert!(
            matches!(err, ParseProblem::Syntax { line: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn edition_2015_closure_trait_objects_parse_with_their_positions() {
        let src = "type Cb = Box<FnMut(u8) -> u8>;\nstruct S { f: &'static mut FnMut(), g: M<Fn(), extern \"C\" fn()> }\nfn take<F: Fn()>(f: F) -> Box<FnOnce()> { Box::new(f) }\n";
        let file = parse_file(src).expect("parses with dyn inserted");
        assert_eq!(file.items.len(), 3);
        // A token after an inserted `dyn` keeps its line and (0-based) column.
        let syn::Item::Fn(f) = &file.items[2] else {
            panic!("third item is the fn")
        };
        let start = f.block.brace_token.span.open().start();
        assert_eq!((start.line, start.column), (3, 40));
        // Real syntax errors still say where they are.
        let err = parse_file("type A = Box<FnMut(u8)>;\nfn broken( {}\n").unwrap_err();
        assert!(
            matches!(err, ParseProblem::Syntax { line: 2, .. }),
            "{err:?}"
        );
    }
}
