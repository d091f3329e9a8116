//! Headers that read in place of a chosen one that does not: a crate that compiles C++ but
//! binds a C API (spirv-tools-sys's sources include `libspirv.hpp`, whose C half is
//! `libspirv.h`; libfuzzy-sys's `match.h` reaches the C `fuzzy.h` through a header that
//! includes `<string>`). The cross-check reads headers as C (a C++ header, at best, finds its
//! standard library on the host only), so such an umbrella would leave the crate unchecked on
//! some or all targets; the headers it includes that read on their own on every target and
//! declare functions the bindings bind are checked instead.
//!
//! Two repairs come first, as a C file of the crate would read the headers: the umbrella
//! that includes several of the headers chosen (libtomcrypt's parts read only inside
//! `tomcrypt.h`), and the system headers a C file includes before the header that needs them
//! (`lzlib.c` includes `<stdint.h>` before `lzlib.h`, which uses `uint8_t` and includes
//! nothing).

use super::header_search::{self, ChosenHeader, CrateHeaders, HeaderReason};
use ffiguard_cheader::{HeaderError, HeaderSet, Target};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// Most header sets read with libclang while looking for ones that read.
const MAX_PARSES: usize = 12;

/// `found` with each header that does not read on every one of `targets` replaced by the
/// headers it includes that do and that declare bound functions. Headers the crate names itself
/// (configured, given to bindgen, `wrapper.h`) are kept as they are, and so is a header for
/// which nothing that reads is found (the check then says why it could not read it).
pub(crate) fn prefer_readable(
    found: CrateHeaders,
    root: &Path,
    base: &HeaderSet,
    bindings: &[PathBuf],
    targets: &[Target],
) -> CrateHeaders {
    let discovered = |h: &ChosenHeader| {
        matches!(
            h.reason,
            HeaderReason::IncludedBySource { .. } | HeaderReason::DeclaresBoundFunctions { .. }
        )
    };
    if found.headers.is_empty() || !found.headers.iter().all(discovered) {
        return found;
    }
    let with = |headers: Vec<PathBuf>| HeaderSet {
        headers,
        include_dirs: base
            .include_dirs
            .iter()
            .chain(&found.inferred_include_dirs)
            .cloned()
            .collect(),
        ..base.clone()
    };
    let all: Vec<PathBuf> = found.headers.iter().map(|h| h.path.clone()).collect();
    let Some(error) = unreadable(&with(all), targets) else {
        return found;
    };
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let bound = header_search::bound_functions(bindings);
    // libclang names files by absolute path: not the machine's in a reason.
    let error = error.replace(&format!("{}/", root.display()), "");
    if let Some(better) = with_umbrella(&found, &error, &with, targets, &bound) {
        return better;
    }
    if let Some(better) = with_prelude(&found, &root, &error, &with, targets) {
        return better;
    }
    if bound.is_empty() {
        return found;
    }
    let mut search = Search {
        root: &root,
        set: with(Vec::new()),
        targets,
        bound: &bound,
        parses: 0,
    };
    let mut out = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for chosen in &found.headers {
        let Some(error) = search.error(&chosen.path) else {
            out.push(chosen.clone());
            continue;
        };
        let mut parts = search.c_parts(&chosen.path);
        // The headers that add most first; one that adds nothing is left out.
        parts.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        let mut replaced = false;
        for (path, declared) in parts {
            if declared.is_subset(&covered) {
                continue;
            }
            covered.extend(declared.iter().cloned());
            replaced = true;
            out.push(ChosenHeader {
                path,
                reason: HeaderReason::IncludedByUnreadable {
                    umbrella: chosen.path.clone(),
                    umbrella_error: error.clone(),
                    declared: declared.len(),
                    bound: bound.len(),
                },
                made: chosen.made.clone(),
            });
        }
        if !replaced {
            out.push(chosen.clone());
        }
    }
    CrateHeaders {
        headers: out,
        ..found
    }
}

/// `found` with the headers an umbrella includes replaced by it, when that reads.
fn with_umbrella(
    found: &CrateHeaders,
    error: &str,
    with: &dyn Fn(Vec<PathBuf>) -> HeaderSet,
    targets: &[Target],
    bound: &HashSet<String>,
) -> Option<CrateHeaders> {
    let umbrella = found.umbrella.as_ref()?;
    let mut headers: Vec<ChosenHeader> = Vec::new();
    for chosen in &found.headers {
        if !umbrella.parts.contains(&chosen.path) {
            headers.push(chosen.clone());
            continue;
        }
        let at = match headers.iter().position(|h| h.path == umbrella.path) {
            Some(at) => at,
            None => {
                headers.push(ChosenHeader {
                    path: umbrella.path.clone(),
                    reason: HeaderReason::UmbrellaOfParts {
                        parts: umbrella.parts.len(),
                        parts_error: error.to_owned(),
                        declared: 0,
                        bound: bound.len(),
                    },
                    made: Vec::new(),
                });
                headers.len() - 1
            }
        };
        for made in &chosen.made {
            if !headers[at].made.contains(made) {
                headers[at].made.push(made.clone());
            }
        }
    }
    let models = parse_all(
        &with(headers.iter().map(|h| h.path.clone()).collect()),
        targets,
    )
    .ok()?;
    let declared = models.first().map_or(0, |m| {
        m.functions.keys().filter(|f| bound.contains(*f)).count()
    });
    for h in &mut headers {
        if let HeaderReason::UmbrellaOfParts { declared: d, .. } = &mut h.reason {
            *d = declared;
        }
    }
    Some(CrateHeaders {
        headers,
        umbrella: None,
        ..found.clone()
    })
}

/// `found` read after the system headers that the C files including its headers include
/// before them, when that reads.
fn with_prelude(
    found: &CrateHeaders,
    root: &Path,
    error: &str,
    with: &dyn Fn(Vec<PathBuf>) -> HeaderSet,
    targets: &[Target],
) -> Option<CrateHeaders> {
    let mut prelude: Vec<String> = Vec::new();
    let mut headers = found.headers.clone();
    for chosen in &mut headers {
        let HeaderReason::IncludedBySource { source } = &chosen.reason else {
            continue;
        };
        let before = system_includes_before(&root.join(source), &chosen.path, &with(Vec::new()));
        if before.is_empty() {
            continue;
        }
        for name in &before {
            if !prelude.contains(name) {
                prelude.push(name.clone());
            }
        }
        chosen.reason = HeaderReason::IncludedBySourceAfter {
            source: source.clone(),
            prelude: before,
            alone_error: error.to_owned(),
        };
    }
    if prelude.is_empty() {
        return None;
    }
    let mut set = with(headers.iter().map(|h| h.path.clone()).collect());
    set.extra_args.extend(prelude_args(&prelude));
    if unreadable(&set, targets).is_some() {
        return None;
    }
    Some(CrateHeaders {
        headers,
        prelude,
        ..found.clone()
    })
}

/// The clang arguments that read `prelude` before the headers.
pub(crate) fn prelude_args(prelude: &[String]) -> Vec<String> {
    prelude
        .iter()
        .flat_map(|p| ["-include".to_owned(), p.clone()])
        .collect()
}

/// The `<...>` includes of `source` before the one that includes `header`, that are not the
/// crate's (system headers); none when `source` does not include `header` itself.
fn system_includes_before(source: &Path, header: &Path, set: &HeaderSet) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(source) else {
        return Vec::new();
    };
    let dir = source.parent().unwrap_or(Path::new("."));
    let mut before = Vec::new();
    for include in header_search::includes(&text) {
        let resolved = include
            .quoted
            .then(|| dir.join(&include.name))
            .into_iter()
            .chain(set.include_dirs.iter().map(|d| d.join(&include.name)))
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .find(|p| p.is_file());
        if resolved.as_deref() == Some(header) {
            return before;
        }
        if !include.quoted && resolved.is_none() {
            before.push(include.name);
        }
    }
    Vec::new()
}

/// The first error libclang gives for `set` on one of `targets`, with the target, or `None`
/// when it reads on all of them (or when libclang cannot be used at all: then nothing is
/// learnt by trying other headers).
fn unreadable(set: &HeaderSet, targets: &[Target]) -> Option<String> {
    parse_all(set, targets).err().flatten()
}

/// The models of `set` for every target; the first error (`None` when it is not the
/// headers' fault) otherwise. The first target is read alone first: a header that does not
/// read fails there in most cases, and the others are not read then.
fn parse_all(
    set: &HeaderSet,
    targets: &[Target],
) -> Result<Vec<ffiguard_cheader::CModel>, Option<String>> {
    let Some((first, rest)) = targets.split_first() else {
        return Ok(Vec::new());
    };
    let described = |target: &Target, e: HeaderError| match e {
        HeaderError::Diagnostics { diagnostics, .. } => Some(format!(
            "on {}: {}",
            target.name,
            diagnostics
                .first()
                .map_or_else(|| "errors".to_owned(), |d| first_line(d))
        )),
        _ => None,
    };
    let mut models =
        vec![ffiguard_cheader::parse_headers(set, first).map_err(|e| described(first, e))?];
    for (target, result) in ffiguard_cheader::parse_for_targets(set, rest) {
        models.push(result.map_err(|e| described(&target, e))?);
    }
    Ok(models)
}

fn first_line(diagnostic: &str) -> String {
    diagnostic.lines().next().unwrap_or(diagnostic).to_owned()
}

struct Search<'a> {
    root: &'a Path,
    /// Include directories and defines; `headers` is set per parse.
    set: HeaderSet,
    targets: &'a [Target],
    bound: &'a HashSet<String>,
    parses: usize,
}

impl Search<'_> {
    fn error(&mut self, header: &Path) -> Option<String> {
        self.parses += 1;
        self.set.headers = vec![header.to_path_buf()];
        unreadable(&self.set, self.targets)
    }

    /// The bound functions `header` declares when it reads on its own on every target (`None`
    /// when it does not, or when the parse budget is spent).
    fn declared(&mut self, header: &Path) -> Option<BTreeSet<String>> {
        if self.parses >= MAX_PARSES {
            return None;
        }
        self.parses += 1;
        self.set.headers = vec![header.to_path_buf()];
        let models = parse_all(&self.set, self.targets).ok()?;
        let model = models.first()?;
        Some(
            model
                .functions
                .keys()
                .filter(|f| self.bound.contains(*f))
                .cloned()
                .collect(),
        )
    }

    /// The outermost headers below `umbrella` (breadth first) that read and declare bound
    /// functions; a header that does not read is looked into.
    fn c_parts(&mut self, umbrella: &Path) -> Vec<(PathBuf, BTreeSet<String>)> {
        let mut out = Vec::new();
        let mut seen: HashSet<PathBuf> = HashSet::from([umbrella.to_path_buf()]);
        let mut queue = std::collections::VecDeque::from([umbrella.to_path_buf()]);
        while let Some(header) = queue.pop_front() {
            for child in self.includes(&header) {
                if !seen.insert(child.clone()) {
                    continue;
                }
                match self.declared(&child) {
                    Some(declared) if !declared.is_empty() => out.push((child, declared)),
                    // Reads but declares nothing bound: nothing below it does either.
                    Some(_) => {}
                    None if self.parses < MAX_PARSES => queue.push_back(child),
                    None => {}
                }
            }
        }
        out
    }

    /// The crate's headers `header` includes, resolved as the preprocessor would (a quoted
    /// name beside the includer first, then the include directories).
    fn includes(&self, header: &Path) -> Vec<PathBuf> {
        let Ok(text) = std::fs::read_to_string(header) else {
            return Vec::new();
        };
        header_search::includes(&text)
            .into_iter()
            .filter_map(|include| {
                let own = header
                    .parent()
                    .filter(|_| include.quoted)
                    .map(|d| d.join(&include.name));
                own.into_iter()
                    .chain(self.set.include_dirs.iter().map(|d| d.join(&include.name)))
                    .filter_map(|p| std::fs::canonicalize(p).ok())
                    .find(|p| p.is_file() && p.starts_with(self.root))
            })
            .collect()
    }
}
