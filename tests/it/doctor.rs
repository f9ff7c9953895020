//! `caulk doctor` on real repositories made in temp dirs: each set-up gap named with its fix,
//! `--fix` applying the safe ones, exit 0 only when nothing is missing.

use std::path::Path;
use std::process::Output;

use crate::util::*;
use tempfile::TempDir;

fn doctor(dir: &Path, args: &[&str]) -> (i32, String) {
    let out: Output = caulk()
        .current_dir(dir)
        .arg("doctor")
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), output_text(&out))
}

/// The `FIX` lines of a report.
fn fixes(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("FIX    "))
        .collect()
}

#[test]
fn a_bare_new_repository_is_told_each_gap_and_the_command() {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    write_tree(
        dir.path(),
        &[(".env", b"OPENAI_API_KEY=\n"), ("nb.ipynb", b"{}\n")],
    );
    git(dir.path(), &["add", "-A"]);
    let (code, report) = doctor(dir.path(), &[]);
    assert_eq!(code, 1, "{report}");
    let f = fixes(&report);
    assert_eq!(f.len(), 5, "{report}");
    for (gap, command) in [
        (
            ".gitignore does not cover .env",
            "add to .gitignore: .env .env.*",
        ),
        ("tracked, so committed: .env", "git rm --cached .env"),
        ("no pre-commit hook runs caulk", "caulk install-hook"),
        ("nothing strips their outputs", "caulk-strip-notebooks"),
        ("no CI job runs caulk", "caulk history origin/main..HEAD"),
    ] {
        assert!(
            report.contains(gap) && report.contains(command),
            "{gap}: {report}"
        );
    }
}

#[test]
fn fix_applies_the_ignore_lines_and_the_hook_and_a_complete_setup_passes() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[(".gitignore", b"__pycache__/"), ("train.py", b"print(1)\n")],
    );
    git(d, &["add", "-A"]);
    let (code, report) = doctor(d, &["--fix"]);
    assert_eq!(code, 1, "CI is still missing: {report}");
    assert!(report.contains("fixed  .gitignore: added .env"), "{report}");
    let ignore = std::fs::read_to_string(d.join(".gitignore")).unwrap();
    assert!(ignore.starts_with("__pycache__/\n# Secrets"), "{ignore}");
    assert!(
        ignore.contains("\n.env\n") && ignore.contains("!.env.example"),
        "{ignore}"
    );
    // git itself now ignores a new .env, and the hook blocks a commit that adds a key.
    write_tree(d, &[(".env", b"X=1\n")]);
    let st = std::process::Command::new("git")
        .current_dir(d)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&st.stdout).contains(".env"));
    assert!(
        report.contains("caulk's pre-commit hook is installed"),
        "{report}"
    );
    write_tree(d, &[("k.py", format!("k = '{GROQ_KEY}'\n").as_bytes())]);
    git(d, &["add", "k.py"]);
    let commit = std::process::Command::new("git")
        .current_dir(d)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "k",
        ])
        .output()
        .unwrap();
    assert!(
        !commit.status.success(),
        "the hook doctor installed blocks the key"
    );
    git(d, &["rm", "-q", "--cached", "k.py"]);
    // A second --fix changes nothing; with CI the set-up is complete.
    let before = std::fs::read_to_string(d.join(".gitignore")).unwrap();
    write_tree(
        d,
        &[(
            ".github/workflows/secrets.yml",
            b"steps:\n  - run: caulk history\n",
        )],
    );
    let (code, report) = doctor(d, &["--fix"]);
    assert_eq!(code, 0, "{report}");
    assert!(!report.contains("fixed"), "{report}");
    assert_eq!(
        std::fs::read_to_string(d.join(".gitignore")).unwrap(),
        before
    );
    assert!(report.contains("the set-up is complete"), "{report}");
}

#[test]
fn the_framework_configured_but_not_installed_is_a_gap() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[(
            ".pre-commit-config.yaml",
            b"repos:\n  - repo: https://example.org/caulk\n    rev: v0.1.0\n    hooks:\n      - id: caulk\n      - id: caulk-strip-notebooks\n",
        )],
    );
    let (_, report) = doctor(d, &[]);
    assert!(
        report.contains("its hook is not installed in this clone")
            && report.contains("→ pre-commit install"),
        "{report}"
    );
    // --fix does not put caulk's own hook beside the framework's configuration.
    let (_, report) = doctor(d, &["--fix"]);
    assert!(!report.contains("fixed  installed"), "{report}");
    // The framework's hook script, as `pre-commit install` writes it.
    write_tree(
        d,
        &[(
            ".git/hooks/pre-commit",
            b"#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexec python -mpre_commit hook-impl\n",
        )],
    );
    let (_, report) = doctor(d, &[]);
    assert!(
        report.contains("the pre-commit framework runs caulk"),
        "{report}"
    );
}

#[test]
fn a_notebook_filter_missing_in_a_fresh_clone_is_named() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            ("nb.ipynb", b"{}\n"),
            (".gitattributes", b"*.ipynb filter=nbstripout\n"),
        ],
    );
    git(d, &["add", "-A"]);
    let (_, report) = doctor(d, &[]);
    assert!(
        report.contains("no `filter.nbstripout.clean`")
            && report.contains("→ nbstripout --install"),
        "{report}"
    );
    git(d, &["config", "filter.nbstripout.clean", "nbstripout"]);
    let (_, report) = doctor(d, &[]);
    assert!(
        report.contains("stripped by the `nbstripout` git filter"),
        "{report}"
    );
}

#[test]
fn doctor_outside_a_repository_and_through_a_link_fails_closed() {
    let dir = TempDir::new().unwrap();
    let (code, report) = doctor(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(report.contains("inside one"), "{report}");
    #[cfg(unix)]
    {
        let d = dir.path();
        git(d, &["init", "-q"]);
        let elsewhere = d.join("elsewhere");
        std::fs::write(&elsewhere, "keep\n").unwrap();
        std::os::unix::fs::symlink(&elsewhere, d.join(".gitignore")).unwrap();
        let (code, report) = doctor(d, &["--fix"]);
        assert_eq!(code, 2, "{report}");
        assert!(report.contains("symbolic link"), "{report}");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep\n");
    }
}

#[test]
fn fix_gives_unguarded_notebooks_caulks_filter() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("nb.ipynb", b"{}\n")]);
    git(d, &["add", "-A"]);
    let (_, report) = doctor(d, &[]);
    assert!(report.contains("→ caulk strip --install"), "{report}");
    let (_, report) = doctor(d, &["--fix"]);
    assert!(
        report.contains("stripped by the `caulk` git filter"),
        "{report}"
    );
    let attrs = std::fs::read_to_string(d.join(".git/info/attributes")).unwrap();
    assert!(attrs.contains("*.ipynb filter=caulk"), "{attrs}");
}
