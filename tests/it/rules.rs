//! Every built-in rule proves itself: its examples yield exactly their secrets and its negative
//! examples stay quiet, through the whole engine (prefilter and filters included).

use crate::util::{caulk, notes, run_report, write_tree};
use caulk_engine::rules::Ruleset;
use predicates::prelude::*;

#[test]
fn every_builtin_rule_passes_its_examples() {
    let set = Ruleset::builtin_with_examples().unwrap();
    let failures = set.check();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for r in &set.rules {
        assert!(
            !r.examples.is_empty() && !r.negative_examples.is_empty(),
            "{}",
            r.id
        );
    }
}

#[test]
fn rules_check_command_passes() {
    caulk().args(["rules", "--check"]).assert().code(0).stdout(
        predicate::str::is_match(r"^caulk: \d+ rules compile; all \d+ examples pass\n$").unwrap(),
    );
}

#[test]
fn rules_lists_ids_descriptions_and_keywords() {
    caulk()
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("openai-api-key"))
        .stdout(predicate::str::contains("Hugging Face access token  [hf_]"));
    let out = caulk()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v.as_array().unwrap();
    assert_eq!(rules.len(), Ruleset::builtin().unwrap().rules.len());
    for r in rules {
        for key in ["id", "description", "keywords", "regex", "remediation"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
    }
}

/// Each rule file in `rules/` is embedded: a new file that is not listed would silently not run.
#[test]
fn every_rule_file_is_embedded() {
    let mut on_disk: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
        .unwrap()
        .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = caulk_engine::rules::BUILTIN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

/// A committed `.env` reports every secret in it (not only the first), and a provider token
/// there is one finding carrying both fixes, not two findings masked two ways.
#[test]
fn a_dotenv_file_reports_every_secret_once() {
    let dir = tempfile::TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[(
            ".env",
            "DB_PASSWORD=Zqumpm-8hsE8JNpj\nSERVICE_TOKEN=nX1fkkjbd93oQGXy9KTUMAFGrM14gENAsIrs\nHF_TOKEN=hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry\nSMTP_SECRET=q8R2vLx0Tz5WmN3k\n".as_bytes(),
        )],
    );
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(code, 1);
    let got: Vec<(u64, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["rule_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "dotenv-file"),
            (2, "dotenv-file"),
            (3, "huggingface-token"),
            (4, "dotenv-file")
        ]
    );
    let hf = &report["findings"][2]["remediation"];
    assert!(
        hf.as_str().unwrap().contains("git rm --cached .env"),
        "{hf}"
    );
}

/// A password hash is not a credential to rotate, a vendor's documented example key is never
/// valid, and a redacted key is gone: none is reported (Jupyter's `sha1:`/`argon2:` password
/// used to fire as a password).
#[test]
fn password_hashes_doc_examples_and_redactions_are_not_reported() {
    let dir = tempfile::TempDir::new().unwrap();
    let text = concat!(
        "c.NotebookApp.password = u\"sha1:6c2164fd9c8f:1e8dbbd6bbb7e8d3bd5ab4b1a7e7f9a2a5c5d2e1\"\n",
        "c.ServerApp.password = 'argon2:$argon2id$v=19$m=10240,t=10,p=8$x5kDvJIdQ6F3iN8GbqQX3A$Kmeq0uHI3dpb3ZpwI/wbGtzpw0RRsAMw8pCGXPyGl1Y'\n",
        "password_hash = \"$2b$12$KIXQJHn8S5r4GZ1v9uq3eOqWc6l9sT0p3f2oQ7c4jZ5yH1vGkXc1e\"\n",
        "root_password = '$6$rounds=5000$saltsalt$Hk3Ybq0d9fJ1O2rU4o6e8Rj1u7Zp0xQ3tC5vB8nM2aS4dF6gH9jK1lZ3xC5vB7nM9qW2eR4tY6uI8oP0aS'\n",
        "DJANGO_PASSWORD = \"pbkdf2_sha256$600000$Q9eZb3r1k2Xv$Jp7Yk1tFz0nH3oR6uW2cA9sD4fG8hL5mB1vN7qE3xT0=\"\n",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
        "firebase = {\"apiKey\": \"AIzaSyDOCAbC123dEf456GhI789jKl01-MnO\"}\n",
        "OPENAI_API_KEY = \"sk-proj-********************************************************************************\"\n",
        "HF_TOKEN = \"hf_##################################\"\n",
    );
    write_tree(dir.path(), &[("jupyter_server_config.py", text.as_bytes())]);
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(
        (code, report["findings"].as_array().map(Vec::len)),
        (0, Some(0)),
        "{report:#}"
    );
}

/// A credential-shaped value in documentation is reported, marked as a likely example.
#[test]
fn a_key_in_documentation_is_marked_as_an_example() {
    let dir = tempfile::TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "README.md",
                b"export HF_TOKEN=hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry\n",
            ),
            (
                "src/app.py",
                b"T = 'hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry'\n",
            ),
        ],
    );
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(code, 1);
    let notes = notes(&report);
    let want = [
        (
            "README.md",
            "in documentation: likely an example; rotate it if it is real",
        ),
        ("src/app.py", ""),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, n)| (p.to_string(), n.to_string()))
        .collect();
    assert_eq!(notes, want);
}

/// A W&B key under a nested `wandb:` block of a Hydra config is found at medium confidence, so
/// `--min-confidence medium` keeps it (it used to hit only a low-confidence generic rule).
#[test]
fn a_wandb_key_in_a_nested_hydra_block_survives_min_confidence_medium() {
    let dir = tempfile::TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[(
            "conf/config.yaml",
            b"defaults:\n  - model: llama\nlogger:\n  wandb:\n    project: sft\n    api_key: 3f9a1c0e7b2d48e6a5f1c3b9d7e2a4f6c8b0d1e3\n",
        )],
    );
    let (code, report, _) = run_report(dir.path(), &["scan", ".", "--min-confidence", "medium"]);
    assert_eq!(code, 1, "{report:#}");
    let f = &report["findings"][0];
    assert_eq!(
        (
            f["rule_id"].as_str(),
            f["confidence"].as_str(),
            f["line"].as_u64()
        ),
        (Some("wandb-api-key-context"), Some("medium"), Some(6))
    );
}

/// Start-up stays in milliseconds however large the pack grows: a rule's regex compiles only when
/// one of its keywords hits, so every rule has keywords unless it runs by path (a sensitive file
/// judged by its name), and no keyword is so short that it hits everywhere.
#[test]
fn every_rule_has_keywords_unless_it_runs_by_path() {
    let set = Ruleset::builtin_with_examples().unwrap();
    let mut bad = Vec::new();
    for rule in &set.rules {
        if rule.path.is_none() && rule.keywords.is_empty() {
            bad.push(format!("{}: no keyword", rule.id));
        }
        for k in &rule.keywords {
            if k.len() < 3 {
                bad.push(format!(
                    "{}: keyword {k:?} is shorter than 3 bytes",
                    rule.id
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
