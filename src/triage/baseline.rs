//! Baselines: the findings a team accepted when it adopted caulk, recorded by fingerprint so that
//! they stop blocking while anything new still does.
//!
//! A fingerprint hashes the rule, the repository-relative path and the secret (never the line),
//! so an entry survives lines moving and reformatting, and the same secret pasted into another
//! file is a new finding. The file holds no secret and no redacted form of one: path, line, rule
//! and commit are there for a human reviewing it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The format version written and understood.
const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The finding's fingerprint: all that matching uses.
    pub fingerprint: String,
    /// The rule that found it.
    pub rule_id: String,
    /// Repository-relative path.
    pub path: String,
    /// Line when recorded (for the reviewer; lines may move since).
    pub line: usize,
    /// The commit that introduced it, for baselines of `caulk history`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    caulk_baseline: u32,
    #[serde(default)]
    comment: String,
    findings: Vec<Entry>,
}

/// A baseline read from disk.
#[derive(Debug)]
pub(crate) struct Baseline {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its entries, in file order.
    pub entries: Vec<Entry>,
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// Reads a baseline; a missing or malformed file is an error naming it and the fix.
    pub(crate) fn load(path: &Path) -> Result<Baseline> {
        let text = crate::fsx::read_regular_text(path, "baseline", crate::fsx::INPUT_LIMIT)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e} (write one with `--write-baseline {}`)",
                    crate::fsx::shown(path)
                )
            })?;
        let file: File = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a caulk baseline ({}); write one with `--write-baseline {}`",
                path.display(),
                crate::sanitize::hide_values(&e.to_string()),
                path.display()
            )
        })?;
        if file.caulk_baseline != VERSION {
            bail!(
                "{}: baseline format {} is not one this caulk reads ({VERSION}); write it again with `--write-baseline`",
                path.display(),
                file.caulk_baseline
            );
        }
        let fingerprints = file
            .findings
            .iter()
            .map(|e| e.fingerprint.to_ascii_lowercase())
            .collect();
        Ok(Baseline {
            path: path.to_path_buf(),
            entries: file.findings,
            fingerprints,
        })
    }

    /// Whether `fingerprint` is accepted.
    pub(crate) fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }

    /// Splits the entries into those to keep and the stale ones: entries no finding of this scan
    /// matched (`seen` holds its fingerprints), though the scan covered their path and ran their
    /// rule.
    pub(crate) fn split_stale(
        &self,
        seen: &HashSet<String>,
        coverage: &Coverage,
        rule_ran: impl Fn(&str) -> bool,
    ) -> (Vec<Entry>, Vec<Entry>) {
        self.entries.iter().cloned().partition(|e| {
            seen.contains(&e.fingerprint.to_ascii_lowercase())
                || !coverage.covers(&e.path)
                || !rule_ran(&e.rule_id)
        })
    }

    /// Rewrites the file with only `keep`'s entries.
    pub(crate) fn rewrite(&self, keep: &[Entry]) -> Result<()> {
        write_entries(&self.path, keep.to_vec())
    }
}

/// The entries for `findings`: one per fingerprint, sorted by path, line and rule.
pub(crate) fn entries(findings: &[Finding]) -> Vec<Entry> {
    let mut seen = HashSet::new();
    let mut out: Vec<Entry> = findings
        .iter()
        .filter(|f| seen.insert(f.fingerprint.as_str()))
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            rule_id: f.rule_id.clone(),
            path: f.repo_path.clone(),
            line: f.line,
            commit: f.commit.as_ref().map(|c| c.sha.clone()),
        })
        .collect();
    out.sort_by(|a, b| (&a.path, a.line, &a.rule_id).cmp(&(&b.path, b.line, &b.rule_id)));
    out
}

/// Writes `findings` as a baseline at `path`; returns how many entries it holds.
pub(crate) fn write(path: &Path, findings: &[Finding]) -> Result<usize> {
    let e = entries(findings);
    let n = e.len();
    write_entries(path, e)?;
    Ok(n)
}

fn write_entries(path: &Path, findings: Vec<Entry>) -> Result<()> {
    let file = File {
        caulk_baseline: VERSION,
        comment: "Findings accepted by fingerprint (a hash of rule, path and secret; no secret is \
                  stored). Rotate them all the same; remove entries as you fix them, or run with \
                  --prune-baseline."
            .to_string(),
        findings,
    };
    let mut text = crate::sanitize::json_pretty(&file)?;
    text.push(b'\n');
    crate::fsx::write_atomic(path, &text, None, crate::fsx::Existing::Replace)
        .context("cannot write the baseline")
}

/// Which baseline entries a scan could have seen: an entry it did not see is stale only if the
/// scan covered its path. `staged` and a history range see only part of the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Coverage {
    /// Nothing can be called stale (a staged change, a commit range).
    #[default]
    Partial,
    /// Every path (the full history).
    All,
    /// Paths under these repository-relative prefixes (`""`: everything).
    Under(Vec<String>),
}

impl Coverage {
    /// Whether the scan read `path`'s current contents.
    pub fn covers(&self, path: &str) -> bool {
        match self {
            Coverage::Partial => false,
            Coverage::All => true,
            Coverage::Under(prefixes) => prefixes.iter().any(|p| {
                p.is_empty()
                    || path == p
                    || path
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Coverage;

    #[test]
    fn coverage_by_prefix() {
        let c = Coverage::Under(vec!["src".into(), "a.py".into()]);
        assert!(c.covers("src/x.py") && c.covers("a.py") && c.covers("src"));
        assert!(!c.covers("srcx/y.py") && !c.covers("b.py"));
        assert!(Coverage::Under(vec![String::new()]).covers("any/thing"));
        assert!(!Coverage::Partial.covers("a.py") && Coverage::All.covers("a.py"));
    }
}
