//! Reporters: format findings and the summary; they never read files or git. Every string that
//! came from scanned input (paths, snippets) is escaped before it reaches a terminal, and secrets
//! appear only in the redacted form unless the user asked for `--show-secrets` (in which case
//! [`Finding::secret`] is filled by the caller).

use std::io::{self, Write};

use crate::finding::Finding;
use crate::sanitize::escape;
use crate::summary::Summary;

pub(crate) mod github;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod sarif;
pub(crate) mod text;

/// What every reporter is given: one signature for every format, `write(&Report, w)`.
pub(crate) struct Report<'a> {
    /// The findings to report, sorted, after triage.
    pub findings: &'a [Finding],
    /// Counts, notices, unread paths.
    pub summary: &'a Summary,
    /// The rules that ran (SARIF lists them).
    pub rules: &'a [caulk_engine::rules::Rule],
    /// The findings held back, with `--show-suppressed` (JSON and SARIF list them).
    pub suppressed: Option<&'a [crate::triage::suppress::Suppressed]>,
    /// Emit ANSI colour (text only).
    pub color: bool,
}

/// Whether a reporter paints: the text report on a terminal that takes colour, nothing else.
struct Style {
    on: bool,
}

/// The styles the text report uses, one name per meaning.
mod paint {
    use anstyle::{AnsiColor, Effects, Style};

    /// A finding's place.
    pub(super) const PLACE: Style = Style::new().effects(Effects::BOLD);
    /// A rule id, and the summary when there are findings.
    pub(super) const ALARM: Style = Style::new()
        .effects(Effects::BOLD)
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
    /// The rule's description and confidence.
    pub(super) const QUIET: Style = Style::new().effects(Effects::DIMMED);
    /// A redacted secret.
    pub(super) const SECRET: Style =
        Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
    /// A notice, and an incomplete scan's summary.
    pub(super) const WARN: Style = Style::new()
        .effects(Effects::BOLD)
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
    /// A clean scan's summary.
    pub(super) const CLEAN: Style = Style::new()
        .effects(Effects::BOLD)
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
}

impl Style {
    fn paint(&self, style: anstyle::Style, s: &str) -> String {
        if self.on {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }
}

/// `src/a.py:3 (commit 0123456789ab): this range adds …`.
fn notice_text(n: &crate::summary::Notice) -> String {
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
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
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

/// What a report's heading says, and which of `clean`, `incomplete` or `findings` it is: never
/// "no secrets found" over input that was not read.
pub(crate) fn verdict(findings: usize, summary: &Summary) -> (String, &'static str) {
    match (findings, summary.errors) {
        (0, 0) => ("✅ caulk: no secrets found".to_string(), "clean"),
        (0, e) => (
            format!(
                "⚠️ caulk: no secrets found in what was read, but {} could not be read",
                plural(e, "path")
            ),
            "incomplete",
        ),
        (n, _) => (
            format!(
                "❌ caulk: {} in {}",
                plural(n, "secret"),
                plural(summary.files_with_findings, "file")
            ),
            "findings",
        ),
    }
}

/// The summary line, uncoloured: for standard error when the report itself went to a file or is
/// not text (a CI log then still says what the scan found, not only an exit code).
pub(crate) fn write_summary(w: &mut dyn Write, s: &Summary) -> io::Result<()> {
    summary_line(w, s, &Style { on: false })
}

/// The three ways to accept a finding that is a false alarm, with the exact line to write for
/// `f` (the first finding reported): a pragma on its line (not for a finding in a commit: the
/// line is history), a `.caulkignore` entry by `caulk ignore`, or a baseline of them all.
pub(crate) fn accept_hint(f: &Finding) -> String {
    let pragma = match f.commit {
        None => format!("`# caulk:allow {}` on its line, ", f.rule_id),
        Some(_) => String::new(),
    };
    format!(
        "caulk: a false alarm? Accept it in one step: {pragma}`{}` (a .caulkignore line), or every \
         finding of today with a baseline (`caulk scan --write-baseline .caulk-baseline.json`).",
        accept_command(f)
    )
}

/// The command that accepts `f` in `.caulkignore`, as every report shows it. Only caulk's own
/// text: the fingerprint is hex it computed, so no format needs to escape it.
pub(crate) fn accept_command(f: &Finding) -> String {
    format!(
        "caulk ignore {} --reason \"…\"",
        short_fingerprint(&f.fingerprint)
    )
}

/// The fingerprint as the reports show it and `.caulkignore` accepts it: its first 12 hex
/// digits, as git shortens a commit id.
fn short_fingerprint(fingerprint: &str) -> &str {
    &fingerprint[..fingerprint
        .len()
        .min(crate::triage::suppress::SHORT_FINGERPRINT)]
}

fn summary_line(w: &mut dyn Write, s: &Summary, st: &Style) -> io::Result<()> {
    let head = if s.findings == 0 && s.errors > 0 {
        // Never "no secrets found" over input that was not read.
        st.paint(
            paint::WARN,
            &format!(
                "INCOMPLETE: no secrets found in what was read, but {} could not be read (named above)",
                plural(s.errors, "path")
            ),
        )
    } else if s.findings == 0 {
        st.paint(paint::CLEAN, "no secrets found")
    } else {
        st.paint(
            paint::ALARM,
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

/// The SARIF rule id of suppression notices.
const SUPPRESSION_RULE: &str = "caulk-suppression-added";

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_table() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("", 4), Vec::<String>::new());
        assert_eq!(wrap("toolongword x", 4), ["toolongword", "x"]);
    }
}
