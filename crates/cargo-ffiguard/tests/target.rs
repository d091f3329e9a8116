//! Naming the target the same way in every subcommand: a positional path (directory,
//! `Cargo.toml`, `.rs` file), `--manifest-path`, `-p/--package`; and `--config FILE`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-ffiguard");

/// A pointer into a temporary `CString`: FFI011, error level, on line 3.
const DANGLING: &str = "use std::ffi::CString;\npub fn f(n: &str) {\n    let p = CString::new(n).unwrap().as_ptr();\n    let _ = p;\n}\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let mut command = Command::new(BIN);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let out = command.output().expect("spawn cargo-ffiguard");
    Run {
        code: out.status.code().expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(None, args)
}

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// A virtual workspace: `bad` has an FFI011 error, `good` is clean.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    write(
        ws.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"bad\", \"good\"]\nresolver = \"2\"\n",
    );
    for (name, body) in [("bad", DANGLING), ("good", "pub fn g() {}\n")] {
        write(
            ws.path(),
            &format!("{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        write(ws.path(), &format!("{name}/src/lib.rs"), body);
    }
    ws
}

fn files_of(r: &Run) -> Vec<String> {
    let doc: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap().to_owned())
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn package_selects_members_by_name() {
    let ws = workspace();
    let root = s(ws.path());
    let good = run(&["check", root, "-p", "good"]);
    assert_eq!(good.code, 0, "{}{}", good.stdout, good.stderr);
    let bad = run(&["check", root, "-p", "bad", "--format", "json"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert_eq!(
        files_of(&bad),
        ["bad/src/lib.rs"],
        "paths relative to the workspace root, as in a whole-workspace check"
    );
    let both = run(&["check", root, "--package", "good", "-p", "bad"]);
    assert_eq!(both.code, 1);
    // Like cargo: the workspace is found from the current directory.
    let from_member = run_in(Some(&ws.path().join("good")), &["check", "-p", "bad"]);
    assert_eq!(from_member.code, 1, "{}", from_member.stderr);
}

#[test]
fn an_unknown_package_is_a_usage_error_that_lists_the_members() {
    let ws = workspace();
    for args in [
        vec!["check", s(ws.path()), "-p", "nope"],
        vec!["layout-tests", s(ws.path()), "-p", "nope"],
        vec!["sanitize", "address", s(ws.path()), "-p", "nope"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("package `nope` is not a member")
                && r.stderr.contains("its members: bad, good"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn manifest_path_and_a_positional_cargo_toml_mean_the_crate() {
    let ws = workspace();
    let manifest = ws.path().join("bad/Cargo.toml");
    let by_option = run(&["check", "--manifest-path", s(&manifest), "--format", "json"]);
    assert_eq!(by_option.code, 1, "{}", by_option.stderr);
    assert_eq!(files_of(&by_option), ["src/lib.rs"]);
    // Parsed as Rust, a Cargo.toml would be one FG0001 "cannot parse" finding instead.
    let positional = run(&["check", s(&manifest), "--format", "json"]);
    assert_eq!(files_of(&positional), ["src/lib.rs"]);
    let doc: Value = serde_json::from_str(&positional.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule"], "FFI011");
    let workspace_manifest = ws.path().join("Cargo.toml");
    let r = run(&[
        "check",
        "--manifest-path",
        s(&workspace_manifest),
        "-p",
        "good",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn manifest_path_must_name_an_existing_cargo_toml() {
    let ws = workspace();
    let source = ws.path().join("bad/src/lib.rs");
    let r = run(&["check", "--manifest-path", s(&source)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("does not name a Cargo.toml"),
        "{}",
        r.stderr
    );
    let missing = ws.path().join("gone/Cargo.toml");
    let r = run(&["check", "--manifest-path", s(&missing)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    let r = run(&["check", s(ws.path()), "--manifest-path", s(&missing)]);
    assert_eq!(r.code, 2, "a path and --manifest-path together are refused");
}

#[test]
fn layout_tests_takes_one_crate_however_named() {
    let ws = workspace();
    let r = run(&["layout-tests", s(ws.path()), "-p", "bad", "-p", "good"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("name one package"), "{}", r.stderr);
    let r = run(&["layout-tests", s(&ws.path().join("bad/src/lib.rs"))]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs a crate directory"), "{}", r.stderr);
    // The same crate through the three spellings: the same answer (no header configured).
    let by_dir = run(&["layout-tests", s(&ws.path().join("bad"))]);
    let by_manifest = run(&["layout-tests", s(&ws.path().join("bad/Cargo.toml"))]);
    let by_package = run(&["layout-tests", s(ws.path()), "-p", "bad"]);
    assert_eq!(by_dir.code, by_manifest.code);
    assert_eq!(by_dir.code, by_package.code);
    assert_eq!(by_dir.stderr, by_manifest.stderr);
    assert_eq!(by_dir.stderr, by_package.stderr);
}

#[test]
fn config_file_replaces_the_discovered_one() {
    let ws = workspace();
    let bad = ws.path().join("bad");
    // The discovered file would silence the finding...
    write(&bad, "ffiguard.toml", "[levels]\nFFI011 = \"allow\"\n");
    assert_eq!(run(&["check", s(&bad)]).code, 0);
    // ...the named one is used instead, whole.
    let other = write(
        ws.path(),
        "ci/strict.toml",
        "deny = \"warning\"\n[levels]\nFFI011 = \"warning\"\n",
    );
    let r = run(&["check", s(&bad), "--config", s(&other), "--format", "json"]);
    assert_eq!(
        r.code, 1,
        "deny = warning from the named file: {}",
        r.stderr
    );
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["findings"][0]["level"], "warning");
    // It applies to every member chosen with -p too.
    let r = run(&["check", s(ws.path()), "-p", "bad", "--config", s(&other)]);
    assert_eq!(r.code, 1);

    let missing = ws.path().join("nope.toml");
    let r = run(&["check", s(&bad), "--config", s(&missing)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);
    let typo = write(ws.path(), "typo.toml", "denny = \"warning\"\n");
    let r = run(&["check", s(&bad), "--config", s(&typo)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid configuration"), "{}", r.stderr);
}
