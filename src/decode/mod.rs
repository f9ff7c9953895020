//! Decoders: each turns one input into the text segments the engine scans, with the way back
//! from a segment's bytes to the input's.
//!
//! First the encoding ([`text::content`]): a byte-order mark skipped, UTF-16 decoded, binary
//! told apart from text. Then [`segments`]: a notebook is its cells, outputs and tracebacks
//! ([`notebook`]); other text is itself, plus the base64-decoded values of a Kubernetes Secret
//! ([`k8s`]); a binary input is its printable runs ([`text::strings`]). Every source scans what
//! comes out in one loop (`scan::scan_input`), so a new encoding is one more [`Origin`] here and
//! nothing else changes.

use std::path::Path;

pub mod encoded;
pub(crate) mod k8s;
pub mod notebook;
pub mod text;

use encoded::Encoding;
use notebook::NotebookKind;

/// An input's bytes once its encoding is known.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Text: UTF-8 (or another ASCII-compatible encoding), or UTF-16 decoded to UTF-8, without a
    /// byte-order mark. Positions are given in these bytes.
    Text(&'a [u8]),
    /// Binary data, read for its printable runs. Positions are given in these bytes.
    Binary(&'a [u8]),
}

impl<'a> Input<'a> {
    /// `raw` as [`text::content`] classified it (`content` is `text::content(raw)`).
    pub fn of(content: &'a text::Content<'a>, raw: &'a [u8]) -> Input<'a> {
        match content {
            text::Content::Text(t) => Input::Text(t),
            text::Content::Binary => Input::Binary(raw),
        }
    }

    /// The bytes a finding's line, column and offset are counted in.
    pub fn bytes(&self) -> &'a [u8] {
        match *self {
            Input::Text(b) | Input::Binary(b) => b,
        }
    }
}

/// Text the engine scans, and where it came from in the input.
pub struct Segment<'s> {
    /// The text.
    pub text: &'s [u8],
    /// How its bytes map back to the input's.
    pub origin: Origin<'s>,
}

/// Where a segment's text came from.
pub enum Origin<'s> {
    /// The input's text itself.
    Whole,
    /// A notebook's cell, output or metadata text, JSON-decoded.
    Notebook(&'s notebook::Segment<'s>),
    /// The printable runs of a binary input, one per line.
    Strings(&'s text::Strings),
    /// An encoded run of another segment's text, decoded ([`encoded`]): base64, percent-encoding,
    /// a Kubernetes Secret's value.
    Decoded {
        /// The segment the run stands in.
        parent: &'s Segment<'s>,
        /// Offset of the run in the parent's text.
        at: usize,
        /// The run, encoded.
        run: &'s [u8],
        /// How it was encoded.
        how: Encoding,
    },
}

impl Segment<'_> {
    /// Whether the segment stands for the whole input, so rules scoped to the input's path (a
    /// `.pypirc`, a `credentials` file) run on it.
    pub fn is_whole(&self) -> bool {
        matches!(self.origin, Origin::Whole | Origin::Strings(_))
    }

    /// The input offset of segment byte `d` (of an escape: where the escape starts).
    pub fn input_offset(&self, d: usize) -> usize {
        match &self.origin {
            Origin::Whole => d,
            Origin::Notebook(seg) => seg.file_offset(d),
            Origin::Strings(s) => s.file_offset(d),
            Origin::Decoded {
                parent,
                at,
                run,
                how,
            } => parent.input_offset(at + how.encoded_offset(d, run)),
        }
    }

    /// The notebook cell or output the segment stands in, if any (through decoded runs).
    pub fn notebook(&self) -> Option<&notebook::Segment<'_>> {
        match &self.origin {
            Origin::Notebook(nb) => Some(nb),
            Origin::Decoded { parent, .. } => parent.notebook(),
            _ => None,
        }
    }

    /// The encodings the text was decoded from, innermost first (empty for text as it stands).
    pub fn encodings(&self) -> Vec<Encoding> {
        let mut out = Vec::new();
        let mut seg = self;
        while let Origin::Decoded { parent, how, .. } = &seg.origin {
            out.push(*how);
            seg = parent;
        }
        out
    }
}

/// What consumes segments: the scan loop (ripgrep's searcher hands matches to a `Sink` the same
/// way).
pub trait Sink {
    /// One segment to scan; it is dropped once this returns.
    fn segment(&mut self, seg: &Segment<'_>);
    /// What the segments given so far gave is void: the input turned out not to be a notebook,
    /// and its text comes next, whole.
    fn restart(&mut self);
}

/// What decoding learned of an input, for the summary.
#[derive(Debug, Default, Clone)]
pub struct Decoded {
    /// Read as a notebook.
    pub notebook: bool,
    /// Why an `.ipynb` did not read as a notebook (it was read as plain text).
    pub not_notebook: Option<String>,
    /// Binary payloads of the notebook skipped (base64 images, PDFs, audio, video).
    pub binary_payloads: u64,
    /// Binary: its printable runs were scanned.
    pub binary: bool,
}

/// Decodes `input`, named `path` (a notebook is known by its name and its first bytes), into
/// segments handed to `sink` in input order; each segment's encoded runs follow it, decoded.
pub fn segments(input: Input<'_>, path: &Path, sink: &mut dyn Sink) -> Decoded {
    let mut out = Decoded::default();
    let mut budget = encoded::budget(input.bytes().len());
    match input {
        Input::Binary(buf) => {
            out.binary = true;
            let strings = text::strings(buf);
            if !strings.text.is_empty() {
                let seg = Segment {
                    text: &strings.text,
                    origin: Origin::Strings(&strings),
                };
                give(&seg, 1, &mut budget, sink);
            }
        }
        Input::Text(text) => {
            let kind = notebook::is_candidate(path, text);
            if kind != NotebookKind::No {
                // Each cell and output is scanned as soon as it is read, then dropped.
                let read = notebook::for_each_segment(text, &mut |nb| {
                    let seg = Segment {
                        text: &nb.text,
                        origin: Origin::Notebook(nb),
                    };
                    give(&seg, 1, &mut budget, sink);
                });
                match read {
                    Ok(read) => {
                        out.notebook = true;
                        out.binary_payloads = read.binary_payloads;
                        return out;
                    }
                    Err(reason) => {
                        sink.restart();
                        budget = encoded::budget(text.len());
                        if kind == NotebookKind::Ipynb {
                            out.not_notebook = Some(reason);
                        }
                    }
                }
            }
            let whole = Segment {
                text,
                origin: Origin::Whole,
            };
            sink.segment(&whole);
            // A Secret's values first (they may be shorter than other runs worth decoding).
            let mut values = Vec::new();
            k8s::secret_values(text, &mut |start, end, decoded| {
                values.push((start, end, decoded.to_vec()))
            });
            for (at, end, decoded) in &values {
                let seg = Segment {
                    text: decoded,
                    origin: Origin::Decoded {
                        parent: &whole,
                        at: *at,
                        run: &text[*at..*end],
                        how: Encoding::K8sSecret,
                    },
                };
                give(&seg, 2, &mut budget, sink);
            }
            let done: Vec<usize> = values.iter().map(|v| v.0).collect();
            decode_runs(&whole, 1, &mut budget, &done, sink);
        }
    }
    out
}

/// Hands `sink` a segment, then its encoded runs decoded (the runs' level is `depth`).
fn give(seg: &Segment<'_>, depth: u8, budget: &mut usize, sink: &mut dyn Sink) {
    sink.segment(seg);
    decode_runs(seg, depth, budget, &[], sink);
}

/// Hands `sink` the decoded encoded runs of `parent` (but those starting at `skip`), and theirs
/// in turn, down to [`encoded::MAX_DEPTH`] levels; `depth` is the level of the runs decoded now.
fn decode_runs(
    parent: &Segment<'_>,
    depth: u8,
    budget: &mut usize,
    skip: &[usize],
    sink: &mut dyn Sink,
) {
    if depth > encoded::MAX_DEPTH {
        return;
    }
    let mut found = Vec::new();
    encoded::runs(parent.text, budget, &mut |start, end, how, decoded| {
        if !skip.contains(&start) {
            found.push((start, end, how, decoded.to_vec()));
        }
    });
    for (at, end, how, decoded) in &found {
        let seg = Segment {
            text: decoded,
            origin: Origin::Decoded {
                parent,
                at: *at,
                run: &parent.text[*at..*end],
                how: *how,
            },
        };
        give(&seg, depth + 1, budget, sink);
    }
}
