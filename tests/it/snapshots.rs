//! Every report format pinned byte for byte: the demo scan (`caulk scan fixtures/demo`) in text,
//! JSON, SARIF, GitHub annotations, JUnit, Markdown and HTML, plus `caulk rules` and `caulk explain`,
//! each with its exit code, standard output and standard error in one snapshot
//! (`tests/it/snapshots/*.snap`, made with `insta`).
//!
//! Only what varies between runs is redacted: the elapsed milliseconds (text, JSON, GitHub,
//! Markdown, HTML) and JUnit's suite `time=`. Secrets are already redacted by caulk, and every output
//! is checked to hold none of the demo's keys. Each scan runs with `-j 1` and `-j 4` and both
//! must print the same bytes, so the snapshots do not depend on the thread count.
//!
//! A mismatch fails the test (under `CI=true` insta writes nothing; elsewhere it leaves a
//! `.snap.new` beside the snapshot). After an intended change to a report, review the new output
//! and accept it with `INSTA_UPDATE=always cargo test --test it snapshots::` (or
//! `cargo insta review`).

use std::process::Output;
use std::sync::OnceLock;

use regex::Regex;

use crate::scan::demo_secrets;
use crate::util::*;

/// The demo's full secrets, read once (every test checks its output against them).
fn secrets() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(demo_secrets)
}

/// Replaces what differs from run to run (timings) with a fixed marker.
fn redact(text: &str) -> String {
    static RULES: OnceLock<Vec<(Regex, &str)>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            // the text, GitHub and Markdown summary line
            (r" in \d+ ms\b", " in [elapsed] ms"),
            // the JSON summary
            (r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[elapsed]""#),
            // JUnit's <testsuites>/<testsuite> time (the testcases' time is always "0")
            (r#" time="\d+\.\d{3}""#, r#" time="[elapsed]""#),
        ]
        .into_iter()
        .map(|(re, with)| (Regex::new(re).unwrap(), with))
        .collect()
    });
    rules.iter().fold(text.to_string(), |t, (re, with)| {
        re.replace_all(&t, *with).into_owned()
    })
}

/// Exit code, standard output and standard error of one run, redacted, as one text.
fn transcript(o: &Output) -> String {
    let stdout = String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8");
    let stderr = String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8");
    redact(&format!(
        "exit: {}\n----- stdout -----\n{stdout}----- stderr -----\n{stderr}",
        o.status.code().expect("exited, not killed by a signal")
    ))
}

/// Runs `caulk ARGS` at the repository root without colour.
fn run(args: &[&str]) -> String {
    let o = caulk()
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    let text = transcript(&o);
    assert_no_secret(&text, secrets(), &format!("caulk {args:?}"));
    text
}

/// The demo scan in FORMAT (with EXTRA flags), the same with one thread and with four.
fn demo(format: &str, extra: &[&str]) -> String {
    let with = |threads: &str| {
        let mut args = vec!["scan", "fixtures/demo", "--format", format, "-j", threads];
        args.extend(extra);
        run(&args)
    };
    let one = with("1");
    let four = with("4");
    assert_eq!(one, four, "{format}: -j 1 and -j 4 differ");
    assert!(one.starts_with("exit: 1\n"), "{one}");
    one
}

#[test]
fn demo_text() {
    insta::assert_snapshot!(demo("text", &[]));
}

#[test]
fn demo_json() {
    insta::assert_snapshot!(demo("json", &[]));
}

/// The demo holds no suppressed finding: `--show-suppressed` adds an empty list and changes
/// nothing else.
#[test]
fn demo_json_show_suppressed() {
    insta::assert_snapshot!(demo("json", &["--show-suppressed"]));
}

#[test]
fn demo_sarif() {
    insta::assert_snapshot!(demo("sarif", &[]));
}

#[test]
fn demo_github() {
    insta::assert_snapshot!(demo("github", &[]));
}

#[test]
fn demo_html() {
    insta::assert_snapshot!(demo("html", &[]));
}

#[test]
fn demo_junit() {
    insta::assert_snapshot!(demo("junit", &[]));
}

#[test]
fn demo_markdown() {
    insta::assert_snapshot!(demo("markdown", &[]));
}

#[test]
fn rules_list() {
    insta::assert_snapshot!(run(&["rules"]));
}

#[test]
fn explain_huggingface_token() {
    insta::assert_snapshot!(run(&["explain", "huggingface-token"]));
}
