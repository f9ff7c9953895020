//! Accepting findings on purpose, and never silently: inline pragmas on the line of a secret,
//! and `.caulkignore` fingerprints a reviewer added after triage. Every suppressed finding is
//! counted in the summary and, with `--show-suppressed`, listed in the JSON report with why.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::finding::Finding;
use crate::triage::baseline::Baseline;

/// The file of accepted fingerprints.
pub(crate) const IGNORE_FILE: &str = ".caulkignore";

/// Why a finding was not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Reason {
    /// A pragma on its line.
    Inline,
    /// An allowlist of the configuration file.
    Allowlist,
    /// Its fingerprint is in `.caulkignore`.
    IgnoreFile,
    /// Its fingerprint is in the baseline.
    Baseline,
}

/// A finding held back, with the reason.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Suppressed {
    /// Why.
    pub reason: Reason,
    /// Which entry: "allowlist: path `tests/**`", the file's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The finding, redacted as any other.
    #[serde(flatten)]
    pub finding: Finding,
}

/// How many findings each mechanism held back.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// By an inline pragma.
    pub inline: usize,
    /// By the configuration file's allowlists.
    pub allowlist: usize,
    /// By `.caulkignore`.
    pub ignore_file: usize,
    /// By the baseline.
    pub baseline: usize,
}

impl Counts {
    /// All suppressed findings.
    pub fn total(&self) -> usize {
        self.inline + self.allowlist + self.ignore_file + self.baseline
    }
}

/// Hex digits of a fingerprint that identify it: the text report shows this many, and a
/// `.caulkignore` entry must have at least this many.
pub(crate) const SHORT_FINGERPRINT: usize = 12;

/// Hex digits of a whole fingerprint.
const FULL_FINGERPRINT: usize = 32;

/// Fingerprints listed in `.caulkignore` files: one a line (whole, or its first 12 or more hex
/// digits), `#` starts a comment.
#[derive(Debug, Default)]
pub(crate) struct IgnoreFile {
    /// Entries by their first [`SHORT_FINGERPRINT`] digits (a finding's fingerprint is looked
    /// up by its own), each the whole entry.
    fingerprints: std::collections::HashMap<String, Vec<String>>,
    /// The files read, for messages.
    pub sources: Vec<PathBuf>,
}

/// The fingerprint a `.caulkignore` line holds (lowercased), `None` for a blank or comment line,
/// or why the line is not one. A gitleaks-shaped `path:rule:line:FINGERPRINT` line is read by its
/// last field, which must be caulk's fingerprint (gitleaks' own `path:rule:line` is no
/// fingerprint of caulk's, and is refused rather than read as a line number).
pub(crate) fn parse_entry(line: &str) -> Result<Option<String>, String> {
    let entry = line.split('#').next().unwrap_or("").trim();
    if entry.is_empty() {
        return Ok(None);
    }
    let fp = entry.rsplit(':').next().unwrap_or("").trim();
    if (SHORT_FINGERPRINT..=FULL_FINGERPRINT).contains(&fp.len())
        && fp.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Ok(Some(fp.to_ascii_lowercase()));
    }
    Err(format!(
        "`{}` is no caulk fingerprint ({SHORT_FINGERPRINT} to {FULL_FINGERPRINT} hex digits, as the \
         text report's `accept` line and the JSON `fingerprint` show it); add entries with \
         `caulk ignore FINGERPRINT --reason \"…\"`",
        crate::sanitize::escape(entry)
    ))
}

impl IgnoreFile {
    /// Reads `.caulkignore` in each of `dirs` that has one. A file that exists but cannot be
    /// read, or holds a line that is no fingerprint, is an error naming the file and line:
    /// accepting nothing silently would block unexpectedly, accepting junk would hide findings.
    pub(crate) fn load(dirs: &[PathBuf]) -> anyhow::Result<IgnoreFile> {
        let mut out = IgnoreFile::default();
        for dir in dirs {
            let path = dir.join(IGNORE_FILE);
            // Anything by that name is read, or refused by name (a FIFO, a folder): never skipped.
            if std::fs::symlink_metadata(&path).is_err() || out.sources.contains(&path) {
                continue;
            }
            let text =
                crate::fsx::read_regular_text(&path, "ignore file", crate::fsx::INPUT_LIMIT)?;
            for (n, line) in text.lines().enumerate() {
                match parse_entry(line) {
                    Ok(Some(fp)) => out
                        .fingerprints
                        .entry(fp[..SHORT_FINGERPRINT].to_string())
                        .or_default()
                        .push(fp),
                    Ok(None) => {}
                    Err(why) => anyhow::bail!("{}:{}: {why}", crate::fsx::shown(&path), n + 1),
                }
            }
            out.sources.push(path);
        }
        Ok(out)
    }

    /// Whether an entry is `fingerprint` or begins it.
    fn contains(&self, fingerprint: &str) -> bool {
        fingerprint.get(..SHORT_FINGERPRINT).is_some_and(|short| {
            self.fingerprints
                .get(short)
                .is_some_and(|v| v.iter().any(|e| fingerprint.starts_with(e.as_str())))
        })
    }
}

/// `caulk ignore FINGERPRINT --reason …`: appends the entry, with the reason and the date as its
/// comment, to the `.caulkignore` at `path` (created when missing). A fingerprint already
/// listed is not added twice. Returns whether the file changed.
pub(crate) fn append(
    path: &Path,
    fingerprint: &str,
    reason: &str,
    date: &str,
) -> anyhow::Result<bool> {
    let fp = match parse_entry(fingerprint) {
        Ok(Some(fp)) if !fingerprint.contains([':', '#']) => fp,
        Ok(_) | Err(_) => anyhow::bail!(
            "`{}` is no caulk fingerprint: give the {SHORT_FINGERPRINT} to {FULL_FINGERPRINT} hex \
             digits the text report's `accept` line shows",
            crate::sanitize::escape(fingerprint)
        ),
    };
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().any(char::is_control) {
        anyhow::bail!(
            "--reason must say, on one line, why the finding is accepted (a reviewer reads it later)"
        );
    }
    let mut text = crate::fsx::text_to_rewrite(
        path,
        "ignore file",
        "add the line to the file it points to by hand",
    )?;
    // The file must stay readable: a bad line already in it is named now, not at the next scan.
    for (n, line) in text.lines().enumerate() {
        match parse_entry(line) {
            Ok(Some(e)) if e == fp => return Ok(false),
            Ok(_) => {}
            Err(why) => anyhow::bail!("{}:{}: {why}", crate::fsx::shown(path), n + 1),
        }
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("{fp}  # {reason} ({date})\n"));
    crate::fsx::write_atomic(path, text.as_bytes(), None, crate::fsx::Existing::Replace)?;
    Ok(true)
}

/// What may hold findings back (the baseline comes separately, after `--min-confidence`).
pub(crate) struct Policy<'a> {
    /// `--no-inline-allow`: pragmas are ignored.
    pub no_inline: bool,
    /// The configuration file, for its allowlists.
    pub config: Option<&'a Config>,
    /// `.caulkignore` fingerprints.
    pub ignore: &'a IgnoreFile,
}

/// The findings held back, each with its reason.
#[derive(Debug, Default)]
pub(crate) struct Held {
    /// Each suppressed finding with its reason.
    pub findings: Vec<Suppressed>,
}

impl Held {
    /// How many findings each mechanism held back.
    pub(crate) fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for h in &self.findings {
            *match h.reason {
                Reason::Inline => &mut c.inline,
                Reason::Allowlist => &mut c.allowlist,
                Reason::IgnoreFile => &mut c.ignore_file,
                Reason::Baseline => &mut c.baseline,
            } += 1;
        }
        c
    }

    fn hold(&mut self, reason: Reason, detail: Option<String>, f: &Finding) {
        self.findings.push(Suppressed {
            reason,
            detail,
            finding: f.clone(),
        });
    }

    /// Moves the findings that a pragma (unless `no_inline`), an allowlist or the ignore file
    /// accepts out of `findings`.
    pub(crate) fn apply(&mut self, findings: &mut Vec<Finding>, policy: &Policy) {
        findings.retain(|f| {
            let (reason, detail) = if !policy.no_inline && f.inline_allow {
                (Reason::Inline, None)
            } else if let Some(why) = policy.config.and_then(|c| c.allows(f)) {
                (Reason::Allowlist, Some(why))
            } else if policy.ignore.contains(&f.fingerprint) {
                (Reason::IgnoreFile, None)
            } else {
                return true;
            };
            self.hold(reason, detail, f);
            false
        });
    }

    /// Moves the findings whose fingerprint is in `baseline` out of `findings`.
    pub(crate) fn apply_baseline(&mut self, findings: &mut Vec<Finding>, baseline: &Baseline) {
        let name = baseline.path.display().to_string();
        findings.retain(|f| {
            if !baseline.contains(&f.fingerprint) {
                return true;
            }
            self.hold(Reason::Baseline, Some(name.clone()), f);
            false
        });
    }
}

/// Where `.caulkignore` files are looked for: the current directory and the top of the git work
/// tree it is in.
pub(crate) fn ignore_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    dirs.extend(crate::worktree::work_tree_top(Path::new(".")));
    dirs.dedup_by(|a, b| same_dir(a, b));
    dirs
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Everything that may hold findings back, for [`triage`].
pub(crate) struct Triage<'a> {
    /// Pragmas, allowlists and `.caulkignore`.
    pub policy: Policy<'a>,
    /// `--min-confidence`: less sure findings are dropped (not counted as suppressed).
    pub min_confidence: caulk_engine::checks::Confidence,
    /// The baseline, when one applies.
    pub baseline: Option<&'a Baseline>,
}

/// What triage held back, and the baseline's entries split into those still found (or not
/// checkable by this scan) and the stale ones.
#[derive(Default)]
pub(crate) struct Triaged {
    /// Every finding held back, with its reason.
    pub held: Held,
    /// Baseline entries to keep.
    pub keep: Vec<crate::triage::baseline::Entry>,
    /// Baseline entries this scan could have seen but did not.
    pub stale: Vec<crate::triage::baseline::Entry>,
}

/// Triage in one place, before any reporter runs: pragmas, allowlists and the ignore file, then
/// `--min-confidence`, then the baseline (whose stale entries are told apart with `coverage` and
/// `rule_ran`). `findings` keeps what is reported.
pub(crate) fn triage(
    findings: &mut Vec<Finding>,
    t: &Triage,
    coverage: &crate::triage::baseline::Coverage,
    rule_ran: impl Fn(&str) -> bool,
) -> Triaged {
    let seen: HashSet<String> = findings.iter().map(|f| f.fingerprint.clone()).collect();
    let mut out = Triaged::default();
    out.held.apply(findings, &t.policy);
    findings.retain(|f| f.confidence >= t.min_confidence);
    if let Some(b) = t.baseline {
        out.held.apply_baseline(findings, b);
        (out.keep, out.stale) = b.split_stale(&seen, coverage, rule_ran);
    }
    out
}
