//! The engine: knows rules, nothing about files, git or notebooks.
//!
//! One Aho-Corasick automaton over every rule's keywords (ASCII case-insensitive) names the
//! candidate rules of a text; only their regexes run, each compiled once, the first time it is
//! needed. Filters (entropy, placeholders, the rule's allowlist) drop noise, and a generic rule
//! yields to a provider rule that found the same secret. The result is byte spans of secrets
//! inside the text; turning them into lines, columns and findings is [`crate::finding`]'s job.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use anyhow::{Result, anyhow};
use regex::bytes::{Regex, RegexBuilder};

use crate::filters;
use crate::rules::{Rule, Ruleset};

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
}

/// A rule's regex and allowlist, compiled.
pub struct Compiled {
    regex: Regex,
    /// Index of the `secret` capture group, if the rule has one.
    group: Option<usize>,
    allow: Vec<Regex>,
    stopwords: Vec<Vec<u8>>,
}

/// The prefilter and the lazily compiled rules.
pub struct Engine {
    rules: Vec<Rule>,
    prefilter: AhoCorasick,
    /// For each prefilter pattern, the rules that listed it as a keyword.
    pattern_rules: Vec<Vec<usize>>,
    compiled: Vec<OnceLock<Result<Compiled, String>>>,
}

impl Engine {
    /// Builds the prefilter; compiles no regex.
    pub fn new(set: Ruleset) -> Engine {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        for (idx, rule) in set.rules.iter().enumerate() {
            for kw in &rule.keywords {
                let kw = kw.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == kw) {
                    Some(p) => {
                        if !pattern_rules[p].contains(&idx) {
                            pattern_rules[p].push(idx)
                        }
                    }
                    None => {
                        patterns.push(kw);
                        pattern_rules.push(vec![idx]);
                    }
                }
            }
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("keyword automaton");
        let compiled = set.rules.iter().map(|_| OnceLock::new()).collect();
        Engine {
            rules: set.rules,
            prefilter,
            pattern_rules,
            compiled,
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
        let mut hit = vec![false; self.rules.len()];
        let mut left = self.rules.len();
        for m in self.prefilter.find_overlapping_iter(text) {
            for &r in &self.pattern_rules[m.pattern().as_usize()] {
                if !hit[r] {
                    hit[r] = true;
                    left -= 1;
                }
            }
            if left == 0 {
                break;
            }
        }
        (0..hit.len()).filter(|&i| hit[i]).collect()
    }

    /// Finds the secrets in `text`, sorted by position then rule. Fails only when a candidate
    /// rule's regex does not compile (the message names the rule file and id).
    pub fn scan(&self, text: &[u8]) -> Result<Vec<Match>> {
        let mut out = Vec::new();
        for idx in self.candidates(text) {
            let c = self.compiled(idx)?;
            let rule = &self.rules[idx];
            let mut push = |start: usize, end: usize| {
                let secret = &text[start..end];
                if start < end && keep(rule, c, secret) {
                    out.push(Match {
                        rule: idx,
                        start,
                        end,
                    });
                }
            };
            match c.group {
                Some(g) => {
                    for caps in c.regex.captures_iter(text) {
                        if let Some(s) = caps.get(g) {
                            push(s.start(), s.end());
                        }
                    }
                }
                None => {
                    for m in c.regex.find_iter(text) {
                        push(m.start(), m.end());
                    }
                }
            }
        }
        self.yield_generic(&mut out);
        out.sort_by_key(|m| (m.start, m.end, m.rule));
        Ok(out)
    }

    /// Drops a generic rule's match whose span overlaps a provider rule's match: the provider
    /// rule says more (its description and remediation are specific).
    fn yield_generic(&self, out: &mut Vec<Match>) {
        if !out.iter().any(|m| self.rules[m.rule].generic) {
            return;
        }
        let specific: Vec<(usize, usize)> = out
            .iter()
            .filter(|m| !self.rules[m.rule].generic)
            .map(|m| (m.start, m.end))
            .collect();
        let rules = &self.rules;
        let mut seen_generic: Vec<(usize, usize)> = Vec::new();
        out.retain(|m| {
            if !rules[m.rule].generic {
                return true;
            }
            if specific.iter().any(|&(s, e)| s < m.end && m.start < e) {
                return false;
            }
            // Two generic rules on the same span: report it once.
            if seen_generic.contains(&(m.start, m.end)) {
                return false;
            }
            seen_generic.push((m.start, m.end));
            true
        });
    }
}

fn compile(rule: &Rule) -> Result<Compiled, String> {
    let o = rule.origin();
    let regex = RegexBuilder::new(&rule.regex)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("{o}: regex does not compile: {}", one_line(&e.to_string())))?;
    let group = regex.capture_names().position(|n| n == Some("secret"));
    let allow = rule
        .allowlist
        .regexes
        .iter()
        .map(|r| {
            Regex::new(r).map_err(|e| {
                format!(
                    "{o}: allowlist regex {r:?} does not compile: {}",
                    one_line(&e.to_string())
                )
            })
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

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a matched secret survives the filters.
fn keep(rule: &Rule, c: &Compiled, secret: &[u8]) -> bool {
    if let Some(min) = rule.entropy
        && filters::entropy(secret) < min
    {
        return false;
    }
    if filters::looks_fake(secret) {
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

    #[test]
    fn prefilter_is_case_insensitive_and_selects_only_hit_rules() {
        let e = engine(TWO);
        assert_eq!(e.candidates(b"nothing here"), Vec::<usize>::new());
        assert_eq!(e.candidates(b"AK_ and Secret"), vec![0, 1]);
        assert_eq!(e.candidates(b"my secret"), vec![1]);
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
                    end: 18
                },
                Match {
                    rule: 1,
                    start: 30,
                    end: 38
                }
            ]
        );
    }

    #[test]
    fn placeholders_are_dropped() {
        let e = engine(TWO);
        assert!(e.scan(b"secret=xxxxxxxx").unwrap().is_empty());
        assert!(e.scan(b"secret=${TOKEN}").unwrap().is_empty());
    }
}
