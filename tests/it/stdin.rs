//! Standard input: bounded by the size limit, and scanned in overlapping windows with the same
//! findings as the same bytes in a file.

use crate::util::run_report as run;
use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

/// Regression (issue 13): `caulk scan - </dev/zero` read all of standard input into memory
/// (24 GB, OOM-killed). It stops at the limit with exit 2, naming standard input.
#[test]
fn stdin_obeys_the_size_limit() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_caulk"))
        .args(["scan", "-", "--max-file-size", "1MiB"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let text = output_text(&o);
    assert!(
        text.contains("<stdin>: over the size limit (1.0 MiB)"),
        "{text}"
    );
    assert!(!text.contains("no secrets found;"), "{text}");
}

/// Standard input larger than one read window (8 MiB) is scanned in overlapping windows, with the
/// same findings at the same lines and columns as the same bytes in a file — keys on either side
/// of a window's edge, inside a line longer than the overlap, and a multi-line private key.
#[test]
fn stdin_in_windows_finds_what_a_file_scan_finds() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // a UTF-8 byte-order mark, and a key on the first line: columns count from after the mark
    let mut text = format!("\u{feff}first = '{GROQ_KEY}'\n");
    let mut n = 0;
    while text.len() < 20 << 20 {
        n += 1;
        if n % 5000 == 0 {
            text.push_str(&format!("token = '{HF_KEY}'  # {n}\n"));
        } else if n % 77_777 == 0 {
            // one line of 300 KiB with keys inside
            for _ in 0..6 {
                text.push_str(&"x".repeat(50_000));
                text.push_str(&format!(" k={GROQ_KEY} "));
            }
            text.push('\n');
        } else {
            text.push_str(&format!("an ordinary line of text, number {n}\n"));
        }
    }
    write_tree(d, &[("big.txt", text.as_bytes())]);
    let (code, file, _) = run(d, &["scan", "big.txt", "--max-file-size", "0"]);
    assert_eq!(code, 1);
    let o = caulk()
        .current_dir(d)
        .args(["scan", "-", "--max-file-size", "0", "--format", "json"])
        .write_stdin(text.as_bytes())
        .output()
        .unwrap();
    let stdin: Value = serde_json::from_slice(&o.stdout).unwrap();
    let at = |r: &Value| -> Vec<(u64, u64, u64, u64, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["end_line"].as_u64().unwrap(),
                    f["end_column"].as_u64().unwrap(),
                    f["rule_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert!(at(&file).len() > 100);
    assert_eq!(at(&stdin), at(&file));
    assert_eq!(
        stdin["summary"]["bytes_scanned"],
        file["summary"]["bytes_scanned"]
    );
}
