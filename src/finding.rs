//! Findings: engine matches turned into what a user acts on — a path, 1-based line and column,
//! the secret redacted, the source line with every secret on it masked, a fingerprint that
//! survives edits above it, and the rule's remediation.
//!
//! Sources say where an input came from with a [`Provenance`]; this module maps byte offsets to
//! positions and knows nothing of files or git.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use caulk_engine::engine::{Engine, Match, Spans};
use caulk_engine::rules::Rule;

/// Where an input's bytes came from — a file on disk, standard input, a staged blob, a blob at a
/// commit. The source builds it once; every finding of the input is built from it and never
/// patched afterwards.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The path as shown in reports (`<stdin>` for standard input).
    pub shown: Arc<str>,
    /// The path fingerprints, baselines and allowlist globs use: relative to the top of the git
    /// work tree (or to the scanned root outside one), `/`-separated.
    pub repo_path: Arc<str>,
    /// The path's exact bytes, when they are not UTF-8 (`shown` is lossy then).
    pub path_bytes: Option<Vec<u8>>,
    /// The commit that brought the blob (`caulk history`).
    pub commit: Option<CommitInfo>,
    /// Where the bytes stand in git's life cycle: what a fix must undo depends on it.
    pub stage: Stage,
}

/// Where an input stands: in the work tree, staged for a commit, or in a commit. A notebook
/// output's fix differs: strip it before committing, strip it and stage again, or strip it and
/// rewrite history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stage {
    /// A file on disk or standard input (`caulk scan`).
    #[default]
    WorkTree,
    /// A blob staged for the next commit (`caulk staged`).
    Index,
    /// A blob in a commit (`caulk history`, `caulk pre-push`).
    Commit,
}

impl Provenance {
    /// A path shown as `shown`, known to fingerprints as `repo_path`; `exact` is the path whose
    /// bytes are kept when they are not UTF-8.
    pub fn new(shown: &str, repo_path: &str, exact: &std::path::Path) -> Provenance {
        Provenance {
            shown: shown.into(),
            repo_path: repo_path.into(),
            path_bytes: exact_bytes(exact),
            commit: None,
            stage: Stage::WorkTree,
        }
    }

    /// Standard input.
    pub fn stdin() -> Provenance {
        Provenance::new("<stdin>", "<stdin>", std::path::Path::new("-"))
    }
}

/// How byte offsets in a segment become positions the user sees.
pub enum Locator<'a> {
    /// The segment is the file's text itself.
    Text,
    /// The segment is decoded from `file` (a notebook): `file_offset` maps a segment byte to a
    /// byte of `file`, whose lines are `lines`.
    Mapped {
        /// The file's bytes.
        file: &'a [u8],
        /// The file's line starts.
        lines: &'a LineIndex,
        /// Segment offset to file offset.
        file_offset: &'a dyn Fn(usize) -> usize,
    },
    /// The segment is the printable runs of a binary `file`: positioned like [`Locator::Mapped`],
    /// and each finding also carries its byte offset in the file.
    Strings {
        /// The file's bytes.
        file: &'a [u8],
        /// The file's line starts (as `grep -n` would count them in binary data).
        lines: &'a LineIndex,
        /// Segment offset to file offset.
        file_offset: &'a dyn Fn(usize) -> usize,
    },
}

/// The commit that introduced a finding (filled by `caulk history`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct CommitInfo {
    /// Full commit id.
    pub sha: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// Author date, ISO 8601 with the author's offset.
    pub date: String,
    /// First line of the commit message.
    pub message: String,
}

/// Where in a notebook a finding stands (filled by the notebook source).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotebookInfo {
    /// 0-based cell index (nbformat's); null for the notebook's own metadata.
    pub cell: Option<usize>,
    /// `code`, `markdown` or `raw`; null for the notebook's own metadata.
    pub cell_type: Option<String>,
    /// 0-based output index; null outside outputs.
    pub output: Option<usize>,
    /// `stream`, `execute_result`, `display_data` or `error`; null outside outputs.
    pub output_type: Option<String>,
    /// The part: `source`, `metadata`, a stream name (`stdout`), a MIME type (`text/html`),
    /// `ename`, `evalue` or `traceback`.
    pub field: String,
}

impl From<&crate::decode::notebook::Place<'_>> for NotebookInfo {
    /// The owned coordinates of a place in a notebook, for a finding.
    fn from(p: &crate::decode::notebook::Place<'_>) -> NotebookInfo {
        NotebookInfo {
            cell: p.cell,
            cell_type: p.cell_type.map(str::to_string),
            output: p.output,
            output_type: p.output_type.map(str::to_string),
            field: p.field.to_string(),
        }
    }
}

impl NotebookInfo {
    /// Whether the text stands in an output (which `caulk strip` removes).
    pub fn in_output(&self) -> bool {
        self.output.is_some()
    }

    /// `cell 4, output 1: stream stdout` (1-based, as a person counts).
    pub fn label(&self) -> String {
        match (self.cell, self.output) {
            (None, _) => format!("notebook {}", self.field),
            (Some(c), None) => format!("cell {}, {}", c + 1, self.field),
            (Some(c), Some(o)) => format!(
                "cell {}, output {}: {} {}",
                c + 1,
                o + 1,
                self.output_type.as_deref().unwrap_or("output"),
                self.field
            ),
        }
    }
}

/// What a notebook finding in an output adds to the rule's remediation, for a notebook at `path`
/// standing at `stage`: the command to strip it, and what else its stage needs.
fn fix_in_output(stage: Stage, path: &str) -> String {
    let strip = format!("`caulk strip {}`", crate::sanitize::shell_word(path));
    match stage {
        Stage::WorkTree => format!(
            "This secret was printed into a notebook output: after rotating it, remove the outputs \
             ({strip}) before the notebook is committed; if it was committed already, the secret \
             stays in history until that is rewritten (`git filter-repo --replace-text`)."
        ),
        Stage::Index => format!(
            "This secret was printed into a notebook output: after rotating it, strip the outputs \
             ({strip}) and stage the notebook again (`git add {}`).",
            crate::sanitize::shell_word(path)
        ),
        Stage::Commit => format!(
            "This secret was printed into a notebook output and committed: after rotating it, strip \
             the outputs ({strip}) and commit; the secret stays in history until you rewrite it \
             (`git filter-repo --replace-text`) and force-push."
        ),
    }
}

const FIX_IN_SOURCE: &str = "In a notebook cell: read the value with os.environ or getpass at run time \
    instead, and clear the cell's outputs before committing.";

/// One secret found, ready for a reporter.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule's stable id.
    pub rule_id: String,
    /// The rule's one-line description.
    pub description: String,
    /// The path as named (lossy UTF-8 for non-UTF-8 names).
    pub path: String,
    /// 1-based line of the secret's first character; for a key block (PEM, OpenSSH, PGP,
    /// PuTTY), of its opening line (`-----BEGIN … PRIVATE KEY-----`), where editors point.
    pub line: usize,
    /// 1-based column (in characters) of the secret's first character (of a key block's
    /// opening).
    pub column: usize,
    /// 1-based line of the secret's last character.
    pub end_line: usize,
    /// 1-based column just past the secret's last character, on `end_line` (exclusive, as SARIF).
    pub end_column: usize,
    /// The secret with its middle masked: documented prefix (or first 4 characters) and last 4.
    pub secret_redacted: String,
    /// The secret itself: filled only when the user passed `--show-secrets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The source line, trimmed, with every secret on it masked.
    pub snippet: String,
    /// Hex SHA-256 (first 32 digits) of rule id, path and secret: stable when lines move, and
    /// never the secret itself.
    pub fingerprint: String,
    /// What to do now.
    pub remediation: String,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
    /// `high` (a checksum or structure in the secret verified, or a pattern that carries the
    /// provider's marker), `medium` (the documented format matched) or `low` (context and
    /// entropy only, a failed structure check, or a rule that rates its finds less urgent);
    /// `caulk explain RULE` says which applies to a rule.
    pub confidence: caulk_engine::checks::Confidence,
    /// What else caulk could tell offline (a JWT's expiry); absent when nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The commit that introduced it; null for working-tree scans.
    pub commit: Option<CommitInfo>,
    /// Notebook coordinates; null outside notebooks.
    pub notebook: Option<NotebookInfo>,
    /// For a binary file (scanned for its printable runs): the secret's byte offset in the file,
    /// where `line` and `column` mean little. Absent for text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    /// The unmasked secret, kept for `--show-secrets`; never serialized under this name.
    #[serde(skip)]
    pub raw_secret: String,
    /// The path's exact bytes, when they are not UTF-8 (`path` shows them lossily); SARIF
    /// percent-encodes them into its URI.
    #[serde(skip)]
    pub path_bytes: Option<Vec<u8>>,
    /// The path fingerprints, baselines and allowlist globs use: relative to the top of the git
    /// work tree (or to the scanned root outside one), `/`-separated.
    #[serde(skip)]
    pub repo_path: String,
    /// The source line carries an allow pragma (`caulk:allow`, `gitleaks:allow`,
    /// `pragma: allowlist secret`) that covers this finding's rule.
    #[serde(skip)]
    pub inline_allow: bool,
}

impl Finding {
    /// The order reports use whatever the thread count: path, line, column, rule.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.path, self.line, self.column, &self.rule_id)
    }
}

/// Turns an engine's matches in `text` into findings.
pub fn findings(
    engine: &Engine,
    text: &[u8],
    matches: &[Match],
    prov: &Provenance,
    notebook: Option<&NotebookInfo>,
    loc: &Locator,
) -> Vec<Finding> {
    if matches.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let position = |off: usize, end: bool| match loc {
        Locator::Text => lines.position(text, off),
        Locator::Mapped {
            file,
            lines: file_lines,
            file_offset,
        }
        | Locator::Strings {
            file,
            lines: file_lines,
            file_offset,
        } => {
            // The end is just past the last byte's source (an escape counts as its first byte).
            let f = if end && off > 0 {
                file_offset(off - 1) + 1
            } else {
                file_offset(off)
            };
            file_lines.position(file, f)
        }
    };
    let rules = engine.rules();
    let redacted: Vec<String> = matches
        .iter()
        .map(|m| redact(&text[m.start..m.end], &rules[m.rule]))
        .collect();
    let spans = Spans::new(matches.iter().map(|m| (m.start, m.end)));
    // Whether the last line looked at holds any pragma at all (most lines hold none, and a long
    // line is searched once, not once per secret on it).
    let pragma_line: std::cell::Cell<Option<(usize, bool)>> = std::cell::Cell::new(None);
    matches
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let rule = &rules[m.rule];
            let secret = &text[m.start..m.end];
            let at = reported_start(rule, text, m);
            let (line, column) = position(at, false);
            let (end_line, end_column) = position(m.end, true);
            let snippet_line = lines.line_of(at);
            let (ls, le) = lines.span(text, snippet_line);
            let has_pragma = match pragma_line.get() {
                Some((l, has)) if l == snippet_line => has,
                _ => {
                    let has = crate::pragma::has_pragma(&text[ls..le]);
                    pragma_line.set(Some((snippet_line, has)));
                    has
                }
            };
            let mut remediation = caulk_engine::rules::one_line(&rule.remediation);
            if let Some(file_rule) = m.also.map(|r| &rules[r]) {
                // The same secret stands in a file that should not be committed at all.
                remediation.push(' ');
                remediation.push_str(&caulk_engine::rules::one_line(&file_rule.remediation));
            }
            if let Some(nb) = notebook {
                remediation.push(' ');
                remediation.push_str(&match nb.in_output() {
                    true => fix_in_output(prov.stage, &prov.shown),
                    false => caulk_engine::rules::one_line(FIX_IN_SOURCE),
                });
            }
            let raw_secret = String::from_utf8_lossy(secret).into_owned();
            Finding {
                rule_id: rule.id.clone(),
                description: rule.description.clone(),
                path: prov.shown.to_string(),
                line,
                column,
                end_line,
                end_column,
                secret_redacted: redacted[i].clone(),
                secret: None,
                snippet: snippet(
                    text,
                    &lines,
                    snippet_line,
                    &spans,
                    &redacted,
                    i,
                    &Match { start: at, ..*m },
                ),
                // A pragma counts in source text, never in a notebook output: code cannot
                // write one there on purpose.
                inline_allow: !notebook.is_some_and(|n| n.in_output())
                    && has_pragma
                    && crate::pragma::pragma_allows(&text[ls..le], &rule.id),
                fingerprint: fingerprint(&rule.id, &prov.repo_path, secret),
                repo_path: prov.repo_path.to_string(),
                path_bytes: prov.path_bytes.clone(),
                remediation,
                entropy: (caulk_engine::filters::entropy(secret) * 100.0).round() / 100.0,
                confidence: m.confidence,
                note: note(rule, secret),
                commit: prov.commit.clone(),
                notebook: notebook.cloned(),
                byte_offset: match loc {
                    Locator::Strings { file_offset, .. } => Some(file_offset(m.start) as u64),
                    _ => None,
                },
                raw_secret,
            }
        })
        .collect()
}

/// What opens a key block in a rule's pattern: a PEM armour line (`-----BEGIN … PRIVATE
/// KEY-----`) or a PuTTY file's first line.
const KEY_OPENINGS: [&[u8]; 2] = [b"-----BEGIN", b"PuTTY-User-Key-File-"];

/// Where a finding is reported: the secret's first byte, except for a key block, which editors,
/// reviewers and other scanners point at by its opening line, not by the first line of its body
/// (the rule's secret). The opening is the last one before the secret within the match (the
/// match's bytes around the secret, `m.context`, bound the search). The secret, so the
/// fingerprint and the redaction, stay the body.
fn reported_start(rule: &Rule, text: &[u8], m: &Match) -> usize {
    if !rule.multiline || m.context == 0 {
        return m.start;
    }
    let before = &text[m.start.saturating_sub(m.context)..m.start];
    KEY_OPENINGS
        .iter()
        .filter(|o| memchr::memmem::find(rule.regex.as_bytes(), o).is_some())
        .find_map(|o| memchr::memmem::rfind(before, o))
        .map_or(m.start, |i| m.start - before.len() + i)
}

/// A JWT's expiry, said plainly: an expired token is still worth rotating away (its signing key
/// signed it), but the hurry differs.
fn note(rule: &Rule, secret: &[u8]) -> Option<String> {
    if rule.validate != Some(caulk_engine::checks::Check::Jwt) {
        return None;
    }
    let exp = caulk_engine::checks::jwt_expiry(secret)?;
    let now = crate::human::now();
    let when = crate::human::iso8601(exp, 0);
    Some(if exp < now {
        format!("JWT expired {when}")
    } else {
        format!("JWT valid until {when}")
    })
}

/// Line starts of a text. Lines end at `\n`, `\r\n` or a lone `\r`.
pub struct LineIndex {
    starts: Vec<usize>,
    /// The last position computed (line, byte, column): findings come in order, so the next
    /// column on the same line is counted from there, not from the line's start (a 50 MB line
    /// with thousands of secrets stays linear).
    memo: std::cell::Cell<(usize, usize, usize)>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', text) {
            if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                continue; // the `\n` of this `\r\n` ends the line
            }
            starts.push(i + 1);
        }
        LineIndex {
            starts,
            memo: std::cell::Cell::new((0, 0, 0)),
        }
    }

    /// 1-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// 1-based line and 1-based character column of byte `offset`.
    pub fn position(&self, text: &[u8], offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.starts[line - 1];
        // Resume from the memo when it lies on this line before `offset`, at an ASCII byte (a
        // character boundary however the bytes before it decode).
        let (ml, mb, mc) = self.memo.get();
        let (from, col) = if ml == line
            && mb >= start
            && mb <= offset
            && text.get(mb).is_none_or(|b| b.is_ascii())
        {
            (mb, mc)
        } else {
            (start, 1)
        };
        let col = col + String::from_utf8_lossy(&text[from..offset]).chars().count();
        self.memo.set((line, offset, col));
        (line, col)
    }

    /// How many lines the text has (a final line break starts an empty last line).
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// Byte span of 1-based `line`, without its terminator.
    pub fn span(&self, text: &[u8], line: usize) -> (usize, usize) {
        let start = self.starts[line - 1];
        let mut end = self.starts.get(line).copied().unwrap_or(text.len());
        while end > start && matches!(text[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        (start, end)
    }
}

/// Most characters of a source line a report shows.
const SNIPPET_MAX: usize = 160;

/// Bytes of context read on each side of a secret for its snippet: enough for
/// [`SNIPPET_MAX`] characters of 4 bytes, so a snippet never costs more than this however long
/// the line.
const SNIPPET_WINDOW: usize = 4 * SNIPPET_MAX;

/// The source line `line` around the match `i`, with every match on it replaced by its redacted
/// form, trimmed and cut to [`SNIPPET_MAX`] characters around that match.
fn snippet(
    text: &[u8],
    lines: &LineIndex,
    line: usize,
    spans: &Spans,
    redacted: &[String],
    i: usize,
    m: &Match,
) -> String {
    let (ls, le) = lines.span(text, line);
    let is_cont = |b: u8| b & 0xC0 == 0x80;
    let mut ws = m.start.saturating_sub(SNIPPET_WINDOW).max(ls);
    while ws > ls && is_cont(text[ws]) {
        ws -= 1;
    }
    let mut we = m.end.max(m.start).saturating_add(SNIPPET_WINDOW).min(le);
    while we < le && is_cont(text[we]) {
        we += 1;
    }
    let mut out = String::with_capacity(we.saturating_sub(ws) + 16);
    let mut pos = ws;
    let mut mine: Option<usize> = None; // in characters
    // Overlaps skipped past, so no byte of any secret on the line is printed.
    for (s, e, j) in spans.overlapping(ws, we) {
        let (s, e) = (s.max(pos), e.min(we));
        if e <= pos {
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&text[pos..s]));
        if j == i || mine.is_none() && s >= m.start {
            mine.get_or_insert_with(|| out.chars().count());
        }
        out.push_str(&redacted[j]);
        pos = e;
    }
    if pos < we {
        out.push_str(&String::from_utf8_lossy(&text[pos..we]));
    }
    let lead = if ws == ls {
        out.chars().take_while(|c| c.is_whitespace()).count()
    } else {
        0
    };
    let trimmed = if ws == ls { out.trim_start() } else { &out };
    let trimmed = if we == le {
        trimmed.trim_end()
    } else {
        trimmed
    };
    let chars: Vec<char> = trimmed.chars().collect();
    let (cut_left, cut_right) = (ws > ls, we < le);
    if chars.len() <= SNIPPET_MAX && !cut_left && !cut_right {
        return chars.into_iter().collect();
    }
    let at = mine.map_or(0, |f| f.saturating_sub(lead));
    let from = at
        .saturating_sub(SNIPPET_MAX / 3)
        .min(chars.len().saturating_sub(SNIPPET_MAX));
    let to = (from + SNIPPET_MAX).min(chars.len());
    let mut s = String::new();
    if from > 0 || cut_left {
        s.push('…');
    }
    s.extend(&chars[from..to]);
    if to < chars.len() || cut_right {
        s.push('…');
    }
    s
}

/// The redacted form of a secret: its documented prefix (the longest rule keyword it starts
/// with) or its first 4 characters, a fixed mask, and its last 4 characters; short secrets show
/// less, so at least half of any secret stays hidden and its length is never shown.
pub fn redact(secret: &[u8], rule: &Rule) -> String {
    let s = String::from_utf8_lossy(secret);
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let prefix_len = rule
        .keywords
        .iter()
        .filter(|k| s.starts_with(k.as_str()) && k.chars().count() * 2 <= chars.len())
        .map(|k| k.chars().count())
        .max();
    let n = chars.len();
    let (head, tail) = match prefix_len {
        Some(p) if n - p >= 16 => (p, 4),
        Some(p) => (p, 0),
        None if n >= 16 => (4, 4),
        None if n >= 8 => (2, 0),
        None => (0, 0),
    };
    let mut out: String = chars[..head].iter().collect();
    out.push_str("*****");
    out.extend(&chars[n - tail..]);
    out
}

/// A path's bytes when they are not UTF-8 (for [`Finding::path_bytes`]), without a leading `./`.
pub fn exact_bytes(p: &std::path::Path) -> Option<Vec<u8>> {
    if p.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let b = p.as_os_str().as_bytes();
        Some(b.strip_prefix(b"./").unwrap_or(b).to_vec())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Hex SHA-256 of rule id, path and secret, cut to 32 digits.
pub fn fingerprint(rule_id: &str, path: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(secret);
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(keywords: &[&str]) -> Rule {
        Rule {
            id: "t".into(),
            description: "d".into(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            regex: String::new(),
            entropy: None,
            generic: false,
            multiline: false,
            confidence: None,
            validate: None,
            path: None,
            first_only: false,
            not_after: String::new(),
            keyword_ends_name: false,
            allowlist: Default::default(),
            remediation: "r".into(),
            examples: vec![],
            negative_examples: vec![],
            source: String::new(),
        }
    }

    #[test]
    fn redaction_table() {
        let cases: &[(&[&str], &str, &str)] = &[
            (
                &["sk-proj-", "sk-"],
                "sk-proj-abcdefghijklmnopqrstuvwxyz0123",
                "sk-proj-*****0123",
            ),
            (
                &["hf_"],
                "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
                "hf_*****EFGH",
            ),
            (&["password"], "q8Zr2LwP0vYt9KxBmm", "q8Zr*****xBmm"),
            (&["password"], "hunter2!x", "hu*****"),
            (&["password"], "abc", "*****"),
            (&["ak_"], "ak_12345678", "ak_*****"),
        ];
        for &(kw, secret, want) in cases {
            assert_eq!(redact(secret.as_bytes(), &rule(kw)), want, "{secret}");
        }
    }

    #[test]
    fn positions_resumed_from_the_memo_match_a_fresh_count() {
        let text = "é a\r\nbé✓ c d\rx\u{1F600}yz".as_bytes();
        let text = [text, b"\xff\xe2\x9cq r"].concat();
        let idx = LineIndex::new(&text);
        for a in 0..=text.len() {
            for b in a..=text.len() {
                let _ = idx.position(&text, a); // leaves the memo at `a`
                let fresh = LineIndex::new(&text).position(&text, b);
                assert_eq!(idx.position(&text, b), fresh, "{a} then {b}");
            }
        }
    }

    #[test]
    fn snippets_of_a_long_line_are_cut_around_each_secret() {
        let a = "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";
        let b = "hf_QQQQrrrrSSSSttttUUUUvvvvWWWWxxxxYY";
        let line = format!(
            "{}k={a};{}k={b};{}",
            "x".repeat(1 << 20),
            "y".repeat(1 << 20),
            "z".repeat(1 << 20)
        );
        let text = line.as_bytes();
        let (sa, sb) = (line.find(a).unwrap(), line.find(b).unwrap());
        let matches = [
            Match {
                rule: 0,
                start: sa,
                end: sa + a.len(),
                confidence: caulk_engine::checks::Confidence::Medium,
                also: None,
                context: 0,
            },
            Match {
                rule: 0,
                start: sb,
                end: sb + b.len(),
                confidence: caulk_engine::checks::Confidence::Medium,
                also: None,
                context: 0,
            },
        ];
        let redacted = vec!["hf_*****hhZZ".to_string(), "hf_*****xxYY".to_string()];
        let idx = LineIndex::new(text);
        let spans = Spans::new(matches.iter().map(|m| (m.start, m.end)));
        for (i, m) in matches.iter().enumerate() {
            let s = snippet(text, &idx, 1, &spans, &redacted, i, m);
            assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
            assert!(s.contains(&format!("k={};", redacted[i])), "{s}");
            assert!(s.chars().count() <= SNIPPET_MAX + 2);
            assert!(!s.contains("AAAAbbbb") && !s.contains("QQQQrrrr"));
        }
    }

    #[test]
    fn line_index_handles_crlf_and_lone_cr() {
        let text = b"a\r\nbb\rccc\nd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 3), (2, 1));
        assert_eq!(idx.position(text, 6), (3, 1));
        assert_eq!(idx.position(text, 8), (3, 3));
        assert_eq!(idx.position(text, 10), (4, 1));
        assert_eq!(idx.span(text, 1), (0, 1));
        assert_eq!(idx.span(text, 2), (3, 5));
    }

    #[test]
    fn column_counts_characters_not_bytes() {
        let text = "ключ = x".as_bytes();
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, text.len() - 1), (1, 8));
    }

    #[test]
    fn fingerprint_is_stable_and_hides_the_secret() {
        let a = fingerprint("r", "p", b"s3cret");
        assert_eq!(a, fingerprint("r", "p", b"s3cret"));
        assert_ne!(a, fingerprint("r", "q", b"s3cret"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("s3cret"));
    }
}
