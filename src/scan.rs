//! The scan loop every source runs on each input: the input's segments (see [`crate::decode`])
//! through the engine, each match into a finding positioned in the input. The sources — the file
//! walker and stdin ([`crate::source::files`]), the staged index and history
//! ([`crate::source::git`]) — read inputs and fold what this gives into their result.

use std::path::Path;

use crate::decode::encoded::Encoding;
use crate::decode::{self, Input, Origin, Segment, Sink, k8s, text};
use crate::finding::{self, Finding, LineIndex, Locator, NotebookInfo, Provenance};
use crate::summary::{Scanned, Tally};
use caulk_engine::engine::Engine;

/// [`scan_input`] of raw bytes: their encoding decided first ([`text::content`]: a byte-order
/// mark skipped, UTF-16 decoded, binary told apart).
pub fn scan_bytes(engine: &Engine, raw: &[u8], path: &Path, prov: &Provenance) -> Scanned {
    let content = text::content(raw);
    scan_input(engine, Input::of(&content, raw), path, prov)
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
        let loc = match &seg.origin {
            Origin::Whole => Locator::Text,
            Origin::Strings(_) => Locator::Strings {
                file: input,
                lines,
                file_offset: &file_offset,
            },
            Origin::Notebook(_) | Origin::Decoded { .. } => Locator::Mapped {
                file: input,
                lines,
                file_offset: &file_offset,
            },
        };
        let info = seg.notebook().map(|nb| NotebookInfo::from(&nb.place));
        let mut found = finding::findings(
            self.engine,
            seg.text,
            &matches,
            self.prov,
            info.as_ref(),
            &loc,
        );
        if let Origin::Decoded { run, .. } = &seg.origin {
            // A secret that stands as it is in the encoded run was found there already (a
            // token between percent escapes).
            found.retain(|f| memchr::memmem::find(run, f.raw_secret.as_bytes()).is_none());
        }
        let encodings = seg.encodings();
        if !encodings.is_empty() {
            // ` (base64-decoded)`, or ` (base64-decoded, inside base64-decoded)` a level down.
            let labels: Vec<&str> = encodings.iter().map(|e| e.label()).collect();
            let note = format!(" ({})", labels.join(", inside "));
            let k8s = encodings.contains(&Encoding::K8sSecret);
            for f in &mut found {
                f.snippet.push_str(&note);
                if k8s {
                    f.remediation.push_str(k8s::FIX);
                }
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

/// Whether a path (relative to what was scanned) is documentation: a Markdown, reStructuredText
/// or AsciiDoc file, or anything under a `docs/` folder.
pub fn is_doc_path(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("md" | "mdx" | "rst" | "adoc")) {
        return true;
    }
    let mut parts = path.components().peekable();
    while let Some(c) = parts.next() {
        let part = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        if parts.peek().is_some() && matches!(part.as_str(), "docs" | "doc" | "documentation") {
            return true;
        }
    }
    false
}

/// Whether a finding's line is an example in code's documentation: a doctest line (`>>> `,
/// `... `), or a line that says `Example`.
fn is_doc_example_line(snippet: &str) -> bool {
    let line = snippet.trim_start_matches('…').trim_start();
    line.starts_with(">>> ")
        || line.starts_with("... ")
        || line.contains("Example")
        || line.contains("example:")
        || line.contains("e.g.")
}

/// Findings in test code and documentation say so: keys made for a test suite or written as an
/// example are reported, not hidden, but a reviewer should know where they stand.
fn mark_test_paths(path: &Path, findings: &mut [Finding]) {
    if findings.is_empty() {
        return;
    }
    let note = if is_test_path(path) {
        Some("in test code: likely a fixture; rotate it if it is real")
    } else if is_doc_path(path) {
        Some("in documentation: likely an example; rotate it if it is real")
    } else {
        None
    };
    for f in findings {
        let note = note.or_else(|| {
            is_doc_example_line(&f.snippet).then_some(
            "in a documentation example (a doctest or an `Example` line): rotate it if it is real",
        )
        });
        if let Some(note) = note {
            f.note.get_or_insert_with(|| note.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_doc_path, is_test_path};
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

    #[test]
    fn doc_paths_table() {
        for p in [
            "README.md",
            "docs/setup.txt",
            "a/doc/conf.py",
            "guide.rst",
            "x.adoc",
        ] {
            assert!(is_doc_path(Path::new(p)), "{p}");
        }
        for p in [
            "src/app.py",
            "docs",
            "documentary.py",
            "notebooks/x.ipynb",
            "md.py",
        ] {
            assert!(!is_doc_path(Path::new(p)), "{p}");
        }
    }
}
