//! The configuration file: discovery, strictness (unknown keys and rule ids are errors naming the
//! file), disabled rules, custom rules with their examples, allowlists and scan defaults — on
//! files, `staged` and `history`.

use std::path::Path;
use std::process::Output;

use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

use crate::util::run_report as run;

fn out(dir: &Path, args: &[&str]) -> Output {
    caulk().current_dir(dir).args(args).output().unwrap()
}

/// A custom rule in the `rules/*.toml` format, with examples.
const ACME_KEY: &str = "acme_k3v9qz71mwp0xj2hd8rt5bnc4ylsa6ge";
fn acme_rule(example_secret: &str) -> String {
    format!(
        r#"
[[rules]]
id = "acme-service-token"
description = "ACME internal service token"
keywords = ["acme_"]
regex = '''\bacme_[a-z0-9]{{32}}\b'''
remediation = "Revoke it at https://tokens.acme.example and read it from the environment."
examples = [{{ text = "token = {ACME_KEY}", secret = "{example_secret}" }}]
negative_examples = ["acme_short", "acme_UPPERCASEISNOTATOKENATALL0000000"]
"#
    )
}

#[test]
fn config_disables_rules_and_sets_scan_defaults_that_flags_override() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let big = format!("{}\nkey = '{OPENAI_KEY}'\n", "# padding\n".repeat(200));
    write_tree(
        d,
        &[
            ("k.py", format!("a = '{GROQ_KEY}'\nb = '{HF_KEY}'\n").as_bytes()),
            ("big.py", big.as_bytes()),
            (
                "caulk.toml",
                b"disable = [\"groq-api-key\"]\n[scan]\nmax_file_size = \"1K\"\nmin_confidence = \"low\"\n",
            ),
        ],
    );
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [("k.py".into(), "huggingface-token".into())]
    );
    assert_eq!(report["summary"]["config"], "caulk.toml");
    assert_eq!(report["summary"]["skipped_too_large"], 1);
    // a flag beats [scan]
    let (_, report, _) = run(d, &["scan", ".", "--max-file-size", "1M"]);
    assert_eq!(found(&report).len(), 2, "big.py scanned: {report}");
    // --no-config: built-in rules and defaults only
    let (_, report, _) = run(d, &["scan", ".", "--no-config"]);
    assert_eq!(found(&report).len(), 3);
    assert!(report["summary"].get("config").is_none());
    // the text summary names the file in use
    let text = output_text(&out(d, &["scan", "."]));
    assert!(text.contains("; config caulk.toml"), "{text}");
}

#[test]
fn unknown_keys_and_rule_ids_are_errors_naming_the_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("a = '{GROQ_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    let cases: &[(&str, &[&str])] = &[
        (
            "[scan]\nmax_filesize = \"1M\"\n",
            &["caulk.toml: line 2: unknown field `max_filesize`"],
        ),
        (
            "[allowlist]\npaths = [\"a/**\"]\npath = [\"tests/**\"]\n",
            &["caulk.toml: line 3: unknown field `path`"],
        ),
        (
            "disable = [\"groq-key\"]\n",
            &["caulk.toml: disable: no rule has the id `groq-key`"],
        ),
        (
            "[allowlist.rule.groq-key]\npaths = [\"x\"]\n",
            &["caulk.toml: allowlist.rule.groq-key: no rule has the id"],
        ),
        (
            "[allowlist]\nregexes = [\"(unclosed\"]\n",
            &["caulk.toml: allowlist: regex `(unclosed` does not compile"],
        ),
        (
            "[allowlist]\npaths = [\"a[\"]\n",
            &["caulk.toml: allowlist: path glob `a[`"],
        ),
        (
            "[scan]\nmax_file_size = \"ten\"\n",
            &["caulk.toml: scan.max_file_size"],
        ),
    ];
    for (config, want) in cases {
        write_tree(d, &[("caulk.toml", config.as_bytes())]);
        for cmd in [&["scan", "."][..], &["staged"], &["history"], &["rules"]] {
            let o = out(d, cmd);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd:?} with {config:?}: {err}");
            for w in *want {
                assert!(err.contains(w), "{cmd:?}: {err:?} should contain {w:?}");
            }
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
            assert!(o.stdout.is_empty(), "no report on a bad config");
        }
    }
    // two configuration files in one place: which applies must not be a guess
    write_tree(d, &[("caulk.toml", b""), (".caulk.toml", b"")]);
    let o = out(d, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("both exist; keep one"));
    // .caulk.toml alone is read
    std::fs::remove_file(d.join("caulk.toml")).unwrap();
    write_tree(d, &[(".caulk.toml", b"disable = [\"groq-api-key\"]\n")]);
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(
        (code, report["summary"]["config"].as_str()),
        (0, Some(".caulk.toml"))
    );
    // a missing --config file is an error, not "no config"
    let o = out(d, &["scan", ".", "--config", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("nope.toml: cannot read the configuration file"));
}

#[test]
fn custom_rules_find_their_tokens_in_files_staged_and_history() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            ("caulk.toml", acme_rule(ACME_KEY).as_bytes()),
            (
                "svc/client.py",
                format!("TOKEN = \"{ACME_KEY}\"\n").as_bytes(),
            ),
        ],
    );
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        [("svc/client.py".into(), "acme-service-token".into())]
    );
    // the rule's own examples in caulk.toml are accepted, and counted
    assert_eq!(report["summary"]["suppressed"]["allowlist"], 2);
    assert_eq!(
        report["suppressed"][0]["detail"],
        "allowlist: an example of a rule in caulk.toml"
    );
    let f = &report["findings"][0];
    assert!(
        f["remediation"]
            .as_str()
            .unwrap()
            .starts_with("Revoke it at")
    );
    assert_eq!(f["secret_redacted"], "acme_*****a6ge");
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!((code, found(&report).len()), (1, 1));
    git(d, &["commit", "-q", "-m", "client"]);
    let (code, report, _) = run(d, &["history"]);
    assert_eq!((code, found(&report).len()), (1, 1));
    // `caulk rules` lists it; `--check` runs its examples with the built-in ones
    let o = out(d, &["rules"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("acme-service-token"));
    let o = out(d, &["rules", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(output_text(&o).contains("(with caulk.toml)"));
    // selecting it by id works as for built-in rules
    let (_, report, _) = run(d, &["scan", ".", "--rule", "acme-service-token"]);
    assert_eq!(found(&report).len(), 1);
    // a custom rule may not reuse a built-in id
    write_tree(
        d,
        &[(
            "caulk.toml",
            acme_rule(ACME_KEY)
                .replace("acme-service-token", "groq-api-key")
                .as_bytes(),
        )],
    );
    let o = out(d, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("caulk.toml: groq-api-key: duplicate rule id"));
}

#[test]
fn a_custom_rule_whose_examples_fail_stops_the_scan() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write_tree(
        d,
        &[
            // the example's expected secret is wrong: the rule does not do what its author thinks
            ("caulk.toml", acme_rule("acme_wrong").as_bytes()),
            ("a.py", format!("TOKEN = \"{ACME_KEY}\"\n").as_bytes()),
        ],
    );
    for cmd in [&["scan", "."][..], &["rules", "--check"]] {
        let o = out(d, cmd);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains("caulk.toml: acme-service-token: example")
                && err.contains("should yield exactly \"acme_wrong\""),
            "{err}"
        );
    }
    // no examples at all is refused too
    let no_examples = acme_rule(ACME_KEY)
        .lines()
        .filter(|l| !l.starts_with("examples"))
        .collect::<Vec<_>>()
        .join("\n");
    write_tree(d, &[("caulk.toml", no_examples.as_bytes())]);
    let o = out(d, &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("acme-service-token: rule has no examples"));
}

/// A tree where each allowlist mechanism accepts one finding, and one finding stays.
fn allowlisted_tree(d: &Path) {
    write_tree(
        d,
        &[
            (
                "caulk.toml",
                br#"
[allowlist]
paths = ["tests/fixtures/"]
regexes = ['''^gsk_3ntGi0''']
stopwords = ["qa-staging"]

[allowlist.rule.huggingface-token]
paths = ["*.md"]
"#,
            ),
            (
                "tests/fixtures/keys.py",
                format!("K = '{HF_KEY}'\n").as_bytes(),
            ),
            ("src/groq.py", format!("K = '{GROQ_KEY}'\n").as_bytes()),
            (
                "src/db.py",
                b"db_password = \"qa-staging-Kx91fZ\"\n".as_slice(),
            ),
            (
                "docs/setup.md",
                format!("Token: {HF_KEY}\nOpenAI: {OPENAI_KEY}\n").as_bytes(),
            ),
        ],
    );
}

fn check_allowlisted(code: i32, report: &Value, what: &str) {
    assert_eq!(code, 1, "{what}");
    assert_eq!(
        found(report),
        [("docs/setup.md".into(), "openai-api-key".into())],
        "{what}: a per-rule allowlist applies to its rule only"
    );
    assert_eq!(report["summary"]["suppressed"]["allowlist"], 4, "{what}");
    let mut details: Vec<String> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["reason"], "allowlist");
            format!(
                "{} {}",
                s["path"].as_str().unwrap(),
                s["detail"].as_str().unwrap()
            )
        })
        .collect();
    details.sort();
    assert_eq!(
        details,
        [
            "docs/setup.md allowlist.rule.huggingface-token: path `*.md`",
            "src/db.py allowlist: stopword `qa-staging`",
            "src/groq.py allowlist: regex `^gsk_3ntGi0`",
            "tests/fixtures/keys.py allowlist: path `tests/fixtures/`",
        ],
        "{what}"
    );
}

/// (path, the allowlist entry that held it back) of each suppressed finding, sorted.
fn held_back(report: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().into(),
                s["detail"].as_str().unwrap().into(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn allowlist_paths_read_as_gitignore_with_negation_folders_and_anchors() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    // each file's own bytes: history visits a blob once, whatever paths it has
    let files = [
        "notebooks/exp/a.py",
        "notebooks/prod/a.py",
        "notebooks/prod/deep/b.py",
        // a folder pattern matches such a folder at any depth, never a file of that name
        "fixtures/k.py",
        "tests/fixtures/k.py",
        "src/fixtures",
        // an anchored folder: the top one only
        "vendor/lib.py",
        "src/vendor/lib.py",
    ];
    let texts: Vec<Vec<u8>> = files
        .iter()
        .map(|f| format!("K = '{HF_KEY}'  # {f}\n").into_bytes())
        .collect();
    let mut tree: Vec<(&str, &[u8])> = vec![(
        "caulk.toml",
        br#"[allowlist]
paths = ["notebooks/", "!notebooks/prod/", "fixtures/", "/vendor/"]
"#,
    )];
    tree.extend(files.iter().zip(&texts).map(|(f, t)| (*f, t.as_slice())));
    write_tree(d, &tree);
    let reported = |report: &Value| -> Vec<String> {
        let mut v: Vec<String> = found(report).into_iter().map(|(p, _)| p).collect();
        v.sort();
        v
    };
    let want_reported = [
        "notebooks/prod/a.py",
        "notebooks/prod/deep/b.py",
        "src/fixtures",
        "src/vendor/lib.py",
    ];
    let want_held = [
        ("fixtures/k.py", "allowlist: path `fixtures/`"),
        ("notebooks/exp/a.py", "allowlist: path `notebooks/`"),
        ("tests/fixtures/k.py", "allowlist: path `fixtures/`"),
        ("vendor/lib.py", "allowlist: path `/vendor/`"),
    ]
    .map(|(p, w)| (p.to_string(), w.to_string()));
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(reported(&report), want_reported, "scan");
    assert_eq!(held_back(&report), want_held, "scan");
    // the same from a subfolder (patterns are relative to the repository's top) and in history
    let (_, report, _) = run(&d.join("notebooks"), &["scan", "."]);
    assert_eq!(
        reported(&report),
        ["prod/a.py", "prod/deep/b.py"],
        "scan notebooks/"
    );
    assert_eq!(
        held_back(&report),
        [(
            "exp/a.py".to_string(),
            "allowlist: path `notebooks/`".to_string()
        )],
        "scan notebooks/"
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "tree"]);
    let (code, report, _) = run(d, &["history"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(reported(&report), want_reported, "history");
    assert_eq!(held_back(&report), want_held, "history");
    // per-rule allowlists read the same way; `*.py` names the files themselves, so taking some
    // back takes a pattern that names them too (`!prod/` would name only their folder)
    write_tree(
        d,
        &[(
            "caulk.toml",
            b"[allowlist.rule.huggingface-token]\npaths = [\"*.py\", \"!**/prod/**\"]\n",
        )],
    );
    let (_, report, _) = run(d, &["scan", "."]);
    assert_eq!(
        reported(&report),
        [
            "notebooks/prod/a.py",
            "notebooks/prod/deep/b.py",
            "src/fixtures"
        ]
    );
}

#[test]
fn a_path_pattern_that_does_not_compile_is_one_line_that_hides_a_secret() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write_tree(d, &[("a.py", b"x = 1\n")]);
    let secret = "ghp_[R8xk2Vq9Lm4Tz7Wp1Ns6Db3Fh5Jc0Gy8Ke";
    for (config, want) in [
        (
            "[allowlist]\npaths = [\"docs/{a,b\"]\n".to_string(),
            "caulk.toml: allowlist: path glob `docs/{a,b`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)\n",
        ),
        (
            format!("[allowlist]\npaths = [\"docs/\", \"{secret}\"]\n"),
            "caulk.toml: allowlist: path glob 2 of 2 (value hidden): unclosed character class; missing ']' (write it as a .gitignore line; `\\` makes a special character such as `[` literal)",
        ),
        (
            "[allowlist]\npaths = [\"!\"]\n".to_string(),
            "caulk.toml: allowlist: path glob `!`: is empty",
        ),
    ] {
        write_tree(d, &[("caulk.toml", config.as_bytes())]);
        let o = out(d, &["scan", "."]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(
            err.starts_with(&format!("caulk: {want}")),
            "{err:?} should start with {want:?}"
        );
        assert!(!err.contains("R8xk2Vq9"), "{err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn allowlists_accept_paths_regexes_and_stopwords_on_files_staged_and_history() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    allowlisted_tree(d);
    let (code, report, _) = run(d, &["scan", "."]);
    check_allowlisted(code, &report, "scan");
    // globs are relative to the repository, whatever directory caulk runs from
    let (code, report, _) = run(&d.join("src"), &["scan", "."]);
    assert_eq!(
        code, 0,
        "src/ alone has only allowlisted findings: {report}"
    );
    assert_eq!(report["summary"]["suppressed"]["allowlist"], 2);
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    check_allowlisted(code, &report, "staged");
    git(d, &["commit", "-q", "-m", "tree"]);
    let (code, report, _) = run(d, &["history"]);
    check_allowlisted(code, &report, "history");
    // the text summary says what the allowlists held back
    let text = output_text(&out(d, &["scan", "."]));
    assert!(
        text.contains("4 suppressed (4 by the config's allowlists)"),
        "{text}"
    );
    assert_no_secret(
        &text,
        &[HF_KEY.into(), GROQ_KEY.into(), OPENAI_KEY.into()],
        "text report",
    );
}

#[test]
fn the_repository_config_applies_when_scanning_a_subdirectory_and_config_flag_wins() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            ("caulk.toml", b"disable = [\"groq-api-key\"]\n"),
            ("sub/k.py", format!("a = '{GROQ_KEY}'\n").as_bytes()),
            ("strict.toml", b"disable = []\n"),
        ],
    );
    // from the root, naming the subdirectory
    let (code, report, _) = run(d, &["scan", "sub"]);
    assert_eq!(
        (code, report["summary"]["config"].as_str()),
        (0, Some("caulk.toml"))
    );
    // from inside the subdirectory: the work tree's file, by its path
    let (code, report, _) = run(&d.join("sub"), &["scan", "."]);
    assert_eq!(code, 0);
    assert!(
        report["summary"]["config"]
            .as_str()
            .unwrap()
            .ends_with("caulk.toml")
    );
    // --config beats the discovered file (CI can pin the base branch's policy)
    let (code, _, _) = run(d, &["scan", "sub", "--config", "strict.toml"]);
    assert_eq!(code, 1);
    // a config in the scanned directory comes before the repository's
    write_tree(d, &[("sub/caulk.toml", b"disable = []\n")]);
    let (code, report, _) = run(d, &["scan", "sub"]);
    assert_eq!(
        (code, report["summary"]["config"].as_str()),
        (1, Some("sub/caulk.toml"))
    );
}

#[test]
fn init_writes_a_commented_starter_that_loads() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let o = out(d, &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let text = std::fs::read_to_string(d.join("caulk.toml")).unwrap();
    assert!(text.contains("[allowlist]") && text.contains("# [[rules]]"));
    write_tree(d, &[("k.py", format!("a = '{GROQ_KEY}'\n").as_bytes())]);
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(
        (code, report["summary"]["config"].as_str()),
        (1, Some("caulk.toml"))
    );
    assert_eq!(out(d, &["rules", "--check"]).status.code(), Some(0));
    // never overwrites by accident
    std::fs::write(d.join("caulk.toml"), "disable = [\"groq-api-key\"]\n").unwrap();
    let o = out(d, &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("caulk.toml: already exists"));
    assert_eq!(
        std::fs::read_to_string(d.join("caulk.toml")).unwrap(),
        "disable = [\"groq-api-key\"]\n"
    );
    assert_eq!(out(d, &["init", "--force"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(d.join("caulk.toml")).unwrap(), text);
}

/// The README's example configuration is valid as printed, and its error example is what caulk
/// prints.
#[test]
fn the_readme_examples_are_true() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```toml\nbaseline = ")
        .expect("README has the config example")
        + 8;
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write_tree(
        d,
        &[
            ("caulk.toml", block.as_bytes()),
            (
                ".caulk-baseline.json",
                b"{\"caulk_baseline\": 1, \"findings\": []}",
            ),
            ("a.py", format!("TOKEN = '{GROQ_KEY}'\n").as_bytes()),
        ],
    );
    let o = out(d, &["rules", "--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!((code, found(&report).len()), (1, 1));
    assert_eq!(report["summary"]["baseline"]["entries"], 0);

    let shown = readme
        .lines()
        .find(|l| l.starts_with("caulk: caulk.toml: line 2: unknown field"))
        .expect("README shows the unknown-key error");
    write_tree(d, &[("caulk.toml", b"[scan]\nmax_filesize = \"1M\"\n")]);
    let o = out(d, &["scan", "."]);
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim(), shown);
}
