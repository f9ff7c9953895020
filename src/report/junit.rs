//! `--format junit`: a failing test case per finding, an error case per unread path.

use std::io::{self, Write};

use super::*;

/// JUnit XML: a test suite whose test cases are the findings (each a `<failure>`), the inputs
/// that could not be read (each an `<error>`), or one passing case when the scan is clean, so a
/// CI dashboard shows what blocked and where.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary) = (r.findings, r.summary);
    /// Text safe in XML 1.0: control characters escaped as caulk escapes them for a terminal.
    fn x(s: &str) -> String {
        escape(s)
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&apos;")
    }
    let unread: Vec<&crate::summary::Unread> = summary.unread.iter().filter(|u| u.error).collect();
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
