//! Crate types that share a name in different modules (sokol's public `SgDesc` and its
//! `ffi::SgDesc` mirror, which embeds it) told apart by where they are written: a path to one
//! is made absolute from the module that writes it, and the type is known by that key, so the
//! type an `extern` function takes is paired with C's record and the other is not.

use super::rtype::RType;
use crate::model::{ForeignFn, TypeDef};

/// The prefix of an absolute key.
const ROOT: &str = "crate";

/// The key of a crate type: its name, or, when several modules define one of that name, its
/// absolute path (`crate::ffi::SgDesc`).
pub(crate) fn key(def: &TypeDef, env: &super::rtype::Env) -> String {
    if env.ambiguous.contains(&def.name) {
        absolute(&def.module, &def.name)
    } else {
        def.name.clone()
    }
}

fn absolute(module: &[String], name: &str) -> String {
    std::iter::once(ROOT)
        .chain(module.iter().map(String::as_str))
        .chain(std::iter::once(name))
        .collect::<Vec<_>>()
        .join("::")
}

/// The module of an `extern` function: its file's and the inline ones around it.
pub(crate) fn of_fn(f: &ForeignFn) -> Vec<String> {
    crate::model::module_chain(&f.location.file)
        .into_iter()
        .map(str::to_owned)
        .chain(f.module.iter().cloned())
        .collect()
}

/// The module path and name of an absolute key.
pub(crate) fn split(key: &str) -> Option<(Vec<&str>, &str)> {
    let mut parts: Vec<&str> = key.split("::").collect();
    if parts.first() != Some(&ROOT) {
        return None;
    }
    let name = parts.pop()?;
    Some((parts[1..].to_vec(), name))
}

/// `r` with each path to an ambiguous type, as written in `module`, made absolute.
pub(crate) fn qualify(r: RType, module: &[String], rust: &super::items::RustSide) -> RType {
    match r {
        RType::Named(written)
            if written.contains("::") || rust.env.ambiguous.contains(&written) =>
        {
            RType::Named(resolve(&written, module, rust).unwrap_or(written))
        }
        RType::Ptr { mutable, pointee } => RType::Ptr {
            mutable,
            pointee: Box::new(qualify(*pointee, module, rust)),
        },
        RType::Array { element, len } => RType::Array {
            element: Box::new(qualify(*element, module, rust)),
            len,
        },
        RType::FnPtr {
            params,
            ret,
            variadic,
        } => RType::FnPtr {
            params: params
                .into_iter()
                .map(|p| qualify(p, module, rust))
                .collect(),
            ret: Box::new(qualify(*ret, module, rust)),
            variadic,
        },
        other => other,
    }
}

/// The absolute key of the type the path `written` names from `module`, when the crate
/// defines it there: `super::`, `self::`, `crate::` and paths relative to `module`; a bare
/// name is the one of `module`, else the crate root's (an import the check does not follow).
fn resolve(written: &str, module: &[String], rust: &super::items::RustSide) -> Option<String> {
    if split(written).is_some() {
        return Some(written.to_owned());
    }
    let segments: Vec<&str> = written.split("::").collect();
    let (&name, path) = segments.split_last()?;
    let exists = |m: &[String]| {
        rust.model
            .types_named(name)
            .any(|d| d.module.as_slice() == m)
            .then(|| absolute(m, name))
    };
    let mut at: Vec<String> = module.to_vec();
    let mut rest = path;
    match path.first() {
        Some(&"crate") => {
            at.clear();
            rest = &path[1..];
        }
        Some(&"self") => rest = &path[1..],
        Some(&"super") => {
            while let Some((&"super", tail)) = rest.split_first() {
                at.pop();
                rest = tail;
            }
        }
        _ => {}
    }
    let relative: Vec<String> = at
        .iter()
        .cloned()
        .chain(rest.iter().map(|s| (*s).to_owned()))
        .collect();
    exists(&relative)
        .or_else(|| {
            (!path.is_empty())
                .then(|| exists(&rest.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()))
                .flatten()
        })
        .or_else(|| path.is_empty().then(|| exists(&[])).flatten())
}
