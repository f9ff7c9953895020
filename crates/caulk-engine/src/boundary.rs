//! Where a token may start: the one left-boundary rule every rule's secret obeys.
//!
//! A token stands on its own when the byte before it cannot be part of it (so `myhf_…` and
//! `task_sk-…` are not tokens), or when that byte ends an escape sequence: the text around a
//! secret is often escaped, and the letter or digit an escape ends with is not part of the token.
//! Recognised: backslash escapes (`\n`, `\t`, `\r`, `\e`, …, with the backslash itself not
//! escaped), `\xHH`, `\uHHHH`, `\NNN` octal, percent-encoded bytes (`%3D`, `%22`), and ANSI
//! control sequences (`ESC [ … m`), whether the escape byte is raw or written `\x1b`, `\u001b`,
//! `\033` or `\e` (coloured logs, notebook streams stored as JSON).

/// Bytes that continue a token: a secret right after one of these is part of a longer word.
fn continues(b: u8, also: &[u8]) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || also.contains(&b)
}

/// Whether a secret may start at `at` in `text`: the byte before it is not a token byte (letters,
/// digits, `_`, `-`, and the rule's `also`), or ends an escape sequence.
pub fn left_ok(text: &[u8], at: usize, also: &[u8]) -> bool {
    match at.checked_sub(1).and_then(|i| text.get(i)) {
        None => true,
        Some(&b) if !continues(b, also) => true,
        Some(_) => ends_with_escape(&text[..at]),
    }
}

/// Whether `b` ends with an escape sequence (its last byte is a letter or digit).
fn ends_with_escape(b: &[u8]) -> bool {
    let n = b.len();
    let hex = |c: u8| c.is_ascii_hexdigit();
    // `\n`, `\t`, `\r`, `\f`, `\v`, `\b`, `\a`, `\e`, `\0`
    if n >= 2
        && matches!(
            b[n - 1],
            b'n' | b't' | b'r' | b'f' | b'v' | b'b' | b'a' | b'e' | b'0'
        )
        && escapes(b, n - 2)
    {
        return true;
    }
    // `\xHH`
    if n >= 4 && b[n - 3] == b'x' && hex(b[n - 2]) && hex(b[n - 1]) && escapes(b, n - 4) {
        return true;
    }
    // `\uHHHH`
    if n >= 6 && b[n - 5] == b'u' && b[n - 4..].iter().all(|&c| hex(c)) && escapes(b, n - 6) {
        return true;
    }
    // `\NNN` (octal)
    if n >= 4 && b[n - 3..].iter().all(|&c| (b'0'..=b'7').contains(&c)) && escapes(b, n - 4) {
        return true;
    }
    // `%HH`
    if n >= 3 && b[n - 3] == b'%' && hex(b[n - 2]) && hex(b[n - 1]) {
        return true;
    }
    ends_with_csi(b)
}

/// Whether the backslash at `i` starts an escape: it is preceded by an even number of
/// backslashes (`\\n` is a backslash, then the letter `n`).
fn escapes(b: &[u8], i: usize) -> bool {
    b.get(i) == Some(&b'\\') && b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0
}

/// Whether `b` ends with an ANSI control sequence `ESC [ params letter`, the escape byte raw or
/// written as an escape.
fn ends_with_csi(b: &[u8]) -> bool {
    let Some((&last, rest)) = b.split_last() else {
        return false;
    };
    if !last.is_ascii_alphabetic() {
        return false;
    }
    // Parameters: digits and `;`, at most a few dozen.
    let params = rest
        .iter()
        .rev()
        .take(32)
        .take_while(|&&c| c.is_ascii_digit() || c == b';')
        .count();
    let Some(before) = rest.len().checked_sub(params + 1) else {
        return false;
    };
    if rest[before] != b'[' {
        return false;
    }
    let esc = &rest[..before];
    esc.ends_with(b"\x1b")
        || [
            &b"\\x1b"[..],
            b"\\x1B",
            b"\\u001b",
            b"\\u001B",
            b"\\033",
            b"\\e",
        ]
        .iter()
        .any(|e| esc.ends_with(e) && escapes(esc, esc.len() - e.len()))
}

#[cfg(test)]
mod tests {
    use super::left_ok;

    /// `(text before the token, may a token start here)`.
    #[test]
    fn left_boundaries_table() {
        let cases: &[(&str, bool)] = &[
            ("", true),
            (" ", true),
            ("=", true),
            ("\"", true),
            ("x", false),
            ("my", false),
            ("task_", false),
            ("a-", false),
            ("\\n", true),
            ("\\t", true),
            ("\\r", true),
            ("\\\\n", false), // an escaped backslash, then the letter n
            ("\\\\\\n", true),
            ("\\x0a", true),
            ("\\u0022", true),
            ("\\u00", false),
            ("\\042", true),
            ("%3D", true),
            ("%22", true),
            ("%2", false),
            ("\x1b[1m", true),
            ("\x1b[1;31m", true),
            ("\\x1b[0m", true),
            ("\\u001b[32m", true),
            ("\\033[1m", true),
            ("\\e[1m", true),
            ("[1m", false),
            ("\\\\x1b[1m", false),
        ];
        for &(before, want) in cases {
            let text = format!("{before}hf_token");
            assert_eq!(
                left_ok(text.as_bytes(), before.len(), b""),
                want,
                "{before:?}"
            );
        }
        assert!(!left_ok(b"a.eyJ", 2, b"."));
        assert!(left_ok(b"a.eyJ", 2, b""));
    }
}
