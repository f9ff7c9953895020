//! Colour is decided as other command-line tools decide it (anstream: `NO_COLOR`,
//! `CLICOLOR_FORCE`, `CLICOLOR`, a terminal), is only ever in the text report on standard output,
//! and `--no-color` always wins.

use crate::util::*;
use tempfile::TempDir;

/// A tree with one finding (a Hugging Face token in `k.py`).
fn one_finding() -> TempDir {
    let dir = TempDir::new().unwrap();
    write_tree(
        dir.path(),
        &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())],
    );
    dir
}

/// `caulk ARGS` in `dir` with the environment `env`: (exit code, stdout).
fn run(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let mut c = caulk();
    c.current_dir(dir).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
    )
}

#[test]
fn clicolor_force_colours_the_text_report_with_these_exact_escapes() {
    let dir = one_finding();
    let (code, out) = run(dir.path(), &[("CLICOLOR_FORCE", "1")], &["scan", "."]);
    assert_eq!(code, 1);
    // place bold, rule bold red, description dim, redacted secret yellow, summary bold red
    for painted in [
        "\x1b[1mk.py:1:6\x1b[0m",
        "\x1b[1m\x1b[31mhuggingface-token\x1b[0m",
        "\x1b[2m(Hugging Face access token; confidence ",
        "\x1b[33mhf_*****",
        "\x1b[1m\x1b[31m1 finding in 1 file\x1b[0m",
    ] {
        assert!(out.contains(painted), "{painted:?} missing in {out:?}");
    }
    assert!(!out.contains(HF_KEY), "the secret stays redacted");

    let clean = TempDir::new().unwrap();
    let (code, out) = run(clean.path(), &[("CLICOLOR_FORCE", "1")], &["scan", "."]);
    assert_eq!(code, 0);
    assert!(
        out.contains("\x1b[1m\x1b[32mno secrets found\x1b[0m"),
        "{out:?}"
    );
}

#[test]
fn no_color_and_a_pipe_mean_no_escape() {
    let dir = one_finding();
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[], "standard output is a pipe, not a terminal"),
        (&[("NO_COLOR", "1")], "NO_COLOR"),
        (
            &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
            "NO_COLOR wins over CLICOLOR_FORCE",
        ),
    ];
    for (env, why) in cases {
        let (code, out) = run(dir.path(), env, &["scan", "."]);
        assert_eq!(code, 1, "{why}");
        assert!(out.contains("huggingface-token"), "{why}: {out}");
        assert!(!out.contains('\x1b'), "{why}: {out:?}");
    }
}

#[test]
fn no_color_flag_files_and_other_formats_are_never_coloured() {
    let dir = one_finding();
    let d = dir.path();
    let force = [("CLICOLOR_FORCE", "1")];
    let (_, out) = run(d, &force, &["scan", ".", "--no-color"]);
    assert!(
        out.contains("huggingface-token") && !out.contains('\x1b'),
        "{out:?}"
    );
    for format in ["json", "sarif", "github", "junit", "markdown"] {
        let (_, out) = run(d, &force, &["scan", "k.py", "--format", format]);
        assert!(out.contains("huggingface-token"), "{format}: {out}");
        assert!(!out.contains('\x1b'), "{format}: {out:?}");
    }
    let out_dir = TempDir::new().unwrap();
    let file = out_dir.path().join("report.txt");
    let copy = out_dir.path().join("copy.txt");
    let (code, stdout) = run(
        d,
        &force,
        &[
            "scan",
            "k.py",
            "-o",
            file.to_str().unwrap(),
            "--report",
            &format!("text={}", copy.display()),
        ],
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout:?}");
    for f in [&file, &copy] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.contains("huggingface-token") && !text.contains('\x1b'),
            "{text:?}"
        );
    }
}
