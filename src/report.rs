//! Reporters: format findings and the summary; they never read files or git. Every string that
//! came from scanned input (paths, snippets) is escaped before it reaches a terminal, and secrets
//! appear only in the redacted form unless the user asked for `--show-secrets` (in which case
//! [`Finding::secret`] is filled by the caller).

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::Finding;
use crate::sanitize::escape;
use crate::scan::Summary;

/// Options shared by the reporters.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Emit ANSI colour (text only).
    pub color: bool,
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Human-readable report: one block per finding, then the summary.
pub fn text(
    w: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    opts: ReportOptions,
) -> io::Result<()> {
    let st = Style { on: opts.color };
    for f in findings {
        let place = match &f.notebook {
            Some(nb) => format!(
                "{}:{}:{} ({})",
                escape(&f.path),
                f.line,
                f.column,
                escape(&nb.label())
            ),
            None => match f.byte_offset {
                Some(at) => format!("{} (binary, byte {at})", escape(&f.path)),
                None => format!("{}:{}:{}", escape(&f.path), f.line, f.column),
            },
        };
        writeln!(
            w,
            "{}  {} {}",
            st.paint("1", &place),
            st.paint("1;31", &f.rule_id),
            st.paint(
                "2",
                &format!("({}; confidence {})", escape(&f.description), f.confidence)
            ),
        )?;
        match &f.secret {
            Some(s) => writeln!(w, "    secret  {}", escape(s))?,
            None => writeln!(
                w,
                "    secret  {}",
                st.paint("33", &escape(&f.secret_redacted))
            )?,
        }
        writeln!(w, "    line    {}", escape(&f.snippet))?;
        if let Some(n) = &f.note {
            writeln!(w, "    note    {}", escape(n))?;
        }
        if let Some(c) = &f.commit {
            let short = &c.sha[..12.min(c.sha.len())];
            let msg = format!("{short} {} {}: {}", c.date, c.author, c.message);
            writeln!(w, "    commit  {}", escape(&msg))?;
        }
        for (i, line) in wrap(&escape(&f.remediation), FIX_WIDTH).iter().enumerate() {
            writeln!(
                w,
                "    {}{line}",
                if i == 0 { "fix     " } else { "        " }
            )?;
        }
        writeln!(w)?;
    }
    for n in &summary.notices {
        writeln!(
            w,
            "caulk: {} {}",
            st.paint("1;33", "notice:"),
            escape(&notice_text(n))
        )?;
    }
    summary_line(w, summary, &st)
}

/// `src/a.py:3 (commit 0123456789ab): this range adds …`.
fn notice_text(n: &crate::scan::Notice) -> String {
    let mut s = n.path.clone();
    if let Some(l) = n.line {
        s.push_str(&format!(":{l}"));
    }
    if let Some(c) = &n.commit {
        s.push_str(&format!(" (commit {})", &c[..12.min(c.len())]));
    }
    format!("{s}: {}", n.message)
}

/// Width the remediation text is wrapped to.
const FIX_WIDTH: usize = 88;

/// Splits `text` into lines of at most `width` characters at spaces (a longer word stands alone).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn summary_line(w: &mut dyn Write, s: &Summary, st: &Style) -> io::Result<()> {
    let head = if s.findings == 0 && s.errors > 0 {
        // Never "no secrets found" over input that was not read.
        st.paint(
            "1;33",
            &format!(
                "INCOMPLETE: no secrets found in what was read, but {} could not be read (named above)",
                plural(s.errors, "path")
            ),
        )
    } else if s.findings == 0 {
        st.paint("1;32", "no secrets found")
    } else {
        st.paint(
            "1;31",
            &format!(
                "{} in {}",
                plural(s.findings, "finding"),
                plural(s.files_with_findings, "file")
            ),
        )
    };
    let mut skipped = Vec::new();
    if s.skipped_binary > 0 {
        skipped.push(format!("{} binary", s.skipped_binary));
    }
    let binary = match s.binary_strings {
        0 => String::new(),
        n => format!(", {n} binary (strings scanned)"),
    };
    if s.skipped_too_large > 0 {
        skipped.push(format!("{} over the size limit", s.skipped_too_large));
    }
    if s.skipped_symlinks > 0 {
        skipped.push(format!(
            "{} not followed",
            plural(s.skipped_symlinks as usize, "symlink")
        ));
    }
    if s.skipped_ignored > 0 {
        skipped.push(format!("{} ignored (.gitignore)", s.skipped_ignored));
    }
    let tracked = match s.tracked_ignored {
        0 => String::new(),
        n => format!(
            ", {} that .gitignore names scanned as tracked",
            plural(n as usize, "file")
        ),
    };
    if s.skipped_submodules > 0 {
        skipped.push(plural(s.skipped_submodules as usize, "submodule"));
    }
    if s.skipped_special > 0 {
        skipped.push(format!(
            "{} (FIFOs, sockets, devices)",
            plural(s.skipped_special as usize, "special file")
        ));
    }
    let notebooks = match (s.notebooks, s.notebook_binary_outputs) {
        (0, _) => String::new(),
        (n, 0) => format!(", {}", plural(n as usize, "notebook")),
        (n, b) => format!(
            ", {} with {} not scanned",
            plural(n as usize, "notebook"),
            plural(b as usize, "binary output")
        ),
    };
    let what = if s.commits > 0 || s.git_history {
        format!(
            "{} from {}",
            plural(s.files_scanned as usize, "blob"),
            plural(s.commits as usize, "commit")
        )
    } else {
        plural(s.files_scanned as usize, "file")
    };
    let mut line = format!(
        "caulk: {head}; scanned {what} ({}{notebooks}{binary}{tracked}) in {} ms",
        crate::human::human_bytes(s.bytes_scanned),
        s.elapsed_ms
    );
    if !skipped.is_empty() {
        line.push_str(&format!("; skipped {}", skipped.join(", ")));
    }
    let c = &s.suppressed;
    if c.total() > 0 {
        let how: Vec<String> = [
            (c.inline, "by inline pragmas"),
            (c.allowlist, "by the config's allowlists"),
            (c.ignore_file, "by .caulkignore"),
            (c.baseline, "by the baseline"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, by)| format!("{n} {by}"))
        .collect();
        line.push_str(&format!("; {} suppressed ({})", c.total(), how.join(", ")));
    }
    if let Some(b) = &s.baseline
        && !b.stale.is_empty()
    {
        let n = match b.stale.len() {
            1 => "1 baseline entry".to_string(),
            n => format!("{n} baseline entries"),
        };
        line.push_str(&match b.pruned {
            true => format!("; {n} no longer found, pruned from {}", escape(&b.path)),
            false => format!("; {n} no longer found (remove them with --prune-baseline)",),
        });
    }
    if let Some(cfg) = &s.config {
        line.push_str(&format!("; config {}", escape(cfg)));
    }
    if s.notebooks_as_text > 0 {
        line.push_str(&format!(
            "; {} not readable as notebooks, scanned as text",
            plural(s.notebooks_as_text as usize, "file")
        ));
    }
    if s.errors > 0 && s.findings > 0 {
        line.push_str(&format!("; {} could not be read", plural(s.errors, "path")));
    }
    if s.shallow {
        line.push_str("; shallow clone: history before its graft not scanned");
    }
    writeln!(w, "{line}")?;
    if s.findings > 0 {
        writeln!(
            w,
            "caulk: rotate each secret first — deleting it from the file does not revoke it."
        )?;
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: &'static str,
    findings: &'a [Finding],
    summary: &'a Summary,
    errors: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a [crate::suppress::Suppressed]>,
}

/// The JSON report: `{version, findings, summary, errors}`, plus `suppressed` when asked;
/// documented in the README, changed only by adding fields.
pub fn json(
    w: &mut dyn Write,
    findings: &[Finding],
    summary: &Summary,
    suppressed: Option<&[crate::suppress::Suppressed]>,
) -> io::Result<()> {
    let errors: Vec<String> = summary
        .unread
        .iter()
        .filter(|u| u.error)
        .map(|u| u.to_string())
        .collect();
    let report = JsonReport {
        version: env!("CARGO_PKG_VERSION"),
        findings,
        summary,
        errors: &errors,
        suppressed,
    };
    crate::sanitize::write_json(&mut *w, &report)?;
    writeln!(w)
}

/// A Markdown report for a CI job summary (`$GITHUB_STEP_SUMMARY`): a heading with the verdict,
/// a table of findings (rule, place, commit, redacted secret, what to do), then notices, unread
/// paths and the summary line. Cells are escaped so no input can break the table or inject markup.
pub fn markdown(w: &mut dyn Write, findings: &[Finding], summary: &Summary) -> io::Result<()> {
    fn cell(s: &str) -> String {
        escape(s)
            .replace('\\', "\\\\")
            .replace('|', "\\|")
            .replace('`', "\\`")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('*', "\\*")
            .replace('_', "\\_")
            .replace('[', "\\[")
            .replace(']', "\\]")
    }
    let verdict = match (findings.len(), summary.errors) {
        (0, 0) => "✅ caulk: no secrets found".to_string(),
        (0, e) => format!(
            "⚠️ caulk: no secrets found in what was read, but {} could not be read",
            plural(e, "path")
        ),
        (n, _) => format!(
            "❌ caulk: {} in {}",
            plural(n, "secret"),
            plural(summary.files_with_findings, "file")
        ),
    };
    writeln!(w, "### {verdict}\n")?;
    if !findings.is_empty() {
        writeln!(w, "| rule | where | commit | secret | what to do |")?;
        writeln!(w, "| --- | --- | --- | --- | --- |")?;
        for f in findings {
            let mut place = format!("{}:{}:{}", f.path, f.line, f.column);
            if let Some(nb) = &f.notebook {
                place.push_str(&format!(" ({})", nb.label()));
            }
            let commit = f
                .commit
                .as_ref()
                .map(|c| format!("{} {}", &c.sha[..12.min(c.sha.len())], c.message))
                .unwrap_or_default();
            writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                cell(&f.rule_id),
                cell(&place),
                cell(&commit),
                cell(f.secret.as_deref().unwrap_or(&f.secret_redacted)),
                cell(&f.remediation)
            )?;
        }
        writeln!(
            w,
            "\nRotate each secret first: deleting it from the file does not revoke it."
        )?;
    }
    for n in &summary.notices {
        writeln!(w, "- notice: {}", cell(&notice_text(n)))?;
    }
    for u in summary.unread.iter().filter(|u| u.error) {
        writeln!(w, "- not read: {}", cell(&u.to_string()))?;
    }
    let mut line = Vec::new();
    summary_line(&mut line, summary, &Style { on: false })?;
    let line = String::from_utf8_lossy(&line);
    writeln!(
        w,
        "\n<sub>{}</sub>",
        cell(
            line.lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("caulk: ")
        )
    )
}

/// JUnit XML: a test suite whose test cases are the findings (each a `<failure>`), the inputs
/// that could not be read (each an `<error>`), or one passing case when the scan is clean, so a
/// CI dashboard shows what blocked and where.
pub fn junit(w: &mut dyn Write, findings: &[Finding], summary: &Summary) -> io::Result<()> {
    /// Text safe in XML 1.0: control characters escaped as caulk escapes them for a terminal.
    fn x(s: &str) -> String {
        escape(s)
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    }
    let unread: Vec<&crate::scan::Unread> = summary.unread.iter().filter(|u| u.error).collect();
    let tests =
        findings.len() + unread.len() + usize::from(findings.is_empty() && unread.is_empty());
    let secs = summary.elapsed_ms as f64 / 1000.0;
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="caulk" tests="{tests}" failures="{}" errors="{}" time="{secs:.3}">"#,
        findings.len(),
        unread.len()
    )?;
    writeln!(
        w,
        r#"  <testsuite name="caulk secret scan" tests="{tests}" failures="{}" errors="{}" skipped="0" time="{secs:.3}">"#,
        findings.len(),
        unread.len()
    )?;
    for f in findings {
        let place = format!("{}:{}:{}", f.path, f.line, f.column);
        let mut detail = format!("{}\n{}\nline: {}\n", headline(f), place, f.snippet);
        if let Some(c) = &f.commit {
            detail.push_str(&format!("commit: {} {} {}\n", c.sha, c.author, c.date));
        }
        detail.push_str(&format!(
            "fix: {}\nfingerprint: {}",
            f.remediation, f.fingerprint
        ));
        writeln!(
            w,
            r#"    <testcase name="{} at {}" classname="caulk.{}" file="{}" line="{}" time="0">"#,
            x(&f.rule_id),
            x(&place),
            x(&f.rule_id),
            x(&f.path),
            f.line
        )?;
        writeln!(
            w,
            r#"      <failure type="{}" message="{}">{}</failure>"#,
            x(&f.rule_id),
            x(&headline(f)),
            detail.split('\n').map(x).collect::<Vec<_>>().join("\n")
        )?;
        writeln!(w, "    </testcase>")?;
    }
    for u in &unread {
        writeln!(
            w,
            r#"    <testcase name="read {}" classname="caulk.unread" file="{}" time="0">"#,
            x(&u.path),
            x(&u.path)
        )?;
        writeln!(
            w,
            r#"      <error type="unread" message="{}">{}</error>"#,
            x(&u.reason),
            x(&u.to_string())
        )?;
        writeln!(w, "    </testcase>")?;
    }
    if tests == 1 && findings.is_empty() && unread.is_empty() {
        writeln!(
            w,
            r#"    <testcase name="no secrets found" classname="caulk.scan" time="{secs:.3}"/>"#
        )?;
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")
}

/// `OpenAI API key: sk-proj-*****TLyv (cell 2, output 1: stream stdout)`: what a one-line
/// report says of a finding (the secret only with `--show-secrets`).
fn headline(f: &Finding) -> String {
    let mut s = format!(
        "{}: {}",
        f.description,
        f.secret.as_deref().unwrap_or(&f.secret_redacted)
    );
    if let Some(nb) = &f.notebook {
        s.push_str(&format!(" ({})", nb.label()));
    }
    s
}

/// GitHub Actions workflow commands: an `::error` annotation per finding (on the file, line and
/// column, secret redacted), then the summary as a plain line.
pub fn github(w: &mut dyn Write, findings: &[Finding], summary: &Summary) -> io::Result<()> {
    fn data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn prop(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    for f in findings {
        let mut msg = headline(f);
        if let Some(c) = &f.commit {
            msg.push_str(&format!(
                " — introduced in {} by {} ({})",
                &c.sha[..12.min(c.sha.len())],
                c.author,
                c.date
            ));
        }
        let msg = format!(
            "{}%0A{}",
            data(&escape(&msg)),
            data(&escape(&f.remediation))
        );
        writeln!(
            w,
            "::error file={},line={},endLine={},col={},endColumn={},title={}::{}",
            prop(&escape(&f.path)),
            f.line,
            f.end_line,
            f.column,
            f.end_column,
            prop(&format!("caulk: {}", f.rule_id)),
            msg
        )?;
    }
    for n in &summary.notices {
        writeln!(
            w,
            "::notice file={},line={},title={}::{}",
            prop(&escape(&n.path)),
            n.line.unwrap_or(1),
            prop("caulk: suppression added"),
            data(&escape(&notice_text(n)))
        )?;
    }
    summary_line(w, summary, &Style { on: false })
}

/// SARIF 2.1.0: every rule (with its remediation as help), every finding as a result with its
/// region, the masked snippet and the fingerprint in `partialFingerprints`.
pub fn sarif(
    w: &mut dyn Write,
    findings: &[Finding],
    rules: &[caulk_engine::rules::Rule],
    notices: &[crate::scan::Notice],
    suppressed: Option<&[crate::suppress::Suppressed]>,
) -> io::Result<()> {
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
                    "artifactLocation": {
                        "uri": f.path_bytes.as_deref().map_or_else(|| uri(&f.path), uri_bytes),
                        "uriBaseId": "%SRCROOT%"
                    },
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
            crate::suppress::Reason::Inline => "inSource",
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
                        "artifactLocation": {"uri": uri(&n.path), "uriBaseId": "%SRCROOT%"},
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

/// The SARIF rule id of suppression notices.
const SUPPRESSION_RULE: &str = "caulk-suppression-added";

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

/// A relative path as a URI reference: unreserved characters and `/` kept, the rest
/// percent-encoded.
fn uri(path: &str) -> String {
    uri_bytes(path.as_bytes())
}

/// [`uri`] of a path's exact bytes (a non-UTF-8 name keeps every byte).
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
    use super::{pascal, uri, wrap};

    #[test]
    fn sarif_helpers() {
        assert_eq!(pascal("openai-api-key"), "OpenaiApiKey");
        assert_eq!(
            uri("a b/ключ#1.env"),
            "a%20b/%D0%BA%D0%BB%D1%8E%D1%87%231.env"
        );
    }

    #[test]
    fn wrap_table() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("", 4), Vec::<String>::new());
        assert_eq!(wrap("toolongword x", 4), ["toolongword", "x"]);
    }
}
