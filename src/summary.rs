//! What a scan gives: its findings, and the counts, unread inputs and notices of its summary.
//! Every source fills one [`ScanResult`]; triage and the reporters read it. Kept apart from the
//! sources so that reporters depend on the result, not on the walker or git.

use serde::Serialize;

use crate::finding::Finding;
use crate::triage::baseline::Coverage;

/// Counts for the report's summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Findings reported.
    pub findings: usize,
    /// Distinct paths with at least one finding.
    pub files_with_findings: usize,
    /// Files (and stdin), or git blobs, read and scanned.
    pub files_scanned: u64,
    /// Commits walked (`caulk history`).
    pub commits: u64,
    /// Bytes scanned.
    pub bytes_scanned: u64,
    /// Binary inputs not scanned at all. Always 0 since binary inputs are scanned for their
    /// printable runs (`binary_strings`); kept for readers of older reports.
    pub skipped_binary: u64,
    /// Binary inputs (more than one byte in 32 of their head a control byte text never holds)
    /// scanned for their printable runs, ASCII and UTF-16LE; also counted in `files_scanned`.
    pub binary_strings: u64,
    /// Files skipped because they exceed `--max-file-size`.
    pub skipped_too_large: u64,
    /// Symbolic links not followed and special files: `skipped_symlinks + skipped_special`.
    pub skipped_other: u64,
    /// Symbolic links not followed (pass `-L` to follow them).
    pub skipped_symlinks: u64,
    /// Sockets, FIFOs and devices: never opened.
    pub skipped_special: u64,
    /// Paths `.gitignore`, `.ignore` or git's exclude files leave out (a folder counts once;
    /// `--no-ignore` scans them).
    pub skipped_ignored: u64,
    /// Tracked files that `.gitignore` or `.ignore` name, scanned all the same (every clone has
    /// them); also counted in `files_scanned`.
    pub tracked_ignored: u64,
    /// Submodules (git gitlinks): another repository's commit, scanned in that repository.
    pub skipped_submodules: u64,
    /// The history scanned is cut off at a shallow clone's graft.
    pub shallow: bool,
    /// The input was git history (`caulk history`, `caulk pre-push`): the text summary counts
    /// commits, even none.
    #[serde(skip)]
    pub git_history: bool,
    /// Files read as Jupyter notebooks (cells and outputs decoded).
    pub notebooks: u64,
    /// `.ipynb` files that did not parse as notebooks and were scanned as plain text.
    pub notebooks_as_text: u64,
    /// Binary payloads in notebooks (base64 images, PDFs, audio and video in outputs and
    /// attachments): not text, so not scanned. Text under such a MIME type (SVG) is scanned.
    pub notebook_binary_outputs: u64,
    /// Findings held back on purpose, by mechanism (never silently: see `--show-suppressed`).
    pub suppressed: crate::triage::suppress::Counts,
    /// Suppressions the scanned range adds (`caulk history RANGE`), for the reviewer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// The baseline applied, and its entries this scan no longer found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// The configuration file used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Paths that could not be read (each is in `unread`).
    pub errors: usize,
    /// Every input that held text caulk did not read: unreadable (`error: true`, and the exit code
    /// is not 0) or over the size limit.
    pub unread: Vec<Unread>,
    /// Wall time of the scan, milliseconds.
    pub elapsed_ms: u64,
}

/// What the summary says of the baseline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BaselineSummary {
    /// The file.
    pub path: String,
    /// Its entries (before any pruning).
    pub entries: usize,
    /// Entries whose finding no longer occurs where the scan looked: fixed, or moved.
    pub stale: Vec<crate::triage::baseline::Entry>,
    /// `--prune-baseline` removed the stale entries from the file.
    pub pruned: bool,
}

impl Summary {
    /// Sets the tallies derived from the rest: `findings` and `files_with_findings` from the
    /// findings as they now stand (after a source sorts them, or after the report filters them),
    /// `errors` from `unread`, and `skipped_other` from its two parts.
    pub fn count(&mut self, findings: &[Finding]) {
        let mut paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        self.findings = findings.len();
        self.files_with_findings = paths.len();
        self.errors = self.unread.iter().filter(|u| u.error).count();
        self.skipped_other = self.skipped_symlinks + self.skipped_special;
    }

    /// Adds what inputs gave to the counts.
    pub fn add(&mut self, t: &Tally) {
        self.files_scanned += t.files;
        self.bytes_scanned += t.bytes;
        self.binary_strings += t.binary_strings;
        self.skipped_too_large += t.too_large;
        self.skipped_symlinks += t.symlinks;
        self.skipped_special += t.special;
        self.skipped_ignored += t.ignored;
        self.tracked_ignored += t.tracked_ignored;
        self.skipped_submodules += t.submodules;
        self.notebooks += t.notebooks;
        self.notebooks_as_text += t.notebooks_as_text;
        self.notebook_binary_outputs += t.notebook_binary_outputs;
    }

    /// The counts [`Summary::add`] adds to, as a tally (to fold one scan into another).
    pub fn tally(&self) -> Tally {
        Tally {
            files: self.files_scanned,
            bytes: self.bytes_scanned,
            binary_strings: self.binary_strings,
            too_large: self.skipped_too_large,
            symlinks: self.skipped_symlinks,
            special: self.skipped_special,
            ignored: self.skipped_ignored,
            tracked_ignored: self.tracked_ignored,
            submodules: self.skipped_submodules,
            notebooks: self.notebooks,
            notebooks_as_text: self.notebooks_as_text,
            notebook_binary_outputs: self.notebook_binary_outputs,
        }
    }
}

/// What inputs add to a summary's counts. Every source — the walker, stdin, staged blobs,
/// history blobs — counts what one input (or one walker entry) gave into a `Tally`, and
/// [`Summary::add`] folds it in: one type, summed in one place. Each field is the
/// [`Summary`] field of the same meaning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Inputs read and scanned (`files_scanned`).
    pub files: u64,
    /// Bytes scanned (`bytes_scanned`).
    pub bytes: u64,
    /// Binary inputs read for their printable runs (`binary_strings`).
    pub binary_strings: u64,
    /// Inputs over the size limit (`skipped_too_large`).
    pub too_large: u64,
    /// Symbolic links not followed (`skipped_symlinks`).
    pub symlinks: u64,
    /// Sockets, FIFOs, devices (`skipped_special`).
    pub special: u64,
    /// Paths ignore files leave out (`skipped_ignored`).
    pub ignored: u64,
    /// Tracked files ignore files name, scanned (`tracked_ignored`).
    pub tracked_ignored: u64,
    /// Submodules (`skipped_submodules`).
    pub submodules: u64,
    /// Inputs read as notebooks (`notebooks`).
    pub notebooks: u64,
    /// `.ipynb` files read as plain text (`notebooks_as_text`).
    pub notebooks_as_text: u64,
    /// Binary payloads of notebooks skipped (`notebook_binary_outputs`).
    pub notebook_binary_outputs: u64,
}

/// Something a reviewer should see that is not a finding: a change in the scanned range that
/// adds a suppression (an allow pragma, or an edit to the configuration, baseline or ignore file).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Notice {
    /// Repository path.
    pub path: String,
    /// 1-based line, for a pragma.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The commit that made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// What it does.
    pub message: String,
}

/// An input that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unread {
    /// The path as shown (git: the path, and the blob id in `reason`).
    pub path: String,
    /// Why: the OS error, the git error, or the size limit.
    pub reason: String,
    /// It could not be read (the exit code is not 0), rather than skipped by a limit.
    pub error: bool,
}

impl Unread {
    /// An input that could not be read.
    pub fn error(path: impl Into<String>, reason: impl Into<String>) -> Unread {
        Unread {
            path: path.into(),
            reason: reason.into(),
            error: true,
        }
    }

    /// An input over the size limit.
    pub fn too_large(path: impl Into<String>, len: u64, max: u64) -> Unread {
        Unread {
            path: path.into(),
            reason: format!(
                "over the size limit ({} > {}); not scanned (raise --max-file-size, or 0 for no limit)",
                crate::human::human_bytes(len),
                crate::human::human_bytes(max)
            ),
            error: false,
        }
    }
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

/// Findings, counts and errors of a scan.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Sorted by path, line, column, rule.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
    /// One line per input read in a degraded way (a notebook scanned as text): `path: reason`.
    pub warnings: Vec<String>,
    /// What the scan read, for calling baseline entries stale.
    pub coverage: Coverage,
}

impl ScanResult {
    /// Adds what one input (shown as `display`) gave, keeping the findings `keep` accepts: the
    /// one place a source folds an input into its result.
    pub fn record(&mut self, display: &str, got: Scanned, keep: impl Fn(&Finding) -> bool) {
        self.summary.add(&got.tally);
        self.warnings.extend(got.warning);
        self.summary
            .unread
            .extend(got.error.map(|e| Unread::error(display, e)));
        self.findings
            .extend(got.findings.into_iter().filter(|f| keep(f)));
    }
}

impl Tally {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Tally) {
        let mut sum = Summary::default();
        sum.add(self);
        sum.add(other);
        *self = sum.tally();
    }
}

/// What scanning one input gave.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Findings, in engine order.
    pub findings: Vec<Finding>,
    /// What it adds to the summary's counts.
    pub tally: Tally,
    /// A warning when an `.ipynb` did not parse and was scanned as text.
    pub warning: Option<String>,
    /// Why a rule could not run on it.
    pub error: Option<String>,
}

impl Scanned {
    /// Whether it gave counts only: no finding, warning or error.
    pub fn is_counts_only(&self) -> bool {
        self.findings.is_empty() && self.warning.is_none() && self.error.is_none()
    }
}
