//! Hostile text never reaches a terminal or a report raw: control characters in names and lines
//! print escaped, JSON and SARIF escape C1 controls, U+2028 and bidirectional overrides — plus the
//! smaller fail-open cases of issue 13 (one test).

use crate::util::run_report as run;
use crate::util::*;
use serde_json::Value;
use tempfile::TempDir;

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

/// JUnit XML from hostile names and lines is well-formed XML 1.0: markup characters are entities,
/// control characters print as `\xNN` (XML 1.0 cannot carry them at all), and an unreadable path
/// is an `<error>` case escaped the same way.
#[test]
fn junit_escapes_markup_and_control_characters() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let name = "a<&\"'>\x1b[31m\x01.py";
    write_tree(
        d,
        &[(
            name,
            format!("K = '{HF_KEY}'  # <b>&\"'</b> \x0b\x07\u{202e}\n").as_bytes(),
        )],
    );
    let o = caulk()
        .current_dir(d)
        .args(["scan", ".", "missing\x02<x>.py", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "findings");
    let xml = String::from_utf8(o.stdout).unwrap();
    let bad = xml
        .chars()
        .find(|&c| c.is_control() && !matches!(c, '\n' | '\t'));
    assert_eq!(bad, None, "a control character in the XML: {xml:?}");
    assert!(
        xml.contains(r#"file="a&lt;&amp;&quot;&apos;&gt;\x1b[31m\x01.py""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"# &lt;b&gt;&amp;&quot;&apos;&lt;/b&gt; \x0b\x07\u{202e}"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="read missing\x02&lt;x&gt;.py" classname="caulk.unread""#),
        "{xml}"
    );
    assert!(!xml.contains(HF_KEY));
    // every tag opens and closes, every attribute is quoted: a real XML reader reads it through
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => {
                elements += 1
            }
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at {}: {e}\n{xml}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(
        elements,
        2 + 2 * 2,
        "testsuites, testsuite, 2 cases with a child each"
    );
}
