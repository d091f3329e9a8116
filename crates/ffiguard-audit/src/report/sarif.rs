//! SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) ingest.
//!
//! Every rule (and engine diagnostic) is listed in `tool.driver.rules` with its id, name,
//! descriptions, help and default level, so viewers can show the documentation next to a
//! result. Columns are Unicode code points (`columnKind`), as our locations count characters.

use crate::baseline::fingerprints;
use crate::{AuditOutcome, Level, Location, RuleMeta};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::path::Path;

/// The schema URI written into the document.
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
        Level::Allow => "none",
    }
}

fn help_markdown(meta: &RuleMeta) -> String {
    crate::docs::rule_markdown(meta)
}

fn physical(loc: &Location, snippet: Option<&str>) -> Value {
    let mut region = json!({
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column,
    });
    if let Some(text) = snippet {
        region["snippet"] = json!({ "text": text });
    }
    json!({
        "artifactLocation": { "uri": uri_path(&loc.file), "uriBaseId": SRCROOT },
        "region": region,
    })
}

/// The base id of the audited root: every `artifactLocation.uri` is relative to it, as
/// GitHub code scanning expects (`%SRCROOT%` is the name its documentation uses).
const SRCROOT: &str = "%SRCROOT%";

/// Bytes a path keeps as they are in a URI reference: RFC 3986's unreserved characters and
/// the `/` separator; everything else is percent-encoded.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A relative path as a URI reference: `/` separators, reserved bytes percent-encoded.
fn uri_path(path: &str) -> String {
    utf8_percent_encode(path, URI_PATH).to_string()
}

/// The run's invocation: whether the headers were cross-checked, and the run's notices
/// (folded findings), as tool execution notifications, so a viewer shows them beside the
/// results.
fn invocation(outcome: &AuditOutcome) -> Value {
    let headers_level = if outcome.headers.headers == 0 {
        "warning"
    } else {
        "note"
    };
    let mut notifications = vec![json!({
        "descriptor": { "id": "headers" },
        "level": headers_level,
        "message": { "text": outcome.headers.summary() },
    })];
    notifications.extend(outcome.notices.iter().map(|notice| {
        json!({
            "descriptor": { "id": "folded" },
            "level": "note",
            "message": { "text": notice },
        })
    }));
    json!({
        "executionSuccessful": true,
        "toolExecutionNotifications": notifications,
    })
}

/// Renders the outcome as a SARIF 2.1.0 log with one run. `root` is the audited directory,
/// recorded as the `%SRCROOT%` base URI when it can be made absolute.
pub fn render_sarif(outcome: &AuditOutcome, known: &[&RuleMeta], root: &Path) -> String {
    let rules: Vec<Value> = known
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.docs.what_it_does },
                "help": { "text": m.docs.fix, "markdown": help_markdown(m) },
                "defaultConfiguration": { "level": sarif_level(m.default_level) },
                "properties": { "confidence": m.confidence, "tags": ["ffi", "security"] },
            })
        })
        .collect();
    let prints = fingerprints(outcome);
    let mut indexed: std::collections::HashMap<&str, crate::SourceText> =
        std::collections::HashMap::new();
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .zip(&prints)
        .map(|(f, print)| {
            let rule_index = known.iter().position(|m| m.id == f.rule);
            let snippet = outcome.sources.get(&f.location.file).and_then(|s| {
                let text = indexed
                    .entry(f.location.file.as_str())
                    .or_insert_with(|| crate::SourceText::new(s.to_string()));
                text.line(f.location.line).map(|l| l.trim().to_owned())
            });
            let mut message = f.message.clone();
            for note in &f.notes {
                message.push_str("\nnote: ");
                message.push_str(note);
            }
            if let Some(help) = &f.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.level),
                "message": { "text": message },
                "locations": [{ "physicalLocation": physical(&f.location, snippet.as_deref()) }],
                "partialFingerprints": { "ffiguard/v1": print },
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            if !f.labels.is_empty() {
                let related: Vec<Value> = f
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(id, l)| {
                        json!({
                            "id": id,
                            "message": { "text": l.message },
                            "physicalLocation": physical(&l.location, None),
                        })
                    })
                    .collect();
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    let mut run = json!({
        "tool": { "driver": {
            "name": "ffiguard",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/ffiguard/ffiguard",
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [invocation(outcome)],
    });
    if let Ok(abs) = std::path::absolute(root) {
        let mut uri = format!(
            "file://{}",
            uri_path(&abs.to_string_lossy().replace('\\', "/"))
        );
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": uri } });
    }
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::uri_path;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_path("src/ffi/mod.rs"), "src/ffi/mod.rs");
        assert_eq!(uri_path("my crate/a#b%c?.rs"), "my%20crate/a%23b%25c%3F.rs");
        assert_eq!(uri_path("src/é.rs"), "src/%C3%A9.rs");
        assert_eq!(uri_path("a:b;c@d[e].rs"), "a%3Ab%3Bc%40d%5Be%5D.rs");
    }
}
