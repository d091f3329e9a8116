//! Text from the other side of a boundary: the one rule, shared by this crate and the sandbox,
//! for bounding and showing it, and for turning a panic payload into a message.
//!
//! A C library's message, a worker's standard error, a path read from a worker's memory: the
//! other side controls those bytes. Shown raw, a newline forges a second log line, a carriage
//! return or an ANSI escape (`ESC [`) rewrites what a terminal displays, and a Unicode bidi
//! control reorders it. [`escape`] shows every such character escaped, the way Rust's
//! `char::escape_default` writes it (`\n`, `\u{1b}`, `\u{202e}`), and keeps everything else so
//! a path or a message stays readable. It is idempotent: its output contains none of the
//! characters it escapes. [`sanitize`] also bounds the bytes and replaces invalid UTF-8.
//!
//! ```
//! use ffiguard::untrusted;
//!
//! assert_eq!(untrusted::escape("a\nINFO forged"), "a\\nINFO forged");
//! assert_eq!(untrusted::sanitize(b"bad \xff"), "bad \u{fffd}");
//! let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
//! assert_eq!(untrusted::panic_message(payload.as_ref()), "boom");
//! ```

use std::any::Any;
use std::borrow::Cow;

/// Longest untrusted text kept, in input bytes: a C library's message, a worker's words.
pub const MAX_UNTRUSTED_TEXT: usize = 4096;

/// The message of a panic payload whose type is neither `&str` nor `String`.
pub const NON_STRING_PAYLOAD: &str = "non-string panic payload";

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
pub fn escape(text: &str) -> Cow<'_, str> {
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

/// Untrusted bytes as a bounded, printable string: at most [`MAX_UNTRUSTED_TEXT`] input
/// bytes, invalid UTF-8 replaced, layout controls escaped.
pub fn sanitize(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(MAX_UNTRUSTED_TEXT)];
    escape(&String::from_utf8_lossy(bytes)).into_owned()
}

/// The text of a panic payload (`panic!("...")` yields `&str` or `String`), or
/// [`NON_STRING_PAYLOAD`]. The payload is only looked at: dropping it (which can itself panic)
/// is the caller's business.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        NON_STRING_PAYLOAD.to_owned()
    }
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
        assert_eq!(sanitize(&[b'x'; 5000]).len(), MAX_UNTRUSTED_TEXT);
    }

    #[test]
    fn panic_payloads_of_every_shape_have_a_message() {
        let text: Box<dyn Any + Send> = Box::new("static");
        assert_eq!(panic_message(text.as_ref()), "static");
        let owned: Box<dyn Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_message(owned.as_ref()), "owned");
        let other: Box<dyn Any + Send> = Box::new(42_u8);
        assert_eq!(panic_message(other.as_ref()), NON_STRING_PAYLOAD);
    }
}
