//! Escaping untrusted text before it reaches a terminal: a file name or a source line must never
//! move the cursor, set the title or forge a line of caulk's output. Colour codes come only from
//! caulk itself.

use std::borrow::Cow;

/// `s` with control characters (C0, DEL, C1) and bidirectional overrides escaped as `\xNN` /
/// `\u{NNNN}`; `\t` stays a tab.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_table() {
        let cases = [
            ("plain/path.py", "plain/path.py"),
            ("a\x1b[31mred", "a\\x1b[31mred"),
            ("line\nforged", "line\\x0aforged"),
            ("cr\rback", "cr\\x0dback"),
            ("bell\x07", "bell\\x07"),
            ("c1\u{9b}", "c1\\x9b"),
            ("bidi\u{202e}txt", "bidi\\u{202e}txt"),
            ("tab\tok", "tab\tok"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want);
        }
    }
}
