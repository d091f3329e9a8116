//! The `cargo-ffiguard` binary end to end: exit codes, formats, suppression, baselines,
//! configuration, and inputs built to break a parser.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-ffiguard");

/// A finding of FFI011 (error level): a pointer into a temporary `CString`.
const DANGLING: &str = "    let p = CString::new(name).unwrap().as_ptr();\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let start = Instant::now();
    let out: Output = Command::new(BIN)
        .args(args)
        .output()
        .expect("spawn cargo-ffiguard");
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "run took too long"
    );
    Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

/// A crate with `src/lib.rs` = `body` (plus a manifest).
fn krate(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "src/lib.rs", body);
    dir
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn dangling_fn(before: &str) -> String {
    format!(
        "use std::ffi::CString;\n{before}pub fn f(name: &str) {{\n{DANGLING}    unsafe {{ use_it(p) }};\n}}\n"
    )
}

fn json_findings(r: &Run) -> Vec<Value> {
    let doc: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    doc["findings"].as_array().unwrap().clone()
}

fn rules_of(r: &Run) -> Vec<String> {
    json_findings(r)
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn clean_crate_exits_zero_and_cargo_style_invocation_works() {
    let dir = krate("pub fn add(a: i32, b: i32) -> i32 { a + b }\n");
    let direct = check(dir.path(), &[]);
    assert_eq!(direct.code, 0, "{}{}", direct.stdout, direct.stderr);
    assert!(direct.stdout.contains("0 error(s)"), "{}", direct.stdout);
    let via_cargo = run(&["ffiguard", "check", dir.path().to_str().unwrap()]);
    assert_eq!(via_cargo.code, 0, "{}", via_cargo.stderr);
}

#[test]
fn error_finding_exits_one_with_a_precise_location() {
    let dir = krate(&dangling_fn(""));
    let r = check(dir.path(), &["--color", "never"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("FFI011"), "{}", r.stdout);
    assert!(r.stdout.contains("src/lib.rs:3:"), "{}", r.stdout);
    assert!(
        r.stdout.contains("CString::new(name)"),
        "snippet shown: {}",
        r.stdout
    );
}

/// Paths are printed so they open from where the command ran: relative to the current
/// directory when below it, absolute otherwise.
#[test]
fn human_paths_are_relative_to_the_current_directory() {
    let outer = tempfile::tempdir().unwrap();
    let crate_dir = outer.path().join("sub");
    write(&crate_dir, "Cargo.toml", "[package]\nname = \"t\"\n");
    write(&crate_dir, "src/lib.rs", &dangling_fn(""));
    let out = Command::new(BIN)
        .args(["check", "sub", "--color", "never"])
        .current_dir(outer.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("--> sub/src/lib.rs:3:"), "{stdout}");
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["check", crate_dir.to_str().unwrap(), "--color", "never"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let absolute = crate_dir.canonicalize().unwrap().join("src/lib.rs");
    assert!(
        stdout.contains(&format!("--> {}:3:", absolute.display())),
        "{stdout}"
    );
}

#[test]
fn deny_level_decides_the_exit_code() {
    // A syntax error is a warning-level finding (FG0001): fine by default, fatal at --deny warning.
    let dir = krate("pub fn broken( {\n");
    assert_eq!(check(dir.path(), &[]).code, 0);
    assert_eq!(check(dir.path(), &["--deny", "warning"]).code, 1);
    assert_eq!(check(dir.path(), &["--deny", "loud"]).code, 2);
}

#[test]
fn json_output_carries_rule_level_location_and_fingerprint() {
    let dir = krate(&dangling_fn(""));
    let r = check(dir.path(), &["--format", "json"]);
    assert_eq!(r.code, 1);
    let findings = json_findings(&r);
    let f = findings
        .iter()
        .find(|f| f["rule"] == "FFI011")
        .expect("FFI011 reported");
    assert_eq!(f["level"], "error");
    assert_eq!(f["name"], "cstring-temporary-pointer");
    assert_eq!(f["location"]["file"], "src/lib.rs");
    assert_eq!(f["location"]["line"], 3);
    assert!(f["location"]["column"].as_u64().unwrap() >= 1);
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
}

#[test]
fn sarif_output_has_the_required_structure() {
    let dir = krate(&dangling_fn(""));
    let r = check(dir.path(), &["--format", "sarif"]);
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run0 = &doc["runs"][0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "ffiguard");
    let rules = driver["rules"].as_array().unwrap();
    let listed: Value = serde_json::from_str(&run(&["rules", "--format", "json"]).stdout).unwrap();
    assert_eq!(
        rules.len(),
        listed.as_array().unwrap().len(),
        "every rule described"
    );
    for rule in rules {
        assert!(rule["id"].is_string() && rule["name"].is_string());
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["none", "note", "warning", "error"].contains(&level));
    }
    let results = run0["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(["none", "note", "warning", "error"].contains(&result["level"].as_str().unwrap()));
        assert!(result["message"]["text"].is_string());
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "src/lib.rs");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(physical["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(base.starts_with("file:///") && base.ends_with('/'));
}

#[test]
fn suppression_needs_a_reason() {
    let with_reason = krate(&dangling_fn("").replace(
        DANGLING,
        &format!("    // ffiguard: allow(FFI011) -- test of suppression\n{DANGLING}"),
    ));
    let r = check(with_reason.path(), &["--format", "json"]);
    assert!(!rules_of(&r).contains(&"FFI011".to_owned()), "{}", r.stdout);
    let without = krate(&dangling_fn("").replace(
        DANGLING,
        &format!("    // ffiguard: allow(FFI011)\n{DANGLING}"),
    ));
    let r = check(without.path(), &["--format", "json"]);
    let rules = rules_of(&r);
    assert!(
        rules.contains(&"FFI011".to_owned()) && rules.contains(&"FG0002".to_owned()),
        "{rules:?}"
    );
    assert_eq!(r.code, 1);
}

#[test]
fn config_sets_levels_and_ignores_paths() {
    let dir = krate(&dangling_fn(""));
    write(
        dir.path(),
        "ffiguard.toml",
        "[levels]\ncstring-temporary-pointer = \"info\"\n",
    );
    let r = check(dir.path(), &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(json_findings(&r)[0]["level"], "info");
    write(dir.path(), "ffiguard.toml", "ignore = [\"src\"]\n");
    assert!(rules_of(&check(dir.path(), &["--format", "json"])).is_empty());
    write(
        dir.path(),
        "ffiguard.toml",
        "[levels]\nno-such-rule = \"info\"\n",
    );
    let r = check(dir.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-rule"), "{}", r.stderr);
}

#[test]
fn baseline_survives_line_shifts_and_reports_only_new_findings() {
    let dir = krate(&dangling_fn(""));
    let baseline = dir.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    assert_eq!(check(dir.path(), &["--write-baseline", b]).code, 0);
    assert_eq!(check(dir.path(), &["--baseline", b]).code, 0);
    // Shift everything down: the accepted finding keeps its fingerprint.
    write(
        dir.path(),
        "src/lib.rs",
        &dangling_fn("// a new comment\n\n\n"),
    );
    assert_eq!(check(dir.path(), &["--baseline", b]).code, 0);
    // A second, new occurrence is reported, and only it.
    let two = dangling_fn("").replace(
        DANGLING,
        &format!("{DANGLING}{}", DANGLING.replace("p =", "q =")),
    );
    write(dir.path(), "src/lib.rs", &two);
    let r = check(dir.path(), &["--baseline", b, "--format", "json"]);
    assert_eq!(r.code, 1);
    let findings = json_findings(&r);
    let lines: Vec<u64> = findings
        .iter()
        .filter(|f| f["rule"] == "FFI011")
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4]);
    write(
        dir.path(),
        "bad.json",
        "{\"version\": 9, \"fingerprints\": []}",
    );
    assert_eq!(
        check(
            dir.path(),
            &["--baseline", dir.path().join("bad.json").to_str().unwrap()]
        )
        .code,
        2
    );
}

#[test]
fn hostile_inputs_are_reported_per_file_and_the_run_goes_on() {
    let dir = krate(&format!(
        "mod invalid_utf8;\nmod unbalanced;\nmod deep;\nmod missing;\nmod looped;\n{}",
        dangling_fn("")
    ));
    let root = dir.path();
    std::fs::write(
        root.join("src/invalid_utf8.rs"),
        b"fn f() {}\n// \xff\xfe broken\n",
    )
    .unwrap();
    write(root, "src/unbalanced.rs", "fn f() { if x { }\n");
    write(
        root,
        "src/deep.rs",
        &format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink("looped.rs", root.join("src/looped.rs")).unwrap();
    let r = check(root, &["--format", "json"]);
    assert_eq!(
        r.code, 1,
        "the good file's error finding still counts: {}",
        r.stderr
    );
    let findings = json_findings(&r);
    let unparsed: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["rule"] == "FG0001")
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    let about = |file: &str, words: &str| {
        unparsed
            .iter()
            .any(|(f, m)| *f == file && m.contains(words))
    };
    assert!(
        about("src/invalid_utf8.rs", "UTF-8 at line 2"),
        "{unparsed:?}"
    );
    assert!(about("src/unbalanced.rs", "not audited"), "{unparsed:?}");
    assert!(about("src/deep.rs", "nesting"), "{unparsed:?}");
    assert!(about("src/lib.rs", "module `missing`"), "{unparsed:?}");
    #[cfg(unix)]
    assert!(about("src/looped.rs", "cannot read"), "{unparsed:?}");
    assert!(
        rules_of(&r).contains(&"FFI011".to_owned()),
        "other files still audited"
    );
}

/// A generated 150,000-term `1 + 1 + …` chain (~600 KB) is one FG0001 finding about that
/// file; the other files' findings survive, on one thread and on several, and a build script
/// of the same shape does not take the run down either.
#[test]
fn a_long_operator_chain_is_reported_and_the_rest_survives() {
    let chain = format!(
        "pub fn total() -> u32 {{\n    {}\n}}\n",
        vec!["1"; 150_000].join(" + ")
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "generated.rs", &chain);
    write(dir.path(), "ffi.rs", &dangling_fn(""));
    for threads in ["1", "4"] {
        let r = check(dir.path(), &["--format", "json", "--threads", threads]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let findings = json_findings(&r);
        assert!(
            findings.iter().any(|f| f["rule"] == "FG0001"
                && f["location"]["file"] == "generated.rs"
                && f["message"].as_str().unwrap().contains("nesting")),
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f["rule"] == "FFI011" && f["location"]["file"] == "ffi.rs"),
            "{findings:?}"
        );
    }
    let krate = krate(&dangling_fn(""));
    write(krate.path(), "build.rs", &chain.replace("total", "main"));
    let r = check(krate.path(), &["--format", "json"]);
    assert_eq!(rules_of(&r), ["FG0001", "FFI011"], "{}", r.stdout);
}

#[test]
fn directory_symlink_loop_without_manifest_terminates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/x.rs", &dangling_fn(""));
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/up")).unwrap();
    let r = check(dir.path(), &["--format", "json"]);
    assert_eq!(rules_of(&r), ["FFI011"], "{}", r.stdout);
}

/// Without a manifest every `.rs` file is a root; a module file `src/store.rs` still looks for
/// its children in `src/store/`, as rustc does, instead of reporting them missing.
#[test]
fn walked_module_files_find_their_children() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pkg/src/lib.rs", "pub mod store;\n");
    write(dir.path(), "pkg/src/store.rs", "mod index;\n");
    write(dir.path(), "pkg/src/store/index.rs", &dangling_fn(""));
    let r = check(dir.path(), &["--format", "json"]);
    assert_eq!(rules_of(&r), ["FFI011"], "{}", r.stdout);
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(run(&["check", "/definitely/not/here"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
    assert_eq!(run(&["explain", "FFI999"]).code, 2);
}

#[test]
fn explain_and_rules_print_the_docs() {
    let r = run(&["explain", "FFI011"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("# FFI011: cstring-temporary-pointer"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("## Why is this bad"));
    let by_name = run(&["explain", "cstring-temporary-pointer"]);
    assert_eq!(by_name.stdout, r.stdout);
    let list = run(&["rules"]);
    assert!(list.stdout.lines().any(|l| l.starts_with("FFI001")));
    assert!(list.stdout.lines().any(|l| l.starts_with("FG0002")));
}

/// The header cross-check's rules are rules like the others: explained, listed, configurable,
/// and printed with their names.
#[test]
fn cross_check_rules_are_registered() {
    let r = run(&["explain", "ABI006"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("# ABI006: "), "{}", r.stdout);
    let list = run(&["rules"]);
    assert!(list.stdout.lines().any(|l| l.starts_with("ABI011")));
    let dir =
        krate("use core::ffi::c_long;\nunsafe extern \"C\" { pub fn f(n: i64) -> c_long; }\n");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n[package.metadata.ffiguard]\n\
         headers = [\"f.h\"]\ntargets = [\"x86_64-linux\", \"x86_64-windows\"]\n\
         levels = { ABI011 = \"allow\" }\n",
    );
    write(dir.path(), "f.h", "long f(long n);\n");
    let r = check(dir.path(), &["--color", "never"]);
    assert!(
        r.stdout.contains("[ABI006: target-dependent-width]"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}

#[test]
fn docs_check_detects_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rules");
    let out_s = out.to_str().unwrap();
    assert_eq!(run(&["docs", "--out", out_s]).code, 0);
    assert_eq!(run(&["docs", "--out", out_s, "--check"]).code, 0);
    std::fs::write(out.join("FFI001.md"), "stale").unwrap();
    let r = run(&["docs", "--out", out_s, "--check"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("FFI001.md"), "{}", r.stderr);
}

/// The committed `docs/rules/` pages match the rules' documentation.
#[test]
fn committed_rule_pages_are_up_to_date() {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let r = run(&["docs", "--out", pages.to_str().unwrap(), "--check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The bundled naive binding trips most rules (it is the README's demonstration).
#[test]
fn naive_example_exercises_most_rules() {
    let naive = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/naive");
    let r = check(&naive, &["--format", "json"]);
    assert_eq!(r.code, 1);
    let mut rules = rules_of(&r);
    rules.sort();
    rules.dedup();
    assert!(
        !rules.iter().any(|r| r.starts_with("FG")),
        "naive example parses cleanly: {rules:?}"
    );
    let total = run(&["rules", "--format", "json"]);
    let listed = serde_json::from_str::<Value>(&total.stdout).unwrap();
    let rule_count = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"].as_str().unwrap().starts_with("FFI"))
        .count();
    assert!(
        rules.len() * 3 >= rule_count * 2,
        "only {rules:?} of {rule_count} rules fire"
    );
}

#[test]
fn a_single_file_and_workspace_metadata_config() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "one.rs", &dangling_fn(""));
    let r = run(&["check", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(rules_of(&r), ["FFI011"], "{}", r.stdout);
    assert_eq!(json_findings(&r)[0]["location"]["file"], "one.rs");

    let ws = tempfile::tempdir().unwrap();
    write(
        ws.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\"]\n[workspace.metadata.ffiguard]\ndeny = \"info\"\n[workspace.metadata.ffiguard.levels]\nFFI011 = \"info\"\n",
    );
    write(ws.path(), "a/Cargo.toml", "[package]\nname = \"a\"\n");
    write(ws.path(), "a/src/lib.rs", &dangling_fn(""));
    let r = check(ws.path(), &["--format", "json"]);
    assert_eq!(json_findings(&r)[0]["location"]["file"], "a/src/lib.rs");
    assert_eq!(json_findings(&r)[0]["level"], "info");
    assert_eq!(r.code, 1, "configured deny level `info` fails the run");
}

/// A path that does not exist is reported as such by every command that takes one, not as
/// the first thing that fails because of it.
#[test]
fn missing_paths_are_named_as_missing() {
    let r = run(&["sanitize", "address", "--path", "/nonexistent/crate"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("/nonexistent/crate does not exist"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("locate-project"), "{}", r.stderr);
    let r = run(&["layout-tests", "/nonexistent/crate"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("/nonexistent/crate does not exist"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("no C headers"), "{}", r.stderr);
}

/// A target with nothing auditable fails with status 2 and says why, instead of a clean
/// "0 file(s)".
#[cfg(unix)]
#[test]
fn nothing_auditable_is_an_error_that_says_why() {
    use std::os::unix::fs::symlink;
    let looped = krate("");
    std::fs::remove_file(looped.path().join("src/lib.rs")).unwrap();
    symlink("lib.rs", looped.path().join("src/lib.rs")).unwrap();
    let loops = tempfile::tempdir().unwrap();
    symlink("b", loops.path().join("a")).unwrap();
    symlink("a", loops.path().join("b")).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    write(
        ws.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"self\"]\n",
    );
    symlink(".", ws.path().join("self")).unwrap();
    for (dir, why) in [
        (looped.path(), "symbolic links"),
        (loops.path(), "symbolic link not followed"),
        (empty.path(), "no Rust source file"),
        (ws.path(), "already read"),
    ] {
        let r = check(dir, &[]);
        assert_eq!(r.code, 2, "{}: {}{}", dir.display(), r.stdout, r.stderr);
        assert!(
            r.stderr.contains("nothing to audit") && r.stderr.contains(why),
            "{}",
            r.stderr
        );
    }
    // A folder with one good file and a loop audits the file and reports the loop.
    write(loops.path(), "ok.rs", &dangling_fn(""));
    let r = check(loops.path(), &["--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(rules_of(&r), ["FG0001", "FG0001", "FFI011"], "{}", r.stdout);
}

/// A `Cargo.toml` path means that manifest's crate; any other file that is not `.rs` is an
/// error, not Rust with a syntax error.
#[test]
fn manifest_path_is_its_crate_and_other_files_are_refused() {
    let dir = krate(&dangling_fn(""));
    let manifest = dir.path().join("Cargo.toml");
    let r = run(&["check", manifest.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(rules_of(&r), ["FFI011"], "{}", r.stdout);
    let out = Command::new(BIN)
        .args(["check", "Cargo.toml", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes = write(dir.path(), "notes.txt", "fn main() {}\n");
    let r = run(&["check", notes.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("not a Rust source file"), "{}", r.stderr);
}

/// Whether the C headers were cross-checked is said in every format, also when they were not.
#[test]
fn header_cross_check_status_is_reported() {
    let dir = krate(&dangling_fn(""));
    let r = check(dir.path(), &["--color", "never"]);
    let summary = r.stdout.lines().last().unwrap_or("");
    assert!(
        summary.contains("headers cross-checked: none found — no `headers`"),
        "{summary}"
    );
    let r = check(dir.path(), &["--format", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["summary"]["headers"]["cross_checked"], 0);
    assert!(doc["summary"]["headers"]["not_run"].is_string());
    let r = check(dir.path(), &["--format", "sarif"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("headers cross-checked: none found"),
        "{notes:?}"
    );
}

/// `--explain-headers` says on stderr which headers were used and why, or why there were
/// none, naming files relative to the crate (no path of the machine), and leaves stdout's
/// JSON whole.
#[test]
fn explain_headers_names_each_header_and_its_reason() {
    let legacy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/legacy/legacy-sys");
    let r = check(&legacy, &["--format", "json", "--explain-headers"]);
    let _: Value = serde_json::from_str(&r.stdout).expect("stdout stays one JSON document");
    assert!(
        r.stderr.contains(".: 1 header(s), read for x86_64-linux"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("  csrc/wrapper.h: listed in [package.metadata.ffiguard]"),
        "{}",
        r.stderr
    );
    let root = legacy.canonicalize().unwrap();
    assert!(
        !r.stderr.contains(root.to_str().unwrap()),
        "a machine path: {}",
        r.stderr
    );
    // JSON says the same in `summary.headers.packages`.
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let package = &doc["summary"]["headers"]["packages"][0];
    assert_eq!(
        package["headers"][0]["path"], "csrc/wrapper.h",
        "{package:#?}"
    );
    assert_eq!(
        package["headers"][0]["reason"],
        "listed in [package.metadata.ffiguard]"
    );
    assert_eq!(package["targets"][0], "x86_64-linux");
    // Without the flag, nothing is explained.
    let quiet = check(&legacy, &["--format", "json"]);
    assert!(!quiet.stderr.contains("header(s)"), "{}", quiet.stderr);
    // A crate with no header says why.
    let dir = krate(&dangling_fn(""));
    let r = check(dir.path(), &["--format", "short", "--explain-headers"]);
    assert!(
        r.stderr.contains(".: no header — no `headers`"),
        "{}",
        r.stderr
    );
}

/// A header finding names the header relative to the audited crate, and libclang's messages
/// lose the crate's absolute directory: a report does not carry the machine's paths.
#[test]
fn header_findings_name_no_path_of_the_machine() {
    let dir = krate("extern \"C\" {\n    pub fn f(x: i32) -> i32;\n}\n");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n\n[package.metadata.ffiguard]\nheaders = [\"include/t.h\"]\nbindings = [\"src/lib.rs\"]\n",
    );
    write(
        dir.path(),
        "include/t.h",
        "#include \"gone.h\"\nint f(int x);\n",
    );
    let r = check(dir.path(), &["--format", "json"]);
    let found = json_findings(&r);
    let unread: Vec<&Value> = found.iter().filter(|f| f["rule"] == "ABI012").collect();
    assert!(!unread.is_empty(), "{found:#?}");
    assert_eq!(
        unread[0]["location"]["file"], "include/t.h",
        "{:#?}",
        unread[0]
    );
    let real = dir.path().canonicalize().unwrap();
    assert!(!r.stdout.contains(real.to_str().unwrap()), "{}", r.stdout);
    assert!(
        !r.stdout.contains(dir.path().to_str().unwrap()),
        "{}",
        r.stdout
    );
}

/// The bundled legacy-sys crate is cross-checked with no flags, and a mismatch planted in a
/// copy of its bindings is found.
#[test]
fn legacy_sys_is_cross_checked_and_a_planted_mismatch_is_found() {
    let legacy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/legacy/legacy-sys");
    let r = check(&legacy, &["--color", "never"]);
    let summary = r.stdout.lines().last().unwrap_or("");
    assert!(
        summary.contains("headers cross-checked: 1 ("),
        "{summary}\n{}",
        r.stderr
    );
    let copy = tempfile::tempdir().unwrap();
    for rel in [
        "Cargo.toml",
        "build.rs",
        "src/lib.rs",
        "src/bindings.rs",
        "csrc/wrapper.h",
        "csrc/legacy.h",
        "csrc/legacy_callbacks.h",
    ] {
        let text = std::fs::read_to_string(legacy.join(rel)).unwrap();
        // The copy is not in the workspace: give it a standalone manifest.
        let text = if rel == "Cargo.toml" {
            text.replace(".workspace = true", " = \"0.1.0\"")
                .replace("[lints]\nworkspace = true\n", "")
        } else {
            text
        };
        write(copy.path(), rel, &text);
    }
    let clean = check(copy.path(), &["--format", "json"]);
    let abi: Vec<String> = rules_of(&clean)
        .into_iter()
        .filter(|r| r.starts_with("ABI"))
        .collect();
    assert!(abi.is_empty(), "{abi:?}\n{}", clean.stderr);
    let bindings = std::fs::read_to_string(copy.path().join("src/bindings.rs")).unwrap();
    let planted = bindings.replacen(
        "pub fn lg_add(\n        a: ::std::os::raw::c_int,\n        b: ::std::os::raw::c_int,",
        "pub fn lg_add(\n        a: ::std::os::raw::c_int,\n        b: ::std::os::raw::c_long,",
        1,
    );
    assert_ne!(planted, bindings, "the planted line exists");
    write(copy.path(), "src/bindings.rs", &planted);
    let r = check(copy.path(), &["--format", "json"]);
    let found: Vec<Value> = json_findings(&r)
        .into_iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("ABI"))
        .collect();
    assert!(
        found
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("lg_add")),
        "{found:#?}\n{}",
        r.stderr
    );
    // The same crate as a workspace member is cross-checked from the workspace root.
    let ws = tempfile::tempdir().unwrap();
    write(
        ws.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"sys\"]\n",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(copy.path(), ws.path().join("sys")).unwrap();
    let r = check(ws.path(), &["--format", "json"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc["summary"]["headers"]["cross_checked"], 1,
        "{}",
        r.stderr
    );
    assert!(
        json_findings(&r)
            .iter()
            .any(|f| f["rule"].as_str().unwrap().starts_with("ABI")
                && f["location"]["file"] == "sys/src/bindings.rs"),
        "{}",
        r.stdout
    );
}

/// A flood of one rule in one file is folded after 200 into one notice; the summary and the
/// exit code still count every finding.
#[test]
fn floods_are_folded_but_counted() {
    let body: String = (0..250)
        .map(|i| format!("pub fn f{i}(name: &str) {{\n{DANGLING}    unsafe {{ use_it(p) }};\n}}\n"))
        .collect();
    let dir = krate(&format!("use std::ffi::CString;\n{body}"));
    let r = check(dir.path(), &["--format", "json"]);
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["summary"]["errors"], 250);
    assert_eq!(doc["summary"]["listed"], 200);
    assert!(
        doc["notices"][0]
            .as_str()
            .unwrap()
            .contains("50 more FFI011"),
        "{}",
        doc["notices"]
    );
    let r = check(dir.path(), &["--color", "never"]);
    assert_eq!(r.stdout.matches("error[FFI011").count(), 200);
    assert!(r.stdout.contains("note: src/lib.rs: 50 more FFI011"));
    assert!(r.stdout.contains("250 error(s)"), "{}", r.stdout);
}

/// Errors are listed before warnings; `--min-level` hides lower levels but the summary and
/// the exit code still count them; each rule's first finding points at `explain`.
#[test]
fn human_output_order_min_level_and_explain_hints() {
    let dir = krate(&format!("mod broken;\n{}", dangling_fn("")));
    write(dir.path(), "src/broken.rs", "fn f( {\n");
    // The warning (FG0001 in src/broken.rs) sorts before src/lib.rs by file, but is listed
    // after the error.
    let r = check(dir.path(), &["--color", "never"]);
    let error_at = r.stdout.find("error[FFI011").expect("error listed");
    let warning_at = r.stdout.find("warning[FG0001").expect("warning listed");
    assert!(error_at < warning_at, "{}", r.stdout);
    assert_eq!(r.stdout.matches("cargo ffiguard explain FFI011").count(), 1);
    assert_eq!(r.stdout.matches("cargo ffiguard explain FG0001").count(), 1);
    let r = check(dir.path(), &["--color", "never", "--min-level", "error"]);
    assert!(!r.stdout.contains("warning[FG0001"), "{}", r.stdout);
    assert!(
        r.stdout.contains("1 error(s), 1 warning(s)"),
        "{}",
        r.stdout
    );
    let r = check(dir.path(), &["--min-level", "error", "--deny", "warning"]);
    assert_eq!(r.code, 1, "hidden warnings still fail --deny warning");
}

/// `CARGO_TERM_COLOR` and `NO_COLOR` decide color when `--color` is not given.
#[test]
fn color_follows_cargo_term_color_and_no_color() {
    let dir = krate(&dangling_fn(""));
    let with_env = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut command = Command::new(BIN);
        command
            .args(["check", dir.path().to_str().unwrap()])
            .args(extra);
        command
            .env_remove("CARGO_TERM_COLOR")
            .env_remove("NO_COLOR");
        for (k, v) in vars {
            command.env(k, v);
        }
        String::from_utf8_lossy(&command.output().unwrap().stdout).into_owned()
    };
    assert!(with_env(&[("CARGO_TERM_COLOR", "always")], &[]).contains("\u{1b}["));
    assert!(!with_env(&[("CARGO_TERM_COLOR", "never")], &["--color", "auto"]).contains("\u{1b}["));
    assert!(
        !with_env(&[("CARGO_TERM_COLOR", "always")], &["--color", "never"]).contains("\u{1b}[")
    );
    assert!(!with_env(&[("NO_COLOR", "1")], &[]).contains("\u{1b}["));
}

#[test]
fn short_format_is_one_line_per_finding() {
    let dir = krate(&dangling_fn(""));
    let r = check(dir.path(), &["--format", "short"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json = check(dir.path(), &["--format", "json"]);
    assert_eq!(
        r.stdout.lines().count(),
        json_findings(&json).len(),
        "one line per finding and nothing else: {}",
        r.stdout
    );
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("[FFI011]"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let expected = format!(
        "{}/src/lib.rs:3:",
        dir.path().canonicalize().unwrap().display()
    );
    assert!(line.starts_with(&expected), "{line}");
    let (_, rest) = line.split_at(expected.len());
    let (column, rest) = rest.split_once(": ").unwrap();
    assert!(column.parse::<usize>().is_ok(), "{line}");
    assert!(rest.starts_with("error[FFI011]: "), "{line}");
}

#[test]
fn github_format_writes_escaped_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    // `,` and `:` in a file name would end a property value unescaped.
    write(dir.path(), "odd,name:x.rs", &dangling_fn(""));
    let r = check(dir.path(), &["--format", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("title=FFI011"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(line.starts_with("::error file="), "{line}");
    assert!(line.contains("odd%2Cname%3Ax.rs,line=3,col="), "{line}");
    assert!(line.contains(",endLine=3,endColumn="), "{line}");
    let (properties, message) = line.split_once("::").unwrap().1.split_once("::").unwrap();
    assert!(properties.ends_with("title=FFI011"), "{properties}");
    assert!(!message.is_empty() && !message.contains('\n'));
    assert!(
        r.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("ffiguard: 1 error(s)"),
        "{}",
        r.stdout
    );
}
