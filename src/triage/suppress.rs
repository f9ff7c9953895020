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

/// Fingerprints listed in `.caulkignore` files: one a line, `#` starts a comment.
#[derive(Debug, Default)]
pub(crate) struct IgnoreFile {
    fingerprints: HashSet<String>,
    /// The files read, for messages.
    pub sources: Vec<PathBuf>,
}

impl IgnoreFile {
    /// Reads `.caulkignore` in each of `dirs` that has one. A file that exists but cannot be
    /// read is an error: accepting nothing silently would block unexpectedly, accepting all
    /// would hide findings.
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
            for line in text.lines() {
                let entry = line.split('#').next().unwrap_or("").trim();
                // A gitleaks-style `path:rule:line` entry ends with the fingerprint caulk prints.
                if let Some(fp) = entry.rsplit(':').next().filter(|f| !f.is_empty()) {
                    out.fingerprints.insert(fp.to_ascii_lowercase());
                }
            }
            out.sources.push(path);
        }
        Ok(out)
    }

    fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
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
