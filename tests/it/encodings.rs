//! Text in other encodings: UTF-16 (both byte orders), a BOM, old Mac and CRLF line ends and
//! Latin-1 bytes are decoded, with findings at the line and column an editor shows — in files,
//! staged changes and history.

use crate::util::run_report as run;
use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

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
