//! The text of a source file, indexed by line, with its comments.
//!
//! `syn` drops ordinary comments, but FFI review lives in them (`// SAFETY:`) and so do our
//! suppressions (`// ffiguard: allow(..)`). This module finds comments with a small lexer that
//! knows enough Rust (strings, raw strings, char literals vs lifetimes, nested block comments) not
//! to mistake `"//"` inside a literal for a comment.

/// One comment in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Line where the comment starts (1-based).
    pub line: usize,
    /// Line where it ends (same as `line` for `//` comments).
    pub end_line: usize,
    /// Column where it starts (1-based, characters).
    pub column: usize,
    /// Text without the `//`, `///`, `//!` or `/* */` markers, trimmed.
    pub text: String,
    /// Only whitespace precedes the comment on its first line.
    pub own_line: bool,
    /// A doc comment (`///`, `//!`, `/** */`, `/*! */`), which `syn` also sees as an attribute.
    pub doc: bool,
}

/// A file's text with a line index and its comments.
#[derive(Debug)]
pub struct SourceText {
    text: String,
    line_starts: Vec<usize>,
    comments: Vec<Comment>,
}

impl SourceText {
    /// Indexes `text`.
    ///
    /// ```
    /// let src = ffiguard_audit::SourceText::new("let s = \"//\"; // real\n".to_owned());
    /// assert_eq!(src.comments().len(), 1);
    /// assert_eq!(src.comments()[0].text, "real");
    /// ```
    pub fn new(text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut source = SourceText {
            text,
            line_starts,
            comments: Vec::new(),
        };
        source.comments = scan_comments(&source);
        source
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.line_starts.len() - 1
        } else {
            self.line_starts.len()
        }
    }

    /// Line `n` (1-based) without its line terminator.
    pub fn line(&self, n: usize) -> Option<&str> {
        let start = *self.line_starts.get(n.checked_sub(1)?)?;
        let end = self.line_starts.get(n).map_or(self.text.len(), |&e| e);
        let line = self.text.get(start..end)?;
        Some(line.trim_end_matches(['\n', '\r']))
    }

    /// Line (1-based) and column (1-based, characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let index = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[index];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (index + 1, column + 1)
    }

    /// Byte offset of a (line, column) position, both 1-based, column in characters. Positions
    /// past the end of a line clamp to its end.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.line_starts.get(i)) else {
            return self.text.len();
        };
        let line_text = self.line(line).unwrap_or("");
        let within = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
        start + within
    }

    /// All comments, in source order.
    pub fn comments(&self) -> &[Comment] {
        &self.comments
    }

    /// Comments that start on `line`.
    pub fn comments_on_line(&self, line: usize) -> impl Iterator<Item = &Comment> {
        let first = self.comments.partition_point(|c| c.line < line);
        self.comments[first..]
            .iter()
            .take_while(move |c| c.line == line)
    }

    /// Whether `line` holds nothing but whitespace and comments (and is not blank).
    pub fn is_comment_only_line(&self, line: usize) -> bool {
        let text = self.line(line).unwrap_or("");
        if text.trim().is_empty() {
            return false;
        }
        let first = self.comments.partition_point(|c| c.line < line);
        // Comments never overlap, so only the last one starting above can span this line.
        let spanned = self.comments[..first]
            .last()
            .is_some_and(|c| c.end_line >= line);
        spanned || self.comments_on_line(line).any(|c| c.own_line)
    }

    /// The text of the run of comment-only lines directly above `line` (no blank line in
    /// between), oldest first, joined with `\n`. `None` when the line above is not a comment.
    ///
    /// ```
    /// let src = ffiguard_audit::SourceText::new(
    ///     "// SAFETY: p is valid\n// for reads\nunsafe { *p }\n".to_owned(),
    /// );
    /// assert_eq!(src.comment_above(3).as_deref(), Some("SAFETY: p is valid\nfor reads"));
    /// assert_eq!(src.comment_above(1), None);
    /// ```
    pub fn comment_above(&self, line: usize) -> Option<String> {
        let mut first = line;
        while first > 1 && self.is_comment_only_line(first - 1) {
            first -= 1;
        }
        if first == line {
            return None;
        }
        let texts: Vec<&str> = self
            .comments
            .iter()
            .filter(|c| c.line >= first && c.line < line)
            .map(|c| c.text.as_str())
            .collect();
        Some(texts.join("\n"))
    }

    /// Text of a comment that follows code on `line`, if any.
    pub fn trailing_comment(&self, line: usize) -> Option<&str> {
        self.comments_on_line(line)
            .find(|c| !c.own_line)
            .map(|c| c.text.as_str())
    }
}

fn scan_comments(source: &SourceText) -> Vec<Comment> {
    let text = source.text.as_str();
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                let body = &text[i + 2..end];
                let (doc, body) = match body.as_bytes().first() {
                    Some(b'/') if !body.starts_with("//") => (true, &body[1..]),
                    Some(b'!') => (true, &body[1..]),
                    _ => (false, body),
                };
                comments.push(make_comment(source, i, end, body, doc));
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, i);
                let inner_end = if end >= i + 4 && text[..end].ends_with("*/") {
                    end - 2
                } else {
                    end
                };
                let body = text.get(i + 2..inner_end).unwrap_or("");
                let doc = (body.starts_with('*') && !body.starts_with("**") && body != "*")
                    || body.starts_with('!');
                let body = if doc { &body[1..] } else { body };
                comments.push(make_comment(source, i, end, body, doc));
                i = end;
            }
            b'"' => i = skip_string(bytes, i + 1),
            b'r' if is_raw_string_start(bytes, i) => i = skip_raw_string(bytes, i + 1),
            b'\'' => i = skip_char_or_lifetime(text, i),
            _ => i += 1,
        }
    }
    comments
}

fn make_comment(source: &SourceText, start: usize, end: usize, body: &str, doc: bool) -> Comment {
    let (line, column) = source.line_column(start);
    let (end_line, _) = source.line_column(end.saturating_sub(1).max(start));
    let line_start = source.line_starts[line - 1];
    let own_line = source.text[line_start..start].trim().is_empty();
    Comment {
        line,
        end_line,
        column,
        text: body.trim().to_owned(),
        own_line,
        doc,
    }
}

/// Offset just past the `*/` that closes the block comment opened at `start` (nesting counts).
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Offset just past the closing quote of a string whose body starts at `i`.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// `r"`, `r#"`, `br"`, `cr##"`: an `r` that starts a token (or follows `b`/`c` that does).
fn is_raw_string_start(bytes: &[u8], i: usize) -> bool {
    let token_start = match i.checked_sub(1).map(|p| bytes[p]) {
        None => true,
        Some(b'b' | b'c') => i < 2 || !is_ident_byte(bytes[i - 2]),
        Some(p) => !is_ident_byte(p),
    };
    if !token_start {
        return false;
    }
    let mut j = i + 1;
    while bytes.get(j) == Some(&b'#') {
        j += 1;
    }
    bytes.get(j) == Some(&b'"')
}

/// Offset just past a raw string whose hashes start at `i` (just after the `r`).
fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    i += 1; // opening quote
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes.len() >= i + 1 + hashes
            && bytes[i + 1..i + 1 + hashes].iter().all(|&b| b == b'#')
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// Skips `'x'`, `'\n'`, `'\u{1F600}'` or just the quote of a lifetime `'a`.
fn skip_char_or_lifetime(text: &str, i: usize) -> usize {
    let rest = &text[i + 1..];
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, '\\')) => {
            // escaped char literal: find the closing quote within a short window
            let window = rest.char_indices().skip(2).take(12);
            for (off, c) in window {
                if c == '\'' {
                    return i + 1 + off + 1;
                }
            }
            i + 1
        }
        Some(_) => match chars.next() {
            Some((off, '\'')) => i + 1 + off + 1,
            _ => i + 1,
        },
        None => i + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments(text: &str) -> Vec<String> {
        SourceText::new(text.to_owned())
            .comments()
            .iter()
            .map(|c| c.text.clone())
            .collect()
    }

    #[test]
    fn literals_do_not_open_comments() {
        assert_eq!(comments("let a = \"// no\"; // yes"), ["yes"]);
        assert_eq!(comments("let a = r#\"/* no \"# ; /* yes */"), ["yes"]);
        assert_eq!(comments("let c = '\"'; // yes"), ["yes"]);
        assert_eq!(comments("fn f<'a>(x: &'a str) {} // yes"), ["yes"]);
        assert_eq!(comments("let c = '\\''; // yes"), ["yes"]);
    }

    #[test]
    fn block_comments_nest_and_doc_comments_are_marked() {
        let src = SourceText::new("/* a /* b */ c */\n/// doc\n//// not doc\n".to_owned());
        let c = src.comments();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].text, "a /* b */ c");
        assert!(c[1].doc);
        assert!(!c[2].doc);
    }

    #[test]
    fn trailing_and_above() {
        let src = SourceText::new("fn f() {}\n\n// one\n/* two */\nx(); // end\n".to_owned());
        assert_eq!(src.comment_above(5).as_deref(), Some("one\ntwo"));
        assert_eq!(src.trailing_comment(5), Some("end"));
        assert_eq!(src.comment_above(3), None);
        assert_eq!(src.line_count(), 5);
    }

    #[test]
    fn columns_count_characters() {
        let src = SourceText::new("é = 1;\nab".to_owned());
        assert_eq!(src.line_column(2), (1, 2));
        assert_eq!(src.offset(1, 2), 2);
        assert_eq!(src.line_column(9), (2, 2));
    }
}
