//! The command line (clap derive). Doc comments are the help text. Nothing past
//! [`crate::app`] sees a clap type: `app` turns these into engine and scan options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `caulk --version`: the crate version and the rule pack built in.
pub static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{} (rule pack: {})",
        env!("CARGO_PKG_VERSION"),
        caulk_engine::RULE_PACK
    )
});

/// caulk seals credential leaks before they land: it scans files, notebooks and git changes for
/// API keys, tokens and private keys, and prints them redacted.
#[derive(Debug, Parser)]
#[command(name = "caulk", version = VERSION.as_str(), about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories for secrets (exit 0: none, 1: found, 2: error).
    Scan(ScanArgs),
    /// List the built-in rules, or check them with `--check`.
    Rules(RulesArgs),
    /// Scan what is staged for commit: only the lines the commit adds (for a pre-commit hook).
    Staged(StagedArgs),
    /// Scan git history: HEAD, `--all` refs, or a range such as `origin/main..HEAD` (for CI).
    History(HistoryArgs),
    /// Scan the commits a `git push` sends (for a pre-push hook: `exec caulk pre-push "$@"`).
    PrePush(PrePushArgs),
    /// Strip outputs, execution counts and churning metadata from notebooks.
    Strip(StripArgs),
    /// Install a git pre-commit hook that runs `caulk staged`.
    InstallHook(InstallHookArgs),
    /// Remove the pre-commit hook caulk installed (and restore a chained one).
    UninstallHook,
    /// Write a commented starter configuration file (caulk.toml).
    Init(InitArgs),
    /// Explain a rule: what it finds, what its tokens look like, how to revoke and rotate.
    Explain(ExplainArgs),
    /// Print a shell completion script: `caulk completions bash > /etc/bash_completion.d/caulk`.
    Completions(CompletionsArgs),
    /// Print caulk's man page (roff): `caulk man | man -l -`.
    Man,
    /// Accept a finding after triage: append its fingerprint, with a reason, to `.caulkignore`.
    Ignore(IgnoreArgs),
    /// Check the repository's set-up: secret files ignored, the hook installed in this clone,
    /// notebook outputs stripped, a CI job that scans (exit 1 when something is missing).
    Doctor(DoctorArgs),
}

/// `caulk doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Apply the safe fixes first: the missing `.gitignore` lines, and caulk's pre-commit hook
    /// when no hook runs caulk.
    #[arg(long)]
    pub fix: bool,
}

/// `caulk ignore`.
#[derive(Debug, Args)]
pub struct IgnoreArgs {
    /// The finding's fingerprint: the 12 hex digits of the text report's `accept` line, or the
    /// whole `fingerprint` of the JSON report.
    pub fingerprint: String,
    /// Why the finding is accepted (a revoked fixture, a documented example): written beside it
    /// for the next reviewer.
    #[arg(long, required = true)]
    pub reason: String,
    /// The file to append to (default: `.caulkignore` at the top of the git work tree, or in the
    /// current directory outside one).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// `caulk completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `caulk explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's id (`caulk rules` lists them).
    pub id: String,
    /// Read the configuration from FILE (to explain its custom rules).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `caulk init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it.
    #[arg(default_value = "caulk.toml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable, colour on a terminal.
    Text,
    /// One JSON object with `findings`, `summary` and `errors`.
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards (GitHub's upload-sarif).
    Sarif,
    /// GitHub Actions workflow commands: one `::error` annotation per finding.
    Github,
    /// JUnit XML: one failing test case per finding (GitLab test reports, CI dashboards).
    Junit,
    /// A Markdown table (rule, place, commit, redacted secret, fix): a CI job summary.
    Markdown,
    /// One self-contained HTML page (no network): findings by file and commit, filters by rule
    /// and confidence, for a reviewer or a CI artifact.
    Html,
}

/// Flags every scanning command shares: rules, threads, limits and the report.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE, from the same scan (repeatable):
    /// `--report sarif=caulk.sarif --report markdown=summary.md`.
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub report: Vec<ReportTarget>,
    /// Print secrets in full (never do this where logs are kept).
    #[arg(long)]
    pub show_secrets: bool,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long = "skip-rule", value_name = "ID")]
    pub skip_rules: Vec<String>,
    /// Threads to scan with (0: one per core). [default: 0]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Never colour the output: the same as `--color never`.
    #[arg(long)]
    pub no_color: bool,
    /// Print nothing but errors; the exit code tells the result.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip files larger than this (bytes, or with K, M, G, KiB, MiB, GiB), naming each on stderr;
    /// 0 means no limit. [default: 256MiB]
    #[arg(long, value_name = "SIZE", value_parser = crate::human::parse_size)]
    pub max_file_size: Option<u64>,
    /// Report only findings at least this sure: low (all), medium, or high (verified checksum
    /// or structure). [default: low]
    #[arg(long, value_name = "LEVEL")]
    pub min_confidence: Option<caulk_engine::checks::Confidence>,
    /// Read the configuration from FILE instead of looking for caulk.toml or .caulk.toml at the
    /// repository root or the scanned directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use no configuration file (built-in rules, no allowlists, no configured baseline).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Accept the findings recorded in FILE (written by --write-baseline); overrides the
    /// configuration's `baseline`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE as a baseline (fingerprints, no secrets) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "prune_baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Remove the baseline's entries that the scan no longer finds (a scan of the repository or
    /// of its full history).
    #[arg(long)]
    pub prune_baseline: bool,
    /// Ignore `caulk:allow` (and `gitleaks:allow`, `pragma: allowlist secret`) pragmas: for audits.
    #[arg(long)]
    pub no_inline_allow: bool,
    /// List suppressed findings, with the reason, in the JSON report (`suppressed`).
    #[arg(long)]
    pub show_suppressed: bool,
    /// Colour the text report on standard output: auto (on a terminal, unless NO_COLOR is set or
    /// CLICOLOR=0; FORCE_COLOR or CLICOLOR_FORCE colour a pipe), always, or never. The flag beats
    /// the environment. [default: auto]
    #[arg(long, value_name = "WHEN", value_enum, conflicts_with = "no_color")]
    pub color: Option<ColorWhen>,
}

/// `caulk scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan; `-` reads standard input. [default: .]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
    /// Also scan files that .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links.
    #[arg(short = 'L', long)]
    pub follow: bool,
    /// After reporting, strip the outputs of notebooks whose findings all lie in outputs.
    #[arg(long)]
    pub strip_outputs: bool,
}

/// `caulk staged`.
#[derive(Debug, Args)]
pub struct StagedArgs {
    /// Check only these files (the pre-commit framework passes them): one with staged changes by
    /// the lines the commit adds, one with nothing staged whole, as `caulk scan FILE` reads it.
    /// [default: everything staged]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `caulk history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A revision range such as `origin/main..HEAD` (a pull request), or one revision. [default: HEAD]
    pub range: Option<String>,
    /// Scan the commits reachable from every ref (branches, tags, remotes), not only HEAD, and
    /// the files of refs that name a tree or a blob (shown as `refs/tags/t:dir/file`, `refs/tags/t`).
    #[arg(long, conflicts_with = "range")]
    pub all: bool,
    /// Scan only the commits after this one.
    #[arg(long, value_name = "SHA")]
    pub since_commit: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `caulk pre-push`: git's pre-push hook arguments; the refs pushed come on standard input
/// (`<local ref> <local sha> <remote ref> <remote sha>` lines). With no input, it scans what the
/// pre-commit framework names (`PRE_COMMIT_FROM_REF`..`PRE_COMMIT_TO_REF`), else the commits of
/// HEAD that no remote-tracking ref has.
#[derive(Debug, Args)]
pub struct PrePushArgs {
    /// The remote's name (what it already has is in its remote-tracking refs).
    pub remote: Option<String>,
    /// The remote's URL (unused; git passes it).
    pub url: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// `caulk install-hook`.
#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// Replace a pre-commit hook that caulk did not write.
    #[arg(long, conflicts_with = "chain")]
    pub force: bool,
    /// Keep an existing pre-commit hook, running it before caulk.
    #[arg(long)]
    pub chain: bool,
}

/// `caulk strip`.
#[derive(Debug, Args)]
pub struct StripArgs {
    /// Notebooks, or directories to search for `*.ipynb`; none, or `-`: the notebook on
    /// standard input, stripped to standard output (the git filter's way).
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the notebooks that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// More keys to remove, space-separated, as nbstripout spells them:
    /// `metadata.colab cell.metadata.id`.
    #[arg(long, value_name = "KEYS")]
    pub extra_keys: Vec<String>,
    /// Keep outputs (as nbstripout; unset, the notebook's and each cell's `keep_output` decide).
    #[arg(long)]
    pub keep_output: bool,
    /// Keep execution counts.
    #[arg(long)]
    pub keep_count: bool,
    /// Remove cells whose source is empty or only whitespace.
    #[arg(long)]
    pub drop_empty_cells: bool,
    /// Print each stripped notebook to standard output, leaving the file alone (git's textconv).
    #[arg(short = 't', long, conflicts_with = "check")]
    pub textconv: bool,
    /// Set up caulk as the repository's git filter for `*.ipynb`: outputs stay in the working
    /// copy and never reach the index (as `nbstripout --install`).
    #[arg(long, conflicts_with_all = ["uninstall", "status", "check", "textconv", "paths"])]
    pub install: bool,
    /// Remove the git filter and its attribute lines.
    #[arg(long, conflicts_with_all = ["status", "check", "textconv", "paths", "keep_output", "keep_count", "drop_empty_cells", "extra_keys"])]
    pub uninstall: bool,
    /// Say whether the git filter is installed: exit 0 if it is, 1 if not.
    #[arg(long, conflicts_with_all = ["check", "textconv", "paths", "keep_output", "keep_count", "drop_empty_cells", "extra_keys", "attributes"])]
    pub status: bool,
    /// The attributes file for `--install`/`--uninstall` (default: `.git/info/attributes`;
    /// `.gitattributes` shares the setting with every clone).
    #[arg(long, value_name = "FILE")]
    pub attributes: Option<PathBuf>,
}

/// Formats of `caulk rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One rule per line: id, description, keywords.
    Text,
    /// The rules as JSON.
    Json,
}

/// `caulk rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Explain this rule instead of listing them all (as `caulk explain ID`).
    #[arg(value_name = "ID", conflicts_with = "check")]
    pub id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Compile every rule and run its examples (the configuration's rules too); exit 2 on any
    /// failure.
    #[arg(long)]
    pub check: bool,
    /// Read the configuration from FILE instead of looking for caulk.toml or .caulk.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Built-in rules only.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

/// One `--report FORMAT=FILE`: a further destination for the same scan's report, so a CI job
/// scans once and renders annotations, a summary and SARIF from one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// The format written to `path`.
    pub format: Format,
    /// The file written.
    pub path: PathBuf,
}

/// Parses `sarif=caulk.sarif` (any `--format` value, `=`, a non-empty file name).
pub fn parse_report(s: &str) -> Result<ReportTarget, String> {
    let Some((format, path)) = s.split_once('=') else {
        return Err(format!(
            "`{s}` is not FORMAT=FILE (for example `sarif=caulk.sarif`)"
        ));
    };
    let format = Format::from_str(format.trim(), true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!(
            "`{format}` is not a report format (one of: {})",
            names.join(", ")
        )
    })?;
    if path.is_empty() {
        return Err(format!(
            "`{s}` names no file (FORMAT=FILE, for example `sarif=caulk.sarif`)"
        ));
    }
    Ok(ReportTarget {
        format,
        path: PathBuf::from(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_flags_parse() {
        let cli = Cli::try_parse_from([
            "caulk", "scan", "a", "b", "--format", "json", "--rule", "x", "--rule", "y", "-j", "8",
            "-q",
        ])
        .unwrap();
        let Command::Scan(a) = cli.command else {
            panic!("not scan")
        };
        assert_eq!(a.paths, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(a.common.format, Format::Json);
        assert_eq!(a.common.rules, ["x", "y"]);
        assert_eq!(a.common.threads, Some(8));
        assert!(a.common.quiet);
        assert_eq!(a.common.max_file_size, None);
    }

    #[test]
    fn report_targets_parse() {
        assert_eq!(
            parse_report("sarif=out/caulk.sarif"),
            Ok(ReportTarget {
                format: Format::Sarif,
                path: PathBuf::from("out/caulk.sarif")
            })
        );
        assert_eq!(
            parse_report("Markdown=a=b.md").unwrap().path,
            PathBuf::from("a=b.md")
        );
        for bad in ["sarif", "xml=a", "json=", "=a"] {
            assert!(parse_report(bad).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from([
            "caulk",
            "history",
            "--report",
            "json=a.json",
            "--report",
            "github=b",
        ])
        .unwrap();
        let Command::History(h) = cli.command else {
            panic!("not history")
        };
        assert_eq!(h.common.report.len(), 2);
        assert!(Cli::try_parse_from(["caulk", "scan", "--report", "xml=a"]).is_err());
    }

    #[test]
    fn bad_flag_is_an_error() {
        assert!(Cli::try_parse_from(["caulk", "scan", "--frobnicate"]).is_err());
        assert!(Cli::try_parse_from(["caulk", "scan", "--format", "xml"]).is_err());
    }
}

/// When the text report is coloured (`--color`): CI logs render colour but are no terminal, so
/// `always` is asked for there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour a terminal; the environment (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, CLICOLOR)
    /// decides otherwise.
    Auto,
    /// Always colour, whatever the output and the environment.
    Always,
    /// Never colour.
    Never,
}
