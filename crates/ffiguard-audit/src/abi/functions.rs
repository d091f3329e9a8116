//! Cross-checking `extern` functions with the C prototypes (existence, arity, variadics,
//! every parameter and result type) and `extern` statics with the C variables.

use super::compare::{self, MismatchKind};
use super::group::{Observation, rule_for};
use super::rtype::{RType, resolve_text};
use super::{Cx, rules};
use crate::model::ForeignFn;
use crate::{Finding, Location};
use ffiguard_cheader::{CModel, CType, Target};
use std::collections::HashSet;

/// ABIs whose functions are C functions of the headers.
fn is_c_abi(abi: &str) -> bool {
    matches!(abi, "C" | "C-unwind" | "system" | "system-unwind" | "cdecl")
}

fn symbol(f: &ForeignFn) -> &str {
    f.link_name.as_deref().unwrap_or(&f.name)
}

/// The suffix bindgen's `--wrap-static-fns` gives the C wrapper it writes for a `static inline`
/// function, which the declaration links to.
const STATIC_WRAPPER_SUFFIX: &str = "__extern";

/// The name of the C function a declaration binds, when `model` declares it: its symbol, or for
/// bindgen's wrapper of a `static inline` function (`#[link_name = "yyjson_get_len__extern"]`)
/// the function it wraps, which has the wrapper's signature.
pub(crate) fn c_function<'c>(
    f: &ForeignFn,
    model: &'c CModel,
) -> Option<&'c ffiguard_cheader::Function> {
    let sym = symbol(f);
    model.functions.get(sym).or_else(|| {
        sym.strip_suffix(STATIC_WRAPPER_SUFFIX)
            .and_then(|wrapped| model.functions.get(wrapped))
    })
}

/// The C names a declaration binds, for the unbound-function check: its symbol and, for a
/// wrapper of a `static inline` function, the function it wraps.
pub(crate) fn bound_names(f: &ForeignFn) -> impl Iterator<Item = String> + '_ {
    let sym = symbol(f);
    std::iter::once(sym.to_owned())
        .chain(sym.strip_suffix(STATIC_WRAPPER_SUFFIX).map(str::to_owned))
}

/// Checks every foreign function against every target's model.
pub(crate) fn check(
    cxs: &[Cx<'_>],
    observations: &mut Vec<Observation>,
    findings: &mut Vec<Finding>,
) {
    let Some(first) = cxs.first() else {
        return;
    };
    for f in first
        .rust
        .model
        .foreign_fns
        .iter()
        .filter(|f| is_c_abi(&f.abi))
    {
        let sym = symbol(f);
        let rust = first.rust;
        let active: Vec<&Cx<'_>> = cxs
            .iter()
            .filter(|cx| rust.active(&f.location, cx.target))
            .collect();
        if active.is_empty() {
            continue;
        }
        if active.iter().all(|cx| c_function(f, cx.c).is_none()) {
            let meta = &rules::UNDECLARED_FUNCTION;
            let gate = rust.cfg_text(&f.location);
            let mut finding = Finding::of(
                meta,
                format!("`{sym}` is declared in Rust but in none of the configured headers"),
                f.location.clone(),
            )
            .help("check the name, or add the header that declares it to the configuration");
            if !gate.is_empty() {
                // Under a crate feature or custom cfg it may bind another header variant.
                finding.level = crate::Level::Info;
                finding = finding.note(format!(
                    "declared under {gate}, which may select a header other than the configured ones"
                ));
            }
            findings.push(finding);
            continue;
        }
        for cx in active {
            if let Some(c) = c_function(f, cx.c) {
                function(f, &c.signature, cx, observations);
            }
        }
    }
}

fn function(
    f: &ForeignFn,
    sig: &ffiguard_cheader::Signature,
    cx: &Cx<'_>,
    out: &mut Vec<Observation>,
) {
    let sym = symbol(f);
    let observe =
        |rule, width_sensitive, subject: String, detail: String, help: &str| Observation {
            rule,
            width_sensitive,
            subject,
            location: f.location.clone(),
            target: cx.target.name,
            detail,
            help: help.to_owned(),
            advisory: false,
            forgiven: false,
        };
    if sig.unprototyped {
        return;
    }
    if sig.params.len() != f.params.len() || sig.variadic != f.variadic {
        let dots = |v: bool| if v { ", ..." } else { "" };
        out.push(observe(
            &rules::ARITY_MISMATCH,
            false,
            format!("`{sym}`"),
            format!(
                "C takes {} parameter(s){}, Rust declares {}{}",
                sig.params.len(),
                dots(sig.variadic),
                f.params.len(),
                dots(f.variadic)
            ),
            "copy the parameter list from the header",
        ));
        return;
    }
    for (i, (c, p)) in sig.params.iter().zip(&f.params).enumerate() {
        let name = p
            .name
            .as_deref()
            .or(sig.param_names.get(i).map(String::as_str))
            .filter(|n| !n.is_empty())
            .map_or_else(String::new, |n| format!(" `{n}`"));
        let subject = format!("parameter {}{name} of `{sym}`", i + 1);
        compare_one(c, f, &p.ty, cx, subject, &observe, out);
    }
    let ret = f.ret.as_deref().unwrap_or("()");
    let mut result = Vec::new();
    compare_one(
        &sig.ret,
        f,
        ret,
        cx,
        format!("result of `{sym}`"),
        &observe,
        &mut result,
    );
    // A returned `char *` read as `*const c_char` is the same pointer in the same register:
    // const-ness matters only where C writes through what Rust passes it.
    out.extend(
        result
            .into_iter()
            .filter(|o| o.rule.id != rules::CONSTNESS_MISMATCH.id),
    );
    if matches!(resolve_text(ret, &cx.rust.env, cx.target), RType::Unit)
        && let Some(ignored) = compare::ignored_result(&sig.ret, cx.target)
    {
        let mut o = observe(
            &rules::TYPE_MISMATCH,
            false,
            format!("result of `{sym}`"),
            ignored.detail,
            "declare the result C returns; a caller that does not need it can ignore it",
        );
        o.forgiven = ignored.forgiven;
        out.push(o);
    }
}

fn compare_one(
    c: &CType,
    f: &ForeignFn,
    rust_ty: &str,
    cx: &Cx<'_>,
    subject: String,
    observe: &dyn Fn(&'static crate::RuleMeta, bool, String, String, &str) -> Observation,
    out: &mut Vec<Observation>,
) {
    let r = cx.resolve_in(rust_ty, &super::scope::of_fn(f));
    let Some(m) = compare::value(c, &r, cx) else {
        // Under a target `cfg`, a fixed width is the author's per-target choice.
        let gated = !cx.rust.cfg_text(&f.location).is_empty();
        if let Some(detail) = compare::fixed_width_for_varying(c, &r).filter(|_| !gated) {
            let mut o = observe(
                &rules::TARGET_DEPENDENT_WIDTH,
                true,
                subject,
                detail,
                &help_for(c, MismatchKind::Type),
            );
            o.advisory = true;
            out.push(o);
        }
        return;
    };
    let help = help_for(c, m.kind);
    let mut o = observe(
        rule_for(m.kind),
        m.kind != MismatchKind::Constness,
        subject,
        m.detail,
        &help,
    );
    o.forgiven = m.kind.forgiven();
    out.push(o);
}

/// The fix to suggest for a C type: its portable Rust spelling where one exists.
pub(crate) fn help_for(c: &CType, kind: MismatchKind) -> String {
    if kind == MismatchKind::Constness {
        return "declare the pointer `*mut`".to_owned();
    }
    if kind == MismatchKind::PointerAsInteger {
        return format!(
            "declare C `{}` as a pointer: an integer passes like one only on targets where it \
             has the pointer's width, and says nothing of what it points to",
            c.spelling
        );
    }
    match suggested(c) {
        Some(t) => format!("C declares `{}`: use `{t}`", c.spelling),
        None => format!(
            "use the Rust type matching C `{}` on every target",
            c.spelling
        ),
    }
}

fn suggested(c: &CType) -> Option<&'static str> {
    use ffiguard_cheader::{CTypeKind, IntRank};
    if c.typedefs.iter().any(|t| t == "size_t") {
        return Some("usize");
    }
    if c.typedefs
        .iter()
        .any(|t| t == "ssize_t" || t == "ptrdiff_t")
    {
        return Some("isize");
    }
    Some(match &c.kind {
        CTypeKind::Bool => "bool",
        CTypeKind::PlainChar { .. } => "c_char",
        CTypeKind::Int { signed, rank } => match (rank, signed) {
            (IntRank::Char, true) => "c_schar",
            (IntRank::Char, false) => "c_uchar",
            (IntRank::Short, true) => "c_short",
            (IntRank::Short, false) => "c_ushort",
            (IntRank::Int, true) => "c_int",
            (IntRank::Int, false) => "c_uint",
            (IntRank::Long, true) => "c_long",
            (IntRank::Long, false) => "c_ulong",
            (IntRank::LongLong, true) => "c_longlong",
            (IntRank::LongLong, false) => "c_ulonglong",
            _ => return None,
        },
        CTypeKind::Float => match c.size {
            Some(4) => "c_float",
            Some(8) => "c_double",
            _ => return None,
        },
        _ => return None,
    })
}

/// Functions of the library's own headers (non-system, under `library_dirs`) that nothing
/// binds.
pub(crate) fn unbound(
    model: &CModel,
    target: &Target,
    library_dirs: &[String],
    bound: &HashSet<String>,
) -> Vec<Finding> {
    let meta = &rules::UNBOUND_FUNCTION;
    model
        .functions
        .values()
        .filter(|f| {
            !f.origin.system
                && library_dirs
                    .iter()
                    .any(|d| std::path::Path::new(&f.origin.file).starts_with(d))
                && !bound.contains(&f.name)
        })
        .map(|f| {
            let line = usize::try_from(f.origin.line).unwrap_or(1).max(1);
            Finding::of(
                meta,
                format!(
                    "`{}` has no `extern` declaration (read for {})",
                    f.name, target.name
                ),
                Location {
                    file: f.origin.file.clone(),
                    line,
                    column: 1,
                    end_line: line,
                    end_column: 1,
                },
            )
        })
        .collect()
}

/// Checks every foreign static against the C variable of the same name.
pub(crate) fn statics(
    cxs: &[Cx<'_>],
    observations: &mut Vec<Observation>,
    findings: &mut Vec<Finding>,
) {
    let Some(first) = cxs.first() else {
        return;
    };
    let rust = first.rust;
    for s in &rust.model.foreign_statics {
        let active: Vec<&Cx<'_>> = cxs
            .iter()
            .filter(|cx| rust.active(&s.location, cx.target))
            .collect();
        if active.is_empty() {
            continue;
        }
        if active
            .iter()
            .all(|cx| !cx.c.variables.contains_key(&s.name))
        {
            let meta = &rules::UNDECLARED_FUNCTION;
            let mut finding = Finding::of(
                meta,
                format!(
                    "`extern` static `{}` is declared in Rust but in none of the configured headers",
                    s.name
                ),
                s.location.clone(),
            );
            if !rust.cfg_text(&s.location).is_empty() {
                finding.level = crate::Level::Info;
            }
            findings.push(finding);
            continue;
        }
        for cx in active {
            let Some(var) = cx.c.variables.get(&s.name) else {
                continue;
            };
            let r = resolve_text(&s.ty, &rust.env, cx.target);
            // As for results: C never writes through Rust's copy of the pointer.
            if let Some(m) =
                compare::value(&var.ty, &r, cx).filter(|m| m.kind != MismatchKind::Constness)
            {
                observations.push(Observation {
                    rule: rule_for(m.kind),
                    width_sensitive: m.kind != MismatchKind::Constness,
                    subject: format!("static `{}`", s.name),
                    location: s.location.clone(),
                    target: cx.target.name,
                    detail: m.detail,
                    help: help_for(&var.ty, m.kind),
                    advisory: false,
                    forgiven: m.kind.forgiven(),
                });
            }
        }
    }
}
