//! The one rule for showing text a worker wrote (its memory, its standard error, its panic
//! messages) to people and to logs.
//!
//! A worker controls those bytes. Shown raw, a newline forges a second log line, a carriage
//! return or an ANSI escape (`ESC [`) rewrites what a terminal displays, and a Unicode bidi
//! control reorders it. Every character that can do that is shown escaped, the way Rust's
//! `char::escape_default` writes it (`\n`, `\u{1b}`, `\u{202e}`); everything else is kept, so a
//! path or message stays readable.
//!
//! The escape is idempotent: its output contains none of the characters it escapes, so text
//! escaped where it enters the host (the blocked-call log) and again where it is displayed
//! reads the same.

use std::borrow::Cow;

/// Longest worker-written text kept, in input bytes.
pub(crate) const MAX_UNTRUSTED_BYTES: usize = 4096;

/// Whether `c` changes how surrounding text is laid out or displayed rather than being shown.
fn is_layout_control(c: char) -> bool {
    c.is_control() // C0 (including LF, CR, TAB, ESC), DEL and C1
        || matches!(
            c,
            // Bidi marks, embeddings, overrides and isolates.
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators: line breaks to many log viewers.
            | '\u{2028}' | '\u{2029}'
        )
}

/// `text` with every layout control escaped (borrowed when there is none).
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_layout_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_layout_control(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Untrusted bytes as a bounded, printable string: at most [`MAX_UNTRUSTED_BYTES`] input
/// bytes, invalid UTF-8 replaced, layout controls escaped.
pub(crate) fn sanitize(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(MAX_UNTRUSTED_BYTES)];
    escape(&String::from_utf8_lossy(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_lines_escapes_and_bidi_controls_are_escaped() {
        let forged = "/tmp/a\nINFO ok\r\u{1b}[2K\u{202e}txt.exe\u{2028}";
        let shown = escape(forged);
        assert_eq!(
            shown,
            "/tmp/a\\nINFO ok\\r\\u{1b}[2K\\u{202e}txt.exe\\u{2028}"
        );
        assert!(!shown.chars().any(is_layout_control));
        assert_eq!(escape(&shown), shown, "idempotent");
        assert!(matches!(escape("/etc/hostname"), Cow::Borrowed(_)));
        assert_eq!(sanitize(b"bad \xff\x07"), "bad \u{fffd}\\u{7}");
        assert_eq!(sanitize(&[b'x'; 5000]).len(), MAX_UNTRUSTED_BYTES);
    }
}
