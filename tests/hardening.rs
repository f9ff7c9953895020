//! Hostile and unusual input: every input is scanned or named, never silently passed.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use tempfile::TempDir;

fn utf16(s: &str, le: bool) -> Vec<u8> {
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

use common::run_report as run;

fn lines_and_columns(report: &Value) -> Vec<(String, u64, u64)> {
    positions(report)
        .into_iter()
        .map(|(p, l, c, _)| (p, l, c))
        .collect()
}

#[test]
fn utf16_and_bom_files_are_decoded_with_editor_positions() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let ps1 = format!("# deploy\r\n\r\n$env:HF_TOKEN = \"{HF_KEY}\"\r\n");
    write_tree(
        d,
        &[
            ("le.ps1", &utf16(&ps1, true)),
            ("be.ps1", &utf16(&ps1, false)),
            ("bom.py", format!("\u{feff}KEY = '{GROQ_KEY}'\n").as_bytes()),
            // old Mac line ends and Latin-1 bytes never shift a line
            (
                "mac.txt",
                &[
                    b"caf\xe9\rline two\r\rkey='".as_slice(),
                    HF_KEY.as_bytes(),
                    b"'\r",
                ]
                .concat(),
            ),
            (
                "crlf.env.txt",
                format!("A=1\r\nB=2\r\nTOKEN={HF_KEY}\r\n").as_bytes(),
            ),
        ],
    );
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        lines_and_columns(&report),
        [
            ("be.ps1".into(), 3, 18),
            ("bom.py".into(), 1, 8),
            ("crlf.env.txt".into(), 3, 7),
            ("le.ps1".into(), 3, 18),
            ("mac.txt".into(), 4, 6),
        ]
    );
    for f in report["findings"].as_array().unwrap() {
        let snippet = f["snippet"].as_str().unwrap();
        assert!(!snippet.contains('\r'), "{snippet:?}");
        assert!(!f["secret_redacted"].as_str().unwrap().contains('\r'));
    }
    assert_eq!(report["summary"]["skipped_binary"], 0);
}

#[test]
fn utf16_files_in_staged_changes_and_history() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let before = "# deploy\r\nWrite-Host 'hi'\r\n";
    write_tree(d, &[("deploy.ps1", &utf16(before, true))]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "script"]);
    let after = format!("# deploy\r\nWrite-Host 'hi'\r\n$env:HF_TOKEN = \"{HF_KEY}\"\r\n");
    write_tree(d, &[("deploy.ps1", &utf16(&after, true))]);
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(lines_and_columns(&report), [("deploy.ps1".into(), 3, 18)]);
    git(d, &["commit", "-q", "-m", "token"]);
    let (code, report, _) = run(d, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(lines_and_columns(&report), [("deploy.ps1".into(), 3, 18)]);
    // an old-Mac file edited: only the added line counts, at its editor line
    write_tree(d, &[("old.txt", b"a\rb\r")]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "old"]);
    write_tree(
        d,
        &[("old.txt", format!("a\rb\rk='{GROQ_KEY}'\r").as_bytes())],
    );
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!(
        (code, lines_and_columns(&report)),
        (1, vec![("old.txt".into(), 3, 4)])
    );
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

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

#[test]
fn files_and_blobs_over_the_size_limit_are_named() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let big = format!("{}K = '{GROQ_KEY}'\n", "# pad\n".repeat(400));
    write_tree(d, &[("big.py", big.as_bytes()), ("small.py", b"x = 1\n")]);
    let (code, report, stderr) = run(d, &["scan", ".", "--max-file-size", "1K"]);
    assert_eq!(
        code, 0,
        "a limit the user set is a skip, named, not an error"
    );
    assert!(
        stderr.contains("caulk: warning: big.py: over the size limit (2.4 KiB > 1.0 KiB)"),
        "{stderr}"
    );
    let u = &report["summary"]["unread"][0];
    assert_eq!(
        (u["path"].as_str(), u["error"].as_bool()),
        (Some("big.py"), Some(false))
    );
    assert_eq!(report["summary"]["skipped_too_large"], 1);
    // the default limit (256 MiB) reads it; 0 means no limit
    assert_eq!(run(d, &["scan", "."]).0, 1);
    assert_eq!(run(d, &["scan", ".", "--max-file-size", "0"]).0, 1);
    git(d, &["add", "."]);
    let (_, _, stderr) = run(d, &["staged", "--max-file-size", "1K"]);
    assert!(stderr.contains("big.py: over the size limit"), "{stderr}");
    git(d, &["commit", "-q", "-m", "big"]);
    let (_, report, stderr) = run(d, &["history", "--max-file-size", "1K"]);
    let blob = report["summary"]["unread"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(blob.starts_with("big.py (blob "), "{blob}");
    assert!(stderr.contains(&blob), "{stderr}");
}

#[test]
fn control_characters_in_names_and_lines_print_escaped() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let name = "x\x1b]0;pwned\x07\x1b[2K\rcaulk: no secrets found\n.py";
    write_tree(
        d,
        &[(
            name,
            format!("K = '{HF_KEY}'  # \x1b[8m hidden \x1b[0m\u{9b}31m\n").as_bytes(),
        )],
    );
    let o = caulk().current_dir(d).args(["scan", "."]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let text = output_text(&o);
    for bad in ['\x1b', '\x07', '\r', '\u{9b}'] {
        assert!(
            !text.contains(bad),
            "{bad:?} reached the terminal: {text:?}"
        );
    }
    assert!(text.contains("x\\x1b]0;pwned\\x07\\x1b[2K\\x0dcaulk: no secrets found\\x0a.py:1:6"));
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("caulk: no secrets found")),
        "no forged line"
    );
    // JSON and SARIF carry the name exactly
    let (_, report, _) = run(d, &["scan", "."]);
    assert_eq!(report["findings"][0]["path"], name);
    let o = caulk()
        .current_dir(d)
        .args(["scan", ".", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !uri.contains('\x1b'),
        "a SARIF uri is percent-encoded: {uri}"
    );
}

/// The loose object file of `id` in the repository at `d`.
fn object_file(d: &Path, id: &str) -> std::path::PathBuf {
    d.join(".git/objects").join(&id[..2]).join(&id[2..])
}

fn git_out(d: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .current_dir(d)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn corrupt_or_missing_git_objects_fail_closed_naming_the_object() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            ("app/k.py", format!("K = '{HF_KEY}'\n").as_bytes()),
            ("README.md", b"hello\n"),
        ],
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    let blob = git_out(d, &["rev-parse", "HEAD:app/k.py"]);
    let f = object_file(d, &blob);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&f, b"\x78\x01garbage that does not inflate").unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("app/k.py: cannot read blob {blob}")) && text.contains("git fsck"),
        "{text}"
    );
    assert!(
        text.contains("INCOMPLETE: no secrets found in what was read"),
        "{text}"
    );
    // missing altogether
    std::fs::remove_file(&f).unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains(&blob));
    // a missing tree stops the walk, naming the tree
    let tree = git_out(d, &["rev-parse", "HEAD:app"]);
    std::fs::remove_file(object_file(d, &tree)).unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text.contains(&format!("app: cannot read tree {tree}")),
        "{text}"
    );
}

#[test]
fn a_repository_without_commits_still_blocks_a_staged_key() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    let (code, report, _) = run(d, &["staged"]);
    assert_eq!((code, positions(&report).len()), (1, 1));
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(output_text(&o).contains("no commits yet"));
}

#[test]
fn a_repository_owned_by_another_user_is_refused_with_the_fix() {
    if !is_root() {
        return; // only root can give a repository to another user
    }
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    let st = std::process::Command::new("chown")
        .args(["-R", "65534"])
        .arg(d)
        .status()
        .unwrap();
    assert!(st.success());
    let home = TempDir::new().unwrap();
    for cmd in [&["history"][..], &["staged"]] {
        let o = caulk()
            .current_dir(d)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(cmd)
            .output()
            .unwrap();
        let text = output_text(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {text}");
        assert!(
            text.contains("not owned by current user")
                && text.contains("git config --global --add safe.directory"),
            "{text}"
        );
    }
    // the fix it names works
    std::fs::write(
        home.path().join(".gitconfig"),
        format!("[safe]\n\tdirectory = {}\n", d.display()),
    )
    .unwrap();
    let o = caulk()
        .current_dir(d)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["history"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
}

#[test]
fn shallow_clones_say_so_and_submodules_are_counted() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    git(&src, &["init", "-q"]);
    write_tree(
        &src,
        &[("old.py", format!("K = '{GROQ_KEY}'\n").as_bytes())],
    );
    git(&src, &["add", "."]);
    git(&src, &["commit", "-q", "-m", "old"]);
    std::fs::remove_file(src.join("old.py")).unwrap();
    write_tree(&src, &[("new.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-q", "-m", "new"]);
    let url = format!("file://{}", src.display());
    git(
        dir.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = dir.path().join("shallow");
    let (code, report, stderr) = run(&shallow, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(positions(&report).len(), 1, "only what the clone has");
    assert_eq!(report["summary"]["shallow"], true);
    assert!(
        stderr.contains("shallow clone: history stops at its graft"),
        "{stderr}"
    );

    // a gitlink (submodule) is counted, never an error
    let head = git_out(&src, &["rev-parse", "HEAD"]);
    git(
        &src,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{head},vendor/lib"),
        ],
    );
    let (code, report, _) = run(&src, &["staged"]);
    assert_eq!(
        (code, report["summary"]["skipped_submodules"].as_u64()),
        (0, Some(1))
    );
    git(&src, &["commit", "-q", "-m", "submodule"]);
    let (code, report, _) = run(&src, &["history"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["skipped_submodules"], 1);
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn hostile_shapes_are_read_whole() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // one long line holding many keys: every one found, at its column, each snippet short
    let mut line = String::new();
    let mut want = Vec::new();
    for i in 0..300 {
        line.push_str(&format!("function f{i}(a){{return a.token||'x'}};"));
        if i % 3 == 0 {
            line.push_str("var t={token:\"");
            want.push(line.chars().count() as u64 + 1);
            line.push_str(HF_KEY);
            line.push_str("\"};");
        }
    }
    // a notebook nested far deeper than any parser's recursion limit, with a key in it, and a
    // notebook with a field caulk does not read as a notebook
    let deep = format!(
        "{{\"cells\": [], \"metadata\": {{\"w\": {}\"{GROQ_KEY}\"{}}}, \"nbformat\": 4, \"nbformat_minor\": 5}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_cells = format!(
        "{{\"cells\": [{{\"cell_type\": \"code\", \"source\": {}\"{GROQ_KEY}\"{}}}], \"metadata\": {{}}, \"nbformat\": 4}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let odd = format!(
        "{{\"cells\": [], \"metadata\": {{}}, \"nbformat\": 4, \"nbformat_minor\": 5, \"custom\": {{\"token\": \"{HF_KEY}\"}}}}"
    );
    write_tree(
        d,
        &[
            ("bundle.min.js", line.as_bytes()),
            ("deep.ipynb", deep.as_bytes()),
            ("deep_cells.ipynb", deep_cells.as_bytes()),
            ("odd.ipynb", odd.as_bytes()),
        ],
    );
    let (code, report, stderr) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    let found: Vec<(String, u64, u64, String)> = positions(&report);
    let cols: Vec<u64> = found
        .iter()
        .filter(|f| f.0 == "bundle.min.js")
        .map(|f| f.2)
        .collect();
    assert_eq!(cols, want);
    for f in report["findings"].as_array().unwrap() {
        assert!(f["snippet"].as_str().unwrap().chars().count() <= 162);
    }
    for nb in ["deep.ipynb", "deep_cells.ipynb", "odd.ipynb"] {
        assert!(found.iter().any(|f| f.0 == nb), "{nb}: {found:?}");
    }
    // deep nesting is read as a notebook (no recursion, no stack overflow); a field caulk does
    // not know makes it scan the file as text, and say so
    let nb = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "deep.ipynb")
        .unwrap();
    assert_eq!(nb["notebook"]["field"], "metadata");
    assert!(
        stderr.contains("odd.ipynb: not a valid notebook: unknown field `custom`")
            && stderr.contains("scanned as plain text"),
        "{stderr}"
    );
    assert_eq!(report["summary"]["notebooks_as_text"], 1);
    assert_eq!(report["summary"]["notebooks"], 2);
}

#[test]
fn a_range_that_silences_its_own_secret_shows_it() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            ("a.py", b"OLD = 'placeholder'  # caulk:allow\n".as_slice()),
            ("caulk.toml", b"[allowlist]\npaths = []\n"),
        ],
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["branch", "base"]);
    write_tree(
        d,
        &[
            // an older pragma line in an edited file is not the range's doing
            (
                "a.py",
                b"OLD = 'placeholder'  # caulk:allow\nx = 1\n".as_slice(),
            ),
            (
                "b.py",
                format!("K = '{GROQ_KEY}'  # caulk:allow groq-api-key\n").as_bytes(),
            ),
            ("vendor/k.py", format!("K = '{HF_KEY}'\n").as_bytes()),
            ("caulk.toml", b"[allowlist]\npaths = [\"vendor/\"]\n"),
        ],
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "quietly"]);
    let (code, report, _) = run(d, &["history", "base..HEAD"]);
    assert_eq!(code, 0, "both secrets are suppressed: {report}");
    let notices: Vec<(String, Option<u64>)> = report["summary"]["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["path"].as_str().unwrap().to_string(), n["line"].as_u64()))
        .collect();
    assert_eq!(
        notices,
        [
            ("b.py".to_string(), Some(1)),
            ("caulk.toml".to_string(), None)
        ]
    );
    assert!(
        report["summary"]["notices"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`caulk:allow groq-api-key`")
    );
    let o = caulk()
        .current_dir(d)
        .args(["history", "base..HEAD"])
        .output()
        .unwrap();
    let text = output_text(&o);
    assert!(text.contains("caulk: notice: b.py:1 (commit "), "{text}");
    assert!(text.contains("this range changes caulk.toml"), "{text}");
    assert_no_secret(&text, &[GROQ_KEY.into()], "notices");
    let o = caulk()
        .current_dir(d)
        .args(["history", "base..HEAD", "--format", "github"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("::notice file=b.py,line=1,"));
    let results = sarif_results(d, &["history", "base..HEAD"]);
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["note", "note"]);
    // CI pins the base branch's policy with --config: the range cannot widen its allowlist
    let base_cfg = d.join("base.toml");
    std::fs::write(&base_cfg, "[allowlist]\npaths = []\n").unwrap();
    let (code, report, _) = run(
        d,
        &[
            "history",
            "base..HEAD",
            "--config",
            base_cfg.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(positions(&report)[0].0, "vendor/k.py");
    // a scan of the whole history lists no notices (there is no "before")
    let (_, report, _) = run(d, &["history"]);
    assert!(report["summary"].get("notices").is_none());
}

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

#[test]
fn a_corrupt_pack_fails_closed() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("k.py", format!("K = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "k"]);
    git(d, &["gc", "-q"]);
    let pack_dir = d.join(".git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("gc wrote a pack");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pack, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let n = bytes.len();
    for b in &mut bytes[12..n - 20] {
        *b ^= 0x5a; // every object's data, not the header or the trailing checksum
    }
    std::fs::write(&pack, bytes).unwrap();
    let o = caulk().current_dir(d).args(["history"]).output().unwrap();
    let text = output_text(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot read") && text.contains("git fsck"),
        "names the problem and the fix: {text}"
    );
}

#[test]
fn ignored_paths_are_counted() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            (".gitignore", b"data/\n*.log\n"),
            ("data/raw/keys.txt", format!("K={HF_KEY}\n").as_bytes()),
            ("train.log", b"step 1\n"),
            ("app.py", b"x = 1\n"),
        ],
    );
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 0);
    assert_eq!(
        report["summary"]["skipped_ignored"], 2,
        "data/ once, train.log once"
    );
    let text = output_text(&caulk().current_dir(d).args(["scan", "."]).output().unwrap());
    assert!(text.contains("skipped 2 ignored (.gitignore)"), "{text}");
    // --no-ignore reads them: the key is found, nothing is counted as ignored
    let (code, report, _) = run(d, &["scan", ".", "--no-ignore"]);
    assert_eq!(
        (code, report["summary"]["skipped_ignored"].as_u64()),
        (1, Some(0))
    );
}

// ---- Fail closed, round two (issue 13) ----

/// A second fake Hugging Face token (distinct fingerprint from `HF_KEY`).
const HF_KEY2: &str = "hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry";

/// A pickle (protocol 5) of `{"hub_token": TOKEN, "weights": <binary>}`, written the way Python's
/// pickle module writes it: the token is a short unicode string (opcode 0x8c, one length byte).
fn pickle_with(token: &str) -> Vec<u8> {
    let mut p = vec![
        0x80, 0x05, 0x95, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7d, 0x94,
    ];
    p.extend([0x28, 0x8c, 9]);
    p.extend(b"hub_token");
    p.extend([0x94, 0x8c, token.len() as u8]);
    p.extend(token.as_bytes());
    p.extend([0x94, 0x8c, 7]);
    p.extend(b"weights");
    p.extend([0x94, 0x43, 0xff]);
    let mut x: u32 = 7;
    p.extend((0..255).map(|_| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as u8
    }));
    p.extend([0x94, 0x75, 0x2e]);
    p
}

/// Regression (issue 13): a committed `.env` later added to `.gitignore` was skipped ("1
/// ignored"), a `.env` with one stray NUL was "binary", and a pickle holding a token was
/// skipped. All three are reported; a committed `.ignore` holding `*` hides no tracked file.
#[test]
fn tracked_ignored_env_a_nul_env_and_a_pickle_are_all_reported() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            (".env", format!("HF_TOKEN={HF_KEY}\n").as_bytes()),
            ("src/app.py", b"print('hello')\n"),
        ],
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "init"]);
    write_tree(
        d,
        &[
            (".gitignore", b".env\nuntracked.env\n"),
            (
                "config/local.env",
                &[b"DEBUG=1\n\x00\nTOKEN=", GROQ_KEY.as_bytes(), b"\n"].concat(),
            ),
            ("models/ckpt.pkl", &pickle_with(HF_KEY2)),
            ("untracked.env", format!("X={OPENAI_KEY}\n").as_bytes()),
        ],
    );
    let (code, report, stderr) = run(d, &["scan", "."]);
    assert_eq!(code, 1, "{stderr}");
    let mut got = found(&report);
    got.sort();
    let row = |p: &str, r: &str| (p.to_string(), r.to_string());
    assert_eq!(
        got,
        [
            row(".env", "huggingface-token"),
            row("config/local.env", "groq-api-key"),
            row("models/ckpt.pkl", "huggingface-token"),
        ],
        "{report}"
    );
    let s = &report["summary"];
    assert_eq!(s["tracked_ignored"], 1, "{s}");
    assert_eq!(s["binary_strings"], 1, "{s}");
    let finding = |path: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap()
            .clone()
    };
    // the `.env` with a NUL byte is text, with an editor's line and column
    let f = finding("config/local.env");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(7))
    );
    // the pickled token is placed by its byte offset in the file
    let at = pickle_with(HF_KEY2)
        .windows(HF_KEY2.len())
        .position(|w| w == HF_KEY2.as_bytes())
        .unwrap();
    assert_eq!(finding("models/ckpt.pkl")["byte_offset"], at as u64);
    // the ignored, untracked .env is left out: ignore files decide for untracked files
    git(d, &["add", "config/local.env", "models/ckpt.pkl"]);
    // a committed `.ignore` holding `*` hides nothing git tracks
    write_tree(d, &[(".ignore", b"*\n")]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "hide everything"]);
    let (code, report, _) = run(d, &["scan", "."]);
    assert_eq!(code, 1);
    let paths: Vec<String> = found(&report).into_iter().map(|(p, _)| p).collect();
    for p in [".env", "config/local.env", "models/ckpt.pkl"] {
        assert!(paths.iter().any(|x| x == p), "{p} in {paths:?}");
    }
    assert!(!paths.iter().any(|x| x == "untracked.env"), "{paths:?}");
    // the text summary says what it did
    let o = caulk().current_dir(d).args(["scan", "."]).output().unwrap();
    let text = output_text(&o);
    assert!(text.contains("binary (strings scanned)"), "{text}");
    assert!(
        text.contains("that .gitignore names scanned as tracked"),
        "{text}"
    );
}

/// Regression (issue 13): `caulk scan - </dev/zero` read all of standard input into memory
/// (24 GB, OOM-killed). It stops at the limit with exit 2, naming standard input.
#[test]
fn stdin_obeys_the_size_limit() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_caulk"))
        .args(["scan", "-", "--max-file-size", "1MiB"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let text = output_text(&o);
    assert!(
        text.contains("<stdin>: over the size limit (1.0 MiB)"),
        "{text}"
    );
    assert!(!text.contains("no secrets found;"), "{text}");
}

/// Standard input larger than one read window (8 MiB) is scanned in overlapping windows, with the
/// same findings at the same lines and columns as the same bytes in a file — keys on either side
/// of a window's edge, inside a line longer than the overlap, and a multi-line private key.
#[test]
fn stdin_in_windows_finds_what_a_file_scan_finds() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 20 << 20 {
        n += 1;
        if n % 5000 == 0 {
            text.push_str(&format!("token = '{HF_KEY}'  # {n}\n"));
        } else if n % 77_777 == 0 {
            // one line of 300 KiB with keys inside
            for _ in 0..6 {
                text.push_str(&"x".repeat(50_000));
                text.push_str(&format!(" k={GROQ_KEY} "));
            }
            text.push('\n');
        } else {
            text.push_str(&format!("an ordinary line of text, number {n}\n"));
        }
    }
    write_tree(d, &[("big.txt", text.as_bytes())]);
    let (code, file, _) = run(d, &["scan", "big.txt", "--max-file-size", "0"]);
    assert_eq!(code, 1);
    let o = caulk()
        .current_dir(d)
        .args(["scan", "-", "--max-file-size", "0", "--format", "json"])
        .write_stdin(text.as_bytes())
        .output()
        .unwrap();
    let stdin: Value = serde_json::from_slice(&o.stdout).unwrap();
    let at = |r: &Value| -> Vec<(u64, u64, u64, u64, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["end_line"].as_u64().unwrap(),
                    f["end_column"].as_u64().unwrap(),
                    f["rule_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert!(at(&file).len() > 100);
    assert_eq!(at(&stdin), at(&file));
    assert_eq!(
        stdin["summary"]["bytes_scanned"],
        file["summary"]["bytes_scanned"]
    );
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Regression (issue 13): a repository that commits a symlink named like caulk's temporary file
/// made `caulk strip` write notebook JSON outside the repository; `caulk strip link.ipynb`
/// replaced the link; `install-hook --force` wrote through a symlinked hook; `-o` and
/// `--write-baseline` wrote through links. No command writes through a symbolic link.
#[cfg(unix)]
#[test]
fn no_command_writes_through_a_symbolic_link() {
    let outside = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let nb = r#"{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "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\n"
     ]
    }
   ],
   "source": [
    "print(tok)"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
"#;
    write_tree(d, &[("train.ipynb", nb.as_bytes())]);
    // the name caulk used to write its temporary file under, planted as a link
    symlink(&victim, &d.join(".train.ipynb.caulk-tmp"));
    let o = caulk()
        .current_dir(d)
        .args(["strip", "train.ipynb"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(
        !std::fs::read_to_string(d.join("train.ipynb"))
            .unwrap()
            .contains("hf_")
    );
    // `scan --strip-outputs` the same
    write_tree(d, &[("train.ipynb", nb.as_bytes())]);
    let o = caulk()
        .current_dir(d)
        .args(["scan", ".", "--strip-outputs"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", output_text(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(
        !std::fs::read_to_string(d.join("train.ipynb"))
            .unwrap()
            .contains("hf_")
    );
    // a symlinked notebook named to strip is refused by name; its target keeps its outputs
    let target_nb = outside.path().join("shared.ipynb");
    std::fs::write(&target_nb, nb).unwrap();
    symlink(&target_nb, &d.join("link.ipynb"));
    let o = caulk()
        .current_dir(d)
        .args(["strip", "link.ipynb"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains("link.ipynb: is a symbolic link"),
        "{}",
        output_text(&o)
    );
    assert_eq!(std::fs::read_to_string(&target_nb).unwrap(), nb);
    assert!(
        std::fs::symlink_metadata(d.join("link.ipynb"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // a read-only notebook is named and left alone
    write_tree(d, &[("ro.ipynb", nb.as_bytes())]);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("ro.ipynb"), std::fs::Permissions::from_mode(0o444))
            .unwrap();
    }
    let o = caulk()
        .current_dir(d)
        .args(["strip", "ro.ipynb"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains("ro.ipynb: is read-only"),
        "{}",
        output_text(&o)
    );
    assert_eq!(std::fs::read_to_string(d.join("ro.ipynb")).unwrap(), nb);
    // -o and --write-baseline replace a link at their path, never write through it
    symlink(&victim, &d.join("report.json"));
    symlink(&victim, &d.join("baseline.json"));
    let o = caulk()
        .current_dir(d)
        .args(["scan", "ro.ipynb", "--format", "json", "-o", "report.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = caulk()
        .current_dir(d)
        .args(["scan", "ro.ipynb", "--write-baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    for f in ["report.json", "baseline.json"] {
        let m = std::fs::symlink_metadata(d.join(f)).unwrap();
        assert!(m.is_file(), "{f} is a file now");
        let v: Value = serde_json::from_slice(&std::fs::read(d.join(f)).unwrap()).unwrap();
        assert!(v.is_object());
    }
    // no temporary file is left behind
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".caulk-tmp") && n != ".train.ipynb.caulk-tmp")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // install-hook --force replaces a symlinked hook with a file
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[("scripts/tracked-hook.sh", b"#!/bin/sh\necho tracked\n")],
    );
    std::fs::create_dir_all(d.join(".git/hooks")).unwrap();
    symlink(
        &d.join("scripts/tracked-hook.sh"),
        &d.join(".git/hooks/pre-commit"),
    );
    let o = caulk()
        .current_dir(d)
        .args(["install-hook", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("scripts/tracked-hook.sh")).unwrap(),
        "#!/bin/sh\necho tracked\n"
    );
    let hook = d.join(".git/hooks/pre-commit");
    assert!(std::fs::symlink_metadata(&hook).unwrap().is_file());
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("caulk pre-commit hook")
    );
}

/// `-o` or `--write-baseline` naming a file the same run reads is refused before anything is
/// written: a scan that overwrites its own input has failed.
#[test]
fn reports_never_overwrite_an_input() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let env = format!("HF_TOKEN={HF_KEY}\n");
    write_tree(
        d,
        &[
            ("a.env", env.as_bytes()),
            ("caulk.toml", b"disable = []\n"),
            ("base.json", b"{\"caulk_baseline\": 1, \"findings\": []}\n"),
        ],
    );
    for (args, what) in [
        (
            vec!["scan", "a.env", "-o", "a.env"],
            "a.env: is a file this scan reads",
        ),
        (
            vec!["scan", ".", "-o", "caulk.toml"],
            "caulk.toml: is the configuration",
        ),
        (
            vec!["scan", ".", "--baseline", "base.json", "-o", "./base.json"],
            "base.json: is the baseline",
        ),
        (
            vec!["scan", "a.env", "--write-baseline", "a.env"],
            "a.env: is a file this scan reads",
        ),
        (
            vec!["scan", "a.env", "--report", "sarif=a.env"],
            "a.env: is a file this scan reads",
        ),
    ] {
        let o = caulk().current_dir(d).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            output_text(&o).contains(what),
            "{args:?}: {}",
            output_text(&o)
        );
    }
    assert_eq!(std::fs::read_to_string(d.join("a.env")).unwrap(), env);
    assert_eq!(
        std::fs::read_to_string(d.join("caulk.toml")).unwrap(),
        "disable = []\n"
    );
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

/// The smaller cases of issue 13: `init` beside `.caulk.toml`, configuration discovery for a
/// file outside a repository, completions into a closed pipe, a type error that must not echo
/// its value, `caulk rules` escaping a custom rule's description, JSON and SARIF escaping C1,
/// U+2028 and bidirectional overrides, and baselines that a concurrent reader never sees half
/// written.
#[test]
fn smaller_fail_open_cases() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // init refuses to make a second configuration beside `.caulk.toml`
    write_tree(
        d,
        &[(".caulk.toml", b"disable = [\"huggingface-token\"]\n")],
    );
    let o = caulk().current_dir(d).arg("init").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        output_text(&o).contains(".caulk.toml: already exists beside it"),
        "{}",
        output_text(&o)
    );
    let o = caulk()
        .current_dir(d)
        .args(["init", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("caulk.toml").exists());
    // outside a repository, `scan FILE` reads the configuration of the file's folder, as `scan .`
    write_tree(d, &[("sub/k.py", format!("k = '{HF_KEY}'\n").as_bytes())]);
    std::fs::rename(d.join(".caulk.toml"), d.join("sub/.caulk.toml")).unwrap();
    for args in [["scan", "sub"], ["scan", "sub/k.py"]] {
        let o = caulk().current_dir(d).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", output_text(&o));
    }
    let o = caulk()
        .current_dir(d.join("sub"))
        .args(["scan", "k.py"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    // a type error names the key, never the value
    write_tree(
        d,
        &[(
            "sub/.caulk.toml",
            format!("[scan]\nno_ignore = \"{HF_KEY}\"\n").as_bytes(),
        )],
    );
    let o = caulk()
        .current_dir(d)
        .args(["scan", "sub"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let text = output_text(&o);
    assert!(
        text.contains("line 2") && text.contains("(value hidden)"),
        "{text}"
    );
    assert_no_secret(&text, &[HF_KEY.to_string()], "a config type error");
    write_tree(
        d,
        &[(
            "sub/.caulk.toml",
            format!("[scan]\nmin_confidence = \"{HF_KEY}\"\n").as_bytes(),
        )],
    );
    let o = caulk()
        .current_dir(d)
        .args(["scan", "sub"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_no_secret(
        &output_text(&o),
        &[HF_KEY.to_string()],
        "an unknown variant",
    );
    std::fs::remove_file(d.join("sub/.caulk.toml")).unwrap();
    // `caulk rules` escapes a custom rule's control characters
    let rule = r#"[[rules]]
id = "acme-token"
description = "ACME \u001b[2J\u001b]0;pwned\u0007 token"
keywords = ["acme_"]
regex = '''\bacme_[a-z0-9]{32}\b'''
remediation = "Revoke it."
examples = [{ text = "t = acme_zcdn64xvktorfrzfylikm9m7hu1uc29m", secret = "acme_zcdn64xvktorfrzfylikm9m7hu1uc29m" }]
negative_examples = ["acme_short"]
"#;
    write_tree(d, &[("rules.toml", rule.as_bytes())]);
    let o = caulk()
        .current_dir(d)
        .args(["rules", "--config", "rules.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    assert!(!o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ACME \\x1b[2J"));
    // JSON and SARIF escape C1 controls, U+2028/2029 and bidirectional overrides
    let name = "inv\u{202e}oice\u{2028}\u{85}.py";
    write_tree(
        d,
        &[(
            name,
            format!("k = '{HF_KEY}'  # \u{2066}x\u{2069}\n").as_bytes(),
        )],
    );
    for format in ["json", "sarif"] {
        let o = caulk()
            .current_dir(d)
            .args(["scan", name, "--format", format])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        let out = String::from_utf8(o.stdout).unwrap();
        for c in ['\u{202e}', '\u{2028}', '\u{85}', '\u{2066}', '\u{2069}'] {
            assert!(!out.contains(c), "{format} carries U+{:04X} raw", c as u32);
        }
        // the name (SARIF percent-encodes it in its URI) and the line's isolates, escaped
        if format == "json" {
            assert!(out.contains("inv\\u202eoice\\u2028\\u0085.py"), "{out}");
        }
        assert!(out.contains("\\u2066x\\u2069"), "{format}: {out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert!(
            v.to_string().contains('\u{2066}'),
            "escapes decode back to the text"
        );
    }
    // completions into a closed pipe: no panic (exit 101), no noise
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        unsafe { libc::close(fds[0]) };
        let out = unsafe { std::process::Stdio::from_raw_fd(fds[1]) };
        let st = std::process::Command::new(env!("CARGO_BIN_EXE_caulk"))
            .args(["completions", "bash"])
            .stdout(out)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            st.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        assert!(st.stderr.is_empty());
    }
    // a reader never sees a half-written baseline while it is rewritten
    write_tree(
        d,
        &[(
            "many.py",
            (0..2000)
                .map(|i| format!("k{i} = '{HF_KEY}'\n"))
                .collect::<String>()
                .as_bytes(),
        )],
    );
    caulk()
        .current_dir(d)
        .args(["scan", "many.py", "--write-baseline", "b.json"])
        .assert()
        .code(0);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (stop, path) = (stop.clone(), d.join("b.json"));
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let bytes = std::fs::read(&path).unwrap();
                let v: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                    panic!("half-written baseline ({} bytes): {e}", bytes.len())
                });
                assert_eq!(v["caulk_baseline"], 1);
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..8 {
        caulk()
            .current_dir(d)
            .args(["scan", "many.py", "--write-baseline", "b.json"])
            .assert()
            .code(0);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
}
