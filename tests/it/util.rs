//! Helpers shared by the CLI tests: the real binary, JSON output parsing, temp trees.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The caulk binary built by cargo for this test run, with colour and locale noise removed.
pub(crate) fn caulk() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_caulk"));
    // A developer's shell may force colour (`CLICOLOR_FORCE`): tests see caulk's own defaults.
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR");
    c
}

/// Runs `caulk scan ARGS --format json` in `dir`, returns (exit code, parsed report, stderr).
pub(crate) fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = caulk()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code().unwrap(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (path, note) of each finding, in report order; "" when a finding has no note.
pub(crate) fn notes(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let note = f["note"].as_str().unwrap_or("");
            (f["path"].as_str().unwrap().to_string(), note.to_string())
        })
        .collect()
}

/// (path, line, column, rule_id) of each finding, in report order.
pub(crate) fn positions(report: &Value) -> Vec<(String, u64, u64, String)> {
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
            )
        })
        .collect()
}

/// The repository root (where `fixtures/` lives).
pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `files` (relative path, contents) under `dir`.
pub(crate) fn write_tree(dir: &Path, files: &[(&str, &[u8])]) {
    for (rel, contents) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }
}

/// Runs git in `dir`, panicking on failure.
pub(crate) fn git(dir: &Path, args: &[&str]) {
    let st = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// Standard output and standard error of a finished command, as one text.
pub(crate) fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that `text` holds none of `secrets`, nor the 12 characters at the middle of any (what
/// redaction must always hide).
pub(crate) fn assert_no_secret(text: &str, secrets: &[String], context: &str) {
    for s in secrets {
        let core = &s[s.len() / 2 - 6..s.len() / 2 + 6];
        assert!(
            !text.contains(s.as_str()) && !text.contains(core),
            "{context} leaks {core}"
        );
    }
}

/// Fake, format-valid keys for tests built at run time (see benches/fakekeys.py).
pub(crate) const HF_KEY: &str = "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";
pub(crate) const GROQ_KEY: &str = "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";
pub(crate) const OPENAI_KEY: &str = "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";

/// Runs caulk with ARGS plus `--format json --show-suppressed` in `dir`: (exit code, report,
/// stderr).
pub(crate) fn run_report(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let o = caulk()
        .current_dir(dir)
        .args(args)
        .args(["--format", "json", "--show-suppressed"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let report = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&o.stdout)
        )
    });
    (o.status.code().unwrap(), report, stderr)
}

/// (path, rule_id) of each finding, in report order.
pub(crate) fn found(report: &Value) -> Vec<(String, String)> {
    positions(report)
        .into_iter()
        .map(|(path, _, _, rule)| (path, rule))
        .collect()
}

/// The results of caulk's SARIF report for ARGS (`--format sarif` added), run in `dir`.
pub(crate) fn sarif_results(dir: &Path, args: &[&str]) -> Vec<Value> {
    let o = caulk()
        .current_dir(dir)
        .args(args)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    sarif["runs"][0]["results"].as_array().unwrap().clone()
}

/// `s` encoded as UTF-16 with its byte-order mark, little- or big-endian.
pub(crate) fn utf16(s: &str, le: bool) -> Vec<u8> {
    let mut out = if le {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for u in s.encode_utf16() {
        out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

/// Whether the tests run as root (who reads every file and may give files away).
pub(crate) fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `cmd` with `input` on its standard input; its output, standard output captured (for
/// external tools that read stdin: git plumbing, nbstripout).
pub(crate) fn with_stdin(cmd: &mut std::process::Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// git's standard output for ARGS in `dir`, as it printed it; fails the test when git fails.
pub(crate) fn git_stdout(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An external tool a test checks caulk against (nbstripout, html5lib, chromium, PyYAML,
/// mandoc): the program named by env var `path_var` (else `default`) when running it with
/// `probe` succeeds. Else `None`, and the caller skips, saying so, unless `require_var` is set, as
/// `.ci/run` sets it where it installed the tool: then a missing tool fails the test.
pub(crate) fn external_tool(
    path_var: &str,
    default: &str,
    probe: &[&str],
    require_var: &str,
    what: &str,
) -> Option<String> {
    let bin = std::env::var(path_var).unwrap_or_else(|_| default.into());
    let ok = std::process::Command::new(&bin)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(bin);
    }
    assert!(
        std::env::var_os(require_var).is_none(),
        "{what} is required ({require_var}) but `{bin} {}` failed",
        probe.join(" ")
    );
    eprintln!("{what} not installed: skipped (.ci/run runs it)");
    None
}
