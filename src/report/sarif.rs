//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards.

use super::{Report, SUPPRESSION_RULE, headline};
use crate::finding::Finding;
use std::io::{self, Write};

/// SARIF 2.1.0: every rule (with its remediation as help), every finding as a result with its
/// region, the masked snippet and the fingerprint in `partialFingerprints`.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, rules, notices, suppressed) = (
        r.findings,
        r.rules,
        r.summary.notices.as_slice(),
        r.suppressed,
    );
    use serde_json::json;
    let version = env!("CARGO_PKG_VERSION");
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id);
    let sarif_rules: Vec<_> = rules
        .iter()
        .map(|r| {
            let help = caulk_engine::rules::one_line(&r.remediation);
            let mut rule = json!({
                "id": r.id,
                "shortDescription": {"text": r.description},
                "fullDescription": {"text": format!("{}: a credential that grants access; found by caulk's `{}` rule.", r.description, r.id)},
                "help": {"text": help, "markdown": help},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret"], "precision": if r.generic { "medium" } else { "high" }, "security-severity": "8.0"}
            });
            // SARIF wants `name` to differ from `id` (even in case), or to be absent.
            let name = pascal(&r.id);
            if !name.eq_ignore_ascii_case(&r.id) {
                rule["name"] = json!(name);
            }
            rule
        })
        .collect();
    let result_of = |f: &Finding| {
        let mut text = headline(f);
        text.push_str(&format!(". {}", f.remediation));
        let mut result = json!({
            "ruleId": f.rule_id,
            "level": "error",
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact_location(
                        f.path_bytes.as_deref().unwrap_or(f.path.as_bytes())
                    ),
                    "region": {
                        "startLine": f.line,
                        "startColumn": f.column,
                        "endLine": f.end_line,
                        "endColumn": f.end_column,
                        "snippet": {"text": f.snippet}
                    }
                }
            }],
            "partialFingerprints": {"caulk/v1": f.fingerprint},
            "properties": {"confidence": f.confidence, "commit": f.commit, "notebook": f.notebook}
        });
        if let Some(i) = rule_index(&f.rule_id) {
            result["ruleIndex"] = json!(i);
        }
        if let Some(at) = f.byte_offset {
            let region = &mut result["locations"][0]["physicalLocation"]["region"];
            region["byteOffset"] = json!(at);
            region["byteLength"] = json!(f.raw_secret.len());
        }
        result
    };
    let mut results: Vec<_> = findings.iter().map(result_of).collect();
    // With --show-suppressed, the findings held back are results too, each with a SARIF
    // suppression (a pragma in the source: `inSource`; the configuration, baseline or ignore
    // file: `external`), so a code-scanning dashboard keeps them, dismissed, with the reason.
    for h in suppressed.unwrap_or_default() {
        let mut r = result_of(&h.finding);
        let kind = match h.reason {
            crate::triage::suppress::Reason::Inline => "inSource",
            _ => "external",
        };
        let reason = serde_json::to_value(h.reason).unwrap_or_default();
        let why = match &h.detail {
            Some(d) => format!("{}: {d}", reason.as_str().unwrap_or("suppressed")),
            None => reason.as_str().unwrap_or("suppressed").to_string(),
        };
        r["suppressions"] = json!([{"kind": kind, "status": "accepted", "justification": why}]);
        results.push(r);
    }
    // Suppressions a range adds: results at level `note` of a rule of their own, so a code
    // scanning dashboard shows the reviewer where a pull request silences caulk.
    let mut sarif_rules = sarif_rules;
    if !notices.is_empty() {
        let help = "A change in the scanned range adds an allow pragma, or edits the configuration, \
                    baseline or ignore file that decide what caulk reports. Check that what it hides \
                    is not a live secret.";
        sarif_rules.push(json!({
            "id": SUPPRESSION_RULE,
            "name": "SuppressionAdded",
            "shortDescription": {"text": "A change adds a caulk suppression"},
            "fullDescription": {"text": help},
            "help": {"text": help, "markdown": help},
            "defaultConfiguration": {"level": "note"},
            "properties": {"tags": ["security", "secret"]}
        }));
        let index = sarif_rules.len() - 1;
        for n in notices {
            results.push(json!({
                "ruleId": SUPPRESSION_RULE,
                "ruleIndex": index,
                "level": "note",
                "message": {"text": n.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(n.path.as_bytes()),
                        "region": {"startLine": n.line.unwrap_or(1)}
                    }
                }],
                "properties": {"commit": n.commit}
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "caulk",
                "version": version,
                "semanticVersion": version,
                "rules": sarif_rules
            }},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory caulk was run from."}}},
            "results": results
        }]
    });
    crate::sanitize::write_json(&mut *w, &log)?;
    writeln!(w)
}

/// `openai-api-key` → `OpenaiApiKey`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Where a result stands: a relative path against `%SRCROOT%` (the scanned checkout), or an
/// absolute path (`caulk scan /abs/dir`) as a `file://` URI, which a relative reference may not
/// be.
fn artifact_location(path: &[u8]) -> serde_json::Value {
    match path.first() {
        Some(b'/') => serde_json::json!({"uri": format!("file://{}", uri_bytes(path))}),
        _ => serde_json::json!({"uri": uri_bytes(path), "uriBaseId": "%SRCROOT%"}),
    }
}

/// A relative path's exact bytes as a URI reference (a non-UTF-8 name keeps every byte):
/// unreserved characters and `/` kept, the rest percent-encoded.
fn uri_bytes(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{artifact_location, pascal, uri_bytes};

    #[test]
    fn sarif_helpers() {
        assert_eq!(pascal("openai-api-key"), "OpenaiApiKey");
        assert_eq!(
            uri_bytes("a b/ключ#1.env".as_bytes()),
            "a%20b/%D0%BA%D0%BB%D1%8E%D1%87%231.env"
        );
    }

    #[test]
    fn absolute_paths_are_file_uris_without_a_base() {
        assert_eq!(
            artifact_location(b"/tmp/a b.py"),
            serde_json::json!({"uri": "file:///tmp/a%20b.py"})
        );
        assert_eq!(
            artifact_location(b"src/a.py"),
            serde_json::json!({"uri": "src/a.py", "uriBaseId": "%SRCROOT%"})
        );
    }
}
