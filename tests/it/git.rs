//! `caulk staged`, `caulk history` and the installed hook, on real repositories made with the
//! git CLI in temporary folders.

use std::path::Path;
use std::process::Command as Std;

use crate::util::*;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const ANTHROPIC: &str = "sk-ant-api03-AUsdMlHUvTCQCyEZDz_TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8Stqcbnr3yBdGBLEPH1qhT61qtc4xatAA";

/// A fresh repository with an identity.
fn repo() -> TempDir {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["config", "user.name", "Ada"]);
    git(dir.path(), &["config", "user.email", "ada@example.com"]);
    git(dir.path(), &["config", "commit.gpgsign", "false"]);
    dir
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    git_stdout(dir, args).trim().to_string()
}

fn commit_all(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git_out(dir, &["rev-parse", "HEAD"])
}

/// Runs `caulk ARGS --format json` in `dir`: (exit code, report, stderr).
fn run_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = caulk()
        .current_dir(dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON; stderr: {stderr}"));
    (out.status.code().unwrap(), report, stderr)
}

fn found(report: &Value) -> Vec<(String, u64, String)> {
    positions(report)
        .into_iter()
        .map(|(p, l, _, r)| (p, l, r))
        .collect()
}

fn row(p: &str, l: u64, r: &str) -> (String, u64, String) {
    (p.into(), l, r.into())
}

#[test]
fn staged_reports_only_what_the_commit_adds() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[(
            "app.py",
            format!("x = 1\nHF_TOKEN = '{HF_KEY}'\n").as_bytes(),
        )],
    );
    commit_all(d, "old secret, already committed");
    write_tree(
        d,
        &[(
            "app.py",
            format!("x = 1\nHF_TOKEN = '{HF_KEY}'\ny = 2\nGROQ = '{GROQ_KEY}'\n").as_bytes(),
        )],
    );
    git(d, &["add", "app.py"]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![row("app.py", 4, "groq-api-key")],
        "the old key on an unchanged line is not this commit's"
    );
}

/// Directories the staged change does not touch are vouched for by the index's cache tree and
/// never read; the change itself, deep in another directory, is still seen line by line.
#[test]
fn staged_in_a_deep_directory_beside_untouched_ones() {
    let r = repo();
    let d = r.path();
    let files: Vec<(String, String)> = (0..30)
        .map(|i| (format!("pkg{}/mod{i}/code.py", i % 3), format!("x = {i}\n")))
        .chain([("old/keys.env".to_string(), format!("HF_TOKEN={HF_KEY}\n"))])
        .collect();
    let tree: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_bytes()))
        .collect();
    write_tree(d, &tree);
    commit_all(d, "base");
    write_tree(
        d,
        &[(
            "pkg1/mod4/code.py",
            format!("x = 4\nGROQ = '{GROQ_KEY}'\n").as_bytes(),
        )],
    );
    git(d, &["add", "."]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("pkg1/mod4/code.py", 2, "groq-api-key")])
    );
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn staged_reads_the_index_not_the_working_file() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())]);
    git(d, &["add", "a.env"]);
    write_tree(
        d,
        &[
            ("a.env", b"HF_TOKEN=\n"),
            ("b.env", format!("GROQ={GROQ_KEY}\n").as_bytes()),
        ],
    );
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![row("a.env", 1, "huggingface-token")],
        "staged blob read; unstaged b.env ignored"
    );
}

#[test]
fn staged_with_no_commits_and_with_nothing_staged() {
    let r = repo();
    let d = r.path();
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(
        (code, report["summary"]["files_scanned"].as_u64()),
        (0, Some(0))
    );
    write_tree(
        d,
        &[("first.py", format!("key = '{OPENAI_KEY}'\n").as_bytes())],
    );
    git(d, &["add", "."]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(code, 1, "unborn HEAD: everything staged is added");
    assert_eq!(found(&report), vec![row("first.py", 1, "openai-api-key")]);
}

#[test]
fn staged_renames_deletions_binaries_and_submodules() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[
            (
                "old.env",
                format!("HF_TOKEN={HF_KEY}\nA=1\nB=2\nC=3\n").as_bytes(),
            ),
            ("gone.env", format!("G={GROQ_KEY}\n").as_bytes()),
        ],
    );
    let head = commit_all(d, "base");
    git(d, &["mv", "old.env", "new.env"]);
    git(d, &["rm", "-q", "gone.env"]);
    let mut bin = b"\0\0\0binary\0".to_vec();
    bin.extend_from_slice(GROQ_KEY.as_bytes());
    write_tree(d, &[("model.bin", &bin)]);
    git(d, &["add", "model.bin"]);
    git(
        d,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head},vendor/sub"),
        ],
    );
    let (code, report, stderr) = run_json(d, &["staged"]);
    // the binary file is scanned for its printable runs
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("model.bin", 1, "groq-api-key")]),
        "{stderr}"
    );
    assert_eq!(report["summary"]["binary_strings"], 1);
    assert_eq!(report["findings"][0]["byte_offset"], 10);
    // a binary file edited keeps what it held: only a secret it did not hold is new
    let mut edited = bin.clone();
    edited.extend(b"\0\x01\x02");
    write_tree(d, &[("model.bin", &edited)]);
    git(d, &["add", "model.bin"]);
    git(d, &["commit", "-q", "-m", "model", "--", "model.bin"]);
    edited.extend(b"\0");
    edited.extend(HF_KEY.as_bytes());
    write_tree(d, &[("model.bin", &edited)]);
    git(d, &["add", "model.bin"]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("model.bin", 1, "huggingface-token")])
    );
    // and history finds both, each with the commit that brought it
    git(d, &["commit", "-q", "-m", "model 2", "--", "model.bin"]);
    let (_, report, _) = run_json(d, &["history"]);
    let mut rules: Vec<String> = found(&report)
        .into_iter()
        .filter(|(p, _, _)| p == "model.bin")
        .map(|(_, _, r)| r)
        .collect();
    rules.sort();
    assert_eq!(rules, ["groq-api-key", "huggingface-token"]);
    assert!(report["summary"]["binary_strings"].as_u64() >= Some(2));
    // a rename that also adds a secret: only the added line counts
    write_tree(
        d,
        &[(
            "new.env",
            format!("HF_TOKEN={HF_KEY}\nA=1\nB=2\nC=3\nGROQ={GROQ_KEY}\n").as_bytes(),
        )],
    );
    git(d, &["add", "new.env"]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("new.env", 5, "groq-api-key")])
    );
}

#[test]
fn staged_paths_with_spaces_and_non_ascii_names_from_a_subdirectory() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[
            (
                "notes dir/клю ч.env",
                format!("HF_TOKEN={HF_KEY}\n").as_bytes(),
            ),
            ("sub/x.py", b"x = 1\n"),
        ],
    );
    git(d, &["add", "."]);
    let (code, report, _) = run_json(&d.join("sub"), &["staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![row("notes dir/клю ч.env", 1, "huggingface-token")],
        "paths are relative to the repository"
    );
}

#[test]
fn staged_notebook_counts_only_findings_on_added_lines() {
    let r = repo();
    let d = r.path();
    let nb =
        std::fs::read_to_string(root().join("fixtures/notebooks/stream_environ.ipynb")).unwrap();
    write_tree(d, &[("nb.ipynb", nb.as_bytes())]);
    git(d, &["add", "."]);
    let (_, report, _) = run_json(d, &["staged"]);
    assert_eq!(report["findings"].as_array().unwrap().len(), 3);
    assert_eq!(report["findings"][0]["notebook"]["output_type"], "stream");
    commit_all(d, "notebook");
    // a new cell with a key in its source; the old output keys are not this commit's
    let edited = nb.replacen("\"cells\": [\n", &format!("\"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"id\": \"n1\",\n   \"metadata\": {{}},\n   \"outputs\": [],\n   \"source\": [\n    \"key = '{ANTHROPIC}'\"\n   ]\n  }},\n"), 1);
    write_tree(d, &[("nb.ipynb", edited.as_bytes())]);
    git(d, &["add", "."]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(code, 1);
    let f = &report["findings"];
    assert_eq!(f.as_array().unwrap().len(), 1, "{f}");
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["notebook"]["field"].as_str()),
        (Some(10), Some("source"))
    );
}

#[test]
fn staged_during_a_merge() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("base.txt", b"base\n")]);
    commit_all(d, "base");
    git(d, &["checkout", "-q", "-b", "feature"]);
    write_tree(
        d,
        &[("feature.env", format!("GROQ={GROQ_KEY}\n").as_bytes())],
    );
    commit_all(d, "feature with a key");
    git(d, &["checkout", "-q", "-"]);
    write_tree(d, &[("main.txt", b"main\n")]);
    commit_all(d, "main moves on");
    git(d, &["merge", "--no-commit", "--no-ff", "-q", "feature"]);
    assert!(d.join(".git/MERGE_HEAD").exists());
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("feature.env", 1, "groq-api-key")])
    );
}

#[test]
fn installed_hook_blocks_a_real_commit_and_lets_a_clean_one_through() {
    let r = repo();
    let d = r.path();
    caulk()
        .current_dir(d)
        .arg("install-hook")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("installed"));
    write_tree(d, &[("ok.py", b"print('hello')\n")]);
    git(d, &["add", "."]);
    let ok = Std::new("git")
        .current_dir(d)
        .args(["commit", "-q", "-m", "clean"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    write_tree(
        d,
        &[(
            "settings.py",
            format!("OPENAI_API_KEY = '{OPENAI_KEY}'\n").as_bytes(),
        )],
    );
    git(d, &["add", "."]);
    let blocked = Std::new("git")
        .current_dir(d)
        .args(["commit", "-m", "leak"])
        .output()
        .unwrap();
    assert!(!blocked.status.success());
    let all = output_text(&blocked);
    assert!(
        all.contains("settings.py:1:19") && all.contains("git commit --no-verify"),
        "{all}"
    );
    assert!(!all.contains(OPENAI_KEY), "the hook prints no secret");
    assert_eq!(
        git_out(d, &["log", "--format=%s"]),
        "clean",
        "the leak was not committed"
    );
}

#[test]
fn hook_sees_the_index_git_builds_for_commit_all() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("cfg.env", b"A=1\n")]);
    commit_all(d, "base");
    caulk().current_dir(d).arg("install-hook").assert().code(0);
    // modified but not staged: `git commit -a` stages it into a temporary index for the hook
    write_tree(
        d,
        &[("cfg.env", format!("A=1\nHF_TOKEN={HF_KEY}\n").as_bytes())],
    );
    let out = Std::new("git")
        .current_dir(d)
        .args(["commit", "-a", "-m", "leak"])
        .output()
        .unwrap();
    let all = output_text(&out);
    assert!(!out.status.success(), "commit -a must be blocked: {all}");
    assert!(all.contains("cfg.env:2:10"), "{all}");
}

#[test]
fn install_hook_respects_foreign_hooks_hooks_path_and_uninstall() {
    let r = repo();
    let d = r.path();
    let hooks = d.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(
        hooks.join("pre-commit"),
        "#!/bin/sh\necho foreign-hook-ran\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        hooks.join("pre-commit"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    caulk()
        .current_dir(d)
        .arg("install-hook")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--chain"));
    caulk()
        .current_dir(d)
        .args(["install-hook", "--chain"])
        .assert()
        .code(0);
    write_tree(d, &[("x.py", b"x = 1\n")]);
    git(d, &["add", "."]);
    let out = Std::new("git")
        .current_dir(d)
        .args(["commit", "-m", "x"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // git shows a hook's output on its stderr
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("foreign-hook-ran"),
        "the chained hook runs first"
    );
    caulk()
        .current_dir(d)
        .arg("uninstall-hook")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("restored"));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        "#!/bin/sh\necho foreign-hook-ran\n"
    );
    caulk()
        .current_dir(d)
        .arg("uninstall-hook")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not caulk's"));
    caulk()
        .current_dir(d)
        .args(["install-hook", "--force"])
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(hooks.join("pre-commit"))
            .unwrap()
            .contains("caulk pre-commit hook")
    );
    // core.hooksPath is where git looks, so that is where the hook goes
    git(d, &["config", "core.hooksPath", "githooks"]);
    caulk().current_dir(d).arg("install-hook").assert().code(0);
    assert!(d.join("githooks/pre-commit").exists());
}

#[test]
fn hook_in_a_worktree_goes_to_the_common_hooks_folder() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.txt", b"a\n")]);
    commit_all(d, "base");
    let wt = TempDir::new().unwrap();
    let wt_path = wt.path().join("wt");
    git(d, &["worktree", "add", "-q", wt_path.to_str().unwrap()]);
    caulk()
        .current_dir(&wt_path)
        .arg("install-hook")
        .assert()
        .code(0);
    assert!(d.join(".git/hooks/pre-commit").exists());
    write_tree(
        &wt_path,
        &[("leak.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())],
    );
    git(&wt_path, &["add", "."]);
    let out = Std::new("git")
        .current_dir(&wt_path)
        .args(["commit", "-m", "leak"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "blocked in the worktree too");
}

#[test]
fn history_reports_a_secret_added_then_deleted_with_its_commit() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("README.md", b"# project\n")]);
    commit_all(d, "init");
    write_tree(
        d,
        &[(
            "train.py",
            format!("import os\nclient = Client(api_key='{ANTHROPIC}')\n").as_bytes(),
        )],
    );
    let leak = commit_all(d, "add the judge");
    write_tree(
        d,
        &[(
            "train.py",
            b"import os\nclient = Client(api_key=os.environ['ANTHROPIC_API_KEY'])\n",
        )],
    );
    commit_all(d, "read the key from the environment");
    let (code, report, _) = run_json(d, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![row("train.py", 2, "anthropic-api-key")]
    );
    let c = &report["findings"][0]["commit"];
    assert_eq!(c["sha"], leak.as_str());
    assert_eq!(c["author"], "t <t@example.com>");
    assert_eq!(c["message"], "add the judge");
    assert!(c["date"].as_str().unwrap().len() == 25, "{c}");
    assert_eq!(report["summary"]["commits"], 3);
    // text output names the commit
    caulk()
        .current_dir(d)
        .arg("history")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "commit  {} ",
            &leak[..12]
        )))
        .stdout(predicate::str::contains("scanned 3 blobs from 3 commits"));
}

/// A secret left in a file is in every later version of it: the history reports it once, from
/// the commit that brought it, however the threads that scan the versions (newest first) meet
/// them; the same secret in another file is its own finding.
#[test]
fn history_reports_a_secret_kept_through_many_versions_once_with_its_first_commit() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("README.md", b"# project\n")]);
    commit_all(d, "init");
    let mut text = format!("import os\nclient = Client(api_key='{ANTHROPIC}')\n");
    write_tree(d, &[("train.py", text.as_bytes())]);
    let leak = commit_all(d, "add the judge");
    for i in 0..40 {
        text.push_str(&format!("step_{i} = {i}\n"));
        write_tree(
            d,
            &[
                ("train.py", text.as_bytes()),
                ("notes.md", format!("{i}\n").as_bytes()),
            ],
        );
        commit_all(d, &format!("step {i}"));
    }
    write_tree(d, &[("copy.py", format!("{text}# a copy\n").as_bytes())]);
    let copy = commit_all(d, "copy");
    for threads in ["1", "2", "4"] {
        let (code, report, _) = run_json(d, &["history", "-j", threads]);
        assert_eq!(code, 1);
        assert_eq!(
            found(&report),
            vec![
                row("copy.py", 2, "anthropic-api-key"),
                row("train.py", 2, "anthropic-api-key")
            ],
            "-j {threads}"
        );
        let shas: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["commit"]["sha"].as_str().unwrap())
            .collect();
        assert_eq!(shas, [copy.as_str(), leak.as_str()], "-j {threads}");
        assert_eq!(report["summary"]["commits"], 43);
    }
}

/// caulk reads packs itself (libgit2 for what they do not hold): a history gives the same
/// report whether its objects are loose, packed with deltas on offsets or on names, or some of
/// each, on any number of threads.
#[test]
fn history_reads_loose_and_packed_objects_alike() {
    let r = repo();
    let d = r.path();
    let hf = "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";
    let mut text = String::from("import os\n");
    let mut notebook_lines = Vec::new();
    for i in 0..30 {
        text.push_str(&format!("step_{i} = {i}  # {}\n", "tune ".repeat(i % 5)));
        if i == 7 {
            text.push_str(&format!("client = Client(api_key='{ANTHROPIC}')\n"));
        }
        notebook_lines.push(format!("\"print({i})\\n\""));
        let outputs = if i == 12 {
            format!(
                r#"[{{"name": "stdout", "output_type": "stream", "text": ["HF_TOKEN={hf}\n"]}}]"#
            )
        } else {
            "[]".to_string()
        };
        let nb = format!(
            r#"{{"cells": [{{"cell_type": "code", "execution_count": 1, "metadata": {{}}, "outputs": {outputs}, "source": [{}]}}], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}}"#,
            notebook_lines.join(", ")
        );
        let big: String = (0..3000)
            .map(|k| format!("row {k} {}\n", (k * 7 + i) % 13))
            .collect();
        write_tree(
            d,
            &[
                ("src/train.py", text.as_bytes()),
                ("nb/explore.ipynb", nb.as_bytes()),
                ("data/big.csv", big.as_bytes()),
            ],
        );
        commit_all(d, &format!("step {i}"));
    }
    let report = |d: &Path, threads: &str| {
        let (code, report, stderr) = run_json(d, &["history", "-j", threads]);
        assert_eq!(code, 1, "{stderr}");
        (
            report["findings"].clone(),
            report["summary"]["blobs"].clone(),
        )
    };
    let loose = report(d, "2");
    let rows = found(&serde_json::json!({ "findings": loose.0 }));
    assert!(
        rows.contains(&row("src/train.py", 10, "anthropic-api-key")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|(p, _, _)| p.starts_with("nb/explore.ipynb")),
        "{rows:?}"
    );
    for offsets in ["true", "false"] {
        let config = format!("repack.useDeltaBaseOffset={offsets}");
        git(
            d,
            &[
                "-c",
                &config,
                "repack",
                "-a",
                "-d",
                "-f",
                "-q",
                "--depth=50",
                "--window=50",
            ],
        );
        let packs = std::fs::read_dir(d.join(".git/objects/pack"))
            .unwrap()
            .count();
        assert!(packs >= 2, "a pack and its index");
        for threads in ["1", "2", "4"] {
            assert_eq!(report(d, threads), loose, "offsets {offsets}, -j {threads}");
        }
    }
    // Packed history, and a new commit on top of it with its objects loose.
    write_tree(d, &[("later.env", format!("HF_TOKEN={hf}\n").as_bytes())]);
    commit_all(d, "later");
    let (_, mixed, _) = run_json(d, &["history"]);
    let mixed_rows = found(&mixed);
    assert!(
        mixed_rows.contains(&row("later.env", 1, "huggingface-token")),
        "{mixed_rows:?}"
    );
    assert_eq!(mixed_rows.len(), rows.len() + 1);
}

#[test]
fn history_ranges_all_refs_since_commit_and_blob_dedup() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())]);
    let first = commit_all(d, "key");
    // the same blob again under another path, and the same file again: scanned once each
    write_tree(
        d,
        &[
            ("copy.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes()),
            ("x.txt", b"x\n"),
        ],
    );
    commit_all(d, "copy");
    git(d, &["checkout", "-q", "-b", "side"]);
    write_tree(d, &[("side.env", format!("GROQ={GROQ_KEY}\n").as_bytes())]);
    commit_all(d, "side key");
    git(d, &["checkout", "-q", "-"]);
    let (_, report, _) = run_json(d, &["history"]);
    assert_eq!(
        found(&report),
        vec![row("a.env", 1, "huggingface-token")],
        "same blob, scanned and reported once"
    );
    assert_eq!(report["summary"]["files_scanned"], 2);
    let (_, report, _) = run_json(d, &["history", "--all"]);
    assert_eq!(found(&report).len(), 2, "--all sees the side branch");
    let (code, report, _) = run_json(d, &["history", &format!("{first}..side")]);
    // copy.env's blob was already in `first`, the range's base: not new, not reported again
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("side.env", 1, "groq-api-key")])
    );
    let (code, _, _) = run_json(d, &["history", "--since-commit", &first]);
    assert_eq!(
        code, 0,
        "after `first`, nothing new on main: the copy's blob predates the range"
    );
}

/// Editing a file that already held a secret makes a new blob with the old secret in it: a pull
/// request's range scan must not blame the pull request for it, and a full scan reports it once,
/// with the commit that really introduced it.
#[test]
fn history_range_does_not_blame_an_edit_for_an_older_secret() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("cfg.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())]);
    let old = commit_all(d, "old leak");
    write_tree(d, &[("README.md", b"# x\n")]);
    let base = commit_all(d, "base");
    write_tree(
        d,
        &[("cfg.env", format!("HF_TOKEN={HF_KEY}\nLR=0.1\n").as_bytes())],
    );
    commit_all(d, "tune the learning rate");
    let (code, _, _) = run_json(d, &["history", &format!("{base}..HEAD")]);
    assert_eq!(code, 0);
    let (_, report, _) = run_json(d, &["history"]);
    assert_eq!(found(&report), vec![row("cfg.env", 1, "huggingface-token")]);
    assert_eq!(report["findings"][0]["commit"]["sha"], old.as_str());
}

#[test]
fn history_errors_name_the_problem() {
    let outside = TempDir::new().unwrap();
    caulk()
        .current_dir(outside.path())
        .arg("history")
        .env("GIT_CEILING_DIRECTORIES", outside.path().parent().unwrap())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a git repository"));
    let r = repo();
    let d = r.path();
    caulk()
        .current_dir(d)
        .arg("history")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no commits yet"));
    for i in 0..4 {
        write_tree(d, &[("f.txt", format!("{i}\n").as_bytes())]);
        commit_all(d, &format!("c{i}"));
    }
    caulk()
        .current_dir(d)
        .args(["history", "v9..HEAD"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown revision in `v9..HEAD`"));
    let shallow = TempDir::new().unwrap();
    let url = format!("file://{}", d.display());
    let st = Std::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(shallow.path().join("s"))
        .status()
        .unwrap();
    assert!(st.success());
    caulk()
        .current_dir(shallow.path().join("s"))
        .args(["history", "HEAD~3..HEAD"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("shallow clone")
                .and(predicate::str::contains("fetch-depth: 0")),
        );
}

#[test]
fn sarif_and_github_formats() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[("my dir/leak.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())],
    );
    commit_all(d, "leak");
    let out = caulk()
        .current_dir(d)
        .args(["history", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let res = &run["results"][0];
    assert_eq!(res["ruleId"], "huggingface-token");
    assert_eq!(
        run["tool"]["driver"]["rules"][res["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "huggingface-token"
    );
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "my%20dir/leak.env");
    assert_eq!(
        (
            loc["region"]["startLine"].as_u64(),
            loc["region"]["startColumn"].as_u64()
        ),
        (Some(1), Some(10))
    );
    assert_eq!(
        res["partialFingerprints"]["caulk/v1"]
            .as_str()
            .unwrap()
            .len(),
        32
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(HF_KEY));
    caulk()
        .current_dir(d)
        .args(["history", "--format", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "::error file=my dir/leak.env,line=1,endLine=1,col=10,endColumn=47,title=caulk%3A huggingface-token::Hugging Face access token: hf_*****rgOQ",
        ))
        .stdout(predicate::str::contains(HF_KEY).not());
}

/// A committed `.env` is a finding of its own (with the .gitignore line to add), a template is not.
#[test]
fn staged_sensitive_files_block_and_templates_do_not() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[
            (".env.example", b"DB_PASSWORD=\nAPI_TOKEN=\n"),
            ("app.py", b"x = 1\n"),
        ],
    );
    git(d, &["add", "."]);
    let (code, _, _) = run_json(d, &["staged"]);
    assert_eq!(code, 0, "a template is not a credential");
    write_tree(d, &[(".env", b"DEBUG=1\nDB_PASSWORD=Xk7pQ2mLr9vTz4#a\n")]);
    git(d, &["add", ".env"]);
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(code, 1);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "dotenv-file")
        .expect("dotenv-file");
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64()),
        (Some(".env"), Some(2))
    );
    assert!(f["remediation"].as_str().unwrap().contains(".gitignore"));
}

/// The fingerprint of each finding, by (path, line).
fn fingerprints(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `pre-commit run --all-files` and `--files F` name committed files with nothing staged: each is
/// scanned whole from the working tree, as `caulk scan` reads it (same path, line, fingerprint),
/// from the repository's top or a subdirectory alike.
#[test]
fn staged_named_file_with_nothing_staged_is_scanned_whole() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[
            (
                "conf/keys.env",
                format!("A=1\nHF_TOKEN={HF_KEY}\n").as_bytes(),
            ),
            ("app.py", b"print('hello')\n"),
        ],
    );
    commit_all(d, "a key committed long ago");
    let (code, report, _) = run_json(d, &["staged"]);
    assert_eq!(code, 0, "nothing staged, no paths: as before");
    assert_eq!(report["summary"]["files_scanned"], 0);

    let (code, report, stderr) = run_json(d, &["staged", "conf/keys.env", "app.py"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        found(&report),
        vec![row("conf/keys.env", 2, "huggingface-token")]
    );
    assert_eq!(report["summary"]["files_scanned"], 2);
    assert!(stderr.contains("whole"), "{stderr}");
    let (_, scanned, _) = scan_json(d, &["conf/keys.env"]);
    assert_eq!(
        fingerprints(&report),
        fingerprints(&scanned),
        "as `caulk scan FILE` reports it"
    );
    // From a subdirectory, paths name files relative to it; reports stay repository-relative.
    let (code, sub, _) = run_json(&d.join("conf"), &["staged", "keys.env"]);
    assert_eq!(code, 1);
    assert_eq!(fingerprints(&sub), fingerprints(&report));
    // A clean named file passes.
    let (code, report, _) = run_json(d, &["staged", "app.py"]);
    assert_eq!(
        (code, report["summary"]["files_scanned"].as_u64()),
        (0, Some(1))
    );
    // The working file is what is read: an unstaged edit that removes the key passes.
    write_tree(d, &[("conf/keys.env", b"A=1\nHF_TOKEN=\n")]);
    let (code, _, _) = run_json(d, &["staged", "conf/keys.env"]);
    assert_eq!(code, 0);
    // ... and an untracked file named is scanned whole too.
    write_tree(d, &[("new.py", format!("G = '{GROQ_KEY}'\n").as_bytes())]);
    let (code, report, _) = run_json(d, &["staged", "new.py"]);
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("new.py", 1, "groq-api-key")])
    );
}

/// A named file with staged changes is judged by the lines the commit adds, from the staged blob:
/// an old key on an untouched line and an unstaged key in the working file do not count.
#[test]
fn staged_named_file_with_staged_changes_is_judged_by_added_lines() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("app.py", format!("HF = '{HF_KEY}'\n").as_bytes())]);
    commit_all(d, "old key");
    write_tree(
        d,
        &[(
            "app.py",
            format!("HF = '{HF_KEY}'\nx = 1\nG = '{GROQ_KEY}'\n").as_bytes(),
        )],
    );
    git(d, &["add", "app.py"]);
    write_tree(
        d,
        &[(
            "app.py",
            format!("HF = '{HF_KEY}'\nx = 1\nG = '{GROQ_KEY}'\nO = '{OPENAI_KEY}'\n").as_bytes(),
        )],
    );
    let (code, report, _) = run_json(d, &["staged", "app.py"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![row("app.py", 3, "groq-api-key")],
        "only the staged, added line"
    );
    let (_, unnamed, _) = run_json(d, &["staged"]);
    assert_eq!(
        fingerprints(&report),
        fingerprints(&unnamed),
        "as without paths"
    );
    // A staged edit that adds nothing secret passes, however old the file's key.
    write_tree(
        d,
        &[("app.py", format!("HF = '{HF_KEY}'\ny = 2\n").as_bytes())],
    );
    git(d, &["add", "app.py"]);
    let (code, _, _) = run_json(d, &["staged", "app.py"]);
    assert_eq!(code, 0);
}

/// Staged and unstaged named files together, split across two invocations as the framework may
/// split them; a staged file not named is left to the invocation that names it.
#[test]
fn staged_named_files_mixed_and_split_across_invocations() {
    let r = repo();
    let d = r.path();
    write_tree(
        d,
        &[
            ("old.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes()),
            ("edit.py", b"x = 1\n"),
        ],
    );
    commit_all(d, "base");
    write_tree(
        d,
        &[
            ("edit.py", format!("x = 1\nG = '{GROQ_KEY}'\n").as_bytes()),
            ("other.py", format!("O = '{OPENAI_KEY}'\n").as_bytes()),
        ],
    );
    git(d, &["add", "edit.py", "other.py"]);
    let (code, report, _) = run_json(d, &["staged", "edit.py", "old.env"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![
            row("edit.py", 2, "groq-api-key"),
            row("old.env", 1, "huggingface-token"),
        ],
        "other.py is staged but not named"
    );
    let (code, report, _) = run_json(d, &["staged", "other.py"]);
    assert_eq!(
        (code, found(&report)),
        (1, vec![row("other.py", 1, "openai-api-key")])
    );
}

/// A named path that is neither on disk nor a staged deletion is named in an error (exit 2); a
/// staged deletion has nothing to scan; a directory or a path outside the repository is refused.
#[test]
fn staged_named_missing_path_is_an_error() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.py", b"x = 1\n"), ("gone.py", b"y = 2\n")]);
    commit_all(d, "base");
    let out = caulk()
        .current_dir(d)
        .args(["staged", "a.py", "typo.py"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("typo.py: no such file, and not staged as a deletion"),
        "{stderr}"
    );
    git(d, &["rm", "-q", "gone.py"]);
    let (code, _, stderr) = run_json(d, &["staged", "gone.py"]);
    assert_eq!(code, 0, "a staged deletion: {stderr}");
    // deleted from the working tree but not staged: missing, so an error
    git(d, &["reset", "-q", "HEAD", "gone.py"]);
    let (code, _, stderr) = run_json(d, &["staged", "gone.py"]);
    assert_eq!(code, 2, "{stderr}");
    for (arg, says) in [
        (".", "a directory"),
        ("../elsewhere.py", "outside the repository"),
    ] {
        caulk()
            .current_dir(d)
            .args(["staged", arg])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}

/// A bare repository has no index to commit from: `caulk staged` says so and what to run instead.
#[test]
fn staged_in_a_bare_repository_is_an_error() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("k.env", format!("HF_TOKEN={HF_KEY}\n").as_bytes())]);
    commit_all(d, "key");
    let bare = TempDir::new().unwrap();
    let bare_path = bare.path().join("b.git");
    git(
        d,
        &["clone", "-q", "--bare", ".", bare_path.to_str().unwrap()],
    );
    for args in [&["staged"][..], &["staged", "k.env"]] {
        let out = caulk().current_dir(&bare_path).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains("bare repository") && stderr.contains("caulk history"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    // GIT_DIR naming a bare repository from elsewhere: the same.
    caulk()
        .current_dir(d)
        .env("GIT_DIR", &bare_path)
        .arg("staged")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bare repository"));
}

/// Runs git with `input` on standard input, returning its trimmed standard output.
fn git_in(dir: &Path, args: &[&str], input: &str) -> String {
    let out = with_stdin(
        Std::new("git").current_dir(dir).args(args),
        input.as_bytes(),
    );
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A pull request on a depth-1 checkout: its range reaches the graft, so scanning it is an
/// error naming the fix, never "no secrets" (the PR adds a key and removes it) nor the base's
/// secrets blamed on the PR; once deepened past the base, the same range scans normally.
#[test]
fn history_range_reaching_a_shallow_graft_is_an_error_until_deepened() {
    let r = repo();
    let src = r.path();
    for i in 0..3 {
        write_tree(src, &[("n.txt", format!("{i}\n").as_bytes())]);
        commit_all(src, "older");
    }
    write_tree(
        src,
        &[("base.py", format!("K = '{GROQ_KEY}'\n").as_bytes())],
    );
    commit_all(src, "old secret on main");
    write_tree(src, &[("README.md", b"# x\n")]);
    let base = commit_all(src, "base");
    git(src, &["checkout", "-q", "-b", "pr"]);
    write_tree(src, &[("pr.py", format!("T = '{HF_KEY}'\n").as_bytes())]);
    let leak = commit_all(src, "add a token");
    write_tree(src, &[("pr.py", b"T = os.environ['HF_TOKEN']\n")]);
    commit_all(src, "remove it");
    let tmp = TempDir::new().unwrap();
    let url = format!("file://{}", src.display());
    git(
        tmp.path(),
        &["clone", "-q", "--depth", "1", "--branch", "pr", &url, "s"],
    );
    let d = &tmp.path().join("s");
    git(d, &["fetch", "-q", "--depth", "1", "origin", &base]);
    let range = format!("{base}..HEAD");
    let out = caulk()
        .current_dir(d)
        .args(["history", &range])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let graft = git_out(d, &["rev-parse", "HEAD"]);
    assert!(
        err.contains(&format!("graft {graft}"))
            && err.contains("--deepen")
            && err.contains("fetch-depth: 0")
            && err.trim().lines().count() == 1,
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no report, no 'no secrets found'");
    // --since-commit has a base too
    caulk()
        .current_dir(d)
        .args(["history", "--since-commit", &base])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("graft"));
    // deepened: the range stays inside the commits present and scans as usual
    git(d, &["fetch", "-q", "--deepen=3", "origin", "pr"]);
    assert!(d.join(".git/shallow").exists(), "still shallow");
    let (code, report, _) = run_json(d, &["history", &range]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), vec![row("pr.py", 1, "huggingface-token")]);
    assert_eq!(report["findings"][0]["commit"]["sha"], leak.as_str());
    assert_eq!(report["summary"]["commits"], 2);
}

/// A full scan of a shallow clone still runs, but a secret only the graft's tree shows is not
/// blamed on the graft as if it brought it: the finding says so.
#[test]
fn history_of_a_shallow_clone_says_a_graft_finding_may_be_older() {
    let r = repo();
    let src = r.path();
    write_tree(src, &[("old.py", format!("K = '{GROQ_KEY}'\n").as_bytes())]);
    commit_all(src, "old");
    write_tree(src, &[("README.md", b"# x\n")]);
    commit_all(src, "graft here");
    write_tree(src, &[("new.py", format!("T = '{HF_KEY}'\n").as_bytes())]);
    let new = commit_all(src, "new");
    let tmp = TempDir::new().unwrap();
    let url = format!("file://{}", src.display());
    git(tmp.path(), &["clone", "-q", "--depth", "2", &url, "s"]);
    let d = &tmp.path().join("s");
    let graft = git_out(d, &["rev-parse", "HEAD~1"]);
    let (code, report, stderr) = run_json(d, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["shallow"], true);
    assert!(stderr.contains("shallow clone"), "{stderr}");
    let fs = report["findings"].as_array().unwrap();
    let by = |p: &str| fs.iter().find(|f| f["path"] == p).unwrap();
    let note = by("old.py")["note"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        note.contains(&format!("present at the shallow graft {}", &graft[..12]))
            && note.contains("introduced there or earlier"),
        "{note}"
    );
    assert_eq!(by("new.py")["commit"]["sha"], new.as_str());
    assert!(
        by("new.py").get("note").is_none(),
        "a later commit is blamed plainly"
    );
    // the text report shows the note
    caulk()
        .current_dir(d)
        .arg("history")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("present at the shallow graft"));
}

/// An empty side of a range is an unset variable, never "scanned 0 files"; a well-formed range
/// with no commits says "0 commits" and passes.
#[test]
fn history_range_with_an_empty_side_is_an_error_and_an_empty_range_is_zero_commits() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.txt", b"a\n")]);
    commit_all(d, "a");
    for (range, says) in [
        ("..HEAD", "the range has no base; is $BASE unset?"),
        ("...HEAD", "the range has no base"),
        ("HEAD..", "the range has no tip"),
        ("..", "the range has no base"),
        ("nope..HEAD", "`nope`"),
        ("HEAD..nope", "`nope`"),
    ] {
        let out = caulk()
            .current_dir(d)
            .args(["history", range])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{range}: {}", output_text(&out));
        assert!(
            err.contains(&format!("`{range}`")) || err.contains(says),
            "{range}: {err}"
        );
        assert!(err.contains(says), "{range}: {err}");
    }
    caulk()
        .current_dir(d)
        .args(["history", "--since-commit", ""])
        .assert()
        .code(2);
    caulk()
        .current_dir(d)
        .args(["history", "HEAD..HEAD"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("scanned 0 blobs from 0 commits"));
    let (code, report, _) = run_json(d, &["history", "HEAD..HEAD"]);
    assert_eq!((code, report["summary"]["commits"].as_u64()), (0, Some(0)));
}

/// `--all` reads refs that name a blob or a tree (directly or through an annotated tag), each
/// blob once, reported under the ref's name (`refs/tags/t`, `refs/tags/t:dir/file`).
#[test]
fn history_all_scans_tags_that_name_a_blob_or_a_tree() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.txt", b"a\n")]);
    commit_all(d, "a");
    let blob = git_in(
        d,
        &["hash-object", "-w", "--stdin"],
        &format!("T = '{HF_KEY}'\n"),
    );
    git(d, &["tag", "t", &blob]);
    let inner = git_in(
        d,
        &["hash-object", "-w", "--stdin"],
        &format!("K = '{GROQ_KEY}'\n"),
    );
    let sub = git_in(d, &["mktree"], &format!("100644 blob {inner}\tkey.py\n"));
    let tree = git_in(d, &["mktree"], &format!("040000 tree {sub}\tconf\n"));
    git(d, &["tag", "-a", "-m", "a tree", "tt", &tree]);
    // the same blob under a second tag, and a tag on a blob a commit has: each read once
    git(d, &["tag", "t2", &blob]);
    let committed = git_out(d, &["rev-parse", "HEAD:a.txt"]);
    git(d, &["tag", "t3", &committed]);
    let (code, report, _) = run_json(d, &["history", "--all"]);
    assert_eq!(code, 1);
    let mut got = found(&report);
    got.sort();
    assert_eq!(
        got,
        vec![
            row("refs/tags/t", 1, "huggingface-token"),
            row("refs/tags/tt:conf/key.py", 1, "groq-api-key"),
        ]
    );
    assert!(report["findings"][0]["commit"].is_null());
    assert_eq!(
        report["summary"]["files_scanned"], 3,
        "a.txt, the blob, key.py"
    );
    // without --all, HEAD's history only
    let (code, _, _) = run_json(d, &["history"]);
    assert_eq!(code, 0);
}

/// A blob over --max-file-size is named, with its size from the object's header, and not read.
#[test]
fn history_and_staged_skip_a_blob_over_the_limit() {
    let r = repo();
    let d = r.path();
    let big = format!("T = '{HF_KEY}'\n{}", "x = 1\n".repeat(400_000));
    write_tree(d, &[("big.py", big.as_bytes())]);
    git(d, &["add", "big.py"]);
    let (code, report, stderr) = run_json(d, &["staged", "--max-file-size", "1MiB"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["summary"]["skipped_too_large"], 1);
    assert!(stderr.contains("big.py"), "{stderr}");
    commit_all(d, "big");
    let (code, report, stderr) = run_json(d, &["history", "--max-file-size", "1MiB"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["summary"]["skipped_too_large"], 1);
    assert!(stderr.contains("big.py (blob"), "{stderr}");
    let (code, _, _) = run_json(d, &["history"]);
    assert_eq!(code, 1, "under the default limit it is read");
}

/// A range that adds patterns to a `.gitignore` or `.ignore` says so, as for `.caulkignore`;
/// one that adds only comments or negations does not.
#[test]
fn history_range_notices_new_ignore_patterns() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[(".gitignore", b"target/\n"), ("a.txt", b"a\n")]);
    let base = commit_all(d, "base");
    write_tree(
        d,
        &[
            (".gitignore", b"target/\n# build output\n!keep.txt\n"),
            ("a.txt", b"b\n"),
        ],
    );
    commit_all(d, "comment only");
    let (code, report, _) = run_json(d, &["history", &format!("{base}..HEAD")]);
    assert_eq!(code, 0);
    assert!(report["summary"].get("notices").is_none(), "{report}");
    write_tree(
        d,
        &[
            (".gitignore", b"target/\nsecrets/\n"),
            ("sub/.ignore", b"*\n"),
        ],
    );
    let hide = commit_all(d, "hide things");
    let (code, report, _) = run_json(d, &["history", &format!("{base}..HEAD")]);
    assert_eq!(code, 0);
    let notices: Vec<(String, String, String)> = report["summary"]["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["commit"].as_str().unwrap().to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert_eq!(
        (notices[0].0.as_str(), notices[0].1.as_str()),
        (".gitignore", hide.as_str())
    );
    assert!(notices[0].2.contains("`secrets/`"), "{notices:?}");
    assert!(
        notices[0]
            .2
            .contains("untracked files matching the new patterns are skipped"),
        "{notices:?}"
    );
    assert_eq!(notices[1].0, "sub/.ignore");
    // the text report shows them too
    caulk()
        .current_dir(d)
        .args(["history", &format!("{base}..HEAD")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "adds ignore patterns to sub/.ignore",
        ));
}

/// A bare remote in a temp folder and a clone of it with caulk as its git pre-push hook.
fn pushing_repo() -> (TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = TempDir::new().unwrap();
    let remote = tmp.path().join("remote.git");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&remote).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    git(&remote, &["init", "-q", "--bare"]);
    git(&work, &["init", "-q"]);
    git(&work, &["config", "user.name", "Ada"]);
    git(&work, &["config", "user.email", "ada@example.com"]);
    git(&work, &["config", "commit.gpgsign", "false"]);
    git(
        &work,
        &["remote", "add", "origin", &remote.to_string_lossy()],
    );
    let hook = work.join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' pre-push \"$@\"\n",
            env!("CARGO_BIN_EXE_caulk")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (tmp, remote, work)
}

/// `git push`, returning (success, stdout and stderr).
fn push(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Std::new("git")
        .current_dir(dir)
        .arg("push")
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (out.status.success(), output_text(&out))
}

/// The root commit of a first push to an empty remote is scanned: a key in it blocks the push.
#[test]
fn pre_push_hook_scans_the_root_commit_of_a_first_push() {
    let (_tmp, remote, w) = pushing_repo();
    write_tree(&w, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    let root = commit_all(&w, "root");
    let (ok, all) = push(&w, &["origin", "HEAD:refs/heads/main"]);
    assert!(!ok, "blocked: {all}");
    assert!(
        all.contains("k.py:1:6") && all.contains(&root[..12]) && all.contains("push blocked"),
        "{all}"
    );
    assert_no_secret(&all, &[HF_KEY.into()], "pre-push");
    assert!(
        Std::new("git")
            .current_dir(&remote)
            .args(["rev-parse", "--verify", "-q", "refs/heads/main"])
            .output()
            .unwrap()
            .stdout
            .is_empty(),
        "nothing reached the remote"
    );
}

/// A new branch's first push scans the commits no remote-tracking ref has: a key committed past
/// the pre-commit hook is blocked; a clean branch passes; deleting a branch passes.
#[test]
fn pre_push_hook_blocks_a_new_branch_and_lets_a_deletion_through() {
    let (_tmp, _remote, w) = pushing_repo();
    write_tree(&w, &[("a.py", b"x = 1\n")]);
    commit_all(&w, "clean");
    let (ok, all) = push(&w, &["-u", "origin", "HEAD:refs/heads/main"]);
    assert!(ok, "{all}");
    assert!(all.contains("scanned 1 blob from 1 commit"), "{all}");
    git(&w, &["checkout", "-q", "-b", "feature"]);
    write_tree(&w, &[("b.py", b"y = 2\n")]);
    commit_all(&w, "clean feature");
    let (ok, all) = push(&w, &["origin", "feature"]);
    assert!(ok, "{all}");
    assert!(all.contains("from 1 commit"), "only the new commit: {all}");
    git(&w, &["checkout", "-q", "-b", "leaky"]);
    write_tree(&w, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(&w, &["add", "k.py"]);
    git(&w, &["commit", "-q", "--no-verify", "-m", "leak"]);
    write_tree(&w, &[("c.py", b"z = 3\n")]);
    commit_all(&w, "on top");
    let (ok, all) = push(&w, &["origin", "leaky"]);
    assert!(!ok, "{all}");
    assert!(
        all.contains("k.py:1:6") && all.contains("from 2 commits"),
        "{all}"
    );
    assert_no_secret(&all, &[HF_KEY.into()], "pre-push");
    // a deletion sends nothing
    let (ok, all) = push(&w, &["origin", ":feature"]);
    assert!(ok, "{all}");
    assert!(all.contains("0 commits"), "{all}");
}

/// An update push scans only what the remote lacks: a key already on the remote is not reported
/// again; a new one is.
#[test]
fn pre_push_update_scans_only_the_new_commits() {
    let (_tmp, _remote, w) = pushing_repo();
    write_tree(&w, &[("old.py", format!("K = '{GROQ_KEY}'\n").as_bytes())]);
    commit_all(&w, "old leak");
    let (ok, _) = push(&w, &["--no-verify", "-u", "origin", "HEAD:refs/heads/main"]);
    assert!(ok);
    write_tree(
        &w,
        &[("old.py", format!("K = '{GROQ_KEY}'\nLR = 1\n").as_bytes())],
    );
    commit_all(&w, "edit the file with the old key");
    let (ok, all) = push(&w, &["origin", "HEAD:refs/heads/main"]);
    assert!(ok, "the old key is the remote's already: {all}");
    assert!(
        all.contains("no secrets found") && all.contains("from 1 commit"),
        "{all}"
    );
    write_tree(&w, &[("new.py", format!("T = '{HF_KEY}'\n").as_bytes())]);
    commit_all(&w, "new leak");
    let (ok, all) = push(&w, &["origin", "HEAD:refs/heads/main"]);
    assert!(!ok, "{all}");
    assert!(
        all.contains("new.py:1:6") && !all.contains("old.py"),
        "{all}"
    );
}

/// `caulk pre-push` driven by hand: several lines are scanned as one union (each commit once); a
/// remote sha missing here falls back to the remote-tracking refs; the framework's variables are
/// read when standard input is empty; malformed input is an error.
#[test]
fn pre_push_reads_lines_and_the_frameworks_variables() {
    let r = repo();
    let d = r.path();
    write_tree(d, &[("a.py", b"x = 1\n")]);
    let a = commit_all(d, "a");
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    let b = commit_all(d, "b");
    write_tree(d, &[("c.py", b"z = 1\n")]);
    let c = commit_all(d, "c");
    let zero = "0".repeat(40);
    let pre_push = |stdin: String, env: &[(&str, &str)]| {
        let mut cmd = caulk();
        cmd.current_dir(d)
            .args(["pre-push", "origin", "/nowhere", "--format", "json"])
            .write_stdin(stdin);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap(), report, output_text(&out))
    };
    // two refs sharing commits: a..c and a new ref at b (no remotes: everything reachable)
    let (code, report, all) = pre_push(
        format!("refs/heads/x {c} refs/heads/x {a}\nrefs/tags/v {b} refs/tags/v {zero}\n"),
        &[],
    );
    assert_eq!(code, 1, "{all}");
    assert_eq!(report["summary"]["commits"], 3, "a, b, c once each: {all}");
    assert_eq!(found(&report), vec![row("k.py", 1, "huggingface-token")]);
    // only c: nothing new
    let (code, report, _) = pre_push(format!("refs/heads/x {c} refs/heads/x {b}\n"), &[]);
    assert_eq!((code, report["summary"]["commits"].as_u64()), (0, Some(1)));
    // a remote sha this clone lacks: what no remote-tracking ref has (none here: all of it)
    let (code, report, _) = pre_push(
        format!("refs/heads/x {c} refs/heads/x {}\n", "1".repeat(40)),
        &[],
    );
    assert_eq!((code, report["summary"]["commits"].as_u64()), (1, Some(3)));
    // a deletion: nothing
    let (code, report, _) = pre_push(format!("(delete) {zero} refs/heads/x {c}\n"), &[]);
    assert_eq!((code, report["summary"]["commits"].as_u64()), (0, Some(0)));
    // the framework: FROM..TO, else the local branch's unpushed commits
    let (code, report, _) = pre_push(
        String::new(),
        &[("PRE_COMMIT_FROM_REF", &b), ("PRE_COMMIT_TO_REF", &c)],
    );
    assert_eq!((code, report["summary"]["commits"].as_u64()), (0, Some(1)));
    let (code, report, _) = pre_push(String::new(), &[("PRE_COMMIT_REMOTE_NAME", "origin")]);
    assert_eq!((code, report["summary"]["commits"].as_u64()), (1, Some(3)));
    // malformed input
    let (code, _, all) = pre_push("refs/heads/x HEAD\n".into(), &[]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("pre-push input, line 1"), "{all}");
}
