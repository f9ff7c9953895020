//! `caulk scan` end to end: the real binary over real files.

use crate::util::*;
use predicates::prelude::*;
use tempfile::TempDir;

/// Every planted secret of the demo, with its exact position.
const DEMO: &[(&str, u64, u64, &str)] = &[
    ("fixtures/demo/.env", 2, 16, "openai-api-key"),
    ("fixtures/demo/.env", 3, 10, "huggingface-token"),
    ("fixtures/demo/.env", 4, 19, "aws-access-key-id"),
    ("fixtures/demo/.env", 5, 23, "aws-secret-access-key"),
    (
        "fixtures/demo/config/experiment.yaml",
        8,
        22,
        "generic-password-env",
    ),
    (
        "fixtures/demo/config/experiment.yaml",
        10,
        20,
        "google-api-key",
    ),
    ("fixtures/demo/deploy/id_rsa", 1, 1, "private-key"),
    ("fixtures/demo/explore.ipynb", 22, 22, "huggingface-token"),
    ("fixtures/demo/requirements.txt", 4, 13, "github-token"),
    (
        "fixtures/demo/scripts/run_eval.sh",
        3,
        28,
        "replicate-api-token",
    ),
    ("fixtures/demo/scripts/run_eval.sh", 4, 21, "groq-api-key"),
    ("fixtures/demo/train.py", 11, 38, "anthropic-api-key"),
    (
        "fixtures/demo/train.py",
        13,
        71,
        "generic-password-assignment",
    ),
];

fn owned(want: &[(&str, u64, u64, &str)]) -> Vec<(String, u64, u64, String)> {
    want.iter()
        .map(|(p, l, c, r)| (p.to_string(), *l, *c, r.to_string()))
        .collect()
}

/// The full secrets of the demo, read with `--show-secrets` (also used by the snapshots).
pub(crate) fn demo_secrets() -> Vec<String> {
    let (_, report, _) = scan_json(root(), &["fixtures/demo", "--show-secrets"]);
    let secrets: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets.len(), DEMO.len());
    secrets
}

#[test]
fn demo_finds_every_planted_secret_at_its_position() {
    let (code, report, stderr) = scan_json(root(), &["fixtures/demo"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(positions(&report), owned(DEMO));
    let s = &report["summary"];
    assert_eq!(s["findings"], 13);
    assert_eq!(s["files_with_findings"], 7);
    // The OpenAI key in the committed .env is one finding carrying both fixes: rotate the key,
    // untrack the file.
    let fix = report["findings"][0]["remediation"].as_str().unwrap();
    assert!(
        fix.contains("platform.openai.com") || fix.contains("OpenAI"),
        "{fix}"
    );
    assert!(fix.contains("git rm --cached .env"), "{fix}");
    assert_eq!(s["files_scanned"], 9);
    assert_eq!(s["notebooks"], 1);
    let f = &report["findings"][0];
    for key in [
        "description",
        "end_line",
        "end_column",
        "secret_redacted",
        "fingerprint",
        "remediation",
        "snippet",
    ] {
        assert!(!f[key].is_null(), "{key} missing");
    }
    assert!(f["commit"].is_null() && f["notebook"].is_null());
    assert!(
        f.get("secret").is_none(),
        "secret must be absent without --show-secrets"
    );
    assert_eq!(
        f["end_column"].as_u64().unwrap() - f["column"].as_u64().unwrap(),
        164,
        "sk-proj- key length"
    );
}

#[test]
fn text_report_names_position_rule_redaction_and_fix() {
    caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo/train.py"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "fixtures/demo/train.py:11:38  anthropic-api-key (Anthropic API key; confidence medium)",
        ))
        .stdout(predicate::str::contains("secret  sk-ant-api03-*****umAA"))
        .stdout(predicate::str::contains(
            r#"line    judge = anthropic.Anthropic(api_key="sk-ant-api03-*****umAA")"#,
        ))
        .stdout(predicate::str::contains(
            "fix     Delete the key at console.anthropic.com",
        ))
        .stdout(predicate::str::contains(
            "caulk: 2 findings in 1 file; scanned 1 file (655 B) in",
        ));
}

#[test]
fn no_output_shows_a_full_secret_without_show_secrets() {
    let secrets = demo_secrets();
    for format in ["text", "json", "sarif", "github"] {
        for extra in [
            &[][..],
            &["-q"][..],
            &["-j", "1"][..],
            &["--show-suppressed"][..],
        ] {
            let out = caulk()
                .current_dir(root())
                .args(["scan", "fixtures/demo", "--format", format])
                .args(extra)
                .output()
                .unwrap();
            assert_no_secret(&output_text(&out), &secrets, &format!("{format} {extra:?}"));
        }
    }
}

#[test]
fn show_secrets_prints_them() {
    let secrets = demo_secrets();
    let out = caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--show-secrets"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for s in secrets.iter().filter(|s| !s.contains('\n')) {
        assert!(text.contains(s.as_str()), "missing {s}");
    }
}

#[test]
fn two_secrets_on_one_line_are_both_masked_in_each_snippet() {
    let dir = TempDir::new().unwrap();
    let line = format!("keys = ['{HF_KEY}', '{GROQ_KEY}']\n");
    write_tree(dir.path(), &[("keys.py", line.as_bytes())]);
    let (code, report, _) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1);
    let snippets: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["snippet"].as_str().unwrap())
        .collect();
    assert_eq!(snippets, ["keys = ['hf_*****rgOQ', 'gsk_*****J7ut']"; 2]);
}

#[test]
fn clean_tree_exits_zero() {
    caulk()
        .current_dir(root())
        .args(["scan", "fixtures/clean"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "caulk: no secrets found; scanned 3 files",
        ));
}

#[test]
fn binary_files_are_scanned_for_strings_and_oversized_files_skipped_and_counted() {
    let dir = TempDir::new().unwrap();
    // a PNG chunk holding a key (a tEXt chunk, as image tools write metadata)
    let mut binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x02\0\0\0\0\x25tEXt\0".to_vec();
    binary.extend_from_slice(HF_KEY.as_bytes());
    binary.extend_from_slice(b"\0\x8a\x01\x02IEND");
    let big = format!("{}\nHF_TOKEN={HF_KEY}\n", "x = 1\n".repeat(400));
    write_tree(
        dir.path(),
        &[
            ("weights.png", &binary),
            ("big.log", big.as_bytes()),
            ("small.py", b"x = 1\n"),
        ],
    );
    let (code, report, _) = scan_json(dir.path(), &[".", "--max-file-size", "1K"]);
    assert_eq!(code, 1);
    let s = &report["summary"];
    assert_eq!(
        (
            s["files_scanned"].as_u64(),
            s["binary_strings"].as_u64(),
            s["skipped_binary"].as_u64(),
            s["skipped_too_large"].as_u64()
        ),
        (Some(2), Some(1), Some(0), Some(1))
    );
    let at = binary
        .windows(HF_KEY.len())
        .position(|w| w == HF_KEY.as_bytes())
        .unwrap();
    let f = &report["findings"][0];
    assert_eq!(
        (f["path"].as_str(), f["byte_offset"].as_u64()),
        (Some("weights.png"), Some(at as u64))
    );
    // With the default limit the large file is scanned.
    let (code, report, _) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        positions(&report),
        vec![
            ("big.log".into(), 402, 10, "huggingface-token".into()),
            ("weights.png".into(), 4, 18, "huggingface-token".into())
        ]
    );
    caulk()
        .current_dir(dir.path())
        .args(["scan", ".", "--max-file-size", "1K"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "weights.png (binary, byte 29)  huggingface-token",
        ))
        .stdout(predicate::str::contains("1 binary (strings scanned)) in"))
        .stdout(predicate::str::contains("skipped 1 over the size limit"));
}

#[test]
fn non_utf8_crlf_and_lone_cr_files_keep_their_positions() {
    let (code, report, _) = scan_json(root(), &["fixtures/encoding"]);
    assert_eq!(code, 1);
    assert_eq!(
        positions(&report),
        owned(&[
            ("fixtures/encoding/crlf.env", 4, 19, "aws-access-key-id"),
            ("fixtures/encoding/latin1.py", 3, 15, "huggingface-token"),
            ("fixtures/encoding/oldmac.txt", 3, 14, "groq-api-key"),
        ])
    );
    for f in report["findings"].as_array().unwrap() {
        assert!(!f["snippet"].as_str().unwrap().contains('\r'));
    }
}

#[test]
fn missing_path_is_an_error_naming_it() {
    caulk()
        .current_dir(root())
        .args(["scan", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "caulk: no/such/dir: No such file or directory",
        ));
    // Findings elsewhere still exit 1 (they block too, and say more), and the error is named.
    caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo/.env", "no/such/file"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no/such/file"));
}

#[test]
fn unreadable_file_is_named_and_exits_nonzero() {
    let dir = TempDir::new().unwrap();
    write_tree(dir.path(), &[("ok.py", b"x = 1\n")]);
    // A link whose target is gone: followed, it cannot be read (this works as root too).
    std::os::unix::fs::symlink("/nonexistent/caulk-target", dir.path().join("broken.env")).unwrap();
    let (code, report, stderr) = scan_json(dir.path(), &[".", "--follow"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("caulk: broken.env: No such file or directory"),
        "{stderr}"
    );
    assert_eq!(report["errors"][0], "broken.env: No such file or directory");
    assert_eq!(report["summary"]["errors"], 1);
    // A file without read permission, where permissions apply (not as root).
    let p = dir.path().join("secret.env");
    std::fs::write(&p, "x=1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_err() {
        let (code, _, stderr) = scan_json(dir.path(), &["."]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("caulk: secret.env: Permission denied"),
            "{stderr}"
        );
    }
}

#[test]
fn stdin_is_scanned() {
    caulk()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(format!("print('hello')\nexport GROQ_API_KEY={GROQ_KEY}\n"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(r#""path": "<stdin>""#))
        .stdout(predicate::str::contains(r#""line": 2"#))
        .stdout(predicate::str::contains(r#""column": 21"#));
}

#[test]
fn thread_counts_give_identical_output() {
    let run = |j: &str| {
        let out = caulk()
            .current_dir(root())
            .args(["scan", "fixtures", "--format", "json", "-j", j])
            .output()
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["summary"]["elapsed_ms"] = 0.into();
        v
    };
    let one = run("1");
    assert!(one["findings"].as_array().unwrap().len() >= 15);
    assert_eq!(one, run("8"));
}

#[test]
fn bad_flags_exit_2() {
    caulk().args(["scan", "--frobnicate"]).assert().code(2);
    caulk().args(["scan", "--format", "xml"]).assert().code(2);
    caulk()
        .args(["scan", "--max-file-size", "lots"])
        .assert()
        .code(2);
    caulk().assert().code(2);
    caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--rule", "opneai-api-key"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no rule has the id `opneai-api-key`",
        ));
}

#[test]
fn rule_selection() {
    let (code, report, _) = scan_json(
        root(),
        &[
            "fixtures/demo",
            "--rule",
            "aws-access-key-id",
            "--rule",
            "groq-api-key",
        ],
    );
    assert_eq!(code, 1);
    let rules: Vec<String> = positions(&report).into_iter().map(|p| p.3).collect();
    assert_eq!(rules, ["aws-access-key-id", "groq-api-key"]);
    // A file rule finds what a provider rule finds in its file as one finding with both fixes;
    // without the provider rule, the file rule reports it alone.
    let (_, report, _) = scan_json(root(), &["fixtures/demo", "--skip-rule", "private-key"]);
    let rules: Vec<String> = positions(&report).into_iter().map(|p| p.3).collect();
    assert_eq!(rules.len(), DEMO.len());
    assert!(rules.contains(&"private-key-file".to_string()), "{rules:?}");
    assert!(!rules.contains(&"private-key".to_string()), "{rules:?}");
}

#[test]
fn confidence_is_reported_and_filtered() {
    let (_, report, _) = scan_json(root(), &["fixtures/demo"]);
    let conf = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap()["confidence"]
            .clone()
    };
    assert_eq!(conf("github-token"), "high", "its CRC32 checks out");
    assert_eq!(conf("openai-api-key"), "high", "it carries OpenAI's marker");
    assert_eq!(conf("private-key"), "high", "its body decodes to DER");
    assert_eq!(conf("groq-api-key"), "medium");
    assert_eq!(conf("generic-password-assignment"), "low");
    let (code, report, _) = scan_json(root(), &["fixtures/demo", "--min-confidence", "high"]);
    let rules: Vec<String> = positions(&report).into_iter().map(|p| p.3).collect();
    assert_eq!(
        (code, rules),
        (
            1,
            vec![
                "openai-api-key".to_string(),
                "private-key".to_string(),
                "github-token".to_string()
            ]
        )
    );
    assert_eq!(report["summary"]["findings"], 3);
    // a GitHub token whose checksum is broken is no real token: low, filtered by medium
    let dir = TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[(
            "t.env",
            b"GITHUB_TOKEN=ghp_qrc5XlrWi0B26R08qzjI6GKFSufrdZ4Zo8JV\n",
        )],
    );
    let (code, report, _) = scan_json(dir.path(), &[".", "--min-confidence", "medium"]);
    assert_eq!((code, report["findings"].as_array().unwrap().len()), (0, 0));
    caulk()
        .args(["scan", "--min-confidence", "certain"])
        .assert()
        .code(2);
}

#[test]
fn output_file_and_quiet() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("report.json");
    caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--format", "json", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["summary"]["findings"], 13);
    caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "-q"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn gitignore_is_respected_in_a_work_tree_but_named_paths_are_scanned() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let env = format!("OPENAI_API_KEY={OPENAI_KEY}\n");
    write_tree(
        d,
        &[
            (".gitignore", b"secrets.env\nbuild/\n"),
            ("secrets.env", env.as_bytes()),
            ("build/out.txt", env.as_bytes()),
            (
                ".hidden/.netrc",
                format!("machine x login y password {HF_KEY}\n").as_bytes(),
            ),
            ("src/app.py", b"print(1)\n"),
        ],
    );
    git(d, &["init", "-q"]);
    // A key inside .git/ itself is never scanned.
    write_tree(d, &[(".git/description", env.as_bytes())]);
    let (_, report, _) = scan_json(d, &[]);
    assert_eq!(
        positions(&report),
        vec![(".hidden/.netrc".into(), 1, 28, "huggingface-token".into())]
    );
    let (_, report, _) = scan_json(d, &["--no-ignore"]);
    let paths: Vec<String> = positions(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, [".hidden/.netrc", "build/out.txt", "secrets.env"]);
    let (code, report, _) = scan_json(d, &["secrets.env"]);
    assert_eq!(
        (code, positions(&report).len()),
        (1, 1),
        "a named file is scanned even if ignored"
    );
}

#[test]
fn symlinks_are_not_followed_unless_asked() {
    let dir = TempDir::new().unwrap();
    let outside = TempDir::new().unwrap();
    write_tree(
        outside.path(),
        &[("leak.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())],
    );
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
    let (code, report, _) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["skipped_other"], 1);
    let (code, _, _) = scan_json(dir.path(), &[".", "--follow"]);
    assert_eq!(code, 1);
}

#[test]
fn control_characters_in_file_names_are_escaped() {
    let dir = TempDir::new().unwrap();
    let name = "evil\x1b[2K\rcaulk: no secrets found\x07.env";
    write_tree(
        dir.path(),
        &[(name, format!("HF_TOKEN={HF_KEY}\n").as_bytes())],
    );
    let out = caulk()
        .current_dir(dir.path())
        .args(["scan", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\r') && !stdout.contains('\x07'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains(r"evil\x1b[2K\x0dcaulk: no secrets found\x07.env:1:10"),
        "{stdout}"
    );
}

#[test]
fn kubernetes_secret_data_and_other_base64_is_decoded_and_pointed_at() {
    let dir = TempDir::new().unwrap();
    let encoded = "aGZfb0NDeEtydklXY0NRTkp5TXNoaFNldmdWYVBLdnNMcmdPUQ=="; // base64 of HF_KEY
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hf\ndata:\n  HF_TOKEN: {encoded}\n  user: dHJhaW5lci1ib3Q=\n"
    );
    write_tree(
        dir.path(),
        &[
            ("secret.yaml", manifest.as_bytes()),
            (
                "plain.yaml",
                manifest
                    .replace("kind: Secret", "kind: ConfigMap")
                    .as_bytes(),
            ),
        ],
    );
    let (code, report, _) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1);
    let hf: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "huggingface-token")
        .collect();
    // Base64 is decoded wherever it stands (issue 15); a Secret's value says so and carries the
    // Secret's fix.
    let at: Vec<_> = hf
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["snippet"]
                    .as_str()
                    .unwrap()
                    .ends_with("(base64-decoded from a Kubernetes Secret)"),
                f["remediation"]
                    .as_str()
                    .unwrap()
                    .contains("Sealed Secrets"),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            ("plain.yaml", 6, 13, false, false),
            ("secret.yaml", 6, 13, true, true)
        ]
    );
    assert!(
        hf[0]["snippet"]
            .as_str()
            .unwrap()
            .ends_with("(base64-decoded)")
    );
    assert!(
        !output_text(
            &caulk()
                .current_dir(dir.path())
                .args(["scan", "."])
                .output()
                .unwrap()
        )
        .contains(HF_KEY)
    );
}

#[test]
fn jwt_is_checked_and_its_expiry_noted() {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0cmFpbmVyLWJvdCIsImV4cCI6MTcwMDAwMDAwMH0.q8Zr2LwP0vYt9KxBmm3Nf7cJ4hT1sW6yDg5eKa0Ru8";
    let out = caulk()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(format!("TOKEN={jwt}\n"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["findings"][0];
    assert_eq!(
        (f["rule_id"].as_str(), f["confidence"].as_str()),
        (Some("jwt"), Some("high"))
    );
    assert_eq!(f["note"], "JWT expired 2023-11-14T22:13:20+00:00");
}

/// caulk makes no network call: no HTTP client, TLS or SSH library is in the dependency tree.
#[test]
fn no_network_crates_in_the_dependency_tree() {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let names: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert!(names.contains(&"git2"));
    for banned in [
        "reqwest",
        "hyper",
        "ureq",
        "curl",
        "curl-sys",
        "isahc",
        "attohttpc",
        "openssl",
        "openssl-sys",
        "native-tls",
        "rustls",
        "libssh2-sys",
        "h2",
        "tokio",
    ] {
        assert!(!names.contains(&banned), "{banned} is in Cargo.lock");
    }
}

/// A fake RSA key body (the private-key rule's own example): its DER structure is valid, the
/// numbers are not a key.
pub(crate) const KEY_BODY: &str = "MIICVAIBACprsGuiSHrXN/3Kec72gy6BhzzJAANe7pVtESXLwDvrO7EKb//+vcXg\naJ1xCPRUin+xHabz8F4FJ73RFh/P7QV0KY26V2Z8Ji+qCXjd0TwTxzI1rPjN5KjB\n88PllP26Eh+PeY/TYzNX7CXjiWhKXfRzgGJR/nxiRAbVFyi3t/77fgB9EYyZv4U4\nkptRjvqfHC6rK6BZ1e1VWMOY7k4+GisQ7NAsxm1fKK4JrYXmqPU9aOr9Kfa9lwPi\nWH2BYKo/7+A+KY8RcM5oxr17DtZJDdpCqEoIaz8rZBHeVqXmJfsmvrp6DEAj9aaG\n6bp6B/M25tZdyyfhXpnFbXyU59l6TiOIlkYjxLgCYa8g9LcGQ5dTpD/a9JVrQa5n\nwPXP5yMiJBhlGC8GpHLJJBLeHqdIIE2J8VNlfuM4nyouL9tgM7W+jMELmrWB377G\nDsrtAmN23RBlw5Es2rY7QPaymlC+Cj5jJ0+55v1L0YDNjH3ykhmLmQ+CmLxS94RP\nSrOfhsKPMBCd0FP6M1oQUaj+axveE6YSoNDOwvpygZ/yBa6ltHF4hINj4GYSOQYM\nqW8KP0a0ltFnuW10zDxmYlN8OqHq9qcVCXosfV+3muM3x3OgocKeq7vbm7LRrkM+\ne+p/Yk6dYdOG9rb96AEpUDNP4GS3JReNLBSFTZ7xYL6+dvsb/fQqtG40rVVfpJSu\nMEIU8wdSg0Hx2Pcn5q6BMz2ZsEe3YSjwZHdmb3WdqkerLKpin0UZMPn1NwhZz6Hv\n37ReBBOAlAplm3Czcz39AfGLJRj5TzB0XuQAXioikg==";

/// A key block is reported at its `-----BEGIN … PRIVATE KEY-----` line (a PuTTY key at its first
/// line), where editors and other scanners point, in a key file, a Python string, a JSON string
/// with `\n` escapes and a CRLF file; the secret stays the body, so the fingerprint does not
/// depend on the line, and no report prints the body.
#[test]
fn key_blocks_are_reported_at_their_begin_line() {
    let pem =
        format!("-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----\n");
    let json_body = KEY_BODY.replace('\n', "\\n");
    let files: Vec<(String, String)> = vec![
        ("a.pem".into(), format!("\n\n{pem}")),
        (
            "b.py".into(),
            format!("def key():\n    return \"\"\"{}\"\"\"\n", pem.trim_end()),
        ),
        (
            "c.json".into(),
            format!(
                "{{\n  \"ssh_key\": \"-----BEGIN RSA PRIVATE KEY-----\\n{json_body}\\n-----END RSA PRIVATE KEY-----\\n\"\n}}\n"
            ),
        ),
        ("d.pem".into(), format!("# deploy\r\n{}", pem.replace('\n', "\r\n"))),
        (
            "e.ppk".into(),
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIHq8Zr2LwP0vYt9KxBmm3Nf7cJ4hT1sW6yDg5eKa0Ru8\nAAAA\nPrivate-Lines: 1\nAAAAIGF3q8Zr2LwP0vYt9KxBmm3Nf7cJ4hT1sW6yDg5eKa0Ru8xQ\nPrivate-MAC: 0d9a\n".into(),
        ),
    ];
    let dir = TempDir::new().unwrap();
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let (code, report, _) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["end_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a.pem".to_string(), 3, 1, 16),
            ("b.py".to_string(), 2, 15, 15),
            ("c.json".to_string(), 2, 15, 2),
            ("d.pem".to_string(), 2, 1, 15),
            ("e.ppk".to_string(), 1, 1, 8),
        ]
    );
    let snippets: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["snippet"].as_str().unwrap())
        .collect();
    assert_eq!(snippets[0], "-----BEGIN RSA PRIVATE KEY-----");
    assert_eq!(snippets[4], "PuTTY-User-Key-File-3: ssh-ed25519");
    // The body is still the secret: the same key in two files differs only by path, and one
    // moved down keeps its fingerprint.
    let fp = |r: &serde_json::Value, p: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = fp(&report, "a.pem");
    std::fs::write(dir.path().join("a.pem"), format!("# moved\n\n\n\n{pem}")).unwrap();
    let (_, moved, _) = scan_json(dir.path(), &["."]);
    assert_eq!(fp(&moved, "a.pem"), before);
    assert_eq!(positions(&moved)[0].1, 5);
    // No format prints the body.
    let (_, shown, _) = scan_json(dir.path(), &[".", "--show-secrets"]);
    let secrets: Vec<String> = shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    for format in ["text", "json", "sarif", "github", "junit", "markdown"] {
        let out = caulk()
            .current_dir(dir.path())
            .args(["scan", ".", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert_no_secret(&output_text(&out), &secrets, format);
    }
}
