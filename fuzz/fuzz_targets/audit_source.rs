//! Fuzzes the static audit with arbitrary source text: the guarded parser, the crate model, every
//! rule, suppressions and all three reporters must return findings — never panic, overflow the
//! stack or hang — and every finding must point inside the file it names.

#![no_main]

use ffiguard_audit::{AuditOutcome, SourceText, check_sources, registry};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    // A NUL splits the input into two files of one crate, so cross-file model lookups run too.
    let (first, second) = text.split_once('\0').unwrap_or((text, ""));
    let files = [("src/lib.rs", first), ("src/ffi.rs", second)];
    let findings = check_sources(&files, registry::rules());
    for f in &findings {
        let (_, body) = files
            .iter()
            .find(|(p, _)| *p == f.location.file)
            .expect("known file");
        let lines = SourceText::new((*body).to_owned()).line_count().max(1);
        assert!(
            f.location.line >= 1 && f.location.line <= lines + 1,
            "{f:?}"
        );
        assert!(
            f.location.column >= 1 && f.location.end_line >= f.location.line,
            "{f:?}"
        );
    }
    let outcome = AuditOutcome {
        findings,
        files: 2,
        lines: 0,
        bytes: text.len(),
        sources: files
            .iter()
            .map(|(p, b)| ((*p).to_owned(), Arc::from(*b)))
            .collect(),
        ..AuditOutcome::default()
    };
    let metas = registry::metas();
    let _ = ffiguard_audit::render_human(&outcome, &metas, false, std::path::Path::new("."));
    let json: serde_json::Value =
        serde_json::from_str(&ffiguard_audit::render_json(&outcome, &metas)).expect("valid JSON");
    assert!(json["findings"].is_array());
    let sarif = ffiguard_audit::render_sarif(&outcome, &metas, std::path::Path::new("."));
    assert!(serde_json::from_str::<serde_json::Value>(&sarif).is_ok());
    // Every parse adds its text to proc-macro2's per-thread source map; no span is alive now.
    proc_macro2::extra::invalidate_current_thread_spans();
});
