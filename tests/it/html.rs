//! `--format html`: the demo's page holds every finding and no full secret; it parses as HTML5
//! under html5lib's strict parser (PyPI); a real headless browser (Debian's `chromium`) renders
//! every finding and its filters hide what an address like `#rule=groq-api-key` leaves out;
//! hostile file names and contents reach the page as text, never as markup.
//!
//! html5lib and chromium are optional here (the test says it skipped); `.ci/run` installs them
//! and sets CAULK_REQUIRE_HTML=1 and CAULK_REQUIRE_CHROMIUM=1 so a missing tool fails. The
//! interpreter that has html5lib is CAULK_HTML5LIB (default `python3`), the browser
//! CAULK_CHROMIUM (default `chromium`).

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;
use serde_json::Value;
use tempfile::TempDir;

use crate::util::*;

/// `caulk ARGS --format html` in `dir`: (exit code, page, stderr).
fn html(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = caulk()
        .current_dir(dir)
        .args(args)
        .args(["--format", "html"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).expect("the page is UTF-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The demo's JSON report with `--show-secrets` (every finding, and each secret in full).
fn demo_json() -> Value {
    let (code, report, stderr) = scan_json(root(), &["fixtures/demo", "--show-secrets"]);
    assert_eq!(code, 1, "{stderr}");
    report
}

/// `s` as the page writes it in text (the demo's strings hold no control characters).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The start tags of the page's findings: (rule, confidence, hidden).
fn articles(page: &str) -> Vec<(String, String, bool)> {
    let tag = Regex::new(r#"<article class="finding"[^>]*>"#).unwrap();
    let attr = |t: &str, name: &str| {
        Regex::new(&format!(r#" {name}="([^"]*)""#))
            .unwrap()
            .captures(t)
            .map(|c| c[1].to_string())
            .unwrap_or_default()
    };
    tag.find_iter(page)
        .map(|m| {
            let t = m.as_str();
            (
                attr(t, "data-rule"),
                attr(t, "data-confidence"),
                t.contains(" hidden"),
            )
        })
        .collect()
}

#[test]
fn the_demo_page_holds_every_finding_and_no_secret() {
    let report = demo_json();
    let findings = report["findings"].as_array().unwrap();
    let secrets: Vec<String> = findings
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    let (code, page, stderr) = html(root(), &["scan", "fixtures/demo"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(page.starts_with("<!DOCTYPE html>\n"), "{page:.200}");
    assert_no_secret(&page, &secrets, "the HTML report");
    assert_eq!(
        articles(&page).len(),
        findings.len(),
        "one article a finding"
    );
    for f in findings {
        let s = |k: &str| f[k].as_str().unwrap().to_string();
        let place = format!("<code>{}:{}:{}</code>", s("path"), f["line"], f["column"]);
        assert!(page.contains(&place), "{place} missing");
        let rule = format!("<span class=\"rule\">{}</span>", s("rule_id"));
        assert!(page.contains(&rule), "{rule} missing");
        for field in ["description", "secret_redacted", "snippet", "remediation"] {
            assert!(page.contains(&esc(&s(field))), "{field} of {place} missing");
        }
        assert!(page.contains(&format!("confidence {}", s("confidence"))));
        let accept = format!("caulk ignore {} --reason", &s("fingerprint")[..12]);
        assert!(page.contains(&accept), "{accept} missing");
    }
    // the notebook finding names its cell and output, as the text report does
    assert!(
        page.contains("<dt>notebook</dt><dd>cell ") && page.contains("stream stdout"),
        "no notebook label"
    );
    // grouped by file: one section a file with findings
    assert_eq!(
        page.matches("<section class=\"file\">").count(),
        report["summary"]["files_with_findings"].as_u64().unwrap() as usize
    );
    // nothing loads from elsewhere, and the policy allows only the page's own style and script
    for external in ["src=", "href=", "<link", "@import", "url("] {
        assert!(!page.contains(external), "{external} in the page");
    }
    assert!(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"));
    assert_eq!(page.matches("<script>").count(), 1);
    // an HTML page has no summary line for people on the console: it goes to stderr
    assert!(
        stderr.starts_with("caulk: 13 findings in 7 files; scanned"),
        "{stderr}"
    );

    // with --show-secrets the page shows them, as every other report does
    let (_, shown, _) = html(root(), &["scan", "fixtures/demo", "--show-secrets"]);
    for s in &secrets {
        // a key block's line ends are escaped, as in every report
        let s = s.replace('\n', "\\x0a");
        assert!(shown.contains(&esc(&s)), "--show-secrets: {s:.8}… missing");
    }
}

#[test]
fn report_html_writes_the_same_page_as_format_html() {
    let dir = TempDir::new().unwrap();
    let (a, b) = (dir.path().join("a.html"), dir.path().join("b.html"));
    let out = caulk()
        .current_dir(root())
        .args(["scan", "fixtures/demo", "--format", "html", "-o"])
        .arg(&a)
        .arg("--report")
        .arg(format!("html={}", b.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let (a, b) = (
        std::fs::read_to_string(a).unwrap(),
        std::fs::read_to_string(b).unwrap(),
    );
    assert_eq!(a, b);
    assert_eq!(articles(&a).len(), 13);
}

/// A history page groups a file's findings by commit; notices and unread paths have their lists.
#[test]
fn history_findings_are_grouped_by_commit_and_unread_paths_listed() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write_tree(d, &[("eval.py", format!("A = '{HF_KEY}'\n").as_bytes())]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "Add <b>eval</b> & friends"]);
    write_tree(
        d,
        &[(
            "eval.py",
            format!("A = '{HF_KEY}'\nB = '{GROQ_KEY}'\n").as_bytes(),
        )],
    );
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "Second"]);
    let (code, page, stderr) = html(d, &["history"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(page.matches("<section class=\"file\">").count(), 1);
    assert_eq!(page.matches("<div class=\"commit\">").count(), 2, "{page}");
    assert!(
        page.contains("Add &lt;b&gt;eval&lt;/b&gt; &amp; friends"),
        "{page}"
    );
    assert!(page.contains(">blobs scanned<"));
    assert_no_secret(&page, &[HF_KEY.into(), GROQ_KEY.into()], "history page");

    // nothing found, a path not read: the verdict says the scan is incomplete
    let (code, page, _) = html(d, &["scan", "missing<x>.py"]);
    assert_eq!(code, 2);
    assert!(
        page.contains("<h1 class=\"incomplete\">⚠️ caulk: no secrets found in what was read, but 1 path could not be read</h1>"),
        "{page}"
    );
    assert!(page.contains("<section id=\"unread\">"), "{page}");
    assert!(
        page.contains("could not be read: missing&lt;x&gt;.py"),
        "{page}"
    );
}

/// A file named like markup, holding markup, quotes, `&` and an escape sequence on the line of a
/// key: its name and line reach the page as text only.
fn hostile() -> (TempDir, String) {
    let dir = TempDir::new().unwrap();
    let name = "<img src=x onerror=alert(1)>\"&\x1b[31m.py";
    let body = format!("token = \"{HF_KEY}\"  # <script>alert(1)</script> \"a&b\" \x1b[2J\n");
    std::fs::write(dir.path().join(name), body).unwrap();
    let (code, page, stderr) = html(dir.path(), &["scan", "."]);
    assert_eq!(code, 1, "{stderr}");
    (dir, page)
}

#[test]
fn hostile_names_and_contents_are_text() {
    let (_dir, page) = hostile();
    assert_no_secret(&page, &[HF_KEY.to_string()], "hostile page");
    for raw in [
        "<img",
        "<script>alert",
        "</script> ",
        "\"a&b\"",
        "\x1b",
        ">\"&",
    ] {
        assert!(!page.contains(raw), "{raw:?} raw in the page");
    }
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&amp;\\x1b[31m.py"),
        "{page}"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;a&amp;b&quot; \\x1b[2J"));
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "only caulk's own script"
    );
}

/// html5lib's interpreter, or why the test is skipped.
fn html5lib() -> Option<String> {
    external_tool(
        "CAULK_HTML5LIB",
        "python3",
        &["-c", "import html5lib"],
        "CAULK_REQUIRE_HTML",
        "html5lib",
    )
}

/// Parses each page with html5lib in strict mode (any parse error raises) and prints, per page,
/// the number of `article`, `script` and `img` elements the parser built.
const PARSE: &str = r#"
import sys, html5lib
for path in sys.argv[1:]:
    try:
        doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(open(path, "rb"))
    except Exception as e:
        sys.exit(f"{path}: not strict HTML5: {e!r}")
    print(len(doc.findall(".//article")), len(doc.findall(".//script")), len(doc.findall(".//img")))
"#;

#[test]
fn pages_parse_as_strict_html5() {
    let Some(python) = html5lib() else { return };
    let dir = TempDir::new().unwrap();
    let mut pages: Vec<PathBuf> = Vec::new();
    let mut save = |name: &str, page: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, page).unwrap();
        pages.push(p);
    };
    save("demo.html", html(root(), &["scan", "fixtures/demo"]).1);
    save("clean.html", html(root(), &["scan", "fixtures/clean"]).1);
    let (_hostile_dir, page) = hostile();
    save("hostile.html", page);
    save(
        "unread.html",
        html(root(), &["scan", "fixtures/clean", "no-such-file.py"]).1,
    );
    let out = Command::new(&python)
        .args(["-c", PARSE])
        .args(&pages)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let counts = String::from_utf8(out.stdout).unwrap();
    // demo: 13 findings, one script, no image; clean: none; hostile: one finding, no <img>
    assert_eq!(counts, "13 1 0\n0 1 0\n1 1 0\n0 1 0\n");
}

/// The browser, or why the test is skipped.
fn chromium() -> Option<String> {
    external_tool(
        "CAULK_CHROMIUM",
        "chromium",
        &["--version"],
        "CAULK_REQUIRE_CHROMIUM",
        "chromium",
    )
}

/// The DOM headless chromium builds from `url` once its scripts ran.
fn dump_dom(bin: &str, url: &str) -> String {
    let profile = TempDir::new().unwrap();
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_headless_browser_renders_every_finding_and_the_filters_work() {
    let Some(bin) = chromium() else { return };
    let report = demo_json();
    let findings = report["findings"].as_array().unwrap();
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, html(root(), &["scan", "fixtures/demo"]).1).unwrap();
    let url = format!("file://{}", file.display());

    // No filter: every finding rendered and shown, the filter form shown by the script.
    let dom = dump_dom(&bin, &url);
    let shown = articles(&dom);
    assert_eq!(shown.len(), findings.len(), "{dom}");
    assert!(shown.iter().all(|(_, _, hidden)| !hidden), "{shown:?}");
    assert!(
        dom.contains("<form id=\"filters\">"),
        "the script did not run: {dom}"
    );
    assert!(dom.contains("showing 13 of 13"), "{dom}");
    for f in findings {
        let place = format!(
            "{}:{}:{}",
            f["path"].as_str().unwrap(),
            f["line"],
            f["column"]
        );
        assert!(dom.contains(&place), "{place} not rendered");
    }
    let secrets: Vec<String> = findings
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_no_secret(&dom, &secrets, "the rendered page");

    // `#rule=…`: only that rule's findings are shown, files without one are hidden.
    let dom = dump_dom(&bin, &format!("{url}#rule=groq-api-key"));
    let rows = articles(&dom);
    assert_eq!(rows.len(), findings.len());
    for (rule, _, hidden) in &rows {
        assert_eq!(*hidden, rule != "groq-api-key", "{rule}: {rows:?}");
    }
    assert!(dom.contains("showing 1 of 13"), "{dom}");
    assert_eq!(
        dom.matches("<section class=\"file\">").count(),
        1,
        "only run_eval.sh's section stays"
    );

    // `?min=high`: only high-confidence findings.
    let dom = dump_dom(&bin, &format!("{url}?min=high"));
    let rows = articles(&dom);
    let high = rows.iter().filter(|(_, c, _)| c == "high").count();
    assert!(high > 0 && high < rows.len(), "{rows:?}");
    for (rule, confidence, hidden) in &rows {
        assert_eq!(*hidden, confidence != "high", "{rule}: {rows:?}");
    }

    // both at once, two rules: the floor applies to the rules chosen
    let dom = dump_dom(
        &bin,
        &format!("{url}#rule=huggingface-token,private-key&min=high"),
    );
    let visible: Vec<String> = articles(&dom)
        .into_iter()
        .filter(|(_, _, hidden)| !hidden)
        .map(|(rule, _, _)| rule)
        .collect();
    assert_eq!(visible, ["private-key"]);

    // The hostile page: the browser built no element from the input, only text.
    let (_hostile_dir, page) = hostile();
    let file = dir.path().join("hostile.html");
    std::fs::write(&file, page).unwrap();
    let dom = dump_dom(&bin, &format!("file://{}", file.display()));
    assert!(!dom.contains("<img"), "{dom}");
    assert_eq!(dom.matches("<script>").count(), 1, "{dom}");
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{dom}"
    );
    assert_eq!(articles(&dom).len(), 1);
}
