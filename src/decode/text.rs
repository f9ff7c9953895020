//! Deciding what an input's bytes are: UTF-8 text (a byte-order mark skipped), UTF-16 text with a
//! byte-order mark (decoded, as PowerShell and Windows tools write it), or binary.
//!
//! The byte-order mark is looked at before the binary check: UTF-16 text is full of NUL bytes,
//! and a scanner that calls it binary passes silently over a key in a `.ps1` file.
//!
//! Binary is never a hiding place: a text file with a stray NUL byte is still text (a file is
//! binary only when a real share of its first bytes are control bytes text never holds), and a
//! binary file — a pickle, a `.pt` checkpoint, an `.npz`, HDF5, ONNX or SQLite file — is scanned
//! for its printable runs, ASCII and UTF-16LE ([`strings`]), as `strings(1)` would show them.

use std::borrow::Cow;

/// Bytes looked at for a NUL when deciding that a file is binary.
pub const BINARY_SNIFF: usize = 8192;

/// What an input holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Content<'a> {
    /// Text to scan, as UTF-8 (or other ASCII-compatible bytes), without a byte-order mark.
    Text(Cow<'a, [u8]>),
    /// Binary: not scanned, counted.
    Binary,
}

/// Classifies `buf` and returns the text to scan. Line numbers and columns computed on that text
/// are what an editor shows for the file.
pub fn content(buf: &[u8]) -> Content<'_> {
    let utf16 = match (buf, utf16_bom(buf)) {
        ([0xEF, 0xBB, 0xBF, rest @ ..], _) => return Content::Text(Cow::Borrowed(rest)),
        (_, Some(utf16)) => utf16,
        _ if is_binary(buf) => return Content::Binary,
        _ => return Content::Text(Cow::Borrowed(buf)),
    };
    let (text, _) = utf16.decode_without_bom_handling(&buf[2..]);
    Content::Text(Cow::Owned(text.into_owned().into_bytes()))
}

/// The UTF-16 encoding whose byte-order mark `buf` starts with, if any.
pub fn utf16_bom(buf: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match buf {
        [0xFF, 0xFE, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// Whether `buf` is binary rather than text: in one of three 8 KiB samples (its head, middle and
/// tail), more than one byte in 32 is a control byte that text never holds (NUL and the C0
/// controls other than tab, line ends, form feed, vertical tab and escape). git and ripgrep call
/// a file binary at its first NUL; a scanner must not, or one stray NUL hides a `.env`. Random,
/// compressed or floating-point bytes hold about one such byte in ten. The middle and tail are
/// looked at because weights often follow a text header (safetensors' JSON).
pub fn is_binary(buf: &[u8]) -> bool {
    let n = BINARY_SNIFF;
    if buf.len() <= n {
        return binary_sample(buf);
    }
    let mid = (buf.len() / 2).saturating_sub(n / 2);
    is_binary_sampled(&buf[..n], &buf[mid..mid + n], &buf[buf.len() - n..])
}

/// [`is_binary`] for a large file read in windows, from its three samples (each up to
/// [`BINARY_SNIFF`] bytes: head, middle and tail).
pub fn is_binary_sampled(head: &[u8], mid: &[u8], tail: &[u8]) -> bool {
    binary_sample(head) || binary_sample(mid) || binary_sample(tail)
}

/// [`is_binary`] for one sample.
fn binary_sample(sample: &[u8]) -> bool {
    if memchr::memchr(0, sample).is_none() {
        return false;
    }
    let odd = sample
        .iter()
        .filter(|&&b| matches!(b, 0x00..=0x08 | 0x0e..=0x1a | 0x1c..=0x1f))
        .count();
    odd * 32 > sample.len()
}

/// Shortest printable run kept by [`strings`]: shorter runs in binary data are noise, and no
/// credential caulk finds is shorter.
pub const MIN_RUN: usize = 8;

/// The printable runs of a binary input, one per line, with the way back to the input's bytes.
#[derive(Debug, Default)]
pub struct Strings {
    /// The runs, each followed by `\n`.
    pub text: Vec<u8>,
    /// `(text offset, input offset, stride)` of each run: text byte `d` of a run that starts at
    /// `(d0, f0, s)` came from input byte `f0 + (d - d0) * s` (stride 2 for UTF-16LE).
    pub runs: Vec<(usize, usize, usize)>,
}

impl Strings {
    /// The input offset of text byte `d`.
    pub fn file_offset(&self, d: usize) -> usize {
        let i = self.runs.partition_point(|&(d0, _, _)| d0 <= d).max(1) - 1;
        match self.runs.get(i) {
            Some(&(d0, f0, s)) => f0 + d.saturating_sub(d0) * s,
            None => 0,
        }
    }

    fn push(&mut self, at: usize, stride: usize, bytes: impl Iterator<Item = u8>) {
        self.runs.push((self.text.len(), at, stride));
        self.text.extend(bytes);
        self.text.push(b'\n');
    }
}

/// Whether `b` belongs to a printable run: printable ASCII and tab.
fn printable(b: u8) -> bool {
    PRINTABLE[usize::from(b)]
}

/// [`printable`] as a table: one load per byte in the scan of a large binary.
static PRINTABLE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = true;
        b += 1;
    }
    t[b'\t' as usize] = true;
    t
};

/// The printable runs of `buf` of at least [`MIN_RUN`] characters: ASCII, and UTF-16LE (each
/// printable byte followed by a NUL), in input order. A pickle's short string (opcode `0x8c`,
/// then a one-byte length) keeps its length byte out of the run when that byte is printable, so
/// a 37-character token is not read as `%hf_…`.
pub fn strings(buf: &[u8]) -> Strings {
    let mut out = Strings::default();
    let mut i = 0;
    while i < buf.len() {
        // A run of MIN_RUN printable bytes, or of MIN_RUN UTF-16 characters, that starts in
        // `i..i + MIN_RUN` covers byte `i + MIN_RUN - 1`; when that byte is neither printable
        // nor NUL, no run starts there (most of a checkpoint's float data is skipped this way).
        if let Some(&b) = buf.get(i + MIN_RUN - 1)
            && b != 0
            && !printable(b)
        {
            i += MIN_RUN;
            continue;
        }
        if !printable(buf[i]) {
            i += 1;
            continue;
        }
        // UTF-16LE: printable, NUL, printable, NUL, …
        if buf.get(i + 1) == Some(&0) {
            let mut j = i;
            while j + 1 < buf.len() && printable(buf[j]) && buf[j + 1] == 0 {
                j += 2;
            }
            let n = (j - i) / 2;
            if n >= MIN_RUN {
                out.push(i, 2, buf[i..j].iter().step_by(2).copied());
                i = j;
                continue;
            }
        }
        let mut j = i;
        while j < buf.len() && printable(buf[j]) {
            j += 1;
        }
        let mut start = i;
        if i > 0 && buf[i - 1] == 0x8c && j - i > 1 && usize::from(buf[i]) < j - i {
            start += 1;
        }
        if j - start >= MIN_RUN {
            out.push(start, 1, buf[start..j].iter().copied());
            i = j;
        } else if buf.get(j) == Some(&0) && j - 1 > i {
            // A short run may end where a UTF-16 run begins (`xyt\0o\0k\0…`): its last byte.
            i = j - 1;
        } else {
            i = j;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str, le: bool) -> Vec<u8> {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in s.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn byte_order_marks_decide() {
        let s = "$env:HF_TOKEN = \"x\"\r\nnaïve ✓\r\n";
        for le in [true, false] {
            assert_eq!(
                content(&utf16(s, le)),
                Content::Text(Cow::Owned(s.as_bytes().to_vec()))
            );
        }
        assert_eq!(
            content(b"\xEF\xBB\xBFkey = 1\n"),
            Content::Text(Cow::Borrowed(b"key = 1\n".as_slice()))
        );
        assert_eq!(content(b"PNG\x00\x01\x02\x03"), Content::Binary);
        // one stray NUL in a .env does not make it binary
        let env = b"HF_TOKEN=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\n\x00\nDEBUG=1\n";
        assert!(matches!(content(env), Content::Text(_)));
        assert_eq!(
            content(b"caf\xe9 latin-1\n"),
            Content::Text(Cow::Borrowed(b"caf\xe9 latin-1\n".as_slice()))
        );
        // an odd trailing byte and lone surrogates decode to U+FFFD, never a panic
        let mut odd = utf16("ab", true);
        odd.extend([0x00, 0xD8, 0x41]);
        assert!(matches!(content(&odd), Content::Text(_)));
    }

    #[test]
    fn strings_finds_ascii_and_utf16_runs_and_maps_back() {
        let mut buf = vec![0x80, 0x04, 0x95, 0x01];
        let key = b"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";
        buf.push(0x8c);
        buf.push(key.len() as u8); // '%': the pickle's length byte
        let at = buf.len();
        buf.extend_from_slice(key);
        buf.extend([0x94, 0x00, b'a', b'b', 0x01]); // a short run, dropped
        let wide = buf.len();
        for &b in b"password=hunter22" {
            buf.extend([b, 0]);
        }
        buf.extend([0xff, 0xfe]);
        let s = strings(&buf);
        assert_eq!(
            String::from_utf8_lossy(&s.text),
            format!("{}\npassword=hunter22\n", String::from_utf8_lossy(key))
        );
        assert_eq!(s.file_offset(0), at);
        assert_eq!(s.file_offset(3), at + 3);
        let d = key.len() + 1;
        assert_eq!(s.file_offset(d), wide);
        assert_eq!(s.file_offset(d + 4), wide + 8);
        assert!(is_binary(&buf));
    }

    #[test]
    fn random_bytes_are_binary_text_with_a_nul_is_not() {
        let mut x: u32 = 12345;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        assert!(is_binary(&random));
        let mut text = b"line one\n".repeat(50);
        text[100] = 0;
        assert!(!is_binary(&text));
        assert!(!is_binary(b"no nul at all \x01\x02\x03"));
    }
}
