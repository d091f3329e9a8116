//! Runs the C test program (`c/test_export.c`) against the exported Rust library as a separate
//! process and checks its exit status and report.
//!
//! Covers the export guards: a panic inside Rust must come back to C as `LGX_ERR_PANIC`
//! (without the guard the process aborts and the exit status says so), NULL arguments must be
//! rejected (without the checks the process dies with SIGSEGV), and the last error message
//! must be readable from C.

use std::process::Command;

/// The C program passes every check and exits with status 0.
#[test]
fn c_program_passes_against_the_exported_library() {
    let program = env!("CARGO_BIN_EXE_legacy-export-ctest");
    let output = Command::new(program)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "C test program failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    let summary = stdout
        .lines()
        .find(|line| line.starts_with("legacy_export C checks:"))
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    assert!(summary.ends_with(" 0 failed"), "{summary}");
    assert!(
        stdout.contains("ok lgx_percent divide by zero -> LGX_ERR_PANIC"),
        "the panic check did not run:\n{stdout}"
    );
}
