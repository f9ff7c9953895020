//! Binary files and ignored paths: ignored paths are counted; a tracked file that `.gitignore`
//! names, a `.env` with a NUL byte and a pickle holding a token are all reported.

use crate::util::run_report as run;
use crate::util::*;
use tempfile::TempDir;

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

/// What the walker leaves out is counted by listing each folder it read once more: nested
/// `.gitignore` files, a `.ignore` file and git's exclude file each count what they name, `.git`
/// is never counted, and a symbolic link loop met with `-L` is a link, not an ignored path.
#[test]
fn ignored_paths_of_every_ignore_file_are_counted_once() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(
        d,
        &[
            (".gitignore", b"*.log\n"),
            ("run.log", b"x\n"),
            ("sub/.gitignore", b"cache/\n"),
            ("sub/cache/k.txt", format!("K={HF_KEY}\n").as_bytes()),
            ("sub/app.py", b"x = 1\n"),
            (".ignore", b"scratch.txt\n"),
            ("scratch.txt", format!("K={HF_KEY}\n").as_bytes()),
            ("local.env", format!("K={HF_KEY}\n").as_bytes()),
        ],
    );
    std::fs::write(d.join(".git/info/exclude"), "local.env\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
    let (code, report, _) = run(d, &["scan", ".", "-L"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report["summary"]["skipped_ignored"], 4,
        "run.log, sub/cache, scratch.txt, local.env: {report}"
    );
}
