//! Encoded secrets (issue 15): base64 and base64url runs and percent-encoded runs that decode to
//! text are scanned, two levels deep, and each finding points at the encoded text and says what
//! was decoded: a base64 blob in a config, a `data:` URI in a notebook output, a
//! `.dockerconfigjson` (base64 of JSON whose `auth` is base64), `Authorization: Basic`.

use crate::util::*;
use serde_json::{Value, json};
use tempfile::TempDir;

const GH: &str = "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";
const HF2: &str = "hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry";
/// base64 of `HF_TOKEN=<HF2>\n`.
const B64_HF: &str = "SEZfVE9LRU49aGZfWHlIVGNzSXJnNHl2MkVLODA0ZmxmaDhvRWsxMTJnNHpyeQo=";
/// base64 of `export GITHUB_TOKEN=<GH>`.
const B64_GH: &str =
    "ZXhwb3J0IEdJVEhVQl9UT0tFTj1naHBfcXJjNVhscldpMEIyNlIwOHF6akk2R0tGU3VmcmRaNFpvOEpV";
/// base64 of `{"auths": {"ghcr.io": {"auth": base64("bot:<GH>")}}}`.
const DOCKERCONFIGJSON: &str = "eyJhdXRocyI6IHsiZ2hjci5pbyI6IHsiYXV0aCI6ICJZbTkwT21kb2NGOXhjbU0xV0d4eVYya3dRakkyVWpBNGNYcHFTVFpIUzBaVGRXWnlaRm8wV204NFNsVT0ifX19";
/// base64 of `ci:<HF2>`.
const BASIC_HF: &str = "Y2k6aGZfWHlIVGNzSXJnNHl2MkVLODA0ZmxmaDhvRWsxMTJnNHpyeQ==";

fn findings(report: &Value) -> Vec<(String, u64, u64, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["snippet"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn base64_blobs_docker_configs_and_basic_auth_are_decoded() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let pull_secret = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {DOCKERCONFIGJSON}\n"
    );
    write_tree(
        d,
        &[
            ("env.b64", format!("{B64_HF}\n").as_bytes()),
            (
                "ci.yaml",
                format!("env:\n  SETUP: \"{B64_GH}\"\n").as_bytes(),
            ),
            ("pull-secret.yaml", pull_secret.as_bytes()),
            (
                "call.sh",
                format!("curl -H 'Authorization: Basic {BASIC_HF}' https://hub.example.com\n")
                    .as_bytes(),
            ),
        ],
    );
    let (code, report, _) = run_report(d, &["scan", "."]);
    assert_eq!(code, 1);
    let got = findings(&report);
    let at = |path: &str, rule: &str| {
        got.iter()
            .find(|f| f.0 == path && f.3 == rule)
            .unwrap_or_else(|| panic!("{path} {rule}: {got:#?}"))
    };
    // Each points into the encoded text, and says what it went through.
    let env = at("env.b64", "huggingface-token");
    assert_eq!((env.1, env.2), (1, 13), "{env:?}"); // `hf_` is encoded from column 13
    assert!(env.4.ends_with("(base64-decoded)"), "{env:?}");
    let ci = at("ci.yaml", "github-token");
    assert!(ci.1 == 2 && ci.2 > 12, "{ci:?}");
    let pull = at("pull-secret.yaml", "github-token");
    assert_eq!(pull.1, 5, "{pull:?}");
    assert!(
        pull.4
            .ends_with("(base64-decoded, inside base64-decoded from a Kubernetes Secret)"),
        "{pull:?}"
    );
    let basic = at("call.sh", "huggingface-token");
    assert!(basic.2 > 30, "{basic:?}");
    // Never the secret itself.
    let text = output_text(&caulk().current_dir(d).args(["scan", "."]).output().unwrap());
    assert_no_secret(&text, &[GH.to_string(), HF2.to_string()], "text report");
}

/// A `data:` URI in a notebook's HTML output, holding a text file with a key: decoded, and the
/// finding names the cell and output.
#[test]
fn a_data_uri_in_a_notebook_output_is_decoded() {
    let dir = TempDir::new().unwrap();
    let html =
        format!("<a download=\"env.txt\" href=\"data:text/plain;base64,{B64_HF}\">download</a>");
    let nb = json!({
        "cells": [{
            "cell_type": "code", "execution_count": 3, "id": "e1", "metadata": {},
            "outputs": [{"data": {"text/html": [html], "text/plain": ["<IPython.core.display.HTML object>"]},
                         "metadata": {}, "output_type": "display_data"}],
            "source": ["display(HTML(link))"]
        }],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    write_tree(
        dir.path(),
        &[(
            "export.ipynb",
            serde_json::to_string_pretty(&nb).unwrap().as_bytes(),
        )],
    );
    let (code, report, _) = run_report(dir.path(), &["scan", "."]);
    assert_eq!(code, 1, "{report:#}");
    let f = &report["findings"][0];
    assert_eq!(
        (
            f["rule_id"].as_str(),
            f["notebook"]["output_type"].as_str(),
            f["notebook"]["field"].as_str()
        ),
        (
            Some("huggingface-token"),
            Some("display_data"),
            Some("text/html")
        )
    );
    assert!(f["snippet"].as_str().unwrap().ends_with("(base64-decoded)"));
}

/// Base64 that is not text (an image, a hash) and words are not decoded into findings, and a
/// token between percent escapes is reported once.
#[test]
fn binary_base64_is_not_decoded_and_percent_tokens_are_reported_once() {
    let dir = TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "page.html",
                b"<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\">\n",
            ),
            (
                "cb.txt",
                format!("https://x.io/cb?next=%2Fhome%3Ftoken%3D{GH}%26x%3D1\n").as_bytes(),
            ),
        ],
    );
    let (_, report, _) = run_report(dir.path(), &["scan", "."]);
    let got = findings(&report);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(
        (got[0].0.as_str(), got[0].3.as_str()),
        ("cb.txt", "github-token")
    );
}
