//! Runs the real `cargo test` under each mode on the fixture crates: each mode must report
//! its planted bug at the planted C line, and the clean fixture must pass every mode.
//!
//! The defense covered is the instrumentation of C: without `CC`/`CFLAGS` matching the mode,
//! the bugs live in uninstrumented C and go unreported, and these tests fail.
//!
//! Modes that rebuild std (`thread`, `memory`: about a minute each on two cores) are
//! `#[ignore]`d; run them with `cargo test -p ffiguard-sanitize -- --include-ignored`.
//! Builds are shared per mode across both fixtures under `CARGO_TARGET_TMPDIR`.

use ffiguard_sanitize::{Environment, Options, Outcome, ProgressMode, Sanitizer, ToolchainChoice};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn run(sanitizer: Sanitizer, fixture_name: &str, test_filter: &str) -> Outcome {
    let env = Environment::detect(&ToolchainChoice::Auto).expect("detect the toolchain");
    let options = Options::new(fixture(fixture_name))
        .target_root(Path::new(env!("CARGO_TARGET_TMPDIR")).join("sanitize-fixtures"))
        .cargo_args(["--lib", "--", test_filter]);
    let plan = ffiguard_sanitize::plan(sanitizer, &env, &options).expect("plan");
    let outcome = ffiguard_sanitize::run(&plan, ProgressMode::Plain).expect("run cargo");
    eprintln!(
        "{}",
        ffiguard_sanitize::render_human(std::slice::from_ref(&outcome))
    );
    outcome
}

/// The planted bug is reported by `tool`, at the planted function in C.
fn assert_caught(sanitizer: Sanitizer, test: &str, c_function: &str) {
    let outcome = run(sanitizer, "planted", test);
    assert!(outcome.failed(), "{sanitizer} must fail on {test}");
    let finding = outcome
        .report
        .findings
        .iter()
        .find(|f| {
            f.location.as_ref().is_some_and(|at| {
                at.file
                    .as_deref()
                    .is_some_and(|file| file.ends_with("planted.c"))
                    && at.line.is_some()
            })
        })
        .unwrap_or_else(|| panic!("no finding located in planted.c: {:#?}", outcome.report));
    let in_function = finding
        .frames
        .iter()
        .any(|frame| frame.function.as_deref() == Some(c_function));
    assert!(in_function, "{c_function} not on the stack: {finding:#?}");
}

fn assert_clean(sanitizer: Sanitizer) {
    let outcome = run(sanitizer, "clean", "every_shape_without_its_bug");
    assert!(
        !outcome.failed(),
        "false positive under {sanitizer}: {outcome:#?}"
    );
}

#[test]
fn address_reports_the_c_heap_overflow_and_passes_clean_code() {
    assert_caught(Sanitizer::Address, "heap_overflow", "planted_heap_overflow");
    assert_clean(Sanitizer::Address);
}

#[test]
fn leak_reports_the_c_leak_and_passes_clean_code() {
    assert_caught(Sanitizer::Leak, "leak", "planted_leak");
    assert_clean(Sanitizer::Leak);
}

#[test]
fn undefined_reports_the_c_signed_overflow_and_passes_clean_code() {
    assert_caught(
        Sanitizer::Undefined,
        "signed_overflow",
        "planted_signed_overflow",
    );
    assert_clean(Sanitizer::Undefined);
}

#[test]
fn valgrind_reports_the_c_heap_overflow_and_passes_clean_code() {
    assert_caught(
        Sanitizer::Valgrind,
        "heap_overflow",
        "planted_heap_overflow",
    );
    assert_clean(Sanitizer::Valgrind);
}

#[test]
#[ignore = "rebuilds std with -Zbuild-std (about a minute); run with --include-ignored"]
fn thread_reports_the_c_data_race_and_passes_clean_code() {
    assert_caught(Sanitizer::Thread, "data_race", "planted_bump");
    assert_clean(Sanitizer::Thread);
}

#[test]
#[ignore = "rebuilds std with -Zbuild-std (about a minute); run with --include-ignored"]
fn memory_reports_the_c_uninitialised_read_and_passes_clean_code() {
    assert_caught(Sanitizer::Memory, "uninit_read", "planted_uninit_read");
    assert_clean(Sanitizer::Memory);
}
