//! `cargo ffiguard check --dependencies`: the named crate or workspace audited as usual, then
//! every crate it depends on, each audited on its own where cargo keeps its source (the
//! registry's extracted sources, git checkouts, path dependencies), summed up in one table.
//!
//! The dependency graph is `cargo metadata`'s resolve: every kind (normal, build, and the
//! members' dev-dependencies) on every platform unless `--filter-platform` names some, so
//! the table lists what any build or test of the workspace may compile. Nothing is vendored
//! or copied.
//!
//! A dependency is audited with the workspace's rule levels and `test-code` setting, and
//! without its own `[package.metadata.ffiguard]` levels, ignores or deny level: a crate does
//! not get to quieten the audit of itself. Its header cross-check settings are its own.

mod report;

use crate::check::{Audited, exit_code, print_report};
use crate::cli::{CheckArgs, Format};
use cargo_metadata::{Metadata, MetadataCommand, Package, PackageId};
use ffiguard_audit::{
    AuditOutcome, Config, DEFAULT_FOLD, FfiSurface, HeaderCheck, LevelCounts, Progress,
    audit_path_with_progress, registry,
};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where a crate's source comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A workspace member audited as part of the named crate or workspace.
    Member,
    /// A registry (crates.io or another), from cargo's extracted sources.
    Registry,
    /// A git checkout.
    Git,
    /// A path dependency outside the audited directory.
    Path,
}

impl Origin {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Origin::Member => "member",
            Origin::Registry => "registry",
            Origin::Git => "git",
            Origin::Path => "path",
        }
    }

    fn of(package: &Package) -> Origin {
        match &package.source {
            None => Origin::Path,
            Some(source) if source.repr.starts_with("git+") => Origin::Git,
            Some(_) => Origin::Registry,
        }
    }
}

/// One row of the table: a crate and what its audit found.
#[derive(Debug)]
pub(crate) struct CrateAudit {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) origin: Origin,
    /// The directory of the package's `Cargo.toml`.
    pub(crate) dir: PathBuf,
    pub(crate) files: usize,
    pub(crate) lines: usize,
    pub(crate) surface: FfiSurface,
    /// What the header cross-check did for this crate.
    pub(crate) headers: HeaderCheck,
    /// Findings per level, folded and hidden ones included.
    pub(crate) counts: LevelCounts,
    /// Why the crate could not be audited, when it could not.
    pub(crate) error: Option<String>,
}

/// Every crate's row, and one outcome holding every finding: the members' with paths
/// relative to the audited root, the dependencies' with absolute paths (where cargo keeps
/// them on disk). `crate_of[i]` is the row of `outcome.findings[i]`, when known.
pub(crate) struct Report {
    pub(crate) crates: Vec<CrateAudit>,
    pub(crate) outcome: AuditOutcome,
    pub(crate) crate_of: Vec<Option<usize>>,
}

/// Resolves the graph, audits every dependency, prints the report in the chosen format.
pub(crate) fn run(args: &CheckArgs, audited: Audited) -> Result<ExitCode, String> {
    let manifest = match &args.target.manifest_path {
        Some(manifest) => manifest.clone(),
        None if !audited.selected.is_empty() => audited.root.join("Cargo.toml"),
        None => manifest_of(&args.target.path()?)?,
    };
    let mut command = MetadataCommand::new();
    command.manifest_path(&manifest);
    let mut options = Vec::new();
    if args.offline {
        options.push("--offline".to_owned());
    }
    for triple in &args.filter_platform {
        options.extend(["--filter-platform".to_owned(), triple.clone()]);
    }
    command.other_options(options);
    let metadata = command.exec().map_err(|e| {
        format!(
            "cannot resolve the dependencies of {}: {e}",
            manifest.display()
        )
    })?;
    let mut members = audited_members(&metadata, &audited.root);
    if !audited.selected.is_empty() {
        members.retain(|(p, _)| audited.selected.iter().any(|name| **name == *p.name));
    }
    if members.is_empty() {
        return Err(format!(
            "{} holds no workspace member whose dependencies could be resolved",
            audited.root.display()
        ));
    }
    let dependencies = dependencies_of(&metadata, &members)?;
    let config = dependency_config(&audited.config);
    let keep_sources = args.format == Format::Sarif;
    let progress = Progress::default();
    let audits = crate::progress::around(&progress, || {
        audit_all(
            &dependencies,
            &config,
            args.threads,
            keep_sources,
            args.min_level,
            &progress,
        )
    });
    let report = assemble(&audited, &members, dependencies.iter().copied().zip(audits));
    let failed_members = audited.failed(args);
    let failed_dependencies = args.deny_dependencies.is_some_and(|level| {
        report
            .crates
            .iter()
            .any(|c| c.origin != Origin::Member && c.counts.at_least(level) > 0)
    });
    let text = match args.format {
        Format::Human => {
            let color = crate::color::for_stdout(args.color);
            let mut text = ffiguard_audit::render_human(
                &audited.outcome,
                &audited.known,
                color,
                &audited.root,
            );
            text.push('\n');
            text.push_str(&report::table(&report.crates, args.deny_dependencies));
            text
        }
        // Every finding, the dependencies' at their absolute paths, as in SARIF.
        Format::Short => ffiguard_audit::render_short(&report.outcome, &audited.root),
        Format::Github => {
            ffiguard_audit::render_github(&report.outcome, &audited.known, &audited.root)
        }
        Format::Json => report::json(&report, &audited.known),
        Format::Sarif => {
            ffiguard_audit::render_sarif(&report.outcome, &audited.known, &audited.root)
        }
    };
    print_report(&text);
    if args.explain_headers {
        eprint!("{}", explain_headers(&report.crates));
    }
    Ok(exit_code(failed_members || failed_dependencies))
}

/// `--explain-headers` for every crate of the table, each package named by its crate.
fn explain_headers(crates: &[CrateAudit]) -> String {
    let mut out = String::new();
    for row in crates {
        let name = format!("{} {}", row.name, row.version);
        let mut headers = row.headers.clone();
        if headers.packages.is_empty() {
            let why = headers
                .not_run
                .as_deref()
                .unwrap_or("no package was searched");
            out.push_str(&format!("{name}: no header — {why}\n"));
            continue;
        }
        for package in &mut headers.packages {
            package.package = if package.package.is_empty() {
                name.clone()
            } else {
                format!("{name} ({})", package.package)
            };
        }
        out.push_str(&headers.explain());
    }
    out
}

/// The manifest `cargo metadata` is run on: the path's `Cargo.toml`.
fn manifest_of(path: &Path) -> Result<PathBuf, String> {
    let manifest = if path.is_dir() {
        path.join("Cargo.toml")
    } else {
        path.to_path_buf()
    };
    if manifest.file_name().is_none_or(|n| n != "Cargo.toml") || !manifest.is_file() {
        return Err(format!(
            "--dependencies needs a crate or workspace (a directory with a Cargo.toml, or the \
             Cargo.toml itself); {} is neither",
            path.display()
        ));
    }
    Ok(manifest)
}

/// The workspace members below `root` (the named crate, or every member of the named
/// workspace), each with its directory relative to `root` (`""` for `root` itself).
fn audited_members<'m>(metadata: &'m Metadata, root: &Path) -> Vec<(&'m Package, String)> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut members: Vec<(&Package, String)> = metadata
        .workspace_packages()
        .into_iter()
        .filter_map(|package| {
            let dir = package.manifest_path.parent()?.as_std_path();
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            let relative = dir.strip_prefix(&root).ok()?;
            Some((package, relative.to_string_lossy().replace('\\', "/")))
        })
        .collect();
    members.sort_by(|a, b| a.1.cmp(&b.1));
    members
}

/// Every package the members depend on, directly or not, that is not itself one of them,
/// sorted by name and version.
fn dependencies_of<'m>(
    metadata: &'m Metadata,
    members: &[(&Package, String)],
) -> Result<Vec<&'m Package>, String> {
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or("cargo metadata returned no dependency graph")?;
    let nodes: HashMap<&PackageId, &cargo_metadata::Node> =
        resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let packages: HashMap<&PackageId, &Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let member_ids: HashSet<&PackageId> = members.iter().map(|(p, _)| &p.id).collect();
    let mut seen: HashSet<&PackageId> = member_ids.clone();
    let mut queue: VecDeque<&PackageId> = member_ids.iter().copied().collect();
    let mut found = Vec::new();
    while let Some(id) = queue.pop_front() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.dependencies {
            if seen.insert(dep) {
                queue.push_back(dep);
                if let Some(package) = packages.get(dep) {
                    found.push(*package);
                }
            }
        }
    }
    found.sort_by(|a, b| (&*a.name, &a.version).cmp(&(&*b.name, &b.version)));
    Ok(found)
}

/// The configuration a dependency is audited with (see the module documentation).
fn dependency_config(workspace: &Config) -> Config {
    Config {
        levels: workspace.levels.clone(),
        test_code: workspace.test_code,
        ..Config::default()
    }
}

/// Crates with more Rust source than this are audited one at a time with every worker
/// (`windows` has 109 MiB); the rest, one crate per worker.
const LARGE_CRATE_BYTES: u64 = 8 << 20;

/// Audits each dependency with `threads` workers (0: one per core). A dependency graph is
/// hundreds of mostly small crates, so crates, not files, keep the cores busy: each worker
/// audits one crate at a time, largest first. A few generated crates are larger than all the
/// others together; those go first, alone, with every worker on their files.
fn audit_all(
    packages: &[&Package],
    config: &Config,
    threads: usize,
    keep_sources: bool,
    min_level: Option<ffiguard_audit::Level>,
    progress: &Progress,
) -> Vec<Result<AuditOutcome, String>> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        threads
    };
    let mut order: Vec<(u64, usize)> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let dir = p
                .manifest_path
                .parent()
                .map_or(Path::new("."), |d| d.as_std_path());
            (source_bytes(dir, 0), i)
        })
        .collect();
    order.sort_by(|a, b| b.cmp(a));
    let split = order.partition_point(|&(bytes, _)| bytes >= LARGE_CRATE_BYTES);
    let (large, small) = order.split_at(split);
    let results: Mutex<Vec<Option<Result<AuditOutcome, String>>>> =
        Mutex::new((0..packages.len()).map(|_| None).collect());
    let audit_one = |index: usize, threads: usize| {
        let manifest = packages[index].manifest_path.as_std_path();
        let result =
            audit_path_with_progress(manifest, registry::rules(), config, threads, progress)
                .map(|mut outcome| {
                    outcome.fold(DEFAULT_FOLD);
                    if let Some(level) = min_level {
                        outcome.hide_below(level);
                    }
                    if !keep_sources {
                        outcome.sources.clear();
                    }
                    outcome
                })
                .map_err(|e| e.to_string());
        results
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(result);
    };
    for &(_, index) in large {
        audit_one(index, threads);
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(small.len()) {
            scope.spawn(|| {
                while let Some(&(_, index)) = small.get(next.fetch_add(1, Ordering::Relaxed)) {
                    audit_one(index, 1);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not audited: a worker thread failed".to_owned())))
        .collect()
}

/// Bytes of `.rs` files below `dir` (not following links, not into `target/`): how long a
/// crate will take, for scheduling.
fn source_bytes(dir: &Path, depth: usize) -> u64 {
    const MAX_DEPTH: usize = 32;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() && depth < MAX_DEPTH && entry.file_name() != "target" {
            total += source_bytes(&path, depth + 1);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            total += entry.metadata().map_or(0, |m| m.len());
        }
    }
    total
}

/// The rows and the merged outcome: members first (from the usual audit, each finding and
/// each file's surface given to the member whose directory holds it), then dependencies.
fn assemble<'m>(
    audited: &Audited,
    members: &[(&Package, String)],
    dependencies: impl Iterator<Item = (&'m Package, Result<AuditOutcome, String>)>,
) -> Report {
    let mut crates: Vec<CrateAudit> = members
        .iter()
        .map(|(package, relative)| {
            let dir = package
                .manifest_path
                .parent()
                .map_or_else(PathBuf::new, |d| d.as_std_path().to_path_buf());
            CrateAudit {
                name: package.name.to_string(),
                version: package.version.to_string(),
                origin: Origin::Member,
                headers: member_headers(&audited.outcome.headers, &dir, relative),
                dir,
                files: 0,
                lines: 0,
                surface: FfiSurface::default(),
                counts: LevelCounts::default(),
                error: None,
            }
        })
        .collect();
    let member_of = |file: &str| -> Option<usize> {
        // The longest directory that holds the file: a member nested in another's directory
        // owns its own files.
        members
            .iter()
            .enumerate()
            .filter(|(_, (_, dir))| {
                dir.is_empty()
                    || file
                        .strip_prefix(dir.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|(_, (_, dir))| dir.len())
            .map(|(i, _)| i)
    };
    for (file, surface) in &audited.outcome.surface {
        if let Some(i) = member_of(file) {
            crates[i].surface.add(surface);
        }
    }
    let mut outcome = AuditOutcome {
        findings: audited.outcome.findings.clone(),
        sources: audited.outcome.sources.clone(),
        notices: audited.outcome.notices.clone(),
        headers: audited.outcome.headers.clone(),
        hidden: audited.outcome.hidden,
        files: audited.outcome.files,
        lines: audited.outcome.lines,
        ..AuditOutcome::default()
    };
    let mut crate_of: Vec<Option<usize>> = outcome
        .findings
        .iter()
        .map(|f| member_of(&f.location.file))
        .collect();
    for (file, counts) in &audited.counts_by_file {
        if let Some(i) = member_of(file) {
            let row = &mut crates[i].counts;
            row.errors += counts.errors;
            row.warnings += counts.warnings;
            row.infos += counts.infos;
        }
    }
    // Files and lines are only known for the whole audit; they go to the only member, or
    // stay unsplit (0) when there are several.
    if let [only] = crates.as_mut_slice() {
        only.files = audited.outcome.files;
        only.lines = audited.outcome.lines;
    }
    for (package, result) in dependencies {
        let index = crates.len();
        let dir = package
            .manifest_path
            .parent()
            .map_or_else(PathBuf::new, |d| d.as_std_path().to_path_buf());
        let mut row = CrateAudit {
            name: package.name.to_string(),
            version: package.version.to_string(),
            origin: Origin::of(package),
            dir,
            files: 0,
            lines: 0,
            surface: FfiSurface::default(),
            headers: HeaderCheck::default(),
            counts: LevelCounts::default(),
            error: None,
        };
        match result {
            Ok(mut audit) => {
                row.files = audit.files;
                row.lines = audit.lines;
                row.counts = audit.counts();
                for surface in audit.surface.values() {
                    row.surface.add(surface);
                }
                row.headers = std::mem::take(&mut audit.headers);
                crate::merge::rebase(&mut audit, &row.dir.to_string_lossy().replace('\\', "/"));
                crate_of.extend(audit.findings.iter().map(|_| Some(index)));
                outcome.findings.append(&mut audit.findings);
                outcome.sources.extend(audit.sources);
                outcome.notices.extend(
                    audit
                        .notices
                        .iter()
                        .map(|n| format!("{} {}: {n}", row.name, row.version)),
                );
                outcome.hidden.errors += audit.hidden.errors;
                outcome.hidden.warnings += audit.hidden.warnings;
                outcome.hidden.infos += audit.hidden.infos;
                outcome.files += audit.files;
                outcome.lines += audit.lines;
            }
            Err(why) => row.error = Some(why),
        }
        crates.push(row);
    }
    Report {
        crates,
        outcome,
        crate_of,
    }
}

/// The header cross-check's result for one member: the whole audit's, narrowed to the
/// headers found for this member when the check ran.
fn member_headers(all: &HeaderCheck, dir: &Path, relative: &str) -> HeaderCheck {
    if all.headers == 0 {
        return all.clone();
    }
    let name = if relative.is_empty() { "." } else { relative };
    // The audit says per package what it found: no second search (which may run libclang).
    if let Some(package) = all.packages.iter().find(|p| p.package == relative) {
        let found = package.headers.len();
        return HeaderCheck {
            headers: found,
            targets: package.targets.clone(),
            not_run: (found == 0).then(|| {
                package
                    .none_found
                    .clone()
                    .unwrap_or_else(|| format!("no header found for {name}"))
            }),
            packages: vec![package.clone()],
        };
    }
    let found = ffiguard_audit::abi::config::find_headers(dir)
        .map(|h| h.headers.len())
        .unwrap_or(0);
    HeaderCheck {
        headers: found,
        targets: if found > 0 {
            all.targets.clone()
        } else {
            Vec::new()
        },
        not_run: (found == 0).then(|| format!("no header found for {name}")),
        packages: Vec::new(),
    }
}
