//! Parses sanitizer and Valgrind reports out of a test run's interleaved output.
//!
//! The input is hostile by nature: a crashing process cuts its report short, other test
//! threads print between the lines of a stack, and a frame of a deeply generic Rust function
//! can be kilobytes long. The parser works line by line with bounded state: lines, fields,
//! frames per finding and findings are capped, and nothing it is fed can make it panic.

mod frame;

pub use frame::Frame;
use serde::Serialize;

/// Longest line looked at; the rest of a longer line is ignored.
pub const MAX_LINE: usize = 4096;
/// Frames kept per finding (the top of the stack is what a reader needs).
pub const MAX_FRAMES: usize = 16;
/// Distinct findings kept; later ones are only counted in [`Report::dropped`].
pub const MAX_FINDINGS: usize = 256;

/// The checker that wrote a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Tool {
    /// AddressSanitizer.
    AddressSanitizer,
    /// LeakSanitizer (alone or inside ASan).
    LeakSanitizer,
    /// ThreadSanitizer.
    ThreadSanitizer,
    /// MemorySanitizer.
    MemorySanitizer,
    /// UndefinedBehaviorSanitizer.
    UndefinedBehaviorSanitizer,
    /// Valgrind memcheck.
    Valgrind,
}

impl Tool {
    fn from_name(name: &str) -> Option<Tool> {
        Some(match name {
            "AddressSanitizer" => Tool::AddressSanitizer,
            "LeakSanitizer" => Tool::LeakSanitizer,
            "ThreadSanitizer" => Tool::ThreadSanitizer,
            "MemorySanitizer" => Tool::MemorySanitizer,
            "UndefinedBehaviorSanitizer" => Tool::UndefinedBehaviorSanitizer,
            _ => return None,
        })
    }
}

/// One reported problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Who reported it.
    pub tool: Tool,
    /// The class, as the tool names it: `heap-buffer-overflow`, `data race`,
    /// `signed integer overflow`, `direct leak`, `Invalid write of size 4`…
    pub kind: String,
    /// The report's first line, without the process id prefix.
    pub message: String,
    /// The top of the first stack, innermost first.
    pub frames: Vec<Frame>,
    /// The first frame in the program's own code (C or Rust), skipping the sanitizer
    /// runtime, libc and std; UBSan's header location when it printed no stack.
    pub location: Option<Frame>,
    /// How many times the same tool, kind and location were reported.
    pub occurrences: usize,
}

/// Everything found in one output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Distinct findings in the order first seen.
    pub findings: Vec<Finding>,
    /// Distinct findings left out past [`MAX_FINDINGS`].
    pub dropped: usize,
}

/// Parses a whole output at once.
///
/// ```
/// let out = "\
/// ==7==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000020
/// WRITE of size 4 at 0x602000000020 thread T0
///     #0 0x55d4 in fill /src/csrc/fill.c:10:28
///     #1 0x55d5 in mycrate::tests::fill /src/lib.rs:20:9
/// SUMMARY: AddressSanitizer: heap-buffer-overflow /src/csrc/fill.c:10:28 in fill
/// ";
/// let report = ffiguard_sanitize::parse_report(out);
/// let finding = &report.findings[0];
/// assert_eq!(finding.kind, "heap-buffer-overflow");
/// let at = finding.location.as_ref().unwrap();
/// assert_eq!((at.file.as_deref(), at.line), (Some("/src/csrc/fill.c"), Some(10)));
/// ```
pub fn parse_report(text: &str) -> Report {
    let mut parser = ReportParser::default();
    for line in text.lines() {
        parser.feed(line);
    }
    parser.finish()
}

/// Incremental parser: feed it lines as they arrive, then [`finish`](Self::finish).
#[derive(Debug, Default)]
pub struct ReportParser {
    current: Option<Open>,
    report: Report,
}

#[derive(Debug)]
struct Open {
    finding: Finding,
    /// The stack being read is still the first one.
    collecting: bool,
}

impl ReportParser {
    /// Takes one line of output (with or without its line ending).
    pub fn feed(&mut self, line: &str) {
        let line = truncate(line.trim_end_matches(['\n', '\r']), MAX_LINE);
        if let Some(rest) = valgrind_body(line) {
            self.feed_valgrind(rest);
            return;
        }
        let body = strip_pid(line).trim_start();
        if let Some(summary) = body.strip_prefix("SUMMARY: ") {
            if summary.contains("Sanitizer") {
                self.close();
            }
        } else if let Some((tool, rest)) = sanitizer_header(body) {
            self.close();
            if tool != Tool::LeakSanitizer {
                let kind = kind_of(rest);
                self.open(tool, kind, body, None);
            }
        } else if let Some(kind) = leak_header(body) {
            self.close();
            self.open(Tool::LeakSanitizer, kind.to_owned(), body, None);
        } else if let Some((at, message)) = body.split_once(": runtime error: ") {
            self.close();
            let kind = message
                .split(':')
                .next()
                .unwrap_or(message)
                .trim()
                .to_owned();
            let at = Frame::from_location(at);
            self.open(Tool::UndefinedBehaviorSanitizer, kind, body, at);
        } else if let Some(frame) = sanitizer_frame(body, self.next_frame_index()) {
            self.push_frame(frame);
        }
    }

    fn feed_valgrind(&mut self, rest: &str) {
        let text = rest.trim_start();
        if let Some(frame) = text.strip_prefix("at ").and_then(Frame::parse_valgrind) {
            let starts_second_stack = self
                .current
                .as_ref()
                .is_some_and(|open| !open.finding.frames.is_empty());
            if starts_second_stack {
                self.stop_collecting();
            } else {
                self.push_frame(frame);
            }
        } else if let Some(frame) = text.strip_prefix("by ").and_then(Frame::parse_valgrind) {
            self.push_frame(frame);
        } else if let Some(kind) = valgrind_kind(text) {
            self.close();
            self.open(Tool::Valgrind, kind, text, None);
        } else if text.is_empty() || text.starts_with("Address 0x") {
            self.stop_collecting();
        }
    }

    fn next_frame_index(&self) -> usize {
        self.current
            .as_ref()
            .filter(|open| open.collecting)
            .map_or(usize::MAX, |open| open.finding.frames.len())
    }

    fn open(&mut self, tool: Tool, kind: String, message: &str, at: Option<Frame>) {
        self.current = Some(Open {
            finding: Finding {
                tool,
                kind: truncate(&kind, frame::MAX_FIELD).to_owned(),
                message: truncate(message, frame::MAX_FIELD).to_owned(),
                frames: Vec::new(),
                location: at,
                occurrences: 1,
            },
            collecting: true,
        });
    }

    fn push_frame(&mut self, frame: Frame) {
        if let Some(open) = self.current.as_mut().filter(|open| open.collecting) {
            if open.finding.frames.len() < MAX_FRAMES {
                open.finding.frames.push(frame);
            } else {
                open.collecting = false;
            }
        }
    }

    fn stop_collecting(&mut self) {
        if let Some(open) = self.current.as_mut() {
            open.collecting = false;
        }
    }

    fn close(&mut self) {
        let Some(Open { mut finding, .. }) = self.current.take() else {
            return;
        };
        if let Some(user) = finding.frames.iter().find(|f| f.is_user_code()) {
            finding.location = Some(user.clone());
        }
        let findings = &mut self.report.findings;
        let same = findings.iter().position(|seen| {
            seen.tool == finding.tool
                && seen.kind == finding.kind
                && seen.location == finding.location
        });
        if let Some(seen) = same.and_then(|index| findings.get_mut(index)) {
            seen.occurrences = seen.occurrences.saturating_add(1);
        } else if findings.len() < MAX_FINDINGS {
            findings.push(finding);
        } else {
            self.report.dropped = self.report.dropped.saturating_add(1);
        }
    }

    /// Ends the input: a report cut short (the process died mid-stack) still counts.
    pub fn finish(mut self) -> Report {
        self.close();
        self.report
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Strips the `==1234==` prefix sanitizers put before their header lines.
fn strip_pid(line: &str) -> &str {
    let trimmed = line.trim_start();
    let Some(rest) = trimmed.strip_prefix("==") else {
        return line;
    };
    match rest.split_once("==") {
        Some((pid, after)) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => after,
        _ => line,
    }
}

/// Valgrind prefixes every line with `==1234== ` (note the space, which sanitizers omit).
fn valgrind_body(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("==")?;
    let (pid, after) = rest.split_once("==")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    after
        .strip_prefix(' ')
        .or(if after.is_empty() { Some("") } else { None })
}

fn sanitizer_header(body: &str) -> Option<(Tool, &str)> {
    let rest = body
        .strip_prefix("ERROR: ")
        .or_else(|| body.strip_prefix("WARNING: "))?;
    let (name, rest) = rest.split_once(": ")?;
    Some((Tool::from_name(name)?, rest))
}

/// `heap-buffer-overflow on address …` → `heap-buffer-overflow`; `data race (pid=1)` →
/// `data race`.
fn kind_of(rest: &str) -> String {
    let end = [" on address", " on unknown address", " (pid=", " (", " on "]
        .iter()
        .filter_map(|marker| rest.find(marker))
        .min()
        .unwrap_or(rest.len());
    rest[..end].trim().to_owned()
}

fn leak_header(body: &str) -> Option<&'static str> {
    if body.starts_with("Direct leak of ") {
        Some("direct leak")
    } else if body.starts_with("Indirect leak of ") {
        Some("indirect leak")
    } else {
        None
    }
}

fn sanitizer_frame(body: &str, expected: usize) -> Option<Frame> {
    let rest = body.strip_prefix('#')?;
    let (index, rest) = rest.split_once(' ')?;
    if index.parse::<usize>().ok()? != expected {
        return None;
    }
    Frame::parse_sanitizer(rest)
}

fn valgrind_kind(text: &str) -> Option<String> {
    const STARTS: [&str; 8] = [
        "Invalid read of size",
        "Invalid write of size",
        "Invalid free()",
        "Mismatched free()",
        "Conditional jump or move depends on uninitialised value",
        "Use of uninitialised value",
        "Syscall param",
        "Source and destination overlap",
    ];
    if STARTS.iter().any(|start| text.starts_with(start)) {
        return Some(text.to_owned());
    }
    let lost = text
        .find(" are definitely lost")
        .or_else(|| text.find(" are possibly lost"))?;
    text.contains(" in loss record").then(|| {
        text[lost + 5..]
            .split(" in loss")
            .next()
            .unwrap_or("lost")
            .to_owned()
    })
}

#[cfg(test)]
mod tests;
