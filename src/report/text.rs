//! `--format text`: one block per finding (place, rule, redacted secret, line, fix, how to accept
//! it), notices, then the summary line; colour only when asked.

use super::{FIX_WIDTH, Report, Style, accept_command, notice_text, paint, summary_line, wrap};
use crate::sanitize::escape;
use std::io::{self, Write};

/// Human-readable report: one block per finding, then the summary.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary) = (r.findings, r.summary);
    let st = Style { on: r.color };
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
            st.paint(paint::PLACE, &place),
            st.paint(paint::ALARM, &f.rule_id),
            st.paint(
                paint::QUIET,
                &format!("({}; confidence {})", escape(&f.description), f.confidence)
            ),
        )?;
        match &f.secret {
            Some(s) => writeln!(w, "    secret  {}", escape(s))?,
            None => writeln!(
                w,
                "    secret  {}",
                st.paint(paint::SECRET, &escape(&f.secret_redacted))
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
        writeln!(w, "    accept  {}", accept_command(f))?;
        writeln!(w)?;
    }
    for n in &summary.notices {
        writeln!(
            w,
            "caulk: {} {}",
            st.paint(paint::WARN, "notice:"),
            escape(&notice_text(n))
        )?;
    }
    summary_line(w, summary, &st)
}
