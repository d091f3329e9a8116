//! Test-only code: files under `tests/` and `benches/`, modules declared under `#[cfg(test)]`
//! (inline or in their own file), and `#[test]` functions. Error-level findings there are
//! reported as warnings: such code never ships, and it often calls Rust through a C symbol on
//! purpose (objc's test classes, backtrace's accuracy tests). `test-code = "same"` in the
//! configuration keeps the rule's level.

use crate::Finding;
use syn::spanned::Spanned;

/// The note every finding in test code carries; the level is lowered where it is an error.
pub(crate) const NOTE: &str = "in test code";

/// Where a file's test-only code is.
#[derive(Debug, Default)]
pub(crate) struct TestCode {
    /// The whole file: under `tests/` or `benches/`, or a module declared under `cfg(test)`.
    whole_file: bool,
    /// Line ranges (inclusive) of `#[cfg(test)]` items and `#[test]` functions.
    ranges: Vec<(usize, usize)>,
}

impl TestCode {
    /// Test code of the file at `path` (display path), loaded as a test-only module or not.
    pub(crate) fn of(path: &str, test_module: bool, syntax: Option<&syn::File>) -> TestCode {
        let mut parts = path.split('/').rev().skip(1);
        let whole_file = test_module
            || syntax.is_some_and(|f| is_test_only(&f.attrs))
            || parts.any(|p| matches!(p, "tests" | "benches"));
        let mut ranges = Vec::new();
        if !whole_file && let Some(file) = syntax {
            collect(&file.items, &mut ranges);
        }
        TestCode { whole_file, ranges }
    }

    fn contains(&self, line: usize) -> bool {
        self.whole_file || self.ranges.iter().any(|&(a, b)| a <= line && line <= b)
    }

    /// Adds [`NOTE`] to the findings in test code.
    pub(crate) fn mark(&self, findings: &mut [Finding]) {
        for f in findings
            .iter_mut()
            .filter(|f| self.contains(f.location.line))
        {
            f.notes.push(NOTE.to_owned());
        }
    }
}

/// Lowers a marked error to a warning (and says so), or drops the note from other levels.
pub(crate) fn lower(finding: &mut Finding, keep_level: bool) {
    let Some(i) = finding.notes.iter().position(|n| n == NOTE) else {
        return;
    };
    if finding.level == crate::Level::Error && !keep_level {
        finding.level = crate::Level::Warning;
        finding.notes[i] =
            "in test code: reported as a warning (`test-code = \"same\"` keeps errors)".to_owned();
    } else {
        finding.notes.remove(i);
    }
}

/// `#[cfg(test)]` (also inside `all(..)`), or `#[test]` and `#[tokio::test]`-like attributes.
pub(crate) fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        if p.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        if !p.is_ident("cfg") {
            return false;
        }
        let Ok(list) = a.meta.require_list() else {
            return false;
        };
        let mut tokens = list.tokens.clone().into_iter();
        match (tokens.next(), tokens.next()) {
            (Some(proc_macro2::TokenTree::Ident(i)), None) => i == "test",
            (Some(proc_macro2::TokenTree::Ident(i)), Some(proc_macro2::TokenTree::Group(g)))
                if i == "all" =>
            {
                g.stream()
                    .into_iter()
                    .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i == "test"))
            }
            _ => false,
        }
    })
}

fn collect(items: &[syn::Item], out: &mut Vec<(usize, usize)>) {
    for item in items {
        let attrs = match item {
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::ForeignMod(f) => &f.attrs,
            _ => continue,
        };
        if is_test_only(attrs) {
            let span = item.span();
            out.push((span.start().line, span.end().line));
        } else if let syn::Item::Mod(m) = item
            && let Some((_, inner)) = &m.content
        {
            collect(inner, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_items_files_and_modules_are_found() {
        let src = "fn lib() {}\n#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n\
            #[test]\nfn alone() {}\n#[cfg(all(test, unix))]\nfn helper() {}\n\
            #[cfg(not(test))]\nfn shipped() {}\n";
        let file: syn::File = syn::parse_str(src).expect("parses");
        let t = TestCode::of("src/lib.rs", false, Some(&file));
        let lines: Vec<usize> = (1..=11).filter(|&l| t.contains(l)).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(TestCode::of("crate/tests/it.rs", false, None).contains(1));
        assert!(TestCode::of("benches/b.rs", false, None).contains(1));
        assert!(TestCode::of("src/test_utils.rs", true, None).contains(1));
        assert!(!TestCode::of("src/tests.rs", false, None).contains(1));
    }

    #[test]
    fn only_errors_are_lowered() {
        let at = crate::engine::file_start("tests/it.rs");
        let mut e = Finding::new("FFI001", crate::Level::Error, "m", at.clone());
        let mut w = Finding::new("FFI002", crate::Level::Warning, "m", at);
        TestCode::of("tests/it.rs", false, None).mark(std::slice::from_mut(&mut e));
        TestCode::of("tests/it.rs", false, None).mark(std::slice::from_mut(&mut w));
        let mut kept = e.clone();
        lower(&mut e, false);
        lower(&mut w, false);
        lower(&mut kept, true);
        assert_eq!(e.level, crate::Level::Warning);
        assert!(e.notes[0].starts_with("in test code: reported as a warning"));
        assert_eq!((w.level, w.notes.len()), (crate::Level::Warning, 0));
        assert_eq!((kept.level, kept.notes.len()), (crate::Level::Error, 0));
    }
}
