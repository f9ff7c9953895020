//! `caulk strip` in nbstripout's place: a notebook on stdin stripped to stdout, nbstripout's
//! options, the git filter set up by `--install` and run by real `git add`/`git diff`, and every
//! shared option cross-checked against the real nbstripout (PyPI) byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::util::*;
use predicates::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;

/// A fake Hugging Face token the rules accept.
const HF: &str = "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";

/// The notebooks of `fixtures/` (the demo's too).
fn fixture_notebooks() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = ["fixtures/notebooks", "fixtures/demo"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb") && !p.ends_with("malformed.ipynb"))
        .collect();
    all.sort();
    all
}

/// JSON as nbformat writes it (keys sorted by the `json!` literals below, one-space indent).
fn jupyter(v: &Value) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(v, &mut ser).unwrap();
    out.push(b'\n');
    String::from_utf8(out).unwrap()
}

/// A code cell with one output holding `text` and execution counts, and `metadata`.
fn code(id: &str, metadata: Value, source: &[&str], text: &str) -> Value {
    json!({
        "cell_type": "code",
        "execution_count": 4,
        "id": id,
        "metadata": metadata,
        "outputs": [
            {
                "data": {"text/plain": [text]},
                "execution_count": 4,
                "metadata": {},
                "output_type": "execute_result"
            },
            {"name": "stdout", "output_type": "stream", "text": [format!("{text}\n")]}
        ],
        "source": source
    })
}

/// Notebooks (in Jupyter's layout) that exercise every option caulk shares with nbstripout:
/// keep_output in cell metadata, tags and notebook metadata, init_cell, empty cells, counts in
/// kept outputs, nested extra keys.
fn option_notebooks() -> Vec<(&'static str, String)> {
    let cells = json!([
        code("c1", json!({}), &["x = 1"], "1"),
        code("c2", json!({"keep_output": true}), &["print(token)"], HF),
        code("c3", json!({"tags": ["keep_output"]}), &["y"], "2"),
        code("c4", json!({"init_cell": true}), &["z"], "3"),
        code("c5", json!({"keep_output": false}), &["w"], "4"),
        code(
            "c6",
            json!({"collapsed": true, "scrolled": false, "tags": ["a"]}),
            &["\n", "  "],
            "5"
        ),
        {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": []},
        {"cell_type": "markdown", "id": "m2", "metadata": {}, "source": ["# Title"]},
        code("c7", json!({"ExecuteTime": {"end": "x"}, "init_cell": false, "keep_output": true}), &["v"], "6"),
    ]);
    // Keys in sorted order, as nbformat writes them.
    let meta = |keep: Option<bool>| {
        let mut m = serde_json::Map::new();
        if let Some(k) = keep {
            m.insert("keep_output".into(), json!(k));
        }
        m.insert(
            "kernelspec".into(),
            json!({"display_name": "Python 3", "language": "python", "name": "python3"}),
        );
        m.insert(
            "language_info".into(),
            json!({"name": "python", "version": "3.11.4"}),
        );
        m.insert("widgets".into(), json!({"state": {}}));
        Value::Object(m)
    };
    let nb = |keep| {
        jupyter(&json!({
            "cells": cells,
            "metadata": meta(keep),
            "nbformat": 4,
            "nbformat_minor": 5
        }))
    };
    vec![
        ("made-options.ipynb", nb(None)),
        ("made-keep_all.ipynb", nb(Some(true))),
        ("made-keep_none.ipynb", nb(Some(false))),
    ]
}

/// The real nbstripout, or `None` (skipped) unless CAULK_REQUIRE_NBSTRIPOUT is set.
fn nbstripout() -> Option<String> {
    external_tool(
        "CAULK_NBSTRIPOUT",
        "nbstripout",
        &["--version"],
        "CAULK_REQUIRE_NBSTRIPOUT",
        "nbstripout",
    )
}

#[test]
fn stdin_is_stripped_to_stdout_as_the_file_would_be() {
    let dir = TempDir::new().unwrap();
    for nb in fixture_notebooks() {
        let name = nb.file_name().unwrap();
        let text = std::fs::read(&nb).unwrap();
        let copy = dir.path().join(name);
        std::fs::write(&copy, &text).unwrap();
        caulk().arg("strip").arg(&copy).assert().code(0);
        let in_place = std::fs::read(&copy).unwrap();
        for args in [&["strip"][..], &["strip", "-"][..]] {
            let out = caulk()
                .args(args)
                .write_stdin(text.clone())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{name:?}");
            assert!(out.stderr.is_empty(), "{}", output_text(&out));
            assert_eq!(
                out.stdout, in_place,
                "{name:?}: stdout differs from the file stripped"
            );
        }
        // A stripped notebook comes back as it went in.
        caulk()
            .arg("strip")
            .write_stdin(in_place.clone())
            .assert()
            .code(0)
            .stdout(predicate::eq(in_place.clone()));
    }
    // --check reads stdin too, and writes no notebook.
    let colab = std::fs::read(root().join("fixtures/notebooks/colab.ipynb")).unwrap();
    caulk()
        .args(["strip", "--check", "-"])
        .write_stdin(colab)
        .assert()
        .code(1)
        .stdout("caulk: <stdin>: outputs or metadata to strip\n");
}

/// As nbstripout: what is not a notebook fails the filter and nothing is written, so git stages
/// nothing; the error names `<stdin>` on one line.
#[test]
fn stdin_that_is_not_a_notebook_fails_naming_stdin() {
    for (input, why) in [
        (&b"hello\n"[..], "not a valid notebook"),
        (b"", "not a valid notebook: EOF"),
        (b"[1]", "not a notebook: the top level is not an object"),
        (b"{\"cells\": []}", "no `nbformat`"),
        (b"\xff\xfe{}", "not UTF-8"),
    ] {
        let out = caulk().arg("strip").write_stdin(input).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(out.stdout.is_empty());
        assert!(
            err.starts_with("caulk: <stdin>: ") && err.contains(why),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn keep_output_cells_keep_their_outputs_and_options_apply() {
    let dir = TempDir::new().unwrap();
    let (_, text) = &option_notebooks()[0];
    let nb = dir.path().join("nb.ipynb");
    let strip = |args: &[&str]| -> Value {
        std::fs::write(&nb, text).unwrap();
        caulk().arg("strip").args(args).arg(&nb).assert().code(0);
        serde_json::from_slice(&std::fs::read(&nb).unwrap()).unwrap()
    };
    let outputs = |v: &Value| -> Vec<usize> {
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.get("outputs").map_or(0, |o| o.as_array().unwrap().len()))
            .collect()
    };
    let v = strip(&[]);
    // c2 (keep_output), c3 (tag), c4 (init_cell) keep theirs; c7's init_cell false wins.
    assert_eq!(outputs(&v), [0, 2, 2, 2, 0, 0, 0, 0, 0]);
    assert_eq!(v["cells"][1]["outputs"][0]["execution_count"], Value::Null);
    assert_eq!(v["cells"][1]["execution_count"], Value::Null);
    let v = strip(&["--keep-output", "--keep-count"]);
    assert_eq!(outputs(&v), [2, 2, 2, 2, 0, 2, 0, 0, 0]);
    assert_eq!(v["cells"][1]["outputs"][0]["execution_count"], 4);
    let v = strip(&["--drop-empty-cells"]);
    let ids: Vec<&str> = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4", "c5", "m2", "c7"]);
    // The same options on stdin.
    let out = caulk()
        .args(["strip", "--drop-empty-cells", "--keep-count"])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cells"].as_array().unwrap().len(), 7);
    assert_eq!(v["cells"][0]["execution_count"], 4);
    // A contradiction is refused by file and cell, the file left alone.
    let bad = text.replace(
        "\"keep_output\": false",
        "\"keep_output\": false,\n    \"tags\": [\"keep_output\"]",
    );
    std::fs::write(&nb, &bad).unwrap();
    caulk()
        .current_dir(dir.path())
        .args(["strip", "nb.ipynb"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "caulk: nb.ipynb: cell 5: its metadata says `keep_output` is false but its tags hold `keep_output`",
        ));
    assert_eq!(std::fs::read_to_string(&nb).unwrap(), bad);
}

/// Runs git in `dir` and returns its stdout.
fn git_out(dir: &Path, args: &[&str]) -> String {
    git_stdout(dir, args)
}

/// Whether git config `key` is set in the repository at `dir`.
fn git_config(dir: &Path, key: &str) -> Option<String> {
    let out = Process::new("git")
        .current_dir(dir)
        .args(["config", "--local", key])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_string())
}

/// A notebook with a fake key in an output, in Jupyter's layout.
fn leaky_notebook(source: &str, printed: &str) -> String {
    jupyter(&json!({
        "cells": [code("c1", json!({}), &[source], printed)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5
    }))
}

#[test]
fn the_git_filter_keeps_outputs_out_of_the_index() {
    let dir = TempDir::new().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    caulk()
        .current_dir(repo)
        .args(["strip", "--status"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "the notebook filter is not installed",
        ));
    caulk()
        .current_dir(repo)
        .args(["strip", "--install"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("installed the notebook filter"));
    let clean = git_config(repo, "filter.caulk.clean").unwrap();
    assert!(clean.ends_with(" strip"), "{clean}");
    assert_eq!(git_config(repo, "filter.caulk.smudge").unwrap(), "cat");
    assert_eq!(git_config(repo, "filter.caulk.required").unwrap(), "true");
    assert_eq!(
        git_config(repo, "diff.caulk.textconv").unwrap(),
        format!("{clean} --textconv")
    );
    let attrs = repo.join(".git/info/attributes");
    assert_eq!(
        std::fs::read_to_string(&attrs).unwrap(),
        "*.ipynb filter=caulk\n*.ipynb diff=caulk\n"
    );
    // Installing twice adds nothing.
    caulk()
        .current_dir(repo)
        .args(["strip", "--install"])
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&attrs).unwrap().lines().count(), 2);
    caulk()
        .current_dir(repo)
        .args(["strip", "--status"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("the notebook filter is installed"))
        .stdout(predicate::str::contains("\n  filter.caulk.smudge = cat\n"))
        .stdout(predicate::str::contains(
            "\n  *.ipynb: filter = caulk, diff = caulk\n",
        ));

    let working = leaky_notebook("print(token)", HF);
    std::fs::write(repo.join("nb.ipynb"), &working).unwrap();
    git(repo, &["add", "nb.ipynb"]);
    let staged = git_out(repo, &["show", ":nb.ipynb"]);
    assert!(!staged.contains(HF), "the key reached the index: {staged}");
    let v: Value = serde_json::from_str(&staged).unwrap();
    assert_eq!(v["cells"][0]["outputs"], json!([]));
    assert_eq!(v["cells"][0]["execution_count"], Value::Null);
    assert_eq!(
        std::fs::read_to_string(repo.join("nb.ipynb")).unwrap(),
        working,
        "the working copy keeps its outputs"
    );
    // The blob is what `caulk strip` makes of the file.
    let out = caulk()
        .arg("strip")
        .write_stdin(working.clone())
        .output()
        .unwrap();
    assert_eq!(staged.as_bytes(), out.stdout);
    // New outputs are no change; a new source line is, and only it shows.
    git(repo, &["commit", "-q", "-m", "nb"]);
    std::fs::write(
        repo.join("nb.ipynb"),
        leaky_notebook("print(token)", "other output"),
    )
    .unwrap();
    // (`git status` may list the file, its size having changed; its content has not.)
    assert_eq!(git_out(repo, &["diff"]), "");
    git(repo, &["add", "nb.ipynb"]);
    assert_eq!(
        git_out(repo, &["diff", "--cached"]),
        "",
        "nothing to commit"
    );
    std::fs::write(repo.join("nb.ipynb"), leaky_notebook("print(token2)", HF)).unwrap();
    let diff = git_out(repo, &["diff"]);
    assert!(diff.contains("+    \"print(token2)\""), "{diff}");
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        ["-    \"print(token)\"", "+    \"print(token2)\""],
        "{diff}"
    );
    assert!(!diff.contains(HF), "{diff}");
    // caulk's scan of what is staged sees no key either.
    git(repo, &["add", "nb.ipynb"]);
    caulk().current_dir(repo).arg("staged").assert().code(0);
    // A notebook the filter cannot read is not staged at all (the filter is required).
    std::fs::write(repo.join("broken.ipynb"), format!("{{\"cells\": [\"{HF}\"")).unwrap();
    let out = Process::new("git")
        .current_dir(repo)
        .args(["add", "broken.ipynb"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("caulk: <stdin>: not a valid notebook"),
        "{err}"
    );
    assert!(!err.contains(HF), "{err}");
    assert_eq!(git_out(repo, &["ls-files", "broken.ipynb"]), "");
    std::fs::remove_file(repo.join("broken.ipynb")).unwrap();

    caulk()
        .current_dir(repo)
        .args(["strip", "--uninstall"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("removed the notebook filter"));
    assert_eq!(std::fs::read_to_string(&attrs).unwrap(), "");
    for key in [
        "filter.caulk.clean",
        "filter.caulk.smudge",
        "diff.caulk.textconv",
    ] {
        assert_eq!(git_config(repo, key), None, "{key}");
    }
    caulk()
        .current_dir(repo)
        .args(["strip", "--status"])
        .assert()
        .code(1);
    // Without the filter, outputs are staged again.
    std::fs::write(repo.join("nb.ipynb"), leaky_notebook("print(token3)", HF)).unwrap();
    git(repo, &["add", "nb.ipynb"]);
    assert!(git_out(repo, &["show", ":nb.ipynb"]).contains(HF));
}

#[test]
fn install_with_options_and_gitattributes_keeps_other_lines() {
    let dir = TempDir::new().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join(".gitattributes"), "*.png binary").unwrap();
    caulk()
        .current_dir(repo)
        .args([
            "strip",
            "--install",
            "--attributes",
            ".gitattributes",
            "--keep-count",
            "--extra-keys",
            "metadata.kernelspec cell.metadata.tags",
        ])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitattributes")).unwrap(),
        "*.png binary\n*.ipynb filter=caulk\n*.ipynb diff=caulk\n"
    );
    assert!(!repo.join(".git/info/attributes").exists());
    let clean = git_config(repo, "filter.caulk.clean").unwrap();
    assert!(
        clean
            .ends_with(" strip --keep-count --extra-keys 'metadata.kernelspec cell.metadata.tags'"),
        "{clean}"
    );
    caulk()
        .current_dir(repo)
        .args(["strip", "--status"])
        .assert()
        .code(0);
    std::fs::write(repo.join("nb.ipynb"), leaky_notebook("x", HF)).unwrap();
    git(repo, &["add", "nb.ipynb"]);
    let v: Value = serde_json::from_str(&git_out(repo, &["show", ":nb.ipynb"])).unwrap();
    assert_eq!(
        v["cells"][0]["execution_count"], 4,
        "--keep-count reached the filter"
    );
    assert_eq!(v["cells"][0]["outputs"], json!([]));
    assert!(v["metadata"].get("kernelspec").is_none());
    caulk()
        .current_dir(repo)
        .args(["strip", "--uninstall", "--attributes", ".gitattributes"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitattributes")).unwrap(),
        "*.png binary\n"
    );
}

#[cfg(unix)]
#[test]
fn an_attributes_file_that_is_a_link_is_refused() {
    let dir = TempDir::new().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "# theirs\n").unwrap();
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    std::os::unix::fs::symlink(&target, repo.join(".git/info/attributes")).unwrap();
    for args in [&["strip", "--install"][..], &["strip", "--uninstall"][..]] {
        let out = caulk().current_dir(repo).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("attributes: is a symbolic link; caulk does not write through links"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# theirs\n");
    assert_eq!(
        git_config(repo, "filter.caulk.clean"),
        None,
        "nothing half-done"
    );
    caulk()
        .args(["strip", "--attributes", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--attributes goes with --install or --uninstall",
        ));
}

/// Where two notebooks first differ: line number and both lines (a whole notebook in a failure
/// message says nothing).
fn first_difference(a: &str, b: &str) -> String {
    let (mut la, mut lb) = (a.lines(), b.lines());
    for n in 1.. {
        match (la.next(), lb.next()) {
            (None, None) => break,
            (x, y) if x != y => {
                let cut = |l: Option<&str>| {
                    l.map_or("(end)".into(), |l| l.chars().take(120).collect::<String>())
                };
                return format!("line {n}: caulk {:?}, nbstripout {:?}", cut(x), cut(y));
            }
            _ => {}
        }
    }
    "no line differs".into()
}

/// A notebook as nbformat reads it: every multi-line string joined (`rejoin_lines`: sources,
/// stream text, mime bundles but JSON ones) and the transient keys gone (`strip_transient`:
/// `orig_nbformat`, a cell's `trusted`). Two notebooks equal after this differ only in how
/// nbformat writes what neither was asked to strip.
fn rejoined(text: &str) -> Value {
    fn join(v: &mut Value) {
        if let Some(lines) = v.as_array()
            && lines.iter().all(Value::is_string)
        {
            *v = Value::String(lines.iter().map(|l| l.as_str().unwrap()).collect());
        }
    }
    fn bundle(data: Option<&mut Value>) {
        if let Some(Value::Object(d)) = data {
            for (mime, v) in d.iter_mut() {
                let json_mime = mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"));
                if !json_mime {
                    join(v);
                }
            }
        }
    }
    let mut nb: Value = serde_json::from_str(text).unwrap();
    // nbformat's strip_transient, on reading and writing.
    if let Some(Value::Object(m)) = nb.get_mut("metadata") {
        for k in ["orig_nbformat", "orig_nbformat_minor", "signature"] {
            m.shift_remove(k);
        }
    }
    if let Some(Value::Array(cells)) = nb.get_mut("cells") {
        for cell in cells {
            if let Some(Value::Object(m)) = cell.get_mut("metadata") {
                m.shift_remove("trusted");
            }
            if let Some(src) = cell.get_mut("source") {
                join(src);
            }
            if let Some(Value::Array(outs)) = cell.get_mut("outputs") {
                for out in outs {
                    if let Some(t) = out.get_mut("text") {
                        join(t);
                    }
                    bundle(out.get_mut("data"));
                }
            }
        }
    }
    nb
}

/// Runs the real nbstripout with `args` and `--keep-id` (caulk keeps cell ids) in place on
/// copies of `notebooks`, and caulk the same; and both on stdin when `stdin`. The bytes must be
/// equal. With `lenient`, a fixture's (and always a corpus notebook's) may differ in layout
/// only: nbformat rewrites the outputs it keeps (a stream's chunks joined and split again at
/// line ends, a PNG's list of lines joined), which caulk keeps as the file has them; those must
/// be equal once rejoined, and are counted. The notebooks made here (`made-`) are in nbformat's
/// layout: always byte for byte. Returns (byte-equal, equal once rejoined).
fn cross_check(
    nbstripout: &str,
    notebooks: &[(String, String)],
    args: &[&str],
    stdin: bool,
    lenient: bool,
) -> (usize, usize) {
    let (ours, theirs) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let names: Vec<&str> = notebooks.iter().map(|(n, _)| n.as_str()).collect();
    for (name, text) in notebooks {
        std::fs::write(ours.path().join(name), text).unwrap();
        std::fs::write(theirs.path().join(name), text).unwrap();
    }
    caulk()
        .current_dir(ours.path())
        .arg("strip")
        .args(args)
        .args(&names)
        .assert()
        .code(0);
    let st = Process::new(nbstripout)
        .current_dir(theirs.path())
        .arg("--keep-id")
        .args(args)
        .args(&names)
        .status()
        .unwrap();
    assert!(st.success(), "nbstripout {args:?} failed");
    let (mut exact, mut rejoin) = (0, 0);
    let mut compare = |name: &str, a: &str, b: &str, how: &str| {
        if a == b {
            exact += 1;
        } else if (lenient && !name.starts_with("made-")) || name.starts_with("corpus-") {
            assert_eq!(
                rejoined(a),
                rejoined(b),
                "{name} with {args:?} ({how}) differs from nbstripout's beyond nbformat's layout: {}",
                first_difference(a, b)
            );
            rejoin += 1;
        } else {
            panic!(
                "{name} with {args:?} ({how}) differs from nbstripout's: {}",
                first_difference(a, b)
            );
        }
    };
    for (name, text) in notebooks {
        // The one deliberate difference: nbstripout reads an nbformat 3 code cell's source
        // from `source`, where that format has `input`, and drops every code cell.
        let v3 = serde_json::from_str::<Value>(text).unwrap()["nbformat"].as_u64() < Some(4);
        if v3 && args.contains(&"--drop-empty-cells") {
            eprintln!("{name}: nbformat 3 with --drop-empty-cells: not compared");
            continue;
        }
        let a = std::fs::read_to_string(ours.path().join(name)).unwrap();
        let b = std::fs::read_to_string(theirs.path().join(name)).unwrap();
        compare(name, &a, &b, "in place");
        if stdin {
            let a = caulk()
                .arg("strip")
                .args(args)
                .write_stdin(text.clone())
                .output()
                .unwrap();
            assert!(a.status.success(), "{name}: {}", output_text(&a));
            let b = pipe(nbstripout, args, text);
            compare(name, &String::from_utf8_lossy(&a.stdout), &b, "stdin");
        }
    }
    (exact, rejoin)
}

/// nbstripout `--keep-id ARGS` with `text` on stdin; its stdout.
fn pipe(nbstripout: &str, args: &[&str], text: &str) -> String {
    let out = with_stdin(
        Process::new(nbstripout).arg("--keep-id").args(args),
        text.as_bytes(),
    );
    assert!(out.status.success(), "nbstripout {args:?} on stdin failed");
    String::from_utf8(out.stdout).unwrap()
}

/// Every option caulk shares with nbstripout, alone and together, on the fixtures' notebooks,
/// on notebooks made to exercise them, and on the notebooks of CAULK_STRIP_CORPUS (a folder of
/// real notebooks, when set): byte-identical output, in place and on stdin. `.ci/run` runs it
/// with nbstripout from PyPI and CAULK_REQUIRE_NBSTRIPOUT=1.
#[test]
fn every_shared_option_agrees_with_nbstripout() {
    let Some(nbstripout) = nbstripout() else {
        return;
    };
    let mut notebooks: Vec<(String, String)> = fixture_notebooks()
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect();
    notebooks.extend(
        option_notebooks()
            .into_iter()
            .map(|(n, t)| (n.to_string(), t)),
    );
    if let Some(corpus) = std::env::var_os("CAULK_STRIP_CORPUS") {
        let mut real: Vec<(String, String)> = std::fs::read_dir(&corpus)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
            .map(|p| {
                (
                    format!("corpus-{}", p.file_name().unwrap().to_string_lossy()),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        real.sort();
        eprintln!("{} notebooks from {}", real.len(), corpus.to_string_lossy());
        notebooks.extend(real);
    }
    let option_sets: &[&[&str]] = &[
        &[],
        &["--keep-output"],
        &["--keep-count"],
        &["--drop-empty-cells"],
        &[
            "--extra-keys",
            "metadata.kernelspec cell.metadata.tags metadata.language_info.version",
        ],
        &["--keep-output", "--keep-count", "--drop-empty-cells"],
    ];
    let (mut exact, mut rejoin) = (0, 0);
    for args in option_sets {
        let lenient = args.contains(&"--keep-output");
        let stdin = args.is_empty() || args.len() == 3;
        let (e, r) = cross_check(&nbstripout, &notebooks, args, stdin, lenient);
        exact += e;
        rejoin += r;
    }
    eprintln!("{exact} byte-identical, {rejoin} identical once nbformat's line joining is undone");
    assert!(exact >= option_sets.len() * 12, "{exact}");
}
