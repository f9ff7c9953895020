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
