//! Headers an `#include` names that the crate does not hold as such, made in a scratch
//! directory so the headers that include them can be read:
//!
//! - a header the build makes from a template shipped in the crate: autoconf's `sixel.h.in`
//!   (`@VAR@`), cmake's `configure_file` input `version.h.in` or `config.in.h` (`@VAR@`,
//!   `${VAR}`, `#cmakedefine`). A variable the crate's `CMakeLists.txt` sets to a literal
//!   (`set(LYD_VALUE_SIZE "24")`, `option(X "" ON)`) takes that value; any other is left
//!   empty (`0` in an `#if`), and `#cmakedefine` of an unknown variable becomes
//!   `/* #undef */`, as cmake writes for a variable that is off;
//! - a header named by its installed path (`<libyang/libyang.h>`, which lies at
//!   `libyang/src/libyang.h`): a header of that name that includes the real one.
//!
//! Each made header says what it was made from, and the header chosen for the cross-check
//! that reaches it says so in its reason.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Most templates listed in a crate.
const MAX_TEMPLATES: usize = 2000;

/// How a missing header was made.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MadeFrom {
    /// From a template the build fills in.
    Template {
        /// The template, relative to the crate.
        template: PathBuf,
        /// Variables given the crate's literal value from its `CMakeLists.txt`.
        known: usize,
        /// Variables left empty (`0` in an `#if`), or `#cmakedefine`s left undefined.
        unknown: usize,
    },
    /// A header named by its installed path, which includes the file found in the crate.
    InstallLayout {
        /// The file, relative to the crate.
        found: PathBuf,
    },
}

/// A header made for an `#include` the crate does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeHeader {
    /// The name the `#include` gives.
    pub include: String,
    /// What it was made from.
    pub from: MadeFrom,
    /// The text written.
    pub(crate) text: String,
    /// The file standing in for it in the include graph (the template, or the real header).
    pub(crate) stands_for: PathBuf,
}

impl std::fmt::Display for MadeHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.from {
            MadeFrom::Template {
                template,
                known,
                unknown,
            } => write!(
                f,
                "`{}` is made by the build: read as made from {} in a scratch directory \
                 ({known} value(s) from CMakeLists.txt, {unknown} left empty or undefined)",
                self.include,
                template.display()
            ),
            MadeFrom::InstallLayout { found } => write!(
                f,
                "`{}` is an installed path: read as {}",
                self.include,
                found.display()
            ),
        }
    }
}

/// The scratch directory holding the made headers; removed when the last handle goes.
#[derive(Clone, Debug)]
pub struct MadeDir(Arc<ScratchDir>);

impl MadeDir {
    /// The directory, to read the made headers through (`-I`).
    pub fn path(&self) -> &Path {
        &self.0.0
    }
}

impl PartialEq for MadeDir {
    fn eq(&self, other: &MadeDir) -> bool {
        self.path() == other.path()
    }
}

impl Eq for MadeDir {}

#[derive(Debug)]
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Nothing to report to: a scratch directory left behind is only litter.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `made` under a new scratch directory (each at its include name). `None` when
/// there is nothing to write or the directory cannot be made.
pub(crate) fn write(made: &[MadeHeader]) -> Option<MadeDir> {
    if made.is_empty() {
        return None;
    }
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ffiguard-made-{}-{n}", std::process::id()));
    std::fs::create_dir(&dir).ok()?;
    let scratch = ScratchDir(dir);
    for header in made {
        let path = scratch.0.join(&header.include);
        let parent = path.parent()?;
        std::fs::create_dir_all(parent).ok()?;
        std::fs::write(&path, &header.text).ok()?;
    }
    Some(MadeDir(Arc::new(scratch)))
}

/// Finds how to make `include` (as named, relative, no `..`) from the crate at `root`:
/// `headers` are the crate's headers, `templates` its template files.
pub(crate) fn make(
    root: &Path,
    include: &str,
    from_dir: &Path,
    headers: &[PathBuf],
    templates: &[PathBuf],
) -> Option<MadeHeader> {
    let name = Path::new(include);
    // A system header is never made: the made one would shadow it (`-I` is searched first).
    if name.is_absolute() || include.contains("..") || include.is_empty() || system_has(name) {
        return None;
    }
    from_template(root, include, from_dir, templates)
        .or_else(|| from_install_layout(root, include, headers))
}

/// Whether the system's C headers (the host's, the cross and MinGW ones) hold `name`.
fn system_has(name: &Path) -> bool {
    static DIRS: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();
    let dirs = DIRS.get_or_init(|| {
        let mut dirs = vec![
            PathBuf::from("/usr/include"),
            PathBuf::from("/usr/local/include"),
        ];
        let listed = |dir: &str| -> Vec<PathBuf> {
            std::fs::read_dir(dir)
                .map(|entries| entries.flatten().map(|e| e.path()).collect())
                .unwrap_or_default()
        };
        for sub in listed("/usr/include") {
            if sub.to_string_lossy().contains("-linux-gnu") {
                dirs.push(sub);
            }
        }
        for sub in listed("/usr") {
            let text = sub.to_string_lossy();
            if text.contains("-linux-gnu") || text.contains("mingw32") {
                dirs.push(sub.join("include"));
            }
        }
        dirs
    });
    dirs.iter().any(|d| d.join(name).exists())
}

/// The template names that make `include`'s file name: `X.in`, `X.cmake`, and for `X.h`,
/// `X.in.h`.
fn template_names(file: &str) -> Vec<String> {
    let mut names = vec![format!("{file}.in"), format!("{file}.cmake")];
    if let Some(stem) = file.strip_suffix(".h") {
        names.push(format!("{stem}.in.h"));
    }
    names
}

fn from_template(
    root: &Path,
    include: &str,
    from_dir: &Path,
    templates: &[PathBuf],
) -> Option<MadeHeader> {
    let name = Path::new(include);
    let file = name.file_name()?.to_str()?;
    let dir = name.parent().unwrap_or(Path::new(""));
    let wanted: Vec<PathBuf> = template_names(file)
        .into_iter()
        .map(|t| dir.join(t))
        .collect();
    // Beside the includer first (a quoted include), then anywhere in the crate under that
    // path; of several, the shortest path.
    let template = wanted
        .iter()
        .map(|w| from_dir.join(w))
        .find(|p| templates.contains(p))
        .or_else(|| {
            templates
                .iter()
                .filter(|t| wanted.iter().any(|w| t.ends_with(w)))
                .min_by_key(|t| t.as_os_str().len())
                .cloned()
        })?;
    let text = std::fs::read_to_string(&template).ok()?;
    let variables = cmake_variables(root, &template);
    let filled = fill(&text, &variables, template.parent().unwrap_or(root));
    Some(MadeHeader {
        include: include.to_owned(),
        from: MadeFrom::Template {
            template: template
                .strip_prefix(root)
                .map_or_else(|_| template.clone(), Path::to_path_buf),
            known: filled.known,
            unknown: filled.unknown,
        },
        text: filled.text,
        stands_for: template,
    })
}

fn from_install_layout(root: &Path, include: &str, headers: &[PathBuf]) -> Option<MadeHeader> {
    let name = Path::new(include);
    let mut parts = name.components();
    let prefix = parts.next()?.as_os_str().to_owned();
    let rest = parts.as_path();
    if rest.as_os_str().is_empty() {
        return None;
    }
    // A header ending in the rest of the name, below a directory named by the prefix.
    let mut found = headers.iter().filter(|h| {
        h.ends_with(rest)
            && h.strip_prefix(root).is_ok_and(|rel| {
                let depth = rest.components().count();
                let above: Vec<_> = rel.components().collect();
                above.len() > depth
                    && above[..above.len() - depth]
                        .iter()
                        .any(|c| c.as_os_str() == prefix)
            })
    });
    let real = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let path = real.to_str()?;
    Some(MadeHeader {
        include: include.to_owned(),
        from: MadeFrom::InstallLayout {
            found: real
                .strip_prefix(root)
                .map_or_else(|_| real.clone(), Path::to_path_buf),
        },
        text: format!("#include \"{}\"\n", path.replace('"', "\\\"")),
        stands_for: real.clone(),
    })
}

/// Template files below `root` (outside the directories the header search skips).
pub(crate) fn templates(root: &Path) -> Vec<PathBuf> {
    super::files_below(
        root,
        |name| name.ends_with(".h.in") || name.ends_with(".in.h") || name.ends_with(".h.cmake"),
        MAX_TEMPLATES,
    )
}

/// The variables `CMakeLists.txt` files from the template's directory up to `root` set to
/// one literal value (`set(NAME value)`, `option(NAME "doc" ON)`); a name set to two
/// different values is left out.
fn cmake_variables(root: &Path, template: &Path) -> HashMap<String, String> {
    let mut values: HashMap<String, Option<String>> = HashMap::new();
    let mut dir = template.parent();
    while let Some(d) = dir {
        if let Ok(text) = std::fs::read_to_string(d.join("CMakeLists.txt")) {
            for (name, value) in cmake_sets(&text) {
                let slot = values.entry(name).or_insert_with(|| Some(value.clone()));
                if slot.as_deref() != Some(value.as_str()) {
                    *slot = None;
                }
            }
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    values
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

/// `set(NAME value ...)` and `option(NAME "doc" value)` with a literal value.
fn cmake_sets(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let lower = line.to_ascii_lowercase();
        let (is_option, rest) = if let Some(r) = lower.strip_prefix("set") {
            (false, r)
        } else if let Some(r) = lower.strip_prefix("option") {
            (true, r)
        } else {
            continue;
        };
        let Some(args) = rest.trim_start().strip_prefix('(') else {
            continue;
        };
        let start = line.len() - args.len();
        let Some(end) = line[start..].find(')') else {
            continue;
        };
        let words = split_args(&line[start..start + end]);
        let value = if is_option {
            words.get(2)
        } else {
            words.get(1)
        };
        let (Some(name), Some(value)) = (words.first(), value) else {
            continue;
        };
        if value.contains('$') || value.contains('@') {
            continue;
        }
        out.push((name.clone(), value.clone()));
    }
    out
}

/// cmake arguments: words, or quoted strings without their quotes.
fn split_args(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let word: String = chars.by_ref().take_while(|&c| c != '"').collect();
            out.push(word);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(word);
        }
    }
    out
}

/// A template filled in.
struct Filled {
    text: String,
    known: usize,
    unknown: usize,
}

/// Whether a cmake value is true.
fn truthy(value: &str) -> bool {
    let v = value.to_ascii_uppercase();
    !(v.is_empty()
        || v == "0"
        || v == "OFF"
        || v == "NO"
        || v == "FALSE"
        || v == "N"
        || v == "IGNORE"
        || v == "NOTFOUND"
        || v.ends_with("-NOTFOUND"))
}

/// `text` with `#cmakedefine`s decided, `@VAR@` and `${VAR}` replaced, and quoted includes
/// of files beside the template made absolute (the made header is read from elsewhere).
fn fill(text: &str, variables: &HashMap<String, String>, template_dir: &Path) -> Filled {
    let mut out = String::with_capacity(text.len());
    let (mut known, mut unknown) = (0, 0);
    for line in text.lines() {
        let directive = line.trim_start().strip_prefix('#').map(str::trim_start);
        if let Some(rest) = directive.and_then(|d| d.strip_prefix("cmakedefine01")) {
            let name = rest.split_whitespace().next().unwrap_or("");
            let on = variables.get(name).is_some_and(|v| truthy(v));
            if variables.contains_key(name) {
                known += 1;
            } else {
                unknown += 1;
            }
            out.push_str(&format!("#define {name} {}\n", u8::from(on)));
            continue;
        }
        if let Some(rest) = directive.and_then(|d| d.strip_prefix("cmakedefine")) {
            let rest = rest.trim();
            let name = rest.split_whitespace().next().unwrap_or("");
            match variables.get(name) {
                Some(v) if truthy(v) => {
                    known += 1;
                    let (line, k, u) = substitute(rest, variables, false);
                    known += k;
                    unknown += u;
                    out.push_str(&format!("#define {line}\n"));
                }
                Some(_) => {
                    known += 1;
                    out.push_str(&format!("/* #undef {name} */\n"));
                }
                None => {
                    unknown += 1;
                    out.push_str(&format!("/* #undef {name} */\n"));
                }
            }
            continue;
        }
        if let Some(rest) = directive.and_then(|d| d.strip_prefix("include"))
            && let Some(name) = rest
                .trim()
                .strip_prefix('"')
                .and_then(|r| r.split('"').next())
            && let Ok(beside) = std::fs::canonicalize(template_dir.join(name))
            && beside.is_file()
            && let Some(path) = beside.to_str()
        {
            out.push_str(&format!("#include \"{}\"\n", path.replace('"', "\\\"")));
            continue;
        }
        let condition = directive.is_some_and(|d| d.starts_with("if") || d.starts_with("elif"));
        let (line, k, u) = substitute(line, variables, condition);
        known += k;
        unknown += u;
        out.push_str(&line);
        out.push('\n');
    }
    Filled {
        text: out,
        known,
        unknown,
    }
}

/// `line` with `@VAR@` and `${VAR}` replaced by their values, or by nothing (`0` in a
/// condition); with the counts of known and unknown variables.
fn substitute(
    line: &str,
    variables: &HashMap<String, String>,
    condition: bool,
) -> (String, usize, usize) {
    let mut out = String::with_capacity(line.len());
    let (mut known, mut unknown) = (0, 0);
    let mut rest = line;
    loop {
        let at = rest.find('@');
        let dollar = rest.find("${");
        let (start, open, close) = match (at, dollar) {
            (Some(a), Some(d)) if d < a => (d, 2, '}'),
            (Some(a), _) => (a, 1, '@'),
            (None, Some(d)) => (d, 2, '}'),
            (None, None) => break,
        };
        let after = &rest[start + open..];
        let end = after.find(close);
        let name = end.map(|e| &after[..e]);
        match name {
            Some(n)
                if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push_str(&rest[..start]);
                match variables.get(n) {
                    Some(v) => {
                        known += 1;
                        out.push_str(v);
                    }
                    None => {
                        unknown += 1;
                        if condition {
                            out.push('0');
                        }
                    }
                }
                rest = &after[n.len() + 1..];
            }
            _ => {
                out.push_str(&rest[..start + open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, known, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_with_literal_values_or_left_empty() {
        let vars = HashMap::from([
            ("LYD_VALUE_SIZE".to_owned(), "24".to_owned()),
            ("ZXING_READERS".to_owned(), "ON".to_owned()),
        ]);
        let text = "#define SIZE @LYD_VALUE_SIZE@\n#define V \"@VERSION@\"\n\
                    #if @HAS_TLS@\n#endif\n#cmakedefine ZXING_READERS\n#cmakedefine ZXING_WRITERS\n\
                    #cmakedefine01 ZXING_ENABLE_1D\nAPI ${attr} int f(void);\nint x = a@b;\n";
        let filled = fill(text, &vars, Path::new("/nonexistent"));
        assert_eq!(
            filled.text,
            "#define SIZE 24\n#define V \"\"\n#if 0\n#endif\n#define ZXING_READERS\n\
             /* #undef ZXING_WRITERS */\n#define ZXING_ENABLE_1D 0\nAPI  int f(void);\nint x = a@b;\n"
        );
        assert_eq!((filled.known, filled.unknown), (2, 5));
    }

    #[test]
    fn cmake_sets_and_options_with_literals_are_read() {
        let text = "set(LYD_VALUE_SIZE \"24\" CACHE STRING \"doc\")\n\
                    option(ZXING_READERS \"Build with reader support\" ON)\n\
                    set (FULL ${A}.${B})\n";
        assert_eq!(
            cmake_sets(text),
            [
                ("LYD_VALUE_SIZE".to_owned(), "24".to_owned()),
                ("ZXING_READERS".to_owned(), "ON".to_owned())
            ]
        );
    }
}
