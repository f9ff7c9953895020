//! Hostile and unusual input: every input is scanned or named, never silently passed.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

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

fn run(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let o = caulk()
        .current_dir(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", output_text(&o)));
    (
        o.status.code().unwrap(),
        report,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn lines_and_columns(report: &Value) -> Vec<(String, u64, u64)> {
    positions(report)
        .into_iter()
        .map(|(p, l, c, _)| (p, l, c))
        .collect()
}

#[test]
fn utf16_and_bom_files_are_decoded_with_editor_positions() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let ps1 = format!("# deploy\r\n\r\n$env:HF_TOKEN = \"{HF_KEY}\"\r\n");
    write_tree(
        d,
        &[
            ("le.ps1", &utf16(&ps1, true)),
            ("be.ps1", &utf16(&ps1, false)),
            ("bom.py", format!("\u{feff}KEY = '{GROQ_KEY}'\n").as_bytes()),
            // old Mac line ends and Latin-1 bytes never shift a line
            (
                "mac.txt",
                &[
                    b"caf\xe9\rline two\r\rkey='".as_slice(),
                    HF_KEY.as_bytes(),
                    b"'\r",
                ]
                .concat(),
            ),
            (
                "crlf.env.txt",
                format!("A=1\r\nB=2\r\nTOKEN={HF_KEY}\r\n").as_bytes(),
            ),
        ],
    );
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        lines_and_columns(&report),
        [
            ("be.ps1".into(), 3, 18),
            ("bom.py".into(), 1, 8),
            ("crlf.env.txt".into(), 3, 7),
            ("le.ps1".into(), 3, 18),
            ("mac.txt".into(), 4, 6),
        ]
    );
    for f in report["findings"].as_array().unwrap() {
        let snippet = f["snippet"].as_str().unwrap();
        assert!(!snippet.contains('\r'), "{snippet:?}");
        assert!(!f["secret_redacted"].as_str().unwrap().contains('\r'));
    }
    assert_eq!(report["summary"]["skipped_binary"], 0);
}

#[test]
fn utf16_files_in_staged_changes_and_history() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let before = "# deploy\r\nWrite-Host 'hi'\r\n";
    write_tree(d, &[("deploy.ps1", &utf16(before, true))]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "script"]);
    let after = format!("# deploy\r\nWrite-Host 'hi'\r\n$env:HF_TOKEN = \"{HF_KEY}\"\r\n");
    write_tree(d, &[("deploy.ps1", &utf16(&after, true))]);
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(lines_and_columns(&report), [("deploy.ps1".into(), 3, 18)]);
    git(d, &["commit", "-q", "-m", "token"]);
    let (code, report, _) = run(d, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(lines_and_columns(&report), [("deploy.ps1".into(), 3, 18)]);
    // an old-Mac file edited: only the added line counts, at its editor line
    write_tree(d, &[("old.txt", b"a\rb\r")]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "old"]);
    write_tree(
        d,
        &[("old.txt", format!("a\rb\rk='{GROQ_KEY}'\r").as_bytes())],
    );
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!(
        (code, lines_and_columns(&report)),
        (1, vec![("old.txt".into(), 3, 4)])
    );
}
