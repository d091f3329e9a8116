//! Fuzzes the sanitizer report parser of `ffiguard-sanitize` with arbitrary test output:
//! it must never panic, must keep its caps on findings, frames and field lengths, and must
//! give the same report whether fed at once or line by line, and the summaries must render.

#![no_main]

use ffiguard_sanitize::{MAX_FINDINGS, MAX_FRAMES, Outcome, ReportParser, Sanitizer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let report = ffiguard_sanitize::parse_report(&text);
    assert!(report.findings.len() <= MAX_FINDINGS);
    for finding in &report.findings {
        assert!(finding.frames.len() <= MAX_FRAMES);
        assert!(finding.occurrences >= 1);
        assert!(finding.kind.len() <= 512 && finding.message.len() <= 512);
        for frame in &finding.frames {
            assert!(frame.function.as_ref().is_none_or(|f| f.len() <= 512));
            assert!(frame.file.as_ref().is_none_or(|f| f.len() <= 512));
        }
    }
    let mut parser = ReportParser::default();
    for line in text.lines() {
        parser.feed(line);
    }
    assert_eq!(parser.finish(), report);
    let outcome = Outcome {
        sanitizer: Sanitizer::Address,
        command: String::new(),
        exit_code: Some(1),
        report,
        seconds: 0.0,
        notes: Vec::new(),
    };
    let _ = ffiguard_sanitize::render_human(std::slice::from_ref(&outcome));
    let json = ffiguard_sanitize::render_json(std::slice::from_ref(&outcome));
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
});
