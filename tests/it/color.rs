//! Colour is decided as other command-line tools decide it: `--color always|never` (and
//! `--no-color`) first, then `NO_COLOR`, `FORCE_COLOR`, `CLICOLOR_FORCE`, `CLICOLOR`, then a
//! terminal; it is only ever in the text report on standard output.

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
    c.current_dir(dir).args(args).env_remove("FORCE_COLOR");
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

/// Environment variables set for one run.
type Env<'a> = &'a [(&'a str, &'a str)];

/// Whether a text report of the one-finding tree is painted (the rule name in bold red).
fn painted(out: &str) -> bool {
    out.contains("\x1b[1m\x1b[31mhuggingface-token\x1b[0m")
}

/// Every way to ask, on a pipe: the flag beats the environment; `FORCE_COLOR` and
/// `CLICOLOR_FORCE` colour unless `0` or empty; `NO_COLOR` beats both; `CLICOLOR=0` does not
/// stop a forced colour.
#[test]
fn color_flag_and_environment_on_a_pipe() {
    let dir = one_finding();
    let cases: &[(&[&str], Env, bool, &str)] = &[
        (
            &["--color", "always"],
            &[],
            true,
            "--color always colours a pipe",
        ),
        (
            &["--color", "always"],
            &[("NO_COLOR", "1")],
            true,
            "the flag beats NO_COLOR",
        ),
        (
            &["--color", "always"],
            &[("CLICOLOR", "0")],
            true,
            "the flag beats CLICOLOR=0",
        ),
        (
            &["--color", "never"],
            &[("FORCE_COLOR", "1")],
            false,
            "the flag beats FORCE_COLOR",
        ),
        (
            &["--color", "never"],
            &[("CLICOLOR_FORCE", "1")],
            false,
            "the flag beats CLICOLOR_FORCE",
        ),
        (
            &["--no-color"],
            &[("FORCE_COLOR", "1")],
            false,
            "--no-color is --color never",
        ),
        (&["--color", "auto"], &[], false, "auto on a pipe"),
        (
            &["--color", "auto"],
            &[("FORCE_COLOR", "1")],
            true,
            "FORCE_COLOR=1",
        ),
        (&[], &[("FORCE_COLOR", "true")], true, "FORCE_COLOR=true"),
        (&[], &[("FORCE_COLOR", "3")], true, "FORCE_COLOR=3"),
        (&[], &[("FORCE_COLOR", "0")], false, "FORCE_COLOR=0"),
        (&[], &[("FORCE_COLOR", "")], false, "an empty FORCE_COLOR"),
        (&[], &[("CLICOLOR_FORCE", "0")], false, "CLICOLOR_FORCE=0"),
        (
            &[],
            &[("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0")],
            true,
            "CLICOLOR_FORCE beats CLICOLOR=0",
        ),
        (
            &[],
            &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
            false,
            "NO_COLOR beats FORCE_COLOR",
        ),
        (
            &[],
            &[("FORCE_COLOR", "1"), ("NO_COLOR", "")],
            true,
            "an empty NO_COLOR is unset",
        ),
    ];
    for (flags, env, want, why) in cases {
        let args: Vec<&str> = ["scan", "."].iter().chain(flags.iter()).copied().collect();
        let (code, out) = run(dir.path(), env, &args);
        assert_eq!(code, 1, "{why}");
        assert!(out.contains("huggingface-token"), "{why}: {out}");
        assert_eq!(painted(&out), *want, "{why}: {out:?}");
        if !want {
            assert!(!out.contains('\x1b'), "{why}: {out:?}");
        }
        assert!(!out.contains(HF_KEY), "{why}: the secret stays redacted");
    }
    // Other formats and files are never coloured, whatever is asked.
    for format in ["json", "sarif", "github", "junit", "markdown"] {
        let (_, out) = run(
            dir.path(),
            &[],
            &["scan", ".", "--color", "always", "--format", format],
        );
        assert!(
            out.contains("huggingface-token") && !out.contains('\x1b'),
            "{format}: {out:?}"
        );
    }
    let out_dir = TempDir::new().unwrap();
    let file = out_dir.path().join("r.txt");
    run(
        dir.path(),
        &[],
        &[
            "scan",
            ".",
            "--color",
            "always",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("huggingface-token") && !text.contains('\x1b'),
        "{text:?}"
    );
}

/// `--no-color --color always` asks two things: a usage error (exit 2), not a guess; a bad WHEN
/// is named.
#[test]
fn contradictory_or_unknown_color_requests_are_refused() {
    let dir = one_finding();
    for args in [
        &["scan", ".", "--no-color", "--color", "always"][..],
        &["scan", ".", "--color", "sometimes"][..],
    ] {
        let o = caulk().current_dir(dir.path()).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--color"), "{args:?}: {err}");
    }
}

/// On a real terminal (a pseudo-terminal made by util-linux `script`), `auto` colours unless
/// `NO_COLOR`, `CLICOLOR=0`, `TERM=dumb` or `--color never` says otherwise.
#[test]
fn auto_colours_a_terminal_unless_told_not_to() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: util-linux `script` (to make a terminal) is not installed");
        return;
    }
    let dir = one_finding();
    let bin = env!("CARGO_BIN_EXE_caulk");
    let on_tty = |env: &[(&str, &str)], flags: &str| {
        let mut c = std::process::Command::new("script");
        c.current_dir(dir.path())
            .args([
                "-q",
                "-e",
                "-c",
                &format!("'{bin}' scan . {flags}"),
                "/dev/null",
            ])
            .env("TERM", "xterm-256color");
        for k in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let cases: &[(Env, &str, bool, &str)] = &[
        (&[], "", true, "a terminal"),
        (&[], "--color auto", true, "--color auto on a terminal"),
        (&[("NO_COLOR", "1")], "", false, "NO_COLOR"),
        (&[("CLICOLOR", "0")], "", false, "CLICOLOR=0"),
        (&[("TERM", "dumb")], "", false, "TERM=dumb"),
        (&[], "--color never", false, "--color never"),
        (
            &[("NO_COLOR", "1")],
            "--color always",
            true,
            "--color always beats NO_COLOR",
        ),
    ];
    for (env, flags, want, why) in cases {
        let (code, out) = on_tty(env, flags);
        assert_eq!(code, Some(1), "{why}: {out}");
        assert!(out.contains("huggingface-token"), "{why}: {out}");
        assert_eq!(painted(&out), *want, "{why}: {out:?}");
    }
}
