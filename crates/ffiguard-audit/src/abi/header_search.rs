//! Finding, without configuration, the C headers a crate's bindings stand for, the way a
//! reader of the crate would: the header bindgen is given, a `wrapper.h` next to the build
//! script, the headers the bundled C sources `#include` (through the include directories the
//! build script names), and last, the crate's own headers that declare the functions its
//! `extern` blocks declare. Each header chosen carries the reason it was chosen.
//!
//! Only headers inside the crate's own tree are taken from C sources and from the scan, so a
//! system library's headers never stand in for a bundled one.
//!
//! A header a compiled C file includes itself stands on its own: it is not taken through
//! another header that includes it (nanovg's `nanovg_gl.h` includes `nanovg.h` only in its
//! implementation section). An `#include` the crate does not hold as named is made in a
//! scratch directory when the crate ships what it is made from (`made_headers`: a template
//! the build fills in, or the real file of an installed path), and the chosen header that
//! reaches it says so. When the headers chosen do not read, `c_headers` tries the
//! umbrella that includes them, then the system headers their C files include first.

mod made_headers;

use super::build_script::BuildScript;
pub use made_headers::{MadeDir, MadeFrom, MadeHeader};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Most files read while following `#include`s or scanning the crate for headers.
const MAX_FILES: usize = 5000;

/// Directories of a crate that hold no header the bindings stand for.
const SKIPPED_DIRS: &[&str] = &[
    "target", ".git", "test", "tests", "testing", "examples", "example", "doc", "docs", "fuzz",
    "bench", "benches",
];

/// Why a header was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderReason {
    /// Listed under `[package.metadata.ffiguard] headers`.
    Configured,
    /// Given to bindgen's `.header(..)` in the build script.
    BindgenHeader,
    /// A `wrapper.h` next to the build script (bindgen's usual entry point).
    Wrapper,
    /// `#include`d by a C file the build script compiles.
    IncludedBySource {
        /// The C file (relative to the crate).
        source: PathBuf,
    },
    /// Declares functions the crate's `extern` blocks declare (found by scanning the crate).
    DeclaresBoundFunctions {
        /// How many of those functions it (and the headers it includes) declares.
        declared: usize,
        /// How many functions the `extern` blocks declare.
        bound: usize,
    },
    /// Included, directly or not, by a header chosen first that does not read on every
    /// target (a C++ header over a C API: `libspirv.hpp` over `libspirv.h`); this one reads
    /// on its own and declares functions the `extern` blocks declare.
    IncludedByUnreadable {
        /// The header chosen first.
        umbrella: PathBuf,
        /// libclang's first error for it, with the target.
        umbrella_error: String,
        /// How many bound functions this header declares.
        declared: usize,
        /// How many functions the `extern` blocks declare.
        bound: usize,
    },
    /// Includes, directly or not, several headers chosen first that do not read without it
    /// (libtomcrypt's `tomcrypt.h` over `tomcrypt_pk.h`, ...), and reads.
    UmbrellaOfParts {
        /// How many of the headers chosen first it includes.
        parts: usize,
        /// libclang's first error for those headers read without it, with the target.
        parts_error: String,
        /// How many bound functions it declares.
        declared: usize,
        /// How many functions the `extern` blocks declare.
        bound: usize,
    },
    /// `#include`d by a C file the build script compiles after system headers it needs and
    /// does not include itself (lzlib's `lzlib.h`, which uses `uint8_t`): read after them.
    IncludedBySourceAfter {
        /// The C file (relative to the crate).
        source: PathBuf,
        /// The system headers the C file includes before it, in order.
        prelude: Vec<String>,
        /// libclang's first error for it read alone, with the target.
        alone_error: String,
    },
}

impl std::fmt::Display for HeaderReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderReason::Configured => write!(f, "listed in [package.metadata.ffiguard]"),
            HeaderReason::BindgenHeader => write!(f, "bindgen `.header(..)` in the build script"),
            HeaderReason::Wrapper => write!(f, "`wrapper.h` next to the build script"),
            HeaderReason::IncludedBySource { source } => write!(
                f,
                "included by {}, which the build script compiles, and declares functions the bindings bind",
                source.display()
            ),
            HeaderReason::DeclaresBoundFunctions { declared, bound } => write!(
                f,
                "declares {declared} of the {bound} functions the `extern` blocks declare"
            ),
            HeaderReason::IncludedByUnreadable {
                umbrella,
                umbrella_error,
                declared,
                bound,
            } => write!(
                f,
                "included by {}, which does not read ({umbrella_error}); reads on its own and \
                 declares {declared} of the {bound} functions the `extern` blocks declare",
                umbrella.display()
            ),
            HeaderReason::UmbrellaOfParts {
                parts,
                parts_error,
                declared,
                bound,
            } => write!(
                f,
                "includes the {parts} headers chosen first, which do not read without it \
                 ({parts_error}); declares {declared} of the {bound} functions the `extern` \
                 blocks declare"
            ),
            HeaderReason::IncludedBySourceAfter {
                source,
                prelude,
                alone_error,
            } => write!(
                f,
                "included by {}, which the build script compiles, after {}; does not read \
                 alone ({alone_error}), so it is read after those",
                source.display(),
                prelude
                    .iter()
                    .map(|p| format!("<{p}>"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One header chosen for the cross-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenHeader {
    /// The header (absolute, or as configured).
    pub path: PathBuf,
    /// Why.
    pub reason: HeaderReason,
    /// Headers it includes that the crate does not hold as such, made to read it (a header
    /// generated by the build, made from its template).
    pub made: Vec<MadeHeader>,
}

impl ChosenHeader {
    /// The reason, with how each header made for it was made.
    pub fn explained(&self, reason: &str) -> String {
        let mut text = reason.to_owned();
        for made in &self.made {
            text.push_str("; ");
            text.push_str(&made.to_string());
        }
        text
    }
}

/// The headers found for one crate, or why there are none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrateHeaders {
    /// The headers, in the order they are included.
    pub headers: Vec<ChosenHeader>,
    /// Include directories the headers need that the build script does not name in a form
    /// that can be read (it passes them from a generated path), found in the crate by the
    /// name the header includes.
    pub inferred_include_dirs: Vec<PathBuf>,
    /// Why no header was found (`None` when some were).
    pub none_found: Option<String>,
    /// System headers read before the headers (`-include`), which a C file of the crate
    /// includes before them and without which they do not read.
    pub prelude: Vec<String>,
    /// The scratch directory holding the headers made for the chosen ones (read through
    /// `-I`); removed when the last handle goes.
    pub made_dir: Option<MadeDir>,
    /// A header of the crate that includes two or more of the headers chosen (the library's
    /// umbrella over its parts, which may read only inside it), tried in their place when they
    /// do not read.
    pub(crate) umbrella: Option<Umbrella>,
}

/// A header that includes several of the headers chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Umbrella {
    /// The header.
    pub(crate) path: PathBuf,
    /// The chosen headers it includes, directly or not.
    pub(crate) parts: Vec<PathBuf>,
}

/// What the search needs to know about the crate, read by [`super::config`].
pub(crate) struct SearchInput<'a> {
    pub(crate) root: &'a Path,
    /// Headers listed in the metadata (absolute).
    pub(crate) configured: &'a [PathBuf],
    /// The build script's path and what was read from it, if it has one.
    pub(crate) script: Option<(&'a Path, &'a BuildScript)>,
    /// Include directories (absolute).
    pub(crate) include_dirs: &'a [PathBuf],
    /// The Rust files holding the bindings.
    pub(crate) bindings: &'a [PathBuf],
    /// The directories of the crate's dependencies found beside it, searched for an
    /// `#include` the crate does not hold.
    pub(crate) dependency_roots: &'a [PathBuf],
}

/// Chooses the headers of a crate (see the module documentation for the order).
pub(crate) fn search(input: &SearchInput<'_>) -> CrateHeaders {
    let mut found = choose(input);
    if found.inferred_include_dirs.is_empty() && !found.headers.is_empty() {
        // Headers named directly (bindgen, wrapper.h) may include others through directories
        // the build passes from generated paths: find those in the crate.
        let root = std::fs::canonicalize(input.root).unwrap_or_else(|_| input.root.to_path_buf());
        let mut graph = IncludeGraph::new(&root, input.include_dirs, input.dependency_roots);
        let paths: Vec<PathBuf> = found.headers.iter().map(|h| h.path.clone()).collect();
        graph.follow(&paths);
        found.inferred_include_dirs = graph.inferred_dirs;
    }
    make_missing(input, &mut found);
    found
}

/// Makes the headers the chosen ones include that the crate does not hold as such (see
/// [`made_headers`]), and notes on each chosen header those it reaches.
fn make_missing(input: &SearchInput<'_>, found: &mut CrateHeaders) {
    if found.headers.is_empty() {
        return;
    }
    let root = std::fs::canonicalize(input.root).unwrap_or_else(|_| input.root.to_path_buf());
    let include_dirs: Vec<PathBuf> = input
        .include_dirs
        .iter()
        .chain(&found.inferred_include_dirs)
        .cloned()
        .collect();
    let follow = |paths: &[PathBuf]| {
        let mut graph = IncludeGraph::new(&root, &include_dirs, input.dependency_roots);
        graph.make_missing = true;
        graph.follow(paths);
        graph.made
    };
    let paths: Vec<PathBuf> = found.headers.iter().map(|h| h.path.clone()).collect();
    let made = follow(&paths);
    if made.is_empty() {
        return;
    }
    for header in &mut found.headers {
        header.made = follow(std::slice::from_ref(&header.path));
    }
    found.made_dir = made_headers::write(&made);
    if found.made_dir.is_none() {
        for header in &mut found.headers {
            header.made.clear();
        }
    }
}

fn choose(input: &SearchInput<'_>) -> CrateHeaders {
    let chosen = |paths: Vec<PathBuf>, reason: HeaderReason| CrateHeaders {
        headers: paths
            .into_iter()
            .map(|path| ChosenHeader {
                path,
                reason: reason.clone(),
                made: Vec::new(),
            })
            .collect(),
        ..CrateHeaders::default()
    };
    if !input.configured.is_empty() {
        return chosen(input.configured.to_vec(), HeaderReason::Configured);
    }
    let root = input.root;
    if let Some((script_path, script)) = input.script {
        let headers: Vec<PathBuf> = script
            .headers
            .iter()
            .map(|h| root.join(&h.path))
            .zip(&script.headers)
            .filter(|(p, h)| h.certain || p.is_file())
            .map(|(p, _)| p)
            .collect();
        if !headers.is_empty() {
            return chosen(headers, HeaderReason::BindgenHeader);
        }
        let wrapper = script_path.parent().unwrap_or(root).join("wrapper.h");
        if wrapper.is_file() {
            return chosen(vec![wrapper], HeaderReason::Wrapper);
        }
    }
    let bound = bound_functions(input.bindings);
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut graph = IncludeGraph::new(&canonical_root, input.include_dirs, input.dependency_roots);
    if let Some((_, script)) = input.script {
        let sources: Vec<PathBuf> = script
            .sources
            .iter()
            .map(|s| root.join(&s.path))
            .filter(|p| p.is_file())
            .collect();
        if !sources.is_empty() {
            graph.follow(&sources);
            let roots = graph.choose(&bound);
            if !roots.is_empty() {
                let headers: Vec<ChosenHeader> = roots
                    .into_iter()
                    .map(|(path, source)| ChosenHeader {
                        path,
                        reason: HeaderReason::IncludedBySource {
                            source: source
                                .strip_prefix(&canonical_root)
                                .map_or_else(|_| source.clone(), Path::to_path_buf),
                        },
                        made: Vec::new(),
                    })
                    .collect();
                let paths: Vec<PathBuf> = headers
                    .iter()
                    .map(|h: &ChosenHeader| h.path.clone())
                    .collect();
                return CrateHeaders {
                    headers,
                    umbrella: graph.umbrella_over(&paths),
                    inferred_include_dirs: graph.inferred_dirs,
                    ..CrateHeaders::default()
                };
            }
        }
    }
    if !bound.is_empty() {
        let mut graph =
            IncludeGraph::new(&canonical_root, input.include_dirs, input.dependency_roots);
        let headers = crate_headers(&canonical_root);
        graph.follow(&headers);
        let covered = graph.cover(&headers, &bound);
        if !covered.is_empty() {
            let paths: Vec<PathBuf> = covered.iter().map(|(p, _)| p.clone()).collect();
            return CrateHeaders {
                umbrella: graph.umbrella_over(&paths),
                headers: covered
                    .into_iter()
                    .map(|(path, declared)| ChosenHeader {
                        path,
                        reason: HeaderReason::DeclaresBoundFunctions {
                            declared,
                            bound: bound.len(),
                        },
                        made: Vec::new(),
                    })
                    .collect(),
                inferred_include_dirs: graph.inferred_dirs,
                ..CrateHeaders::default()
            };
        }
    }
    CrateHeaders {
        none_found: Some(why_none(input, &bound)),
        ..CrateHeaders::default()
    }
}

fn why_none(input: &SearchInput<'_>, bound: &HashSet<String>) -> String {
    let mut why = vec!["no `headers` under [package.metadata.ffiguard]".to_owned()];
    match input.script {
        None => why.push("no build script".to_owned()),
        Some((_, s)) => {
            why.push("no bindgen `.header(..)` or `wrapper.h` in the crate".to_owned());
            if s.sources.is_empty() {
                why.push("no C file compiled by the build script could be read".to_owned());
            } else if bound.is_empty() {
                // Without bound functions only headers reached through an include directory
                // the script names are taken (those of bindings generated at build time).
                why.push(
                    "the C files it compiles include no header of the crate through an include \
                     directory the build script names"
                        .to_owned(),
                );
            } else {
                why.push("the C files it compiles include no header of the crate".to_owned());
            }
        }
    }
    if bound.is_empty() {
        why.push("no `extern` function in the Rust sources to look for".to_owned());
    } else {
        why.push(format!(
            "no header of the crate declares any of the {} `extern` functions",
            bound.len()
        ));
    }
    why.join("; ")
}

/// The symbols the `extern "C"` blocks of the binding files declare.
pub(super) fn bound_functions(files: &[PathBuf]) -> HashSet<String> {
    let mut names = HashSet::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        // Cheap test first: most files of a wrapper crate declare nothing foreign.
        if !text.contains("extern") {
            continue;
        }
        let Ok(syntax) = crate::parse::parse_file(&text) else {
            continue;
        };
        let syntax = super::macro_items::expand(&syntax).unwrap_or(syntax);
        let model = crate::model::extract(&file.display().to_string(), &syntax);
        names.extend(
            model
                .foreign_fns
                .into_iter()
                .map(|f| f.link_name.unwrap_or(f.name)),
        );
    }
    names
}

/// Every header below the crate directory, outside test, example and build directories.
fn crate_headers(root: &Path) -> Vec<PathBuf> {
    files_below(root, |name| name.ends_with(".h"), MAX_FILES)
}

/// The files below `root` whose lower-cased name `keep` accepts, outside the directories the
/// search skips ([`SKIPPED_DIRS`]), sorted; at most `limit`, visiting directories in name
/// order so that the same ones are kept every time.
pub(super) fn files_below(root: &Path, keep: impl Fn(&str) -> bool, limit: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    'walk: while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::path);
        for entry in entries {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_lowercase();
            if kind.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) {
                stack.push(path);
            } else if kind.is_file() && keep(&name) {
                out.push(path);
                if out.len() >= limit {
                    break 'walk;
                }
            }
        }
    }
    out.sort();
    out
}

/// One `#include` line.
pub(super) struct Include {
    /// The name between the quotes or angle brackets.
    pub(super) name: String,
    /// `"name"` rather than `<name>`.
    pub(super) quoted: bool,
}

/// The `#include`s of a C file, in order.
pub(super) fn includes(text: &str) -> Vec<Include> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix('#')?.trim_start();
            let rest = rest.strip_prefix("include")?.trim_start();
            let (quoted, close) = match rest.chars().next()? {
                '"' => (true, '"'),
                '<' => (false, '>'),
                _ => return None,
            };
            let name = rest[1..].split(close).next()?;
            Some(Include {
                name: name.to_owned(),
                quoted,
            })
        })
        .collect()
}

/// C text without comments (so a name in a comment does not count as declared).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('/') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(body) = after.strip_prefix("/*") {
            rest = body.find("*/").map_or("", |j| &body[j + 2..]);
            out.push(' ');
        } else if let Some(body) = after.strip_prefix("//") {
            rest = body.find('\n').map_or("", |j| &body[j..]);
        } else {
            out.push('/');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Names followed by `(` in C text: the functions (and function-like macros) it mentions.
fn called_names(text: &str) -> HashSet<String> {
    let text = strip_comments(text);
    let bytes = text.as_bytes();
    let mut names = HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if bytes.get(j) == Some(&b'(') {
                names.insert(text[start..i].to_owned());
            }
        } else {
            i += 1;
        }
    }
    names
}

/// The `#include` graph of the crate's own files.
struct IncludeGraph<'a> {
    root: &'a Path,
    include_dirs: Vec<PathBuf>,
    /// Header → the files that include it, and whether through a path relative to the
    /// includer's own directory (the library's own umbrella header including its parts).
    includers: BTreeMap<PathBuf, Vec<(PathBuf, bool)>>,
    /// File → the headers it includes relatively.
    relative_children: HashMap<PathBuf, Vec<PathBuf>>,
    /// Header → the first C file whose includes reached it.
    first_source: HashMap<PathBuf, PathBuf>,
    /// Names followed by `(` in each header read.
    names: HashMap<PathBuf, HashSet<String>>,
    /// Include directories added because an `#include` resolved nowhere else but the crate
    /// holds the file under that name (the build passes the directory from a generated path).
    pub(crate) inferred_dirs: Vec<PathBuf>,
    /// The crate's headers, listed when the first include needs inferring.
    crate_headers: Option<Vec<PathBuf>>,
    /// The dependencies' directories (canonical), searched after the crate.
    dependency_roots: Vec<PathBuf>,
    /// Their headers, listed when an include is found nowhere in the crate.
    dependency_headers: Option<Vec<PathBuf>>,
    /// Whether an include found nowhere is made from a template or an installed path.
    make_missing: bool,
    /// The crate's templates, listed when the first include needs making.
    templates: Option<Vec<PathBuf>>,
    /// The headers made, in the order first needed.
    made: Vec<MadeHeader>,
    read: usize,
}

impl<'a> IncludeGraph<'a> {
    fn new(
        root: &'a Path,
        include_dirs: &[PathBuf],
        dependency_roots: &[PathBuf],
    ) -> IncludeGraph<'a> {
        IncludeGraph {
            root,
            include_dirs: include_dirs
                .iter()
                .filter_map(|d| std::fs::canonicalize(d).ok())
                .collect(),
            includers: BTreeMap::new(),
            relative_children: HashMap::new(),
            first_source: HashMap::new(),
            names: HashMap::new(),
            inferred_dirs: Vec::new(),
            crate_headers: None,
            dependency_roots: dependency_roots
                .iter()
                .filter_map(|d| std::fs::canonicalize(d).ok())
                .collect(),
            dependency_headers: None,
            make_missing: false,
            templates: None,
            made: Vec::new(),
            read: 0,
        }
    }

    /// Whether `path` is the crate's, or a dependency's that it takes headers from.
    fn within(&self, path: &Path) -> bool {
        path.starts_with(self.root) || self.dependency_roots.iter().any(|d| path.starts_with(d))
    }

    /// Where an `#include` resolves, inside the crate: the includer's directory first for
    /// `"..."`, then the include directories.
    fn resolve(&self, from: &Path, include: &Include) -> Option<(PathBuf, bool)> {
        let own = from.parent().map(|d| d.join(&include.name));
        let candidates = own
            .filter(|_| include.quoted)
            .map(|p| (p, true))
            .into_iter()
            .chain(
                self.include_dirs
                    .iter()
                    .map(|d| (d.join(&include.name), false)),
            );
        for (path, relative) in candidates {
            if let Ok(path) = std::fs::canonicalize(&path)
                && path.is_file()
                && self.within(&path)
            {
                return Some((path, relative));
            }
        }
        None
    }

    /// An include directory of the crate under which `include` exists, added to the search:
    /// the one whose path has an `include` component first, then the shortest.
    fn infer(&mut self, include: &Include) -> Option<(PathBuf, bool)> {
        let name = Path::new(&include.name);
        if name.is_absolute() || include.name.contains("..") {
            return None;
        }
        let own = self
            .crate_headers
            .get_or_insert_with(|| crate_headers(self.root));
        let headers = if own.iter().any(|h| h.ends_with(name)) {
            &*own
        } else {
            // Not the crate's: one its dependencies ship (vorbis-sys's `<ogg/ogg.h>`).
            let roots = &self.dependency_roots;
            &*self
                .dependency_headers
                .get_or_insert_with(|| roots.iter().flat_map(|d| crate_headers(d)).collect())
        };
        let dir = headers
            .iter()
            .filter(|h| h.ends_with(name))
            .filter_map(|h| {
                let mut dir = h.as_path();
                for _ in name.components() {
                    dir = dir.parent()?;
                }
                Some(dir.to_path_buf())
            })
            .min_by_key(|d| {
                let in_include = d.components().any(|c| c.as_os_str() == "include");
                (!in_include, d.as_os_str().len())
            })?;
        let header = std::fs::canonicalize(dir.join(name)).ok()?;
        if !self.include_dirs.contains(&dir) {
            self.include_dirs.push(dir.clone());
            self.inferred_dirs.push(dir);
        }
        Some((header, false))
    }

    /// A header made for `include` (from `file`), standing in for it in the graph: the
    /// template it is made from, or the real header of an installed path.
    fn make(&mut self, file: &Path, include: &Include) -> Option<(PathBuf, bool)> {
        if !self.make_missing {
            return None;
        }
        if let Some(m) = self.made.iter().find(|m| m.include == include.name) {
            return Some((m.stands_for.clone(), false));
        }
        let root = self.root;
        let headers = self
            .crate_headers
            .get_or_insert_with(|| crate_headers(root));
        let templates = self
            .templates
            .get_or_insert_with(|| made_headers::templates(root));
        let dir = file.parent().unwrap_or(root);
        let made = made_headers::make(root, &include.name, dir, headers, templates)?;
        let stands_for = std::fs::canonicalize(&made.stands_for).ok()?;
        self.made.push(made);
        Some((stands_for, false))
    }

    /// Reads `files` and every crate header they include, transitively.
    fn follow(&mut self, files: &[PathBuf]) {
        let mut queue: Vec<(PathBuf, PathBuf)> = files
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .map(|f| (f.clone(), f))
            .collect();
        let mut seen: HashSet<PathBuf> = queue.iter().map(|(f, _)| f.clone()).collect();
        while let Some((file, source)) = queue.pop() {
            if self.read >= MAX_FILES {
                return;
            }
            self.read += 1;
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            if is_header(&file) {
                self.names.insert(file.clone(), called_names(&text));
            }
            for include in includes(&text) {
                let Some((header, relative)) = self
                    .resolve(&file, &include)
                    .or_else(|| self.infer(&include))
                    .or_else(|| self.make(&file, &include))
                else {
                    continue;
                };
                self.includers
                    .entry(header.clone())
                    .or_default()
                    .push((file.clone(), relative));
                if relative && is_header(&file) {
                    self.relative_children
                        .entry(file.clone())
                        .or_default()
                        .push(header.clone());
                }
                self.first_source
                    .entry(header.clone())
                    .or_insert_with(|| source.clone());
                if seen.insert(header.clone()) {
                    queue.push((header, source.clone()));
                }
            }
        }
    }

    /// The outermost header that includes `header` through relative paths (lzma.h for
    /// lzma/base.h, which may not be included on its own): following only relative includes
    /// from the same or a parent directory stops at the library's own umbrella, never at an
    /// internal header that reaches the API through an include directory or `../`.
    fn umbrella(&self, header: &Path) -> PathBuf {
        let mut current = header.to_path_buf();
        let mut visited = HashSet::new();
        // A header a C file includes itself stands on its own: nanovg's `nanovg.h`, which
        // `nanovg_gl.h` includes only in its implementation section.
        while !self.standalone(&current) && visited.insert(current.clone()) {
            let parent = self.includers.get(&current).and_then(|v| {
                v.iter()
                    .find(|(p, relative)| {
                        *relative
                            && is_header(p)
                            && p.parent().is_some_and(|d| current.starts_with(d))
                    })
                    .map(|(p, _)| p.clone())
            });
            match parent {
                Some(p) => current = p,
                None => break,
            }
        }
        current
    }

    /// The bound names `header` and the headers it includes relatively declare.
    fn declared(&self, header: &Path, bound: &HashSet<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack = vec![header.to_path_buf()];
        let mut seen = HashSet::new();
        while let Some(h) = stack.pop() {
            if !seen.insert(h.clone()) {
                continue;
            }
            if let Some(names) = self.names.get(&h) {
                out.extend(names.intersection(bound).cloned());
            }
            if let Some(children) = self.relative_children.get(&h) {
                // A part a C file includes itself is chosen on its own, not through this one.
                stack.extend(children.iter().filter(|c| !self.standalone(c)).cloned());
            }
        }
        out
    }

    /// The header that includes (directly or not) the most of `chosen`, two at least; of
    /// several, the innermost (`tomcrypt.h`, not `tomcrypt_private.h`, which includes it),
    /// then the shortest path.
    fn umbrella_over(&self, chosen: &[PathBuf]) -> Option<Umbrella> {
        if chosen.len() < 2 {
            return None;
        }
        let mut parts_of: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        let mut ancestors_of: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
        for header in chosen {
            let ancestors = self.ancestors(header);
            for a in &ancestors {
                parts_of.entry(a.clone()).or_default().push(header.clone());
            }
        }
        let most = parts_of.values().map(Vec::len).max().filter(|n| *n >= 2)?;
        let best: Vec<&PathBuf> = parts_of
            .iter()
            .filter(|(_, parts)| parts.len() == most)
            .map(|(a, _)| a)
            .collect();
        for a in &best {
            ancestors_of.insert((*a).clone(), self.ancestors(a));
        }
        // Innermost: not an ancestor of another of the best.
        let path = best
            .iter()
            .filter(|a| {
                !best
                    .iter()
                    .any(|b| b != *a && ancestors_of.get(*b).is_some_and(|up| up.contains(**a)))
            })
            .min_by_key(|a| a.as_os_str().len())?;
        Some(Umbrella {
            path: (*path).clone(),
            parts: parts_of[*path].clone(),
        })
    }

    /// The headers that include `header`, directly or not.
    fn ancestors(&self, header: &Path) -> HashSet<PathBuf> {
        let mut out = HashSet::new();
        let mut stack = vec![header.to_path_buf()];
        while let Some(h) = stack.pop() {
            for (by, _) in self.includers.get(&h).into_iter().flatten() {
                if is_header(by) && out.insert(by.clone()) {
                    stack.push(by.clone());
                }
            }
        }
        out.remove(header);
        out
    }

    /// Whether a C file (not a header) includes `header` directly.
    fn standalone(&self, header: &Path) -> bool {
        self.includers
            .get(header)
            .is_some_and(|by| by.iter().any(|(file, _)| !is_header(file)))
    }

    /// The headers reached from C sources to cross-check, with the source that reached each:
    /// the umbrellas of headers that declare bound functions; without bound functions (the
    /// bindings are generated at build time), the umbrellas of headers reached through an
    /// include directory the build script names.
    fn choose(&self, bound: &HashSet<String>) -> Vec<(PathBuf, PathBuf)> {
        let candidates: Vec<PathBuf> = if bound.is_empty() {
            self.includers
                .iter()
                .filter(|(_, by)| by.iter().any(|(_, relative)| !relative))
                .map(|(h, _)| h.clone())
                .collect()
        } else {
            self.includers.keys().cloned().collect()
        };
        let chosen = self.cover(&candidates, bound);
        chosen
            .into_iter()
            .filter_map(|(h, _)| {
                let source = self.first_source.get(&h)?.clone();
                Some((h, source))
            })
            .collect()
    }

    /// Umbrellas of `candidates`, chosen greedily until they declare every bound name they
    /// can (all of them when `bound` is empty), each with the count it declares.
    fn cover(&self, candidates: &[PathBuf], bound: &HashSet<String>) -> Vec<(PathBuf, usize)> {
        let umbrellas: BTreeSet<PathBuf> = candidates
            .iter()
            .filter(|h| {
                bound.is_empty()
                    || self
                        .names
                        .get(*h)
                        .is_some_and(|n| n.iter().any(|x| bound.contains(x)))
            })
            .map(|h| self.umbrella(h))
            .collect();
        if bound.is_empty() {
            return umbrellas.into_iter().map(|h| (h, 0)).collect();
        }
        let mut declared: Vec<(PathBuf, BTreeSet<String>)> = umbrellas
            .into_iter()
            .map(|h| {
                let d = self.declared(&h, bound);
                (h, d)
            })
            .collect();
        let mut covered: BTreeSet<String> = BTreeSet::new();
        let mut out = Vec::new();
        loop {
            let best = declared
                .iter()
                .enumerate()
                .map(|(i, (_, d))| (i, d.difference(&covered).count()))
                .filter(|(_, n)| *n > 0)
                // Most new names; the shortest path on a tie (the public header, not a copy).
                .max_by(|a, b| {
                    a.1.cmp(&b.1).then_with(|| {
                        let len = |i: usize| declared[i].0.as_os_str().len();
                        len(b.0).cmp(&len(a.0))
                    })
                });
            let Some((i, _)) = best else {
                break;
            };
            let (h, d) = declared.swap_remove(i);
            covered.extend(d.iter().cloned());
            out.push((h, d.len()));
        }
        out
    }
}

fn is_header(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    // A template the build makes a header from stands for that header.
    [".h", ".hpp", ".h.in", ".h.cmake"]
        .iter()
        .any(|e| name.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_and_declared_names_are_read_without_comments() {
        let text = "#include \"a.h\"\n  #  include <b/c.h>\n/* f(x) */ int g(int); // h()\n";
        let inc: Vec<(String, bool)> = includes(text)
            .into_iter()
            .map(|i| (i.name, i.quoted))
            .collect();
        assert_eq!(inc, [("a.h".to_owned(), true), ("b/c.h".to_owned(), false)]);
        let names = called_names(text);
        assert!(names.contains("g") && !names.contains("f") && !names.contains("h"));
    }
}
