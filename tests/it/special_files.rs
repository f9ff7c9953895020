//! Special files: symbolic link loops, FIFOs and non-UTF-8 names met in a walk, and FIFOs or
//! devices named as notebooks, configurations, baselines or ignore files — counted or refused,
//! never hanging.

use crate::util::run_report as run;
use crate::util::*;
use tempfile::TempDir;

#[test]
fn symlink_loops_fifos_and_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write_tree(d, &[("a/k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    std::os::unix::fs::symlink("..", d.join("a/up")).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
    std::fs::write(d.join(name), format!("K = '{GROQ_KEY}'\n")).unwrap();
    let st = std::process::Command::new("mkfifo")
        .arg(d.join("a/pipe"))
        .status()
        .unwrap();
    assert!(st.success());
    // -L follows links: the loop is met, counted and said, never followed forever; the FIFO is
    // never opened (the scan would block)
    let (code, report, stderr) = run(d, &["scan", ".", "-L"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("a/up: a symbolic link loop, not followed again"),
        "{stderr}"
    );
    assert_eq!(report["summary"]["skipped_symlinks"], 1);
    assert_eq!(report["summary"]["skipped_special"], 1);
    assert_eq!(report["summary"]["errors"], 0);
    // a non-UTF-8 name: lossy in text and JSON, exact (percent-encoded) in SARIF
    let paths: Vec<String> = positions(&report).into_iter().map(|p| p.0).collect();
    assert!(paths.contains(&"caf\u{fffd}.py".to_string()), "{paths:?}");
    let results = sarif_results(d, &["scan", "."]);
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"caf%E9.py"), "{uris:?}");
}

/// Regression (issue 13): `strip --check` on a FIFO and `--baseline FIFO` hung forever. FIFOs
/// named as notebooks, configurations, baselines or ignore files are refused with a message.
#[cfg(unix)]
#[test]
fn special_files_named_as_inputs_are_refused_without_hanging() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    write_tree(d, &[("a.py", b"x = 1\n")]);
    let mkfifo = |name: &str| {
        let ok = std::process::Command::new("mkfifo")
            .arg(d.join(name))
            .status()
            .unwrap();
        assert!(ok.success());
    };
    mkfifo("nb.ipynb");
    mkfifo("fifo.json");
    mkfifo("fifo.toml");
    let quick = std::time::Duration::from_secs(20);
    for (args, what) in [
        (
            vec!["strip", "--check", "nb.ipynb"],
            "nb.ipynb: is a FIFO, not a regular file",
        ),
        (vec!["strip", "nb.ipynb"], "nb.ipynb: is a FIFO"),
        (
            vec!["scan", "a.py", "--baseline", "fifo.json"],
            "fifo.json: is a FIFO",
        ),
        (
            vec!["scan", "a.py", "--config", "fifo.toml"],
            "fifo.toml: is a FIFO",
        ),
        (
            vec!["scan", "a.py", "--config", "/dev/zero"],
            "/dev/zero: is a device",
        ),
    ] {
        let o = caulk()
            .current_dir(d)
            .args(&args)
            .timeout(quick)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", output_text(&o));
        assert!(
            output_text(&o).contains(what),
            "{args:?}: {}",
            output_text(&o)
        );
    }
    // an ignore file or configuration found by name is refused too, never skipped
    mkfifo(".caulkignore");
    let o = caulk()
        .current_dir(d)
        .args(["scan", "a.py"])
        .timeout(quick)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains(".caulkignore: is a FIFO"),
        "{}",
        output_text(&o)
    );
    std::fs::remove_file(d.join(".caulkignore")).unwrap();
    mkfifo("caulk.toml");
    let o = caulk()
        .current_dir(d)
        .args(["scan", "a.py"])
        .timeout(quick)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains("caulk.toml: is a FIFO"),
        "{}",
        output_text(&o)
    );
}
