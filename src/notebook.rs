//! Jupyter notebooks read as notebooks: the source reads the `.ipynb` JSON with `serde_json` and
//! hands the engine decoded text — each cell's source, each output's text, HTML, JSON and
//! traceback (ANSI codes removed), and the notebook and cell metadata — instead of JSON-escaped
//! fragments. Images and PDFs are not text and are never scanned.
//!
//! Each segment keeps a map from its decoded bytes back to bytes of the file, so a finding names
//! the line and column *in the .ipynb* (where editors, SARIF viewers and annotations land) as
//! well as the cell and output. The map comes from `serde_json`'s borrowed `RawValue`s: every
//! string is a slice of the file, decoded here escape by escape.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::finding::NotebookInfo;

/// Decoded text of one part of a notebook, with its way back to the file.
#[derive(Debug)]
pub struct Segment {
    /// The decoded text the engine scans.
    pub text: Vec<u8>,
    /// Runs `(decoded offset, file offset)`: decoded byte `d` of a run that starts at `(d0, f0)`
    /// came from file byte `f0 + d - d0`. Sorted by decoded offset.
    pub runs: Vec<(usize, usize)>,
    /// Where in the notebook this text stands.
    pub info: NotebookInfo,
}

impl Segment {
    /// The file offset of decoded byte `d`.
    pub fn file_offset(&self, d: usize) -> usize {
        let i = self.runs.partition_point(|&(d0, _)| d0 <= d).max(1) - 1;
        match self.runs.get(i) {
            Some(&(d0, f0)) => f0 + d.saturating_sub(d0),
            None => 0,
        }
    }
}

/// Whether a file should be read as a notebook: an `.ipynb`, or a JSON file that looks like one.
pub fn is_candidate(path: &std::path::Path, text: &[u8]) -> NotebookKind {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("ipynb") => NotebookKind::Ipynb,
        Some(e) if e.eq_ignore_ascii_case("json") => {
            let head = &text[..text.len().min(1 << 20)];
            let has = |s: &[u8]| memchr::memmem::find(head, s).is_some();
            if has(b"\"nbformat\"") && (has(b"\"cells\"") || has(b"\"worksheets\"")) {
                NotebookKind::JsonNotebook
            } else {
                NotebookKind::No
            }
        }
        _ => NotebookKind::No,
    }
}

/// What [`is_candidate`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotebookKind {
    /// Not a notebook: scan as text.
    No,
    /// An `.ipynb` file: read as a notebook, or warn and scan as text.
    Ipynb,
    /// A `.json` file shaped like a notebook: read as one if it parses, else text (no warning).
    JsonNotebook,
}

// Every field nbformat 3 and 4 define is named below, and any other is an error: a notebook with
// a field caulk would not read falls back to a plain-text scan (with a warning), so nothing in it
// goes unread. Fields that hold no text (counters, flags, images) are named to be skipped.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the `IgnoredAny` fields are named only so that they are known
struct Notebook<'a> {
    #[serde(borrow, default)]
    cells: Option<Vec<Cell<'a>>>,
    #[serde(borrow, default)]
    worksheets: Option<Vec<Worksheet<'a>>>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
    nbformat: Option<u32>,
    #[serde(default)]
    nbformat_minor: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Worksheet<'a> {
    #[serde(borrow, default)]
    cells: Vec<Cell<'a>>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the `IgnoredAny` fields are named only so that they are known
struct Cell<'a> {
    #[serde(default)]
    cell_type: String,
    #[serde(borrow, default)]
    source: Option<&'a RawValue>,
    /// nbformat 3 code cells keep their source here.
    #[serde(borrow, default)]
    input: Option<&'a RawValue>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow, default)]
    outputs: Option<Vec<Output<'a>>>,
    /// Files pasted into a markdown cell: name → MIME type → base64 data.
    #[serde(borrow, default)]
    attachments: Option<BTreeMap<String, BTreeMap<String, &'a RawValue>>>,
    #[serde(default)]
    id: Option<IgnoredAny>,
    #[serde(default)]
    execution_count: Option<IgnoredAny>,
    // nbformat 3
    #[serde(default)]
    language: Option<IgnoredAny>,
    #[serde(default)]
    prompt_number: Option<IgnoredAny>,
    #[serde(default)]
    collapsed: Option<IgnoredAny>,
    #[serde(default)]
    level: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the `IgnoredAny` fields are named only so that they are known
struct Output<'a> {
    #[serde(default)]
    output_type: String,
    #[serde(default)]
    name: Option<String>,
    /// `stream` text (nbformat 3: also `text/plain` of results).
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<BTreeMap<String, &'a RawValue>>,
    #[serde(borrow, default)]
    ename: Option<&'a RawValue>,
    #[serde(borrow, default)]
    evalue: Option<&'a RawValue>,
    #[serde(borrow, default)]
    traceback: Option<&'a RawValue>,
    #[serde(borrow, default)]
    metadata: Option<&'a RawValue>,
    /// Display bookkeeping (`display_id`); not saved by Jupyter, read as raw JSON if present.
    #[serde(borrow, default)]
    transient: Option<&'a RawValue>,
    #[serde(default)]
    execution_count: Option<IgnoredAny>,
    /// nbformat 3 keeps other representations at the top level of the output.
    #[serde(borrow, default)]
    html: Option<&'a RawValue>,
    #[serde(borrow, default)]
    latex: Option<&'a RawValue>,
    #[serde(borrow, default)]
    javascript: Option<&'a RawValue>,
    #[serde(borrow, default)]
    json: Option<&'a RawValue>,
    #[serde(borrow, default)]
    markdown: Option<&'a RawValue>,
    #[serde(borrow, default)]
    svg: Option<&'a RawValue>,
    /// nbformat 3's name of a stream.
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    prompt_number: Option<IgnoredAny>,
    #[serde(default)]
    png: Option<IgnoredAny>,
    #[serde(default)]
    jpeg: Option<IgnoredAny>,
    #[serde(default)]
    pdf: Option<IgnoredAny>,
}

/// Whether an output's representation is binary data (base64), never scanned as text.
fn is_binary_mime(mime: &str) -> bool {
    let m = mime.to_ascii_lowercase();
    m.starts_with("image/")
        || m.starts_with("video/")
        || m.starts_with("audio/")
        || m == "application/pdf"
}

/// Parses `file` as a notebook. `Err` says why it is not one, for the warning.
pub fn segments(file: &[u8]) -> Result<Vec<Segment>, String> {
    let text =
        std::str::from_utf8(file).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let nb: Notebook = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a valid notebook: {} at line {} column {}",
            json_reason(&e),
            e.line(),
            e.column()
        )
    })?;
    if nb.nbformat.is_none() || (nb.cells.is_none() && nb.worksheets.is_none()) {
        return Err("not shaped like a notebook (no `nbformat` and `cells`)".into());
    }
    let mut sheet_metadata = Vec::new();
    let cells: Vec<Cell> = match (nb.cells, nb.worksheets) {
        (Some(c), _) => c,
        (None, Some(ws)) => ws
            .into_iter()
            .flat_map(|w| {
                sheet_metadata.extend(w.metadata);
                w.cells
            })
            .collect(),
        (None, None) => Vec::new(),
    };
    let mut out = Vec::new();
    let mut add = |raw: Option<&RawValue>, info: NotebookInfo, join: Join| -> Result<(), String> {
        if let Some(raw) = raw {
            let mut b = Builder::new(matches!(join, Join::LinesAnsi));
            b.value(text, raw, join)?;
            if !b.text.is_empty() {
                out.push(Segment {
                    text: b.text,
                    runs: b.runs,
                    info,
                });
            }
        }
        Ok(())
    };
    let info = |cell: Option<usize>, cell_type: Option<&str>, field: &str| NotebookInfo {
        cell,
        cell_type: cell_type.map(str::to_string),
        output: None,
        output_type: None,
        field: field.to_string(),
    };
    add(nb.metadata, info(None, None, "metadata"), Join::Raw)?;
    for m in sheet_metadata {
        add(Some(m), info(None, None, "worksheet metadata"), Join::Raw)?;
    }
    for (ci, cell) in cells.iter().enumerate() {
        let ct = Some(cell.cell_type.as_str());
        add(
            cell.source.or(cell.input),
            info(Some(ci), ct, "source"),
            Join::Concat,
        )?;
        add(cell.metadata, info(Some(ci), ct, "metadata"), Join::Raw)?;
        for (oi, o) in cell.outputs.iter().flatten().enumerate() {
            let oinfo = |field: &str| NotebookInfo {
                output: Some(oi),
                output_type: Some(o.output_type.clone()),
                ..info(Some(ci), ct, field)
            };
            let text_field = o
                .name
                .as_deref()
                .or(o.stream.as_deref())
                .unwrap_or("text/plain");
            add(o.text, oinfo(text_field), Join::Concat)?;
            for (mime, raw) in o.data.iter().flatten() {
                if !is_binary_mime(mime) {
                    add(Some(*raw), oinfo(mime), Join::Concat)?;
                }
            }
            for (field, raw) in [
                ("text/html", o.html),
                ("text/latex", o.latex),
                ("application/javascript", o.javascript),
                ("application/json", o.json),
                ("text/markdown", o.markdown),
                ("image/svg+xml", o.svg),
            ] {
                add(raw, oinfo(field), Join::Concat)?;
            }
            add(o.ename, oinfo("ename"), Join::LinesAnsi)?;
            add(o.evalue, oinfo("evalue"), Join::LinesAnsi)?;
            add(o.traceback, oinfo("traceback"), Join::LinesAnsi)?;
            add(o.metadata, oinfo("metadata"), Join::Raw)?;
            add(o.transient, oinfo("transient"), Join::Raw)?;
        }
        for (name, by_mime) in cell.attachments.iter().flatten() {
            for (mime, raw) in by_mime {
                if !is_binary_mime(mime) {
                    let field = format!("attachment {name} ({mime})");
                    add(Some(*raw), info(Some(ci), ct, &field), Join::Concat)?;
                }
            }
        }
    }
    Ok(out)
}

/// The message of a serde_json error without its trailing position.
fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let s = match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    };
    // "unknown field `x`, expected one of …": say what it means for the scan.
    match s
        .strip_prefix("unknown field ")
        .and_then(|r| r.split(',').next())
    {
        Some(field) => {
            format!("unknown field {field} (caulk reads only nbformat's fields as a notebook)")
        }
        None => s,
    }
}

/// How a value's strings become one text.
#[derive(Clone, Copy)]
enum Join {
    /// A string, or a list of strings concatenated (nbformat's multiline strings).
    Concat,
    /// A list of lines joined with `\n`, ANSI escape codes removed (tracebacks).
    LinesAnsi,
    /// The JSON text itself, whatever it holds (metadata).
    Raw,
}

/// Accumulates decoded bytes and their file offsets.
struct Builder {
    text: Vec<u8>,
    runs: Vec<(usize, usize)>,
    strip_ansi: bool,
    ansi: Ansi,
}

/// Where the ANSI stripper stands.
#[derive(Clone, Copy, PartialEq)]
enum Ansi {
    Text,
    /// After ESC.
    Esc,
    /// Inside a CSI sequence (`ESC [ … final`).
    Csi,
}

impl Builder {
    fn new(strip_ansi: bool) -> Builder {
        Builder {
            text: Vec::new(),
            runs: Vec::new(),
            strip_ansi,
            ansi: Ansi::Text,
        }
    }

    /// Appends decoded byte `b`, which came from file byte `at`.
    fn push(&mut self, b: u8, at: usize) {
        if self.strip_ansi {
            match (self.ansi, b) {
                (Ansi::Text, 0x1b) => return self.ansi = Ansi::Esc,
                (Ansi::Text, _) => {}
                (Ansi::Esc, b'[') => return self.ansi = Ansi::Csi,
                (Ansi::Esc, _) => return self.ansi = Ansi::Text,
                (Ansi::Csi, 0x40..=0x7e) => return self.ansi = Ansi::Text,
                (Ansi::Csi, _) => return,
            }
        }
        let d = self.text.len();
        let continues = self
            .runs
            .last()
            .is_some_and(|&(d0, f0)| f0 + (d - d0) == at);
        if !continues {
            self.runs.push((d, at));
        }
        self.text.push(b);
    }

    /// Appends the text of `raw`, a slice of `file`.
    fn value(&mut self, file: &str, raw: &RawValue, join: Join) -> Result<(), String> {
        let s = raw.get();
        let at = s.as_ptr() as usize - file.as_ptr() as usize;
        match (join, s.as_bytes().first()) {
            (Join::Raw, _) => {
                for (i, &b) in s.as_bytes().iter().enumerate() {
                    self.push(b, at + i);
                }
            }
            (_, Some(b'"')) => self.string(s.as_bytes(), at),
            (_, Some(b'[')) => {
                let items: Vec<&RawValue> = serde_json::from_str(s).map_err(|e| e.to_string())?;
                for (i, item) in items.iter().enumerate() {
                    let item_at = item.get().as_ptr() as usize - file.as_ptr() as usize;
                    if i > 0 && matches!(join, Join::LinesAnsi) {
                        self.ansi = Ansi::Text;
                        self.push(b'\n', item_at);
                    }
                    match item.get().as_bytes().first() {
                        Some(b'"') => self.string(item.get().as_bytes(), item_at),
                        _ => self.value(file, item, Join::Raw)?,
                    }
                }
            }
            // An object or number where text was expected (application/json data): its JSON.
            _ => self.value(file, raw, Join::Raw)?,
        }
        Ok(())
    }

    /// Decodes the JSON string literal `lit` (quotes included) that starts at file byte `at`.
    fn string(&mut self, lit: &[u8], at: usize) {
        let end = lit.len() - 1;
        let mut i = 1;
        while i < end {
            if lit[i] != b'\\' {
                self.push(lit[i], at + i);
                i += 1;
                continue;
            }
            let simple = match lit[i + 1] {
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'u' => None,
                c => Some(c), // \" \\ \/
            };
            if let Some(b) = simple {
                self.push(b, at + i);
                i += 2;
                continue;
            }
            let hex = |j: usize| {
                std::str::from_utf8(&lit[j..j + 4])
                    .ok()
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
            };
            let hi = hex(i + 2).unwrap_or(0xfffd);
            let mut len = 6;
            let mut cp = hi;
            if (0xd800..0xdc00).contains(&hi)
                && lit.get(i + 6..i + 8) == Some(b"\\u")
                && let Some(lo) = hex(i + 8).filter(|lo| (0xdc00..0xe000).contains(lo))
            {
                cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                len = 12;
            }
            let c = char::from_u32(cp).unwrap_or('\u{fffd}');
            let mut buf = [0; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                self.push(b, at + i);
            }
            i += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg<'a>(segs: &'a [Segment], field: &str, cell: Option<usize>) -> &'a Segment {
        segs.iter()
            .find(|s| s.info.field == field && s.info.cell == cell)
            .unwrap()
    }

    #[test]
    fn decodes_escapes_and_maps_back_to_the_file() {
        let file = r#"{"cells": [{"cell_type": "code", "metadata": {}, "source": ["a = \"x\"\n", "b\u00e9\ud83d\ude00c"], "outputs": []}], "metadata": {}, "nbformat": 4}"#;
        let segs = segments(file.as_bytes()).unwrap();
        let s = seg(&segs, "source", Some(0));
        assert_eq!(String::from_utf8_lossy(&s.text), "a = \"x\"\nbé😀c");
        // every decoded byte points at the file byte (or escape) it came from
        let at = |needle: &str| file.find(needle).unwrap();
        assert_eq!(s.file_offset(0), at("a = "));
        assert_eq!(s.file_offset(4), at(r#"\"x"#));
        assert_eq!(s.file_offset(5), at(r#"x\""#));
        assert_eq!(s.file_offset(8), at(r#""b"#) + 1);
        assert_eq!(s.file_offset(9), at(r"\u00e9"));
        assert_eq!(s.file_offset(11), at(r"\ud83d"));
        assert_eq!(s.file_offset(15), at(r#"c"]"#));
    }

    #[test]
    fn tracebacks_lose_ansi_codes_and_join_lines() {
        let file = r#"{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "'x'", "traceback": ["\u001b[0;31mKeyError\u001b[0m  Traceback", "key=\u001b[1mVAL\u001b[0m"]}]}], "nbformat": 4}"#;
        let segs = segments(file.as_bytes()).unwrap();
        let tb = seg(&segs, "traceback", Some(0));
        assert_eq!(
            String::from_utf8_lossy(&tb.text),
            "KeyError  Traceback\nkey=VAL"
        );
        assert_eq!(tb.file_offset(tb.text.len() - 3), file.find("VAL").unwrap());
        assert_eq!(tb.info.output, Some(0));
        assert_eq!(tb.info.output_type.as_deref(), Some("error"));
    }

    #[test]
    fn images_are_skipped_and_json_data_is_scanned_raw() {
        let file = r#"{"cells": [{"cell_type": "code", "source": [], "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=", "application/json": {"k": "v"}, "text/plain": ["<Figure>"]}}]}], "nbformat": 4, "metadata": {"colab": {"name": "x"}}}"#;
        let segs = segments(file.as_bytes()).unwrap();
        let fields: Vec<&str> = segs.iter().map(|s| s.info.field.as_str()).collect();
        assert_eq!(
            fields,
            ["metadata", "application/json", "text/plain", "metadata"]
        );
        assert_eq!(
            seg(&segs, "application/json", Some(0)).text,
            br#"{"k": "v"}"#
        );
    }

    #[test]
    fn nbformat3_worksheets_are_read() {
        let file = r#"{"worksheets": [{"cells": [{"cell_type": "code", "input": ["x = 1\n"], "outputs": [{"output_type": "pyout", "text": ["1"], "html": ["<b>1</b>"]}]}]}], "metadata": {}, "nbformat": 3}"#;
        let segs = segments(file.as_bytes()).unwrap();
        let fields: Vec<&str> = segs.iter().map(|s| s.info.field.as_str()).collect();
        assert_eq!(fields, ["metadata", "source", "text/plain", "text/html"]);
    }

    #[test]
    fn text_attachments_and_worksheet_metadata_are_read() {
        let file = r#"{"cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["see"], "attachments": {"notes.txt": {"text/plain": ["TOKEN=abc\n"]}, "img.png": {"image/png": "iVBORw0KGgo="}}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
        let segs = segments(file.as_bytes()).unwrap();
        let fields: Vec<&str> = segs.iter().map(|s| s.info.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "metadata",
                "source",
                "metadata",
                "attachment notes.txt (text/plain)"
            ]
        );
        assert_eq!(segs[3].text, b"TOKEN=abc\n");
        let v3 = r#"{"worksheets": [{"cells": [], "metadata": {"k": "v"}}], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}"#;
        let segs = segments(v3.as_bytes()).unwrap();
        assert_eq!(segs[1].info.field, "worksheet metadata");
    }

    #[test]
    fn not_notebooks_say_why() {
        let cases = [
            (
                &b"{\"cells\": [,]}"[..],
                "not a valid notebook: expected value at line 1 column 12",
            ),
            (b"{\"nbformat\": 4}", "not shaped like a notebook"),
            // a field caulk would not read: the whole file is scanned as text instead
            (
                b"{\"cells\": [], \"nbformat\": 4, \"extra\": \"x\"}",
                "not a valid notebook: unknown field `extra`",
            ),
            (
                b"{\"cells\": [{\"cell_type\": \"code\", \"sauce\": []}], \"nbformat\": 4}",
                "not a valid notebook: unknown field `sauce`",
            ),
            (b"\xff\xfe{}", "not UTF-8 at byte 0"),
            (b"[1, 2]", "not a valid notebook: invalid type"),
        ];
        for (file, want) in cases {
            let err = segments(file).unwrap_err();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
