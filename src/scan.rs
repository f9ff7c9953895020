//! The working-tree source: walks paths in parallel (the `ignore` crate, as ripgrep does), reads
//! each file once, skips what is not text, and feeds the rest to the engine as one segment per
//! file. Standard input (`-`) is one more segment.
//!
//! A file that cannot be read does not stop the scan: it is remembered as an error, named on
//! stderr by the caller, and makes the exit code non-zero.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use ignore::{WalkBuilder, WalkState};
use serde::Serialize;

use crate::baseline::Coverage;
use crate::decode::text::{self, Content};
use crate::decode::{self, Input, Origin, Segment, Sink, k8s};
use crate::finding::{self, Finding, LineIndex, Locator, Provenance};
use caulk_engine::engine::Engine;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and directories to scan; `-` is standard input.
    pub paths: Vec<PathBuf>,
    /// Scan files that `.gitignore`/`.ignore` would skip.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow: bool,
    /// Files larger than this many bytes are skipped (0: no limit).
    pub max_file_size: u64,
    /// Walker threads (0: one per core).
    pub threads: usize,
    /// Show paths relative to the work tree's top, as git names them, instead of as named (the
    /// pre-commit hook's named files, which the framework names from the top).
    pub repo_paths_shown: bool,
}

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
    pub suppressed: crate::suppress::Counts,
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
    pub stale: Vec<crate::baseline::Entry>,
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

/// The walker's threads fold what they read into one result.
#[derive(Default)]
struct Shared {
    result: Mutex<ScanResult>,
}

impl Shared {
    fn unread(&self, u: Unread) {
        self.lock().summary.unread.push(u);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ScanResult> {
        self.result.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds counts that no input's scan gave (a link, a special file, a size limit).
    fn add(&self, t: Tally) {
        self.lock().summary.add(&t);
    }

    /// Scans one input's bytes (named `path` relative to its root) — decoded when UTF-16, read
    /// for strings when binary — and records what it gave.
    fn scan_bytes(&self, engine: &Engine, buf: &[u8], path: &Path, prov: &Provenance) {
        let content = text::content(buf);
        let got = scan_input(engine, Input::of(&content, buf), path, prov);
        self.lock().record(&prov.shown, got, |_| true);
    }

    /// Reads and scans one file, unless it is too large or binary.
    fn scan_file(&self, engine: &Engine, path: &Path, rel: &Path, prov: &Provenance, max: u64) {
        let display = &*prov.shown;
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return self.unread(Unread::error(display, io_reason(&e))),
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if max > 0 && len > max {
            self.add(Tally {
                too_large: 1,
                ..Tally::default()
            });
            return self.unread(Unread::too_large(display, len, max));
        }
        let mut buf = Vec::with_capacity(len as usize + 1);
        // Never more than the limit (and one byte to tell): a file that grows while read stays bounded.
        let read = match max {
            0 => file.read_to_end(&mut buf),
            _ => (&mut file).take(max + 1).read_to_end(&mut buf),
        };
        if let Err(e) = read {
            return self.unread(Unread::error(display, io_reason(&e)));
        }
        if max > 0 && buf.len() as u64 > max {
            self.add(Tally {
                too_large: 1,
                ..Tally::default()
            });
            return self.unread(Unread::too_large(display, buf.len() as u64, max));
        }
        self.scan_bytes(engine, &buf, rel, prov);
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

/// Scans one input (a file, a blob, stdin) named `path` — relative to what was scanned, for the
/// file walker; in the repository, for git — that came from `prov`: its segments
/// ([`decode::segments`]: a notebook's cells and outputs, a binary's printable runs, a Secret's
/// decoded values, or the text itself) in one loop. Every source comes through here, so they all
/// read every encoding the same way.
pub fn scan_input(engine: &Engine, input: Input<'_>, path: &Path, prov: &Provenance) -> Scanned {
    let mut sink = Collect {
        engine,
        prov,
        input: input.bytes(),
        lines: std::cell::OnceCell::new(),
        findings: Vec::new(),
        error: None,
    };
    let decoded = decode::segments(input, path, &mut sink);
    let mut findings = sink.findings;
    mark_test_paths(path, &mut findings);
    Scanned {
        findings,
        tally: Tally {
            files: 1,
            bytes: input.bytes().len() as u64,
            binary_strings: u64::from(decoded.binary),
            notebooks: u64::from(decoded.notebook),
            notebooks_as_text: u64::from(decoded.not_notebook.is_some()),
            notebook_binary_outputs: decoded.binary_payloads,
            ..Tally::default()
        },
        warning: decoded
            .not_notebook
            .map(|reason| format!("{}: {reason}; scanned as plain text", prov.shown)),
        error: sink.error,
    }
}

/// The scan loop: each segment through the engine, each match into a finding positioned in the
/// input.
struct Collect<'a> {
    engine: &'a Engine,
    prov: &'a Provenance,
    /// The input's bytes, which positions count in.
    input: &'a [u8],
    /// The input's line starts, built at the first finding in a decoded segment.
    lines: std::cell::OnceCell<LineIndex>,
    findings: Vec<Finding>,
    error: Option<String>,
}

impl Sink for Collect<'_> {
    fn segment(&mut self, seg: &Segment<'_>) {
        // Rules scoped to a path run on what stands for the whole input.
        let path = seg.is_whole().then_some(&*self.prov.shown);
        let matches = match self.engine.scan_path(seg.text, path) {
            Ok(m) => m,
            Err(e) => {
                self.error.get_or_insert_with(|| format!("{e:#}"));
                return;
            }
        };
        if matches.is_empty() {
            return;
        }
        let input = self.input;
        let lines = self.lines.get_or_init(|| LineIndex::new(input));
        let file_offset = |d: usize| seg.input_offset(d);
        let (loc, info) = match &seg.origin {
            Origin::Whole => (Locator::Text, None),
            Origin::Strings(_) => (
                Locator::Strings {
                    file: input,
                    lines,
                    file_offset: &file_offset,
                },
                None,
            ),
            Origin::Notebook(nb) => (
                Locator::Mapped {
                    file: input,
                    lines,
                    file_offset: &file_offset,
                },
                Some(nb.place.info()),
            ),
            Origin::K8sSecret { .. } => (
                Locator::Mapped {
                    file: input,
                    lines,
                    file_offset: &file_offset,
                },
                None,
            ),
        };
        let mut found = finding::findings(
            self.engine,
            seg.text,
            &matches,
            self.prov,
            info.as_ref(),
            &loc,
        );
        if let Origin::K8sSecret { .. } = seg.origin {
            for f in &mut found {
                f.snippet.push_str(k8s::SNIPPET_NOTE);
                f.remediation.push_str(k8s::FIX);
            }
        }
        self.findings.append(&mut found);
    }

    fn restart(&mut self) {
        self.findings.clear();
        self.error = None;
    }
}

/// Directory names that hold tests and their fixtures.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "test_data",
    "fixtures",
    "fixture",
    "__tests__",
    "__fixtures__",
];

/// Whether a path (relative to what was scanned) is test code or a test fixture.
pub fn is_test_path(path: &Path) -> bool {
    let mut parts = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase())
        .peekable();
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        if !last && TEST_DIRS.contains(&part.as_str()) {
            return true;
        }
        if last {
            let stem = part.split('.').next().unwrap_or("");
            return part.starts_with("test_")
                || part.starts_with("testing_")
                || part == "conftest.py"
                || stem.ends_with("_test")
                || part.contains(".test.")
                || part.contains(".spec.");
        }
    }
    false
}

/// Findings in test code say so: keys made for a test suite are reported, not hidden, but a
/// reviewer should know where they stand.
fn mark_test_paths(path: &Path, findings: &mut [Finding]) {
    if !findings.is_empty() && is_test_path(path) {
        for f in findings {
            f.note.get_or_insert_with(|| {
                "in test code: likely a fixture; rotate it if it is real".to_string()
            });
        }
    }
}

/// A short reason for an I/O error, without the "(os error N)" noise.
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The path as shown in reports: lossy UTF-8, without a leading `./`.
fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| s.into_owned())
}

/// Scans the paths of `opts` with `engine`.
pub fn scan(engine: &Engine, opts: &ScanOptions) -> ScanResult {
    let started = Instant::now();
    let shared = Shared::default();
    let mut roots = Vec::new();
    for p in &opts.paths {
        if p.as_os_str() == "-" {
            scan_stdin(
                engine,
                &shared,
                &mut std::io::stdin().lock(),
                opts.max_file_size,
            );
        } else if let Err(e) = std::fs::symlink_metadata(p) {
            shared.unread(Unread::error(display_path(p), io_reason(&e)));
        } else {
            roots.push(p.clone());
        }
    }
    let covered = if roots.is_empty() {
        Vec::new()
    } else {
        walk(engine, opts, &roots, &shared)
    };
    let mut result = shared
        .result
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    result
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    result.summary.unread.sort();
    result.warnings.sort();
    result.summary.elapsed_ms = started.elapsed().as_millis() as u64;
    result.summary.count(&result.findings);
    result.coverage = Coverage::Under(covered);
    result
}

/// Bytes of standard input read and scanned at a time.
const STDIN_CHUNK: usize = 8 << 20;
/// Bytes each window of standard input shares with the one before, so a secret that straddles
/// two reads (a PEM key is a few KiB) is whole in one of them.
const STDIN_OVERLAP: usize = 64 << 10;

/// Scans standard input in windows of [`STDIN_CHUNK`] bytes that overlap by [`STDIN_OVERLAP`],
/// so memory stays bounded however much is piped in; at most `max` bytes (0: no limit) are read,
/// and more is an error naming the limit (the exit is not 0). Input that is UTF-16 or binary is
/// read whole (up to `max`) and scanned as a file would be.
fn scan_stdin(engine: &Engine, shared: &Shared, input: &mut dyn Read, max: u64) {
    const NAME: &str = "<stdin>";
    let over = |read: u64| max > 0 && read > max;
    let mut window: Vec<u8> = Vec::new();
    // Lines of the stream before `window`, and columns of its first line before the window (when
    // it starts mid-line).
    let (mut lines_before, mut col_shift) = (0usize, 0usize);
    let mut total = 0u64;
    let mut first = true;
    loop {
        let want = match max {
            0 => STDIN_CHUNK as u64,
            _ => (STDIN_CHUNK as u64)
                .min(max + 1 - total.min(max + 1))
                .max(1),
        };
        let before = window.len();
        if let Err(e) = input.take(want).read_to_end(&mut window) {
            return shared.unread(Unread::error(NAME, io_reason(&e)));
        }
        let got = (window.len() - before) as u64;
        total += got;
        let eof = got < want || over(total);
        if over(total) {
            window.truncate(window.len() - (total - max) as usize);
        }
        if first
            && (eof
                || !matches!(
                    text::content(&window),
                    Content::Text(std::borrow::Cow::Borrowed(_))
                ))
        {
            // All of it at once (small, UTF-16 or binary): as a file, bounded by the limit.
            if !eof {
                let rest = match max {
                    0 => u64::MAX,
                    _ => max + 1 - total,
                };
                if let Err(e) = input.take(rest).read_to_end(&mut window) {
                    return shared.unread(Unread::error(NAME, io_reason(&e)));
                }
                total = window.len() as u64;
                if over(total) {
                    window.truncate(max as usize);
                }
            }
            shared.scan_bytes(engine, &window, Path::new(""), &Provenance::stdin());
            break;
        }
        let first_window = first;
        if first {
            // A UTF-8 byte-order mark is not text, as in a file (`text::content` skips it).
            if window.starts_with(b"\xEF\xBB\xBF") {
                window.drain(..3);
            }
        }
        first = false;
        // The next window starts at a line start within the last STDIN_OVERLAP bytes when there
        // is one (so a multi-line secret near the end is whole there), else mid-line.
        let next = match eof {
            true => window.len(),
            false => {
                let keep_from = window.len().saturating_sub(STDIN_OVERLAP);
                match memchr::memrchr(b'\n', &window[keep_from..]) {
                    Some(nl) => keep_from + nl + 1,
                    None => keep_from,
                }
            }
        };
        let mut got = scan_input(
            engine,
            Input::Text(&window),
            Path::new(""),
            &Provenance::stdin(),
        );
        // One input however many windows; each byte counted once.
        got.tally.files = u64::from(first_window);
        got.tally.bytes = next as u64;
        let lines = LineIndex::new(&window);
        // What starts before `next` is reported here; the rest by the next window, whole.
        let (next_line, next_col) = lines.position(&window, next);
        got.findings
            .retain(|f| eof || (f.line, f.column) < (next_line, next_col));
        for f in &mut got.findings {
            if f.line == 1 {
                f.column += col_shift;
            }
            if f.end_line == 1 {
                f.end_column += col_shift;
            }
            f.line += lines_before;
            f.end_line += lines_before;
        }
        shared.lock().record(NAME, got, |_| true);
        if eof {
            break;
        }
        // A window that starts mid-line counts its first line's columns from the cut.
        col_shift = match next_line {
            1 => col_shift + next_col - 1,
            _ => next_col - 1,
        };
        lines_before += next_line - 1;
        window.drain(..next);
    }
    if over(total) {
        shared.unread(Unread::error(
            NAME,
            format!(
                "over the size limit ({}): only the first {} were scanned (raise --max-file-size, or 0 for no limit)",
                crate::human::human_bytes(max),
                crate::human::human_bytes(max)
            ),
        ));
    }
}

/// Roots with their canonical form, and the top of the git work tree they are in (if any).
struct Anchors {
    roots: Vec<(PathBuf, PathBuf)>,
    top: Option<PathBuf>,
}

/// The path fingerprints use: relative to the git work tree's top, so a finding keeps its
/// fingerprint whatever directory caulk runs from and whatever path it was given; `None` outside
/// a work tree (the path relative to the scanned root is used then).
fn stable_path(anchors: &Anchors, p: &Path) -> Option<String> {
    Some(repo_rel(anchors, p)?.to_string_lossy().replace('\\', "/"))
}

/// `p` relative to the top of the git work tree, with its exact bytes.
fn repo_rel(anchors: &Anchors, p: &Path) -> Option<PathBuf> {
    let top = anchors.top.as_ref()?;
    let (root, canon) = anchors.roots.iter().find(|(r, _)| p.starts_with(r))?;
    let abs = canon.join(p.strip_prefix(root).ok()?);
    Some(abs.strip_prefix(top).ok()?.to_path_buf())
}

/// Where the walker's file `p` came from: shown as named (or, with `repo_paths_shown`, as git
/// names it), known to fingerprints by its repository path `stable`.
fn provenance(anchors: &Anchors, opts: &ScanOptions, p: &Path, stable: &str) -> Provenance {
    match repo_rel(anchors, p).filter(|_| opts.repo_paths_shown) {
        Some(rel) => Provenance::new(stable, stable, &rel),
        None => Provenance::new(&display_path(p), stable, p),
    }
}

/// What the walker saw, to tell what it left out: the paths it handed over (as hashes, keyed
/// afresh each run so no file name can be made to collide) and the folders it read.
///
/// The `ignore` crate drops an ignored entry before caulk sees it. Rather than re-implement its
/// matcher stack (`.gitignore`, `.ignore`, git's exclude files, their precedence) or read its
/// log, caulk lists each folder the walker read once more afterwards: a child the walker did not
/// hand over was ignored. Each walker thread keeps its own list and hands it over when the walk
/// ends, so the walk itself takes no lock for this.
#[derive(Default)]
struct Seen {
    paths: std::collections::HashSet<u64>,
    dirs: Vec<PathBuf>,
}

/// One walker thread's [`Seen`], merged into the walk's when the thread is done.
struct SeenLocal<'a> {
    local: Seen,
    into: &'a Mutex<Seen>,
}

impl Drop for SeenLocal<'_> {
    fn drop(&mut self) {
        let mut all = self.into.lock().unwrap_or_else(|e| e.into_inner());
        all.paths.extend(self.local.paths.drain());
        all.dirs.append(&mut self.local.dirs);
    }
}

/// The children of the folders in `seen` that the walker did not hand over: what `.gitignore`,
/// `.ignore` and git's exclude files left out (an ignored folder is one path). `.git` is left
/// out on purpose and not counted.
fn ignored_paths(seen: Seen, keys: &std::hash::RandomState) -> Vec<PathBuf> {
    use std::hash::BuildHasher;
    let mut out = Vec::new();
    for dir in &seen.dirs {
        let Ok(children) = std::fs::read_dir(dir) else {
            continue; // unreadable: the walker said so already
        };
        for child in children.flatten() {
            let path = child.path();
            if child.file_name() != ".git" && !seen.paths.contains(&keys.hash_one(&path)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Walks `roots`, scanning every file; returns the stable path of each root (the prefixes a
/// baseline entry must lie under to have been seen).
fn walk(engine: &Engine, opts: &ScanOptions, roots: &[PathBuf], shared: &Shared) -> Vec<String> {
    let anchors = Anchors {
        roots: roots
            .iter()
            .filter_map(|r| Some((r.clone(), r.canonicalize().ok()?)))
            .collect(),
        top: crate::worktree::work_tree_top(&roots[0]).and_then(|w| w.canonicalize().ok()),
    };
    let covered = roots
        .iter()
        .map(|r| {
            stable_path(&anchors, r).unwrap_or_else(|| match r.is_dir() {
                true => String::new(),
                false => r
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            })
        })
        .collect();
    let anchors = &anchors;
    let mut builder = WalkBuilder::new(&roots[0]);
    for r in &roots[1..] {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(opts.follow)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    if opts.no_ignore {
        builder.standard_filters(false).hidden(false);
    }
    let max = opts.max_file_size;
    // What the walker hands over, to count (and scan, when tracked) what it leaves out.
    let keys = std::hash::RandomState::new();
    let seen_all = Mutex::new(Seen::default());
    let (keys, seen_all, counting) = (&keys, &seen_all, !opts.no_ignore);
    builder.build_parallel().run(|| {
        let mut seen = SeenLocal {
            local: Seen::default(),
            into: seen_all,
        };
        Box::new(move |entry| {
            if counting {
                use std::hash::BuildHasher;
                let path = match &entry {
                    Ok(e) => Some(e.path()),
                    Err(err) => error_path(err),
                };
                if let Some(path) = path {
                    seen.local.paths.insert(keys.hash_one(path));
                }
                if let Ok(e) = &entry
                    && e.file_type().is_some_and(|t| t.is_dir())
                {
                    seen.local.dirs.push(e.path().to_path_buf());
                }
            }
            let entry = match entry {
                Ok(e) => e,
                // A symbolic link back to a folder above it (with -L): every file below was
                // reached already; counted as a link not followed, and said.
                Err(err) if is_loop(&err) => {
                    let u = walk_error(&err);
                    let mut result = shared.lock();
                    result.summary.add(&Tally {
                        symlinks: 1,
                        ..Tally::default()
                    });
                    result.warnings.push(format!(
                        "{}: a symbolic link loop, not followed again",
                        u.path
                    ));
                    return WalkState::Continue;
                }
                Err(err) => {
                    shared.unread(walk_error(&err));
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue; // stdin entries never reach here
            };
            if ft.is_file() {
                // Relative to the root it was found under, so scanning `fixtures/demo` does not
                // make everything in it "test code"; a root that is the file keeps its name.
                let p = entry.path();
                let rel = roots
                    .iter()
                    .find_map(|r| {
                        p.strip_prefix(r)
                            .ok()
                            .filter(|rel| !rel.as_os_str().is_empty())
                    })
                    .or_else(|| p.file_name().map(Path::new))
                    .unwrap_or(p);
                let stable = stable_path(anchors, p)
                    .unwrap_or_else(|| rel.to_string_lossy().replace('\\', "/"));
                shared.scan_file(engine, p, rel, &provenance(anchors, opts, p, &stable), max);
            } else if ft.is_symlink() {
                shared.add(Tally {
                    symlinks: 1,
                    ..Tally::default()
                });
            } else if !ft.is_dir() {
                // A socket, FIFO or device: never opened (a FIFO would block the scan).
                shared.add(Tally {
                    special: 1,
                    ..Tally::default()
                });
            }
            WalkState::Continue
        })
    });
    if counting {
        let seen = std::mem::take(&mut *seen_all.lock().unwrap_or_else(|e| e.into_inner()));
        let ignored = ignored_paths(seen, keys);
        shared.add(Tally {
            ignored: ignored.len() as u64,
            ..Tally::default()
        });
        scan_tracked_ignored(engine, opts, roots, anchors, shared, &ignored);
    }
    covered
}

/// Tracked is never ignored: `.gitignore` and `.ignore` say which *untracked* files to leave out,
/// but a file git tracks is in every clone, so a committed `.env` later added to `.gitignore` (or
/// a committed `.ignore` holding `*`) must not hide it. The walker leaves out what the ignore
/// files name (see [`Seen`]); every tracked file at or below such a path
/// is scanned here from the work tree.
fn scan_tracked_ignored(
    engine: &Engine,
    opts: &ScanOptions,
    roots: &[PathBuf],
    anchors: &Anchors,
    shared: &Shared,
    ignored: &[PathBuf],
) {
    let max = opts.max_file_size;
    let Some(top) = &anchors.top else { return };
    if ignored.is_empty() {
        return;
    }
    let index = match git2::Repository::open(top).and_then(|r| r.index()) {
        Ok(i) => i,
        Err(e) => {
            return shared.unread(Unread::error(
                display_path(top),
                format!(
                    "cannot read the git index to find tracked files that ignore files name: {} (run `git status`)",
                    e.message()
                ),
            ));
        }
    };
    // Repository paths of the ignored entries, with the root each was found under.
    let prefixes: std::collections::HashMap<Vec<u8>, (&PathBuf, String)> = ignored
        .iter()
        .filter_map(|p| {
            let stable = stable_path(anchors, p)?;
            let root = roots.iter().find(|r| p.starts_with(r))?;
            let root_stable = stable_path(anchors, root).unwrap_or_default();
            Some((stable.into_bytes(), (root, root_stable)))
        })
        .collect();
    for entry in index.iter() {
        // Regular and executable files at stage 0; not symlinks or submodules.
        let regular = matches!(entry.mode & 0o170000, 0o100000);
        if !regular || (entry.flags >> 12) & 0x3 != 0 {
            continue;
        }
        // The entry itself or its nearest ignored folder (one lookup per folder level).
        let mut end = entry.path.len();
        let hit = loop {
            if let Some(hit) = prefixes.get(&entry.path[..end]) {
                break Some(hit);
            }
            match memchr::memrchr(b'/', &entry.path[..end]) {
                Some(i) => end = i,
                None => break None,
            }
        };
        let Some((root, root_stable)) = hit else {
            continue;
        };
        let path = String::from_utf8_lossy(&entry.path);
        let rel = match root_stable.as_str() {
            "" => path.as_ref(),
            s => path
                .strip_prefix(s)
                .map_or(path.as_ref(), |r| r.trim_start_matches('/')),
        };
        let full = match std::fs::symlink_metadata(root).is_ok_and(|m| m.is_file()) {
            true => (*root).clone(),
            false => root.join(rel),
        };
        if std::fs::symlink_metadata(&full).is_err() {
            continue; // tracked, but deleted in the work tree: nothing on disk to scan
        }
        shared.add(Tally {
            tracked_ignored: 1,
            ..Tally::default()
        });
        let prov = provenance(anchors, opts, &full, &path);
        shared.scan_file(engine, &full, Path::new(rel), &prov, max);
    }
}

/// Whether a walker error is a file system loop (a symbolic link to an ancestor).
fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

/// The path a walker error names, if any.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// The path and reason of a walker error.
fn walk_error(err: &ignore::Error) -> Unread {
    fn reason(err: &ignore::Error) -> String {
        match err {
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => reason(err),
            ignore::Error::Io(e) => io_reason(e),
            other => other.to_string(),
        }
    }
    Unread::error(
        error_path(err).map(display_path).unwrap_or_default(),
        reason(err),
    )
}

#[cfg(test)]
mod tests {
    use super::is_test_path;
    use std::path::Path;

    #[test]
    fn test_paths_table() {
        let yes = [
            "tests/x.py",
            "a/fixtures/key.pem",
            "pkg/test_auth.py",
            "src/testing_utils.py",
            "conftest.py",
            "x_test.go",
            "app.test.js",
            "a/__tests__/b.ts",
        ];
        let no = [
            "src/app.py",
            "test",
            "latest/x.py",
            "contest.py",
            "attestation.py",
            "notebooks/train.ipynb",
        ];
        for p in yes {
            assert!(is_test_path(Path::new(p)), "{p}");
        }
        for p in no {
            assert!(!is_test_path(Path::new(p)), "{p}");
        }
    }
}
