//! The help that teaches: `--version`, `caulk explain`, shell completions and the man page.

mod common;

use common::*;

fn stdout(args: &[&str]) -> String {
    let o = caulk().args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", output_text(&o));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn version_names_the_crate_and_the_rule_pack() {
    let v = stdout(&["--version"]);
    let rules = stdout(&["rules"]).lines().count();
    assert!(
        v.starts_with(&format!(
            "caulk {} (rule pack: {rules} rules, ",
            env!("CARGO_PKG_VERSION")
        )),
        "{v}"
    );
}

#[test]
fn explain_prints_what_a_rule_finds_and_how_to_rotate() {
    let text = stdout(&["explain", "huggingface-token"]);
    assert!(text.starts_with("huggingface-token — Hugging Face access token\n"));
    assert!(text.contains("looks like   text containing `hf_`"));
    assert!(text.contains("what to do   Invalidate the token at huggingface.co/settings/tokens"));
    assert!(text.contains("defined in   rules/huggingface.toml"));
    // the example's secret is redacted even though rule examples are fake
    let example = text.lines().find(|l| l.starts_with("example")).unwrap();
    assert!(example.contains("hf_*****"), "{example}");
    // `caulk rules ID` is the same
    assert_eq!(stdout(&["rules", "huggingface-token"]), text);
    // checks are named
    assert!(stdout(&["explain", "github-token"]).contains("`github-crc32` check passes"));
    let o = caulk().args(["explain", "hugging-face"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("no rule has the id `hugging-face`"));
}

#[test]
fn explain_reads_custom_rules_from_the_configuration() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let o = caulk().current_dir(d).arg("init").output().unwrap();
    assert!(o.status.success());
    let starter = std::fs::read_to_string(d.join("caulk.toml")).unwrap();
    // uncomment the starter's example rule
    let rule: String = starter
        .lines()
        .skip_while(|l| !l.starts_with("# [[rules]]"))
        .map(|l| format!("{}\n", l.trim_start_matches("# ")))
        .collect();
    std::fs::write(d.join("caulk.toml"), rule).unwrap();
    let o = caulk()
        .current_dir(d)
        .args(["explain", "acme-service-token"])
        .output()
        .unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("defined in   caulk.toml"), "{text}");
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    let bash = stdout(&["completions", "bash"]);
    assert!(bash.contains("_caulk()") && bash.contains("explain"));
    let st = std::process::Command::new("bash")
        .args(["-n", "-c", &bash])
        .status()
        .unwrap();
    assert!(st.success(), "the bash script parses");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        assert!(stdout(&["completions", shell]).contains("caulk"), "{shell}");
    }
    let man = stdout(&["man"]);
    assert!(man.contains(".TH caulk 1"));
    for sub in ["SCAN", "STAGED", "HISTORY", "RULES", "EXPLAIN"] {
        assert!(man.contains(&format!(".SH \"CAULK {sub}\"")), "{sub}");
    }
    assert!(
        man.contains("write\\-baseline"),
        "subcommand options are documented"
    );
}

#[test]
fn junit_report_has_a_failing_case_per_finding_and_no_secret() {
    let o = caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let xml = String::from_utf8(o.stdout).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"caulk\" tests=\"15\" failures=\"15\" errors=\"0\""));
    assert_eq!(xml.matches("<testcase ").count(), 15);
    assert_eq!(xml.matches("<failure type=").count(), 15);
    assert!(xml.contains("classname=\"caulk.openai-api-key\""));
    assert!(xml.trim_end().ends_with("</testsuites>"));
    let (_, full, _) = scan_json(root(), &["fixtures/demo", "--show-secrets"]);
    let secrets: Vec<String> = full["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets.len(), 15);
    assert_no_secret(&xml, &secrets, "junit");
    // a clean scan is one passing case
    let o = caulk()
        .current_dir(root())
        .args(["scan", "fixtures/clean", "--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8(o.stdout).unwrap();
    assert!(xml.contains("<testcase name=\"no secrets found\""));
    assert!(!xml.contains("<failure"));
}
