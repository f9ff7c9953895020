//! `--format github`: GitHub Actions workflow commands, an `::error` annotation per finding.

use super::{Report, Style, headline, notice_text, summary_line};
use crate::sanitize::escape;
use std::io::{self, Write};

/// GitHub Actions workflow commands: an `::error` annotation per finding (on the file, line and
/// column, secret redacted), then the summary as a plain line.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary) = (r.findings, r.summary);
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
