//! Inputs of hostile size and shape: files and blobs over the size limit are named (a skip the
//! user asked for, not an error); a minified line holding hundreds of keys and notebooks nested
//! 100,000 levels deep are read whole, without recursion.

use crate::util::run_report as run;
use crate::util::*;
use tempfile::TempDir;

#[test]
fn files_and_blobs_over_the_size_limit_are_named() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let big = format!("{}K = '{GROQ_KEY}'\n", "# pad\n".repeat(400));
    write_tree(d, &[("big.py", big.as_bytes()), ("small.py", b"x = 1\n")]);
    let (code, report, stderr) = run(d, &["scan", ".", "--max-file-size", "1K"]);
    assert_eq!(
        code, 0,
        "a limit the user set is a skip, named, not an error"
    );
    assert!(
        stderr.contains("caulk: warning: big.py: over the size limit (2.4 KiB > 1.0 KiB)"),
        "{stderr}"
    );
    let u = &report["summary"]["unread"][0];
    assert_eq!(
        (u["path"].as_str(), u["error"].as_bool()),
        (Some("big.py"), Some(false))
    );
    assert_eq!(report["summary"]["skipped_too_large"], 1);
    // the default limit (256 MiB) reads it; 0 means no limit
    assert_eq!(run(d, &["scan", "."]).0, 1);
    assert_eq!(run(d, &["scan", ".", "--max-file-size", "0"]).0, 1);
    git(d, &["add", "."]);
    let (_, _, stderr) = run(d, &["staged", "--max-file-size", "1K"]);
    assert!(stderr.contains("big.py: over the size limit"), "{stderr}");
    git(d, &["commit", "-q", "-m", "big"]);
    let (_, report, stderr) = run(d, &["history", "--max-file-size", "1K"]);
    let blob = report["summary"]["unread"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(blob.starts_with("big.py (blob "), "{blob}");
    assert!(stderr.contains(&blob), "{stderr}");
}

#[test]
fn hostile_shapes_are_read_whole() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // one long line holding many keys: every one found, at its column, each snippet short
    let mut line = String::new();
    let mut want = Vec::new();
    for i in 0..300 {
        line.push_str(&format!("function f{i}(a){{return a.token||'x'}};"));
        if i % 3 == 0 {
            line.push_str("var t={token:\"");
            want.push(line.chars().count() as u64 + 1);
            line.push_str(HF_KEY);
            line.push_str("\"};");
        }
    }
    // a notebook nested far deeper than any parser's recursion limit, with a key in it, and a
    // notebook with a field caulk does not read as a notebook
    let deep = format!(
        "{{\"cells\": [], \"metadata\": {{\"w\": {}\"{GROQ_KEY}\"{}}}, \"nbformat\": 4, \"nbformat_minor\": 5}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_cells = format!(
        "{{\"cells\": [{{\"cell_type\": \"code\", \"source\": {}\"{GROQ_KEY}\"{}}}], \"metadata\": {{}}, \"nbformat\": 4}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let odd = format!(
        "{{\"cells\": [], \"metadata\": {{}}, \"nbformat\": 4, \"nbformat_minor\": 5, \"custom\": {{\"token\": \"{HF_KEY}\"}}}}"
    );
    write_tree(
        d,
        &[
            ("bundle.min.js", line.as_bytes()),
            ("deep.ipynb", deep.as_bytes()),
            ("deep_cells.ipynb", deep_cells.as_bytes()),
            ("odd.ipynb", odd.as_bytes()),
        ],
    );
    let (code, report, stderr) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    let found: Vec<(String, u64, u64, String)> = positions(&report);
    let cols: Vec<u64> = found
        .iter()
        .filter(|f| f.0 == "bundle.min.js")
        .map(|f| f.2)
        .collect();
    assert_eq!(cols, want);
    for f in report["findings"].as_array().unwrap() {
        assert!(f["snippet"].as_str().unwrap().chars().count() <= 162);
    }
    for nb in ["deep.ipynb", "deep_cells.ipynb", "odd.ipynb"] {
        assert!(found.iter().any(|f| f.0 == nb), "{nb}: {found:?}");
    }
    // deep nesting is read as a notebook (no recursion, no stack overflow); a field nbformat
    // does not define is scanned in place, as a notebook field, without a warning
    let field_of = |path: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap()["notebook"]["field"]
            .clone()
    };
    assert_eq!(field_of("deep.ipynb"), "metadata");
    assert_eq!(field_of("odd.ipynb"), "custom");
    assert!(!stderr.contains("odd.ipynb"), "{stderr}");
    assert_eq!(report["summary"]["notebooks_as_text"], 0);
    assert_eq!(report["summary"]["notebooks"], 3);
}

/// Files over 16 MiB are read in windows, so their size does not decide caulk's memory: every
/// key is found, at the line, column and byte offset a whole read gives, a key on each side of
/// every window's edge and a private key across one included, in text and in binary data alike;
/// each byte is counted once.
#[test]
fn large_files_are_scanned_in_windows_with_whole_file_positions() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    const MIB: usize = 1 << 20;
    // Where keys go: spread out, and a few bytes either side of each 8 MiB read.
    let mut at: Vec<usize> = (1..40).map(|i| i * MIB / 2 + 123).collect();
    for edge in [8 * MIB, 16 * MIB - 64 * 1024, 16 * MIB] {
        at.extend([edge - 100, edge - 20, edge + 60, edge + 64 * 1024 - 20]);
    }
    at.sort_unstable();
    at.dedup();

    // Text: filler lines, a key line at each place (at the next line start), a PEM key across
    // the first read's end.
    let key_line = format!("HF_TOKEN = '{HF_KEY}'\n");
    let mut text = Vec::with_capacity(21 * MIB);
    let mut want_text = Vec::new();
    let mut line = 1;
    let mut next = at.iter().peekable();
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        crate::scan::KEY_BODY
    );
    let pem_at = 8 * MIB - 500;
    let mut pem_line = 0;
    while text.len() < 21 * MIB {
        if next.peek().is_some_and(|&&a| text.len() >= a) {
            next.next();
            want_text.push(line);
            text.extend_from_slice(key_line.as_bytes());
        } else if pem_line == 0 && text.len() >= pem_at {
            pem_line = line;
            text.extend_from_slice(pem.as_bytes());
            line += pem.matches('\n').count() - 1;
        } else {
            text.extend_from_slice(b"step = step + 1  # filler\n");
        }
        line += 1;
    }
    // Binary: control bytes and line breaks, the bare token at each place.
    let mut bin: Vec<u8> = (0..21 * MIB)
        .map(|i| [0u8, 1, 2, 3, b'\n', 5, 6, 7][i % 8])
        .collect();
    let mut want_bin = Vec::new();
    for &a in &at {
        bin[a..a + HF_KEY.len()].copy_from_slice(HF_KEY.as_bytes());
        want_bin.push(a as u64);
    }
    write_tree(d, &[("big.log", &text), ("weights.bin", &bin)]);
    let (code, report, stderr) = run(d, &["scan", "."]);
    assert_eq!(code, 1, "{stderr}");
    let findings = report["findings"].as_array().unwrap();
    let rows = |path: &str, rule: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|f| f["path"] == path && f["rule_id"] == rule)
            .collect()
    };
    let lines = |path: &str, rule: &str| -> Vec<u64> {
        rows(path, rule)
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect()
    };
    let text_lines = lines("big.log", "huggingface-token");
    assert_eq!(
        text_lines,
        want_text.iter().map(|&l| l as u64).collect::<Vec<_>>()
    );
    assert!(
        rows("big.log", "huggingface-token")
            .iter()
            .all(|f| f["column"] == 13),
        "columns as in the whole file"
    );
    let pem = lines("big.log", "private-key");
    assert_eq!(
        pem,
        [pem_line as u64],
        "the private key across the first read's end"
    );
    let offsets: Vec<u64> = rows("weights.bin", "huggingface-token")
        .iter()
        .map(|f| f["byte_offset"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets, want_bin);
    for f in rows("weights.bin", "huggingface-token") {
        let off = f["byte_offset"].as_u64().unwrap() as usize;
        let line = bin[..off].iter().filter(|&&b| b == b'\n').count() + 1;
        assert_eq!(f["line"].as_u64(), Some(line as u64), "{f}");
    }
    assert_eq!(report["summary"]["files_scanned"], 2);
    assert_eq!(
        report["summary"]["bytes_scanned"],
        (text.len() + bin.len()) as u64
    );
    assert_eq!(report["summary"]["binary_strings"], 1);
}

/// A key whose name stands before a window's edge and whose secret after it, or whose secret
/// straddles the edge, is found once, at its column, in a long line of text and in binary data
/// alike (the first window of a large file ends 2 MiB and a byte in, and owns what starts up to
/// 64 KiB before that).
#[test]
fn a_key_at_a_window_edge_is_found_once_whatever_its_offset() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    const SECRET: &str = "2jBMptUsGr7CmY/uCu3ZR1zTOlUcR64cXQLioDnk";
    let line = format!(" aws_secret_access_key = {SECRET} ");
    let edge = (2 << 20) + 1 - (64 << 10);
    let mut files = Vec::new();
    for (i, shift) in [-70isize, -30, -1, 0, 1, 20, 64 << 10]
        .into_iter()
        .enumerate()
    {
        // The secret starts `shift` bytes after the edge.
        let secret_at = (edge as isize + shift) as usize;
        let start = secret_at - (line.len() - SECRET.len() - 1);
        for (ext, fill) in [("txt", b'.'), ("bin", 0u8)] {
            let mut bytes = vec![fill; 5 << 20];
            bytes[start..start + line.len()].copy_from_slice(line.as_bytes());
            files.push((format!("k{i}.{ext}"), bytes, secret_at));
        }
    }
    let tree: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b, _)| (n.as_str(), b.as_slice()))
        .collect();
    write_tree(d, &tree);
    let (code, report, stderr) = run(d, &["scan", "."]);
    assert_eq!(code, 1, "{stderr}");
    for (name, _, secret_at) in &files {
        let got: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == name.as_str() && f["rule_id"] == "aws-secret-access-key")
            .collect();
        assert_eq!(got.len(), 1, "{name}: {got:?}");
        if name.ends_with(".txt") {
            assert_eq!(
                got[0]["column"].as_u64(),
                Some(*secret_at as u64 + 1),
                "{name}"
            );
        } else {
            assert_eq!(
                got[0]["byte_offset"].as_u64(),
                Some(*secret_at as u64),
                "{name}"
            );
        }
    }
}
