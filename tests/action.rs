//! The GitHub Action's script (`action/run.sh`), run the way the runner runs it: a real
//! repository checked out shallow from a remote, a recorded `pull_request` event payload, and
//! the files GitHub hands a step (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

/// A remote with `main` (clean) and two pull-request branches: `leak` adds a key, `tidy` adds
/// clean code. Returns (temp dir, remote path, main sha, leak sha, tidy sha).
fn remote() -> (TempDir, PathBuf, String, String, String) {
    let dir = TempDir::new().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    write_tree(
        &work,
        &[("train.py", b"import os\nTOKEN = os.environ['HF_TOKEN']\n")],
    );
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "base"]);
    let main = rev(&work, "HEAD");
    git(&work, &["checkout", "-q", "-b", "leak"]);
    write_tree(
        &work,
        &[("eval.py", format!("TOKEN = '{HF_KEY}'\n").as_bytes())],
    );
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "Add evaluation script"]);
    let leak = rev(&work, "HEAD");
    git(&work, &["checkout", "-q", "main"]);
    git(&work, &["checkout", "-q", "-b", "tidy"]);
    write_tree(&work, &[("eval.py", b"def evaluate():\n    return 1\n")]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "Tidy"]);
    let tidy = rev(&work, "HEAD");
    let bare = dir.path().join("remote.git");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    (dir, bare, main, leak, tidy)
}

fn rev(dir: &Path, r: &str) -> String {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", r])
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// What actions/checkout does by default: a depth-1 clone of the ref.
fn checkout(remote: &Path, branch: &str, into: &Path) {
    let url = format!("file://{}", remote.display());
    git(
        into.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            branch,
            &url,
            into.to_str().unwrap(),
        ],
    );
}

struct Run {
    out: Output,
    summary: String,
    outputs: String,
    sarif: Option<Value>,
}

fn action(workspace: &Path, event: &str, payload: &Path, env: &[(&str, &str)]) -> Run {
    let tmp = TempDir::new().unwrap();
    let summary = tmp.path().join("summary.md");
    let outputs = tmp.path().join("output");
    let sarif = tmp.path().join("caulk.sarif");
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", payload)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_WORKSPACE", workspace)
        .env("RUNNER_TEMP", tmp.path())
        .env("CAULK_BIN", env!("CARGO_BIN_EXE_caulk"))
        .env("INPUT_SARIF_FILE", &sarif)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        out,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        sarif: std::fs::read(&sarif)
            .ok()
            .map(|b| serde_json::from_slice(&b).unwrap()),
    }
}

/// The recorded pull_request payload with this repository's commits in it.
fn payload(dir: &Path, base: &str, head: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("fixtures/action/pull_request.json"))
        .unwrap()
        .replace("BASE_SHA", base)
        .replace("HEAD_SHA", head);
    let p = dir.join(format!("event-{head}.json"));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_pull_request_that_adds_a_key_is_blocked_with_annotations_summary_and_sarif() {
    let (dir, remote, main, leak, _) = remote();
    let ws = dir.path().join("ws");
    checkout(&remote, "leak", &ws);
    assert_eq!(rev(&ws, "HEAD"), leak);
    let r = action(&ws, "pull_request", &payload(dir.path(), &main, &leak), &[]);
    let all = output_text(&r.out);
    assert_eq!(r.out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("fetching"),
        "the shallow checkout lacked the base: {all}"
    );
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert!(
        stdout.contains("::error file=eval.py,line=1,endLine=1,col=10,"),
        "{stdout}"
    );
    assert!(
        r.summary.starts_with("### ❌ caulk: 1 secret in 1 file"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("| huggingface-token | eval.py:1:10 |"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("Add evaluation script"),
        "the commit is named"
    );
    assert_no_secret(
        &format!("{all}{}", r.summary),
        &[HF_KEY.to_string()],
        "action",
    );
    let sarif = r.sarif.expect("SARIF written");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "huggingface-token");
    assert!(r.outputs.contains("findings=1\n") && r.outputs.contains("exit-code=1\n"));

    // report-only mode: the same findings, the job passes
    let r = action(
        &ws,
        "pull_request",
        &payload(dir.path(), &main, &leak),
        &[("INPUT_FAIL_ON_FINDINGS", "false")],
    );
    assert_eq!(r.out.status.code(), Some(0));
    assert!(r.outputs.contains("findings=1\n"));
}

#[test]
fn a_clean_pull_request_passes_and_pushes_and_schedules_are_scanned() {
    let (dir, remote, main, leak, tidy) = remote();
    let ws = dir.path().join("ws");
    checkout(&remote, "tidy", &ws);
    let r = action(&ws, "pull_request", &payload(dir.path(), &main, &tidy), &[]);
    assert_eq!(r.out.status.code(), Some(0), "{}", output_text(&r.out));
    assert!(
        r.summary.starts_with("### ✅ caulk: no secrets found"),
        "{}",
        r.summary
    );
    assert!(r.outputs.contains("findings=0\n"));

    // a push of the leaking branch: before..after
    let ws2 = dir.path().join("ws2");
    checkout(&remote, "leak", &ws2);
    let push = dir.path().join("push.json");
    std::fs::write(
        &push,
        format!("{{\"ref\": \"refs/heads/leak\", \"before\": \"{main}\", \"after\": \"{leak}\"}}"),
    )
    .unwrap();
    let r = action(&ws2, "push", &push, &[]);
    assert_eq!(r.out.status.code(), Some(1), "{}", output_text(&r.out));
    // a new branch (before is all zeros): its whole history
    std::fs::write(
        &push,
        format!(
            "{{\"ref\": \"refs/heads/leak\", \"before\": \"{}\", \"after\": \"{leak}\"}}",
            "0".repeat(40)
        ),
    )
    .unwrap();
    let r = action(&ws2, "push", &push, &[]);
    assert_eq!(r.out.status.code(), Some(1), "{}", output_text(&r.out));
    // a schedule: every ref's whole history
    let r = action(&ws2, "schedule", Path::new("/nonexistent"), &[]);
    assert_eq!(r.out.status.code(), Some(1), "{}", output_text(&r.out));
    assert!(r.summary.contains("eval.py:1:10"));
}

#[test]
fn action_yml_runs_the_tested_script() {
    let yml = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(yml.contains("run: bash \"$GITHUB_ACTION_PATH/action/run.sh\""));
    assert!(yml.contains("using: composite") && yml.contains("actions/cache@v4"));
    for input in [
        "config",
        "baseline",
        "args",
        "fail-on-findings",
        "sarif-file",
        "scan",
    ] {
        assert!(yml.contains(&format!("  {input}:\n")), "input {input}");
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(yml.contains(&var), "{var} passed to the script");
    }
}
