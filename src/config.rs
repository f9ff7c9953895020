//! The configuration file, `caulk.toml` (or `.caulk.toml`): rules to turn off, rules to add (in
//! the `rules/*.toml` format, examples included), allowlists, a baseline, and scan defaults.
//!
//! Strict on purpose: an unknown key, an unknown rule id, a glob or regex that does not compile,
//! a custom rule whose examples fail — each is an error naming the file, never a setting quietly
//! ignored, because a typo in a scanner's configuration silently turns protection off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;

use crate::finding::Finding;
use caulk_engine::checks::Confidence;
use caulk_engine::rules::{Rule, Ruleset};

/// The names a configuration file is looked for under, in order.
pub const NAMES: [&str; 2] = ["caulk.toml", ".caulk.toml"];

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
pub struct ScanDefaults {
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

/// One allowlist, compiled: a finding is accepted when its path matches a glob, or its secret
/// matches a regex or contains a stopword.
#[derive(Debug)]
struct Allow {
    globs: Vec<String>,
    set: GlobSet,
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

impl Allow {
    fn compile(file: &str, at: &str, e: AllowEntry) -> Result<Allow> {
        let mut b = GlobSetBuilder::new();
        for g in &e.paths {
            b.add(glob(g).with_context(|| format!("{file}: {at}: path glob `{g}`"))?);
        }
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
            set: b
                .build()
                .with_context(|| format!("{file}: {at}: path globs"))?,
            globs: e.paths,
            regexes,
            stopwords: e.stopwords.iter().map(|w| w.to_ascii_lowercase()).collect(),
        })
    }

    /// Why this allowlist accepts `f`, if it does: "path `tests/**`".
    fn accepts(&self, f: &Finding) -> Option<String> {
        if let Some(&i) = self.set.matches(&f.repo_path).first() {
            return Some(format!("path `{}`", self.globs[i]));
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

/// A glob as `.gitignore` reads it: one without a `/` matches at any depth, a trailing `/` means
/// everything under that directory, `*` stays within one path component and `**` crosses them.
fn glob(pattern: &str) -> Result<Glob> {
    let mut p = pattern.trim().trim_start_matches("./").to_string();
    if p.is_empty() {
        bail!("is empty");
    }
    if let Some(dir) = p.strip_suffix('/') {
        p = format!("{dir}/**");
    }
    if let Some(rooted) = p.strip_prefix('/') {
        p = rooted.to_string();
    } else if !p.contains('/') {
        p = format!("**/{p}");
    }
    globset::GlobBuilder::new(&p)
        .literal_separator(true)
        .build()
        .map_err(|e| anyhow::anyhow!("{}", e.kind()))
}

/// A loaded configuration.
#[derive(Debug)]
pub struct Config {
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
    pub fn load(path: &Path) -> Result<Config> {
        let text =
            crate::fsx::read_regular_text(path, "configuration file", crate::fsx::INPUT_LIMIT)
                .map_err(|e| anyhow::anyhow!("{e} (`caulk init` writes a starter one)"))?;
        Config::parse(path, &text)
    }

    /// Parses a configuration file's text, `path` naming it.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
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
    pub fn ruleset(&self, builtin: Ruleset) -> Result<Ruleset> {
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
    pub fn allows(&self, f: &Finding) -> Option<String> {
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
pub fn discover(explicit: Option<&Path>, dirs: &[PathBuf]) -> Result<Option<Config>> {
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
pub const STARTER: &str = r#"# caulk configuration. caulk reads caulk.toml (or .caulk.toml) at the root of the repository or of
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

# Accepted everywhere: paths (globs as in .gitignore, relative to this file's directory),
# secret regexes, and stopwords (a secret containing one is accepted; case-insensitive).
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
        let m = |g: &str, p: &str| glob(g).unwrap().compile_matcher().is_match(p);
        assert!(m("*.md", "docs/a.md") && m("*.md", "a.md"));
        assert!(m("docs/*.md", "docs/a.md") && !m("docs/*.md", "docs/x/a.md"));
        assert!(m("tests/", "tests/x/y.py") && m("tests/**", "tests/y.py"));
        assert!(m("/a.py", "a.py") && !m("/a.py", "b/a.py"));
        assert!(!m("tests/**", "src/tests.py"));
        assert!(glob("a[").is_err() && glob(" ").is_err());
    }
}
