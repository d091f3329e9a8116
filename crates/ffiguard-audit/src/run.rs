//! Auditing a crate, a workspace or a directory from disk, in parallel.
//!
//! Two phases on a fixed set of worker threads. Phase one pulls files from a shared queue:
//! read (with guards), parse, queue the modules the file declares, extract its part of the
//! model. Phase two starts when the queue is drained and the model is merged: each worker runs
//! the rules on the files *it* parsed. `syn` trees are not `Send`, so they never leave the
//! thread that built them; only plain data (model parts, findings) crosses threads.

use crate::abi::header_search::{CrateHeaders, HeaderReason};
use crate::config::IgnoredPaths;
use crate::discover::discover;
use crate::engine::{LoadedFile, file_start, known_metas};
use crate::model::FfiModel;
use crate::modules::child_modules;
use crate::outcome::{AuditOutcome, HeaderCheck, HeaderChoice, PackageHeaders};
use crate::quiet_panic::{QuietPanics, catch};
use crate::{Config, Finding, Level, Rule, diagnostics, parse};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// Stack for worker threads: parsing stays well inside it given the nesting guard.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// How much source text (bytes, all threads together) keeps its syntax tree from reading to
/// checking. The rules need the whole tree's model before they run, and a tree takes some 40
/// times the memory of its text, so files beyond this are parsed a second time when checked
/// instead: a crate or a tree of up to ~200,000 lines is parsed once, and a larger one stays
/// within a few hundred MiB for its trees (about 0.3 KiB per line, BENCHMARKS.md "Static
/// audit at scale") at the cost of a second parse of the rest.
const TREE_BUDGET_BYTES: usize = 8 * 1024 * 1024;

/// Why an audit could not run at all (per-file problems are findings, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The path does not exist or cannot be inspected.
    #[error("cannot audit {path}: {source}")]
    Path {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The path is a file that is neither Rust source nor a `Cargo.toml`.
    #[error("cannot audit {path}: not a Rust source file (`.rs`) or a `Cargo.toml`")]
    NotRust {
        /// The path given.
        path: String,
    },
    /// Nothing under the path could be audited: no source file was found, or none could be
    /// read. A clean report would claim something that was never checked.
    #[error("nothing to audit in {path}: {why}")]
    NothingToAudit {
        /// The path given.
        path: String,
        /// What was found instead.
        why: String,
    },
    /// The configuration cannot be applied (an `ignore` pattern that is not a glob).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A worker thread could not be started.
    #[error("cannot start a worker thread: {0}")]
    Thread(std::io::Error),
    /// The header cross-check's configuration is invalid or a binding file cannot be read.
    #[error(transparent)]
    Abi(#[from] crate::abi::crate_check::CrateCheckError),
}

/// Audits a crate directory, a workspace, a directory of sources, one `.rs` file or the crate
/// of a `Cargo.toml`.
///
/// A directory with C headers configured (see [`crate::abi::config`]) is also cross-checked
/// against them; those `ABI…` findings go through the same suppression comments, configured
/// levels and sorting as every other finding. [`AuditOutcome::headers`] says whether it ran.
///
/// `threads` of 0 means one per available core.
pub fn audit_path(
    path: &Path,
    rules: &[&dyn Rule],
    config: &Config,
    threads: usize,
) -> Result<AuditOutcome, AuditError> {
    audit_path_with_progress(path, rules, config, threads, &Progress::default())
}

/// How far a running audit is, for a progress display on another thread.
#[derive(Debug, Default)]
pub struct Progress {
    read: AtomicUsize,
    checked: AtomicUsize,
}

impl Progress {
    /// Files read and parsed so far.
    pub fn read(&self) -> usize {
        self.read.load(Ordering::Relaxed)
    }

    /// Files whose rules have run so far.
    pub fn checked(&self) -> usize {
        self.checked.load(Ordering::Relaxed)
    }
}

/// [`audit_path`], counting files into `progress` as it goes.
pub fn audit_path_with_progress(
    path: &Path,
    rules: &[&dyn Rule],
    config: &Config,
    threads: usize,
    progress: &Progress,
) -> Result<AuditOutcome, AuditError> {
    audit_with_budget(path, rules, config, threads, progress, TREE_BUDGET_BYTES)
}

/// [`audit_path_with_progress`] holding trees for at most `tree_budget` bytes of source.
fn audit_with_budget(
    path: &Path,
    rules: &[&dyn Rule],
    config: &Config,
    threads: usize,
    progress: &Progress,
    tree_budget: usize,
) -> Result<AuditOutcome, AuditError> {
    let _quiet = QuietPanics::install();
    let shown = path.display().to_string();
    let ignored = config.ignored_paths()?;
    let meta = std::fs::metadata(path).map_err(|source| AuditError::Path {
        path: shown.clone(),
        source,
    })?;
    // A manifest stands for its crate, as with cargo's `--manifest-path`.
    let manifest_dir = (meta.is_file() && path.file_name().is_some_and(|n| n == "Cargo.toml"))
        .then(|| {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            dir.unwrap_or(Path::new(".")).to_path_buf()
        });
    let is_dir = meta.is_dir() || manifest_dir.is_some();
    let path = manifest_dir.as_deref().unwrap_or(path);
    if !is_dir && path.extension().is_none_or(|e| e != "rs") {
        return Err(AuditError::NotRust { path: shown });
    }
    let (root, roots, problems, walked, packages) = if is_dir {
        let display = |p: &Path| display_path(path, p);
        let found = discover(path, &display);
        (
            path.to_path_buf(),
            found.roots,
            found.problems,
            found.walked,
            found.packages,
        )
    } else {
        let parent = path.parent().unwrap_or(Path::new("")).to_path_buf();
        (
            parent,
            vec![path.to_path_buf()],
            Vec::new(),
            false,
            Vec::new(),
        )
    };
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let (abi, headers) = if is_dir {
        abi_findings(path, &packages)?
    } else {
        let not_run = "a single file was audited; headers are read for a crate directory";
        (
            HashMap::new(),
            HeaderCheck {
                not_run: Some(not_run.to_owned()),
                ..HeaderCheck::default()
            },
        )
    };
    let nothing_found = if roots.is_empty() {
        Some(if walked {
            "no Rust source file (`.rs`) below it".to_owned()
        } else {
            "its Cargo.toml names no target whose source file exists".to_owned()
        })
    } else {
        None
    };
    let roots = roots
        .into_iter()
        .map(|path| {
            // A crate root declares its modules beside itself; a file found by walking may be
            // a module file (`src/x.rs`) whose children live in `src/x/`.
            let mod_rs = !walked || crate::modules::walked_file_is_mod_rs(&path);
            Job {
                path,
                mod_rs,
                test_only: false,
            }
        })
        .collect();
    let crawl = Crawl {
        root: &root,
        ignored: &ignored,
        threads,
        progress,
        tree_budget,
    };
    let mut outcome = crawl_and_check(&crawl, roots, rules, abi)?;
    outcome.headers = headers;
    if outcome.files == 0 && outcome.ignored == 0 {
        let mut reasons: Vec<String> = problems
            .iter()
            .chain(&outcome.findings)
            .filter(|f| f.rule == diagnostics::UNPARSED_FILE.id)
            .map(|f| format!("{}: {}", f.location.file, f.message))
            .collect();
        reasons.extend(nothing_found);
        return Err(AuditError::NothingToAudit {
            path: shown,
            why: reasons.join("; "),
        });
    }
    outcome.findings.extend(problems);
    finish(&mut outcome, rules, config);
    Ok(outcome)
}

/// The header cross-check's findings for the packages below `root` (the crate, or each
/// workspace member; `root` itself when it has no manifest), by file relative to `root`, and
/// what the check covered (why it did not run, when it did not).
fn abi_findings(
    root: &Path,
    packages: &[PathBuf],
) -> Result<(HashMap<String, Vec<Finding>>, HeaderCheck), AuditError> {
    let mut by_file: HashMap<String, Vec<Finding>> = HashMap::new();
    let mut check = HeaderCheck::default();
    let fallback = [root.to_path_buf()];
    let packages = if packages.is_empty() {
        &fallback[..]
    } else {
        packages
    };
    let mut unreadable = false;
    let mut none_found = Vec::new();
    for package in packages {
        let (config, found) = crate::abi::config::load_with_headers(package)
            .map_err(crate::abi::crate_check::CrateCheckError::from)?;
        let mut explained = explain_package(root, package, &found);
        if found.headers.is_empty() {
            let why = found
                .none_found
                .unwrap_or_else(|| "no header found".to_owned());
            none_found.push((display_path(root, package), why.clone()));
            explained.none_found = Some(why);
            check.packages.push(explained);
            continue;
        }
        let Some(config) = config else {
            check.packages.push(explained);
            continue;
        };
        let (report, headers) = crate::abi::crate_check::check_loaded(package, &config)?;
        explained.targets.clone_from(&report.checked_targets);
        check.packages.push(explained);
        check.headers += headers;
        for target in &report.checked_targets {
            if !check.targets.contains(target) {
                check.targets.push(target);
            }
        }
        unreadable |= report.checked_targets.is_empty();
        // The check names files relative to the package; the audit, relative to `root`.
        let prefix = display_path(root, package);
        let prefix = if package.as_path() == root || prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        // Headers are named by absolute path (libclang's, and the search's): below the audited
        // root they are shown relative to it, so no report names the machine's directories.
        let root_real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let root_prefix = format!("{}/", root_real.display());
        for mut finding in report.findings {
            let rebase = |file: &mut String| {
                let path = Path::new(file.as_str());
                if !path.is_absolute() {
                    file.insert_str(0, &prefix);
                } else if let Ok(rel) = path.strip_prefix(&root_real) {
                    *file = rel.to_string_lossy().replace('\\', "/");
                }
            };
            rebase(&mut finding.location.file);
            for label in &mut finding.labels {
                rebase(&mut label.location.file);
                label.message = label.message.replace(&root_prefix, "");
            }
            finding.message = finding.message.replace(&root_prefix, "");
            for note in &mut finding.notes {
                *note = note.replace(&root_prefix, "");
            }
            if let Some(help) = &mut finding.help {
                *help = help.replace(&root_prefix, "");
            }
            by_file
                .entry(finding.location.file.clone())
                .or_default()
                .push(finding);
        }
    }
    if check.headers == 0 {
        // The search's own reason, for the one package or the first of several.
        check.not_run = Some(match none_found.as_slice() {
            [] => "no package to read headers for".to_owned(),
            [(_, why)] => why.clone(),
            [(first, why), rest @ ..] => format!(
                "none in any of {} packages ({first}: {why}; and {} more)",
                rest.len() + 1,
                rest.len()
            ),
        });
    } else if check.targets.is_empty() || unreadable {
        check.not_run =
            Some("the headers could not be read for some or all targets (see ABI012)".to_owned());
    }
    Ok((by_file, check))
}

/// What the header search chose for `package` and why, with paths relative to the package
/// (a header found in a dependency beside it, relative to the audited root), so no path of the
/// machine the audit ran on shows unless the header lies outside both.
fn explain_package(root: &Path, package: &Path, found: &CrateHeaders) -> PackageHeaders {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (package_real, root_real) = (canonical(package), canonical(root));
    let shown = |p: &Path| -> String {
        let real = canonical(p);
        let rel = real
            .strip_prefix(&package_real)
            .or_else(|_| real.strip_prefix(&root_real))
            .or_else(|_| p.strip_prefix(package))
            .unwrap_or(p);
        rel.to_string_lossy().replace('\\', "/")
    };
    PackageHeaders {
        package: if package == root {
            String::new()
        } else {
            display_path(root, package)
        },
        headers: found
            .headers
            .iter()
            .map(|h| HeaderChoice {
                path: shown(&h.path),
                reason: h.explained(&match &h.reason {
                    // The umbrella is kept as found (absolute): show it like the headers.
                    HeaderReason::IncludedByUnreadable {
                        umbrella,
                        umbrella_error,
                        declared,
                        bound,
                    } => HeaderReason::IncludedByUnreadable {
                        umbrella: PathBuf::from(shown(umbrella)),
                        // libclang names files by absolute path: not the machine's.
                        umbrella_error: umbrella_error
                            .replace(&format!("{}/", package_real.display()), ""),
                        declared: *declared,
                        bound: *bound,
                    }
                    .to_string(),
                    other => other.to_string(),
                }),
            })
            .collect(),
        inferred_include_dirs: found
            .inferred_include_dirs
            .iter()
            .map(|d| shown(d))
            .collect(),
        targets: Vec::new(),
        none_found: None,
    }
}

/// `p` relative to `root` with `/` separators (or as given when outside `root`).
fn display_path(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    let text = rel.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        p.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    } else {
        text
    }
}

/// Applies configured levels, drops `allow`, sorts.
///
/// A finding keeps the level its rule gave it unless the configuration names the rule. Rules
/// report some findings below their default (a declaration under a feature that may select
/// another header is info); a configured level replaces the default but does not raise those:
/// they take the lower of the two.
fn finish(outcome: &mut AuditOutcome, rules: &[&dyn Rule], config: &Config) {
    let known = known_metas(rules);
    for finding in &mut outcome.findings {
        let meta = known.iter().find(|m| m.id == finding.rule);
        if let Some((meta, configured)) = meta.and_then(|m| Some((m, config.configured_level(m)?)))
        {
            finding.level = if finding.level < meta.default_level {
                finding.level.min(configured)
            } else {
                configured
            };
        }
        crate::test_code::lower(finding, config.keeps_test_code_levels());
    }
    outcome.findings.retain(|f| f.level > Level::Allow);
    outcome
        .findings
        .sort_by(|a, b| a.location.cmp(&b.location).then(a.rule.cmp(b.rule)));
    let used: HashSet<&str> = outcome
        .findings
        .iter()
        .map(|f| f.location.file.as_str())
        .collect();
    outcome.sources.retain(|k, _| used.contains(k.as_str()));
}

struct Job {
    path: PathBuf,
    mod_rs: bool,
    /// Reached through a module declared under `cfg(test)`.
    test_only: bool,
}

struct Queue {
    jobs: VecDeque<Job>,
    in_flight: usize,
    seen: HashSet<PathBuf>,
}

struct Shared<'a> {
    queue: Mutex<Queue>,
    wake: Condvar,
    root: &'a Path,
    /// The configuration's `ignore` patterns, compiled.
    ignore: &'a IgnoredPaths,
    progress: &'a Progress,
    /// Files skipped because the configuration ignores them.
    ignored: AtomicUsize,
    /// Bytes of source whose trees are held, and how many may be (see
    /// [`TREE_BUDGET_BYTES`]).
    held: AtomicUsize,
    tree_budget: usize,
}

/// What one worker returns.
#[derive(Default)]
struct WorkerResult {
    findings: Vec<Finding>,
    files: usize,
    unreadable: usize,
    lines: usize,
    bytes: usize,
    sources: Vec<(String, Arc<str>)>,
}

/// Where and how to crawl.
struct Crawl<'a> {
    root: &'a Path,
    /// The configuration's `ignore` patterns, compiled.
    ignored: &'a IgnoredPaths,
    threads: usize,
    progress: &'a Progress,
    /// See [`TREE_BUDGET_BYTES`].
    tree_budget: usize,
}

fn crawl_and_check(
    crawl_with: &Crawl<'_>,
    roots: Vec<Job>,
    rules: &[&dyn Rule],
    abi: HashMap<String, Vec<Finding>>,
) -> Result<AuditOutcome, AuditError> {
    let Crawl {
        root,
        ignored,
        threads,
        progress,
        tree_budget,
    } = *crawl_with;
    let mut seen = HashSet::new();
    let jobs = roots
        .into_iter()
        .filter(|job| seen.insert(job.path.canonicalize().unwrap_or_else(|_| job.path.clone())))
        .collect();
    let shared = Shared {
        queue: Mutex::new(Queue {
            jobs,
            in_flight: 0,
            seen,
        }),
        wake: Condvar::new(),
        root,
        ignore: ignored,
        progress,
        ignored: AtomicUsize::new(0),
        held: AtomicUsize::new(0),
        tree_budget,
    };
    let known = known_metas(rules);
    let checked = Mutex::new(HashSet::new());
    let (parts_tx, parts_rx) = mpsc::channel::<Vec<(String, FfiModel)>>();
    let mut model_txs = Vec::new();
    let mut outcome = AuditOutcome::default();
    std::thread::scope(|scope| -> Result<(), AuditError> {
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (model_tx, model_rx) = mpsc::channel::<Arc<FfiModel>>();
            model_txs.push(model_tx);
            let parts_tx = parts_tx.clone();
            let (shared, known, abi, checked) = (&shared, &known, &abi, &checked);
            let handle = std::thread::Builder::new()
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, move || {
                    let (files, parts) = crawl(shared);
                    // The receiver lives until every worker has reported.
                    let _ = parts_tx.send(parts);
                    drop(parts_tx);
                    let Ok(model) = model_rx.recv() else {
                        return WorkerResult::default();
                    };
                    checked
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend(files.iter().map(|f| f.path.clone()));
                    let result = check_files(files, &model, rules, known, abi, shared.progress);
                    proc_macro2::extra::invalidate_current_thread_spans();
                    result
                })
                .map_err(AuditError::Thread)?;
            handles.push(handle);
        }
        drop(parts_tx);
        let model = Arc::new(merge_in_file_order(parts_rx.iter().flatten().collect()));
        outcome.surface = crate::outcome::FfiSurface::by_file(&model);
        for tx in &model_txs {
            let _ = tx.send(Arc::clone(&model));
        }
        for handle in handles {
            let result = handle.join().unwrap_or_else(|_| WorkerResult {
                findings: vec![Finding::of(
                    &diagnostics::INTERNAL_ERROR,
                    "a worker thread failed; some files may be missing from this report",
                    file_start("."),
                )],
                ..WorkerResult::default()
            });
            outcome.findings.extend(result.findings);
            outcome.files += result.files;
            outcome.unreadable += result.unreadable;
            outcome.lines += result.lines;
            outcome.bytes += result.bytes;
            outcome.sources.extend(result.sources);
        }
        Ok(())
    })?;
    outcome.ignored = shared.ignored.load(Ordering::Relaxed);
    // Cross-check findings in files the crawl did not audit (not reached from a crate root,
    // or a header): no suppression comment can apply, but they are still reported.
    let audited: HashSet<String> = checked.into_inner().unwrap_or_else(PoisonError::into_inner);
    for (file, findings) in abi {
        if audited.contains(&file) || ignored.contains(&file) {
            continue;
        }
        if let Ok(text) = read_source(&root.join(&file)) {
            outcome.sources.insert(file, Arc::from(text));
        }
        outcome.findings.extend(findings);
    }
    Ok(outcome)
}

/// Checks each file, dropping it (and its tree) as soon as it is done.
fn check_files(
    files: Vec<LoadedFile>,
    model: &FfiModel,
    rules: &[&dyn Rule],
    known: &[&'static crate::RuleMeta],
    abi: &HashMap<String, Vec<Finding>>,
    progress: &Progress,
) -> WorkerResult {
    let mut result = WorkerResult::default();
    for file in files {
        let cross_checked = abi.get(&file.path).map_or(&[][..], Vec::as_slice);
        let findings = file.check(model, rules, known, cross_checked);
        progress.checked.fetch_add(1, Ordering::Relaxed);
        if file.readable {
            result.files += 1;
        } else {
            result.unreadable += 1;
        }
        result.lines += file.source.line_count();
        result.bytes += file.source.text().len();
        if !findings.is_empty() {
            result
                .sources
                .push((file.path.clone(), Arc::from(file.source.text())));
        }
        result.findings.extend(findings);
    }
    result
}

/// The parts of the model merged in file order, not in the order the workers finished: which
/// of two declarations of one function comes first (libc declares `cfmakeraw` with and
/// without a result) must not depend on thread timing, or one tree gives different findings
/// from run to run.
fn merge_in_file_order(mut parts: Vec<(String, FfiModel)>) -> FfiModel {
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    FfiModel::merge(parts.into_iter().map(|(_, part)| part))
}

/// Phase one for one worker: take jobs until the queue is empty and no one is producing more.
/// Returns the files read and each one's part of the model, by file.
fn crawl(shared: &Shared<'_>) -> (Vec<LoadedFile>, Vec<(String, FfiModel)>) {
    let mut mine = Vec::new();
    let mut parts = Vec::new();
    loop {
        let job = {
            let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(job) = q.jobs.pop_front() {
                    q.in_flight += 1;
                    break Some(job);
                }
                if q.in_flight == 0 {
                    break None;
                }
                q = shared.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let Some(job) = job else {
            shared.wake.notify_all();
            return (mine, parts);
        };
        let (file, children) = load(shared, &job);
        let mut q = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
        for child in children {
            let key = child
                .path
                .canonicalize()
                .unwrap_or_else(|_| child.path.clone());
            if q.seen.insert(key) {
                q.jobs.push_back(child);
            }
        }
        q.in_flight -= 1;
        drop(q);
        shared.wake.notify_all();
        if let Some(mut file) = file {
            parts.push((file.path.clone(), file.model_part()));
            let bytes = file.source.text().len();
            if shared.held.fetch_add(bytes, Ordering::Relaxed) + bytes > shared.tree_budget {
                file.release_syntax();
            }
            mine.push(file);
        }
    }
}

/// Reads and parses one file; returns it (unless ignored) and the module files it declares.
/// Problems with declared-but-missing modules are attached to the declaring file.
fn load(shared: &Shared<'_>, job: &Job) -> (Option<LoadedFile>, Vec<Job>) {
    let display = display_path(shared.root, &job.path);
    if shared.ignore.contains(&display) {
        shared.ignored.fetch_add(1, Ordering::Relaxed);
        return (None, Vec::new());
    }
    let text = match read_source(&job.path) {
        Ok(text) => text,
        Err(message) => return (Some(unreadable(display, message)), Vec::new()),
    };
    let mut file = LoadedFile::new(display, text);
    shared.progress.read.fetch_add(1, Ordering::Relaxed);
    file.test_only = job.test_only;
    let mut jobs = Vec::new();
    if let Some(Ok(syntax)) = &file.syntax {
        let children =
            catch(|| child_modules(&file.path, &job.path, job.mod_rs, syntax)).unwrap_or_default();
        for child in children {
            match child
                .candidates
                .iter()
                .find(|(p, _)| p.exists() || p.is_symlink())
            {
                Some((path, mod_rs)) => jobs.push(Job {
                    path: path.clone(),
                    mod_rs: *mod_rs,
                    test_only: job.test_only || child.test_only,
                }),
                None if child.optional => {}
                None => {
                    let tried: Vec<String> = child
                        .candidates
                        .iter()
                        .map(|(p, _)| display_path(shared.root, p))
                        .collect();
                    let gated = if child.cfg_gated {
                        " (declared under a cfg)"
                    } else {
                        ""
                    };
                    file.extra.push(Finding::of(&diagnostics::UNPARSED_FILE, if child.included {
                            format!(
                                "`include!`d file not audited: file not found{gated}; looked for {}",
                                tried.join(" and ")
                            )
                        } else {
                            format!(
                                "module `{}` not audited: file not found{gated}; looked for {}",
                                child.name,
                                tried.join(" and ")
                            )
                        },
                        child.declared_at,
                    ));
                }
            }
        }
    }
    (Some(file), jobs)
}

/// A file that could not be read: audited as empty, with a finding that says why.
fn unreadable(display: String, message: String) -> LoadedFile {
    let mut file = LoadedFile::new(display, String::new());
    file.readable = false;
    let finding = Finding::of(
        &diagnostics::UNPARSED_FILE,
        format!("file not audited: {message}"),
        file_start(&file.path),
    );
    file.extra.push(finding);
    file
}

/// Reads a source file with the size guard; invalid UTF-8 is reported with its line.
fn read_source(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > parse::MAX_FILE_BYTES as u64 {
        return Err(format!(
            "file is {} bytes, over the {}-byte limit",
            meta.len(),
            parse::MAX_FILE_BYTES
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        format!("invalid UTF-8 at line {line} (byte {valid})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_merged_in_file_order_whatever_order_parts_arrive_in() {
        let part = |file: &str, text: &str| {
            let syntax = syn::parse_file(text).expect("parses");
            (file.to_owned(), crate::model::extract(file, &syntax))
        };
        let a = part(
            "a.rs",
            "extern \"C\" { pub fn cfmakeraw(t: *mut u8) -> i32; }",
        );
        let b = part("b.rs", "extern \"C\" { pub fn cfmakeraw(t: *mut u8); }");
        let forward = merge_in_file_order(vec![a.clone(), b.clone()]);
        let backward = merge_in_file_order(vec![b, a]);
        assert_eq!(forward.foreign_fns, backward.foreign_fns);
        assert_eq!(forward.foreign_fns[0].ret.as_deref(), Some("i32"));
    }

    /// A wrapper crate and its -sys crate audited as one tree: findings that need the other
    /// file's part of the model (a foreign declaration, a `static mut`, a signature type).
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(
            "foo-sys/Cargo.toml",
            "[package]\nname = \"foo-sys\"\nversion = \"0.1.0\"\n",
        );
        write(
            "foo-sys/src/lib.rs",
            "#[repr(C)]\npub struct FooCtx { pub len: u32 }\n\
             pub static mut LAST: i32 = 0;\n\
             extern \"C\" {\n    pub fn foo_len(ctx: *mut FooCtx, n: i32) -> i32;\n\
             pub fn foo_name(ctx: *mut FooCtx) -> *const std::os::raw::c_char;\n}\n",
        );
        write(
            "foo/Cargo.toml",
            "[package]\nname = \"foo\"\nversion = \"0.1.0\"\n",
        );
        write(
            "foo/src/lib.rs",
            "use foo_sys::*;\nuse std::ffi::CStr;\n\
             pub fn len(ctx: *mut FooCtx, n: usize) -> i32 { unsafe { foo_len(ctx, n as i32) } }\n\
             pub fn name(ctx: *mut FooCtx) -> String {\n\
                 unsafe { CStr::from_ptr(foo_name(ctx)).to_string_lossy().into_owned() }\n}\n\
             pub extern \"C\" fn on_event(v: i32) { unsafe { LAST = v; } }\n",
        );
        dir
    }

    fn audit(dir: &Path, budget: usize) -> Vec<Finding> {
        let config = Config::default();
        let progress = Progress::default();
        audit_with_budget(dir, crate::rules::all(), &config, 2, &progress, budget)
            .expect("audit")
            .findings
    }

    #[test]
    fn released_trees_give_the_same_findings_as_held_ones() {
        let dir = tree();
        let held = audit(dir.path(), usize::MAX);
        assert!(
            held.len() >= 3,
            "the fixture should give cross-file findings: {held:#?}"
        );
        // Nothing held: every file is parsed again for its rules.
        assert_eq!(audit(dir.path(), 0), held);
        // Some held, some not.
        assert_eq!(audit(dir.path(), 200), held);
    }

    /// Which trees the first phase keeps for the rules: (held, released) of the files read.
    fn trees_held(dir: &Path, tree_budget: usize) -> (usize, usize) {
        let ignore = Config::default().ignored_paths().expect("no patterns");
        let progress = Progress::default();
        let roots = ["foo-sys/src/lib.rs", "foo/src/lib.rs"].map(|root| Job {
            path: dir.join(root),
            mod_rs: true,
            test_only: false,
        });
        let shared = Shared {
            queue: Mutex::new(Queue {
                jobs: roots.into_iter().collect(),
                in_flight: 0,
                seen: HashSet::new(),
            }),
            wake: Condvar::new(),
            root: dir,
            ignore: &ignore,
            progress: &progress,
            ignored: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            tree_budget,
        };
        let (files, parts) = crawl(&shared);
        assert_eq!(parts.len(), files.len(), "a model part per file read");
        let held = files.iter().filter(|f| f.syntax.is_some()).count();
        (held, files.len() - held)
    }

    #[test]
    fn the_budget_decides_which_trees_are_held() {
        let dir = tree();
        assert_eq!(trees_held(dir.path(), usize::MAX), (2, 0));
        assert_eq!(trees_held(dir.path(), 0), (0, 2));
        // The first file read fits, the second does not.
        let first = std::fs::metadata(dir.path().join("foo-sys/src/lib.rs"))
            .expect("fixture")
            .len();
        let budget = usize::try_from(first).expect("small");
        assert_eq!(trees_held(dir.path(), budget), (1, 1));
    }
}
