//! One stack frame, as sanitizers and Valgrind print it.

use super::truncate;
use serde::Serialize;

/// Longest function name, path or message kept.
pub(crate) const MAX_FIELD: usize = 512;

/// A frame: any part may be missing (stripped binaries, frames in libc).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// Function (demangled by the symbolizer).
    pub function: Option<String>,
    /// Source file.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<u32>,
    /// 1-based column.
    pub column: Option<u32>,
}

impl Frame {
    /// Parses what follows `#N ` in a sanitizer stack: `0x55d in func /a.c:3:5`,
    /// `func /a.c:3:5 (bin+0x12)` (TSan), `0x55d in func (/lib/libc.so.6+0x27)`.
    pub(crate) fn parse_sanitizer(rest: &str) -> Option<Frame> {
        let mut text = rest.trim();
        if let Some(after) = text.strip_prefix("0x") {
            let hex_end = after.find(' ').unwrap_or(after.len());
            text = after[hex_end..].trim_start();
        }
        text = text.strip_prefix("in ").unwrap_or(text);
        // Trailing parenthesised notes: `(BuildId: …)`, `(binary+0x1234)`.
        while let Some(open) = text.rfind(" (") {
            if !text.ends_with(')') {
                break;
            }
            text = text[..open].trim_end();
        }
        if text.starts_with('(') && text.ends_with(')') {
            return Some(Frame::default());
        }
        let mut frame = Frame::default();
        match text.rsplit_once(' ') {
            Some((function, location)) if parse_location(location).is_some() => {
                frame = Frame::from_location(location).unwrap_or_default();
                frame.function = field(function);
            }
            _ => match parse_location(text) {
                Some(_) => frame = Frame::from_location(text).unwrap_or_default(),
                None => frame.function = field(text),
            },
        }
        Some(frame)
    }

    /// Parses what follows `at ` or `by ` in a Valgrind stack:
    /// `0x4848899: malloc (vg_replace_malloc.c:381)`, `0x1: ??? (in /usr/lib/libc.so.6)`.
    pub(crate) fn parse_valgrind(rest: &str) -> Option<Frame> {
        let (address, rest) = rest.trim().split_once(": ")?;
        address.strip_prefix("0x")?;
        let mut frame = Frame::default();
        let (function, place) = match rest.rsplit_once(" (") {
            Some((function, place)) => (function, place.strip_suffix(')')),
            None => (rest, None),
        };
        if let Some(place) = place.filter(|p| !p.starts_with("in ")) {
            frame = Frame::from_location(place).unwrap_or_default();
        }
        if function != "???" {
            frame.function = field(function);
        }
        Some(frame)
    }

    /// Parses `path:line[:column]`.
    pub(crate) fn from_location(text: &str) -> Option<Frame> {
        let (file, line, column) = parse_location(text)?;
        Some(Frame {
            function: None,
            file: field(file),
            line: Some(line),
            column,
        })
    }

    /// Whether this frame is in the program's own code rather than in a sanitizer runtime,
    /// Valgrind's replacements, libc or the Rust standard library and test harness.
    pub fn is_user_code(&self) -> bool {
        const FOREIGN_PATHS: [&str; 11] = [
            "/rustc/",
            "/library/std/",
            "/library/core/",
            "/library/alloc/",
            "/library/test/",
            "compiler-rt/",
            "vg_replace_",
            "/rustlib/src/",
            "nptl/",
            "sysdeps/",
            "/usr/include/",
        ];
        const RUNTIME_PREFIXES: [&str; 6] = [
            "__interceptor_",
            "__sanitizer",
            "__asan",
            "__tsan",
            "__msan",
            "__ubsan",
        ];
        let Some(file) = &self.file else {
            return false;
        };
        let runtime = self
            .function
            .as_deref()
            .is_some_and(|f| RUNTIME_PREFIXES.iter().any(|p| f.starts_with(p)));
        !runtime && !FOREIGN_PATHS.iter().any(|p| file.contains(p))
    }
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.function.as_deref().unwrap_or("??"))?;
        if let Some(file) = &self.file {
            write!(f, " at {file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

fn field(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| truncate(text, MAX_FIELD).to_owned())
}

/// `a/b.c:10:5` → (`a/b.c`, 10, Some(5)); `b.rs:7` → (`b.rs`, 7, None).
fn parse_location(text: &str) -> Option<(&str, u32, Option<u32>)> {
    let (head, last) = text.rsplit_once(':')?;
    let last_number = last.parse::<u32>().ok()?;
    if let Some((file, line)) = head.rsplit_once(':')
        && let Ok(line) = line.parse::<u32>()
        && !file.is_empty()
    {
        return Some((file, line, Some(last_number)));
    }
    (!head.is_empty()).then_some((head, last_number, None))
}
