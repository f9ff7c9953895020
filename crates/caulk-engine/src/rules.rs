//! Rules as data: the schema of `rules/*.toml`, the built-in pack embedded at build time, and the
//! checks a rule must pass before it may run.
//!
//! Loading is cheap on purpose (TOML parse and structural checks only): a rule's regex is compiled
//! by the engine the first time one of its keywords hits, so start-up stays in milliseconds with
//! hundreds of rules. [`Ruleset::check`] compiles every regex and runs every example; the test
//! suite and `caulk rules --check` call it.

use std::collections::HashSet;
use std::fmt;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::checks::{Check, Confidence};

/// The built-in rule files as written, embedded at build time: (file name, contents). The test
/// suite and `caulk rules --check` read the examples from here. `build.rs` lists `rules/*.toml`,
/// so a new rule file needs no edit here.
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rules: Vec<Rule>,
}

/// One detection rule, exactly as written in a `rules/*.toml` file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable kebab-case identifier, used by `--rule`, `--skip-rule`, fingerprints and reports.
    pub id: String,
    /// One line saying what the rule finds.
    pub description: String,
    /// Literals for the prefilter, matched ASCII case-insensitively; the regex runs only on text
    /// that contains at least one of them. A keyword the secret starts with is shown unmasked.
    pub keywords: Vec<String>,
    /// Rust `regex` syntax; the secret is the capture group named `secret`, or the whole match.
    pub regex: String,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entropy: Option<f64>,
    /// The match may span lines (a PEM block): the regex runs over the whole text instead of
    /// only the lines that hold a keyword.
    #[serde(default)]
    pub multiline: bool,
    /// A generic (context-only) rule yields to a provider rule that finds the same secret.
    #[serde(default)]
    pub generic: bool,
    /// Confidence of a match when no structure check applies (default: `medium`, `low` for
    /// generic rules). Set `high` when the regex itself verifies a structure (OpenAI's marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// A structure check of the secret: passing makes a match `high`, failing `low`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<Check>,
    /// A regex over the input's path (`/`-separated): the rule runs only on inputs whose path
    /// matches, over their whole text, without a keyword prefilter (a sensitive file is judged by
    /// its name and its content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Report only the first match of this rule in an input (one finding per sensitive file).
    #[serde(default)]
    pub first_only: bool,
    /// A secret the match starts with is a token and must stand on its own: the byte before it
    /// is no letter, digit, `_` or `-`, nor one of these bytes, unless it ends an escape
    /// sequence ([`crate::boundary`]). `.` for a JWT, so the middle of a longer dotted token is
    /// no match. Rules write no left guard of their own.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub not_after: String,
    /// The rule matches names that end with a keyword (`hf_token =`, not `tokenizer`): a keyword
    /// counts only where no letter or digit follows it, so the lines of `tokenizer(…)` and
    /// `tokens` in ML code never run the rule's regex. The regex must agree: each keyword has to
    /// end the name for it to match.
    #[serde(default)]
    pub keyword_ends_name: bool,
    /// Values that mark a match as a placeholder rather than a secret.
    #[serde(default)]
    pub allowlist: Allowlist,
    /// What to do now: where to revoke or rotate, what to use instead.
    pub remediation: String,
    /// Texts the rule must find, each with the exact secret it must report.
    #[serde(default, skip_serializing)]
    pub examples: Vec<Example>,
    /// Texts the rule must not fire on.
    #[serde(default, skip_serializing)]
    pub negative_examples: Vec<Negative>,
    /// The file the rule came from, for error messages.
    #[serde(skip_deserializing, skip_serializing)]
    pub source: String,
}

/// Placeholder markers of one rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// A secret matching any of these regexes is dropped.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// A secret containing any of these words (ASCII case-insensitive) is dropped.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

/// A positive example: `text` must yield exactly one finding of this rule, with `secret`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The text to scan.
    pub text: String,
    /// The secret the rule must report for it.
    pub secret: String,
    /// The confidence the finding must have, when given.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// The path the text is scanned as (for rules with `path`).
    #[serde(default)]
    pub path: Option<String>,
}

/// A negative example: a text, or a text with the path it is scanned as.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Negative {
    /// A text, scanned with no path.
    Text(String),
    /// A text scanned as if it were the file at `path`.
    File {
        /// The text.
        text: String,
        /// The path.
        path: String,
    },
}

impl Negative {
    pub(crate) fn parts(&self) -> (&str, Option<&str>) {
        match self {
            Negative::Text(t) => (t, None),
            Negative::File { text, path } => (text, Some(path)),
        }
    }
}

impl Rule {
    /// The confidence of a match that no structure check judged.
    pub fn base_confidence(&self) -> Confidence {
        self.confidence.unwrap_or(if self.generic {
            Confidence::Low
        } else {
            Confidence::Medium
        })
    }

    /// Whether `secret` stands in one of the rule's examples (positive or negative).
    pub fn mentions(&self, secret: &str) -> bool {
        self.examples.iter().any(|e| e.text.contains(secret))
            || self
                .negative_examples
                .iter()
                .any(|n| n.parts().0.contains(secret))
    }

    /// "rules/openai.toml: openai-project-key", the prefix of every message about this rule.
    pub fn origin(&self) -> RuleOrigin<'_> {
        RuleOrigin(self)
    }
}

/// Display helper naming a rule's file and id.
pub struct RuleOrigin<'a>(&'a Rule);

impl fmt::Display for RuleOrigin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.source, self.0.id)
    }
}

/// A validated list of rules.
#[derive(Debug, Clone)]
pub struct Ruleset {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
}

/// The built-in rules without their examples, as JSON that `build.rs` made from `rules/*.toml`.
const BUILTIN_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/rules.json"));

#[derive(Deserialize)]
struct JsonFile {
    file: String,
    rules: Vec<Rule>,
}

impl Ruleset {
    /// The rules built into the binary, as a scan needs them (no examples): loads in a fraction
    /// of the time parsing the TOML would take.
    pub fn builtin() -> Result<Ruleset> {
        let files: Vec<JsonFile> = serde_json::from_str(BUILTIN_JSON).context("built-in rules")?;
        let rules = files
            .into_iter()
            .flat_map(|f| {
                let file = f.file;
                f.rules.into_iter().map(move |mut r| {
                    r.source = file.clone();
                    r
                })
            })
            .collect();
        let set = Ruleset { rules };
        set.validate(false)?;
        Ok(set)
    }

    /// The built-in rules with their examples, parsed from the TOML as written.
    pub fn builtin_with_examples() -> Result<Ruleset> {
        Ruleset::from_sources(BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())))
    }

    /// Parses and validates rule files given as (name, contents).
    pub fn from_sources(files: impl IntoIterator<Item = (String, String)>) -> Result<Ruleset> {
        let mut rules = Vec::new();
        for (name, text) in files {
            let file: RuleFile = toml::from_str(&text).map_err(|e| toml_error(&name, &text, &e))?;
            for mut rule in file.rules {
                rule.source = name.clone();
                rules.push(rule);
            }
        }
        Ruleset::from_parsed(rules, true)
    }

    /// Validates rules already parsed (their `source` set); `examples`: every rule must have
    /// positive and negative examples.
    pub fn from_parsed(rules: Vec<Rule>, examples: bool) -> Result<Ruleset> {
        let set = Ruleset { rules };
        set.validate(examples)?;
        Ok(set)
    }

    /// Structural checks that need no regex compilation; `examples`: every rule must have some.
    fn validate(&self, examples: bool) -> Result<()> {
        let mut seen = HashSet::new();
        for r in &self.rules {
            let o = r.origin();
            if !is_kebab(&r.id) {
                bail!("{o}: id must be kebab-case (lowercase letters, digits and single hyphens)");
            }
            if !seen.insert(r.id.as_str()) {
                bail!("{o}: duplicate rule id");
            }
            if r.description.trim().is_empty() {
                bail!("{o}: description is empty");
            }
            if r.remediation.trim().is_empty() {
                bail!("{o}: remediation is empty");
            }
            if (r.keywords.is_empty() && r.path.is_none())
                || r.keywords.iter().any(|k| k.trim().is_empty())
            {
                bail!("{o}: keywords must list at least one non-empty literal");
            }
            if examples && r.examples.is_empty() {
                bail!("{o}: rule has no examples; add at least one to `examples`");
            }
            if examples && r.negative_examples.is_empty() {
                bail!(
                    "{o}: rule has no negative examples; add at least one to `negative_examples`"
                );
            }
            if let Some(e) = r.entropy
                && !(0.0..=8.0).contains(&e)
            {
                bail!("{o}: entropy must lie between 0 and 8 bits, not {e}");
            }
        }
        Ok(())
    }

    /// Keeps only the rules named by `only` (when not empty) minus those named by `skip`.
    /// An id that names no rule is an error: a typo must not silently change what is scanned.
    pub fn select(mut self, only: &[String], skip: &[String]) -> Result<Ruleset> {
        for id in only.iter().chain(skip) {
            if !self.rules.iter().any(|r| &r.id == id) {
                bail!("no rule has the id `{id}` (list them with `caulk rules`)");
            }
        }
        self.rules
            .retain(|r| (only.is_empty() || only.contains(&r.id)) && !skip.contains(&r.id));
        if self.rules.is_empty() {
            bail!("--rule/--skip-rule left no rule to run");
        }
        Ok(self)
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Folds multi-line text (a parser message, a remediation) into one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A TOML parse error as one line naming the file and line: `caulk.toml: line 3: unknown field …`.
pub fn toml_error(name: &str, text: &str, e: &toml::de::Error) -> anyhow::Error {
    let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    let msg = hide_values(e.message());
    anyhow::anyhow!("{name}: {at}{}", one_line(&msg))
}

/// A parser's message with the values it quotes hidden: a type error in a configuration file
/// must not print the offending value, which may be the secret someone pasted in the wrong
/// place. `invalid type: string "hf_…", expected a boolean` → `invalid type: string (value
/// hidden), expected a boolean`; ``unknown variant `x` `` likewise. Field names stay.
pub fn hide_values(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    loop {
        let quote = rest.find('"');
        let variant = rest.find("variant `");
        match (quote, variant) {
            (Some(q), v) if v.is_none_or(|v| q < v) => {
                out.push_str(&rest[..q]);
                match rest[q + 1..].find('"') {
                    Some(end) => {
                        out.push_str("(value hidden)");
                        rest = &rest[q + 1 + end + 1..];
                    }
                    None => {
                        out.push_str("(value hidden)");
                        return out;
                    }
                }
            }
            (_, Some(v)) => {
                let open = v + "variant `".len();
                out.push_str(&rest[..v]);
                out.push_str("variant (value hidden)");
                rest = match rest[open..].find('`') {
                    Some(end) => &rest[open + end + 1..],
                    None => "",
                };
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Ruleset> {
        Ruleset::from_sources([("rules/t.toml".to_string(), text.to_string())])
    }

    const OK: &str = r#"
[[rules]]
id = "t-key"
description = "Test key"
keywords = ["tk_"]
regex = '''tk_[a-z]{8}'''
remediation = "Rotate it."
examples = [{ text = "x = tk_qmzvbwlx", secret = "tk_qmzvbwlx" }]
negative_examples = ["tk_short"]
"#;

    #[test]
    fn builtin_rules_load() {
        let set = Ruleset::builtin().unwrap();
        assert!(set.rules.len() >= 60, "only {} rules", set.rules.len());
        let full = Ruleset::builtin_with_examples().unwrap();
        let ids = |s: &Ruleset| {
            s.rules
                .iter()
                .map(|r| (r.id.clone(), r.regex.clone(), r.source.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&set),
            ids(&full),
            "the JSON build of the rules matches the TOML"
        );
    }

    #[test]
    fn minimal_rule_loads_and_checks() {
        let set = load(OK).unwrap();
        assert_eq!(set.check(), Vec::<String>::new());
    }

    #[test]
    fn invalid_rules_are_named() {
        let cases: &[(&str, &str)] = &[
            ("id = \"t-key\"", "id = \"T_Key\""),
            (
                "examples = [{ text = \"x = tk_qmzvbwlx\", secret = \"tk_qmzvbwlx\" }]",
                "",
            ),
            ("negative_examples = [\"tk_short\"]", ""),
            ("keywords = [\"tk_\"]", "keywords = []"),
            (
                "remediation = \"Rotate it.\"",
                "remediation = \"Rotate it.\"\ncolour = 1",
            ),
            ("description = \"Test key\"", "description = \"  \""),
        ];
        let expect = [
            "rules/t.toml: T_Key: id must be kebab-case",
            "rules/t.toml: t-key: rule has no examples",
            "rules/t.toml: t-key: rule has no negative examples",
            "rules/t.toml: t-key: keywords must list",
            "rules/t.toml: line 8: unknown field `colour`",
            "rules/t.toml: t-key: description is empty",
        ];
        for ((from, to), want) in cases.iter().zip(expect) {
            let err = load(&OK.replace(from, to)).unwrap_err().to_string();
            assert!(err.starts_with(want), "{err:?} should start with {want:?}");
        }
        let dup = format!("{OK}\n{OK}");
        assert_eq!(
            load(&dup).unwrap_err().to_string(),
            "rules/t.toml: t-key: duplicate rule id"
        );
    }

    #[test]
    fn bad_regex_is_named_by_check() {
        let set = load(&OK.replace("tk_[a-z]{8}", "tk_[a-z")).unwrap();
        let failures = set.check();
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].starts_with("rules/t.toml: t-key: regex does not compile"),
            "{failures:?}"
        );
    }

    #[test]
    fn check_reports_wrong_example_and_firing_negative() {
        let set = load(
            &OK.replace("secret = \"tk_qmzvbwlx\"", "secret = \"tk_qmzvbwlX\"")
                .replace("[\"tk_short\"]", "[\"tk_qwertyui\"]"),
        )
        .unwrap();
        let failures = set.check();
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].contains("should yield exactly"));
        assert!(failures[1].contains("negative example \"tk_qwertyui\" fired"));
    }

    #[test]
    fn select_rejects_unknown_ids() {
        let set = load(OK).unwrap();
        assert!(set.clone().select(&["nope".into()], &[]).is_err());
        assert!(set.clone().select(&[], &["t-key".into()]).is_err());
        assert_eq!(set.select(&["t-key".into()], &[]).unwrap().rules.len(), 1);
    }
}
