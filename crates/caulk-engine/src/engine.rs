//! The engine: knows rules, nothing about files, git or notebooks.
//!
//! One Aho-Corasick automaton over every rule's keywords (ASCII case-insensitive) names the
//! candidate rules of a text; only their regexes run, each compiled once, the first time it is
//! needed. Filters (entropy, placeholders, the rule's allowlist) drop noise, and a generic rule
//! yields to a provider rule that found the same secret. The result is byte spans of secrets
//! inside the text; turning them into lines, columns and findings is the job of the `caulk` crate's `finding` module.

use std::collections::HashSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use anyhow::{Result, anyhow};
use regex_automata::util::syntax;
use regex_automata::{PatternID, meta};

use crate::grams::Grams;
use crate::lanes::Lanes;

use crate::boundary;
use crate::caches;
use crate::checks::{self, Confidence};
use crate::filters;
use crate::rules::{Rule, Ruleset, one_line};

/// Size limit of one compiled regex; generous, but bounded so a hostile custom rule cannot eat
/// the machine.
const REGEX_SIZE_LIMIT: usize = 32 * 1024 * 1024;

/// A secret found in a text: the rule (index into [`Engine::rules`]) and the secret's byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in the engine's rule list.
    pub rule: usize,
    /// Start of the secret (byte offset in the scanned text).
    pub start: usize,
    /// End of the secret (exclusive byte offset).
    pub end: usize,
    /// How sure the match is (structure checks decide it where the rule has one).
    pub confidence: Confidence,
    /// A file rule (one with a `path`) that found the same secret: one finding, which carries
    /// that rule's fix too (a token in a committed `.env` is one finding, not two).
    pub also: Option<usize>,
    /// Bytes of the match around the secret: the words a rule matched (a provider's name, a
    /// variable) beside the secret's shape. Of two rules that find the same secret, the one that
    /// matched more context says more.
    pub context: usize,
}

/// A rule's regex and allowlist, compiled.
pub struct Compiled {
    regex: meta::Regex,
    /// Index of the `secret` capture group, if the rule has one.
    group: Option<usize>,
    allow: Vec<meta::Regex>,
    stopwords: Vec<Vec<u8>>,
}

/// Bytes searched with the quick-to-build keyword automaton before the fast one is built: about
/// where the DFA's longer build (7 ms for 761 keywords) is paid back by its faster search (2.6
/// against 6.6 ms a MiB).
const DFA_AFTER: usize = 1 << 20;

/// Bytes searched with the table of keywords' first bytes ([`Grams`]) before the automaton is
/// built: the table is built in microseconds, the automaton in a millisecond and a half, and it
/// searches about as fast on the few kilobytes a hook scans.
const GRAMS_UPTO: usize = 64 << 10;

/// The prefilter and the lazily compiled rules.
pub struct Engine {
    rules: Vec<Rule>,
    /// The keywords, lowercased; the prefilter's patterns.
    patterns: Vec<String>,
    /// The prefilter, built at first use as a contiguous NFA (quick to build: a hook that scans
    /// a few files pays a millisecond) ...
    nfa: OnceLock<AhoCorasick>,
    /// ... and, once [`DFA_AFTER`] bytes were searched, as a DFA (slower to build, faster to
    /// search: a scan of a repository amortizes it), searched six parts of a text at a time.
    /// Both find the same keywords.
    dfa: OnceLock<Lanes>,
    /// The quick-to-build search for the first [`GRAMS_UPTO`] bytes; `None` with a keyword
    /// shorter than three bytes.
    grams: OnceLock<Option<Grams>>,
    /// Bytes searched so far.
    searched: std::sync::atomic::AtomicUsize,
    /// Whether a thread has begun to build the DFA.
    building: std::sync::atomic::AtomicBool,
    /// For each prefilter pattern, the rules that listed it as a keyword.
    pattern_rules: Vec<Vec<usize>>,
    compiled: Vec<OnceLock<Result<Compiled, String>>>,
    /// Rules that run by path (sensitive files), with their path regex once compiled.
    path_rules: Vec<(usize, OnceLock<Result<meta::Regex, String>>)>,
    /// This engine's number, which names its rules' search caches in each thread ([`caches`]).
    id: u64,
}

impl Engine {
    /// Indexes the keywords; builds no automaton and compiles no regex (start-up stays in
    /// milliseconds however large the pack).
    pub fn new(set: Ruleset) -> Engine {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        let mut path_rules = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (idx, rule) in set.rules.iter().enumerate() {
            if rule.path.is_some() {
                path_rules.push((idx, OnceLock::new()));
                continue;
            }
            for kw in &rule.keywords {
                let kw = kw.to_ascii_lowercase();
                match index.get(&kw) {
                    Some(&p) => {
                        if !pattern_rules[p].contains(&idx) {
                            pattern_rules[p].push(idx)
                        }
                    }
                    None => {
                        index.insert(kw.clone(), patterns.len());
                        patterns.push(kw);
                        pattern_rules.push(vec![idx]);
                    }
                }
            }
        }
        let compiled = set.rules.iter().map(|_| OnceLock::new()).collect();
        Engine {
            rules: set.rules,
            patterns,
            nfa: OnceLock::new(),
            dfa: OnceLock::new(),
            grams: OnceLock::new(),
            searched: std::sync::atomic::AtomicUsize::new(0),
            building: std::sync::atomic::AtomicBool::new(false),
            pattern_rules,
            compiled,
            path_rules,
            id: caches::engine_id(),
        }
    }

    /// The rules, in the order [`Match::rule`] indexes.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The compiled form of rule `idx`, compiling it on first use.
    pub fn compiled(&self, idx: usize) -> Result<&Compiled> {
        self.compiled[idx]
            .get_or_init(|| compile(&self.rules[idx]))
            .as_ref()
            .map_err(|e| anyhow!("{e}"))
    }

    /// Indices of the rules whose keywords occur in `text`, in rule order.
    pub fn candidates(&self, text: &[u8]) -> Vec<usize> {
        self.keyword_hits(text).iter().map(|h| h.0).collect()
    }

    /// Calls `hit(pattern, start, end)` for every keyword where it stands in `text`: with the
    /// table of first bytes while few bytes were searched, then the automaton.
    fn each_keyword(&self, text: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        if let Some(dfa) = self.dfa.get() {
            return dfa.each_match(text, hit);
        }
        let before = self
            .searched
            .fetch_add(text.len(), std::sync::atomic::Ordering::Relaxed);
        if before + text.len() <= GRAMS_UPTO
            && let Some(grams) = self.grams.get_or_init(|| Grams::new(&self.patterns))
        {
            return grams.each_match(text, hit);
        }
        // One thread builds the DFA; the others search with the NFA meanwhile rather than wait
        // for it (a wait of milliseconds on a scan of a hundred).
        if before + text.len() > DFA_AFTER
            && !self
                .building
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return self.build_dfa().each_match(text, hit);
        }
        let nfa = self.nfa.get_or_init(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .build(&self.patterns)
                .expect("keyword automaton")
        });
        for m in nfa.find_overlapping_iter(text) {
            hit(m.pattern().as_usize(), m.start(), m.end());
        }
    }

    /// Builds the keyword DFA now, for a scan known to be long (a history): on a thread that
    /// would otherwise wait, rather than on a scanning thread once a MiB was searched. A scan
    /// that meanwhile searches uses the other automata, as before the DFA is built.
    pub fn prepare_long_scan(&self) {
        if !self
            .building
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            self.build_dfa();
        }
    }

    fn build_dfa(&self) -> &Lanes {
        self.dfa.get_or_init(|| Lanes::new(&self.patterns))
    }

    /// The rules whose keywords stand in `text`, in rule order, each with its keywords' byte
    /// spans in order of start.
    ///
    /// An overlapping search reports every keyword where it stands, those inside a longer one
    /// too, in one pass of the automaton. (A leftmost-longest search restarted after each hit
    /// cost 7% more: a restart per `token` in ML code.)
    fn keyword_hits(&self, text: &[u8]) -> Vec<(usize, Vec<(usize, usize)>)> {
        // A slot per rule of the pack, but a list only per rule hit: most texts hit few.
        let mut slot = vec![u32::MAX; self.rules.len()];
        let mut hits: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
        self.each_keyword(text, |pattern, start, end| {
            let ends_name = !text.get(end).is_some_and(u8::is_ascii_alphanumeric);
            for &r in &self.pattern_rules[pattern] {
                if !ends_name && self.rules[r].keyword_ends_name {
                    continue;
                }
                if slot[r] == u32::MAX {
                    slot[r] = hits.len() as u32;
                    hits.push((r, Vec::new()));
                }
                hits[slot[r] as usize].1.push((start, end));
            }
        });
        hits.sort_unstable_by_key(|h| h.0);
        for (_, spans) in &mut hits {
            // Reported by end: a keyword inside a longer one comes first.
            if !spans.is_sorted() {
                spans.sort_unstable();
            }
        }
        hits
    }

    /// Finds the secrets in `text`, sorted by position then rule. Fails only when a candidate
    /// rule's regex does not compile (the message names the rule file and id).
    ///
    /// A rule's regex runs only where its keywords are: on the lines that hold a keyword (each
    /// with the line breaks around it, so boundary classes see what they would in the whole
    /// text), or on the whole text for a `multiline` rule.
    pub fn scan(&self, text: &[u8]) -> Result<Vec<Match>> {
        self.scan_path(text, None)
    }

    /// [`Engine::scan`] for an input named `path`: rules with a `path` regex that matches it run
    /// too, over the whole text.
    pub fn scan_path(&self, text: &[u8], path: Option<&str>) -> Result<Vec<Match>> {
        let mut out = Vec::new();
        if let Some(path) = path {
            for (idx, re) in &self.path_rules {
                let rule = &self.rules[*idx];
                let re = re
                    .get_or_init(|| {
                        // Built as the rules' regexes: ASCII classes, no prefilter (the 13
                        // path rules took 1.5 ms to compile with Unicode and prefilters, which
                        // every hook run pays).
                        let path = rule.path.as_deref().unwrap_or_default();
                        build_regex(path).map_err(|e| {
                            format!("{}: path regex does not compile: {e}", rule.origin())
                        })
                    })
                    .as_ref()
                    .map_err(|e| anyhow!("{e}"))?;
                if re.is_match(path.as_bytes()) {
                    let c = self.compiled(*idx)?;
                    find(self.id, rule, c, text, &[(0, text.len())], *idx, &mut out);
                }
            }
        }
        let hits = self.keyword_hits(text);
        for (idx, hits) in hits {
            let c = self.compiled(idx)?;
            let rule = &self.rules[idx];
            let windows = if rule.multiline {
                vec![(0, text.len())]
            } else {
                line_windows(text, &hits)
            };
            find(self.id, rule, c, text, &windows, idx, &mut out);
        }
        self.yield_generic(&mut out);
        self.merge_file_rules(&mut out);
        out.sort_by_key(|m| (m.start, m.end, m.rule));
        let rules = &self.rules;
        let mut firsts = Vec::new();
        out.retain(|m| {
            !rules[m.rule].first_only
                || (!firsts.contains(&m.rule) && {
                    firsts.push(m.rule);
                    true
                })
        });
        Ok(out)
    }

    /// One finding per secret, whichever rules find it: a generic rule's match whose span
    /// overlaps a provider rule's match is dropped (the provider rule's description and fix are
    /// specific), and of matches on one span one speaks: a provider rule before a generic one,
    /// then the surer (higher confidence, then a structure check: a verified JWT rather than
    /// `token = …`), then the one that matched more context (a Yandex key beside `YC_`, rather
    /// than any `secret_access_key`). File rules are merged afterwards
    /// ([`Engine::merge_file_rules`]).
    fn yield_generic(&self, out: &mut Vec<Match>) {
        if out.len() < 2 {
            return; // nothing to yield to (most inputs)
        }
        let rules = &self.rules;
        out.sort_by_key(|m| {
            let r = &rules[m.rule];
            (
                m.start,
                m.end,
                r.generic,
                std::cmp::Reverse(m.confidence),
                r.validate.is_none(),
                std::cmp::Reverse(m.context),
                m.rule,
            )
        });
        let specific = Spans::new(out.iter().map(|m| match rules[m.rule].generic {
            true => (0, 0), // an empty span overlaps nothing
            false => (m.start, m.end),
        }));
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        out.retain(|m| {
            let r = &rules[m.rule];
            if r.path.is_some() {
                return true;
            }
            if r.generic && specific.overlaps(m.start, m.end) {
                return false;
            }
            seen.insert((m.start, m.end))
        });
    }
}

impl Engine {
    /// One finding per secret: a file rule's match (a `.env`, a key file) that overlaps a
    /// provider rule's match is dropped, and the provider's match carries the file rule's index,
    /// so its finding names both fixes (rotate the token; untrack the file).
    fn merge_file_rules(&self, out: &mut Vec<Match>) {
        let rules = &self.rules;
        let is_file = |m: &Match| rules[m.rule].path.is_some();
        if !out.iter().any(is_file) {
            return;
        }
        let provider = Spans::new(out.iter().map(|m| match is_file(m) {
            true => (0, 0), // an empty span overlaps nothing
            false => (m.start, m.end),
        }));
        let mut merged: Vec<(usize, usize)> = Vec::new(); // (provider match, file rule)
        let mut keep = vec![true; out.len()];
        for (i, m) in out.iter().enumerate() {
            if !is_file(m) {
                continue;
            }
            for (_, _, j) in provider.overlapping(m.start, m.end) {
                keep[i] = false;
                merged.push((j, m.rule));
            }
        }
        for (j, rule) in merged {
            out[j].also.get_or_insert(rule);
        }
        let mut i = 0;
        out.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
}

/// Byte spans sorted by start, with the running maximum of their ends: whether a span overlaps
/// a window, and which ones do, is a binary search, not a pass over every match of the input
/// (thousands of matches on one line stay fast).
pub struct Spans {
    /// (start, end, index in the order given).
    sorted: Vec<(usize, usize, usize)>,
    max_end: Vec<usize>,
}

impl Spans {
    /// Indexes `spans` (start, end), remembering the order they were given in.
    pub fn new(spans: impl Iterator<Item = (usize, usize)>) -> Spans {
        let mut sorted: Vec<(usize, usize, usize)> =
            spans.enumerate().map(|(i, (s, e))| (s, e, i)).collect();
        sorted.sort_unstable();
        let mut max = 0;
        let max_end = sorted
            .iter()
            .map(|&(_, e, _)| {
                max = max.max(e);
                max
            })
            .collect();
        Spans { sorted, max_end }
    }

    /// Whether any span overlaps bytes `ws..we`.
    pub fn overlaps(&self, ws: usize, we: usize) -> bool {
        let before = self.sorted.partition_point(|&(s, _, _)| s < we);
        before > 0 && self.max_end[before - 1] > ws
    }

    /// The spans overlapping bytes `ws..we`, in order of start: (start, end, index).
    pub fn overlapping(&self, ws: usize, we: usize) -> impl Iterator<Item = (usize, usize, usize)> {
        let lo = self.max_end.partition_point(|&e| e <= ws);
        let hi = self.sorted.partition_point(|&(s, _, _)| s < we).max(lo);
        self.sorted[lo..hi]
            .iter()
            .copied()
            .filter(move |&(s, e, _)| s < we && e > ws)
    }
}

/// Runs rule `idx`'s regex over each of the `windows` of `text` and keeps the secrets that
/// survive the filters.
fn find(
    engine: u64,
    rule: &Rule,
    c: &Compiled,
    text: &[u8],
    windows: &[(usize, usize)],
    idx: usize,
    out: &mut Vec<Match>,
) {
    let also = rule.not_after.as_bytes();
    let mut caps = c.regex.create_captures();
    // One cache and one set of captures for all the windows: the generic rules search 70,000
    // lines with `token` on them in the 3,001-commit history, each in about 150 ns, and taking
    // the cache for each cost as much again.
    caches::with(engine, idx, &c.regex, |cache| {
        for &(from, to) in windows {
            // The text up to the window's end: the regex sees what stands before the window
            // (line starts, escapes), and no match runs past its end.
            let hay = &text[..to];
            let mut push = |start: usize, end: usize, context: usize| {
                let secret = &hay[start..end];
                if start < end && keep(rule, c, secret) {
                    let confidence = match rule.validate {
                        Some(check) if checks::passes(check, secret) => Confidence::High,
                        Some(_) => Confidence::Low,
                        None => rule.base_confidence(),
                    };
                    out.push(Match {
                        rule: idx,
                        start,
                        end,
                        confidence,
                        also: None,
                        context,
                    });
                }
            };
            // A token (a match that starts with its secret; a rule with context before the
            // secret draws its own left edge) glued to a word is no match: the search goes on
            // from the byte after the match's start, since the token may begin right after an
            // escape's last letter. A budget keeps a pathological line linear.
            let (mut at, mut rejected) = (from, 0);
            while at <= hay.len() {
                let input = regex_automata::Input::new(hay).range(at..);
                c.regex.search_captures_with(cache, &input, &mut caps);
                let Some(whole) = caps.get_match() else {
                    break;
                };
                let span = match c.group {
                    Some(g) => caps.get_group(g).map(|s| (s.start, s.end)),
                    None => Some((whole.start(), whole.end())),
                };
                match span {
                    Some((start, _))
                        if start == whole.start() && !boundary::left_ok(hay, start, also) =>
                    {
                        rejected += 1;
                        if rejected > MAX_REJECTED {
                            break;
                        }
                        at = whole.start() + 1;
                        continue;
                    }
                    Some((start, end)) => push(start, end, whole.len() - (end - start)),
                    None => {}
                }
                at = whole.end().max(whole.start() + 1);
            }
        }
    });
}

/// Bytes searched for a keyword's secret either side of the keyword, within its line.
const REACH: usize = 4096;

/// Matches rejected for their left boundary in one window before the rule gives up on it.
const MAX_REJECTED: usize = 4096;

/// The lines holding one rule's keyword spans `hits` (in order of start), as merged byte windows that
/// include the line break before and after each line. Lines end at `\n` or `\r`.
fn line_windows(text: &[u8], hits: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut windows: Vec<(usize, usize)> = Vec::new();
    for &(hs, he) in hits {
        if let Some(&(_, we)) = windows.last()
            && hs < we
            && he <= we
        {
            continue; // this keyword's line is already covered
        }
        // The line, but no more than REACH bytes either side of the keyword: a minified bundle
        // or a base64 blob is one line of megabytes, and no secret stands that far from its
        // keyword.
        let lo = hs.saturating_sub(REACH);
        let ws = memchr::memrchr2(b'\n', b'\r', &text[lo..hs]).map_or(lo, |i| lo + i);
        let hi = he.saturating_add(REACH).min(text.len());
        let we = memchr::memchr2(b'\n', b'\r', &text[he..hi]).map_or(hi, |i| he + i + 1);
        match windows.last_mut() {
            Some(last) if ws <= last.1 => *last = (last.0.min(ws), last.1.max(we)),
            _ => windows.push((ws, we)),
        }
    }
    windows
}

/// A rule's regex (or its path or allowlist regex) built as `compile` says; the error on one line.
fn build_regex(pattern: &str) -> Result<meta::Regex, String> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .auto_prefilter(false)
                .onepass(false)
                .hybrid_cache_capacity(caches::HYBRID_CACHE)
                .utf8_empty(false)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build(pattern)
        .map_err(|e| one_line(&e.to_string()))
}

fn compile(rule: &Rule) -> Result<Compiled, String> {
    let o = rule.origin();
    // Rules match bytes, and their classes (`\w`, `\s`, `.`, `[^"]`) are ASCII unless a rule
    // writes `(?u)`: a credential is ASCII, and a Unicode class costs a UTF-8 automaton at each
    // step of a bounded repeat. `[^"'\s]{8,300}` took 3 ms to compile with Unicode, 0.4 without,
    // and a pre-commit scan compiles the rules its keywords ask for while the user waits.
    //
    // And no literal prefilter: a rule's regex runs on the lines around its keywords, which the
    // keyword search found already, and building the prefilter (literals in every case of
    // `(?i)token|secret|...`) was 70% of compiling a generic rule (440 against 136 µs). No
    // one-pass DFA either: it only resolves the capture groups of a match found, which the
    // bounded backtracker does as fast on a match's few bytes, and it was 22% of the compiled
    // pack's memory (22 against 17 MiB, all 434 rules).
    let regex =
        build_regex(&rule.regex).map_err(|e| format!("{o}: regex does not compile: {e}"))?;
    let group = regex.group_info().to_index(PatternID::ZERO, "secret");
    let allow = rule
        .allowlist
        .regexes
        .iter()
        .map(|r| {
            // Built the same way: an allowlist names placeholders and test values.
            build_regex(r).map_err(|e| format!("{o}: allowlist regex {r:?} does not compile: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stopwords = rule
        .allowlist
        .stopwords
        .iter()
        .map(|s| s.to_ascii_lowercase().into_bytes())
        .collect();
    Ok(Compiled {
        regex,
        group,
        allow,
        stopwords,
    })
}

/// Whether a matched secret survives the filters.
fn keep(rule: &Rule, c: &Compiled, secret: &[u8]) -> bool {
    if let Some(min) = rule.entropy
        && filters::entropy(secret) < min
    {
        return false;
    }
    if filters::looks_fake(secret)
        || filters::is_redacted(secret)
        || filters::is_doc_example(secret)
        || filters::is_password_hash(secret)
    {
        return false;
    }
    if c.allow.iter().any(|r| r.is_match(secret)) {
        return false;
    }
    if !c.stopwords.is_empty() {
        let lower = secret.to_ascii_lowercase();
        if c.stopwords
            .iter()
            .any(|w| memchr::memmem::find(&lower, w).is_some())
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(text: &str) -> Engine {
        Engine::new(Ruleset::from_sources([("t.toml".to_string(), text.to_string())]).unwrap())
    }

    const TWO: &str = r#"
[[rules]]
id = "a"
description = "A"
keywords = ["ak_"]
regex = '''ak_[a-z0-9]{8}'''
remediation = "r"
examples = [{ text = "ak_a1b2c3d4", secret = "ak_a1b2c3d4" }]
negative_examples = ["x"]

[[rules]]
id = "b"
description = "B"
keywords = ["SECRET"]
regex = '''secret=(?P<secret>\S+)'''
generic = true
remediation = "r"
examples = [{ text = "secret=q1w2e3r4", secret = "q1w2e3r4" }]
negative_examples = ["x"]
"#;

    /// Rules' classes are ASCII: `\w` stops at a non-ASCII letter; `(?u)` turns Unicode on where
    /// a rule asks.
    #[test]
    fn rule_classes_are_ascii_unless_a_rule_writes_u() {
        let e = engine(
            r#"
[[rules]]
id = "w"
description = "W"
keywords = ["wk="]
regex = '''wk=(?P<secret>\w+)'''
remediation = "r"
examples = [{ text = "wk=abc", secret = "abc" }]
negative_examples = ["x"]

[[rules]]
id = "u"
description = "U"
keywords = ["uk="]
regex = '''uk=(?P<secret>(?u:\w)+)'''
remediation = "r"
examples = [{ text = "uk=abc", secret = "abc" }]
negative_examples = ["x"]
"#,
        );
        let text = "wk=ab\u{e9}cd uk=ab\u{e9}cd".as_bytes();
        let got: Vec<&[u8]> = e
            .scan(text)
            .unwrap()
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(got, ["ab".as_bytes(), "ab\u{e9}cd".as_bytes()]);
    }

    /// No built-in rule compiles to a large automaton: a bounded repeat of a thousand or more
    /// (`.{0,40000}?`, `[A-Za-z0-9]{64,3000}`) is one copy of its class per step, and two such
    /// rules had taken 12 MiB, compiled once a scan met their keywords. Write `{64,}` where a
    /// terminator follows.
    #[test]
    fn builtin_rules_compile_small() {
        let e = Engine::new(Ruleset::builtin().unwrap());
        let mut total = 0;
        for (i, rule) in e.rules().iter().enumerate() {
            let size = e.compiled(i).unwrap().regex.memory_usage();
            assert!(size < 1 << 20, "{}: {size} bytes compiled", rule.id);
            total += size;
        }
        assert!(total < 24 << 20, "the pack compiles to {total} bytes");
    }

    #[test]
    fn spans_answer_overlap_queries_as_a_full_pass_would() {
        let raw = [
            (40, 90),
            (0, 5),
            (10, 12),
            (11, 30),
            (60, 61),
            (95, 100),
            (12, 12),
        ];
        let spans = Spans::new(raw.iter().copied());
        for ws in 0..105 {
            for we in ws..106 {
                let naive: Vec<usize> = raw
                    .iter()
                    .enumerate()
                    .filter(|&(_, &(s, e))| s < we && e > ws)
                    .map(|(i, _)| i)
                    .collect();
                let mut got: Vec<usize> = spans.overlapping(ws, we).map(|(_, _, i)| i).collect();
                got.sort_unstable();
                assert_eq!(got, naive, "{ws}..{we}");
                assert_eq!(spans.overlaps(ws, we), !naive.is_empty(), "{ws}..{we}");
            }
        }
    }

    #[test]
    fn prefilter_is_case_insensitive_and_selects_only_hit_rules() {
        let e = engine(TWO);
        assert_eq!(e.candidates(b"nothing here"), Vec::<usize>::new());
        assert_eq!(e.candidates(b"AK_ and Secret"), vec![0, 1]);
        assert_eq!(e.candidates(b"my secret"), vec![1]);
    }

    #[test]
    fn every_keyword_search_finds_the_same_secrets() {
        // The table of first bytes (first 64 KiB searched), the NFA (to a MiB), the DFA in six
        // parts (after, or built ahead for a long scan): one answer.
        let builtin = Ruleset::builtin().unwrap();
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!(
                "line {i}: tokenizer = load()\nAKIA{:016}\nsecret = \"x{i}\"\n",
                i
            ));
        }
        text.push_str("OPENAI_API_KEY=sk-proj-");
        text.push_str(
            &"aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5oQ7sU9wY1aC3eG5iK7mO9qS1uW3y".repeat(2),
        );
        text.push_str("\n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 ghp_");
        text.push_str("a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n");
        let first = Engine::new(builtin.clone());
        let want = first.scan(text.as_bytes()).unwrap();
        assert!(!want.is_empty());
        let nfa = Engine::new(builtin.clone());
        nfa.scan(&vec![b' '; GRAMS_UPTO + 1]).unwrap();
        assert_eq!(nfa.scan(text.as_bytes()).unwrap(), want, "the NFA");
        assert!(nfa.dfa.get().is_none());
        let dfa = Engine::new(builtin);
        dfa.prepare_long_scan();
        assert!(dfa.dfa.get().is_some());
        assert_eq!(dfa.scan(text.as_bytes()).unwrap(), want, "the DFA in parts");
    }

    #[test]
    fn nested_and_partly_overlapping_keywords_credit_every_rule() {
        let nested = TWO.replace(r#"keywords = ["SECRET"]"#, r#"keywords = ["ak_secret"]"#);
        assert_eq!(
            engine(&nested).candidates(b"x ak_secret y"),
            vec![0, 1],
            "ak_ inside ak_secret"
        );
        let partial = TWO.replace(r#"keywords = ["SECRET"]"#, r#"keywords = ["_secret"]"#);
        let e = engine(&partial.replace(r#"keywords = ["ak_"]"#, r#"keywords = ["ak_s"]"#));
        assert_eq!(
            e.candidates(b"ak_secret"),
            vec![0, 1],
            "_secret starts inside ak_s"
        );
        assert_eq!(e.candidates(b"AK_S"), vec![0]);
    }

    #[test]
    fn a_keyword_that_must_end_a_name_counts_only_there() {
        let e = engine(&TWO.replace("generic = true", "generic = true\nkeyword_ends_name = true"));
        assert_eq!(e.candidates(b"x = my_secret"), vec![1]);
        assert_eq!(e.candidates(b"secret=q1w2e3r4"), vec![1]);
        assert_eq!(
            e.candidates(b"secrets\nsecret2 secretary"),
            Vec::<usize>::new()
        );
        // Without the setting, the rule is a candidate wherever its keyword stands.
        assert_eq!(engine(TWO).candidates(b"secretary"), vec![1]);
        // A name that ends with the keyword later on the line is found.
        assert_eq!(
            e.scan(b"secretary; secret=q1w2e3r4").unwrap().len(),
            1,
            "secret= after secretary"
        );
    }

    #[test]
    fn no_regex_compiles_before_a_keyword_hits() {
        let e = engine(TWO);
        e.scan(b"ak_a1b2c3d4").unwrap();
        assert!(e.compiled[0].get().is_some());
        assert!(
            e.compiled[1].get().is_none(),
            "rule b has no keyword hit yet"
        );
    }

    #[test]
    fn generic_yields_to_specific_on_overlap() {
        let e = engine(TWO);
        let ms = e.scan(b"secret=ak_a1b2c3d4 and secret=q1w2e3r4").unwrap();
        assert_eq!(
            ms,
            vec![
                Match {
                    rule: 0,
                    start: 7,
                    end: 18,
                    confidence: Confidence::Medium,
                    also: None,
                    context: 0,
                },
                Match {
                    rule: 1,
                    start: 30,
                    end: 38,
                    confidence: Confidence::Low,
                    also: None,
                    context: 7,
                }
            ]
        );
    }

    #[test]
    fn line_windows_cover_keyword_lines_with_their_breaks_and_merge() {
        let text = b"aa\nb KW b\ncc\nKW KW\r\ndd KW";
        let at = |from: usize| (from, from + 2);
        // "KW" at 5, 13, 16 and 23.
        assert_eq!(&text[5..7], b"KW");
        assert_eq!(&text[13..15], b"KW");
        assert_eq!(&text[23..25], b"KW");
        assert_eq!(line_windows(text, &[at(5)]), vec![(2, 10)]);
        assert_eq!(line_windows(text, &[at(13), at(16)]), vec![(12, 19)]);
        assert_eq!(
            line_windows(text, &[at(5), at(13), at(23)]),
            vec![(2, 10), (12, 25)]
        );
        assert_eq!(line_windows(b"KW", &[(0, 2)]), vec![(0, 2)]);
    }

    #[test]
    fn a_match_needs_its_keyword_on_its_line_unless_multiline() {
        let split = TWO.replace(r"secret=(?P<secret>\S+)", r"(?s)secret.=(?P<secret>\S+)");
        // keyword "secret" on line 1, "=value" on line 2: a line window cannot join them
        assert!(
            engine(&split)
                .scan(b"secret\n=q1w2e3r4")
                .unwrap()
                .is_empty()
        );
        let multi = split.replace("generic = true", "generic = true\nmultiline = true");
        assert_eq!(
            engine(&multi).scan(b"secret\n=q1w2e3r4").unwrap(),
            vec![Match {
                rule: 1,
                start: 8,
                end: 16,
                confidence: Confidence::Low,
                also: None,
                context: 8,
            }]
        );
    }

    #[test]
    fn placeholders_are_dropped() {
        let e = engine(TWO);
        assert!(e.scan(b"secret=xxxxxxxx").unwrap().is_empty());
        assert!(e.scan(b"secret=${TOKEN}").unwrap().is_empty());
    }
}
