//! A token right after an escape sequence is found (issue 15): `\n`, `\t`, `\r`, `\"`, `\\`,
//! `\u00XX`, an ANSI colour sequence (raw or escaped) and a percent-encoded byte, in a file, in a
//! notebook's output and in history alike; a token glued to a word (`myhf_…`, `task_sk-…`) is not.

use crate::util::*;
use serde_json::json;
use tempfile::TempDir;

const GH: &str = "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";
const AWS: &str = "AKIAMR46PQM4I2HZ4UEP";
const ANT: &str = "sk-ant-api03-AUsdMlHUvTCQCyEZDz_TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1qhT61qtc4xatAA";

/// Lines that put each key right after an escape, and the keys they hold.
fn escaped_lines() -> (String, Vec<&'static str>) {
    let lines = [
        format!(r#"{{"msg": "login ok\n{GH}"}}"#),
        format!(r#"{{"msg": "token:\t{HF_KEY}"}}"#),
        format!(r#"{{"msg": "key\r{AWS}"}}"#),
        format!(r#"{{"msg": "\"{ANT}\" used"}}"#),
        format!(r#"{{"path": "C:\\{GROQ_KEY}"}}"#),
        format!(r#"{{"msg": "\u0022{OPENAI_KEY}"}}"#),
        format!("\x1b[1m{HF_KEY}\x1b[0m"),
        format!(r#"{{"log": "\u001b[32m{GH}\u001b[0m"}}"#),
        format!("echo -e \"\\033[1m{AWS}\""),
        format!("https://example.com/cb?token%3D{GH}&next=%22{HF_KEY}%22"),
    ];
    let keys = vec![
        GH, HF_KEY, AWS, ANT, GROQ_KEY, OPENAI_KEY, HF_KEY, GH, AWS, GH, HF_KEY,
    ];
    (lines.join("\n") + "\n", keys)
}

/// Every line's key is found in a plain file, one finding per key occurrence.
#[test]
fn tokens_after_escapes_are_found_in_files() {
    let dir = TempDir::new().unwrap();
    let (text, keys) = escaped_lines();
    write_tree(dir.path(), &[("run.log", text.as_bytes())]);
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(code, 1);
    let mut got: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].to_string())
        .collect();
    got.sort();
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        keys.len(),
        "{:#}",
        report["findings"]
    );
    // one line per escape kind, every line found
    got.dedup();
    assert_eq!(got.len(), 10, "{got:?}");
}

/// A token glued to a word is no token: `myhf_…`, `task_sk-…`, `x-ghp_…`, `\\n` (an escaped
/// backslash, then the letter n).
#[test]
fn tokens_glued_to_words_are_not_found() {
    let dir = TempDir::new().unwrap();
    let text =
        format!("a = 'my{HF_KEY}'\nb = 'task_{OPENAI_KEY}'\nc = 'x-{GH}'\nd = \"C:\\\\n{GH}\"\n");
    write_tree(dir.path(), &[("app.py", text.as_bytes())]);
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(
        (code, report["findings"].as_array().map(Vec::len)),
        (0, Some(0)),
        "{report:#}"
    );
}

/// In a notebook's stream output (ANSI colours, stored as `\u001b` in the JSON) and in history.
#[test]
fn tokens_after_escapes_are_found_in_notebooks_and_history() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let nb = json!({
        "cells": [{
            "cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream",
                         "text": [format!("\x1b[1;32mlogged in as\x1b[0m\x1b[1m{HF_KEY}\x1b[0m\n")]}],
            "source": ["!huggingface-cli whoami"]
        }],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    let (text, keys) = escaped_lines();
    write_tree(
        d,
        &[
            (
                "nb.ipynb",
                serde_json::to_string_pretty(&nb).unwrap().as_bytes(),
            ),
            ("run.log", text.as_bytes()),
        ],
    );
    let (code, report, _) = run_report(d, &["scan", "nb.ipynb"]);
    assert_eq!(code, 1);
    let f = &report["findings"][0];
    assert_eq!(
        (f["rule_id"].as_str(), f["notebook"]["output_type"].as_str()),
        (Some("huggingface-token"), Some("stream")),
        "{report:#}"
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "logs"]);
    let (code, report, _) = run_report(d, &["history"]);
    assert_eq!(code, 1);
    let from_log = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "run.log")
        .count();
    // history reports each secret once per path
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(from_log, distinct.len(), "{report:#}");
}
