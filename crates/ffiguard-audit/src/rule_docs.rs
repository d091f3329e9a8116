//! Rule documentation written as Markdown, one file per rule, read into [`RuleDocs`] while
//! the crate compiles.
//!
//! Every rule's page is `src/rules/docs/ID.md` (`FFI015.md`, `ABI003.md`, `FG0002.md`), and
//! its [`RuleMeta`](crate::RuleMeta) takes it with
//! `RuleDocs::from_markdown(include_str!(".../ID.md"))`. The files sit in one directory named
//! by id rather than beside each rule's code because the id is what users meet (`cargo
//! ffiguard explain FFI015`, `docs/rules/FFI015.md`), because the header cross-check's rules
//! and the engine's diagnostics share one source file each and so have no "beside", and
//! because one directory lets a test prove that every rule has exactly its own page. The
//! identity (id, name, summary, level, confidence) stays in Rust, next to the code that
//! reports it.
//!
//! A page is a series of `## ` sections, in this order, each at most once (a missing one is
//! empty):
//!
//! | heading | field |
//! | --- | --- |
//! | `## What it does` | [`RuleDocs::what_it_does`] |
//! | `## Why is this bad` | [`RuleDocs::why_is_this_bad`] |
//! | `## Known problems` | [`RuleDocs::known_problems`] |
//! | `## Example` | [`RuleDocs::example_bad`]: one ```` ```rust ```` block, nothing else |
//! | `## Use instead` | [`RuleDocs::example_good`]: one ```` ```rust ```` block, nothing else |
//! | `## Fix` | [`RuleDocs::fix`] |
//!
//! A section's text is everything up to the next heading, without the blank lines around it;
//! a `## ` line inside a code block is code. A malformed page does not build: the rules'
//! statics run [`RuleDocs::from_markdown`] at compile time, where its panic is a compile
//! error that says what is wrong, pointing at the `include_str!` that names the file.

use crate::RuleDocs;
use std::fmt;

/// Why a rule's Markdown page could not be split into sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum MalformedDocs {
    /// Something other than blank lines before the first `## ` heading.
    TextBeforeFirstHeading,
    /// A `## ` heading that names none of the sections.
    UnknownHeading,
    /// A section repeated, or placed after one that follows it.
    HeadingOutOfOrder,
    /// A ```` ``` ```` fence that is never closed.
    UnclosedFence,
    /// An `Example` or `Use instead` section that is not exactly one ```` ```rust ```` block.
    ExampleNotOneRustBlock,
    /// No `What it does` text: every rule says what it matches.
    MissingWhatItDoes,
}

impl MalformedDocs {
    /// The problem in words (a `const fn`, so a compile-time panic can carry it).
    pub(crate) const fn message(self) -> &'static str {
        match self {
            Self::TextBeforeFirstHeading => "rule docs: text before the first `## ` heading",
            Self::UnknownHeading => {
                "rule docs: a `## ` heading is none of What it does, Why is this bad, \
                 Known problems, Example, Use instead, Fix"
            }
            Self::HeadingOutOfOrder => "rule docs: a section is repeated or out of order",
            Self::UnclosedFence => "rule docs: a ``` code block is never closed",
            Self::ExampleNotOneRustBlock => {
                "rule docs: an Example or Use instead section is not exactly one ```rust block"
            }
            Self::MissingWhatItDoes => "rule docs: no `## What it does` text",
        }
    }
}

impl fmt::Display for MalformedDocs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for MalformedDocs {}

/// The section headings, in the order a page must keep; indices into [`Sections`].
const TITLES: [&str; 6] = [
    "What it does",
    "Why is this bad",
    "Known problems",
    "Example",
    "Use instead",
    "Fix",
];
const EXAMPLE: usize = 3;
const USE_INSTEAD: usize = 4;

/// A page's sections, in [`TITLES`] order; the two examples without their fences.
pub(crate) type Sections<'a> = [&'a str; 6];

impl RuleDocs {
    /// The documentation in a Markdown page (see the [module docs](self) for its shape).
    ///
    /// # Panics
    ///
    /// On a malformed page, with the [`MalformedDocs`] message. It is meant for `static`
    /// initialisers, which evaluate it while compiling: there the panic is a build error, and
    /// nothing that runs ever reaches it.
    pub(crate) const fn from_markdown(page: &'static str) -> RuleDocs {
        match sections(page) {
            Ok([what, why, known, bad, good, fix]) => RuleDocs {
                what_it_does: what,
                why_is_this_bad: why,
                known_problems: known,
                example_bad: bad,
                example_good: good,
                fix,
            },
            Err(e) => panic!("{}", e.message()),
        }
    }
}

/// Splits a page into its sections (see the [module docs](self)).
pub(crate) const fn sections(page: &str) -> Result<Sections<'_>, MalformedDocs> {
    let bytes = page.as_bytes();
    let mut out: Sections<'_> = [""; 6];
    // The section being read and where its text starts.
    let mut current: Option<(usize, usize)> = None;
    let mut next_allowed = 0;
    let mut in_fence = false;
    let mut line = 0;
    while line < bytes.len() {
        let end = line_end(bytes, line);
        if starts_with(bytes, line, b"```") {
            in_fence = !in_fence;
        } else if !in_fence && starts_with(bytes, line, b"## ") {
            match current {
                Some((index, start)) => out[index] = trimmed(page, start, line),
                None if !trimmed(page, 0, line).is_empty() => {
                    return Err(MalformedDocs::TextBeforeFirstHeading);
                }
                None => {}
            }
            let Some(index) = title_index(trimmed(page, line + 3, end)) else {
                return Err(MalformedDocs::UnknownHeading);
            };
            if index < next_allowed {
                return Err(MalformedDocs::HeadingOutOfOrder);
            }
            next_allowed = index + 1;
            current = Some((index, end));
        }
        line = end + 1;
    }
    if in_fence {
        return Err(MalformedDocs::UnclosedFence);
    }
    match current {
        Some((index, start)) => out[index] = trimmed(page, start, bytes.len()),
        None if !trimmed(page, 0, bytes.len()).is_empty() => {
            return Err(MalformedDocs::TextBeforeFirstHeading);
        }
        None => {}
    }
    if out[0].is_empty() {
        return Err(MalformedDocs::MissingWhatItDoes);
    }
    let mut index = EXAMPLE;
    while index <= USE_INSTEAD {
        out[index] = match rust_block(out[index]) {
            Ok(code) => code,
            Err(e) => return Err(e),
        };
        index += 1;
    }
    Ok(out)
}

/// The code of a section that is one ```` ```rust ```` block (empty for an empty section).
const fn rust_block(section: &str) -> Result<&str, MalformedDocs> {
    const OPEN: &[u8] = b"```rust\n";
    const CLOSE: &[u8] = b"\n```";
    let bytes = section.as_bytes();
    if bytes.is_empty() {
        return Ok("");
    }
    let len = bytes.len();
    if len < OPEN.len() + CLOSE.len()
        || !starts_with(bytes, 0, OPEN)
        || !starts_with(bytes, len - CLOSE.len(), CLOSE)
    {
        return Err(MalformedDocs::ExampleNotOneRustBlock);
    }
    let (start, end) = (OPEN.len(), len - CLOSE.len());
    // A fence inside would end the block early and leave text after it.
    let mut line = start;
    while line < end {
        if starts_with(bytes, line, b"```") {
            return Err(MalformedDocs::ExampleNotOneRustBlock);
        }
        line = line_end(bytes, line) + 1;
    }
    Ok(slice(section, start, end))
}

/// Which of [`TITLES`] `title` is.
const fn title_index(title: &str) -> Option<usize> {
    let mut index = 0;
    while index < TITLES.len() {
        let known = TITLES[index].as_bytes();
        if title.len() == known.len() && starts_with(title.as_bytes(), 0, known) {
            return Some(index);
        }
        index += 1;
    }
    None
}

/// The index of the `\n` ending the line that starts at `start`, or the length.
const fn line_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// Whether `bytes[at..]` starts with `prefix`.
const fn starts_with(bytes: &[u8], at: usize, prefix: &[u8]) -> bool {
    if at > bytes.len() || bytes.len() - at < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if bytes[at + i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `text[start..end]` without the ASCII whitespace around it.
const fn trimmed(text: &str, start: usize, end: usize) -> &str {
    let bytes = text.as_bytes();
    let (mut start, mut end) = (start, end);
    while start < end && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    slice(text, start, end)
}

/// `text[start..end]`, or `""` when that is not a range of `text` on character boundaries
/// (every caller cuts next to an ASCII byte, where it always is).
const fn slice(text: &str, start: usize, end: usize) -> &str {
    let Some((_, rest)) = text.as_bytes().split_at_checked(start) else {
        return "";
    };
    let Some((part, _)) = rest.split_at_checked(end.saturating_sub(start)) else {
        return "";
    };
    match std::str::from_utf8(part) {
        Ok(part) => part,
        Err(_) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    const PAGE: &str = "## What it does\n\nFlags `x`.\n\n## Known problems\n\nNone.\n\
                        More.\n\n## Example\n\n```rust\n## not a heading\nlet a = 1;\n```\n\n\
                        ## Use instead\n\n```rust\n    let b = 2;\n```\n\n## Fix\n\nDo `y`.\n";

    #[test]
    fn splits_a_page_into_its_sections() {
        assert_eq!(
            sections(PAGE),
            Ok([
                "Flags `x`.",
                "",
                "None.\nMore.",
                "## not a heading\nlet a = 1;",
                "    let b = 2;",
                "Do `y`."
            ])
        );
        let only_what = sections("\n## What it does\r\n\r\nText.\r\n").map(|s| s[0]);
        assert_eq!(only_what, Ok("Text."));
    }

    #[test]
    fn reports_each_malformation() {
        let cases = [
            (
                "Intro.\n## What it does\nx\n",
                MalformedDocs::TextBeforeFirstHeading,
            ),
            ("just text", MalformedDocs::TextBeforeFirstHeading),
            (
                "## What it does\nx\n## Why\ny\n",
                MalformedDocs::UnknownHeading,
            ),
            (
                "## Fix\nx\n## What it does\ny\n",
                MalformedDocs::HeadingOutOfOrder,
            ),
            (
                "## What it does\nx\n## What it does\ny\n",
                MalformedDocs::HeadingOutOfOrder,
            ),
            (
                "## What it does\n```rust\nx\n",
                MalformedDocs::UnclosedFence,
            ),
            (
                "## What it does\nx\n## Example\nlet a = 1;\n",
                MalformedDocs::ExampleNotOneRustBlock,
            ),
            (
                "## What it does\nx\n## Example\n```rust\na\n```\nb\n```rust\nc\n```\n",
                MalformedDocs::ExampleNotOneRustBlock,
            ),
            (
                "## What it does\nx\n## Use instead\n```c\na\n```\n",
                MalformedDocs::ExampleNotOneRustBlock,
            ),
            (
                "## What it does\nx\n## Example\n```rust\n```\n",
                MalformedDocs::ExampleNotOneRustBlock,
            ),
            ("## Why is this bad\nx\n", MalformedDocs::MissingWhatItDoes),
            ("", MalformedDocs::MissingWhatItDoes),
        ];
        for (page, problem) in cases {
            assert_eq!(sections(page), Err(problem), "{page:?}");
        }
    }

    #[test]
    fn never_panics_on_cut_text() {
        // Every prefix of a real page, cut anywhere (inside a heading, a fence, a character).
        let page = format!("{PAGE}## Fix\n\nÜber `ç`.\n");
        for end in 0..=page.len() {
            let Some(prefix) = page.get(..end) else {
                continue;
            };
            let _ = sections(prefix);
        }
    }

    /// Every rule and diagnostic has exactly its own page: the ids of the files in
    /// `src/rules/docs/` are the known ids, and each rule's docs are its own file's sections
    /// (a copied `include_str!` path would show here).
    #[test]
    fn every_rule_reads_its_own_page() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/docs");
        let mut files = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("src/rules/docs") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            files.insert(name.strip_suffix(".md").unwrap_or(&name).to_owned());
        }
        let metas = crate::registry::metas();
        let ids: BTreeSet<String> = metas.iter().map(|m| m.id.to_owned()).collect();
        assert_eq!(files, ids);
        for meta in metas {
            let page = std::fs::read_to_string(dir.join(format!("{}.md", meta.id))).expect("page");
            let d = &meta.docs;
            let fields = [
                d.what_it_does,
                d.why_is_this_bad,
                d.known_problems,
                d.example_bad,
                d.example_good,
                d.fix,
            ];
            assert_eq!(sections(&page), Ok(fields), "{}", meta.id);
        }
    }
}
