//! Daily use (issue 16): messages that fit the mode (scan, staged, history), the summary on
//! standard error when the report goes elsewhere, and accepting a false alarm in one step
//! (`caulk ignore`, validated `.caulkignore` lines, the hint after a report).

use std::path::Path;

use crate::util::*;
use tempfile::TempDir;

/// A notebook whose one output printed the environment, `GROQ_API_KEY` included.
fn leaky_notebook() -> String {
    let nb = serde_json::json!({
        "cells": [{
            "cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream",
                         "text": [format!("{{'GROQ_API_KEY': '{GROQ_KEY}'}}\n")]}],
            "source": ["import os\n", "print(os.environ)"]
        }],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5
    });
    serde_json::to_string_pretty(&nb).unwrap() + "\n"
}

/// A git repository holding `nb.ipynb` (staged, not committed).
fn repo_with_notebook() -> TempDir {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    write_tree(dir.path(), &[("nb.ipynb", leaky_notebook().as_bytes())]);
    git(dir.path(), &["add", "nb.ipynb"]);
    dir
}

fn remediation(dir: &Path, args: &[&str]) -> String {
    let (code, report, _) = run_report(dir, args);
    assert_eq!(code, 1, "{report}");
    report["findings"][0]["remediation"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_notebook_output_fix_fits_the_mode() {
    let dir = repo_with_notebook();
    let scan = remediation(dir.path(), &["scan", "."]);
    assert!(
        scan.contains("(`caulk strip nb.ipynb`) before the notebook is committed"),
        "{scan}"
    );
    let staged = remediation(dir.path(), &["staged"]);
    assert!(
        staged
            .contains("(`caulk strip nb.ipynb`) and stage the notebook again (`git add nb.ipynb`)"),
        "{staged}"
    );
    assert!(
        !staged.contains("--amend"),
        "nothing is committed yet: {staged}"
    );
    git(dir.path(), &["commit", "-q", "-m", "notebook"]);
    let history = remediation(dir.path(), &["history"]);
    assert!(
        history.contains("and committed") && history.contains("force-push"),
        "{history}"
    );
    for fix in [&scan, &staged, &history] {
        assert!(!fix.contains(GROQ_KEY), "{fix}");
    }
}

#[test]
fn a_path_that_needs_quoting_is_quoted_in_the_fix() {
    let dir = TempDir::new().unwrap();
    write_tree(dir.path(), &[("my nb.ipynb", leaky_notebook().as_bytes())]);
    let fix = remediation(dir.path(), &["scan", "."]);
    assert!(fix.contains("`caulk strip 'my nb.ipynb'`"), "{fix}");
}

#[test]
fn the_summary_goes_to_stderr_when_the_report_does_not_show_it() {
    let dir = TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[("k.py", format!("k = '{GROQ_KEY}'\n").as_bytes())],
    );
    let to_file = caulk()
        .current_dir(dir.path())
        .args(["scan", "k.py", "-o", "report.txt"])
        .output()
        .unwrap();
    assert_eq!(to_file.status.code(), Some(1));
    assert!(to_file.stdout.is_empty());
    let err = String::from_utf8_lossy(&to_file.stderr);
    assert!(err.contains("caulk: 1 finding in 1 file"), "{err}");
    assert!(err.contains("caulk ignore "), "{err}");
    let json = caulk()
        .current_dir(dir.path())
        .args(["scan", "k.py", "--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&json.stderr);
    assert!(err.contains("caulk: 1 finding in 1 file"), "{err}");
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("stdout stays pure JSON");
    let quiet = caulk()
        .current_dir(dir.path())
        .args(["scan", "k.py", "-o", "report.txt", "-q"])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(1));
    assert!(quiet.stderr.is_empty() && quiet.stdout.is_empty());
    for out in [&to_file, &json] {
        assert_no_secret(&output_text(out), &[GROQ_KEY.into()], "summary and hint");
    }
}

#[test]
fn a_finding_is_accepted_in_one_step_with_caulk_ignore() {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    write_tree(
        dir.path(),
        &[("k.py", format!("k = '{GROQ_KEY}'\n").as_bytes())],
    );
    let first = caulk()
        .current_dir(dir.path())
        .args(["scan", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&first.stdout).into_owned();
    let short = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("accept  caulk ignore "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the text report shows how to accept each finding")
        .to_string();
    assert_eq!(short.len(), 12);
    let (_, report, _) = run_report(dir.path(), &["scan", "."]);
    let full = report["findings"][0]["fingerprint"].as_str().unwrap();
    assert!(full.starts_with(&short), "{short} begins {full}");
    let hint = String::from_utf8_lossy(&first.stderr);
    assert!(
        hint.contains(&format!("`caulk ignore {short} --reason")) && hint.contains("caulk:allow"),
        "{hint}"
    );

    // From a subfolder: the entry lands at the top of the work tree.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let ok = caulk()
        .current_dir(dir.path().join("sub"))
        .args(["ignore", &short, "--reason", "revoked test fixture"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", output_text(&ok));
    let file = std::fs::read_to_string(dir.path().join(".caulkignore")).unwrap();
    assert!(
        file.starts_with(&format!("{short}  # revoked test fixture (20")),
        "{file}"
    );
    let again = caulk()
        .current_dir(dir.path())
        .args(["ignore", &short.to_uppercase(), "--reason", "twice"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert!(output_text(&again).contains("already accepted"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".caulkignore")).unwrap(),
        file,
        "not added twice"
    );
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["suppressed"]["ignore_file"], 1);
}

#[test]
fn caulk_ignore_refuses_what_it_cannot_check() {
    let dir = TempDir::new().unwrap();
    for (args, says) in [
        (
            vec!["ignore", "12", "--reason", "x"],
            "no caulk fingerprint",
        ),
        (
            vec!["ignore", "path:rule:12", "--reason", "x"],
            "no caulk fingerprint",
        ),
        (
            vec!["ignore", "0123456789abcdef", "--reason", " "],
            "--reason",
        ),
        (vec!["ignore", "0123456789abcdef"], "--reason"),
    ] {
        let out = caulk()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            output_text(&out).contains(says),
            "{args:?}: {}",
            output_text(&out)
        );
    }
    assert!(!dir.path().join(".caulkignore").exists());
}

#[cfg(unix)]
#[test]
fn caulk_ignore_never_writes_through_a_link() {
    let dir = TempDir::new().unwrap();
    let elsewhere = dir.path().join("elsewhere.txt");
    std::fs::write(&elsewhere, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.path().join(".caulkignore")).unwrap();
    let out = caulk()
        .current_dir(dir.path())
        .args(["ignore", "0123456789abcdef", "--reason", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        output_text(&out).contains("symbolic link"),
        "{}",
        output_text(&out)
    );
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me\n");
}

#[test]
fn a_caulkignore_line_that_is_no_fingerprint_is_named() {
    let dir = TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[
            ("k.py", format!("k = '{GROQ_KEY}'\n").as_bytes()),
            // gitleaks' own fingerprint: path, rule, line. Read by its last field, it would be
            // the line number: refused instead.
            (
                ".caulkignore",
                b"# triaged\n0123456789abcdef0123\nk.py:groq-api-key:1\n",
            ),
        ],
    );
    let out = caulk()
        .current_dir(dir.path())
        .args(["scan", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".caulkignore:3:") && err.contains("k.py:groq-api-key:1"),
        "{err}"
    );
}

#[test]
fn a_finding_in_history_is_not_offered_a_pragma() {
    let dir = repo_with_notebook();
    git(dir.path(), &["commit", "-q", "-m", "notebook"]);
    let out = caulk()
        .current_dir(dir.path())
        .args(["history"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let hint = err
        .lines()
        .find(|l| l.contains("a false alarm?"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        hint.contains("caulk ignore") && !hint.contains("caulk:allow"),
        "a pragma cannot change a commit: {hint}"
    );
}
