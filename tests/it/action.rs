//! The GitHub Action's script (`action/run.sh`), run the way the runner runs it: a real
//! repository checked out shallow from a remote, a recorded `pull_request` event payload, and
//! the files GitHub hands a step (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::*;
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

/// Writes `files` in `work`, commits them with `msg` and returns the new commit's sha.
fn commit(work: &Path, files: &[(&str, &[u8])], msg: &str) -> String {
    write_tree(work, files);
    git(work, &["add", "-A"]);
    git(work, &["commit", "-q", "-m", msg]);
    rev(work, "HEAD")
}

/// A bare clone of `work` at `dir/remote.git`: the remote the runner's checkout fetches from.
fn bare(dir: &Path, work: &Path) -> PathBuf {
    let bare = dir.join("remote.git");
    git(
        dir,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    bare
}

/// A fresh work repository at `dir/work` on `main`.
fn work(dir: &Path) -> PathBuf {
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    work
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
    /// How many times the script ran caulk.
    caulk_runs: usize,
    summary: String,
    outputs: String,
    sarif: Option<Value>,
    /// The HTML report (`INPUT_HTML_FILE`), when written.
    html: Option<String>,
}

fn action(workspace: &Path, event: &str, payload: &Path, env: &[(&str, &str)]) -> Run {
    let tmp = TempDir::new().unwrap();
    let summary = tmp.path().join("summary.md");
    let outputs = tmp.path().join("output");
    let sarif = tmp.path().join("caulk.sarif");
    let html = tmp.path().join("caulk.html");
    // caulk behind a wrapper that counts its invocations
    let log = tmp.path().join("caulk-runs");
    let wrapper = tmp.path().join("caulk");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            env!("CARGO_BIN_EXE_caulk")
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", payload)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_WORKSPACE", workspace)
        .env("RUNNER_TEMP", tmp.path())
        .env("CAULK_BIN", &wrapper)
        .env("INPUT_SARIF_FILE", &sarif)
        .env("INPUT_HTML_FILE", &html)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        out,
        caulk_runs: std::fs::read_to_string(&log)
            .map(|l| l.lines().count())
            .unwrap_or(0),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        sarif: std::fs::read(&sarif)
            .ok()
            .map(|b| serde_json::from_slice(&b).unwrap()),
        html: std::fs::read_to_string(&html).ok(),
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
    // The log holds the text report in colour (a CI log is no terminal: `--color always`); the
    // workflow commands stay plain, or GitHub would not read them.
    assert!(
        stdout.contains("\x1b[1m\x1b[31mhuggingface-token\x1b[0m"),
        "{stdout:?}"
    );
    assert!(
        stdout
            .lines()
            .filter(|l| l.contains("::error"))
            .all(|l| l.starts_with("::error") && !l.contains('\x1b')),
        "{stdout:?}"
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
    // the HTML page for the artifact, from the same scan: the finding under its commit
    let html = r.html.expect("HTML report written");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html:.100}");
    assert!(html.contains("data-rule=\"huggingface-token\""), "{html}");
    assert!(html.contains("<code>eval.py:1:10</code>"), "{html}");
    assert!(
        html.contains("Add evaluation script"),
        "the commit is named"
    );
    assert_no_secret(&html, &[HF_KEY.to_string()], "action HTML");
    assert!(r.outputs.contains("html-file="), "{}", r.outputs);
    assert_eq!(r.caulk_runs, 1, "one scan renders all four reports");

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
    assert!(yml.contains("using: composite") && yml.contains("actions/cache@v5"));
    for input in [
        "config",
        "baseline",
        "args",
        "fail-on-findings",
        "sarif-file",
        "html-file",
        "scan",
        "color",
    ] {
        assert!(yml.contains(&format!("  {input}:\n")), "input {input}");
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert!(yml.contains(&var), "{var} passed to the script");
    }
    // the HTML report is uploaded as an artifact, even when the scan found secrets
    assert!(yml.contains("  html-artifact:\n") && yml.contains("uses: actions/upload-artifact@v4"));
    assert!(yml.contains("path: ${{ steps.scan.outputs.html-file }}"));
}

/// A remote whose `oops` branch adds a key in its first commit, then 55 unrelated commits, then
/// removes the key: a depth-1 checkout of it holds none of the key's history, and reaching the
/// base takes more than one round of deepening. Returns (dir, remote, main, adding commit, head).
fn adds_then_removes() -> (TempDir, PathBuf, String, String, String) {
    let dir = TempDir::new().unwrap();
    let w = work(dir.path());
    commit(&w, &[("train.py", b"print(0)\n")], "start");
    let main = commit(&w, &[("train.py", b"print(1)\n")], "base");
    git(&w, &["checkout", "-q", "-b", "oops"]);
    let add = commit(
        &w,
        &[("eval.py", format!("TOKEN = '{HF_KEY}'\n").as_bytes())],
        "Add evaluation script",
    );
    for i in 0..55 {
        commit(&w, &[("notes.txt", format!("{i}\n").as_bytes())], "notes");
    }
    let head = commit(
        &w,
        &[("eval.py", b"import os\nTOKEN = os.environ['HF_TOKEN']\n")],
        "Read the token from the environment",
    );
    let remote = bare(dir.path(), &w);
    (dir, remote, main, add, head)
}

fn has_commit(repo: &Path, sha: &str) -> bool {
    std::process::Command::new("git")
        .current_dir(repo)
        .args(["cat-file", "-e", &format!("{sha}^{{commit}}")])
        .status()
        .unwrap()
        .success()
}

/// What must never appear when the scan did not run.
fn assert_did_not_run(r: &Run, why: &str) {
    let all = output_text(&r.out);
    assert_eq!(r.out.status.code(), Some(2), "{all}");
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert!(
        stdout.contains("::error title=caulk: the scan did not run::"),
        "{stdout}"
    );
    assert!(all.contains(why), "{why}: {all}");
    assert!(
        r.summary.starts_with("### ⚠️ caulk: the scan did not run"),
        "{}",
        r.summary
    );
    assert!(!r.summary.contains("no secrets") && !all.contains("no secrets"));
    assert!(r.outputs.contains("exit-code=2\n"), "{}", r.outputs);
    assert!(
        r.sarif.is_none(),
        "no SARIF report from a scan that did not run"
    );
}

#[test]
fn a_pull_request_that_adds_then_removes_a_key_fails_on_a_depth_1_checkout() {
    let (dir, remote, main, add, head) = adds_then_removes();
    let ws = dir.path().join("ws");
    checkout(&remote, "oops", &ws);
    assert!(!has_commit(&ws, &add), "the checkout is depth 1");
    let r = action(&ws, "pull_request", &payload(dir.path(), &main, &head), &[]);
    let all = output_text(&r.out);
    assert_eq!(r.out.status.code(), Some(1), "{all}");
    assert!(all.contains("fetching 50 more commits"), "{all}");
    assert!(all.contains("fetching 200 more commits"), "{all}");
    // blamed on the commit that added it, not on the tip the checkout had
    let stdout = String::from_utf8_lossy(&r.out.stdout);
    assert!(
        stdout.contains(&format!("introduced in {}", &add[..12])),
        "{stdout}"
    );
    assert_eq!(stdout.matches("::error file=").count(), 1, "{stdout}");
    assert!(r.summary.starts_with("### ❌ caulk: 1 secret in 1 file"));
    assert!(r.summary.contains("Add evaluation script"), "{}", r.summary);
    assert!(r.outputs.contains("findings=1\n") && r.outputs.contains("exit-code=1\n"));
    let sarif = r.sarif.expect("SARIF written");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert_eq!(r.caulk_runs, 1);
    assert_no_secret(
        &format!("{all}{}", r.summary),
        &[HF_KEY.to_string()],
        "action",
    );
}

#[test]
fn a_clean_pull_request_on_a_base_holding_secrets_passes_on_a_depth_1_checkout() {
    let dir = TempDir::new().unwrap();
    let w = work(dir.path());
    commit(&w, &[("train.py", b"print(0)\n")], "start");
    commit(
        &w,
        &[("legacy.py", format!("KEY = '{HF_KEY}'\n").as_bytes())],
        "Add legacy script",
    );
    commit(&w, &[("train.py", b"print(1)\n")], "more");
    git(&w, &["checkout", "-q", "-b", "tidy"]);
    let head = commit(
        &w,
        &[("eval.py", b"def evaluate():\n    return 1\n")],
        "Tidy",
    );
    // the base branch moves on after the pull request branched off: another secret on main
    git(&w, &["checkout", "-q", "main"]);
    let base = commit(
        &w,
        &[("deploy.py", format!("GROQ = '{GROQ_KEY}'\n").as_bytes())],
        "Deploy script",
    );
    let remote = bare(dir.path(), &w);
    let ws = dir.path().join("ws");
    checkout(&remote, "tidy", &ws);
    let r = action(&ws, "pull_request", &payload(dir.path(), &base, &head), &[]);
    let all = output_text(&r.out);
    assert_eq!(r.out.status.code(), Some(0), "{all}");
    assert!(
        r.summary.starts_with("### ✅ caulk: no secrets found"),
        "{}",
        r.summary
    );
    assert!(r.outputs.contains("findings=0\n") && r.outputs.contains("exit-code=0\n"));
    assert_eq!(r.caulk_runs, 1);

    // a new branch pushed from the same base: the commits not on the default branch
    let push = dir.path().join("push.json");
    std::fs::write(
        &push,
        format!(
            "{{\"ref\": \"refs/heads/tidy\", \"before\": \"{}\", \"after\": \"{head}\", \
             \"repository\": {{\"default_branch\": \"main\"}}}}",
            "0".repeat(40)
        ),
    )
    .unwrap();
    let ws2 = dir.path().join("ws2");
    checkout(&remote, "tidy", &ws2);
    let r = action(&ws2, "push", &push, &[]);
    let all = output_text(&r.out);
    assert_eq!(r.out.status.code(), Some(0), "{all}");
    assert!(all.contains(&format!("scanning {base}..{head}")), "{all}");
}

#[test]
fn a_push_to_a_depth_1_checkout_blames_the_commit_that_added_the_key() {
    let (dir, remote, main, add, head) = adds_then_removes();
    for (name, before) in [("push", main.clone()), ("new branch", "0".repeat(40))] {
        let ws = dir.path().join(format!("ws-{}", name.len()));
        checkout(&remote, "oops", &ws);
        let push = dir.path().join("push.json");
        std::fs::write(
            &push,
            format!(
                "{{\"ref\": \"refs/heads/oops\", \"before\": \"{before}\", \"after\": \"{head}\", \
                 \"repository\": {{\"default_branch\": \"main\"}}}}"
            ),
        )
        .unwrap();
        let r = action(&ws, "push", &push, &[]);
        let all = output_text(&r.out);
        assert_eq!(r.out.status.code(), Some(1), "{name}: {all}");
        assert!(
            all.contains(&format!("scanning {main}..{head}")),
            "{name}: {all}"
        );
        let stdout = String::from_utf8_lossy(&r.out.stdout);
        assert!(
            stdout.contains(&format!("introduced in {}", &add[..12])),
            "{name}: {stdout}"
        );
        assert_eq!(r.caulk_runs, 1);
    }
}

#[test]
fn an_unreadable_range_fails_the_job_and_never_says_no_secrets() {
    let (dir, remote, main, _, head) = adds_then_removes();
    // both tips present but cut at depth 1, and the remote gone: the range cannot be read
    let ws = dir.path().join("ws");
    let url = format!("file://{}", remote.display());
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            ws.to_str().unwrap(),
        ],
    );
    assert!(has_commit(&ws, &main) && has_commit(&ws, &head));
    git(
        &ws,
        &[
            "remote",
            "set-url",
            "origin",
            "file:///nonexistent/remote.git",
        ],
    );
    let event = payload(dir.path(), &main, &head);
    let r = action(&ws, "pull_request", &event, &[]);
    assert_did_not_run(&r, "cannot read the pull request's commits");
    assert_eq!(
        r.caulk_runs, 0,
        "caulk is not run on a range it cannot read"
    );

    // the base missing and the remote gone
    let ws2 = dir.path().join("ws2");
    checkout(&remote, "oops", &ws2);
    git(
        &ws2,
        &[
            "remote",
            "set-url",
            "origin",
            "file:///nonexistent/remote.git",
        ],
    );
    let r = action(&ws2, "pull_request", &event, &[]);
    assert_did_not_run(&r, &format!("cannot fetch the pull request's base {main}"));

    // caulk itself fails (exit 2): the job fails the same way
    let ws3 = dir.path().join("ws3");
    checkout(&remote, "oops", &ws3);
    let r = action(
        &ws3,
        "pull_request",
        &event,
        &[("INPUT_CONFIG", "/nonexistent/caulk.toml")],
    );
    assert_did_not_run(&r, "failed (exit 2;");
    assert_eq!(r.caulk_runs, 1);
}
