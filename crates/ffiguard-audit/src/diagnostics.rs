//! Findings the engine itself emits: files it could not audit and malformed suppressions.
//!
//! They have `FG` ids so they never collide with rule ids, appear in `cargo ffiguard rules`,
//! SARIF and the docs like rules, and can be configured (but not suppressed in source).

use crate::{Confidence, Level, RuleDocs, RuleMeta};

/// A file could not be read or parsed; it was not audited.
pub static UNPARSED_FILE: RuleMeta = RuleMeta {
    id: "FG0001",
    name: "unparsed-file",
    summary: "a source file could not be read or parsed, so it was not audited",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports a file of the crate that the audit could not read (missing module file, \
invalid UTF-8, unreadable path, symlink loop) or parse (syntax error, over the size limit, nesting \
deeper than the parser can safely follow).",
        why_is_this_bad: "Nothing in that file was checked. A clean report would be a false promise.",
        known_problems: "Files that only compile with a nightly syntax feature that `syn` does not know are \
reported although `rustc` accepts them.",
        example_bad: "// src/lib.rs\nmod ffi; // but src/ffi.rs does not exist",
        example_good: "// src/lib.rs\nmod ffi; // src/ffi.rs exists and parses",
        fix: "Fix the file, or list it under `ignore` in the configuration if it is not Rust source \
that ships (e.g. a template).",
    },
};

/// `// ffiguard: allow(..)` without `-- reason`, or naming no known rule.
pub static BAD_SUPPRESSION: RuleMeta = RuleMeta {
    id: "FG0002",
    name: "bad-suppression",
    summary: "a suppression comment has no reason or names an unknown rule",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Checks every `// ffiguard: allow(ID) -- reason` comment: it must name known rules \
(by id or name) and give a reason after `--`. A malformed suppression suppresses nothing.",
        why_is_this_bad: "A suppression is a claim that a reviewer checked the code. Without a reason the \
next reviewer cannot check the claim, and a typo in the id silently suppresses nothing.",
        known_problems: "None known.",
        example_bad: "// ffiguard: allow(FFI001)\nlet s = CStr::from_ptr(p);",
        example_good: "// ffiguard: allow(FFI001) -- `p` comes from `sqlite3_errmsg`, never null\n\
let s = CStr::from_ptr(p);",
        fix: "Add `-- ` and the reason the finding does not apply here, or fix the rule id.",
    },
};

/// A suppression that matched no finding.
pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    id: "FG0003",
    name: "unused-suppression",
    summary: "a suppression comment matches no finding",
    default_level: Level::Info,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports `// ffiguard: allow(ID) -- reason` comments whose scope holds no finding of \
that rule.",
        why_is_this_bad: "Stale suppressions hide future findings in the same place and mislead readers \
into thinking something needed suppressing.",
        known_problems: "When a rule is switched off in the configuration, its suppressions look unused.",
        example_bad: "// ffiguard: allow(FFI001) -- checked\nlet n = 1 + 1;",
        example_good: "let n = 1 + 1;",
        fix: "Delete the comment.",
    },
};

/// A rule or the engine panicked on a file.
pub static INTERNAL_ERROR: RuleMeta = RuleMeta {
    id: "FG0004",
    name: "internal-error",
    summary: "the audit hit an internal error on a file; results for it are incomplete",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Reports a file on which a rule or the engine failed unexpectedly. The rest of the \
run goes on.",
        why_is_this_bad: "Findings in that file may be missing.",
        known_problems: "This is a bug in ffiguard; please report it with the file.",
        example_bad: "",
        example_good: "",
        fix: "Report the bug; meanwhile, review the file by hand.",
    },
};

/// All engine diagnostics.
pub static ALL: [&RuleMeta; 4] = [
    &UNPARSED_FILE,
    &BAD_SUPPRESSION,
    &UNUSED_SUPPRESSION,
    &INTERNAL_ERROR,
];
