//! Jupyter notebooks read as notebooks: the source reads the `.ipynb` JSON with `serde_json` and
//! hands the engine decoded text — each cell's source, each output's text, HTML, JSON, SVG and
//! traceback (ANSI codes removed), and the notebook and cell metadata — instead of JSON-escaped
//! fragments. Binary payloads (base64 images, PDFs, audio, video) are not text: they are skipped
//! and counted; anything else under a binary MIME type (SVG, or text that is not base64 of a
//! known binary format) is scanned.
//!
//! Nothing is dropped: a JSON object whose keys are MIME types or attachment names is read entry
//! by entry in file order, so a duplicated key keeps every copy (serde's maps keep only the last);
//! a field nbformat does not define, in the notebook, a worksheet, a cell or an output, is
//! scanned in place as raw JSON (Jupyter keeps such fields and opens the notebook); a duplicated
//! field is an error, and the file is then scanned as plain text.
//!
//! Memory stays proportional to the file: cells are read one at a time and each segment is handed
//! to the caller as soon as it is decoded, then dropped. Each segment keeps a small map from its
//! decoded bytes back to bytes of the file, so a finding names the line and column *in the
//! .ipynb* (where editors, SARIF viewers and annotations land) as well as the cell and output. The
//! map holds an anchor where each value starts and every 4 KiB of decoded text; the file
//! offset of a byte between two anchors is found by decoding the JSON again from the anchor
//! before it, which is done only for the bytes a finding names.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// Decoded bytes between two anchors of a segment's offset map: finding a file offset decodes at
/// most this much JSON again. (Small in unit tests, so that they cross many anchors.)
#[cfg(not(test))]
const CHECKPOINT: usize = 4096;
#[cfg(test)]
const CHECKPOINT: usize = 64;

/// Decoded text of one part of a notebook, with its way back to the file.
#[derive(Debug)]
pub struct Segment<'a> {
    /// The decoded text the engine scans.
    pub text: Vec<u8>,
    /// Where decoding can restart, sorted by decoded offset.
    anchors: Vec<Anchor>,
    /// The whole file, decoded again from an anchor to find an offset.
    file: &'a [u8],
    /// Where in the notebook this text stands.
    pub place: Place<'a>,
}

/// Where in the notebook a segment stands, borrowed from the cell being read; the owned
/// `finding::NotebookInfo` is made from it only for a finding.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    /// 0-based cell index; `None` for the notebook's (or a worksheet's) metadata.
    pub cell: Option<usize>,
    /// The cell's type.
    pub cell_type: Option<&'a str>,
    /// 0-based output index; `None` outside outputs.
    pub output: Option<usize>,
    /// The output's type.
    pub output_type: Option<&'a str>,
    /// The part: `source`, `metadata`, a stream name, a MIME type, …
    pub field: Cow<'a, str>,
}

/// A place where the map from decoded bytes to file bytes is known.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    /// Decoded offset.
    d: usize,
    /// File offset of the decoded byte `d`.
    f: usize,
    mode: Mode,
}

/// How the bytes after an anchor came from the file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Copied as they are: decoded byte `d` is file byte `f + d - anchor.d`.
    Raw,
    /// Decoded from a JSON string literal's contents; `f` is at an escape or character boundary.
    Str {
        /// The string is an item of a list whose later string items follow it.
        list: bool,
        /// Items are joined with `\n` and ANSI codes removed; the stripper's state at the anchor.
        lines: Option<Ansi>,
    },
}

impl Segment<'_> {
    /// The file offset of decoded byte `d` (of an escape: where the escape starts).
    pub fn file_offset(&self, d: usize) -> usize {
        let i = self.anchors.partition_point(|a| a.d <= d).max(1) - 1;
        let Some(&a) = self.anchors.get(i) else {
            return 0;
        };
        match a.mode {
            Mode::Raw => a.f + d.saturating_sub(a.d),
            Mode::Str { list, lines } => redecode(self.file, a, d, list, lines),
        }
    }
}

/// Decodes the JSON string contents of `file` from anchor `a` until decoded byte `d`; returns the
/// file offset it came from. Runs on across the string items of a list (`list`), where lists of
/// lines are joined with `\n` (`lines`, with the ANSI stripper's state).
fn redecode(file: &[u8], a: Anchor, d: usize, list: bool, lines: Option<Ansi>) -> usize {
    let (mut dd, mut i) = (a.d, a.f);
    let mut ansi = lines.unwrap_or(Ansi::Text);
    while i < file.len() {
        if file[i] == b'"' {
            // The end of a string: on to the next string item of the list, if any.
            if !list {
                return i;
            }
            let mut j = i + 1;
            while j < file.len() && file[j].is_ascii_whitespace() {
                j += 1;
            }
            if file.get(j) != Some(&b',') {
                return i;
            }
            j += 1;
            while j < file.len() && file[j].is_ascii_whitespace() {
                j += 1;
            }
            if file.get(j) != Some(&b'"') {
                return j; // not a string: an anchor stands there
            }
            if lines.is_some() {
                ansi = Ansi::Text;
                if dd == d {
                    return j;
                }
                dd += 1;
            }
            i = j + 1;
            continue;
        }
        let (buf, n, len) = token(file, i);
        for &b in &buf[..n] {
            if lines.is_none() || ansi.keep(b) {
                if dd == d {
                    return i;
                }
                dd += 1;
            }
        }
        i += len;
    }
    file.len().saturating_sub(1)
}

/// One token of a JSON string's contents at `lit[i]` (a byte, or an escape): the bytes it
/// decodes to (`buf[..n]`) and its length in the file.
fn token(lit: &[u8], i: usize) -> ([u8; 4], usize, usize) {
    let mut buf = [0; 4];
    if lit[i] != b'\\' || i + 1 >= lit.len() {
        buf[0] = lit[i];
        return (buf, 1, 1);
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
        buf[0] = b;
        return (buf, 1, 2);
    }
    let hex = |j: usize| {
        lit.get(j..j + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
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
    let n = c.encode_utf8(&mut buf).len();
    (buf, n, len.min(lit.len() - i))
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

/// What reading a notebook counted, besides the segments it handed over.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Read {
    /// Binary payloads (base64 images, PDFs, audio, video) in outputs and attachments: skipped.
    pub binary_payloads: u64,
}

// Every field nbformat 3 and 4 define is named below, and any other is an error: a notebook with
// a field caulk would not read falls back to a plain-text scan (with a warning), so nothing in it
// goes unread. Fields that hold no text (counters, flags) are named to be skipped. serde's derive
// rejects a duplicated field ("duplicate field"), which falls back to text too.

/// Field names of the notebook's top level.
const TOP: &[&str] = &[
    "cells",
    "worksheets",
    "metadata",
    "nbformat",
    "nbformat_minor",
];
/// Field names of an nbformat 3 worksheet.
const SHEET: &[&str] = &["cells", "metadata"];

/// A cell. Fields nbformat does not define (nbdev's `idx_`, an extension's) are kept as raw
/// JSON in `extra` and scanned in place, as Jupyter keeps them: they are no reason to read a
/// notebook Jupyter opens as plain text.
#[derive(Default)]
struct Cell<'a> {
    cell_type: Cow<'a, str>,
    source: Option<&'a RawValue>,
    /// nbformat 3 code cells keep their source here.
    input: Option<&'a RawValue>,
    metadata: Option<&'a RawValue>,
    /// Read one at a time after the cell ([`Output`] is larger than most outputs' JSON).
    outputs: Option<Vec<&'a RawValue>>,
    /// Files pasted into a markdown cell: name → MIME type → base64 data (or text).
    attachments: Option<Entries<'a, Entries<'a, &'a RawValue>>>,
    extra: Vec<(Key<'a>, &'a RawValue)>,
}

/// Fields of a cell that hold nothing to scan (ids, counters, nbformat 3's layout).
const CELL_QUIET: &[&str] = &[
    "id",
    "execution_count",
    "language",
    "prompt_number",
    "collapsed",
    "level",
];

impl<'de> Fields<'de> for Cell<'de> {
    const WHAT: &'static str = "a cell";
    const READ: &'static [&'static str] = CELL_READ;

    fn field<A: MapAccess<'de>>(&mut self, key: Key<'de>, map: &mut A) -> Result<(), A::Error> {
        match key.0.as_ref() {
            "cell_type" => self.cell_type = map.next_value()?,
            "source" => self.source = map.next_value()?,
            "input" => self.input = map.next_value()?,
            "metadata" => self.metadata = map.next_value()?,
            "outputs" => self.outputs = map.next_value()?,
            "attachments" => self.attachments = map.next_value()?,
            k if CELL_QUIET.contains(&k) => {
                map.next_value::<IgnoredAny>()?;
            }
            _ => self.extra.push((key, map.next_value()?)),
        }
        Ok(())
    }
}

/// An output. Fields nbformat does not define are kept in `extra` and scanned in place.
#[derive(Default)]
struct Output<'a> {
    output_type: Cow<'a, str>,
    name: Option<Cow<'a, str>>,
    /// `stream` text (nbformat 3: also `text/plain` of results).
    text: Option<&'a RawValue>,
    /// MIME type → representation, every entry kept in file order.
    data: Option<Entries<'a, &'a RawValue>>,
    ename: Option<&'a RawValue>,
    evalue: Option<&'a RawValue>,
    traceback: Option<&'a RawValue>,
    metadata: Option<&'a RawValue>,
    /// Display bookkeeping (`display_id`); not saved by Jupyter, read as raw JSON if present.
    transient: Option<&'a RawValue>,
    /// nbformat 3 keeps other representations at the top level of the output, by these names
    /// (`html`, `png`, …): each with its MIME type, in file order.
    v3: Vec<(&'static str, &'a RawValue)>,
    /// nbformat 3's name of a stream.
    stream: Option<Cow<'a, str>>,
    extra: Vec<(Key<'a>, &'a RawValue)>,
}

/// nbformat 3's top-level representations of an output, with their MIME types.
const OUTPUT_V3: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("latex", "text/latex"),
    ("javascript", "application/javascript"),
    ("json", "application/json"),
    ("markdown", "text/markdown"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpeg", "image/jpeg"),
    ("pdf", "application/pdf"),
];

impl<'de> Fields<'de> for Output<'de> {
    const WHAT: &'static str = "an output";
    const READ: &'static [&'static str] = OUTPUT_READ;

    fn field<A: MapAccess<'de>>(&mut self, key: Key<'de>, map: &mut A) -> Result<(), A::Error> {
        match key.0.as_ref() {
            "output_type" => self.output_type = map.next_value()?,
            "name" => self.name = map.next_value()?,
            "text" => self.text = map.next_value()?,
            "data" => self.data = map.next_value()?,
            "ename" => self.ename = map.next_value()?,
            "evalue" => self.evalue = map.next_value()?,
            "traceback" => self.traceback = map.next_value()?,
            "metadata" => self.metadata = map.next_value()?,
            "transient" => self.transient = map.next_value()?,
            "stream" => self.stream = map.next_value()?,
            "execution_count" | "prompt_number" => {
                map.next_value::<IgnoredAny>()?;
            }
            k => match OUTPUT_V3.iter().find(|(name, _)| *name == k) {
                Some((_, mime)) => self.v3.push((mime, map.next_value()?)),
                None => self.extra.push((key, map.next_value()?)),
            },
        }
        Ok(())
    }
}

/// An object of the notebook read field by field: known fields into their slots, the rest kept
/// raw (each type's [`Fields::field`]), a read field given twice refused.
trait Fields<'de>: Default {
    /// What the object is, for serde's messages.
    const WHAT: &'static str;
    /// The fields whose value is read (a second copy would replace the first unscanned).
    const READ: &'static [&'static str];
    /// Reads the value of field `key`.
    fn field<A: MapAccess<'de>>(&mut self, key: Key<'de>, map: &mut A) -> Result<(), A::Error>;
}

/// Deserializes any [`Fields`] type.
struct FieldsVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Fields<'de>> Visitor<'de> for FieldsVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::WHAT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        let mut seen = Seen::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            seen.first(T::READ, key.0.as_ref())?;
            out.field(key, &mut map)?;
        }
        Ok(out)
    }
}

impl<'de> Deserialize<'de> for Cell<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FieldsVisitor(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Output<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FieldsVisitor(std::marker::PhantomData))
    }
}

/// Fields of a cell whose value is read (a second copy would replace the first unscanned).
const CELL_READ: &[&str] = &[
    "cell_type",
    "source",
    "input",
    "metadata",
    "outputs",
    "attachments",
];

/// Fields of an output whose value is read.
const OUTPUT_READ: &[&str] = &[
    "output_type",
    "name",
    "text",
    "data",
    "ename",
    "evalue",
    "traceback",
    "metadata",
    "transient",
    "stream",
    "html",
    "latex",
    "javascript",
    "json",
    "markdown",
    "svg",
    "png",
    "jpeg",
    "pdf",
];

/// Which of an object's read fields were seen: one given twice is an error (serde would keep
/// the last copy and drop the first unscanned). Fields kept raw in `extra` may repeat: every
/// copy is scanned.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// Notes `k`, one of `read` or not; fails when it was seen before.
    fn first<E: de::Error>(&mut self, read: &'static [&'static str], k: &str) -> Result<(), E> {
        let Some(i) = read.iter().position(|f| *f == k) else {
            return Ok(());
        };
        if self.0 & 1 << i != 0 {
            return Err(E::duplicate_field(read[i]));
        }
        self.0 |= 1 << i;
        Ok(())
    }
}

/// An object key, borrowed from the file when it holds no escape.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// A JSON object's entries in file order, a duplicated key kept every time it occurs.
struct Entries<'a, V>(Vec<(Key<'a>, V)>);

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for Entries<'a, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<'a, V>(std::marker::PhantomData<(&'a (), V)>);
        impl<'de: 'a, 'a, V: Deserialize<'de>> Visitor<'de> for Vis<'a, V> {
            type Value = Entries<'a, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = map.next_key::<Key<'a>>()? {
                    v.push((k, map.next_value()?));
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

/// Whether an output's representation may be binary data (base64), skipped when it is.
fn is_binary_mime(mime: &str) -> bool {
    let m = mime.to_ascii_lowercase();
    m.starts_with("image/")
        || m.starts_with("video/")
        || m.starts_with("audio/")
        || m == "application/pdf"
}

/// Whether a JSON value — a string, or a list of strings (nbformat's multiline form), as it stands
/// in the file — decodes to base64 (standard alphabet, padded; whitespace and line breaks allowed,
/// as older notebooks wrap it) of a binary media file: an image, PDF, audio or video whose first
/// bytes are its format's signature. Anything else — SVG, text, a key that happens to be base64 —
/// is scanned. Judged on the raw JSON, so a megabyte image is looked at once and never decoded.
pub fn is_binary_payload(raw: &[u8]) -> bool {
    /// What a byte of the raw JSON is: part of the base64, a separator, padding, or an escape.
    #[derive(Clone, Copy, PartialEq)]
    enum Class {
        Invalid,
        Base64,
        Skip,
        Pad,
        Escape,
    }
    /// A base64 character, branch-free so that a 64-byte block is checked in a few vector steps.
    const fn b64(b: u8) -> bool {
        ((b | 0x20).wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'0') < 10)
            | (b == b'+')
            | (b == b'/')
    }
    static CLASS: [Class; 256] = {
        let mut t = [Class::Invalid; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            t[b] = match c {
                _ if b64(c) => Class::Base64,
                b' ' | b'\n' | b'\r' | b'\t' | b'"' | b'[' | b']' | b',' => Class::Skip,
                b'=' => Class::Pad,
                b'\\' => Class::Escape,
                _ => Class::Invalid,
            };
            b += 1;
        }
        t
    };
    let (mut n, mut pad) = (0usize, 0usize);
    let mut head = [0u8; 24];
    let mut hn = 0;
    let mut i = 0;
    while i < raw.len() {
        // The bulk of a payload: whole blocks of base64 characters, after the head is read.
        if hn == head.len() && pad == 0 {
            while let Some(block) = raw.get(i..i + 64)
                && block.iter().fold(true, |ok, &b| ok & b64(b))
            {
                n += 64;
                i += 64;
            }
            if i >= raw.len() {
                break;
            }
        }
        let mut c = raw[i];
        i += 1;
        match CLASS[usize::from(c)] {
            Class::Skip => continue,
            Class::Invalid => return false,
            Class::Escape => {
                // `\n`, `\r`, `\t` break lines; `\/` is a slash; anything else is not base64.
                match raw.get(i) {
                    Some(b'n' | b'r' | b't') => {
                        i += 1;
                        continue;
                    }
                    Some(b'/') => {
                        i += 1;
                        c = b'/';
                    }
                    _ => return false,
                }
            }
            Class::Pad => {
                pad += 1;
                n += 1;
                continue;
            }
            Class::Base64 => {}
        }
        if pad > 0 {
            return false; // data after padding
        }
        if hn < head.len() {
            head[hn] = c;
            hn += 1;
        }
        n += 1;
    }
    if n == 0 || n % 4 != 0 || pad > 2 {
        return false;
    }
    let mut bytes = Vec::with_capacity(18);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in &head[..hn] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            _ => 63,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    is_media_signature(&bytes)
}

/// Whether `b` starts with the signature of a binary image, PDF, audio or video format.
fn is_media_signature(b: &[u8]) -> bool {
    const STARTS: &[&[u8]] = &[
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff", // JPEG
        b"GIF87a",
        b"GIF89a",
        b"II*\x00", // TIFF
        b"MM\x00*",
        b"\x00\x00\x01\x00", // ICO
        b"%PDF-",
        b"\x1aE\xdf\xa3", // Matroska, WebM
        b"OggS",
        b"ID3", // MP3
        b"fLaC",
        b"\x00\x00\x00\x0cjP  ", // JPEG 2000
    ];
    STARTS.iter().any(|s| b.starts_with(s))
        || (b.starts_with(b"RIFF") && matches!(b.get(8..12), Some(b"WEBP" | b"WAVE" | b"AVI ")))
        || b.get(4..8) == Some(b"ftyp") // MP4, MOV, HEIC, AVIF
}

/// Reads `file` as a notebook, handing each decoded segment to `sink` as soon as it is read (and
/// dropping it after). `Err` says why it is not a notebook, for the warning; segments handed over
/// before an error came from a file that is not a notebook after all, and the caller discards
/// what it made of them.
pub fn for_each_segment(file: &[u8], sink: &mut dyn FnMut(&Segment<'_>)) -> Result<Read, String> {
    let text =
        std::str::from_utf8(file).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let mut em = Emitter {
        file: text,
        sink,
        cells: 0,
        read: Read::default(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let shape = de
        .deserialize_map(Top(&mut em))
        .and_then(|shape| de.end().map(|()| shape))
        .map_err(|e| {
            format!(
                "not a valid notebook: {} at line {} column {}",
                json_reason(&e),
                e.line(),
                e.column()
            )
        })?;
    if !shape.nbformat || !shape.cells {
        return Err("not shaped like a notebook (no `nbformat` and `cells`)".into());
    }
    Ok(em.read)
}

/// Hands the segments of a notebook being read to the caller.
struct Emitter<'a, 's> {
    file: &'a str,
    sink: &'s mut dyn FnMut(&Segment<'_>),
    /// Cells read so far (the next cell's index, counted across nbformat 3 worksheets).
    cells: usize,
    read: Read,
}

impl<'a> Emitter<'a, '_> {
    /// Decodes `raw` and hands it over, unless it is empty.
    fn add(
        &mut self,
        raw: Option<&'a RawValue>,
        place: Place<'_>,
        join: Join,
    ) -> Result<(), String> {
        let Some(raw) = raw else { return Ok(()) };
        let b = Builder::build(self.file, raw, join)?;
        self.emit(b, place);
        Ok(())
    }

    /// Like [`Emitter::add`] for a representation of MIME type `mime`: a binary payload is
    /// counted, not handed over.
    fn media(
        &mut self,
        raw: Option<&'a RawValue>,
        place: Place<'_>,
        mime: &str,
    ) -> Result<(), String> {
        let Some(raw) = raw else { return Ok(()) };
        if is_binary_mime(mime) && is_binary_payload(raw.get().as_bytes()) {
            self.read.binary_payloads += 1;
            return Ok(());
        }
        let b = Builder::build(self.file, raw, Join::Concat)?;
        self.emit(b, place);
        Ok(())
    }

    fn emit(&mut self, b: Builder, place: Place<'_>) {
        if !b.text.is_empty() {
            (self.sink)(&Segment {
                text: b.text,
                anchors: b.anchors,
                file: self.file.as_bytes(),
                place,
            });
        }
    }

    /// Hands over the segments of one cell.
    fn cell(&mut self, cell: Cell<'a>) -> Result<(), String> {
        let ci = self.cells;
        self.cells += 1;
        let ct = cell.cell_type.as_ref();
        fn at<'p>(ci: usize, ct: &'p str, field: impl Into<Cow<'p, str>>) -> Place<'p> {
            Place {
                cell: Some(ci),
                cell_type: Some(ct),
                output: None,
                output_type: None,
                field: field.into(),
            }
        }
        fn oat<'p>(ci: usize, ct: &'p str, oi: usize, o: &'p Output, field: &'p str) -> Place<'p> {
            Place {
                output: Some(oi),
                output_type: Some(o.output_type.as_ref()),
                ..at(ci, ct, field)
            }
        }
        self.add(
            cell.source.or(cell.input),
            at(ci, ct, "source"),
            Join::Concat,
        )?;
        self.add(cell.metadata, at(ci, ct, "metadata"), Join::Raw)?;
        for (oi, raw) in cell.outputs.iter().flatten().enumerate() {
            let o: Output<'a> = serde_json::from_str(raw.get())
                .map_err(|e| format!("output {}: {}", oi + 1, without_position(&e)))?;
            let o = &o;
            let oat = |field| oat(ci, ct, oi, o, field);
            let text_field = o
                .name
                .as_deref()
                .or(o.stream.as_deref())
                .unwrap_or("text/plain");
            self.add(o.text, oat(text_field), Join::Concat)?;
            for (mime, raw) in o.data.iter().flat_map(|d| &d.0) {
                let mime = mime.0.as_ref();
                self.media(Some(*raw), oat(mime), mime)?;
            }
            for &(mime, raw) in &o.v3 {
                self.media(Some(raw), oat(mime), mime)?;
            }
            self.add(o.ename, oat("ename"), Join::LinesAnsi)?;
            self.add(o.evalue, oat("evalue"), Join::LinesAnsi)?;
            self.add(o.traceback, oat("traceback"), Join::LinesAnsi)?;
            self.add(o.metadata, oat("metadata"), Join::Raw)?;
            self.add(o.transient, oat("transient"), Join::Raw)?;
            for (key, raw) in &o.extra {
                self.add(Some(*raw), oat(key.0.as_ref()), Join::Raw)?;
            }
        }
        for (key, raw) in &cell.extra {
            self.add(Some(*raw), at(ci, ct, key.0.as_ref()), Join::Raw)?;
        }
        for (name, by_mime) in cell.attachments.iter().flat_map(|a| &a.0) {
            for (mime, raw) in &by_mime.0 {
                let (name, mime) = (name.0.as_ref(), mime.0.as_ref());
                let field = format!("attachment {name} ({mime})");
                self.media(Some(*raw), at(ci, ct, field), mime)?;
            }
        }
        Ok(())
    }
}

/// What a notebook's top level held.
struct Shape {
    nbformat: bool,
    cells: bool,
}

/// Reads the top level of a notebook, its cells one at a time.
struct Top<'e, 'a, 's>(&'e mut Emitter<'a, 's>);

impl<'de> Visitor<'de> for Top<'_, 'de, '_> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a notebook")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut seen = [false; 5];
        let mut shape = Shape {
            nbformat: false,
            cells: false,
        };
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let k = key.0.as_ref();
            let Some(i) = TOP.iter().position(|f| *f == k) else {
                // A field nbformat does not define: scanned in place, as raw JSON.
                let v: &'de RawValue = map.next_value()?;
                let place = Place {
                    cell: None,
                    cell_type: None,
                    output: None,
                    output_type: None,
                    field: key.0.clone(),
                };
                self.0
                    .add(Some(v), place, Join::Raw)
                    .map_err(de::Error::custom)?;
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::duplicate_field(TOP[i]));
            }
            match TOP[i] {
                "cells" => {
                    map.next_value_seed(Cells(self.0))?;
                    shape.cells = true;
                }
                "worksheets" => {
                    map.next_value_seed(Worksheets(self.0))?;
                    shape.cells = true;
                }
                "metadata" => {
                    let m: Option<&'de RawValue> = map.next_value()?;
                    let place = Place {
                        cell: None,
                        cell_type: None,
                        output: None,
                        output_type: None,
                        field: "metadata".into(),
                    };
                    self.0.add(m, place, Join::Raw).map_err(de::Error::custom)?;
                }
                "nbformat" => shape.nbformat = map.next_value::<Option<u32>>()?.is_some(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(shape)
    }
}

/// Reads a list of cells, handing each over as soon as it is read.
struct Cells<'e, 'a, 's>(&'e mut Emitter<'a, 's>);

impl<'de> DeserializeSeed<'de> for Cells<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Cells<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of cells")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(cell) = seq.next_element::<Cell<'de>>()? {
            self.0.cell(cell).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

/// Reads nbformat 3's list of worksheets.
struct Worksheets<'e, 'a, 's>(&'e mut Emitter<'a, 's>);

impl<'de> DeserializeSeed<'de> for Worksheets<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Worksheets<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of worksheets")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Worksheet(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// Reads one nbformat 3 worksheet.
struct Worksheet<'e, 'a, 's>(&'e mut Emitter<'a, 's>);

impl<'de> DeserializeSeed<'de> for Worksheet<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Worksheet<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a worksheet")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = [false; 2];
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let k = key.0.as_ref();
            let Some(i) = SHEET.iter().position(|f| *f == k) else {
                let v: &'de RawValue = map.next_value()?;
                let place = Place {
                    cell: None,
                    cell_type: None,
                    output: None,
                    output_type: None,
                    field: format!("worksheet {k}").into(),
                };
                self.0
                    .add(Some(v), place, Join::Raw)
                    .map_err(de::Error::custom)?;
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::duplicate_field(SHEET[i]));
            }
            if i == 0 {
                map.next_value_seed(Cells(&mut *self.0))?;
            } else {
                let m: Option<&'de RawValue> = map.next_value()?;
                let place = Place {
                    cell: None,
                    cell_type: None,
                    output: None,
                    output_type: None,
                    field: "worksheet metadata".into(),
                };
                self.0.add(m, place, Join::Raw).map_err(de::Error::custom)?;
            }
        }
        Ok(())
    }
}

/// The message of a serde_json error without its trailing position.
fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The message of a serde_json error without its trailing position, said for the scan.
fn json_reason(e: &serde_json::Error) -> String {
    let s = without_position(e);
    // "unknown field `x`, expected one of …": say what it means for the scan.
    match s.find("unknown field ") {
        Some(i) => {
            let (before, after) = s.split_at(i + "unknown field ".len());
            let field = after.split(',').next().unwrap_or(after);
            format!("{before}{field} (caulk reads only nbformat's fields as a notebook)")
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

/// Accumulates decoded bytes and the anchors that map them back to the file.
struct Builder {
    text: Vec<u8>,
    anchors: Vec<Anchor>,
    /// Join lines with `\n` and strip ANSI codes.
    lines: bool,
    ansi: Ansi,
    /// The next string item must start with an anchor (it does not follow a string item).
    fresh: bool,
}

/// Where the ANSI stripper stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ansi {
    Text,
    /// After ESC.
    Esc,
    /// Inside a CSI sequence (`ESC [ … final`).
    Csi,
}

impl Ansi {
    /// Steps the stripper over `b`; whether `b` is kept.
    fn keep(&mut self, b: u8) -> bool {
        match (*self, b) {
            (Ansi::Text, 0x1b) => *self = Ansi::Esc,
            (Ansi::Text, _) => return true,
            (Ansi::Esc, b'[') => *self = Ansi::Csi,
            (Ansi::Esc, _) | (Ansi::Csi, 0x40..=0x7e) => *self = Ansi::Text,
            (Ansi::Csi, _) => {}
        }
        false
    }
}

impl Builder {
    /// Decodes `raw`, a slice of `file`, joined as `join` says.
    fn build(file: &str, raw: &RawValue, join: Join) -> Result<Builder, String> {
        let mut b = Builder {
            text: Vec::new(),
            anchors: Vec::new(),
            lines: matches!(join, Join::LinesAnsi),
            ansi: Ansi::Text,
            fresh: true,
        };
        b.value(file, raw, join)?;
        Ok(b)
    }

    fn anchor(&mut self, f: usize, mode: Mode) {
        self.anchors.push(Anchor {
            d: self.text.len(),
            f,
            mode,
        });
    }

    /// Appends the text of `raw`, a slice of `file`.
    fn value(&mut self, file: &str, raw: &RawValue, join: Join) -> Result<(), String> {
        let s = raw.get();
        let at = s.as_ptr() as usize - file.as_ptr() as usize;
        match (join, s.as_bytes().first()) {
            (Join::Raw, _) => self.raw(s.as_bytes(), at),
            (_, Some(b'"')) => self.string(s.as_bytes(), at, false),
            (_, Some(b'[')) => {
                // Items one at a time: a list of a million lines is never held as a list.
                let mut de = serde_json::Deserializer::from_str(s);
                de.deserialize_seq(Items {
                    b: self,
                    file,
                    first: true,
                })
                .and_then(|()| de.end())
                .map_err(|e| e.to_string())?;
            }
            // An object or number where text was expected (application/json data): its JSON.
            _ => self.raw(s.as_bytes(), at),
        }
        Ok(())
    }

    /// Appends raw JSON text `s` that starts at file byte `at`.
    fn raw(&mut self, s: &[u8], at: usize) {
        self.anchor(at, Mode::Raw);
        self.text.extend_from_slice(s);
        self.fresh = true;
    }

    /// Appends the decoded JSON string literal `lit` (quotes included) that starts at file byte
    /// `at`; `list`: it is an item of a list.
    fn string(&mut self, lit: &[u8], at: usize, list: bool) {
        let mode = |ansi: Ansi, lines: bool| Mode::Str {
            list,
            lines: lines.then_some(ansi),
        };
        if self.fresh {
            self.anchor(at + 1, mode(self.ansi, self.lines));
            self.fresh = false;
        }
        let mut last = self.anchors.last().map_or(0, |a| a.d);
        // A string decodes to at most its own length: one long string is never grown by doubling.
        self.text.reserve(lit.len());
        let end = lit.len() - 1;
        let mut i = 1;
        while i < end {
            if self.text.len() >= last + CHECKPOINT {
                self.anchor(at + i, mode(self.ansi, self.lines));
                last = self.text.len();
            }
            let (buf, n, len) = token(lit, i);
            for &b in &buf[..n] {
                if !self.lines || self.ansi.keep(b) {
                    self.text.push(b);
                }
            }
            i += len;
        }
        if !list {
            self.fresh = true;
        }
    }
}

/// Appends the items of a list to a [`Builder`] as they are read.
struct Items<'b, 'f> {
    b: &'b mut Builder,
    file: &'f str,
    first: bool,
}

impl<'de> Visitor<'de> for Items<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            let s = item.get();
            let at = s.as_ptr() as usize - self.file.as_ptr() as usize;
            let b = &mut *self.b;
            if !self.first && b.lines {
                // The joining newline stands for the item's first byte.
                b.ansi = Ansi::Text;
                if b.fresh || !s.starts_with('"') {
                    b.anchor(at, Mode::Raw);
                    b.fresh = true;
                }
                b.text.push(b'\n');
            }
            self.first = false;
            match s.as_bytes().first() {
                Some(b'"') => b.string(s.as_bytes(), at, true),
                _ => b.raw(s.as_bytes(), at),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::NotebookInfo;

    /// A segment as the tests look at it: its text, place, and the file offset of every byte.
    struct Seg {
        text: Vec<u8>,
        info: NotebookInfo,
        offsets: Vec<usize>,
    }

    impl Seg {
        fn file_offset(&self, d: usize) -> usize {
            self.offsets[d]
        }
    }

    fn read(file: &str) -> Result<(Vec<Seg>, Read), String> {
        let mut segs = Vec::new();
        let read = for_each_segment(file.as_bytes(), &mut |s| {
            segs.push(Seg {
                text: s.text.clone(),
                info: NotebookInfo::from(&s.place),
                offsets: (0..s.text.len()).map(|d| s.file_offset(d)).collect(),
            })
        })?;
        Ok((segs, read))
    }

    fn segments(file: &str) -> Result<Vec<Seg>, String> {
        read(file).map(|(s, _)| s)
    }

    fn seg<'a>(segs: &'a [Seg], field: &str, cell: Option<usize>) -> &'a Seg {
        segs.iter()
            .find(|s| s.info.field == field && s.info.cell == cell)
            .unwrap()
    }

    fn fields(segs: &[Seg]) -> Vec<&str> {
        segs.iter().map(|s| s.info.field.as_str()).collect()
    }

    #[test]
    fn decodes_escapes_and_maps_back_to_the_file() {
        let file = r#"{"cells": [{"cell_type": "code", "metadata": {}, "source": ["a = \"x\"\n", "b\u00e9\ud83d\ude00c"], "outputs": []}], "metadata": {}, "nbformat": 4}"#;
        let segs = segments(file).unwrap();
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

    /// A tiny deterministic generator, so the mapping test needs no dependency.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn long_values_map_every_byte_across_checkpoints_and_items() {
        // Sources and tracebacks of many escapes, over several checkpoints, as one string and
        // as lists of items: the file offset of every decoded byte is known as the file is made.
        let mut rng = Lcg(7);
        for (field, lines) in [("source", false), ("traceback", true)] {
            for items in [1, 3, 400] {
                let mut file = String::from(r#"{"cells": [{"cell_type": "code", "source": "#);
                if field == "traceback" {
                    file.push_str(r#""", "outputs": [{"output_type": "error", "traceback": "#);
                }
                let (mut text, mut want) = (Vec::new(), Vec::new());
                file.push('[');
                for item in 0..items {
                    if item > 0 {
                        file.push_str(", ");
                    }
                    if item > 0 && lines {
                        text.push(b'\n');
                        want.push(file.len());
                    }
                    file.push('"');
                    for _ in 0..(6_000 / items) {
                        let at = file.len();
                        let (lit, dec): (&str, &str) = match rng.below(8) {
                            0 => ("\\n", "\n"),
                            1 => ("\\u00e9", "é"),
                            2 => ("\\ud83d\\ude00", "😀"),
                            3 => ("\\\"", "\""),
                            4 if lines => ("\\u001b[1;31m", ""),
                            5 => ("é", "é"),
                            _ => ("k", "k"),
                        };
                        file.push_str(lit);
                        if lit == "é" {
                            want.extend([at, at + 1]);
                        } else {
                            want.extend(std::iter::repeat_n(at, dec.len()));
                        }
                        text.extend_from_slice(dec.as_bytes());
                    }
                    file.push('"');
                }
                file.push(']');
                if field == "traceback" {
                    file.push_str("}]");
                }
                file.push_str(r#"}], "nbformat": 4}"#);
                let segs = segments(&file).unwrap();
                let s = seg(&segs, field, Some(0));
                assert_eq!(s.text, text, "{field} in {items} items");
                assert_eq!(s.offsets, want, "{field} in {items} items");
            }
        }
    }

    #[test]
    fn tracebacks_lose_ansi_codes_and_join_lines() {
        let file = r#"{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "'x'", "traceback": ["\u001b[0;31mKeyError\u001b[0m  Traceback", "key=\u001b[1mVAL\u001b[0m"]}]}], "nbformat": 4}"#;
        let segs = segments(file).unwrap();
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
        let (segs, read) = read(file).unwrap();
        assert_eq!(
            fields(&segs),
            ["application/json", "text/plain", "metadata", "metadata"]
        );
        assert_eq!(
            seg(&segs, "application/json", Some(0)).text,
            br#"{"k": "v"}"#
        );
        assert_eq!(read.binary_payloads, 1);
    }

    #[test]
    fn nbformat3_worksheets_are_read() {
        let file = r#"{"worksheets": [{"cells": [{"cell_type": "code", "input": ["x = 1\n"], "outputs": [{"output_type": "pyout", "text": ["1"], "html": ["<b>1</b>"], "png": "iVBORw0KGgo="}]}]}], "metadata": {}, "nbformat": 3}"#;
        let (segs, read) = read(file).unwrap();
        assert_eq!(
            fields(&segs),
            ["source", "text/plain", "text/html", "metadata"]
        );
        assert_eq!(read.binary_payloads, 1);
    }

    #[test]
    fn text_attachments_and_worksheet_metadata_are_read() {
        let file = r#"{"cells": [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["see"], "attachments": {"notes.txt": {"text/plain": ["TOKEN=abc\n"]}, "img.png": {"image/png": "iVBORw0KGgo="}}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
        let segs = segments(file).unwrap();
        assert_eq!(
            fields(&segs),
            [
                "source",
                "metadata",
                "attachment notes.txt (text/plain)",
                "metadata"
            ]
        );
        assert_eq!(segs[2].text, b"TOKEN=abc\n");
        let v3 = r#"{"worksheets": [{"cells": [], "metadata": {"k": "v"}}], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}"#;
        let segs = segments(v3).unwrap();
        assert_eq!(segs[0].info.field, "worksheet metadata");
    }

    #[test]
    fn duplicate_data_keys_are_all_read_with_their_coordinates() {
        let file = r#"{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "execute_result", "data": {"text/plain": "first 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", "text/plain": "second"}}]}], "nbformat": 4}"#;
        let segs = segments(file).unwrap();
        let plain: Vec<&Seg> = segs
            .iter()
            .filter(|s| s.info.field == "text/plain")
            .collect();
        assert_eq!(plain.len(), 2);
        assert!(plain[0].text.starts_with(b"first hf_"));
        assert_eq!(plain[1].text, b"second");
        for s in plain {
            assert_eq!((s.info.cell, s.info.output), (Some(0), Some(0)));
            assert_eq!(s.info.output_type.as_deref(), Some("execute_result"));
        }
        let s = seg(&segs, "text/plain", Some(0));
        assert_eq!(s.file_offset(6), file.find("hf_").unwrap());
    }

    #[test]
    fn duplicate_attachment_names_and_mime_types_are_all_read() {
        let file = r#"{"cells": [{"cell_type": "markdown", "source": "", "attachments": {"a.txt": {"text/plain": "one", "text/plain": "two"}, "a.txt": {"text/plain": "three"}}}], "nbformat": 4}"#;
        let segs = segments(file).unwrap();
        let texts: Vec<&[u8]> = segs
            .iter()
            .filter(|s| s.info.field == "attachment a.txt (text/plain)")
            .map(|s| &s.text[..])
            .collect();
        assert_eq!(texts, [&b"one"[..], b"two", b"three"]);
        assert!(segs.iter().all(|s| s.info.cell == Some(0)));
    }

    #[test]
    fn a_duplicated_field_is_not_a_notebook() {
        // serde's derive refuses a field given twice; the file is then scanned as text.
        for file in [
            r#"{"cells": [{"cell_type": "code", "source": "a", "source": "b"}], "nbformat": 4}"#,
            r#"{"cells": [{"outputs": [{"output_type": "stream", "text": "a", "text": "b"}]}], "nbformat": 4}"#,
            r#"{"cells": [{"outputs": [], "outputs": []}], "nbformat": 4}"#,
            r#"{"cells": [], "cells": [], "nbformat": 4}"#,
            r#"{"cells": [], "metadata": {}, "metadata": {}, "nbformat": 4}"#,
            r#"{"worksheets": [{"cells": [], "cells": []}], "nbformat": 3}"#,
        ] {
            let err = segments(file).err().unwrap_or_else(|| panic!("{file}"));
            assert!(err.contains("duplicate field"), "{err}");
        }
    }

    #[test]
    fn svg_and_text_under_binary_mime_types_are_scanned() {
        let file = r#"{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "display_data", "data": {"image/svg+xml": ["<svg>\n", "<text>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</text></svg>"], "image/png": "token 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", "application/pdf": "QUtJQQ==", "audio/wav": {"k": "v"}}}]}], "nbformat": 4}"#;
        let (segs, read) = read(file).unwrap();
        assert_eq!(
            fields(&segs),
            ["image/svg+xml", "image/png", "application/pdf", "audio/wav"]
        );
        assert_eq!(read.binary_payloads, 0);
        let svg = seg(&segs, "image/svg+xml", Some(0));
        let d = memchr::memmem::find(&svg.text, b"hf_").unwrap();
        assert_eq!(svg.file_offset(d), file.find("hf_").unwrap());
    }

    #[test]
    fn base64_images_wrapped_or_not_are_skipped_and_counted() {
        // A PNG, a JPEG wrapped over lines as older notebooks write it, a GIF attachment.
        let file = r#"{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "display_data", "data": {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n", "image/jpeg": ["/9j/4AAQSkZJRgABAQEASABIAAD/\n", "2wBDAAMCAgICAgMCAgIDAwMDBAYE\n"], "text/plain": ["<Figure>"]}}]}, {"cell_type": "markdown", "source": "", "attachments": {"a.gif": {"image/gif": "R0lGODlhAQABAAAAACw="}}}], "nbformat": 4}"#;
        let (segs, read) = read(file).unwrap();
        assert_eq!(fields(&segs), ["text/plain"]);
        assert_eq!(read.binary_payloads, 3);
    }

    #[test]
    fn binary_payloads_are_base64_of_a_media_signature() {
        assert!(is_binary_payload(b"iVBORw0KGgo="));
        assert!(is_binary_payload(b"JVBERi0xLjQK")); // %PDF-1.4
        assert!(is_binary_payload(b"  iVBO\r\nRw0KGgo=\n"));
        assert!(!is_binary_payload(b"")); // nothing
        assert!(!is_binary_payload(b"iVBORw0KGgo")); // not padded to a multiple of 4
        assert!(!is_binary_payload(b"iVBORw0KGgo=A===")); // data after padding
        assert!(!is_binary_payload(b"AKIAIOSFODNN7EXAMPLE")); // base64, but not of an image
        assert!(!is_binary_payload(
            b"<svg xmlns='http://www.w3.org/2000/svg'/>"
        ));
        assert!(!is_binary_payload(b"iVBORw0KGgo=hf_x"));
        // as the raw JSON stands in the file: a string, or a list of wrapped lines
        assert!(is_binary_payload(br#""iVBORw0KGgo=""#));
        assert!(
            is_binary_payload(br#"["iVBO\n", "Rw0K\/go=\n"]"#)
                == is_binary_payload(b"iVBORw0K/go=")
        );
        assert!(is_binary_payload(
            br#"[
      "iVBORw0K",
      "Ggo="
     ]"#
        ));
        assert!(!is_binary_payload(br#""\u0069VBORw0KGgo=""#)); // an escape base64 never needs
        assert!(!is_binary_payload(br#"{"a": "iVBORw0KGgo="}"#)); // not a string
        // long payloads go through 64-byte blocks: a stray byte anywhere is still seen
        let long = format!("\"iVBORw0KGgo{}AA==\\n\"", "A".repeat(401));
        assert!(is_binary_payload(long.as_bytes()));
        for at in [20, 100, 150, 300] {
            let mut bad = long.clone().into_bytes();
            bad[at] = b'_';
            assert!(!is_binary_payload(&bad), "a '_' at {at}");
            let mut wrapped = long.clone();
            wrapped.insert_str(at, "\\n");
            assert!(
                is_binary_payload(wrapped.as_bytes()),
                "a line break at {at}"
            );
        }
    }

    #[test]
    fn fields_nbformat_does_not_define_are_scanned_in_place() {
        let file = "{\"cells\": [{\"cell_type\": \"code\", \"idx_\": 3, \"sauce\": {\"k\": \"cell-extra\"}, \"source\": \"s\", \"outputs\": [{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": \"t\", \"txt\": \"output-extra\"}]}], \"nbformat\": 4, \"extra\": \"top-extra\", \"nbformat_minor\": 5}";
        let segs = segments(file).unwrap();
        for (field, cell, text) in [
            ("sauce", Some(0), "cell-extra"),
            ("txt", Some(0), "output-extra"),
            ("extra", None, "top-extra"),
        ] {
            let s = seg(&segs, field, cell);
            let got = String::from_utf8_lossy(&s.text);
            assert!(got.contains(text), "{field}: {got}");
            // Positions point into the file, at the value.
            let at = got.find(text).unwrap();
            assert_eq!(&file[s.file_offset(at)..][..text.len()], text);
        }
        assert_eq!(seg(&segs, "txt", Some(0)).info.output, Some(0));
        assert!(fields(&segs).contains(&"source"));
    }

    #[test]
    fn not_notebooks_say_why() {
        let cases = [
            (
                "{\"cells\": [,]}",
                "not a valid notebook: expected value at line 1 column 12",
            ),
            ("{\"nbformat\": 4}", "not shaped like a notebook"),
            // a field given twice: one copy would go unscanned, so the file is read as text
            (
                "{\"cells\": [{\"cell_type\": \"code\", \"source\": \"a\", \"source\": \"b\"}], \"nbformat\": 4}",
                "not a valid notebook: duplicate field `source`",
            ),
            ("[1, 2]", "not a valid notebook: invalid type"),
            (
                "{\"cells\": [{\"outputs\": [{}, {\"output_type\": \"stream\", \"text\": \"x\", \"text\": \"y\"}]}], \"nbformat\": 4}",
                "not a valid notebook: output 2: duplicate field `text`",
            ),
            (
                "{\"cells\": [], \"nbformat\": 4} x",
                "not a valid notebook: trailing",
            ),
        ];
        for (file, want) in cases {
            let err = segments(file).err().unwrap();
            assert!(err.starts_with(want), "{err}");
        }
        let err = for_each_segment(b"\xff\xfe{}", &mut |_| {}).unwrap_err();
        assert!(err.starts_with("not UTF-8 at byte 0"), "{err}");
    }
}
