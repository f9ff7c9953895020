//! What caulk writes (stripped notebooks, reports, baselines, hooks) never goes through a symbolic
//! link and never overwrites a file the same run reads.

use std::path::Path;

use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Regression (issue 13): a repository that commits a symlink named like caulk's temporary file
/// made `caulk strip` write notebook JSON outside the repository; `caulk strip link.ipynb`
/// replaced the link; `install-hook --force` wrote through a symlinked hook; `-o` and
/// `--write-baseline` wrote through links. No command writes through a symbolic link.
#[cfg(unix)]
#[test]
fn no_command_writes_through_a_symbolic_link() {
    let outside = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let nb = r#"{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "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\n"
     ]
    }
   ],
   "source": [
    "print(tok)"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
"#;
    write_tree(d, &[("train.ipynb", nb.as_bytes())]);
    // the name caulk used to write its temporary file under, planted as a link
    symlink(&victim, &d.join(".train.ipynb.caulk-tmp"));
    let o = caulk()
        .current_dir(d)
        .args(["strip", "train.ipynb"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(
        !std::fs::read_to_string(d.join("train.ipynb"))
            .unwrap()
            .contains("hf_")
    );
    // `scan --strip-outputs` the same
    write_tree(d, &[("train.ipynb", nb.as_bytes())]);
    let o = caulk()
        .current_dir(d)
        .args(["scan", ".", "--strip-outputs"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(
        !std::fs::read_to_string(d.join("train.ipynb"))
            .unwrap()
            .contains("hf_")
    );
    // a symlinked notebook named to strip is refused by name; its target keeps its outputs
    let target_nb = outside.path().join("shared.ipynb");
    std::fs::write(&target_nb, nb).unwrap();
    symlink(&target_nb, &d.join("link.ipynb"));
    let o = caulk()
        .current_dir(d)
        .args(["strip", "link.ipynb"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains("link.ipynb: is a symbolic link"),
        "{}",
        output_text(&o)
    );
    assert_eq!(std::fs::read_to_string(&target_nb).unwrap(), nb);
    assert!(
        std::fs::symlink_metadata(d.join("link.ipynb"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // a read-only notebook is named and left alone
    write_tree(d, &[("ro.ipynb", nb.as_bytes())]);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("ro.ipynb"), std::fs::Permissions::from_mode(0o444))
            .unwrap();
    }
    let o = caulk()
        .current_dir(d)
        .args(["strip", "ro.ipynb"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains("ro.ipynb: is read-only"),
        "{}",
        output_text(&o)
    );
    assert_eq!(std::fs::read_to_string(d.join("ro.ipynb")).unwrap(), nb);
    // -o and --write-baseline replace a link at their path, never write through it
    symlink(&victim, &d.join("report.json"));
    symlink(&victim, &d.join("baseline.json"));
    let o = caulk()
        .current_dir(d)
        .args(["scan", "ro.ipynb", "--format", "json", "-o", "report.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = caulk()
        .current_dir(d)
        .args(["scan", "ro.ipynb", "--write-baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    for f in ["report.json", "baseline.json"] {
        let m = std::fs::symlink_metadata(d.join(f)).unwrap();
        assert!(m.is_file(), "{f} is a file now");
        let v: Value = serde_json::from_slice(&std::fs::read(d.join(f)).unwrap()).unwrap();
        assert!(v.is_object());
    }
    // no temporary file is left behind
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".caulk-tmp") && n != ".train.ipynb.caulk-tmp")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // install-hook --force replaces a symlinked hook with a file
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[("scripts/tracked-hook.sh", b"#!/bin/sh\necho tracked\n")],
    );
    std::fs::create_dir_all(d.join(".git/hooks")).unwrap();
    symlink(
        &d.join("scripts/tracked-hook.sh"),
        &d.join(".git/hooks/pre-commit"),
    );
    let o = caulk()
        .current_dir(d)
        .args(["install-hook", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("scripts/tracked-hook.sh")).unwrap(),
        "#!/bin/sh\necho tracked\n"
    );
    let hook = d.join(".git/hooks/pre-commit");
    assert!(std::fs::symlink_metadata(&hook).unwrap().is_file());
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("caulk pre-commit hook")
    );
}

/// `-o` or `--write-baseline` naming a file the same run reads is refused before anything is
/// written: a scan that overwrites its own input has failed.
#[test]
fn reports_never_overwrite_an_input() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let env = format!("HF_TOKEN={HF_KEY}\n");
    write_tree(
        d,
        &[
            ("a.env", env.as_bytes()),
            ("caulk.toml", b"disable = []\n"),
            ("base.json", b"{\"caulk_baseline\": 1, \"findings\": []}\n"),
        ],
    );
    for (args, what) in [
        (
            vec!["scan", "a.env", "-o", "a.env"],
            "a.env: is a file this scan reads",
        ),
        (
            vec!["scan", ".", "-o", "caulk.toml"],
            "caulk.toml: is the configuration",
        ),
        (
            vec!["scan", ".", "--baseline", "base.json", "-o", "./base.json"],
            "base.json: is the baseline",
        ),
        (
            vec!["scan", "a.env", "--write-baseline", "a.env"],
            "a.env: is a file this scan reads",
        ),
        (
            vec!["scan", "a.env", "--report", "sarif=a.env"],
            "a.env: is a file this scan reads",
        ),
    ] {
        let o = caulk().current_dir(d).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            output_text(&o).contains(what),
            "{args:?}: {}",
            output_text(&o)
        );
    }
    assert_eq!(std::fs::read_to_string(d.join("a.env")).unwrap(), env);
    assert_eq!(
        std::fs::read_to_string(d.join("caulk.toml")).unwrap(),
        "disable = []\n"
    );
}
