//! The examples in the rules' documentation are fixtures too: every rule fires on its
//! `Example` and stays silent on its `Use instead`, so a page never shows code the rule
//! would treat otherwise.
//!
//! An example is audited as `src/lib.rs` of a crate of its own. One that is not a whole file
//! (statements, as most examples are) is audited as the body of a private `fn example()`.
//!
//! The engine's diagnostics (`FG…`) run with every rule, since a suppression needs a rule
//! to name. A page whose examples cannot be audited this way is listed in [`not_checked`]
//! with the reason; every other page is checked, so a new rule or diagnostic is never
//! skipped silently.

use ffiguard_audit::{Rule, RuleMeta, check_source, registry};

/// Why a page's examples are not audited here, or `None` when they are.
fn not_checked(id: &str) -> Option<&'static str> {
    if id.starts_with("ABI") {
        return Some(
            "the header cross-check's findings need the C declaration in a header, and the \
             examples show the Rust side only (some not even Rust: ABI012's is the \
             configuration, ABI011's a missing declaration); abi_checks.rs and the abi_set_* \
             suites cover these rules with real headers",
        );
    }
    match id {
        "FG0001" => Some(
            "its example is a `mod` whose file is missing or present, which one source string \
             cannot show",
        ),
        "FG0004" => Some("an internal error of the audit has no example"),
        _ => None,
    }
}

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
    let rules = registry::rules();
    let mut all = Vec::new();
    for meta in registry::metas() {
        if let Some(rule) = rules.iter().find(|r| r.meta().id == meta.id) {
            all.extend(problems(meta, &[*rule]));
        } else if not_checked(meta.id).is_none() {
            all.extend(problems(meta, rules));
        }
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
}

#[test]
fn only_pages_without_runnable_examples_are_left_out() {
    let left_out: Vec<&str> = registry::metas()
        .iter()
        .map(|m| m.id)
        .filter(|id| not_checked(id).is_some())
        .collect();
    assert!(
        left_out
            .iter()
            .all(|id| id.starts_with("ABI") || id.starts_with("FG"))
    );
    assert!(left_out.contains(&"FG0001") && left_out.contains(&"FG0004"));
    assert!(!left_out.contains(&"FG0002") && !left_out.contains(&"FG0003"));
}

#[test]
fn fragments_become_a_function_body() {
    assert_eq!(as_file("fn f() {}"), "fn f() {}");
    assert_eq!(as_file("let a = 1;"), "fn example() {\nlet a = 1;\n}\n");
}
