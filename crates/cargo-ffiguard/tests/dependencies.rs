//! `cargo ffiguard check --dependencies` end to end, on a crate with a path dependency that
//! has FFI (no registry, no network): the table, the exit codes, JSON and SARIF.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-ffiguard");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .output()
        .expect("spawn cargo-ffiguard");
    Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// The dependency: two extern fns, one exported fn, one callback, one unsafe impl Send and
/// a pointer into a temporary `CString` (FFI011, error level).
const FFIDEP: &str = r#"use std::ffi::CString;
use std::os::raw::{c_char, c_int};

extern "C" {
    fn puts(s: *const c_char) -> c_int;
    fn qsort_r(cb: extern "C" fn(c_int) -> c_int);
}

#[no_mangle]
pub extern "C" fn ffidep_version() -> c_int { 1 }

extern "C" fn on_item(x: c_int) -> c_int { x }

pub struct Handle(*mut u8);
// SAFETY: the handle is owned and never shared.
unsafe impl Send for Handle {}

pub fn say(name: &str) {
    let p = CString::new(name).unwrap().as_ptr();
    unsafe { puts(p) };
    unsafe { qsort_r(on_item) };
}
"#;

/// `outer/app` (clean) depends on `outer/ffidep` (outside the audited directory).
fn project() -> (tempfile::TempDir, PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    write(
        outer.path(),
        "ffidep/Cargo.toml",
        "[package]\nname = \"ffidep\"\nversion = \"0.3.1\"\nedition = \"2021\"\n",
    );
    write(outer.path(), "ffidep/src/lib.rs", FFIDEP);
    write(
        outer.path(),
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nffidep = { path = \"../ffidep\" }\n",
    );
    write(
        outer.path(),
        "app/src/lib.rs",
        "pub fn add(a: i32, b: i32) -> i32 { a + b }\n",
    );
    let app = outer.path().join("app");
    (outer, app)
}

fn deps(app: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        app.to_str().unwrap(),
        "--dependencies",
        "--offline",
        "--color",
        "never",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn row<'a>(table: &'a str, name: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{table}"))
        .split_whitespace()
        .collect()
}

#[test]
fn the_table_shows_each_crate_its_surface_and_findings() {
    let (_outer, app) = project();
    let plain = run(&["check", app.to_str().unwrap()]);
    assert_eq!(
        plain.code, 0,
        "without --dependencies the dependency is not read"
    );
    assert!(!plain.stdout.contains("ffidep"), "{}", plain.stdout);

    let r = deps(&app, &[]);
    assert_eq!(
        r.code,
        0,
        "a dependency's findings do not fail the run: {r:?}",
        r = r.stderr
    );
    assert_eq!(
        row(&r.stdout, "crate"),
        [
            "crate",
            "version",
            "source",
            "extern",
            "exported",
            "callbacks",
            "send/sync",
            "headers",
            "errors",
            "warnings",
            "infos"
        ]
    );
    assert_eq!(
        row(&r.stdout, "app")[..9],
        ["app", "1.0.0", "member", "0", "0", "0", "0", "-", "0"]
    );
    let dep = row(&r.stdout, "ffidep");
    assert_eq!(
        dep[..8],
        ["ffidep", "0.3.1", "path", "2", "1", "1", "1", "-"],
        "{}",
        r.stdout
    );
    assert_eq!(dep[8], "1", "the FFI011 error: {}", r.stdout);
    assert!(
        r.stdout
            .contains("dependencies: 1 of 1 audited, 1 with an FFI surface"),
        "{}",
        r.stdout
    );
}

#[test]
fn deny_dependencies_makes_their_findings_fail_the_run() {
    let (_outer, app) = project();
    assert_eq!(deps(&app, &["--deny-dependencies", "error"]).code, 1);
    // A member's finding fails the run on its own, as without --dependencies.
    write(
        &app,
        "src/lib.rs",
        "use std::ffi::CString;\npub fn f(n: &str) {\n    let p = CString::new(n).unwrap().as_ptr();\n    let _ = p;\n}\n",
    );
    let r = deps(&app, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("FFI011"),
        "the member's findings are listed: {}",
        r.stdout
    );
    assert_eq!(row(&r.stdout, "app")[8], "1");
}

#[test]
fn json_lists_crates_and_every_finding_with_its_crate() {
    let (_outer, app) = project();
    let r = deps(&app, &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    assert_eq!(doc["kind"], "dependencies");
    assert_eq!(doc["summary"]["members"], 1);
    assert_eq!(doc["summary"]["dependencies"], 1);
    assert_eq!(doc["summary"]["dependency_findings"]["errors"], 1);
    let crates = doc["crates"].as_array().unwrap();
    let dep = crates.iter().find(|c| c["name"] == "ffidep").unwrap();
    assert_eq!(dep["member"], false);
    assert_eq!(dep["source"], "path");
    assert_eq!(dep["surface"]["extern_fns"], 2);
    assert_eq!(dep["surface"]["exported_fns"], 1);
    assert_eq!(dep["surface"]["callbacks"], 1);
    assert_eq!(dep["surface"]["send_sync_impls"], 1);
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "FFI011")
        .expect("FFI011 in the dependency");
    assert_eq!(finding["crate"], "ffidep");
    let file = finding["location"]["file"].as_str().unwrap();
    assert!(
        Path::new(file).is_absolute() && file.ends_with("ffidep/src/lib.rs"),
        "dependency paths are where the file is on disk: {file}"
    );
    assert!(Path::new(file).is_file());
}

#[test]
fn sarif_holds_the_dependencies_findings_at_their_paths_on_disk() {
    let (_outer, app) = project();
    let r = deps(&app, &["--format", "sarif"]);
    let doc: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let ffi011 = results
        .iter()
        .find(|x| x["ruleId"] == "FFI011")
        .expect("FFI011 in SARIF");
    let uri = ffi011["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with('/') && uri.ends_with("ffidep/src/lib.rs"),
        "{uri}"
    );
    let snippet = &ffi011["locations"][0]["physicalLocation"]["region"]["snippet"]["text"];
    assert!(
        snippet.as_str().unwrap().contains("CString::new"),
        "{snippet}"
    );
}

#[test]
fn dependencies_need_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "a.rs", "fn f() {}\n");
    let r = run(&["check", file.to_str().unwrap(), "--dependencies"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("needs a crate or workspace"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "check",
        dir.path().to_str().unwrap(),
        "--deny-dependencies",
        "error",
    ]);
    assert_eq!(
        r.code, 2,
        "--deny-dependencies without --dependencies is a usage error"
    );
}

/// With `-p`, the table holds the chosen members and what they depend on, nothing else.
#[test]
fn package_narrows_the_members_and_their_dependencies() {
    let (outer, _app) = project();
    write(
        outer.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"other\"]\nexclude = [\"ffidep\"]\nresolver = \"2\"\n",
    );
    write(
        outer.path(),
        "other/Cargo.toml",
        "[package]\nname = \"other\"\nversion = \"0.2.0\"\nedition = \"2021\"\n",
    );
    write(outer.path(), "other/src/lib.rs", "pub fn o() {}\n");
    let root = outer.path();
    let r = deps(root, &["-p", "other"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\nother "), "{}", r.stdout);
    assert!(!r.stdout.contains("\napp "), "{}", r.stdout);
    assert!(!r.stdout.contains("ffidep"), "{}", r.stdout);
    let r = deps(root, &["-p", "app"]);
    assert_eq!(row(&r.stdout, "app")[2], "member");
    assert_eq!(row(&r.stdout, "ffidep")[2], "path");
    assert!(!r.stdout.contains("\nother "), "{}", r.stdout);
}

/// `--filter-platform` leaves out what is only built for other targets.
#[test]
fn filter_platform_leaves_out_other_targets_dependencies() {
    let (outer, app) = project();
    write(
        outer.path(),
        "windep/Cargo.toml",
        "[package]\nname = \"windep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(outer.path(), "windep/src/lib.rs", "pub fn w() {}\n");
    write(
        &app,
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nffidep = { path = \"../ffidep\" }\n\n\
         [target.'cfg(windows)'.dependencies]\nwindep = { path = \"../windep\" }\n",
    );
    let all = deps(&app, &[]);
    assert_eq!(row(&all.stdout, "windep")[2], "path");
    let linux = deps(&app, &["--filter-platform", "x86_64-unknown-linux-gnu"]);
    assert_eq!(linux.code, 0, "{}", linux.stderr);
    assert!(!linux.stdout.contains("windep"), "{}", linux.stdout);
    assert_eq!(row(&linux.stdout, "ffidep")[2], "path");
}
