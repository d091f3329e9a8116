//! Every rule the audit runs, and lookup by id or name.

use crate::{Rule, RuleMeta};

/// Every rule, in id order (the registry in [`crate::rules`]).
pub fn rules() -> &'static [&'static dyn Rule] {
    crate::rules::all()
}

/// The metadata of every rule, then the header cross-check's rules (`ABI…`), then the engine
/// diagnostics (`FG….`): what suppressions and configuration may name, what `cargo ffiguard
/// rules` lists and SARIF describes.
///
/// ```
/// let metas = ffiguard_audit::registry::metas();
/// assert!(metas.iter().any(|m| m.id == "ABI006"));
/// ```
pub fn metas() -> Vec<&'static RuleMeta> {
    crate::engine::known_metas(rules())
}

/// A rule or diagnostic by id (`FFI011`, case-insensitive) or name (`cstring-temporary-pointer`).
///
/// ```
/// let meta = ffiguard_audit::registry::find("fg0002").unwrap();
/// assert_eq!(meta.name, "bad-suppression");
/// assert!(ffiguard_audit::registry::find("no-such-rule").is_none());
/// ```
pub fn find(name: &str) -> Option<&'static RuleMeta> {
    metas()
        .into_iter()
        .find(|m| m.id.eq_ignore_ascii_case(name) || m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let metas = metas();
        let ids: HashSet<&str> = metas.iter().map(|m| m.id).collect();
        let names: HashSet<&str> = metas.iter().map(|m| m.name).collect();
        assert_eq!(ids.len(), metas.len(), "duplicate rule id");
        assert_eq!(names.len(), metas.len(), "duplicate rule name");
        for m in &metas {
            let digits = ["FFI", "ABI", "FG"]
                .iter()
                .find_map(|p| m.id.strip_prefix(p))
                .unwrap_or(m.id);
            assert!(
                digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                m.id
            );
            assert!(
                m.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{} is not kebab-case",
                m.name
            );
            assert!(
                !m.summary.is_empty() && !m.docs.what_it_does.is_empty(),
                "{}",
                m.id
            );
        }
    }
}
