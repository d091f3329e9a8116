//! Attacks on the filesystem under a policy with read-only paths, where the host's filesystem
//! broker decides every open: a secret outside the allowed directory, a symbolic link and a
//! `..` out of it, writing, rewriting the path from a second thread after the host read it.
//!
//! Each must be refused *and reported with the path* (Landlock alone refuses silently); allowed
//! files must still be readable, also by relative path; learning mode must let the read
//! through and suggest the path; the same checks run again as an unprivileged host. Where it
//! makes sense the attack also runs unconfined, to show the confined run is not vacuous.

mod support;

use std::path::{Path, PathBuf};

use ffiguard_sandbox::{
    BlockedCall, Layers, OnViolation, Policy, Refusal, Requirement, SandboxError, Verdict,
};
use hostile::*;
use support::{assert_serves, unconfined};

const EACCES: i32 = 13;

/// An allowed directory with a public file and a link to a secret that lies outside it.
struct Tree {
    _dir: tempfile::TempDir,
    allowed: PathBuf,
    public: String,
    link: String,
    secret: String,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = dir.path().join("allowed");
    std::fs::create_dir(&allowed).expect("allowed dir");
    std::fs::write(allowed.join("public"), "public").expect("public");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "the-secret").expect("secret");
    std::os::unix::fs::symlink(&secret, allowed.join("link")).expect("symlink");
    let text = |path: PathBuf| path.to_string_lossy().into_owned();
    Tree {
        public: text(allowed.join("public")),
        link: text(allowed.join("link")),
        secret: text(secret),
        allowed,
        _dir: dir,
    }
}

fn read_only(tree: &Tree) -> ffiguard_sandbox::Sandbox {
    support::sandbox(Policy::read_only([tree.allowed.clone()]))
}

/// The broker's report naming `path`.
fn report_of(sandbox: &ffiguard_sandbox::Sandbox, path: &str) -> BlockedCall {
    let blocked = sandbox.blocked_calls();
    blocked
        .iter()
        .find(|call| call.detail.as_deref() == Some(path))
        .cloned()
        .unwrap_or_else(|| panic!("no report naming {path}: {blocked:?}"))
}

fn read(sandbox: &ffiguard_sandbox::Sandbox, path: &str) -> (i32, Vec<u8>) {
    let (result, bytes) = read_file::call(sandbox, path.to_owned(), 64)
        .expect("call")
        .trust_unverified("compared");
    (result, bytes.to_vec())
}

/// Covers (a): a secret outside the allowed path is refused and reported with its path.
fn secret_outside_the_allowed_path_is_reported() {
    let tree = tree();
    let sandbox = read_only(&tree);
    let (result, bytes) = read(&sandbox, &tree.secret);
    assert_eq!((result, bytes.as_slice()), (-EACCES, &b""[..]));
    let report = report_of(&sandbox, &tree.secret);
    assert_eq!(report.syscall, "openat");
    assert_eq!(report.reason, Some(Refusal::OutsideAllowedPaths));
    assert_eq!(report.verdict, Verdict::Denied);
    assert!(
        report.to_string().contains("outside the allowed paths"),
        "{report}"
    );
    assert_serves(&sandbox);

    let (_, bytes) = read(&unconfined(), &tree.secret);
    assert_eq!(bytes, b"the-secret");
}

/// Covers (b): a symbolic link inside the allowed directory that points at the secret, and a
/// `..` out of it, are refused and reported as escapes.
fn links_and_dotdot_out_of_the_allowed_path_are_reported() {
    let tree = tree();
    let sandbox = read_only(&tree);
    let (result, bytes) = read(&sandbox, &tree.link);
    assert!(result < 0 && bytes.is_empty(), "the link led out: {result}");
    let report = report_of(&sandbox, &tree.link);
    assert_eq!(report.reason, Some(Refusal::Escape));
    let dotdot = format!("{}/../secret", tree.allowed.display());
    let (result, bytes) = read(&sandbox, &dotdot);
    assert!(result < 0 && bytes.is_empty(), ".. led out: {result}");
    assert_eq!(report_of(&sandbox, &dotdot).reason, Some(Refusal::Escape));
    assert_serves(&sandbox);

    let (_, bytes) = read(&unconfined(), &tree.link);
    assert_eq!(bytes, b"the-secret");
}

/// Covers (c): allowed files are read through the broker (absolute and relative paths), with
/// nothing reported and Landlock still in force; writing beneath the allowed path is refused
/// and reported as write access.
fn allowed_files_are_read_through_the_broker() {
    let tree = tree();
    let sandbox = read_only(&tree);
    let (result, bytes) = read(&sandbox, &tree.public);
    assert_eq!((result, bytes.as_slice()), (6, &b"public"[..]));
    if let Some(relative) = relative_to_working_directory(Path::new(&tree.public)) {
        let (_, bytes) = read(&sandbox, &relative);
        assert_eq!(bytes, b"public", "{relative}");
    }
    assert!(
        sandbox.blocked_calls().is_empty(),
        "{:?}",
        sandbox.blocked_calls()
    );
    let status = sandbox.confinement_status().expect("status");
    assert!(status.layers.contains(Layers::LANDLOCK), "{status}");

    let new_file = tree.allowed.join("new").to_string_lossy().into_owned();
    let result = write_file::call(&sandbox, new_file.clone())
        .expect("call")
        .trust_unverified("errno");
    assert!(result < 0, "{result}");
    assert_eq!(
        report_of(&sandbox, &new_file).reason,
        Some(Refusal::WriteAccess)
    );
    assert!(!tree.allowed.join("new").exists());
}

/// A FIFO in the allowed directory with no writer: the host opens it without blocking (the
/// worker's read then sees end of file), so it cannot stall the broker until the deadline.
fn a_fifo_cannot_stall_the_broker() {
    let tree = tree();
    let fifo = tree.allowed.join("fifo");
    let name = std::ffi::CString::new(fifo.to_string_lossy().into_owned()).expect("path");
    // SAFETY: `name` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
    let sandbox = read_only(&tree);
    let (result, bytes) = read(&sandbox, &fifo.to_string_lossy());
    assert_eq!((result, bytes.as_slice()), (0, &b""[..]));
    assert!(sandbox.blocked_calls().is_empty());
}

/// `path` spelled relative to this process's working directory (which workers inherit).
fn relative_to_working_directory(path: &Path) -> Option<String> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let depth = cwd.components().count().saturating_sub(1);
    let rest = path.strip_prefix("/").ok()?;
    Some(format!("{}{}", "../".repeat(depth), rest.display()))
}

/// Covers (d): a second worker thread rewrites the path between the allowed file and the
/// secret while the first opens it, 2,000 times. Landlock is off here, so the broker is the
/// only defense: the host opens the file it checked, so no read ever sees the secret.
/// (A broker that checked and then let the kernel re-read the path would lose this race.)
fn rewriting_the_path_after_the_check_gains_nothing() {
    let tree = tree();
    let policy = Policy::read_only([tree.allowed.clone()])
        .allow_threads()
        .landlock(Requirement::Off);
    // `validate` refuses read paths without Landlock; this test takes Landlock away on
    // purpose, to show the broker alone holds.
    assert!(policy.validate().is_err());
    ffiguard_sandbox::waive_policy_check_for_tests();
    let sandbox = support::sandbox(policy);
    let (allowed_reads, leaked) =
        open_race::call(&sandbox, tree.public.clone(), tree.secret.clone(), 2000)
            .expect("call")
            .trust_unverified("compared");
    assert!(
        allowed_reads >= 0,
        "the race did not start: {allowed_reads}"
    );
    assert!(
        leaked.is_empty(),
        "the secret leaked: {:?}",
        leaked.to_vec()
    );
    println!(
        "  {allowed_reads} reads of the allowed file, {} refusals reported",
        sandbox.blocked_calls().len()
    );
    assert_serves(&sandbox);

    // Unconfined, the race is lost within a few rounds; the bound only keeps a machine that
    // never schedules the rewriting thread from looping for long.
    let (_, leaked) = open_race::call(&unconfined(), tree.public, tree.secret, 100_000)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(
        &leaked[..],
        b"the-secret",
        "the unconfined race is not vacuous"
    );
}

/// Learning mode lets the read through, reports it with the path and suggests the path.
fn learning_mode_reports_and_suggests_the_path() {
    let tree = tree();
    let sandbox = support::sandbox(Policy::learning().allow_read(tree.allowed.clone()));
    let (_, bytes) = read(&sandbox, &tree.secret);
    assert_eq!(bytes, b"the-secret", "learning mode allows");
    let report = report_of(&sandbox, &tree.secret);
    assert_eq!(report.verdict, Verdict::Allowed);
    assert_eq!(report.reason, Some(Refusal::OutsideAllowedPaths));
    let suggested = sandbox.suggested_policy();
    assert!(
        suggested
            .read_only_paths
            .contains(&PathBuf::from(&tree.secret)),
        "{suggested}"
    );
}

/// Under `OnViolation::Kill` a refused path kills the worker, and the error names the path.
fn kill_mode_names_the_path() {
    let tree = tree();
    let policy = Policy::read_only([tree.allowed.clone()]).on_violation(OnViolation::Kill);
    let sandbox = support::sandbox(policy);
    let error = read_file::call(&sandbox, tree.secret.clone(), 64).expect_err("killed");
    assert!(
        matches!(&error, SandboxError::PolicyViolation { call, .. }
            if call.detail.as_deref() == Some(tree.secret.as_str())),
        "{error}"
    );
    assert_serves(&sandbox);
}

const UNPRIVILEGED: &str = "--unprivileged-filesystem-host";

/// Covers (e): the same refusals and reports for an unprivileged host.
fn works_unprivileged() {
    if !rustix::process::geteuid().is_root() {
        unprivileged_checks();
        return;
    }
    let Some(output) = support::rerun_unprivileged(UNPRIVILEGED) else {
        return;
    };
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("brokered as"));
}

fn unprivileged_checks() {
    secret_outside_the_allowed_path_is_reported();
    links_and_dotdot_out_of_the_allowed_path_are_reported();
    allowed_files_are_read_through_the_broker();
    println!("brokered as uid {}", rustix::process::geteuid().as_raw());
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(UNPRIVILEGED) {
        ffiguard_sandbox::init();
        unprivileged_checks();
        std::process::exit(0);
    }
    support::run(ffiguard_sandbox::tests![
        secret_outside_the_allowed_path_is_reported,
        links_and_dotdot_out_of_the_allowed_path_are_reported,
        allowed_files_are_read_through_the_broker,
        a_fifo_cannot_stall_the_broker,
        rewriting_the_path_after_the_check_gains_nothing,
        learning_mode_reports_and_suggests_the_path,
        kill_mode_names_the_path,
        works_unprivileged,
    ]);
}
