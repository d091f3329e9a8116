//! Turning per-target observations into findings: one finding per binding position and
//! problem, listing the targets where it is wrong (and, when some are right, saying so).

use super::compare::MismatchKind;
use super::rules;
use crate::{Finding, Location, RuleMeta};
use std::collections::BTreeMap;

/// A problem seen at one position of the binding on one target.
#[derive(Clone, Debug)]
pub(crate) struct Observation {
    /// The rule it belongs to when it holds on every checked target.
    pub(crate) rule: &'static RuleMeta,
    /// Whether being wrong on only some targets makes it [`rules::TARGET_DEPENDENT_WIDTH`].
    pub(crate) width_sensitive: bool,
    /// What is wrong, without the target (`parameter 3 (len) of compress`).
    pub(crate) subject: String,
    /// Where.
    pub(crate) location: Location,
    /// The target.
    pub(crate) target: &'static str,
    /// The per-target detail.
    pub(crate) detail: String,
    /// What to do.
    pub(crate) help: String,
    /// Right on this target but not portable (a fixed-width type for `long`): reported only
    /// when the position has no real mismatch on any checked target, at warning level.
    pub(crate) advisory: bool,
    /// A disagreement the usual ABIs forgive (a C `int` result Rust declares none for, left
    /// unread in its register), or one that is right when the library does what the binding
    /// assumes (a callback given more parameters than C's minimal type): reported at warning
    /// level when every target's is one.
    pub(crate) forgiven: bool,
}

/// The rule for a comparison result.
pub(crate) fn rule_for(kind: MismatchKind) -> &'static RuleMeta {
    match kind {
        MismatchKind::Type | MismatchKind::CallbackTail | MismatchKind::PointerAsInteger => {
            &rules::TYPE_MISMATCH
        }
        MismatchKind::Signedness => &rules::SIGNEDNESS_MISMATCH,
        MismatchKind::Constness => &rules::CONSTNESS_MISMATCH,
    }
}

/// Groups observations by (rule, position) into findings. `checked` lists the targets whose
/// headers were read, in report order; `exists(location, target)` says whether the item at
/// a location exists on a target (its `cfg`), so "right on" names only targets where it does.
pub(crate) fn findings(
    observations: Vec<Observation>,
    checked: &[&'static str],
    exists: &dyn Fn(&Location, &str) -> bool,
) -> Vec<Finding> {
    let mismatched: std::collections::HashSet<(Location, String)> = observations
        .iter()
        .filter(|o| !o.advisory)
        .map(|o| (o.location.clone(), o.subject.clone()))
        .collect();
    let mut groups: BTreeMap<(Location, String, &'static str), Vec<Observation>> = BTreeMap::new();
    for o in observations {
        if o.advisory && mismatched.contains(&(o.location.clone(), o.subject.clone())) {
            continue;
        }
        groups
            .entry((o.location.clone(), o.subject.clone(), o.rule.id))
            .or_default()
            .push(o);
    }
    groups
        .into_values()
        .filter_map(|group| {
            let first = group.first()?.clone();
            let wrong: Vec<&str> = checked
                .iter()
                .copied()
                .filter(|t| group.iter().any(|o| o.target == *t))
                .collect();
            let right: Vec<&str> = checked
                .iter()
                .copied()
                .filter(|t| !wrong.contains(t) && exists(&first.location, t))
                .collect();
            let partial = !right.is_empty();
            let rule = if partial && first.width_sensitive {
                &rules::TARGET_DEPENDENT_WIDTH
            } else {
                first.rule
            };
            let same_detail = group.iter().all(|o| o.detail == first.detail);
            let mut message = if same_detail {
                format!("{}: {}", first.subject, first.detail)
            } else {
                format!("{} does not match C", first.subject)
            };
            if first.advisory {
                message.push_str(&format!(" (checked: {})", wrong.join(", ")));
            } else {
                message.push_str(&format!(" (on {}", wrong.join(", ")));
                if partial {
                    message.push_str(&format!("; right on {}", right.join(", ")));
                }
                message.push(')');
            }
            let level = if first.advisory || group.iter().all(|o| o.forgiven) {
                crate::Level::Warning
            } else {
                rule.default_level
            };
            let mut finding = Finding::new(rule.id, level, message, first.location);
            if !same_detail {
                for o in &group {
                    finding = finding.note(format!("on {}: {}", o.target, o.detail));
                }
            }
            Some(finding.help(first.help))
        })
        .collect()
}
