//! The real pre-commit framework (PyPI) runs caulk's hooks from this repository. Slow (the
//! framework builds caulk with `cargo install`), so it is `#[ignore]`d: `.ci/run` installs
//! pre-commit and runs it with `cargo test --test precommit -- --ignored`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
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
