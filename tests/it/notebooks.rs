//! Jupyter notebooks end to end: findings point at the cell, the output and the line of the
//! `.ipynb`; `caulk strip` agrees with nbstripout. Fixtures: fixtures/notebooks/generate.py.

use std::path::Path;

use crate::util::*;
use predicates::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;

/// (file, line, column, rule, cell, output, output_type, field) of every planted secret.
type Row<S> = (S, u64, u64, S, Value, Value, Value, S);
type Want = Row<String>;

fn expected() -> Vec<Want> {
    let n = Value::Null;
    let rows: Vec<Row<&str>> = vec![
        (
            "colab.ipynb",
            26,
            32,
            "huggingface-token",
            json!(1),
            n.clone(),
            n.clone(),
            "source",
        ),
        (
            "colab.ipynb",
            51,
            17,
            "huggingface-token",
            n.clone(),
            n.clone(),
            n.clone(),
            "metadata",
        ),
        (
            "execute_result.ipynb",
            13,
            22,
            "groq-api-key",
            json!(0),
            json!(0),
            json!("execute_result"),
            "text/plain",
        ),
        (
            "html_table.ipynb",
            25,
            19,
            "huggingface-token",
            json!(0),
            json!(0),
            json!("execute_result"),
            "text/html",
        ),
        // Key-shaped text wrapped into a base64 image breaks the base64: the payload is not an
        // image, so it is scanned (only base64 of binary data is skipped).
        (
            "images.ipynb",
            43,
            9,
            "google-api-key",
            json!(1),
            json!(0),
            json!("display_data"),
            "image/png",
        ),
        (
            "pem_output.ipynb",
            13,
            8,
            "private-key",
            json!(0),
            json!(0),
            json!("stream"),
            "stdout",
        ),
        (
            "source_key.ipynb",
            20,
            45,
            "anthropic-api-key",
            json!(1),
            n.clone(),
            n.clone(),
            "source",
        ),
        (
            "stream_environ.ipynb",
            21,
            63,
            "aws-access-key-id",
            json!(1),
            json!(0),
            json!("stream"),
            "stdout",
        ),
        (
            "stream_environ.ipynb",
            21,
            112,
            "aws-secret-access-key",
            json!(1),
            json!(0),
            json!("stream"),
            "stdout",
        ),
        (
            "stream_environ.ipynb",
            21,
            174,
            "openai-api-key",
            json!(1),
            json!(0),
            json!("stream"),
            "stdout",
        ),
        (
            "traceback_ansi.ipynb",
            26,
            210,
            "replicate-api-token",
            json!(1),
            json!(0),
            json!("error"),
            "traceback",
        ),
    ];
    rows.into_iter()
        .map(|(p, l, c, r, cell, o, ot, f)| (p.into(), l, c, r.into(), cell, o, ot, f.into()))
        .collect()
}

fn copy_fixtures(to: &Path, names: &[&str], suffix: &str) {
    for name in names {
        std::fs::copy(
            root().join("fixtures/notebooks").join(name),
            to.join(format!("{name}{suffix}")),
        )
        .unwrap();
    }
}

#[test]
fn findings_point_at_cell_output_and_file_position() {
    let (code, report, stderr) = scan_json(
        &root().join("fixtures/notebooks"),
        &["--skip-rule", "github-token"],
    );
    assert_eq!(code, 1);
    let got: Vec<Want> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] != "malformed.ipynb")
        .map(|f| {
            let nb = &f["notebook"];
            assert_eq!(nb["cell_type"].is_null(), nb["cell"].is_null(), "{nb}");
            let s = |v: &Value| v.as_str().unwrap().to_string();
            let n = |v: &Value| v.as_u64().unwrap();
            (
                s(&f["path"]),
                n(&f["line"]),
                n(&f["column"]),
                s(&f["rule_id"]),
                nb["cell"].clone(),
                nb["output"].clone(),
                nb["output_type"].clone(),
                s(&nb["field"]),
            )
        })
        .collect();
    assert_eq!(got, expected());
    assert_eq!(report["summary"]["notebooks"], 8);
    assert_eq!(report["summary"]["notebooks_as_text"], 1);
    assert!(stderr.contains("malformed.ipynb"), "{stderr}");
}

#[test]
fn text_report_names_the_cell_and_output() {
    caulk()
        .current_dir(root().join("fixtures/notebooks"))
        .args(["scan", "traceback_ansi.ipynb", "source_key.ipynb"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "source_key.ipynb:20:45 (cell 2, source)  anthropic-api-key (Anthropic API key; confidence medium)",
        ))
        .stdout(predicate::str::contains(
            "traceback_ansi.ipynb:26:210 (cell 2, output 1: error traceback)  replicate-api-token",
        ))
        // the snippet is the decoded line, ANSI codes gone
        .stdout(predicate::str::contains(
            r#"line    1 client = replicate.Client(api_token="r8_*****"#,
        ))
        .stdout(predicate::str::contains(
            "scanned 2 files (2.4 KiB, 2 notebooks)",
        ));
}

#[test]
fn output_findings_say_strip_and_source_findings_say_environment() {
    let (_, report, _) = scan_json(
        &root().join("fixtures/notebooks"),
        &["pem_output.ipynb", "source_key.ipynb"],
    );
    let fixes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["remediation"].as_str().unwrap())
        .collect();
    assert!(
        fixes[0].contains("caulk strip pem_output.ipynb") && fixes[0].contains("git filter-repo"),
        "{}",
        fixes[0]
    );
    assert!(
        fixes[1].contains("os.environ or getpass") && !fixes[1].contains("caulk strip"),
        "{}",
        fixes[1]
    );
}

/// The notebook reader finds what a text scan of the same bytes cannot: a private key printed
/// into an output (one JSON string per line) and a key split over two stream chunks; it skips a
/// base64 image, and scans an `image/png` payload that key-shaped lines make something other
/// than base64 (cell 1 of images.ipynb), as a text scan does.
#[test]
fn only_the_notebook_reader_finds_split_secrets_and_ignores_images() {
    let dir = TempDir::new().unwrap();
    let names = ["pem_output.ipynb", "stream_environ.ipynb", "images.ipynb"];
    copy_fixtures(dir.path(), &names, "");
    copy_fixtures(dir.path(), &names, ".txt");
    let (_, report, _) = scan_json(dir.path(), &["."]);
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |p: &str, r: &str| found.contains(&(p.to_string(), r.to_string()));
    assert!(has("pem_output.ipynb", "private-key"));
    assert!(
        !has("pem_output.ipynb.txt", "private-key"),
        "a text scan cannot see the PEM block"
    );
    assert!(has("stream_environ.ipynb", "openai-api-key"));
    assert!(
        !has("stream_environ.ipynb.txt", "openai-api-key"),
        "nor the key split over two chunks"
    );
    assert!(has("images.ipynb", "google-api-key"), "{found:?}");
    assert!(has("images.ipynb", "github-token"), "{found:?}");
    assert!(
        has("images.ipynb.txt", "google-api-key"),
        "a text scan fires on base64 image data"
    );
}

#[test]
fn malformed_notebook_is_scanned_as_text_with_a_warning() {
    caulk()
        .current_dir(root().join("fixtures/notebooks"))
        .args(["scan", "malformed.ipynb"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "caulk: warning: malformed.ipynb: not a valid notebook: EOF while parsing a string at line 14 column 2; scanned as plain text",
        ))
        .stdout(predicate::str::contains("malformed.ipynb:10:22  github-token"))
        .stdout(predicate::str::contains("1 file not readable as notebooks, scanned as text"));
}

#[test]
fn a_json_file_shaped_like_a_notebook_is_read_as_one() {
    let dir = TempDir::new().unwrap();
    std::fs::copy(
        root().join("fixtures/notebooks/execute_result.ipynb"),
        dir.path().join("export.json"),
    )
    .unwrap();
    write_tree(
        dir.path(),
        &[(
            "other.json",
            format!("{{\"cells\": 1, \"groq\": \"{GROQ_KEY}\"}}").as_bytes(),
        )],
    );
    let (_, report, stderr) = scan_json(dir.path(), &["."]);
    let f = &report["findings"];
    assert_eq!(f[0]["path"], "export.json");
    assert_eq!(f[0]["notebook"]["output_type"], "execute_result");
    assert_eq!(f[1]["path"], "other.json");
    assert!(f[1]["notebook"].is_null());
    assert!(
        !stderr.contains("warning"),
        "a .json that is not a notebook is plain text, no warning: {stderr}"
    );
}

#[test]
fn no_notebook_secret_is_printed_in_full() {
    let (_, report, _) = scan_json(&root().join("fixtures/notebooks"), &["--show-secrets"]);
    let secrets: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets.len(), 13);
    for format in ["text", "json"] {
        let out = caulk()
            .current_dir(root().join("fixtures/notebooks"))
            .args(["scan", ".", "--format", format])
            .output()
            .unwrap();
        assert_no_secret(&output_text(&out), &secrets, format);
    }
}

const STRIPPABLE: &[&str] = &[
    "colab.ipynb",
    "execute_result.ipynb",
    "html_table.ipynb",
    "images.ipynb",
    "pem_output.ipynb",
    "stream_environ.ipynb",
    "traceback_ansi.ipynb",
];

#[test]
fn strip_check_fails_with_outputs_and_passes_after_strip() {
    let dir = TempDir::new().unwrap();
    copy_fixtures(dir.path(), STRIPPABLE, "");
    copy_fixtures(dir.path(), &["source_key.ipynb"], "");
    let clean_before = std::fs::read(dir.path().join("source_key.ipynb")).unwrap();
    caulk()
        .current_dir(dir.path())
        .args(["strip", "--check", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "pem_output.ipynb: outputs or metadata to strip",
        ))
        .stdout(predicate::str::contains("source_key.ipynb").not());
    caulk()
        .current_dir(dir.path())
        .args(["strip", "."])
        .assert()
        .code(0);
    caulk()
        .current_dir(dir.path())
        .args(["strip", "--check", "."])
        .assert()
        .code(0)
        .stdout("");
    let once: Vec<Vec<u8>> = STRIPPABLE
        .iter()
        .map(|n| std::fs::read(dir.path().join(n)).unwrap())
        .collect();
    caulk()
        .current_dir(dir.path())
        .args(["strip", "."])
        .assert()
        .code(0)
        .stdout("");
    let twice: Vec<Vec<u8>> = STRIPPABLE
        .iter()
        .map(|n| std::fs::read(dir.path().join(n)).unwrap())
        .collect();
    assert_eq!(once, twice, "strip is idempotent");
    assert_eq!(
        std::fs::read(dir.path().join("source_key.ipynb")).unwrap(),
        clean_before,
        "nothing to strip: untouched"
    );
    // stripped notebooks hold no secret from an output any more
    let (code, report, _) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1);
    let left: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["notebook"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        left,
        ["source", "source"],
        "only the keys written in cells remain"
    );
}

#[test]
fn strip_refuses_what_is_not_a_notebook() {
    caulk()
        .current_dir(root().join("fixtures/notebooks"))
        .args(["strip", "--check", "malformed.ipynb"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "caulk: malformed.ipynb: not a valid notebook: EOF while parsing",
        ));
    caulk()
        .args(["strip", "--extra-keys", "nonsense"])
        .arg(root().join("fixtures/notebooks/colab.ipynb"))
        .assert()
        .code(2);
}

#[test]
fn strip_extra_keys() {
    let dir = TempDir::new().unwrap();
    copy_fixtures(dir.path(), &["colab.ipynb"], "");
    caulk()
        .current_dir(dir.path())
        .args([
            "strip",
            "colab.ipynb",
            "--extra-keys",
            "metadata.colab cell.metadata.id",
        ])
        .assert()
        .code(0);
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("colab.ipynb")).unwrap()).unwrap();
    assert!(v["metadata"].get("colab").is_none() && v["metadata"].get("widgets").is_none());
    assert!(v["cells"][0]["metadata"].get("id").is_none());
    assert_eq!(v["cells"][0]["id"], "a1b2", "the cell's own id is kept");
}

#[test]
fn scan_strip_outputs_strips_only_notebooks_whose_secrets_are_all_in_outputs() {
    let dir = TempDir::new().unwrap();
    copy_fixtures(dir.path(), &["stream_environ.ipynb", "colab.ipynb"], "");
    let before = std::fs::read(dir.path().join("colab.ipynb")).unwrap();
    caulk()
        .current_dir(dir.path())
        .args(["scan", ".", "--strip-outputs", "-q"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "stream_environ.ipynb: outputs stripped",
        ))
        .stderr(predicate::str::contains("colab.ipynb: not stripped"));
    assert_eq!(
        std::fs::read(dir.path().join("colab.ipynb")).unwrap(),
        before
    );
    let (code, _, _) = scan_json(dir.path(), &["stream_environ.ipynb"]);
    assert_eq!(code, 0, "its outputs, and so its secrets, are gone");
}

/// Cross-check with the real nbstripout (PyPI): byte-identical output on every fixture. Runs
/// when `nbstripout` is on PATH; `.ci/run` installs it and sets CAULK_REQUIRE_NBSTRIPOUT=1 so a
/// missing install fails instead of skipping.
#[test]
fn strip_agrees_with_nbstripout() {
    let Some(nbstripout) = external_tool(
        "CAULK_NBSTRIPOUT",
        "nbstripout",
        &["--version"],
        "CAULK_REQUIRE_NBSTRIPOUT",
        "nbstripout",
    ) else {
        return;
    };
    let (ours, theirs) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut all = STRIPPABLE.to_vec();
    all.push("source_key.ipynb");
    copy_fixtures(ours.path(), &all, "");
    copy_fixtures(theirs.path(), &all, "");
    caulk()
        .current_dir(ours.path())
        .args(["strip", "."])
        .assert()
        .code(0);
    // caulk keeps cell ids; nbstripout renumbers them unless --keep-id (a documented difference).
    let st = std::process::Command::new(&nbstripout)
        .current_dir(theirs.path())
        .arg("--keep-id")
        .args(&all)
        .status()
        .unwrap();
    assert!(st.success());
    for name in all {
        let a = std::fs::read_to_string(ours.path().join(name)).unwrap();
        let b = std::fs::read_to_string(theirs.path().join(name)).unwrap();
        assert_eq!(a, b, "{name} differs from nbstripout's");
    }
}

/// A fake Hugging Face token the rules accept.
const HF: &str = "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";
/// A second one, to tell two copies apart.
const HF2: &str = "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";
/// A 1x1 PNG, base64 as Jupyter stores it.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// 1-based (line, column) of `needle` in `text`, as the report gives them.
fn where_in(text: &str, needle: &str) -> (u64, u64) {
    let i = text.find(needle).unwrap();
    let line = text[..i].matches('\n').count() + 1;
    let col = i - text[..i].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line as u64, col as u64)
}

/// (line, column, cell, output, field) of each finding.
fn nb_positions(report: &Value) -> Vec<(u64, u64, Value, Value, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let nb = &f["notebook"];
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                nb["cell"].clone(),
                nb["output"].clone(),
                nb["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A notebook in Jupyter's layout (one-space indent, sorted keys) around `cells`, which are
/// written by hand: JSON writers cannot write a duplicated key.
fn jupyter_notebook(cells: &str) -> String {
    format!(
        "{{\n \"cells\": [\n{cells}\n ],\n \"metadata\": {{\n  \"kernelspec\": {{\n   \"display_name\": \"Python 3\",\n   \"language\": \"python\",\n   \"name\": \"python3\"\n  }}\n }},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}}\n"
    )
}

#[test]
fn every_copy_of_a_duplicated_data_key_is_scanned() {
    let cells = format!(
        r#"  {{
   "cell_type": "code",
   "execution_count": 1,
   "id": "c0",
   "metadata": {{}},
   "outputs": [
    {{
     "data": {{
      "text/plain": [
       "'{HF}'"
      ],
      "text/plain": [
       "'{HF2}'"
      ]
     }},
     "execution_count": 1,
     "metadata": {{}},
     "output_type": "execute_result"
    }}
   ],
   "source": [
    "token"
   ]
  }}"#
    );
    let nb = jupyter_notebook(&cells);
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("dup.ipynb"), &nb).unwrap();
    let (code, report, stderr) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("scanned as plain text"), "{stderr}");
    assert_eq!(report["summary"]["notebooks"], 1);
    let (l1, c1) = where_in(&nb, HF);
    let (l2, c2) = where_in(&nb, HF2);
    let text_plain = || "text/plain".to_string();
    assert_eq!(
        nb_positions(&report),
        [
            (l1, c1, json!(0), json!(0), text_plain()),
            (l2, c2, json!(0), json!(0), text_plain()),
        ]
    );
}

#[test]
fn every_copy_of_a_duplicated_attachment_is_scanned() {
    let cells = format!(
        r#"  {{
   "attachments": {{
    "notes.txt": {{
     "text/plain": [
      "HF_TOKEN={HF}\n"
     ]
    }},
    "notes.txt": {{
     "text/plain": [
      "nothing here\n"
     ],
     "text/plain": [
      "HF_TOKEN={HF2}\n"
     ]
    }}
   }},
   "cell_type": "markdown",
   "id": "m0",
   "metadata": {{}},
   "source": [
    "![notes](attachment:notes.txt)"
   ]
  }}"#
    );
    let nb = jupyter_notebook(&cells);
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("att.ipynb"), &nb).unwrap();
    let (code, report, stderr) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{stderr}");
    let (l1, c1) = where_in(&nb, HF);
    let (l2, c2) = where_in(&nb, HF2);
    let field = || "attachment notes.txt (text/plain)".to_string();
    assert_eq!(
        nb_positions(&report),
        [
            (l1, c1, json!(0), Value::Null, field()),
            (l2, c2, json!(0), Value::Null, field()),
        ]
    );
}

#[test]
fn svg_and_text_under_image_types_are_scanned_and_base64_images_counted() {
    let png_lines: Vec<String> = PNG
        .as_bytes()
        .chunks(40)
        .map(|c| format!("       \"{}\\n\"", std::str::from_utf8(c).unwrap()))
        .collect();
    let cells = format!(
        r#"  {{
   "cell_type": "code",
   "execution_count": 1,
   "id": "c0",
   "metadata": {{}},
   "outputs": [
    {{
     "data": {{
      "image/png": "{PNG}\n",
      "image/svg+xml": [
       "<svg xmlns=\"http://www.w3.org/2000/svg\">\n",
       "<text>{HF}</text>\n",
       "</svg>"
      ],
      "text/plain": [
       "<Figure size 640x480 with 1 Axes>"
      ]
     }},
     "metadata": {{}},
     "output_type": "display_data"
    }},
    {{
     "data": {{
      "image/jpeg": [
{wrapped}
      ],
      "image/png": "token={HF2}"
     }},
     "metadata": {{}},
     "output_type": "display_data"
    }}
   ],
   "source": [
    "plot()"
   ]
  }}"#,
        wrapped = png_lines.join(",\n")
    );
    let nb = jupyter_notebook(&cells);
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("plots.ipynb"), &nb).unwrap();
    let (code, report, stderr) = scan_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{stderr}");
    let (l1, c1) = where_in(&nb, HF);
    let (l2, c2) = where_in(&nb, HF2);
    assert_eq!(
        nb_positions(&report),
        [
            (l1, c1, json!(0), json!(0), "image/svg+xml".to_string()),
            (l2, c2, json!(0), json!(1), "image/png".to_string()),
        ]
    );
    // the PNG, and the same bytes under image/jpeg wrapped over lines
    assert_eq!(report["summary"]["notebook_binary_outputs"], 2);
    let out = caulk()
        .current_dir(dir.path())
        .args(["scan", "."])
        .output()
        .unwrap();
    assert!(
        output_text(&out).contains("1 notebook with 2 binary outputs not scanned"),
        "{}",
        output_text(&out)
    );
}

#[test]
fn strip_refuses_lists_of_the_wrong_type_by_name() {
    let dir = TempDir::new().unwrap();
    let cases = [
        (
            "object.ipynb",
            "{\n \"cells\": {\n  \"0\": {\n   \"cell_type\": \"code\",\n   \"outputs\": [\n    {\n     \"output_type\": \"stream\",\n     \"text\": \"x\"\n    }\n   ]\n  }\n },\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n",
            "`cells` is an object, not a list",
        ),
        (
            "outputs.ipynb",
            "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"metadata\": {},\n   \"outputs\": {\n    \"text\": \"x\"\n   },\n   \"source\": []\n  }\n ],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n",
            "`outputs` of cell 1 is an object, not a list",
        ),
        (
            "sheets.ipynb",
            "{\n \"metadata\": {},\n \"nbformat\": 3,\n \"nbformat_minor\": 0,\n \"worksheets\": \"x\"\n}\n",
            "`worksheets` is a string, not a list",
        ),
    ];
    for (name, text, why) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        for check in [true, false] {
            let mut cmd = caulk();
            cmd.current_dir(dir.path()).arg("strip");
            if check {
                cmd.arg("--check");
            }
            cmd.arg(name)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!("caulk: {name}: ")))
                .stderr(predicate::str::contains(why));
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            text,
            "left as it was"
        );
    }
}

/// A notebook under `tests/` is test code like any file there: its findings are reported with
/// the same "in test code" note (every input goes through one scan loop; notebooks used to
/// return before the note was added).
#[test]
fn a_notebook_in_test_code_is_marked_as_a_plain_file_is() {
    let dir = TempDir::new().unwrap();
    let nb = json!({
        "cells": [{
            "cell_type": "code", "execution_count": 1, "id": "a1", "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": [format!("HF_TOKEN={HF_KEY}\n")]}],
            "source": ["import os\n", "print(os.environ)"]
        }],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    write_tree(
        dir.path(),
        &[
            (
                "tests/check.ipynb",
                serde_json::to_string_pretty(&nb).unwrap().as_bytes(),
            ),
            ("tests/check.py", format!("T = '{HF_KEY}'\n").as_bytes()),
        ],
    );
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(code, 1);
    let notes = notes(&report);
    assert_eq!(notes.len(), 2, "{notes:?}");
    for (path, note) in notes {
        assert!(note.contains("in test code"), "{path}: {note}");
    }
}
