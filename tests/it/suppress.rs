//! Accepting findings on purpose: inline pragmas and `.caulkignore`, on files, `staged` and
//! `history` — counted in the summary and listed with `--show-suppressed`, never hidden silently.

use std::path::Path;

use crate::util::*;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn rules_of(report: &Value, key: &str) -> Vec<String> {
    report[key].as_array().map_or(Vec::new(), |a| {
        a.iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect()
    })
}

fn run(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = caulk()
        .current_dir(dir)
        .args(args)
        .args(["--format", "json", "--show-suppressed"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn inline_pragmas_in_any_comment_syntax_and_for_one_rule() {
    let dir = TempDir::new().unwrap();
    let text = format!(
        "a = '{GROQ_KEY}'  # caulk:allow\n\
         b = '{HF_KEY}'  // caulk:allow groq-api-key\n\
         c = '{OPENAI_KEY}'  <!-- gitleaks:allow -->\n\
         d = '{GROQ_KEY}x'\n\
         e = '{HF_KEY}'  # pragma: allowlist secret\n"
    );
    write_tree(dir.path(), &[("k.py", text.as_bytes())]);
    let (code, report) = run(dir.path(), &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&report, "findings"),
        ["huggingface-token"],
        "the pragma on line 2 names another rule"
    );
    assert_eq!(report["summary"]["suppressed"]["inline"], 3);
    let held: Vec<(String, String)> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["reason"].as_str().unwrap().into(),
                s["rule_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(held.len(), 3);
    assert!(held.iter().all(|(r, _)| r == "inline"));
    assert!(
        !output_text(
            &caulk()
                .current_dir(dir.path())
                .args(["scan", ".", "--format", "json", "--show-suppressed"])
                .output()
                .unwrap()
        )
        .contains(GROQ_KEY),
        "suppressed findings are redacted too"
    );
    // the text summary says what was held back
    caulk()
        .current_dir(dir.path())
        .args(["scan", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "3 suppressed (3 by inline pragmas)",
        ));
    // audits ignore pragmas
    let (_, report) = run(dir.path(), &["scan", ".", "--no-inline-allow"]);
    assert_eq!(rules_of(&report, "findings").len(), 4);
}

#[test]
fn a_pragma_counts_in_a_notebook_cell_not_in_an_output() {
    let dir = TempDir::new().unwrap();
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, "source": [format!("key = '{GROQ_KEY}'  # caulk:allow\n")],
             "outputs": [{"name": "stdout", "output_type": "stream", "text": [format!("{HF_KEY}  # caulk:allow\n")]}]}
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    write_tree(
        dir.path(),
        &[(
            "n.ipynb",
            serde_json::to_string_pretty(&nb).unwrap().as_bytes(),
        )],
    );
    let (code, report) = run(dir.path(), &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&report, "findings"),
        ["huggingface-token"],
        "printed pragmas do not count"
    );
    assert_eq!(rules_of(&report, "suppressed"), ["groq-api-key"]);
}

#[test]
fn caulkignore_accepts_one_finding_by_fingerprint_everywhere() {
    let r = TempDir::new().unwrap();
    let d = r.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[(
            "src/fixture.py",
            format!("x = 1\nKEY = '{GROQ_KEY}'\n").as_bytes(),
        )],
    );
    let (_, report) = run(d, &["scan", "."]);
    let fp = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    write_tree(
        d,
        &[(
            ".caulkignore",
            format!("# reviewed 2026-11-24: a revoked key kept as a test fixture\n{fp}\n")
                .as_bytes(),
        )],
    );
    let (code, report) = run(d, &["scan", "."]);
    assert_eq!(
        (
            code,
            report["summary"]["suppressed"]["ignore_file"].as_u64()
        ),
        (0, Some(1))
    );
    assert_eq!(report["suppressed"][0]["reason"], "ignore-file");
    // the same fingerprint from a subdirectory, after the line moved (fingerprints ignore lines)
    write_tree(
        d,
        &[(
            "src/fixture.py",
            format!("import os\n\n\nx = 1\nKEY = '{GROQ_KEY}'\n").as_bytes(),
        )],
    );
    let (code, _) = run(&d.join("src"), &["scan", "."]);
    assert_eq!(
        code, 0,
        "stable when run from elsewhere and when lines move"
    );
    // staged and history read the same file
    git(d, &["add", "."]);
    assert_eq!(run(d, &["staged"]).0, 0);
    git(d, &["commit", "-q", "-m", "fixture"]);
    assert_eq!(run(d, &["history"]).0, 0);
    // the same secret pasted into another file is a new finding
    write_tree(
        d,
        &[("src/app.py", format!("KEY = '{GROQ_KEY}'\n").as_bytes())],
    );
    let (code, report) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"][0]["path"], "src/app.py");
}

#[test]
fn inline_pragmas_hold_in_staged_and_history() {
    let r = TempDir::new().unwrap();
    let d = r.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[(
            "tests/test_client.py",
            format!(
                "FAKE = '{GROQ_KEY}'  # caulk:allow groq-api-key -- revoked, kept as a fixture\n\
                 REAL = '{HF_KEY}'\n"
            )
            .as_bytes(),
        )],
    );
    git(d, &["add", "."]);
    for args in [&["staged"][..], &["history"]] {
        if args == ["history"] {
            git(d, &["commit", "-q", "-m", "fixture"]);
        }
        let (code, report) = run(d, args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(
            rules_of(&report, "findings"),
            ["huggingface-token"],
            "{args:?}"
        );
        assert_eq!(
            rules_of(&report, "suppressed"),
            ["groq-api-key"],
            "{args:?}"
        );
        assert_eq!(report["summary"]["suppressed"]["inline"], 1, "{args:?}");
        // an audit sees both
        let (_, report) = run(d, &[args, &["--no-inline-allow"]].concat());
        assert_eq!(rules_of(&report, "findings").len(), 2, "{args:?}");
    }
}

#[test]
fn sarif_keeps_suppressed_findings_as_dismissed_results_when_asked() {
    let r = TempDir::new().unwrap();
    let d = r.path();
    write_tree(
        d,
        &[(
            "k.py",
            format!("A = '{GROQ_KEY}'  # caulk:allow\nB = '{HF_KEY}'\n").as_bytes(),
        )],
    );
    let plain = sarif_results(d, &["scan", "."]);
    assert_eq!(
        plain.len(),
        1,
        "without --show-suppressed, only what blocks"
    );
    assert!(plain[0].get("suppressions").is_none());
    let all = sarif_results(d, &["scan", ".", "--show-suppressed"]);
    assert_eq!(all.len(), 2);
    let held: Vec<&Value> = all
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["ruleId"], "groq-api-key");
    assert_eq!(held[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(held[0]["suppressions"][0]["justification"], "inline");
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains(GROQ_KEY),
        "suppressed results are redacted too"
    );
}
