//! The real pre-commit framework (PyPI) runs caulk's hooks from this repository. Slow (the
//! framework builds caulk with `cargo install`), so it is `#[ignore]`d: `.ci/run` installs
//! pre-commit and runs it with `cargo test --test it precommit:: -- --ignored`.

use std::path::Path;
use std::process::{Command, Output};

use crate::util::*;
use tempfile::TempDir;

fn pre_commit() -> String {
    std::env::var("CAULK_PRE_COMMIT").unwrap_or_else(|_| "pre-commit".into())
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// This repository as committed (pre-commit clones it), or its working tree via a shadow commit.
fn caulk_repo() -> String {
    root().to_string_lossy().into_owned()
}

/// `git commit -m MSG` in `dir` (the hooks run), with an identity.
fn commit(dir: &Path, msg: &str) -> Output {
    run(
        dir,
        "git",
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-m",
            msg,
        ],
    )
}

fn repo_with(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    write_tree(dir.path(), files);
    git(dir.path(), &["add", "."]);
    dir
}

#[test]
#[ignore = "slow: builds caulk through the pre-commit framework; .ci/run runs it"]
fn pre_commit_try_repo_blocks_a_staged_key_and_passes_a_clean_change() {
    let leak = repo_with(&[(
        "settings.py",
        format!("OPENAI_API_KEY = '{OPENAI_KEY}'\n").as_bytes(),
    )]);
    let out = run(
        leak.path(),
        &pre_commit(),
        &["try-repo", &caulk_repo(), "caulk", "--verbose"],
    );
    let all = output_text(&out);
    assert!(
        !out.status.success(),
        "a staged key must fail the hook:\n{all}"
    );
    assert!(
        all.contains("settings.py:1:19") && all.contains("openai-api-key"),
        "{all}"
    );
    assert!(!all.contains(OPENAI_KEY), "no secret in the hook's output");

    let clean = repo_with(&[("app.py", b"print('hello')\n")]);
    let out = run(
        clean.path(),
        &pre_commit(),
        &["try-repo", &caulk_repo(), "caulk"],
    );
    assert!(
        out.status.success(),
        "a clean change passes:\n{}",
        output_text(&out)
    );
}

#[test]
#[ignore = "slow: builds caulk through the pre-commit framework; .ci/run runs it"]
fn pre_commit_installed_hooks_block_a_real_commit() {
    let head = String::from_utf8(run(root(), "git", &["rev-parse", "HEAD"]).stdout).unwrap();
    let config = format!(
        "repos:\n- repo: {}\n  rev: {}\n  hooks:\n  - id: caulk\n  - id: caulk-strip-notebooks\n",
        caulk_repo(),
        head.trim()
    );
    let nb = std::fs::read(root().join("fixtures/notebooks/execute_result.ipynb")).unwrap();
    let dir = repo_with(&[
        (".pre-commit-config.yaml", config.as_bytes()),
        ("README.md", b"# x\n"),
    ]);
    let d = dir.path();
    let out = run(d, &pre_commit(), &["install"]);
    assert!(out.status.success(), "{}", output_text(&out));
    let ok = commit(d, "clean");
    assert!(
        ok.status.success(),
        "a clean commit passes:\n{}",
        output_text(&ok)
    );

    write_tree(
        d,
        &[(
            "train.py",
            format!("OPENAI_API_KEY = '{OPENAI_KEY}'\n").as_bytes(),
        )],
    );
    git(d, &["add", "train.py"]);
    let blocked = commit(d, "leak");
    assert!(
        !blocked.status.success(),
        "the key is blocked:\n{}",
        output_text(&blocked)
    );
    git(d, &["rm", "-q", "--cached", "train.py"]);

    write_tree(d, &[("explore.ipynb", &nb)]);
    git(d, &["add", "explore.ipynb"]);
    let blocked = commit(d, "nb");
    let all = output_text(&blocked);
    assert!(!blocked.status.success(), "{all}");
    assert!(
        all.contains("explore.ipynb: outputs or metadata to strip"),
        "the strip hook fires too:\n{all}"
    );
}

/// The README's `repo: local` configuration, verbatim: the installed binary runs at pre-commit
/// and at pre-push.
#[test]
#[ignore = "needs the pre-commit framework; .ci/run runs it"]
fn readme_local_hooks_block_a_commit_and_a_push() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\nrepos:\n- repo: local\n")
        .expect("the README shows a local hook")
        + 8;
    let config = &readme[start..start + readme[start..].find("```").unwrap()];
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_caulk")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let with_path = |dir: &Path, program: &str, args: &[&str]| {
        Command::new(program)
            .current_dir(dir)
            .env("PATH", &path)
            .args(args)
            .output()
            .unwrap()
    };
    let dir = repo_with(&[(".pre-commit-config.yaml", config.as_bytes())]);
    let d = dir.path();
    for hook in ["pre-commit", "pre-push"] {
        let out = with_path(d, &pre_commit(), &["install", "--hook-type", hook]);
        assert!(out.status.success(), "{}", output_text(&out));
    }
    let ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"];
    let ok = with_path(
        d,
        "git",
        &[&ident[..], &["commit", "-qm", "config"]].concat(),
    );
    assert!(ok.status.success(), "{}", output_text(&ok));
    // pre-commit: a staged key is blocked
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "k.py"]);
    let blocked = with_path(d, "git", &[&ident[..], &["commit", "-qm", "leak"]].concat());
    assert!(!blocked.status.success(), "{}", output_text(&blocked));
    // pre-push: a key committed past the hook is blocked on its way out
    let forced = with_path(
        d,
        "git",
        &[&ident[..], &["commit", "-qm", "leak", "--no-verify"]].concat(),
    );
    assert!(forced.status.success());
    let remote = TempDir::new().unwrap();
    git(remote.path(), &["init", "-q", "--bare"]);
    let url = remote.path().to_string_lossy().into_owned();
    git(d, &["remote", "add", "origin", &url]);
    // a first push to the empty remote (the root commit goes too): the framework leaves
    // PRE_COMMIT_FROM_REF/TO_REF unset, and the leak is blocked all the same
    let new_branch = with_path(d, "git", &["push", "origin", "HEAD:refs/heads/first"]);
    let all = output_text(&new_branch);
    assert!(
        !new_branch.status.success(),
        "a first push is blocked:\n{all}"
    );
    assert!(all.contains("k.py:1:6") && !all.contains(HF_KEY), "{all}");
    // the remote starts with the clean commit, so the push brings only the leak
    let first = with_path(
        d,
        "git",
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            "HEAD~1:refs/heads/main",
        ],
    );
    assert!(first.status.success(), "{}", output_text(&first));
    let push = with_path(d, "git", &["push", "origin", "HEAD:refs/heads/main"]);
    let all = output_text(&push);
    assert!(!push.status.success(), "the push is blocked:\n{all}");
    assert!(all.contains("k.py:1:6") && !all.contains(HF_KEY), "{all}");
}

/// A `.pre-commit-config.yaml` using this repository's `caulk` hook at its committed `HEAD`.
fn caulk_hook_config() -> String {
    let head = String::from_utf8(run(root(), "git", &["rev-parse", "HEAD"]).stdout).unwrap();
    format!(
        "repos:\n- repo: {}\n  rev: {}\n  hooks:\n  - id: caulk\n",
        caulk_repo(),
        head.trim()
    )
}

/// The framework hook in all three modes. At commit time it judges the staged lines: a staged
/// key is blocked, a clean change beside an old committed key passes. `pre-commit run
/// --all-files` and `pre-commit run caulk --files F` hand it committed files with nothing staged:
/// each is scanned whole, so a committed key fails the run ("Failed", exit non-zero), naming the
/// file and never printing the key. A clean repository passes in every mode.
#[test]
#[ignore = "slow: builds caulk through the pre-commit framework; .ci/run runs it"]
fn pre_commit_hook_checks_named_files_in_every_mode() {
    let config = caulk_hook_config();
    let leak = repo_with(&[
        (".pre-commit-config.yaml", config.as_bytes()),
        ("README.md", b"# x\n"),
        (
            "conf/settings.py",
            format!("DEBUG = True\nHF_TOKEN = '{HF_KEY}'\n").as_bytes(),
        ),
    ]);
    let clean = repo_with(&[
        (".pre-commit-config.yaml", config.as_bytes()),
        ("README.md", b"# x\n"),
        ("app.py", b"print('hello')\n"),
    ]);
    for dir in [&leak, &clean] {
        let out = commit(dir.path(), "base");
        assert!(out.status.success(), "{}", output_text(&out));
    }

    // --all-files: every tracked file, scanned whole
    let out = run(leak.path(), &pre_commit(), &["run", "--all-files"]);
    let all = output_text(&out);
    assert!(
        !out.status.success(),
        "a committed key fails --all-files:\n{all}"
    );
    assert!(all.contains("Failed"), "{all}");
    assert!(
        all.contains("conf/settings.py:2:13") && all.contains("huggingface-token"),
        "{all}"
    );
    assert!(!all.contains(HF_KEY), "no secret in the hook's output");
    let out = run(clean.path(), &pre_commit(), &["run", "--all-files"]);
    assert!(
        out.status.success(),
        "clean --all-files:\n{}",
        output_text(&out)
    );
    assert!(output_text(&out).contains("Passed"));

    // --files: only the named files, scanned whole
    let out = run(
        leak.path(),
        &pre_commit(),
        &["run", "caulk", "--files", "conf/settings.py"],
    );
    let all = output_text(&out);
    assert!(
        !out.status.success(),
        "a committed key fails --files:\n{all}"
    );
    assert!(
        all.contains("Failed") && all.contains("conf/settings.py:2:13"),
        "{all}"
    );
    assert!(!all.contains(HF_KEY));
    let out = run(
        leak.path(),
        &pre_commit(),
        &["run", "caulk", "--files", "README.md"],
    );
    assert!(
        out.status.success(),
        "a clean named file passes, the unnamed key is not its business:\n{}",
        output_text(&out)
    );
    let out = run(
        clean.path(),
        &pre_commit(),
        &["run", "caulk", "--files", "app.py", "README.md"],
    );
    assert!(
        out.status.success(),
        "clean --files:\n{}",
        output_text(&out)
    );

    // a real `git commit`: the staged lines decide
    for dir in [&leak, &clean] {
        let d = dir.path();
        let out = run(d, &pre_commit(), &["install"]);
        assert!(out.status.success(), "{}", output_text(&out));
        write_tree(d, &[("notes.md", b"# notes\n")]);
        git(d, &["add", "notes.md"]);
        let ok = commit(d, "clean change");
        assert!(
            ok.status.success(),
            "a clean commit passes, even beside an old committed key:\n{}",
            output_text(&ok)
        );
        write_tree(
            d,
            &[(
                "train.py",
                format!("OPENAI_API_KEY = '{OPENAI_KEY}'\n").as_bytes(),
            )],
        );
        git(d, &["add", "train.py"]);
        let blocked = commit(d, "leak");
        let all = output_text(&blocked);
        assert!(!blocked.status.success(), "a staged key is blocked:\n{all}");
        assert!(
            all.contains("Failed") && all.contains("train.py:1:19"),
            "{all}"
        );
        assert!(
            !all.contains("conf/settings.py"),
            "at commit time only the staged file is checked:\n{all}"
        );
        assert!(!all.contains(OPENAI_KEY));
    }
}
