//! A rule that panics is reported once, as an FG0004 finding: the panic message does not also
//! reach the panic hook (stderr, by default), and the hook in place before the audit is back
//! afterwards. Its own test binary, because the panic hook is process-wide.

use ffiguard_audit::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};
use std::sync::{Arc, Mutex};

static META: RuleMeta = RuleMeta {
    id: "FFI901",
    name: "test-always-panics",
    summary: "panics on every file",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "test",
        why_is_this_bad: "test",
        known_problems: "",
        example_bad: "",
        example_good: "",
        fix: "",
    },
};

/// A rule with a bug: it panics on every file.
struct Panics;

impl Rule for Panics {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, _: &FileContext<'_>, _: &mut Vec<Finding>) {
        panic!("rule bug");
    }
}

#[test]
fn a_caught_rule_panic_is_only_a_finding() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |info| {
        record.lock().unwrap().push(info.to_string());
    }));
    let findings = ffiguard_audit::check_source("a.rs", "fn f() {}", &[&Panics]);
    assert!(findings.iter().any(|f| f.rule == "FG0004"), "{findings:#?}");
    // Copied out before asserting: the recording hook takes the lock, so a failed assertion
    // must not hold it while it panics (that would deadlock instead of failing).
    let during_audit = seen.lock().unwrap().clone();
    assert!(during_audit.is_empty(), "{during_audit:?}");
    // The hook from before the audit is back: a panic outside it is seen again.
    let _ = std::panic::catch_unwind(|| panic!("after the audit"));
    let _ = std::panic::take_hook();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("after the audit"), "{seen:?}");
}
