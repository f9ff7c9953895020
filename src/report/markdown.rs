//! `--format markdown`: a CI job summary — verdict, table of findings, notices, summary line.

use super::{Report, Style, notice_text, summary_line};
use crate::sanitize::escape;
use std::io::{self, Write};

/// A Markdown report for a CI job summary (`$GITHUB_STEP_SUMMARY`): a heading with the verdict,
/// a table of findings (rule, place, commit, redacted secret, what to do), then notices, unread
/// paths and the summary line. Cells are escaped so no input can break the table or inject markup.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary) = (r.findings, r.summary);
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
    let (verdict, _) = super::verdict(findings.len(), summary);
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
