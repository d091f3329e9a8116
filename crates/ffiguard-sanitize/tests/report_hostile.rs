//! Hostile input for the report parser: reports cut short, other threads' output between
//! the lines of a stack, megabyte frames, floods of findings, invalid and binary text.
//! The parser must stay within its caps and never panic (the fuzz target
//! `fuzz/fuzz_targets/sanitize_report.rs` covers the same promise with random input).

use ffiguard_sanitize::{MAX_FINDINGS, MAX_FRAMES, MAX_LINE, ReportParser, Tool, parse_report};

const HEADER: &str =
    "==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x6 at pc 0x1 bp 0x2 sp 0x3";

fn frame(index: usize, function: &str, file: &str) -> String {
    format!(
        "    #{index} 0x{index:x} in {function} {file}:{}:3",
        index + 10
    )
}

#[test]
fn a_report_cut_short_mid_stack_still_counts() {
    let text = format!(
        "{HEADER}\nREAD of size 8\n{}\n    #1 0x2 in ma",
        frame(0, "use_it", "/s/a.c")
    );
    let report = parse_report(&text);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].kind, "heap-use-after-free");
    let at = report.findings[0]
        .location
        .as_ref()
        .expect("location from frame #0");
    assert_eq!((at.file.as_deref(), at.line), (Some("/s/a.c"), Some(10)));
}

#[test]
fn a_header_alone_is_a_finding_without_location() {
    let report = parse_report("WARNING: ThreadSanitizer: data race (pid=1)");
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].tool, Tool::ThreadSanitizer);
    assert!(report.findings[0].frames.is_empty() && report.findings[0].location.is_none());
}

#[test]
fn interleaved_test_output_does_not_break_or_pollute_the_stack() {
    let text = [
        HEADER.to_owned(),
        frame(0, "use_it", "/s/a.c"),
        "test other::thing ... ok".to_owned(),
        "    #7 0x1 in not_next /x.c:1:1".to_owned(), // out of sequence: another stack's
        frame(1, "caller", "/s/lib.rs"),
        "thread 'x' panicked at src/lib.rs:3:5:".to_owned(),
        frame(2, "outer", "/s/lib.rs"),
        "SUMMARY: AddressSanitizer: heap-use-after-free /s/a.c:10:3 in use_it".to_owned(),
    ]
    .join("\n");
    let report = parse_report(&text);
    assert_eq!(report.findings.len(), 1);
    let functions: Vec<_> = report.findings[0]
        .frames
        .iter()
        .map(|f| f.function.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(functions, ["use_it", "caller", "outer"]);
}

#[test]
fn two_reports_interleaved_by_threads_are_both_kept() {
    let text = format!(
        "{HEADER}\n{}\nWARNING: ThreadSanitizer: data race (pid=9)\n    #0 racer /s/b.c:4:2 (bin+0x1)\n{}",
        frame(0, "use_it", "/s/a.c"),
        frame(5, "late_frame_of_the_first_report", "/s/a.c"),
    );
    let report = parse_report(&text);
    assert_eq!(report.findings.len(), 2);
    assert_eq!(
        report.findings[1].frames.len(),
        1,
        "the late frame is out of sequence"
    );
}

#[test]
fn huge_frames_are_cut_not_copied_whole() {
    let giant = "<core::iter::Map<".repeat(200_000);
    let text = format!("{HEADER}\n    #0 0x1 in {giant} /s/a.c:1:1\n");
    let report = parse_report(&text);
    let finding = &report.findings[0];
    let function_len = finding
        .frames
        .first()
        .and_then(|f| f.function.as_ref())
        .map_or(0, String::len);
    assert!(function_len <= 512, "kept {function_len} bytes");
    let mut parser = ReportParser::default();
    parser.feed(&"x".repeat(MAX_LINE * 100));
    assert!(parser.finish().findings.is_empty());
}

#[test]
fn multibyte_text_at_the_cut_points_does_not_split_characters() {
    for pad in 0..4 {
        let name = format!("{}{}", "a".repeat(pad), "é€😀".repeat(400));
        let text = format!("{HEADER} {name}\n    #0 0x1 in {name} /s/{name}.c:1:1\n");
        let report = parse_report(&text);
        assert_eq!(report.findings.len(), 1);
        let line = format!("{}{}", "b".repeat(pad), "😀".repeat(MAX_LINE));
        let _ = parse_report(&line);
    }
}

#[test]
fn deep_stacks_keep_only_the_top_frames() {
    let frames: Vec<String> = (0..10_000).map(|i| frame(i, "f", "/s/a.c")).collect();
    let report = parse_report(&format!("{HEADER}\n{}", frames.join("\n")));
    assert_eq!(report.findings[0].frames.len(), MAX_FRAMES);
}

#[test]
fn a_flood_of_distinct_findings_is_capped_and_counted() {
    let text: String = (0..MAX_FINDINGS + 50)
        .map(|i| format!("{HEADER}\n{}\n", frame(0, "f", &format!("/s/file{i}.c"))))
        .collect();
    let report = parse_report(&text);
    assert_eq!(report.findings.len(), MAX_FINDINGS);
    assert_eq!(report.dropped, 50);
}

#[test]
fn lookalike_lines_are_not_findings() {
    let text = "\
==abc==ERROR: AddressSanitizer: not a pid
====ERROR: AddressSanitizer: empty pid
ERROR: NotASanitizer: thing
WARNING: ThreadSanitizer
#0
    #0 0x
    #x 0x1 in f /a.c:1:1
: runtime error
==1== at 0x1: f (a.c:1)
SUMMARY: AddressSanitizer: 1 byte(s) leaked";
    let report = parse_report(text);
    // `==abc==` is not a pid, so the line is not a header even though its tail looks like one.
    assert!(report.findings.iter().all(|f| f.message != "not a pid"));
    assert!(report.findings.len() <= 2, "{report:#?}");
}

#[test]
fn binary_garbage_and_line_endings() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let text = String::from_utf8_lossy(&bytes);
    let _ = parse_report(&text);
    let crlf = format!("{HEADER}\r\n{}\r\n", frame(0, "use_it", "/s/a.c"));
    let report = parse_report(&crlf);
    assert_eq!(report.findings[0].frames[0].column, Some(3));
}
