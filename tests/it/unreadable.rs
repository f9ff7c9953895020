//! What caulk cannot read is named, never passed over: a path over PATH_MAX, a file without read
//! permission, a FIFO, a symbolic link — and an unread path never lets the exit code be 0.

use std::path::Path;

use crate::util::run_report as run;
use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

/// Makes `depth` nested directories of 100-character names under `d` (a path over PATH_MAX) and
/// writes `contents` to `k.py` at the bottom, using relative steps (the OS refuses the full path).
fn deep_file(d: &Path, depth: usize, contents: &[u8]) -> String {
    let name = "d".repeat(100);
    let mut script = String::from("set -e\n");
    for _ in 0..depth {
        script.push_str(&format!("mkdir {name} && cd {name}\n"));
    }
    script.push_str("cat > k.py\n");
    let mut child = std::process::Command::new("bash")
        .current_dir(d)
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(contents).unwrap();
    assert!(child.wait().unwrap().success());
    vec![name; depth].join("/") + "/k.py"
}

#[test]
fn what_is_not_read_is_named_and_the_exit_code_is_never_0() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let key_line = format!("$env:HF_TOKEN = \"{HF_KEY}\"\r\n");
    write_tree(
        d,
        &[
            ("win/deploy.ps1", &utf16(&key_line, true)),
            ("src/locked.py", format!("K = '{GROQ_KEY}'\n").as_bytes()),
            ("data/blob.bin", b"\x00\x01\x02"),
        ],
    );
    let deep = deep_file(d, 45, format!("K = '{OPENAI_KEY}'\n").as_bytes());
    assert!(deep.len() > 4096);
    let st = std::process::Command::new("mkfifo")
        .arg(d.join("data/pipe"))
        .status()
        .unwrap();
    assert!(st.success());
    std::os::unix::fs::symlink("/etc/hostname", d.join("data/link")).unwrap();
    // An unreadable file: root reads everything, so as root the scan runs as `nobody` (through
    // util-linux's setpriv) over a tree it may enter.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(&d.join("src/locked.py"), 0o000).unwrap();
    let drop_root = is_root()
        && std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if drop_root {
        // the tree must be enterable by `nobody` (the temporary directory is made 0700)
        mode(d, 0o755).unwrap();
        for sub in ["win", "src", "data"] {
            mode(&d.join(sub), 0o755).unwrap();
        }
    }
    let denied = !is_root() || drop_root;
    let o = if drop_root {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_caulk"))
            .args(["scan", ".", "--format", "json"])
            .current_dir(d)
            .output()
            .unwrap()
    } else {
        caulk()
            .current_dir(d)
            .args(["scan", ".", "--format", "json"])
            .output()
            .unwrap()
    };
    let (code, report, stderr): (i32, Value, String) = (
        o.status.code().unwrap(),
        serde_json::from_slice(&o.stdout).unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert_eq!(code, 1, "{stderr}");
    let rules: Vec<String> = positions(&report).into_iter().map(|p| p.3).collect();
    assert!(
        rules.contains(&"huggingface-token".to_string()),
        "the UTF-16 key: {rules:?}"
    );
    let unread = report["summary"]["unread"].as_array().unwrap();
    let deep_entry = unread
        .iter()
        .find(|u| u["reason"] == "File name too long")
        .unwrap_or_else(|| panic!("the deep path is listed: {unread:?}"));
    assert_eq!(deep_entry["error"], true);
    assert!(stderr.contains("File name too long"), "{stderr}");
    if denied {
        assert!(
            stderr.contains("src/locked.py: Permission denied"),
            "{stderr}"
        );
        assert!(
            unread
                .iter()
                .any(|u| u["path"] == "src/locked.py" && u["reason"] == "Permission denied")
        );
    }
    let s = &report["summary"];
    // the binary file is scanned for its printable runs, not skipped
    assert_eq!(
        (
            s["skipped_binary"].as_u64(),
            s["binary_strings"].as_u64(),
            s["skipped_special"].as_u64(),
            s["skipped_symlinks"].as_u64()
        ),
        (Some(0), Some(1), Some(1), Some(1)),
        "{s}"
    );
    // without findings, an unread path makes the exit code 2, never 0
    let (code, _, _) = run(d, &["scan", ".", "--rule", "aws-access-key-id"]);
    assert_eq!(code, 2);
    // the FIFO was never opened: the scan finished (it would block on open otherwise)
}
