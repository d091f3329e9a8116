//! `cargo ffiguard init`: the written file names every setting, loads, and is never
//! overwritten without `--force`.

use ffiguard_audit::{Config, registry};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-ffiguard");

fn init(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).arg("init").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_written_file_names_every_key_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = init(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("ffiguard.toml")).unwrap();
    for key in [
        "# deny = ",
        "# ignore = ",
        "# test-code = ",
        "# headers = ",
        "# include = ",
        "# defines = ",
        "# bindings = ",
        "# targets = ",
        "\n[levels]\n",
    ] {
        assert!(text.contains(key), "{key} missing:\n{text}");
    }
    for meta in registry::metas() {
        assert!(
            text.contains(&format!("# {}", meta.id)),
            "{} missing",
            meta.id
        );
    }
    let config = Config::load(dir.path()).unwrap();
    config.validate(&registry::metas()).unwrap();
    assert_eq!(
        config,
        Config::default(),
        "every setting is commented out: the file changes nothing until edited"
    );
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("custom.toml");
    std::fs::write(&file, "deny = \"info\"\n").unwrap();
    let (code, stderr) = init(&[file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "deny = \"info\"\n");
    let (code, stderr) = init(&[file.to_str().unwrap(), "--force"]);
    assert_eq!(code, 0, "{stderr}");
    let config = Config::load_file(&file).unwrap();
    assert_eq!(config.deny, None);
}
