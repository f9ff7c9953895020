//! Property tests (proptest) of the notebook reader, the line/column mapper and the engine:
//! arbitrary bytes and mutated real notebooks never panic, and every finding's line and column
//! point at its secret's first byte in the original file.
//!
//! `cargo test` runs a bounded number of cases (64 per property); for a longer run:
//! `PROPTEST_CASES=20000 cargo test --release --test it fuzz::`.

use std::path::Path;
use std::sync::OnceLock;

use caulk::decode::Input;
use caulk::finding::{Finding, LineIndex};
use caulk::scan::scan_input;
use caulk::summary::Scanned;

/// Where a test input came from: a file named `name` at the top of a repository.
/// Scans `text` as text (whatever bytes it holds), as every source does once it is decoded.
fn scan_contents(
    engine: &caulk_engine::engine::Engine,
    text: &[u8],
    path: &Path,
    prov: &caulk::finding::Provenance,
) -> Scanned {
    scan_input(engine, Input::Text(text), path, prov)
}

fn prov(name: &str) -> caulk::finding::Provenance {
    caulk::finding::Provenance::new(name, name, Path::new(name))
}
use caulk_engine::engine::Engine;
use caulk_engine::rules::Ruleset;
use proptest::prelude::*;

/// Fake, format-valid keys (see benches/fakekeys.py).
const KEYS: &[&str] = &[
    "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",
    "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",
    "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",
];

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(Ruleset::builtin().unwrap()))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The byte offset of 1-based `line` and character `column`, computed the slow, obvious way:
/// lines end at `\n`, `\r\n` or a lone `\r`; columns count characters of valid UTF-8.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut start = 0;
    for _ in 1..line {
        let i = start + b[start..].iter().position(|&c| c == b'\n' || c == b'\r')?;
        start = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        };
    }
    let rest = &text[start..];
    if column == 1 {
        return Some(start);
    }
    rest.char_indices()
        .nth(column - 1)
        .map(|(i, _)| start + i)
        .or((rest.chars().count() == column - 1).then_some(text.len()))
}

/// Pieces a text is made of: plain text, line ends, and keys in assignments.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~éß✓日本\t]{0,30}",
        2 => prop::sample::select(vec!["\n", "\r\n", "\r"]).prop_map(str::to_string),
        1 => (prop::sample::select(KEYS), prop::sample::select(vec!["k = '", "TOKEN=", "\"key\": \"", "x "]))
            .prop_map(|(k, lead)| format!("{lead}{k}'")),
    ]
}

fn check_points_at_secret(text: &str, f: &Finding) {
    let at = offset_of(text, f.line, f.column)
        .unwrap_or_else(|| panic!("{}:{} is outside the text", f.line, f.column));
    assert!(
        text[at..].starts_with(&f.raw_secret),
        "{}:{} points at {:?}, not at {}",
        f.line,
        f.column,
        &text[at..(at + 12).min(text.len())],
        f.rule_id
    );
    let end = offset_of(text, f.end_line, f.end_column).expect("end inside the text");
    assert_eq!(end, at + f.raw_secret.len(), "end of {}", f.rule_id);
}

/// A JSON string literal for `s`, escaping each character `\uXXXX` when `seed` says so (as some
/// writers do), and what must be escaped always.
fn json_string(s: &str, seed: u64) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        let pick = (seed.rotate_left(i as u32 % 64) ^ i as u64).is_multiple_of(7);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (pick && (c as u32) < 0x10000) => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The character a JSON string literal's text at `at` stands for (an escape or a character).
fn char_at(file: &str, at: usize) -> char {
    let rest = &file[at..];
    if let Some(hex) = rest.strip_prefix("\\u") {
        return char::from_u32(u32::from_str_radix(&hex[..4], 16).unwrap()).unwrap();
    }
    if let Some(e) = rest.strip_prefix('\\') {
        return match e.as_bytes()[0] {
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            other => other as char,
        };
    }
    rest.chars().next().unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn line_index_agrees_with_the_obvious_count(pieces in prop::collection::vec(piece(), 0..40), picks in prop::collection::vec(any::<prop::sample::Index>(), 1..20)) {
        let text: String = pieces.concat();
        let idx = LineIndex::new(text.as_bytes());
        let mut offsets: Vec<usize> = picks.iter().map(|p| p.index(text.len() + 1)).filter(|&o| text.is_char_boundary(o)).collect();
        offsets.sort_unstable(); // findings come in order; the index resumes from the last one
        for o in offsets {
            let (line, col) = idx.position(text.as_bytes(), o);
            prop_assert_eq!(offset_of(&text, line, col), Some(o));
        }
    }

    #[test]
    fn text_findings_point_at_their_secret(pieces in prop::collection::vec(piece(), 0..60)) {
        let text: String = pieces.concat();
        let got = scan_contents(engine(), text.as_bytes(), Path::new("app.py"), &prov("app.py"));
        for f in &got.findings {
            check_points_at_secret(&text, f);
        }
        // every planted key is found
        let planted = KEYS.iter().filter(|k| text.contains(*k)).count();
        let found: std::collections::HashSet<&str> = got.findings.iter().map(|f| f.raw_secret.as_str()).collect();
        prop_assert!(found.len() >= planted, "{} of {} keys found in {:?}", found.len(), planted, text);
    }

    #[test]
    fn notebook_findings_point_at_their_secret(
        sources in prop::collection::vec(prop::collection::vec(piece(), 0..8), 1..4),
        outputs in prop::collection::vec(prop::collection::vec(piece(), 0..8), 0..4),
        seed in any::<u64>(),
        pretty in any::<bool>(),
    ) {
        let lines = |ps: &[String], s: u64| -> String {
            let joined: String = ps.concat();
            let parts: Vec<String> = joined.split_inclusive('\n').map(|l| json_string(l, s)).collect();
            format!("[{}]", parts.join(if pretty { ",\n    " } else { "," }))
        };
        let mut cells = Vec::new();
        for (i, src) in sources.iter().enumerate() {
            let outs: Vec<String> = outputs.iter().enumerate().map(|(j, o)| format!(
                "{{\"name\": \"stdout\", \"output_type\": \"stream\", \"text\": {}}}",
                lines(o, seed ^ j as u64)
            )).collect();
            cells.push(format!(
                "{{\"cell_type\": \"code\", \"execution_count\": {i}, \"id\": \"c{i}\", \"metadata\": {{}}, \"outputs\": [{}], \"source\": {}}}",
                outs.join(", "),
                lines(src, seed.wrapping_add(i as u64))
            ));
        }
        let sep = if pretty { ",\n  " } else { ", " };
        let file = format!(
            "{{\"cells\": [{}], \"metadata\": {{}}, \"nbformat\": 4, \"nbformat_minor\": 5}}\n",
            cells.join(sep)
        );
        let got = scan_contents(engine(), file.as_bytes(), Path::new("nb.ipynb"), &prov("nb.ipynb"));
        prop_assert!(got.tally.notebooks == 1, "read as a notebook: {:?}", got.warning);
        for f in &got.findings {
            let at = offset_of(&file, f.line, f.column).expect("inside the file");
            let want = f.raw_secret.chars().next().unwrap();
            prop_assert_eq!(char_at(&file, at), want, "{}:{} in {}", f.line, f.column, file);
        }
        let planted: usize = KEYS.iter().filter(|k| sources.iter().chain(&outputs).any(|p| p.concat().contains(*k))).count();
        let found: std::collections::HashSet<&str> = got.findings.iter().map(|f| f.raw_secret.as_str()).collect();
        prop_assert!(found.len() >= planted);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for name in ["x.ipynb", "x.json", "x.txt", ".env"] {
            let got = scan_contents(engine(), &bytes, Path::new(name), &prov(name));
            let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
            for f in &got.findings {
                prop_assert!(f.line >= 1 && f.line <= lines && f.column >= 1);
            }
        }
        let _ = caulk::decode::text::content(&bytes);
        let _ = caulk::strip::strip(&String::from_utf8_lossy(&bytes), &Default::default());
    }

    #[test]
    fn mutated_real_notebooks_never_panic(
        which in 0usize..8,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..12),
    ) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/notebooks");
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
            .collect();
        names.sort();
        let mut bytes = std::fs::read(&names[which % names.len()]).unwrap();
        for (at, op, b) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = b,                 // flip
                1 => { bytes.remove(i); }          // delete
                _ => bytes.insert(i, b),           // insert
            }
        }
        let got = scan_contents(engine(), &bytes, Path::new("m.ipynb"), &prov("m.ipynb"));
        if let Ok(file) = std::str::from_utf8(&bytes) {
            for f in &got.findings {
                prop_assert!(offset_of(file, f.line, f.column).is_some(), "{}:{}", f.line, f.column);
            }
        }
    }
}
