//! Standard input, read in overlapping windows so memory stays bounded however much is piped in.

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
const STDIN_CHUNK: usize = 8 << 20;
/// Bytes each window of standard input shares with the one before, so a secret that straddles
/// two reads (a PEM key is a few KiB) is whole in one of them.
const STDIN_OVERLAP: usize = 64 << 10;

/// Scans standard input in windows of [`STDIN_CHUNK`] bytes that overlap by [`STDIN_OVERLAP`],
/// so memory stays bounded however much is piped in; at most `max` bytes (0: no limit) are read,
/// and more is an error naming the limit (the exit is not 0). Input that is UTF-16 or binary is
/// read whole (up to `max`) and scanned as a file would be.
pub(super) fn scan_stdin(engine: &Engine, result: &mut ScanResult, input: &mut dyn Read, max: u64) {
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
            return result
                .summary
                .unread
                .push(Unread::error(NAME, io_reason(&e)));
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
                    return result
                        .summary
                        .unread
                        .push(Unread::error(NAME, io_reason(&e)));
                }
                total = window.len() as u64;
                if over(total) {
                    window.truncate(max as usize);
                }
            }
            let got = scan_bytes(engine, &window, Path::new(""), &Provenance::stdin());
            result.record(NAME, got, |_| true);
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
        result.record(NAME, got, |_| true);
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
        result.summary.unread.push(Unread::error(
            NAME,
            format!(
                "over the size limit ({}): only the first {} were scanned (raise --max-file-size, or 0 for no limit)",
                crate::human::human_bytes(max),
                crate::human::human_bytes(max)
            ),
        ));
    }
}
