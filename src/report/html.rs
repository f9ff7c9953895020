//! `--format html`: one self-contained HTML5 page to look at — a reviewer's or a CI artifact's
//! view of the findings. The verdict and counts, then the findings grouped by file (and by commit
//! in history), each with its place, rule, confidence, redacted secret, masked line, notebook
//! cell, fix and the line that accepts it; notices and unread paths. No network: the one style
//! sheet and the one script are inline and allowed by their hashes in a Content-Security-Policy
//! that allows nothing else, so even markup that escaped the escaping could not run. Every
//! finding is in the page without JavaScript; the script only adds filters by rule and
//! confidence (preset from the address: `report.html#rule=groq-api-key&min=high`).

use std::fmt::Write as _;
use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::{Report, Style, accept_command, notice_text, plural, summary_line};
use crate::finding::{CommitInfo, Finding};
use crate::sanitize::escape;

/// The page's style sheet (its hash is in the page's policy).
const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #59636e; --line: #d1d9e0; --bg: #fff;
  --soft: #f6f8fa; --red: #cf222e; --amber: #9a6700; --green: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d;
  --bg: #0d1117; --soft: #151b23; --red: #ff7b72; --amber: #d29922; --green: #3fb950; } }
[hidden] { display: none !important; }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg);
  margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 75rem; }
code { font: 13px/1.4 ui-monospace, monospace; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
h1.findings { color: var(--red); } h1.incomplete { color: var(--amber); } h1.clean { color: var(--green); }
.summary, .muted, footer { color: var(--muted); }
dl.counts { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; margin: .75rem 0; }
dl.counts div { display: flex; gap: .4rem; } dl.counts dt { color: var(--muted); }
dl.counts dd { margin: 0; font-weight: 600; }
#filters { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; margin: 1rem 0; }
#filters fieldset { border: 0; margin: 0; padding: .25rem 0; }
#filters label { margin-right: 1rem; white-space: nowrap; }
section.file { border-top: 1px solid var(--line); margin-top: 1.25rem; }
section.file h2 { font-size: 1.1rem; margin: .75rem 0 .25rem; }
.commit h3 { font-size: 1rem; font-weight: 500; margin: .75rem 0 .25rem; }
article.finding { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  margin: .5rem 0; padding: .5rem .9rem; }
article.finding h4 { margin: 0 0 .35rem; font-size: .95rem; font-weight: 500; }
.rule { font-weight: 700; color: var(--red); }
.conf { font-size: .8rem; border: 1px solid var(--line); border-radius: 1rem; padding: 0 .5rem; }
.conf-high { color: var(--red); } .conf-medium { color: var(--amber); }
article.finding dl { display: grid; grid-template-columns: 5.5rem 1fr; gap: .15rem .75rem; margin: 0; }
article.finding dt { color: var(--muted); } article.finding dd { margin: 0; }
.secret { color: var(--amber); font-weight: 600; }
"#;

/// The filters: shows the form (hidden without JavaScript, so the page lists every finding),
/// presets it from the address (`#rule=ID,ID&min=medium`, or the same as a query), and hides the
/// findings, commits and files the filters leave out. It reads no finding's text.
const SCRIPT: &str = r##"
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var rank = { low: 0, medium: 1, high: 2 };
  var findings = document.querySelectorAll("article.finding");
  var boxes = form.querySelectorAll("input[name=rule]");
  var min = form.querySelector("select[name=min]");
  var shown = document.getElementById("shown");
  function preset() {
    var text = location.hash.slice(1) || location.search.slice(1);
    var rules = [];
    text.split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at < 0) { return; }
      var key, value;
      try {
        key = decodeURIComponent(pair.slice(0, at));
        value = decodeURIComponent(pair.slice(at + 1).replace(/\+/g, " "));
      } catch (e) { return; }
      if (key === "rule") { rules = rules.concat(value.split(",").filter(Boolean)); }
      if (key === "min" && rank.hasOwnProperty(value)) { min.value = value; }
    });
    if (rules.length) {
      boxes.forEach(function (b) { b.checked = rules.indexOf(b.value) >= 0; });
    }
  }
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var floor = rank[min.value] || 0;
    var count = 0;
    findings.forEach(function (f) {
      var show = on[f.dataset.rule] === true && (rank[f.dataset.confidence] || 0) >= floor;
      f.hidden = !show;
      if (show) { count += 1; }
    });
    document.querySelectorAll(".commit, section.file").forEach(function (g) {
      g.hidden = !g.querySelector("article.finding:not([hidden])");
    });
    shown.textContent = "showing " + count + " of " + findings.length;
  }
  function remember() {
    var rules = [];
    boxes.forEach(function (b) { if (b.checked) { rules.push(encodeURIComponent(b.value)); } });
    var all = rules.length === boxes.length;
    var parts = [];
    if (!all) { parts.push("rule=" + rules.join(",")); }
    if (min.value !== "low") { parts.push("min=" + min.value); }
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname); } catch (e) {}
  }
  form.hidden = false;
  preset();
  apply();
  form.addEventListener("change", function () { apply(); remember(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("reset", function () {
    setTimeout(function () { apply(); remember(); }, 0);
  });
})();
"##;

/// The HTML report: one page, no external resource, every input string escaped.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary) = (r.findings, r.summary);
    let mut p = String::with_capacity(16 * 1024 + findings.len() * 1024);
    let (verdict, class) = super::verdict(findings.len(), summary);
    let _ = write!(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src '{}'; script-src '{}'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1 class=\"{class}\">{}</h1>\n",
        csp_hash(STYLE),
        csp_hash(SCRIPT),
        h(&verdict),
        h(&verdict)
    );
    let mut line = Vec::new();
    summary_line(&mut line, summary, &Style { on: false })?;
    let line = String::from_utf8_lossy(&line);
    let first = line.lines().next().unwrap_or("");
    let _ = writeln!(
        p,
        "<p class=\"summary\">{}</p>",
        h(first.trim_start_matches("caulk: "))
    );
    if !findings.is_empty() {
        p.push_str(
            "<p><strong>Rotate each secret first:</strong> deleting it from the file does not \
             revoke it.</p>\n",
        );
    }
    counts(&mut p, r);
    p.push_str("</header>\n");
    if !findings.is_empty() {
        filters(&mut p, findings);
    }
    p.push_str("<main>\n");
    for (path, commits) in group(findings) {
        let n: usize = commits.iter().map(|(_, fs)| fs.len()).sum();
        let _ = writeln!(
            p,
            "<section class=\"file\">\n<h2><code>{}</code> <span class=\"muted\">{}</span></h2>",
            h(path),
            plural(n, "finding")
        );
        for (commit, fs) in commits {
            if let Some(c) = commit {
                let _ = writeln!(
                    p,
                    "<div class=\"commit\">\n<h3>commit <code title=\"{}\">{}</code> {} {}: {}</h3>",
                    h(&c.sha),
                    h(&c.sha[..12.min(c.sha.len())]),
                    h(&c.date),
                    h(&c.author),
                    h(&c.message)
                );
            }
            for (i, f) in fs {
                finding(&mut p, i, f);
            }
            if commit.is_some() {
                p.push_str("</div>\n");
            }
        }
        p.push_str("</section>\n");
    }
    p.push_str("</main>\n");
    if !summary.notices.is_empty() {
        p.push_str("<section id=\"notices\">\n<h2>Notices</h2>\n<ul>\n");
        for n in &summary.notices {
            let _ = writeln!(p, "<li>{}</li>", h(&notice_text(n)));
        }
        p.push_str("</ul>\n</section>\n");
    }
    if !summary.unread.is_empty() {
        p.push_str("<section id=\"unread\">\n<h2>Not read</h2>\n<ul>\n");
        for u in &summary.unread {
            let why = if u.error {
                "could not be read"
            } else {
                "skipped"
            };
            let _ = writeln!(p, "<li>{why}: {}</li>", h(&u.to_string()));
        }
        p.push_str("</ul>\n</section>\n");
    }
    let _ = write!(
        p,
        "<footer>\n<p>caulk {} — nothing in this page loads from the network.</p>\n</footer>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    w.write_all(p.as_bytes())
}

/// The header's counts: findings by confidence, what was scanned and what was held back.
fn counts(p: &mut String, r: &Report) {
    let s = r.summary;
    let by = |c: &str| {
        r.findings
            .iter()
            .filter(|f| f.confidence.to_string() == c)
            .count()
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("findings", s.findings.to_string()),
        ("files with findings", s.files_with_findings.to_string()),
        ("high", by("high").to_string()),
        ("medium", by("medium").to_string()),
        ("low", by("low").to_string()),
    ];
    if s.commits > 0 || s.git_history {
        rows.push(("commits", s.commits.to_string()));
        rows.push(("blobs scanned", s.files_scanned.to_string()));
    } else {
        rows.push(("files scanned", s.files_scanned.to_string()));
    }
    rows.push(("bytes", crate::human::human_bytes(s.bytes_scanned)));
    if s.notebooks > 0 {
        rows.push(("notebooks", s.notebooks.to_string()));
    }
    rows.push(("suppressed", s.suppressed.total().to_string()));
    rows.push(("not read", s.errors.to_string()));
    p.push_str("<dl class=\"counts\">\n");
    for (k, v) in rows {
        let _ = writeln!(p, "<div><dt>{k}</dt><dd>{}</dd></div>", h(&v));
    }
    p.push_str("</dl>\n");
}

/// The filter form: a checkbox per rule found (with its count) and a confidence floor. Hidden
/// until the script shows it: without JavaScript it would filter nothing.
fn filters(p: &mut String, findings: &[Finding]) {
    let mut rules: Vec<(&str, usize)> = Vec::new();
    for f in findings {
        match rules.iter_mut().find(|(id, _)| *id == f.rule_id) {
            Some((_, n)) => *n += 1,
            None => rules.push((&f.rule_id, 1)),
        }
    }
    rules.sort_unstable();
    p.push_str("<form id=\"filters\" hidden>\n<fieldset>\n<legend>Rules</legend>\n");
    for (id, n) in rules {
        let _ = writeln!(
            p,
            "<label><input type=\"checkbox\" name=\"rule\" value=\"{}\" checked> {} ({n})</label>",
            h(id),
            h(id)
        );
    }
    p.push_str(
        "</fieldset>\n<fieldset>\n<label>Confidence at least <select name=\"min\">\
         <option value=\"low\" selected>low</option><option value=\"medium\">medium</option>\
         <option value=\"high\">high</option></select></label>\n\
         <button type=\"reset\">Show all</button>\n<output id=\"shown\"></output>\n\
         </fieldset>\n</form>\n",
    );
}

/// A file's findings by commit (`None`: not from history), in report order.
type ByCommit<'a> = Vec<(Option<&'a CommitInfo>, Vec<(usize, &'a Finding)>)>;

/// Findings grouped by path, then by commit, each in the order it first appears (findings come
/// sorted by path, so a path's findings are contiguous); each keeps its index in the report.
fn group(findings: &[Finding]) -> Vec<(&str, ByCommit<'_>)> {
    let mut out: Vec<(&str, ByCommit<'_>)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if out.last().is_none_or(|(path, _)| *path != f.path) {
            out.push((&f.path, Vec::new()));
        }
        let commits = &mut out.last_mut().expect("pushed above").1;
        let key = f.commit.as_ref();
        match commits.iter_mut().find(|(c, _)| *c == key) {
            Some((_, fs)) => fs.push((i, f)),
            None => commits.push((key, vec![(i, f)])),
        }
    }
    out
}

/// One finding: place, rule, confidence, then secret, line, notebook cell, note, fix, accept.
fn finding(p: &mut String, i: usize, f: &Finding) {
    let place = match f.byte_offset {
        Some(at) => format!("{} (binary, byte {at})", f.path),
        None => format!("{}:{}:{}", f.path, f.line, f.column),
    };
    let _ = write!(
        p,
        "<article class=\"finding\" id=\"finding-{}\" data-rule=\"{}\" data-confidence=\"{}\">\n\
         <h4><code>{}</code> <span class=\"rule\">{}</span> {} \
         <span class=\"conf conf-{}\">confidence {}</span></h4>\n<dl>\n",
        i + 1,
        h(&f.rule_id),
        f.confidence,
        h(&place),
        h(&f.rule_id),
        h(&f.description),
        f.confidence,
        f.confidence
    );
    let secret = f.secret.as_deref().unwrap_or(&f.secret_redacted);
    let _ = writeln!(
        p,
        "<dt>secret</dt><dd><code class=\"secret\">{}</code></dd>",
        h(secret)
    );
    let _ = writeln!(p, "<dt>line</dt><dd><code>{}</code></dd>", h(&f.snippet));
    if let Some(nb) = &f.notebook {
        let _ = writeln!(p, "<dt>notebook</dt><dd>{}</dd>", h(&nb.label()));
    }
    if let Some(n) = &f.note {
        let _ = writeln!(p, "<dt>note</dt><dd>{}</dd>", h(n));
    }
    let _ = writeln!(p, "<dt>fix</dt><dd>{}</dd>", h(&f.remediation));
    let _ = writeln!(
        p,
        "<dt>accept</dt><dd><code>{}</code></dd>\n</dl>\n</article>",
        accept_command(f)
    );
}

/// `s` safe as HTML text and as a double- or single-quoted attribute value: control characters
/// and bidirectional overrides escaped as the other reports escape them
/// ([`crate::sanitize::escape`]), then `& < > " '` as character references, and Unicode
/// noncharacters (an HTML parse error) written as `\u{…}` too.
fn h(s: &str) -> String {
    let s = escape(s);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_noncharacter(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// U+FDD0–U+FDEF and the last two code points of every plane: never text, and an HTML parse
/// error in a page.
fn is_noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xfdd0..=0xfdef).contains(&n) || n & 0xfffe == 0xfffe
}

/// A Content-Security-Policy source for an inline element holding exactly `text`.
fn csp_hash(text: &str) -> String {
    use base64::Engine as _;
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::{csp_hash, h};

    #[test]
    fn csp_hash_is_base64_of_sha256() {
        // the hash every CSP example gives for an empty element
        assert_eq!(
            csp_hash(""),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn escapes_markup_controls_and_noncharacters() {
        assert_eq!(
            h("<img src=x onerror='a(1)'>&\"\x1b[31m\u{202e}\u{fffe}"),
            "&lt;img src=x onerror=&#39;a(1)&#39;&gt;&amp;&quot;\\x1b[31m\\u{202e}\\u{fffe}"
        );
        assert_eq!(h("plain — text\t"), "plain — text\t");
    }
}
