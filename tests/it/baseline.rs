//! Baselines: accept what a repository already holds, block anything new — on files, `staged`
//! and `history`; entries survive reformatting, never cover another file, never hold a secret,
//! and stale ones are reported and pruned.

use std::path::Path;
use std::process::Output;

use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

/// Fake Hugging Face tokens beyond the shared ones (random, format-valid).
const NEW_HF_KEY: &str = "hf_vTJl9txJ7N8hedoDaOK2awJBFAV1NuCHnT";
const OTHER_HF_KEY: &str = "hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry";

fn run(dir: &Path, args: &[&str]) -> (i32, Value) {
    let (code, report, _) = run_report(dir, args);
    (code, report)
}

fn out(dir: &Path, args: &[&str]) -> Output {
    caulk().current_dir(dir).args(args).output().unwrap()
}

fn notebook_with_output(secret: &str) -> String {
    let nb = serde_json::json!({
        "cells": [{
            "cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream",
                         "text": [format!("{{'GROQ_API_KEY': '{secret}', 'HOME': '/root'}}\n")]}],
            "source": ["import os\n", "print(os.environ)"]
        }],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5
    });
    serde_json::to_string_pretty(&nb).unwrap() + "\n"
}

/// A repository that already leaks: a settings file, a notebook output, a config.
fn leaky_repo(d: &Path) {
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            (
                "train/settings.py",
                format!("HF_TOKEN = \"{HF_KEY}\"\nOPENAI = \"{OPENAI_KEY}\"\n").as_bytes(),
            ),
            ("explore.ipynb", notebook_with_output(GROQ_KEY).as_bytes()),
            (
                "deploy/config.json",
                format!("{{\"hf\": \"{HF_KEY}\", \"region\": \"eu\"}}\n").as_bytes(),
            ),
        ],
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "existing leaks"]);
}

/// `caulk scan . --write-baseline FILE` in `d`, which must succeed.
fn write_baseline(d: &Path, file: &str) {
    let o = out(d, &["scan", ".", "--write-baseline", file]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
}

#[test]
fn a_baseline_accepts_existing_leaks_and_blocks_only_the_new_key() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    leaky_repo(d);
    let (code, before) = run(d, &["scan", "."]);
    assert_eq!((code, found(&before).len()), (1, 4));

    let o = out(
        d,
        &["scan", ".", "--write-baseline", ".caulk-baseline.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(output_text(&o).contains(".caulk-baseline.json: recorded 4 findings"));
    let file = std::fs::read_to_string(d.join(".caulk-baseline.json")).unwrap();
    assert_no_secret(
        &file,
        &[HF_KEY.into(), OPENAI_KEY.into(), GROQ_KEY.into()],
        "the baseline",
    );
    let parsed: Value = serde_json::from_str(&file).unwrap();
    let entries = parsed["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for e in entries {
        // what a reviewer needs, and nothing of the secret
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["fingerprint", "rule_id", "path", "line"]);
    }
    assert!(
        entries.iter().any(|e| e["path"] == "explore.ipynb"),
        "notebook output findings are baselined too"
    );

    let (code, report) = run(d, &["scan", ".", "--baseline", ".caulk-baseline.json"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["suppressed"]["baseline"], 4);
    assert_eq!(report["summary"]["baseline"]["entries"], 4);
    assert_eq!(report["summary"]["baseline"]["stale"], Value::Array(vec![]));
    assert!(
        report["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["reason"] == "baseline" && s["detail"] == ".caulk-baseline.json")
    );

    // one new key: exit 1, and only it is shown
    write_tree(
        d,
        &[(
            "train/eval.py",
            format!("TOKEN = '{NEW_HF_KEY}'\n").as_bytes(),
        )],
    );
    let o = out(d, &["scan", ".", "--baseline", ".caulk-baseline.json"]);
    assert_eq!(o.status.code(), Some(1));
    let text = output_text(&o);
    assert!(text.contains("train/eval.py:1:"), "{text}");
    assert!(
        !text.contains("settings.py") && !text.contains("explore.ipynb"),
        "{text}"
    );
    assert!(text.contains("caulk: 1 finding in 1 file"), "{text}");
    assert!(text.contains("4 suppressed (4 by the baseline)"), "{text}");
    assert_no_secret(
        &text,
        &[HF_KEY.into(), NEW_HF_KEY.into(), GROQ_KEY.into()],
        "text report",
    );
}

#[test]
fn baseline_entries_survive_a_reformat_but_not_a_copy_into_another_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    leaky_repo(d);
    write_baseline(d, "base.json");
    // reformat: the JSON pretty-printed (the key moves to line 2, another column), the Python
    // file gains a docstring and imports, the notebook is re-indented with a new cell on top
    write_tree(
        d,
        &[
            (
                "deploy/config.json",
                format!("{{\n    \"region\": \"eu\",\n    \"hf\": \"{HF_KEY}\"\n}}\n").as_bytes(),
            ),
            (
                "train/settings.py",
                format!(
                    "\"\"\"Settings.\"\"\"\nimport os\n\n\nOPENAI = \"{OPENAI_KEY}\"\n\
                     HF_TOKEN   =   \"{HF_KEY}\"\n"
                )
                .as_bytes(),
            ),
        ],
    );
    let mut nb: Value = serde_json::from_str(&notebook_with_output(GROQ_KEY)).unwrap();
    nb["cells"].as_array_mut().unwrap().insert(
        0,
        serde_json::json!({"cell_type": "markdown", "id": "m0", "metadata": {}, "source": ["# Explore\n"]}),
    );
    std::fs::write(
        d.join("explore.ipynb"),
        serde_json::to_string(&nb).unwrap(), // one line, no indentation
    )
    .unwrap();
    let (code, report) = run(d, &["scan", ".", "--baseline", "base.json"]);
    assert_eq!(
        code, 0,
        "lines and columns moved, fingerprints did not: {report}"
    );
    assert_eq!(report["summary"]["suppressed"]["baseline"], 4);

    // the same secret pasted into another file is a new leak
    write_tree(
        d,
        &[(
            "serve/app.py",
            format!("OPENAI = \"{OPENAI_KEY}\"\n").as_bytes(),
        )],
    );
    let (code, report) = run(d, &["scan", ".", "--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [("serve/app.py".into(), "openai-api-key".into())]
    );
    // and so is a file renamed: the fingerprint names the path
    std::fs::remove_file(d.join("serve/app.py")).unwrap();
    std::fs::rename(d.join("deploy/config.json"), d.join("deploy/prod.json")).unwrap();
    let (code, report) = run(d, &["scan", ".", "--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [("deploy/prod.json".into(), "huggingface-token".into())]
    );
}

#[test]
fn a_baseline_works_for_staged_and_history_and_from_any_directory() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    leaky_repo(d);
    // written by a history scan, read by all three commands
    let o = out(d, &["history", "--write-baseline", "base.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let parsed: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("base.json")).unwrap()).unwrap();
    assert_eq!(parsed["findings"].as_array().unwrap().len(), 4);
    assert!(
        parsed["findings"][0]["commit"].as_str().unwrap().len() == 40,
        "history entries name their commit"
    );
    assert_eq!(run(d, &["history", "--baseline", "base.json"]).0, 0);
    assert_eq!(run(d, &["scan", ".", "--baseline", "base.json"]).0, 0);
    let (code, _) = run(
        &d.join("train"),
        &["scan", ".", "--baseline", "../base.json"],
    );
    assert_eq!(
        code, 0,
        "repository-relative fingerprints from a subdirectory"
    );

    // staged: an edit to a baselined file that adds a new key next to the old ones
    write_tree(
        d,
        &[(
            "train/settings.py",
            format!(
                "HF_TOKEN = \"{HF_KEY}\"\nOPENAI = \"{OPENAI_KEY}\"\nBACKUP = \"{OTHER_HF_KEY}\"\n"
            )
            .as_bytes(),
        )],
    );
    git(d, &["add", "."]);
    let (code, report) = run(d, &["staged", "--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [("train/settings.py".into(), "huggingface-token".into())]
    );
    assert_eq!(report["findings"][0]["line"], 3);
    // staged sees only what a commit adds: no entry is called stale
    assert_eq!(report["summary"]["baseline"]["stale"], Value::Array(vec![]));
    git(d, &["commit", "-q", "-m", "backup token"]);
    let (code, report) = run(d, &["history", "--baseline", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(found(&report).len(), 1);
    assert_eq!(report["summary"]["suppressed"]["baseline"], 4);
    // a pull-request range sees only its commit
    let (code, report) = run(d, &["history", "HEAD~1..HEAD", "--baseline", "base.json"]);
    assert_eq!((code, found(&report).len()), (1, 1));
}

#[test]
fn stale_entries_are_reported_and_pruned() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    leaky_repo(d);
    write_baseline(d, "base.json");
    // the OpenAI key is fixed (removed from the file)
    write_tree(
        d,
        &[(
            "train/settings.py",
            format!("HF_TOKEN = \"{HF_KEY}\"\nOPENAI = os.environ[\"OPENAI_API_KEY\"]\n")
                .as_bytes(),
        )],
    );
    let (code, report) = run(d, &["scan", ".", "--baseline", "base.json"]);
    assert_eq!(code, 0);
    let stale = report["summary"]["baseline"]["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (stale[0]["path"].as_str(), stale[0]["rule_id"].as_str()),
        (Some("train/settings.py"), Some("openai-api-key"))
    );
    let text = output_text(&out(d, &["scan", ".", "--baseline", "base.json"]));
    assert!(
        text.contains("1 baseline entry no longer found (remove them with --prune-baseline)"),
        "{text}"
    );
    // a scan of part of the tree does not call the rest stale
    let (_, report) = run(d, &["scan", "deploy", "--baseline", "base.json"]);
    assert_eq!(report["summary"]["baseline"]["stale"], Value::Array(vec![]));
    // nor does a scan that did not run the entry's rule
    let (_, report) = run(
        d,
        &[
            "scan",
            ".",
            "--baseline",
            "base.json",
            "--skip-rule",
            "openai-api-key",
        ],
    );
    assert_eq!(report["summary"]["baseline"]["stale"], Value::Array(vec![]));
    // staged cannot prune: it sees only what a commit adds
    let o = out(
        d,
        &["staged", "--baseline", "base.json", "--prune-baseline"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("sees only part of the repository"));
    // prune
    let o = out(
        d,
        &["scan", ".", "--baseline", "base.json", "--prune-baseline"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(output_text(&o).contains("removed 1 entries no longer found; 3 remain"));
    let (code, report) = run(d, &["scan", ".", "--baseline", "base.json"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["baseline"]["entries"], 3);
    assert_eq!(report["summary"]["baseline"]["stale"], Value::Array(vec![]));
    // --prune-baseline needs a baseline
    let o = out(d, &["scan", ".", "--prune-baseline"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("--prune-baseline needs a baseline"));
}

#[test]
fn the_config_names_the_baseline_relative_to_itself() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    leaky_repo(d);
    write_baseline(d, ".caulk-baseline.json");
    write_tree(
        d,
        &[("caulk.toml", b"baseline = \".caulk-baseline.json\"\n")],
    );
    let (code, report) = run(d, &["scan", "."]);
    assert_eq!(
        (code, report["summary"]["suppressed"]["baseline"].as_u64()),
        (0, Some(4))
    );
    let (code, _) = run(&d.join("train"), &["scan", "."]);
    assert_eq!(
        code, 0,
        "found from a subdirectory, resolved against caulk.toml's folder"
    );
    git(d, &["add", "caulk.toml"]);
    assert_eq!(run(d, &["staged"]).0, 0);
    assert_eq!(run(d, &["history"]).0, 0);
    // --baseline on the command line wins; --no-config drops it
    write_tree(
        d,
        &[("empty.json", b"{\"caulk_baseline\": 1, \"findings\": []}")],
    );
    assert_eq!(run(d, &["scan", ".", "--baseline", "empty.json"]).0, 1);
    assert_eq!(run(d, &["scan", ".", "--no-config"]).0, 1);
    // a configured baseline that is missing is an error with the fix, not "accept nothing"
    std::fs::remove_file(d.join(".caulk-baseline.json")).unwrap();
    let o = out(d, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = output_text(&o);
    assert!(
        err.contains(
            ".caulk-baseline.json: cannot read the baseline: No such file or directory (write one with `--write-baseline"
        ),
        "{err}"
    );
    // and a file that is not a baseline is named
    write_tree(
        d,
        &[(".caulk-baseline.json", b"[{\"Fingerprint\": \"x\"}]")],
    );
    let o = out(d, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains(".caulk-baseline.json: not a caulk baseline"));
}
