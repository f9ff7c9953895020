//! Escaping untrusted text before it reaches a terminal: a file name or a source line must never
//! move the cursor, set the title or forge a line of caulk's output. Colour codes come only from
//! caulk itself. And quoting text for a shell, where caulk writes a command (a hook, a git
//! filter, a fix to paste).

use std::borrow::Cow;
use std::io;

/// `s` single-quoted for a POSIX shell: one word whatever it holds.
pub(crate) fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as one shell word: as it is when it needs no quoting (a plain path, a flag), else
/// [`shell_quote`]d.
pub(crate) fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        shell_quote(s)
    }
}

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
    (c.is_control() && c != '\t') || is_invisible_format(c)
}

/// Characters that reorder or break text without being control characters: bidirectional
/// overrides, embeddings, isolates and marks, and the Unicode line and paragraph separators.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Whether JSON output writes `c` as a `\u` escape beyond what JSON requires: DEL, C1 controls
/// and the invisible format characters of [`is_invisible_format`] (JavaScript reads U+2028 as a
/// line end; a terminal or a browser showing the report would reorder text around an override).
fn json_escapes(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}') || is_invisible_format(c)
}

/// A `serde_json` formatter: pretty, and every character of [`json_escapes`] escaped, so no file
/// name, source line or commit message carries them raw into a JSON or SARIF report.
pub struct JsonFormatter(serde_json::ser::PrettyFormatter<'static>);

impl Default for JsonFormatter {
    fn default() -> JsonFormatter {
        JsonFormatter(serde_json::ser::PrettyFormatter::new())
    }
}

impl serde_json::ser::Formatter for JsonFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if json_escapes(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as pretty JSON with [`JsonFormatter`]'s escapes.
pub fn write_json<T: serde::Serialize + ?Sized>(
    w: &mut dyn io::Write,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, JsonFormatter::default());
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// [`write_json`] into memory.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    write_json(&mut out, value)?;
    Ok(out)
}

/// A parser's message with the values it quotes hidden (the engine's, which its own rule-file
/// errors use too).
pub use caulk_engine::rules::hide_values;

#[cfg(test)]
mod tests {
    use super::{escape, hide_values, json_pretty, shell_word};

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

    #[test]
    fn json_escapes_c1_separators_and_bidi() {
        let v =
            serde_json::json!({"path": "a\u{85}b\u{2028}c\u{202e}d\u{2067}e\u{7f}f\tg\u{1b}h é✓"});
        let out = String::from_utf8(json_pretty(&v).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\n  \"path\": \"a\\u0085b\\u2028c\\u202ed\\u2067e\\u007ff\\tg\\u001bh é✓\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn hidden_values_table() {
        let cases = [
            (
                "invalid type: string \"hf_abcdef\", expected a boolean",
                "invalid type: string (value hidden), expected a boolean",
            ),
            (
                "unknown variant `hf_abc`, expected one of `low`, `medium`, `high`",
                "unknown variant (value hidden), expected one of `low`, `medium`, `high`",
            ),
            (
                "unknown field `max_filesize`",
                "unknown field `max_filesize`",
            ),
            ("unterminated \"abc", "unterminated (value hidden)"),
        ];
        for (msg, want) in cases {
            assert_eq!(hide_values(msg), want);
        }
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("/usr/bin/caulk"), "/usr/bin/caulk");
        assert_eq!(shell_word("/a b/caulk"), "'/a b/caulk'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(
            shell_word("metadata.colab cell.metadata.id"),
            "'metadata.colab cell.metadata.id'"
        );
    }
}
