//! The help that teaches: `--version`, `caulk explain`, shell completions and the man page.

use crate::util::*;

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

/// W&B's rules name both key generations (the `wandb_v1_` key and the legacy 40-hex key), and
/// each confidence level is said as what it means for the rule, never "low (the format
/// matched)".
#[test]
fn explain_names_wandb_key_generations_and_what_confidence_means() {
    for id in [
        "wandb-api-key",
        "wandb-api-key-legacy",
        "wandb-netrc",
        "wandb-api-key-context",
    ] {
        let text = stdout(&["explain", id]);
        assert!(text.contains("`wandb_v1_`"), "{id}: {text}");
        assert!(
            text.contains("legacy 40-hex") || text.contains("legacy API key (40 hex)"),
            "{id}: {text}"
        );
        assert!(text.contains("see also     wandb-"), "{id}: {text}");
    }
    let conf = |id: &str| {
        let text = stdout(&["explain", id]);
        let at = text.find("confidence   ").unwrap();
        let rest = &text[at..];
        rest[..rest.find("\nentropy").unwrap_or(rest.len())].to_string()
    };
    assert!(
        conf("groq-api-key")
            .starts_with("confidence   always medium: the documented format matched")
    );
    let generic = conf("generic-password-assignment");
    assert!(
        generic.starts_with("confidence   always low: only the context"),
        "{generic}"
    );
    assert!(!generic.contains("format matched"), "{generic}");
    assert!(conf("sentry-dsn").contains("always low: the format matched, but the rule rates"));
    assert!(conf("putty-private-key").starts_with("confidence   always high: the pattern itself"));
    let checked = conf("github-token");
    assert!(
        checked.contains("high when its `github-crc32` check passes")
            && checked.contains("low when it fails"),
        "{checked}"
    );
    for id in [
        "groq-api-key",
        "generic-password-assignment",
        "sentry-dsn",
        "github-token",
    ] {
        assert!(!conf(id).contains("(the format matched)"), "{id}");
    }
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
    assert!(man.contains(".TH CAULK 1"));
    for sub in ["scan", "staged", "history", "rules", "explain"] {
        assert!(man.contains(&format!(".SS \"caulk {sub}\"")), "{sub}");
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
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"caulk\" tests=\"13\" failures=\"13\" errors=\"0\""));
    assert_eq!(xml.matches("<testcase ").count(), 13);
    assert_eq!(xml.matches("<failure type=").count(), 13);
    assert!(xml.contains("classname=\"caulk.openai-api-key\""));
    assert!(xml.trim_end().ends_with("</testsuites>"));
    let (_, full, _) = scan_json(root(), &["fixtures/demo", "--show-secrets"]);
    let secrets: Vec<String> = full["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets.len(), 13);
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

#[test]
fn report_flag_writes_every_format_from_one_scan() {
    let dir = tempfile::TempDir::new().unwrap();
    let d = dir.path();
    let (sarif, md, json) = (
        d.join("caulk.sarif"),
        d.join("summary.md"),
        d.join("r.json"),
    );
    let o = caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--format", "github", "-q"])
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--report")
        .arg(format!("markdown={}", md.display()))
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert!(o.stdout.is_empty(), "-q silences standard output only");
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let md = std::fs::read_to_string(&md).unwrap();
    let n = json["findings"].as_array().unwrap().len();
    assert_eq!(n, 13);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), n);
    assert!(md.starts_with("### ❌ caulk: 13 secrets in "), "{md}");
    // the main output, without -q: one annotation per finding, the same count
    let o = caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--format", "github"])
        .arg("--report")
        .arg(format!("junit={}", d.join("j.xml").display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.matches("::error file=").count(), n);
    let xml = std::fs::read_to_string(d.join("j.xml")).unwrap();
    assert_eq!(xml.matches("<failure type=").count(), n);
    assert_no_secret(
        &format!("{stdout}{xml}{md}"),
        &[HF_KEY.to_string()],
        "reports",
    );

    // two destinations naming one file (however spelled), or the -o file: exit 2, nothing run
    for clash in [
        vec![
            "--report".to_string(),
            format!("sarif={}", d.join("x").display()),
            "--report".to_string(),
            format!("json={}/./x", d.display()),
        ],
        vec![
            "-o".to_string(),
            d.join("y").display().to_string(),
            "--report".to_string(),
            format!("markdown={}", d.join("y").display()),
        ],
    ] {
        let o = caulk()
            .current_dir(root())
            .args(["scan", "fixtures/demo"])
            .args(&clash)
            .output()
            .unwrap();
        let text = output_text(&o);
        assert_eq!(o.status.code(), Some(2), "{clash:?}: {text}");
        assert!(text.contains("give each report its own file"), "{text}");
        assert!(!d.join("x").exists() && !d.join("y").exists());
    }
    // a bad FORMAT=FILE is refused at the command line
    let o = caulk()
        .args(["scan", ".", "--report", "xml=out.xml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("`xml` is not a report format"));
}
