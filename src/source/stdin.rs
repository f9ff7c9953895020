//! Standard input and large files, read in overlapping windows so memory stays bounded however
//! much is piped in or however large a file is.

use std::io::Read;
use std::path::Path;

use super::io_reason;
use crate::decode::Input;
use crate::decode::text::{self, Content};
use crate::finding::{LineIndex, Provenance};
use crate::scan::{scan_bytes, scan_input};
use crate::summary::{ScanResult, Unread};
use caulk_engine::engine::Engine;

/// Bytes of standard input read and scanned at a time.
const CHUNK: usize = 8 << 20;
/// Bytes each window reads past what it owns, and keeps before it as context: a match (a PEM key
/// is a few KiB, a keyword and its secret a line) that straddles two windows' share is whole in
/// the window that owns its start.
const OVERLAP: usize = 64 << 10;

/// Scans standard input in windows of [`CHUNK`] bytes that overlap by [`OVERLAP`], so memory
/// stays bounded however much is piped in; at most `max` bytes (0: no limit) are read, and more
/// is an error naming the limit (the exit is not 0). Input that is UTF-16 or binary is read whole
/// (up to `max`) and scanned as a file would be.
pub(super) fn scan_stdin(engine: &Engine, result: &mut ScanResult, input: &mut dyn Read, max: u64) {
    const NAME: &str = "<stdin>";
    let mut window = Vec::new();
    let want = match max {
        0 => CHUNK as u64,
        _ => (CHUNK as u64).min(max + 1),
    };
    if let Err(e) = input.take(want).read_to_end(&mut window) {
        return result
            .summary
            .unread
            .push(Unread::error(NAME, io_reason(&e)));
    }
    let eof = (window.len() as u64) < want;
    if eof
        || !matches!(
            text::content(&window),
            Content::Text(std::borrow::Cow::Borrowed(_))
        )
    {
        // All of it at once (small, UTF-16 or binary): as a file, bounded by the limit.
        if !eof {
            let rest = match max {
                0 => u64::MAX,
                _ => max + 1 - window.len() as u64,
            };
            if let Err(e) = input.take(rest).read_to_end(&mut window) {
                return result
                    .summary
                    .unread
                    .push(Unread::error(NAME, io_reason(&e)));
            }
        }
        let over = max > 0 && window.len() as u64 > max;
        if over {
            window.truncate(max as usize);
        }
        let got = scan_bytes(engine, &window, Path::new(""), &Provenance::stdin());
        result.record(NAME, got, |_| true);
        if over {
            result.summary.unread.push(over_limit(NAME, max));
        }
        return;
    }
    let stream = Stream {
        name: NAME,
        path: Path::new(""),
        prov: &Provenance::stdin(),
        binary: false,
        max,
        chunk: CHUNK,
    };
    stream.scan(engine, result, input, window);
}

/// A stream scanned in windows: its name in messages, its path and provenance for findings,
/// whether its windows are binary (scanned for their printable runs) or text, the most bytes to
/// read (0: no limit), and the new bytes each window reads.
pub(super) struct Stream<'a> {
    pub(super) name: &'a str,
    pub(super) path: &'a Path,
    pub(super) prov: &'a Provenance,
    pub(super) binary: bool,
    pub(super) max: u64,
    pub(super) chunk: usize,
}

impl Stream<'_> {
    /// Scans `window` (the first bytes, already read), then the rest of `input`, window by
    /// window: each holds `chunk` new bytes after [`OVERLAP`] bytes of context from the one
    /// before, and reports the findings that start in the bytes it owns. Lines, columns and
    /// byte offsets are the stream's, as a scan of it whole would give them; a match longer
    /// than [`OVERLAP`] may be cut.
    pub(super) fn scan(
        &self,
        engine: &Engine,
        result: &mut ScanResult,
        input: &mut dyn Read,
        mut window: Vec<u8>,
    ) {
        // A UTF-8 byte-order mark is not text, as in a file read whole (`text::content` skips
        // it): offsets, lines and columns start after it.
        if !self.binary && window.starts_with(b"\xEF\xBB\xBF") {
            window.drain(..3);
        }
        let max = self.max;
        let over = |read: u64| max > 0 && read > max;
        // Bytes of the stream before `window`; lines before it, and columns of its first line
        // before the window (when it starts mid-line).
        let (mut base, mut lines_before, mut col_shift) = (0u64, 0usize, 0usize);
        let mut total = window.len() as u64;
        let mut first = true;
        // Where the findings this window owns start (the bytes before are the last window's,
        // kept as context); whether a rule failed in an earlier window.
        let (mut own, mut failed) = (0usize, false);
        loop {
            // Top the window up to `chunk` new bytes (the first comes full).
            let eof = if !first {
                let want = match max {
                    0 => self.chunk as u64,
                    _ => (self.chunk as u64).min(max + 1 - total.min(max + 1)).max(1),
                };
                let before = window.len();
                if let Err(e) = input.take(want).read_to_end(&mut window) {
                    return result
                        .summary
                        .unread
                        .push(Unread::error(self.name, io_reason(&e)));
                }
                let got = (window.len() - before) as u64;
                total += got;
                got < want
            } else {
                // The first window is whatever the caller read: a short one is all there is.
                let mut probe = Vec::new();
                if let Err(e) = input.take(1).read_to_end(&mut probe) {
                    return result
                        .summary
                        .unread
                        .push(Unread::error(self.name, io_reason(&e)));
                }
                total += probe.len() as u64;
                let empty = probe.is_empty();
                window.extend(probe);
                empty
            };
            let eof = eof || over(total);
            if over(total) {
                window.truncate(window.len() - (total - max) as usize);
            }
            // This window owns the findings that start in `own..next`. It reads OVERLAP bytes
            // past `next`, so what starts before `next` is whole in it; the next window begins
            // OVERLAP bytes before `next`, so a match whose context stands before `next` and
            // whose secret after it is whole there, and reported there. `next` is the first
            // line start in the OVERLAP bytes before that margin (a multi-line secret is then
            // owned whole), else the margin itself (a binary, a long line).
            let next = match eof {
                true => window.len(),
                false => {
                    let last = window.len().saturating_sub(OVERLAP).max(own + 1);
                    let from = last.saturating_sub(OVERLAP).max(own + 1).min(last);
                    match self.binary {
                        true => last,
                        false => memchr::memchr(b'\n', &window[from..last])
                            .map_or(last, |nl| from + nl + 1),
                    }
                }
            };
            let input_now = match self.binary {
                true => Input::Binary(&window),
                false => Input::Text(&window),
            };
            let mut got = scan_input(engine, input_now, self.path, self.prov);
            // One input however many windows; each byte counted once.
            got.tally.files = u64::from(first);
            got.tally.binary_strings = u64::from(first && self.binary);
            got.tally.bytes = (next - own) as u64;
            // The same failure in every window is said once.
            if got.error.is_some() {
                if failed {
                    got.error = None;
                }
                failed = true;
            }
            let lines = LineIndex::new(&window);
            let owned_from = lines.position(&window, own);
            let (next_line, next_col) = lines.position(&window, next);
            got.findings.retain(|f| {
                (f.line, f.column) >= owned_from
                    && (eof || (f.line, f.column) < (next_line, next_col))
            });
            for f in &mut got.findings {
                if f.line == 1 {
                    f.column += col_shift;
                }
                if f.end_line == 1 {
                    f.end_column += col_shift;
                }
                f.line += lines_before;
                f.end_line += lines_before;
                if let Some(off) = &mut f.byte_offset {
                    *off += base;
                }
            }
            result.record(self.name, got, |_| true);
            if eof {
                break;
            }
            // The next window keeps OVERLAP bytes before `next` as context; it starts there.
            let keep = next.saturating_sub(OVERLAP);
            own = next - keep;
            let (keep_line, keep_col) = lines.position(&window, keep);
            // A window that starts mid-line counts its first line's columns from the cut.
            col_shift = match keep_line {
                1 => col_shift + keep_col - 1,
                _ => keep_col - 1,
            };
            lines_before += keep_line - 1;
            base += keep as u64;
            window.drain(..keep);
            first = false;
        }
        if over(total) {
            result.summary.unread.push(over_limit(self.name, max));
        }
    }
}

/// The error for an input read only up to the limit `max`.
fn over_limit(name: &str, max: u64) -> Unread {
    Unread::error(
        name,
        format!(
            "over the size limit ({}): only the first {} were scanned (raise --max-file-size, or 0 for no limit)",
            crate::human::human_bytes(max),
            crate::human::human_bytes(max)
        ),
    )
}
