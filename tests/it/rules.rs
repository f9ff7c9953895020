//! Every built-in rule proves itself: its examples yield exactly their secrets and its negative
//! examples stay quiet, through the whole engine (prefilter and filters included).

use crate::util::{caulk, run_report, write_tree};
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
