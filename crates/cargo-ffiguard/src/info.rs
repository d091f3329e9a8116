//! `explain`, `rules` and `docs`: everything that prints rule documentation.

use crate::cli::ListFormat;
use ffiguard_audit::{docs, registry};
use std::path::Path;
use std::process::ExitCode;

/// Prints one rule's page.
pub(crate) fn explain(name: &str) -> Result<ExitCode, String> {
    let meta = registry::find(name)
        .ok_or_else(|| format!("unknown rule `{name}`; `cargo ffiguard rules` lists them"))?;
    print!("{}", docs::rule_markdown(meta));
    Ok(ExitCode::SUCCESS)
}

/// Lists every rule.
pub(crate) fn list(format: ListFormat) -> Result<ExitCode, String> {
    let metas = registry::metas();
    match format {
        ListFormat::Human => {
            let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(0);
            for m in &metas {
                println!(
                    "{}  {:width$}  {:7}  {:6}  {}",
                    m.id,
                    m.name,
                    m.default_level.as_str(),
                    m.confidence.as_str(),
                    m.summary
                );
            }
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = metas
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id,
                        "name": m.name,
                        "level": m.default_level,
                        "confidence": m.confidence,
                        "summary": m.summary,
                    })
                })
                .collect();
            println!("{}", serde_json::Value::Array(list));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the documentation pages, or with `check` reports drift.
pub(crate) fn docs(out: &Path, check: bool) -> Result<ExitCode, String> {
    let metas = registry::metas();
    if check {
        let drifted = docs::drifted_pages(out, &metas);
        if drifted.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "ffiguard: rule pages in {} are out of date: {}\nrun `cargo ffiguard docs --out {}`",
            out.display(),
            drifted.join(", "),
            out.display()
        );
        return Ok(ExitCode::from(1));
    }
    let written = docs::write_pages(out, &metas).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "ffiguard: wrote {} page(s) to {}",
        written.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
