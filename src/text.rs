//! Deciding what an input's bytes are: UTF-8 text (a byte-order mark skipped), UTF-16 text with a
//! byte-order mark (decoded, as PowerShell and Windows tools write it), or binary.
//!
//! The byte-order mark is looked at before the binary check: UTF-16 text is full of NUL bytes,
//! and a scanner that calls it binary passes silently over a key in a `.ps1` file.

use std::borrow::Cow;

/// Bytes looked at for a NUL when deciding that a file is binary.
const BINARY_SNIFF: usize = 8192;

/// What an input holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Content<'a> {
    /// Text to scan, as UTF-8 (or other ASCII-compatible bytes), without a byte-order mark.
    Text(Cow<'a, [u8]>),
    /// Binary: not scanned, counted.
    Binary,
}

/// The encoding an input was decoded from, when it was not read as is.
pub fn encoding_label(buf: &[u8]) -> Option<&'static str> {
    match buf {
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        _ => None,
    }
}

/// Classifies `buf` and returns the text to scan. Line numbers and columns computed on that text
/// are what an editor shows for the file.
pub fn content(buf: &[u8]) -> Content<'_> {
    let utf16 = match buf {
        [0xEF, 0xBB, 0xBF, rest @ ..] => return Content::Text(Cow::Borrowed(rest)),
        [0xFF, 0xFE, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] => encoding_rs::UTF_16BE,
        _ if is_binary(buf) => return Content::Binary,
        _ => return Content::Text(Cow::Borrowed(buf)),
    };
    let (text, _) = utf16.decode_without_bom_handling(&buf[2..]);
    Content::Text(Cow::Owned(text.into_owned().into_bytes()))
}

/// Whether `buf` looks binary: a NUL byte in its first 8 KiB (as git and ripgrep judge).
pub fn is_binary(buf: &[u8]) -> bool {
    memchr::memchr(0, &buf[..buf.len().min(BINARY_SNIFF)]).is_some()
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
        assert_eq!(content(b"PNG\x00\x01"), Content::Binary);
        assert_eq!(
            content(b"caf\xe9 latin-1\n"),
            Content::Text(Cow::Borrowed(b"caf\xe9 latin-1\n".as_slice()))
        );
        // an odd trailing byte and lone surrogates decode to U+FFFD, never a panic
        let mut odd = utf16("ab", true);
        odd.extend([0x00, 0xD8, 0x41]);
        assert!(matches!(content(&odd), Content::Text(_)));
        assert_eq!(encoding_label(&utf16("a", false)), Some("UTF-16BE"));
    }
}
