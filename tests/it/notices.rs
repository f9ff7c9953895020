//! A history range that silences its own secret — a pragma it adds, an allowlist it widens in
//! `caulk.toml` — still passes, but says so: notices in every format, and `--config` pins the
//! base branch's policy.

use crate::util::run_report as run;
use crate::util::*;
use tempfile::TempDir;

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
