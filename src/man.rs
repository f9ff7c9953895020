//! `caulk man`: one man page, caulk(1), from the clap definitions (clap_mangen renders the name,
//! synopsis, description and options) plus what a man page owes its reader and clap does not
//! know: a section per subcommand in this same page (no `caulk-scan(1)` pages are installed, so
//! none is referred to), EXIT STATUS, ENVIRONMENT and FILES. `mandoc -T lint` checks the result
//! in CI (`tests/it/man.rs`).

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::Cli;

/// The date in the page's title line: when its hand-written text below last changed (mandoc
/// wants a date there, and a build date would make the page differ from build to build).
const PAGE_DATE: &str = "2026-11-26";

/// The page's hand-written sections before VERSION, in the order man-pages(7) gives them after
/// OPTIONS and the commands. Roff: `.TP` a tagged paragraph, `\fB…\fR` bold, `\-` a minus sign.
const TAIL: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Clean: nothing was found (or every finding was suppressed), and every input was read.
.TP
\fB1\fR
At least one finding was reported (this wins over unread inputs: both block, and findings say
more). A commit or push is blocked.
.TP
\fB2\fR
An error: a bad flag, rule, configuration, baseline or path, or an input that could not be read.
An error never exits 0.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set and not empty, the text report is not coloured (unless \fB\-\-color always\fR).
.TP
\fBFORCE_COLOR\fR, \fBCLICOLOR_FORCE\fR
When set to anything but \fB0\fR (or empty), the text report is coloured even through a pipe
(unless \fBNO_COLOR\fR is set or \fB\-\-color never\fR is given).
.TP
\fBCLICOLOR\fR
\fB0\fR: no colour in \fB\-\-color auto\fR mode; set to another value, colour a terminal even
when \fBTERM\fR names none.
.TP
\fBTERM\fR
\fBdumb\fR (or unset): no colour on a terminal in \fB\-\-color auto\fR mode.
.TP
\fBGIT_DIR\fR, \fBGIT_WORK_TREE\fR, \fBGIT_CEILING_DIRECTORIES\fR
Where the git commands (\fBstaged\fR, \fBhistory\fR, \fBpre\-push\fR, \fBinstall\-hook\fR)
look for the repository, as git itself does.
.TP
\fBGIT_INDEX_FILE\fR
The index \fBcaulk staged\fR reads (git sets it for \fBgit commit \-a\fR and
\fBgit commit\fR \fIpaths\fR).
.TP
\fBPRE_COMMIT_FROM_REF\fR, \fBPRE_COMMIT_TO_REF\fR, \fBPRE_COMMIT_REMOTE_NAME\fR, \fBPRE_COMMIT_LOCAL_BRANCH\fR
What \fBcaulk pre\-push\fR scans when the pre\-commit framework runs it (the framework reads
git's hook input itself).
.SH FILES
.TP
\fIcaulk.toml\fR, \fI.caulk.toml\fR
The configuration: scan defaults, custom rules, allowlists and the baseline, read from the
scanned directory or the top of the git work tree (two of them at once is an error).
\fBcaulk init\fR writes a commented one; \fB\-\-config\fR \fIFILE\fR names another,
\fB\-\-no\-config\fR reads none.
.TP
\fI.caulkignore\fR
Fingerprints of findings accepted after triage, one a line, \fB#\fR comments; read from the
current directory and the top of the git work tree.
.TP
\fI.caulk\-baseline.json\fR (any name)
A baseline: the findings accepted when caulk was adopted, by fingerprint (no secrets). Written
by \fB\-\-write\-baseline\fR \fIFILE\fR, read with \fB\-\-baseline\fR \fIFILE\fR or the
configuration's \fBbaseline\fR.
.TP
\fI.git/hooks/pre\-commit\fR
The hook \fBcaulk install\-hook\fR writes (under \fBcore.hooksPath\fR when git sets one) and
\fBcaulk uninstall\-hook\fR removes.
"#;

/// The sections after VERSION: examples, then the other pages.
const EXAMPLES: &str = r#".SH EXAMPLES
.TP
\fBcaulk scan\fR
Scan the current directory.
.TP
\fBcaulk install\-hook\fR
Block commits that add a secret.
.TP
\fBcaulk history origin/main..HEAD \-\-color always\fR
Scan a branch's commits in CI, coloured in the job log.
.TP
\fBcaulk explain huggingface\-token\fR
What a rule finds and how to rotate what it finds.
.SH "SEE ALSO"
\fBgit\fR(1), \fBgithooks\fR(5)
"#;

/// Writes caulk(1) in roff to `w`.
pub(crate) fn render(w: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let version = cmd.get_version().unwrap_or_default().to_string();
    let man = clap_mangen::Man::new(cmd.clone())
        .title("CAULK")
        .section("1")
        .date(PAGE_DATE)
        .source(format!("caulk {}", version.split(' ').next().unwrap_or("")))
        .manual("User Commands");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    // Every subcommand in this page: its synopsis, what it does, its options.
    writeln!(page, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("caulk {}", sub.get_name());
        writeln!(page, ".SS \"{}\"", roff_escape(&name))?;
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(name));
        let mut part = Vec::new();
        sub_man.render_synopsis_section(&mut part)?;
        writeln!(part, ".PP")?;
        writeln!(
            part,
            "{}",
            roff_escape(
                &sub.get_long_about()
                    .or(sub.get_about())
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            )
        )?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            sub_man.render_options_section(&mut part)?;
        }
        page.extend(demote(&String::from_utf8_lossy(&part)).bytes());
    }
    page.extend(TAIL.bytes());
    man.render_version_section(&mut page)?;
    page.extend(EXAMPLES.bytes());
    w.write_all(tidy(&String::from_utf8_lossy(&page)).as_bytes())
}

/// A subcommand's sections inside its `.SS`: the `.SH` headings become plain paragraphs (the
/// options get a bold "Options:" line), and the string definitions roff needs once are dropped.
fn demote(part: &str) -> String {
    let mut out = String::new();
    for line in part.lines() {
        match line {
            ".SH SYNOPSIS" => {}
            ".SH OPTIONS" => out.push_str(".PP\n\\fIOptions:\\fR\n"),
            l if l.starts_with(".ie \\n(.g .ds Aq") || l.starts_with(".el .ds Aq") => {}
            l => {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// What mandoc flags in clap_mangen's output: a blank line between two `.br` (from a long help
/// with possible values) becomes one `.sp`; no line ends in a space.
fn tidy(page: &str) -> String {
    let page = page.replace(".br\n\n.br\n", ".sp\n");
    let mut out: String = page
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// Text made safe for a roff text line: backslashes doubled, minus signs marked, and a leading
/// `.` or `'` (a request) guarded.
fn roff_escape(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    match s.chars().next() {
        Some('.' | '\'') => format!("\\&{s}"),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_escape_guards_requests_and_backslashes() {
        assert_eq!(roff_escape(".hidden a-b"), "\\&.hidden a\\-b");
        assert_eq!(roff_escape("a\\b"), "a\\eb");
    }

    #[test]
    fn demote_drops_headings_and_string_definitions() {
        let part = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH SYNOPSIS\nx\n.SH OPTIONS\n.TP\n";
        assert_eq!(demote(part), "x\n.PP\n\\fIOptions:\\fR\n.TP\n");
    }
}
