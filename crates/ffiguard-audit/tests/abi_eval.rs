//! Evaluation on real `-sys` crates: `libz-sys` (hand-written bindings, bundled zlib.h) and
//! `libsqlite3-sys` (bindgen output, bundled sqlite3.h), fetched from crates.io by
//! `eval/abi-eval.sh`, which sets `FFIGUARD_EVAL_LIBZ_SYS` and `FFIGUARD_EVAL_LIBSQLITE3_SYS`
//! to the unpacked crates and runs these tests with `--ignored`. Prints every finding and the
//! time one check takes (median of several runs).

use ffiguard_audit::abi::{self, ALL_TARGETS, HeaderSet, Target};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs of the timed check (the median is reported).
const RUNS: usize = 9;

fn crate_dir(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => panic!("{var} is not set: run crates/ffiguard-audit/eval/abi-eval.sh"),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(name: &str, files: &[(String, String)], headers: &HeaderSet, targets: &[Target]) -> usize {
    let mut times: Vec<Duration> = Vec::new();
    let mut report = abi::AbiReport::default();
    for _ in 0..RUNS {
        let start = Instant::now();
        report = abi::check_bindings(files, headers, targets);
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[RUNS / 2];
    let shown: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule != "ABI011")
        .collect();
    println!(
        "{name}: {} target(s) checked, {} finding(s) (+{} unbound functions), median {:.1} ms over {RUNS} runs",
        report.checked_targets.len(),
        shown.len(),
        report.findings.len() - shown.len(),
        median.as_secs_f64() * 1000.0
    );
    for f in &shown {
        println!(
            "  {} {}:{} {}",
            f.rule, f.location.file, f.location.line, f.message
        );
        for n in &f.notes {
            println!("      note: {n}");
        }
    }
    assert_eq!(
        report.checked_targets.len(),
        targets.len(),
        "{:#?}",
        report.findings
    );
    shown.len()
}

#[test]
#[ignore = "needs the crates fetched by eval/abi-eval.sh"]
fn libz_sys_against_its_bundled_zlib_h() {
    let dir = crate_dir("FFIGUARD_EVAL_LIBZ_SYS");
    let files = vec![("src/lib.rs".to_owned(), read(&dir.join("src/lib.rs")))];
    let mut headers = HeaderSet::new([dir.join("src/zlib/zlib.h")]);
    headers.include_dirs.push(dir.join("src/zlib"));
    run("libz-sys", &files, &headers, &ALL_TARGETS);
}

#[test]
#[ignore = "needs the crates fetched by eval/abi-eval.sh"]
fn libsqlite3_sys_against_its_bundled_sqlite3_h() {
    let dir = crate_dir("FFIGUARD_EVAL_LIBSQLITE3_SYS");
    let bindings = dir.join("sqlite3/bindgen_bundled_version.rs");
    let files = vec![(
        "sqlite3/bindgen_bundled_version.rs".to_owned(),
        read(&bindings),
    )];
    let mut headers = HeaderSet::new([dir.join("sqlite3/sqlite3.h")]);
    // The bundled bindings are generated with the `session` feature's defines.
    headers.defines = vec![
        "SQLITE_ENABLE_SESSION".to_owned(),
        "SQLITE_ENABLE_PREUPDATE_HOOK".to_owned(),
    ];
    run(
        "libsqlite3-sys (x86_64-linux)",
        &files,
        &headers,
        &ALL_TARGETS[..1],
    );
    run("libsqlite3-sys (4 targets)", &files, &headers, &ALL_TARGETS);
}
