//! The configuration file, `caulk.toml` (or `.caulk.toml`): rules to turn off, rules to add (in
//! the `rules/*.toml` format, examples included), allowlists, a baseline, and scan defaults.
//!
//! Strict on purpose: an unknown key, an unknown rule id, a glob or regex that does not compile,
//! a custom rule whose examples fail — each is an error naming the file, never a setting quietly
//! ignored, because a typo in a scanner's configuration silently turns protection off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use serde::Deserialize;

use crate::finding::Finding;
use caulk_engine::checks::Confidence;
use caulk_engine::rules::{Rule, Ruleset};

/// The names a configuration file is looked for under, in order.
pub(crate) const NAMES: [&str; 2] = ["caulk.toml", ".caulk.toml"];

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    baseline: Option<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    scan: ScanDefaults,
    #[serde(default)]
    allowlist: AllowlistFile,
    #[serde(default)]
    rules: Vec<Rule>,
}

/// `[scan]`: defaults that command-line flags override.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScanDefaults {
    /// `--max-file-size`: bytes, or a string with a unit (`"10MiB"`); parsed into
    /// [`Config::max_file_size`].
    #[serde(default)]
    max_file_size: Option<Size>,
    /// `--min-confidence`.
    #[serde(default)]
    pub min_confidence: Option<Confidence>,
    /// `-j`.
    #[serde(default)]
    pub threads: Option<usize>,
    /// `--no-ignore` (scan only).
    #[serde(default)]
    pub no_ignore: Option<bool>,
    /// `--follow` (scan only).
    #[serde(default)]
    pub follow: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

/// `[allowlist]` and `[allowlist.rule.RULE-ID]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowlistFile {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    rule: BTreeMap<String, AllowEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowEntry {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
}

/// One allowlist, compiled: a finding is accepted when its path matches a path pattern, or its
/// secret matches a regex or contains a stopword.
#[derive(Debug)]
struct Allow {
    paths: PathPatterns,
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

impl Allow {
    fn compile(file: &str, at: &str, e: AllowEntry) -> Result<Allow> {
        let paths = PathPatterns::new(&e.paths).map_err(|err| err.explain(file, at))?;
        let regexes = e
            .regexes
            .iter()
            .map(|r| {
                Regex::new(r).map_err(|err| {
                    anyhow::anyhow!(
                        "{file}: {at}: regex `{r}` does not compile: {}",
                        caulk_engine::rules::one_line(&err.to_string())
                    )
                })
            })
            .collect::<Result<_>>()?;
        if let Some(w) = e.stopwords.iter().find(|w| w.trim().is_empty()) {
            bail!("{file}: {at}: stopword {w:?} is empty");
        }
        Ok(Allow {
            paths,
            regexes,
            stopwords: e.stopwords.iter().map(|w| w.to_ascii_lowercase()).collect(),
        })
    }

    /// Why this allowlist accepts `f`, if it does: "path `tests/**`".
    fn accepts(&self, f: &Finding) -> Option<String> {
        if let Some(p) = self.paths.matched(&f.repo_path) {
            return Some(format!("path `{p}`"));
        }
        if let Some(r) = self.regexes.iter().find(|r| r.is_match(&f.raw_secret)) {
            return Some(format!("regex `{}`", r.as_str()));
        }
        let lower = f.raw_secret.to_ascii_lowercase();
        self.stopwords
            .iter()
            .find(|w| lower.contains(w.as_str()))
            .map(|w| format!("stopword `{w}`"))
    }
}

/// An allowlist's `paths`, read as the lines of a `.gitignore` at the top of the repository
/// (`ignore::gitignore`, the matcher ripgrep uses): a pattern without a `/` but at its end
/// matches at any depth, a trailing `/` matches folders only, a leading `/` anchors, `*` stays
/// within a path component and `**` crosses them, and `!` re-includes what an earlier pattern
/// named. A path matches when it or one of its parent folders does, so `vendor` covers
/// everything below a `vendor` folder, as it does in git.
#[derive(Debug)]
struct PathPatterns {
    matcher: Gitignore,
    /// (the line given to the matcher, the pattern as written): a match names the latter.
    lines: Vec<(String, String)>,
}

/// A path pattern that does not compile: which one, and why.
#[derive(Debug)]
struct PatternError {
    pattern: String,
    /// The position among the allowlist's `paths`, from 1 (named when the pattern is hidden);
    /// 0 when the patterns compile one by one but not together.
    position: usize,
    of: usize,
    why: String,
}

impl PatternError {
    /// One line naming the file, the pattern (unless it looks like a secret someone pasted in
    /// the wrong place) and the fix.
    fn explain(self, file: &str, at: &str) -> anyhow::Error {
        let why = caulk_engine::rules::one_line(&self.why);
        let why = match looks_like_secret(&why) {
            true => String::new(),
            false => format!(": {why}"),
        };
        if self.position == 0 {
            return anyhow::anyhow!(
                "{file}: {at}: the path globs do not compile together{why} (use fewer or simpler ones)"
            );
        }
        // The glob's own hint, when it has one, is the more precise fix.
        let fix = match why.ends_with(')') {
            true => String::new(),
            false => " (write it as a .gitignore line; `\\` makes a special character such as `[` literal)"
                .to_string(),
        };
        match looks_like_secret(&self.pattern) {
            true => anyhow::anyhow!(
                "{file}: {at}: path glob {} of {} (value hidden){why}{fix}",
                self.position,
                self.of
            ),
            false => anyhow::anyhow!("{file}: {at}: path glob `{}`{why}{fix}", self.pattern),
        }
    }
}

impl PathPatterns {
    fn new(patterns: &[String]) -> Result<PathPatterns, PatternError> {
        let error = |i: usize, why: String| PatternError {
            pattern: patterns[i].clone(),
            position: i + 1,
            of: patterns.len(),
            why,
        };
        // Rooted at the repository's top: the paths matched are relative to it.
        let mut b = GitignoreBuilder::new(".");
        // `a[` is a typo to report, not a literal bracket to match quietly.
        b.allow_unclosed_class(false);
        let mut lines = Vec::with_capacity(patterns.len());
        for (i, written) in patterns.iter().enumerate() {
            let line = gitignore_line(written).map_err(|why| error(i, why))?;
            b.add_line(None, &line)
                .map_err(|e| error(i, glob_error(&e)))?;
            lines.push((line, written.clone()));
        }
        let matcher = b.build().map_err(|e| PatternError {
            pattern: String::new(),
            position: 0,
            of: patterns.len(),
            why: glob_error(&e),
        })?;
        Ok(PathPatterns { matcher, lines })
    }

    /// The pattern, as written, that accepts `repo_path` (a `/`-separated path relative to the
    /// repository's top): the last that matches it or its nearest matched parent, unless that
    /// one is a `!` negation.
    fn matched(&self, repo_path: &str) -> Option<&str> {
        let rel = repo_path.trim_start_matches('/');
        // The matcher asserts a relative path; anything else is never matched (and never panics).
        if rel.is_empty() || Path::new(rel).has_root() {
            return None;
        }
        match self.matcher.matched_path_or_any_parents(rel, false) {
            Match::Ignore(glob) => self
                .lines
                .iter()
                .find(|(line, _)| line == glob.original())
                .map(|(_, written)| written.as_str()),
            Match::None | Match::Whitelist(_) => None,
        }
    }
}

/// The `.gitignore` line for a pattern as written in `caulk.toml`. Kept from before gitignore
/// matching: surrounding spaces and a leading `./` are dropped, a leading `#` is a character
/// (not a comment), and a pattern with nothing left is an error rather than a line git skips.
fn gitignore_line(pattern: &str) -> Result<String, String> {
    let p = pattern.trim();
    let (bang, rest) = match p.strip_prefix('!') {
        Some(rest) => ("!", rest),
        None => ("", p),
    };
    let rest = rest.trim_start_matches("./");
    if rest.trim_matches('/').is_empty() {
        return Err("is empty".into());
    }
    let escape = if bang.is_empty() && rest.starts_with('#') {
        "\\"
    } else {
        ""
    };
    Ok(format!("{bang}{escape}{rest}"))
}

/// The glob's own complaint, without the pattern `ignore` quotes in front of it.
fn glob_error(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// Whether `s` holds a run of 16 or more letters and digits mixing both: a token, not a path
/// component a person names (those have separators, or are words).
fn looks_like_secret(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphanumeric()).any(|run| {
        run.len() >= 16
            && run.bytes().any(|b| b.is_ascii_digit())
            && run.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

/// A loaded configuration.
#[derive(Debug)]
pub(crate) struct Config {
    /// The file it came from.
    pub path: PathBuf,
    /// The baseline it names, resolved against the file's directory.
    pub baseline: Option<PathBuf>,
    /// Rule ids turned off.
    pub disable: Vec<String>,
    /// `[scan] max_file_size`, in bytes.
    pub max_file_size: Option<u64>,
    /// Scan defaults.
    pub scan: ScanDefaults,
    /// The custom rules, examples included.
    pub rules: Vec<Rule>,
    global: Allow,
    per_rule: Vec<(String, Allow)>,
}

impl Config {
    /// Reads and checks `path`. Rule ids named in `disable` and per-rule allowlists are checked
    /// later, against the rules (see [`Config::ruleset`]).
    pub(crate) fn load(path: &Path) -> Result<Config> {
        let text =
            crate::fsx::read_regular_text(path, "configuration file", crate::fsx::INPUT_LIMIT)
                .map_err(|e| anyhow::anyhow!("{e} (`caulk init` writes a starter one)"))?;
        Config::parse(path, &text)
    }

    /// Parses a configuration file's text, `path` naming it.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Config> {
        let name = path.display().to_string();
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| caulk_engine::rules::toml_error(&name, text, &e))?;
        let max_file_size = match &file.scan.max_file_size {
            Some(Size::Text(s)) => Some(
                crate::human::parse_size(s).map_err(|_| {
                    // The value is not echoed: it may be something pasted in the wrong place.
                    anyhow::anyhow!(
                        "{name}: scan.max_file_size: not a size (write a number of bytes, or one with K, M or G: \"10MiB\")"
                    )
                })?,
            ),
            Some(Size::Bytes(n)) => Some(*n),
            None => None,
        };
        let AllowlistFile {
            paths,
            regexes,
            stopwords,
            rule,
        } = file.allowlist;
        let global = Allow::compile(
            &name,
            "allowlist",
            AllowEntry {
                paths,
                regexes,
                stopwords,
            },
        )?;
        let per_rule = rule
            .into_iter()
            .map(|(id, e)| {
                let at = format!("allowlist.rule.{id}");
                Ok((id, Allow::compile(&name, &at, e)?))
            })
            .collect::<Result<_>>()?;
        let rules = file
            .rules
            .into_iter()
            .map(|mut r| {
                r.source = name.clone();
                r
            })
            .collect();
        let dir = path.parent().unwrap_or(Path::new("."));
        Ok(Config {
            baseline: file.baseline.map(|b| dir.join(b)),
            disable: file.disable,
            max_file_size,
            scan: file.scan,
            rules,
            global,
            per_rule,
            path: path.to_path_buf(),
        })
    }

    /// The built-in rules plus this file's, minus those it disables. The custom rules' examples
    /// run first: a rule that misses its own example would miss real secrets silently.
    pub(crate) fn ruleset(&self, builtin: Ruleset) -> Result<Ruleset> {
        let name = self.path.display();
        let custom = Ruleset::from_parsed(self.rules.clone(), true)?;
        let failures = custom.check();
        if let Some(first) = failures.first() {
            bail!(
                "{first}{} (fix the rule, then check it with `caulk rules --check --config {name}`)",
                match failures.len() {
                    1 => String::new(),
                    n => format!("; and {} more failures", n - 1),
                }
            );
        }
        let mut rules = builtin.rules;
        rules.extend(custom.rules);
        let set = Ruleset::from_parsed(rules, false)?;
        let known = |id: &str| set.rules.iter().any(|r| r.id == id);
        for id in &self.disable {
            if !known(id) {
                bail!("{name}: disable: no rule has the id `{id}` (list them with `caulk rules`)");
            }
        }
        for (id, _) in &self.per_rule {
            if !known(id) {
                bail!(
                    "{name}: allowlist.rule.{id}: no rule has the id `{id}` (list them with `caulk rules`)"
                );
            }
        }
        let mut set = set;
        set.rules.retain(|r| !self.disable.contains(&r.id));
        if set.rules.is_empty() {
            bail!("{name}: disable leaves no rule to run");
        }
        Ok(set)
    }

    /// Why the configuration's allowlists accept `f`, if they do: "allowlist: path `tests/**`".
    /// The examples of the file's own rules, in a file of that name, are accepted too (they are
    /// there to be found).
    pub(crate) fn allows(&self, f: &Finding) -> Option<String> {
        let name = self.path.file_name().map(|n| n.to_string_lossy());
        let base = f.repo_path.rsplit('/').next().unwrap_or(&f.repo_path);
        if (NAMES.contains(&base) || name.as_deref() == Some(base))
            && self.rules.iter().any(|r| r.mentions(&f.raw_secret))
        {
            return Some(format!("allowlist: an example of a rule in {base}"));
        }
        if let Some(why) = self.global.accepts(f) {
            return Some(format!("allowlist: {why}"));
        }
        self.per_rule
            .iter()
            .filter(|(id, _)| *id == f.rule_id)
            .find_map(|(id, a)| {
                a.accepts(f)
                    .map(|why| format!("allowlist.rule.{id}: {why}"))
            })
    }
}

/// Finds the configuration to use: `explicit` when given (it must exist), else the first of
/// `caulk.toml`, `.caulk.toml` in the first of `dirs` that holds one. Two files in one directory
/// are an error: which one applies must never be a guess.
pub(crate) fn discover(explicit: Option<&Path>, dirs: &[PathBuf]) -> Result<Option<Config>> {
    if let Some(p) = explicit {
        return Config::load(p).map(Some);
    }
    for dir in dirs {
        let found: Vec<PathBuf> = NAMES
            .iter()
            .map(|n| dir.join(n))
            // Anything by that name is read, or refused by name: a FIFO or a folder called
            // caulk.toml is an error, never a configuration silently skipped.
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        match found.as_slice() {
            [] => continue,
            [one] => return Config::load(&clean(one)).map(Some),
            [a, b, ..] => bail!(
                "{} and {} both exist; keep one (or pass --config FILE)",
                a.display(),
                b.display()
            ),
        }
    }
    Ok(None)
}

/// `./caulk.toml` or `/abs/cwd/caulk.toml` → `caulk.toml`, for messages.
fn clean(p: &Path) -> PathBuf {
    let p = p.strip_prefix(".").unwrap_or(p);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok())
        .unwrap_or(p)
        .to_path_buf()
}

/// The starter file `caulk init` writes: every setting, commented, and valid as it stands.
pub(crate) const STARTER: &str = r#"# caulk configuration. caulk reads caulk.toml (or .caulk.toml) at the root of the repository or of
# the scanned directory, or the file given with --config. An unknown key is an error, so a typo
# never switches protection off silently. Flags on the command line override [scan].

# Findings accepted on purpose, by fingerprint: write it with `caulk scan --write-baseline FILE`.
# baseline = ".caulk-baseline.json"

# Rules to turn off, by id (`caulk rules` lists them).
disable = []

[scan]
# max_file_size = "256MiB"  # larger files are skipped and named (0: no limit)
# min_confidence = "low"    # low, medium or high
# threads = 0               # 0: one per core

# Accepted everywhere: paths (lines as in a .gitignore at the repository's top; `!` takes one
# back), secret regexes, and stopwords (a secret containing one is accepted; case-insensitive).
[allowlist]
paths = []
regexes = []
stopwords = []

# Accepted for one rule only:
# [allowlist.rule.generic-password-assignment]
# paths = ["docs/**"]
# stopwords = ["changeme"]

# Your own rules, in the format of caulk's rules/*.toml; `caulk rules --check` runs their
# examples, and a scan refuses to start when one fails.
# [[rules]]
# id = "acme-service-token"
# description = "ACME internal service token"
# keywords = ["acme_"]
# regex = '''\bacme_[a-z0-9]{32}\b'''
# remediation = "Revoke it at https://tokens.acme.internal and read it from the environment."
# examples = [{ text = "token = acme_zcdn64xvktorfrzfylikm9m7hu1uc29m", secret = "acme_zcdn64xvktorfrzfylikm9m7hu1uc29m" }]
# negative_examples = ["acme_short"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(Path::new("caulk.toml"), text)
    }

    #[test]
    fn starter_parses() {
        let c = parse(STARTER).unwrap();
        assert!(c.rules.is_empty() && c.disable.is_empty() && c.baseline.is_none());
        c.ruleset(Ruleset::builtin().unwrap()).unwrap();
        // A commented setting is `# key = …` or `# [table]`; other comments are prose.
        let setting = |l: &str| {
            l.starts_with('[')
                || l.split_once(" = ")
                    .is_some_and(|(k, _)| k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        };
        let uncommented: String = STARTER
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if setting(rest) => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c = parse(&uncommented)
            .unwrap_or_else(|e| panic!("the commented settings parse too: {e}\n{uncommented}"));
        assert_eq!(c.rules.len(), 1);
        assert_eq!(c.max_file_size, Some(256 << 20));
        c.ruleset(Ruleset::builtin().unwrap()).unwrap();
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, want) in [
            ("[scan]\nmax_filesize = 3\n", "unknown field `max_filesize`"),
            ("disabled = []\n", "unknown field `disabled`"),
            ("[allowlist]\npath = []\n", "unknown field `path`"),
            (
                "[allowlist.rule.jwt]\nglobs = []\n",
                "unknown field `globs`",
            ),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with("caulk.toml: line "), "{e}");
            assert!(e.contains(want), "{e} should name {want}");
        }
    }

    #[test]
    fn unknown_rule_ids_are_named() {
        let b = || Ruleset::builtin().unwrap();
        let e = parse("disable = [\"open-ai\"]\n")
            .unwrap()
            .ruleset(b())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("disable: no rule has the id `open-ai`")
        );
        let e = parse("[allowlist.rule.jwtt]\npaths = [\"x\"]\n")
            .unwrap()
            .ruleset(b())
            .unwrap_err();
        assert!(e.to_string().contains("allowlist.rule.jwtt: no rule"));
    }

    #[test]
    fn globs_read_as_gitignore() {
        let glob = |g: &str| PathPatterns::new(&[g.to_string()]);
        let m = |g: &str, p: &str| glob(g).unwrap().matched(p).is_some();
        assert!(m("*.md", "docs/a.md") && m("*.md", "a.md"));
        assert!(m("docs/*.md", "docs/a.md") && !m("docs/*.md", "docs/x/a.md"));
        assert!(m("tests/", "tests/x/y.py") && m("tests/**", "tests/y.py"));
        assert!(m("/a.py", "a.py") && !m("/a.py", "b/a.py"));
        assert!(!m("tests/**", "src/tests.py"));
        assert!(glob("a[").is_err() && glob(" ").is_err());
    }

    #[test]
    fn path_patterns_negate_and_name_the_pattern_as_written() {
        let p = |pats: &[&str]| {
            PathPatterns::new(&pats.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
        };
        let nb = p(&["notebooks/", "!notebooks/prod/"]);
        assert_eq!(nb.matched("notebooks/exp/a.ipynb"), Some("notebooks/"));
        assert_eq!(nb.matched("notebooks/prod/a.ipynb"), None);
        assert_eq!(nb.matched("notebooks/prod/deep/a.ipynb"), None);
        // the pattern naming the path nearest the file decides; at one level, the last one
        let near = p(&["!docs/keep.md", "docs/", "*.md", "!docs/*.md", "docs/b.md"]);
        assert_eq!(near.matched("docs/keep.md"), None);
        assert_eq!(near.matched("docs/a.md"), None);
        assert_eq!(near.matched("docs/b.md"), Some("docs/b.md"));
        assert_eq!(near.matched("docs/a.txt"), Some("docs/"));
        // the README's cases
        assert!(p(&["*.py", "!prod/"]).matched("prod/a.py").is_some());
        assert!(p(&["*.py", "!prod/**"]).matched("prod/a.py").is_none());
        let docs = p(&["docs/", "!docs/keys.md"]);
        assert!(docs.matched("docs/keys.md").is_none() && docs.matched("docs/a.md").is_some());
        assert!(p(&["\\!x"]).matched("a/!x").is_some() && p(&["\\[a"]).matched("[a").is_some());
        let deploy = p(&["docs/**/*.md", "!docs/deploy/**"]);
        assert!(deploy.matched("docs/deploy/x/a.md").is_none());
        assert!(deploy.matched("docs/x/a.md").is_some());
        // a folder pattern matches at any depth; a file of that name is not a folder
        let build = p(&["build/"]);
        assert!(build.matched("build/x.py").is_some() && build.matched("a/build/x.py").is_some());
        assert!(build.matched("build").is_none());
        // a name without `/` covers a folder of that name too; a leading `/` anchors
        assert_eq!(p(&["vendor"]).matched("lib/vendor/k.js"), Some("vendor"));
        let top = p(&["/vendor/"]);
        assert!(top.matched("vendor/k.js").is_some() && top.matched("lib/vendor/k.js").is_none());
        // kept from before: `./` and spaces dropped, `#` a character, the pattern shown as written
        assert_eq!(
            p(&[" ./docs/*.md "]).matched("docs/a.md"),
            Some(" ./docs/*.md ")
        );
        assert!(p(&["#notes.md"]).matched("x/#notes.md").is_some());
        // `!` names no pattern of its own: it only takes back what came before
        assert_eq!(p(&["!a.py"]).matched("a.py"), None);
        assert!(p(&["*.py"]).matched("/abs/a.py").is_some() && p(&["*"]).matched("").is_none());
        for empty in ["", "!", "/", "./", "!/"] {
            assert!(
                PathPatterns::new(&[empty.to_string()]).is_err(),
                "{empty:?}"
            );
        }
    }

    #[test]
    fn a_bad_path_pattern_is_one_line_that_hides_a_secret() {
        let e = parse("[allowlist]\npaths = [\"docs/\", \"a[\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "caulk.toml: allowlist: path glob `a[`: unclosed character class; missing ']' \
             (write it as a .gitignore line; `\\` makes a special character such as `[` literal)"
        );
        let key = "hf_[Xq1Rvz2Lm9Tt4Kp7Wn3Bs8Dc6Fg0Hj";
        let e = parse(&format!(
            "[allowlist.rule.jwt]\npaths = [\"x\", \"{key}\"]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(!e.contains("Xq1Rvz"), "{e}");
        assert!(
            e.starts_with(
                "caulk.toml: allowlist.rule.jwt: path glob 2 of 2 (value hidden): unclosed character"
            ),
            "{e}"
        );
        assert!(!looks_like_secret("notebooks/tutorials/2024-05/*.ipynb"));
    }
}
