//! SARIF output validates against the official SARIF 2.1.0 JSON schema (OASIS), kept in
//! `tests/fixtures/sarif-schema-2.1.0.json`. One correction to the published file: its
//! two `language` patterns (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) are not valid regexes
//! and make strict validators refuse the schema itself; they read `^[a-zA-Z]{2}(-[a-zA-Z]{2})?$`.

use std::path::Path;
use std::process::Command;

fn sarif_of(dir: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-ffiguard"))
        .args(["check", dir.to_str().unwrap(), "--format", "sarif"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validator() -> jsonschema::Validator {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(doc: &serde_json::Value) {
    let errors: Vec<String> = validator()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is not schema-valid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn naive_example_report_is_schema_valid() {
    let naive = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/naive");
    let doc = sarif_of(&naive);
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_valid(&doc);
}

#[test]
fn empty_report_and_file_level_diagnostics_are_schema_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.rs"), "fn f() {}\n").unwrap();
    assert_valid(&sarif_of(dir.path()));
    std::fs::write(dir.path().join("broken.rs"), "fn f( {\n").unwrap();
    std::fs::write(dir.path().join("odd name %#.rs"), b"\xff\n").unwrap();
    let doc = sarif_of(dir.path());
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_valid(&doc);
}

/// The validator is not vacuous: a document missing a required property is rejected.
#[test]
fn schema_rejects_a_broken_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.rs"), "fn f( {\n").unwrap();
    let mut doc = sarif_of(dir.path());
    doc["runs"][0]["results"][0]["message"] = serde_json::json!({});
    assert!(!validator().is_valid(&doc));
}

/// With `--dependencies`, findings in a dependency carry absolute paths: still valid SARIF.
#[test]
fn dependency_report_is_schema_valid() {
    let outer = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = outer.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "dep/Cargo.toml",
        "[package]\nname = \"dep\"\nversion = \"0.1.0\"\n",
    );
    write(
        "dep/src/lib.rs",
        "use std::ffi::CString;\npub fn f(n: &str) { let p = CString::new(n).unwrap().as_ptr(); let _ = p; }\n",
    );
    write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\ndep = { path = \"../dep\" }\n",
    );
    write("app/src/lib.rs", "pub fn g() {}\n");
    let app = outer.path().join("app");
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-ffiguard"))
        .args([
            "check",
            app.to_str().unwrap(),
            "--dependencies",
            "--offline",
        ])
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_valid(&doc);
}
