//! The examples in the rules' documentation are fixtures too: every rule fires on its
//! `Example` and stays silent on its `Use instead`, so a page never shows code the rule
//! would treat otherwise.
//!
//! An example is audited as `src/lib.rs` of a crate of its own. One that is not a whole file
//! (statements, as most examples are) is audited as the body of a private `fn example()`.
//!
//! Not checked here, each for a stated reason:
//! - the header cross-check's rules (`ABI…`): their examples show the Rust side only, and
//!   their finding needs the C declaration in a header; `abi_checks.rs` and the `abi_set_*`
//!   suites cover them with real headers;
//! - `FG0001` (`unparsed-file`): its example is a `mod` whose file is missing or present,
//!   which one source string cannot show;
//! - `FG0004` (`internal-error`): a bug of the audit has no example.

use ffiguard_audit::{Rule, RuleMeta, check_source, diagnostics, registry};

/// Diagnostics of the engine whose examples run through [`check_source`] with every rule.
const ENGINE_EXAMPLES: [&RuleMeta; 2] = [
    &diagnostics::BAD_SUPPRESSION,
    &diagnostics::UNUSED_SUPPRESSION,
];

/// `code` as a file: itself when it parses as one, else the body of a function.
fn as_file(code: &str) -> String {
    if syn::parse_file(code).is_ok() {
        code.to_owned()
    } else {
        format!("fn example() {{\n{code}\n}}\n")
    }
}

/// What is wrong with `meta`'s examples when audited by `rules`.
fn problems(meta: &RuleMeta, rules: &[&dyn Rule]) -> Vec<String> {
    let mut problems = Vec::new();
    for (section, code, must_fire) in [
        ("Example", meta.docs.example_bad, true),
        ("Use instead", meta.docs.example_good, false),
    ] {
        if code.trim().is_empty() {
            problems.push(format!("{}: no {section} code", meta.id));
            continue;
        }
        let file = as_file(code);
        if syn::parse_file(&file).is_err() {
            problems.push(format!("{}: {section} does not parse", meta.id));
            continue;
        }
        let findings = check_source("src/lib.rs", &file, rules);
        let fired: Vec<&str> = findings
            .iter()
            .filter(|f| f.rule == meta.id)
            .map(|f| f.message.as_str())
            .collect();
        if must_fire && fired.is_empty() {
            problems.push(format!("{}: {section} is not flagged:\n{file}", meta.id));
        }
        if !must_fire && !fired.is_empty() {
            problems.push(format!(
                "{}: {section} is flagged ({}):\n{file}",
                meta.id,
                fired.join("; ")
            ));
        }
    }
    problems
}

#[test]
fn every_rule_flags_its_example_and_spares_what_it_recommends() {
    let mut all = Vec::new();
    for rule in registry::rules() {
        all.extend(problems(rule.meta(), &[*rule]));
    }
    for meta in ENGINE_EXAMPLES {
        all.extend(problems(meta, registry::rules()));
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

#[test]
fn fragments_become_a_function_body() {
    assert_eq!(as_file("fn f() {}"), "fn f() {}");
    assert_eq!(as_file("let a = 1;"), "fn example() {\nlet a = 1;\n}\n");
}
