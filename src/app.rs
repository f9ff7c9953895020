//! Wires the layers for the command line: flags become options once, here; the scan runs; a
//! reporter writes; the outcome becomes an exit status.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::{
    Cli, Command, CommonArgs, Format, HistoryArgs, InitArgs, ListFormat, PrePushArgs, RulesArgs,
    ScanArgs, StagedArgs, StripArgs,
};
use crate::config::{self, Config, ScanDefaults};
use crate::exit::ExitStatus;
use crate::report::{self, Report};
use crate::sanitize::escape;
use crate::source::files::{self, FileOptions};
use crate::source::git;
use crate::summary::{BaselineSummary, ScanResult};
use crate::triage::baseline::{self, Baseline};
use crate::triage::suppress::{self, Policy};
use crate::worktree::work_tree_top;
use caulk_engine::checks::Confidence;
use caulk_engine::engine::Engine;
use caulk_engine::rules::Ruleset;

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Staged(args) => run_staged(args),
        Command::History(args) => run_history(args),
        Command::PrePush(args) => run_pre_push(args),
        Command::Rules(args) => run_rules(args),
        Command::Strip(args) => run_strip(args),
        Command::InstallHook(args) => {
            let msg = crate::hook::install(&git::open_repo()?, args.force, args.chain)?;
            println!("caulk: {msg}");
            Ok(ExitStatus::Clean)
        }
        Command::Init(args) => run_init(args),
        Command::Explain(args) => explain(&args.id, args.config.as_deref(), false),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Rendered in memory: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "caulk", &mut script);
            with_output(None, |w| w.write_all(&script))?;
            Ok(ExitStatus::Clean)
        }
        Command::Man => with_output(None, crate::man::render).map(|_| ExitStatus::Clean),
        Command::UninstallHook => {
            let msg = crate::hook::uninstall(&git::open_repo()?)?;
            println!("caulk: {msg}");
            Ok(ExitStatus::Clean)
        }
        Command::Ignore(args) => run_ignore(args),
        Command::Doctor(args) => Ok(match crate::doctor::run(args.fix)? {
            true => ExitStatus::Findings,
            false => ExitStatus::Clean,
        }),
    }
}

/// `caulk ignore`: the fingerprint, checked, appended to `.caulkignore` with its reason and
/// today's date.
fn run_ignore(args: crate::cli::IgnoreArgs) -> Result<ExitStatus> {
    let path = args.file.clone().unwrap_or_else(|| {
        work_tree_top(Path::new("."))
            .unwrap_or_else(|| PathBuf::from("."))
            .join(suppress::IGNORE_FILE)
    });
    let date = crate::human::iso8601(crate::human::now(), 0);
    let added = suppress::append(&path, &args.fingerprint, &args.reason, &date[..10])?;
    let shown = escape(&crate::fsx::shown(&path)).into_owned();
    let fp = escape(args.fingerprint.trim()).into_owned();
    match added {
        true => println!(
            "caulk: {shown}: accepted {fp}; commit the file so the whole team's scans accept it too"
        ),
        false => println!("caulk: {shown}: {fp} is already accepted"),
    }
    Ok(ExitStatus::Clean)
}

/// What a scanning command settled from its flags and the configuration file: flags win, then
/// `[scan]`, then the defaults.
struct Setup {
    /// The engine lives as long as the process: left to the exit, not dropped (freeing its
    /// rules and compiled regexes cost a hook run half a millisecond).
    engine: &'static Engine,
    config: Option<Config>,
    max_file_size: u64,
    min_confidence: Confidence,
    threads: usize,
}

/// Default `--max-file-size`.
const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

impl Setup {
    /// Loads the configuration (`--config`, or the first `caulk.toml`/`.caulk.toml` in `dirs`)
    /// and builds the engine for the rules it and the flags select. Refuses, before anything is
    /// read or written, reports that would overwrite each other or an input (`scanned`: the
    /// paths named to scan).
    fn new(common: &CommonArgs, dirs: &[PathBuf], scanned: &[PathBuf]) -> Result<Setup> {
        let config = load_config(common.config.as_deref(), common.no_config, dirs)?;
        let builtin = Ruleset::builtin()?;
        let set = match &config {
            Some(c) => c.ruleset(builtin)?,
            None => builtin,
        };
        let set = set.select(&common.rules, &common.skip_rules)?;
        let defaults = config.as_ref().map(|c| &c.scan);
        let setup = Setup {
            engine: Box::leak(Box::new(Engine::new(set))),
            max_file_size: common
                .max_file_size
                .or_else(|| config.as_ref().and_then(|c| c.max_file_size))
                .unwrap_or(DEFAULT_MAX_FILE_SIZE),
            min_confidence: common
                .min_confidence
                .or_else(|| defaults.and_then(|d| d.min_confidence))
                .unwrap_or(Confidence::Low),
            threads: common
                .threads
                .or_else(|| defaults.and_then(|d| d.threads))
                .unwrap_or(0),
            config,
        };
        check_outputs(common, &setup, scanned)?;
        Ok(setup)
    }

    /// The baseline in use: `--baseline`, else the configuration's.
    fn baseline_path(&self, common: &CommonArgs) -> Option<PathBuf> {
        common
            .baseline
            .clone()
            .or_else(|| self.config.as_ref().and_then(|c| c.baseline.clone()))
    }

    fn scan_default(&self, pick: impl Fn(&ScanDefaults) -> Option<bool>) -> bool {
        self.config
            .as_ref()
            .and_then(|c| pick(&c.scan))
            .unwrap_or(false)
    }
}

fn load_config(explicit: Option<&Path>, none: bool, dirs: &[PathBuf]) -> Result<Option<Config>> {
    if none {
        return Ok(None);
    }
    config::discover(explicit, dirs)
}

fn run_scan(args: ScanArgs) -> Result<ExitStatus> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // The configuration of the scanned directory (a file's folder, for a file), else of the
    // repository it is in: `caulk scan x.txt` and `caulk scan .` read the same one.
    let first = paths.iter().find(|p| p.as_os_str() != "-");
    let mut dirs: Vec<PathBuf> = first
        .map(|p| match p.is_dir() {
            true => p.clone(),
            false => match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            },
        })
        .into_iter()
        .collect();
    dirs.extend(work_tree_top(first.map_or(Path::new("."), |p| p.as_path())));
    let setup = Setup::new(&args.common, &dirs, &paths)?;
    let opts = FileOptions {
        paths,
        no_ignore: args.no_ignore || setup.scan_default(|d| d.no_ignore),
        follow: args.follow || setup.scan_default(|d| d.follow),
        max_file_size: setup.max_file_size,
        threads: setup.threads,
        repo_paths_shown: false,
    };
    let mut result = files::scan(setup.engine, &opts);
    let status = report(&mut result, &setup, &args.common)?;
    if args.strip_outputs {
        strip_output_only_notebooks(&result.findings);
    }
    Ok(status)
}

/// Refuses, before anything is scanned or written, outputs that would overwrite each other (`-o`,
/// `--write-baseline`, every `--report`, however spelled) or something the same run reads: a
/// file named to scan, the configuration, the baseline read, an ignore file. A scan that
/// destroys its own input has failed, whatever it reports.
fn check_outputs(common: &CommonArgs, setup: &Setup, scanned: &[PathBuf]) -> Result<()> {
    // (flag, the flag as written, path) of every file this run writes.
    let outputs: Vec<(&str, String, &PathBuf)> = common
        .output
        .iter()
        .map(|p| ("-o", "-o".to_string(), p))
        .chain(
            common
                .write_baseline
                .iter()
                .map(|p| ("--write-baseline", "--write-baseline".to_string(), p)),
        )
        .chain(common.report.iter().map(|t| {
            let f = format!("{:?}", t.format).to_lowercase();
            let named = format!("--report {f}={}", t.path.display());
            ("--report", named, &t.path)
        }))
        .collect();
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for (_, named, path) in &outputs {
        let key = crate::fsx::identity(path);
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            bail!(
                "{}: named by both `{first}` and `{named}`; give each report its own file",
                path.display()
            );
        }
        seen.push((key, named));
    }
    let mut inputs: Vec<(PathBuf, &str)> = scanned
        .iter()
        .filter(|p| p.as_os_str() != "-" && !p.is_dir())
        .map(|p| (p.clone(), "a file this scan reads"))
        .collect();
    inputs.extend(
        setup
            .config
            .as_ref()
            .map(|c| (c.path.clone(), "the configuration")),
    );
    if common.write_baseline.is_none() {
        inputs.extend(setup.baseline_path(common).map(|b| (b, "the baseline")));
    }
    inputs.extend(
        suppress::ignore_dirs()
            .into_iter()
            .map(|d| (d.join(suppress::IGNORE_FILE), "the ignore file")),
    );
    for (flag, _, out) in &outputs {
        if std::fs::symlink_metadata(out).is_err() {
            continue; // a new file is nobody's input
        }
        if let Some((_, what)) = inputs
            .iter()
            .find(|(input, _)| crate::fsx::same_file(out, input))
        {
            bail!(
                "{flag} {}: is {what}; write to another file",
                crate::fsx::shown(out)
            );
        }
    }
    Ok(())
}

/// The current directory and the work tree's top, where `caulk rules` and `caulk explain` look
/// for the configuration.
fn cwd_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    dirs.extend(work_tree_top(Path::new(".")));
    dirs
}

/// The work tree's top, where `staged` and `history` look for the configuration.
fn git_dirs() -> Vec<PathBuf> {
    work_tree_top(Path::new(".")).into_iter().collect()
}

fn run_staged(args: StagedArgs) -> Result<ExitStatus> {
    let setup = Setup::new(&args.common, &git_dirs(), &[])?;
    let mut result = git::staged(
        setup.engine,
        &git::StagedOptions {
            max_file_size: setup.max_file_size,
            paths: args.paths.clone(),
            threads: setup.threads,
        },
    )?;
    let status = report(&mut result, &setup, &args.common)?;
    if status == ExitStatus::Findings && !args.common.quiet && !args.paths.is_empty() {
        // Named files: at commit time their staged lines, under `pre-commit run --all-files` or
        // `--files` whole files that may have been committed long ago.
        eprintln!(
            "caulk: blocked: the files checked hold secrets (the lines staged for commit, or the whole \
             file where nothing is staged). Rotate each one, then remove it from the file (read it from \
             the environment instead); a secret already committed stays in the history: `caulk history` \
             finds every commit that holds it."
        );
    } else if status == ExitStatus::Findings && !args.common.quiet {
        eprintln!(
            "caulk: commit blocked: the staged changes add secrets. Rotate each one, then remove it from \
             the file (read it from the environment instead) and `git add` again. To commit anyway, knowingly: \
             `git commit --no-verify` (CI scans the history again)."
        );
    }
    Ok(status)
}

fn run_history(args: HistoryArgs) -> Result<ExitStatus> {
    let setup = Setup::new(&args.common, &git_dirs(), &[])?;
    let opts = git::HistoryOptions {
        range: args.range.clone(),
        all: args.all,
        since_commit: args.since_commit.clone(),
        max_file_size: setup.max_file_size,
        threads: setup.threads,
        progress: !args.common.quiet,
        watch: watched_paths(&setup, &args.common),
        push: None,
    };
    let mut result = git::history(setup.engine, &opts)?;
    report(&mut result, &setup, &args.common)
}

/// `caulk pre-push`: the refs come from git's hook input on standard input; with none (the
/// pre-commit framework reads that input itself), from its `PRE_COMMIT_*` variables; else the
/// commits of HEAD that no remote-tracking ref has.
fn run_pre_push(args: PrePushArgs) -> Result<ExitStatus> {
    use std::io::Read;
    let setup = Setup::new(&args.common, &git_dirs(), &[])?;
    let mut input = Vec::new();
    if !io::stdin().is_terminal() {
        io::stdin()
            .read_to_end(&mut input)
            .context("cannot read git's pre-push input on standard input")?;
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let remote = args
        .remote
        .clone()
        .or_else(|| env("PRE_COMMIT_REMOTE_NAME"));
    let mut updates = git::parse_push_lines(&String::from_utf8_lossy(&input))?;
    if updates.is_empty() {
        const NONE: &str = "0000000000000000000000000000000000000000";
        updates.push(
            match (env("PRE_COMMIT_FROM_REF"), env("PRE_COMMIT_TO_REF")) {
                (Some(from), Some(to)) => (to, from),
                // A first push: the framework names the branch, not the refs.
                _ => (
                    env("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|| "HEAD".into()),
                    NONE.into(),
                ),
            },
        );
    }
    let opts = git::HistoryOptions {
        max_file_size: setup.max_file_size,
        threads: setup.threads,
        progress: !args.common.quiet,
        watch: watched_paths(&setup, &args.common),
        push: Some(git::Push { remote, updates }),
        ..Default::default()
    };
    let mut result = git::history(setup.engine, &opts)?;
    let status = report(&mut result, &setup, &args.common)?;
    if status == ExitStatus::Findings && !args.common.quiet {
        eprintln!(
            "caulk: push blocked: the commits being pushed add secrets. Rotate each one, then take it \
             out of the commits (`git commit --amend`, or `git rebase -i` for older ones) and push again. \
             To push anyway, knowingly: `git push --no-verify`."
        );
    }
    Ok(status)
}

/// The configuration and baseline in use, as repository paths: a range that changes them
/// changes what caulk reports, and says so.
fn watched_paths(setup: &Setup, common: &CommonArgs) -> Vec<String> {
    let Some(top) = work_tree_top(Path::new(".")).and_then(|t| t.canonicalize().ok()) else {
        return Vec::new();
    };
    setup
        .config
        .as_ref()
        .map(|c| c.path.clone())
        .into_iter()
        .chain(setup.baseline_path(common))
        .filter_map(|p| {
            let abs = p.canonicalize().ok()?;
            let rel = abs.strip_prefix(&top).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// Applies suppressions and the baseline, prints warnings and errors, writes the report, and
/// turns the result into an exit status.
fn report(result: &mut ScanResult, setup: &Setup, common: &CommonArgs) -> Result<ExitStatus> {
    let ignore = suppress::IgnoreFile::load(&suppress::ignore_dirs())?;
    let config = setup.config.as_ref();
    let baseline = match setup.baseline_path(common) {
        // Writing a baseline records what would be reported without one: no need to read it.
        Some(p) if common.write_baseline.is_none() => Some(Baseline::load(&p)?),
        _ => None,
    };
    if common.prune_baseline && baseline.is_none() {
        bail!(
            "--prune-baseline needs a baseline: pass --baseline FILE or set `baseline` in caulk.toml"
        );
    }
    let rules = setup.engine.rules();
    let triaged = suppress::triage(
        &mut result.findings,
        &suppress::Triage {
            policy: Policy {
                no_inline: common.no_inline_allow,
                config,
                ignore: &ignore,
            },
            min_confidence: setup.min_confidence,
            baseline: baseline.as_ref(),
        },
        &result.coverage,
        |id| rules.iter().any(|r| r.id == id),
    );
    let held = &triaged.held;
    result.summary.config = config.map(|c| c.path.display().to_string());
    for w in &result.warnings {
        eprintln!("caulk: warning: {}", escape(w));
    }
    for u in &result.summary.unread {
        match u.error {
            true => eprintln!("caulk: {}", escape(&u.to_string())),
            false => eprintln!("caulk: warning: {}", escape(&u.to_string())),
        }
    }
    if let Some(path) = &common.write_baseline {
        let n = crate::triage::baseline::write(path, &result.findings)?;
        if !common.quiet {
            let p = escape(&path.to_string_lossy()).into_owned();
            eprintln!(
                "caulk: {p}: recorded {n} findings by fingerprint (no secrets); scans with \
                 `--baseline {p}` (or `baseline = \"{p}\"` in caulk.toml) now report only new ones. \
                 Rotate the recorded secrets all the same."
            );
        }
        return Ok(ExitStatus::of_scan(0, result.summary.errors));
    }
    if let Some(b) = &baseline {
        let (keep, stale) = (&triaged.keep, triaged.stale.clone());
        if common.prune_baseline {
            if result.coverage == baseline::Coverage::Partial {
                bail!(
                    "--prune-baseline: this scan sees only part of the repository (staged changes or a \
                     commit range); prune with `caulk scan` of the repository or `caulk history`"
                );
            }
            b.rewrite(keep)?;
            if !common.quiet {
                eprintln!(
                    "caulk: {}: removed {} entries no longer found; {} remain",
                    escape(&b.path.to_string_lossy()),
                    stale.len(),
                    keep.len()
                );
            }
        }
        result.summary.baseline = Some(BaselineSummary {
            path: b.path.display().to_string(),
            entries: b.entries.len(),
            pruned: common.prune_baseline,
            stale,
        });
    }
    result.summary.suppressed = held.counts();
    result.summary.count(&result.findings);
    if common.show_secrets {
        for f in &mut result.findings {
            f.secret = Some(f.raw_secret.clone());
        }
    }
    // Colour: only the text report to standard output; `--color` (or `--no-color`) first, then
    // the environment, then whether standard output is a terminal that takes colour.
    let when = match (common.color, common.no_color) {
        (_, true) => crate::cli::ColorWhen::Never,
        (w, false) => w.unwrap_or(crate::cli::ColorWhen::Auto),
    };
    let color = common.format == Format::Text
        && common.output.is_none()
        && color_wanted(
            when,
            |k| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()),
            || io::stdout().is_terminal(),
        );
    let mut render = Report {
        findings: &result.findings,
        summary: &result.summary,
        rules: setup.engine.rules(),
        suppressed: common.show_suppressed.then_some(held.findings.as_slice()),
        color,
    };
    if !common.quiet || common.output.is_some() {
        with_output(common.output.as_ref(), |w| {
            write_report(&render, common.format, w)
        })?;
    }
    if !common.quiet {
        // The report went to a file, or is one without a summary line for people (JSON, SARIF,
        // JUnit, a job summary's Markdown, an HTML page): the log still says what was found.
        if common.output.is_some() || !matches!(common.format, Format::Text | Format::Github) {
            report::write_summary(&mut io::stderr(), &result.summary)?;
        }
        if let Some(first) = result.findings.first() {
            eprintln!("{}", report::accept_hint(first));
        }
    }
    // `--report FORMAT=FILE`: the same findings and summary, once per destination (even with -q),
    // never coloured.
    render.color = false;
    for target in &common.report {
        with_output(Some(&target.path), |w| {
            write_report(&render, target.format, w)
        })?;
    }
    Ok(ExitStatus::of_scan(
        result.findings.len(),
        result.summary.errors,
    ))
}

/// Whether to colour, as other command-line tools decide: the flag wins; in `auto`, a non-empty
/// `NO_COLOR` means never, then a `FORCE_COLOR` or `CLICOLOR_FORCE` set to anything but `0`
/// (or empty) means always, `CLICOLOR=0` means never, and otherwise a terminal (`terminal`)
/// that takes colour: `TERM` names one other than `dumb` (on Windows, unset will do) or
/// `CLICOLOR` asks for it.
fn color_wanted(
    when: crate::cli::ColorWhen,
    env: impl Fn(&str) -> Option<String>,
    terminal: impl FnOnce() -> bool,
) -> bool {
    use crate::cli::ColorWhen;
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR").is_some() => false,
        ColorWhen::Auto
            if ["FORCE_COLOR", "CLICOLOR_FORCE"]
                .iter()
                .any(|k| set(k).is_some_and(|v| v != "0")) =>
        {
            true
        }
        ColorWhen::Auto if env("CLICOLOR").as_deref() == Some("0") => false,
        ColorWhen::Auto => {
            let term = match env("TERM") {
                Some(t) => t != "dumb",
                None => cfg!(windows),
            };
            (term || set("CLICOLOR").is_some()) && terminal()
        }
    }
}

/// Writes `report` in `format` to `w`: the one place a format becomes its reporter.
fn write_report(report: &Report, format: Format, w: &mut dyn Write) -> io::Result<()> {
    let write = match format {
        Format::Text => report::text::write,
        Format::Json => report::json::write,
        Format::Sarif => report::sarif::write,
        Format::Github => report::github::write,
        Format::Junit => report::junit::write,
        Format::Markdown => report::markdown::write,
        Format::Html => report::html::write,
    };
    write(report, w)
}

/// `scan --strip-outputs`: strips the notebooks whose findings all lie in outputs.
fn strip_output_only_notebooks(findings: &[crate::finding::Finding]) {
    let mut paths: Vec<&str> = findings
        .iter()
        .filter(|f| f.notebook.is_some())
        .map(|f| f.path.as_str())
        .collect();
    paths.dedup();
    for path in paths {
        let in_output =
            |f: &&crate::finding::Finding| f.notebook.as_ref().is_some_and(|n| n.in_output());
        if !findings
            .iter()
            .filter(|f| f.path == path)
            .all(|f| in_output(&f))
        {
            eprintln!(
                "caulk: {}: not stripped: some of its secrets are in cells, not outputs",
                escape(path)
            );
            continue;
        }
        match strip_file(Path::new(path), &Default::default(), false) {
            Ok(_) => eprintln!(
                "caulk: {}: outputs stripped; rotate its secrets all the same",
                escape(path)
            ),
            Err(e) => eprintln!("caulk: could not strip: {}", escape(&format!("{e:#}"))),
        }
    }
}

/// The largest notebook `caulk strip` reads.
const STRIP_LIMIT: u64 = 1 << 30;

/// Strips one notebook in place (or, with `check`, only says whether it would change): read as
/// a regular file (a FIFO or device is refused, never waited on), written through a new file
/// renamed over it. A symbolic link is refused by name: stripping its target would write outside
/// what was named, and replacing the link would leave the target's outputs in place.
fn strip_file(path: &Path, opts: &crate::strip::StripOptions, check: bool) -> Result<bool> {
    let shown = crate::fsx::shown(path);
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        bail!(
            "{shown}: is a symbolic link; caulk strip does not write through links: strip the file \
             it points to by its own name"
        );
    }
    let text = crate::fsx::read_regular_text(path, "notebook", STRIP_LIMIT)?;
    let new = crate::strip::strip(&text, opts).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    match new {
        Some(new) if !check => {
            crate::fsx::write_atomic(path, new.as_bytes(), None, crate::fsx::Existing::Replace)?;
            Ok(true)
        }
        Some(_) => Ok(true),
        None => Ok(false),
    }
}

fn run_strip(args: StripArgs) -> Result<ExitStatus> {
    let opts = crate::strip::StripOptions {
        keep_output: args.keep_output,
        keep_count: args.keep_count,
        drop_empty_cells: args.drop_empty_cells,
        ..crate::strip::StripOptions::with_extra_keys(&args.extra_keys)
            .map_err(anyhow::Error::msg)?
    };
    if let Some(status) = run_strip_filter(&args, &opts)? {
        return Ok(status);
    }
    let mut files = Vec::new();
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
            for entry in ignore::WalkBuilder::new(p).hidden(false).build() {
                let entry = entry.with_context(|| format!("{}: cannot walk", p.display()))?;
                let is_nb = entry
                    .path()
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"));
                match entry.file_type() {
                    Some(t) if is_nb && t.is_file() => files.push(entry.into_path()),
                    // Found, not named: said and left alone (named, it is an error).
                    Some(t) if is_nb && t.is_symlink() => eprintln!(
                        "caulk: {}: a symbolic link, not stripped (strip the file it points to)",
                        crate::fsx::shown(entry.path())
                    ),
                    _ => {}
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    let (mut pending, mut errors) = (0, 0);
    for f in &files {
        let shown = crate::fsx::shown(f);
        if args.textconv {
            // git's textconv: the notebook as it would be staged, on stdout; the file untouched.
            let text = crate::fsx::read_regular_text(f, "notebook", STRIP_LIMIT)?;
            let new =
                crate::strip::strip(&text, &opts).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
            io::stdout().write_all(new.as_deref().unwrap_or(&text).as_bytes())?;
            continue;
        }
        match strip_file(f, &opts, args.check) {
            Err(e) => {
                eprintln!("caulk: {}", escape(&format!("{e:#}")));
                errors += 1;
            }
            Ok(false) => {}
            Ok(true) if args.check => {
                println!(
                    "caulk: {shown}: outputs or metadata to strip (run `caulk strip {shown}`)"
                );
                pending += 1;
            }
            Ok(true) => println!("caulk: {shown}: stripped"),
        }
    }
    Ok(if errors > 0 {
        ExitStatus::Error
    } else if pending > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// `caulk strip` as a git filter: `--install`, `--uninstall`, `--status`, and a notebook on
/// stdin (no PATH, or `-`) stripped to stdout. `None`: none of these, strip the PATHs.
fn run_strip_filter(
    args: &StripArgs,
    opts: &crate::strip::StripOptions,
) -> Result<Option<ExitStatus>> {
    use crate::strip::filter;
    if args.attributes.is_some() && !args.install && !args.uninstall {
        bail!("--attributes goes with --install or --uninstall");
    }
    let attrs = args.attributes.as_deref();
    if args.install {
        let msg = filter::install(&git::open_repo()?, attrs, &opts.as_flags())?;
        println!("caulk: {}", escape(&msg));
        return Ok(Some(ExitStatus::Clean));
    }
    if args.uninstall {
        println!(
            "caulk: {}",
            escape(&filter::uninstall(&git::open_repo()?, attrs)?)
        );
        return Ok(Some(ExitStatus::Clean));
    }
    if args.status {
        let (installed, msg) = filter::status(&git::open_repo()?)?;
        for line in msg.lines() {
            println!("{}", escape(line));
        }
        return Ok(Some(if installed {
            ExitStatus::Clean
        } else {
            ExitStatus::Findings
        }));
    }
    if !(args.paths.is_empty() || args.paths.iter().all(|p| p.as_os_str() == "-")) {
        return Ok(None);
    }
    if args.paths.is_empty() && io::stdin().is_terminal() {
        bail!("no notebook named and none on stdin: `caulk strip NOTEBOOK…`, or pipe one in");
    }
    let pending = crate::strip::stdin_to_stdout(opts, args.check, STRIP_LIMIT)?;
    Ok(Some(if pending {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }))
}

/// Runs `f` on the report destination: `--output FILE` or standard output.
fn with_output(
    path: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    match path {
        // Rendered in memory, then written through a new file renamed over the target: never
        // through a symbolic link, never half-written for a reader.
        Some(p) => {
            let mut buf = Vec::new();
            f(&mut buf).with_context(|| format!("{}: cannot write the report", p.display()))?;
            crate::fsx::write_atomic(p, &buf, None, crate::fsx::Existing::Replace)
                .context("cannot write the report")
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            match f(&mut w).and_then(|_| w.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

fn run_init(args: InitArgs) -> Result<ExitStatus> {
    let dir = match args.path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // caulk refuses to run beside two configuration files, so init never makes the second.
    let is_config_name = args
        .path
        .file_name()
        .is_some_and(|n| config::NAMES.iter().any(|c| n == *c));
    if is_config_name {
        for other in config::NAMES.map(|n| dir.join(n)) {
            if std::fs::symlink_metadata(&other).is_ok()
                && !crate::fsx::same_file(&other, &args.path)
            {
                bail!(
                    "{}: already exists beside it, and caulk reads only one configuration per folder; \
                     edit that one",
                    crate::fsx::shown(&other)
                );
            }
        }
    }
    let existing = match args.force {
        true => crate::fsx::Existing::Replace,
        false => crate::fsx::Existing::Keep,
    };
    crate::fsx::write_atomic(&args.path, config::STARTER.as_bytes(), None, existing).map_err(
        |e| match args.force {
            false if e.to_string().ends_with("already exists") => {
                anyhow::anyhow!("{e}; edit it, or pass --force to replace it")
            }
            _ => e,
        },
    )?;
    println!(
        "caulk: wrote {}; every setting is commented in it",
        escape(&args.path.to_string_lossy())
    );
    Ok(ExitStatus::Clean)
}

/// `caulk explain ID`: a rule's description, token shape, checks, an example (its secret
/// redacted) and the remediation, from the rule file itself.
fn explain(id: &str, config: Option<&Path>, no_config: bool) -> Result<ExitStatus> {
    let mut set = Ruleset::builtin_with_examples()?;
    if let Some(c) = load_config(config, no_config, &cwd_dirs())? {
        set.rules.extend(c.rules);
    }
    let Some(rule) = set.rules.iter().find(|r| r.id == id) else {
        bail!("no rule has the id `{id}` (list them with `caulk rules`)");
    };
    let shape = match (&rule.path, rule.keywords.as_slice()) {
        (Some(p), _) => format!("a file whose path matches {p}, judged by its content"),
        (None, kw) => format!(
            "text containing {} (the prefilter keywords), matching the regex below",
            kw.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut out = vec![
        format!("{} — {}", rule.id, rule.description),
        String::new(),
        format!("looks like   {shape}"),
        format!("regex        {}", rule.regex),
    ];
    for (i, line) in report::wrap(&confidence_meaning(rule), 86)
        .into_iter()
        .enumerate()
    {
        out.push(format!(
            "{}{line}",
            if i == 0 {
                "confidence   "
            } else {
                "             "
            }
        ));
    }
    if let Some(e) = rule.entropy {
        out.push(format!("entropy      at least {e} bits per character"));
    }
    if let Some(ex) = rule.examples.first() {
        let redacted = crate::finding::redact(ex.secret.as_bytes(), rule);
        out.push(format!(
            "example      {}",
            caulk_engine::rules::one_line(&ex.text.replace(&ex.secret, &redacted))
        ));
    }
    for (i, line) in report::wrap(&caulk_engine::rules::one_line(&rule.remediation), 86)
        .into_iter()
        .enumerate()
    {
        out.push(format!(
            "{}{line}",
            if i == 0 {
                "what to do   "
            } else {
                "             "
            }
        ));
    }
    out.push(format!("defined in   {}", rule.source));
    // The provider's other rules (same file, same first word of the id): another generation of
    // its keys, the same key in a config file, …
    let family = |r: &caulk_engine::rules::Rule| {
        (r.source.clone(), r.id.split('-').next().map(str::to_string))
    };
    let kin: Vec<_> = set
        .rules
        .iter()
        .filter(|r| r.id != rule.id && family(r) == family(rule))
        .collect();
    const KIN_SHOWN: usize = 6;
    for (i, r) in kin.iter().take(KIN_SHOWN).enumerate() {
        let lead = if i == 0 {
            "see also     "
        } else {
            "             "
        };
        out.push(format!("{lead}{} — {}", r.id, r.description));
    }
    if kin.len() > KIN_SHOWN {
        out.push(format!(
            "             and {} more (`caulk rules`)",
            kin.len() - KIN_SHOWN
        ));
    }
    with_output(None, |w| {
        for l in &out {
            writeln!(w, "{}", escape(l))?;
        }
        Ok(())
    })?;
    Ok(ExitStatus::Clean)
}

/// What a finding's confidence means for `rule`, level by level, as `caulk explain` says it.
fn confidence_meaning(rule: &caulk_engine::rules::Rule) -> String {
    use caulk_engine::checks::Confidence;
    if let Some(check) = rule.validate {
        let name = serde_json::to_value(check)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        return format!(
            "high when its `{name}` check passes (a checksum or structure inside the secret, \
             verified offline); low when it fails (the shape matched but the inside did not: \
             often a placeholder, an example or a damaged copy)"
        );
    }
    match rule.base_confidence() {
        Confidence::High => "always high: the pattern itself carries the provider's marker or \
             layout, so a match is very unlikely to be anything else"
            .into(),
        Confidence::Medium => "always medium: the documented format matched (with its context \
             where the rule needs one); nothing inside the secret can be checked offline"
            .into(),
        Confidence::Low if rule.generic && rule.confidence.is_none() => "always low: only the \
             context (a name such as `password =`) and the value's randomness point at a secret; \
             no provider format confirms it, so look before you rotate"
            .into(),
        Confidence::Low => format!(
            "always low: the format matched, but the rule rates what it finds as less urgent or \
             often harmless (its reasons are in {})",
            rule.source
        ),
    }
}

fn run_rules(args: RulesArgs) -> Result<ExitStatus> {
    if let Some(id) = &args.id {
        return explain(id, args.config.as_deref(), args.no_config);
    }
    let config = load_config(args.config.as_deref(), args.no_config, &cwd_dirs())?;
    let builtin = if args.check {
        Ruleset::builtin_with_examples()?
    } else {
        Ruleset::builtin()?
    };
    if args.check {
        let mut set = builtin;
        if let Some(c) = &config {
            // Every failure is listed here, not only the first as a scan reports it.
            set.rules.extend(c.rules.iter().cloned());
            set = Ruleset::from_parsed(set.rules, true)?;
        }
        let failures = set.check();
        for f in &failures {
            eprintln!("caulk: {}", escape(f));
        }
        if !failures.is_empty() {
            return Ok(ExitStatus::Error);
        }
        let examples: usize = set
            .rules
            .iter()
            .map(|r| r.examples.len() + r.negative_examples.len())
            .sum();
        let from = match &config {
            Some(c) => format!(" (with {})", c.path.display()),
            None => String::new(),
        };
        println!(
            "caulk: {} rules compile{from}; all {examples} examples pass",
            set.rules.len()
        );
        return Ok(ExitStatus::Clean);
    }
    let set = match &config {
        Some(c) => c.ruleset(builtin)?,
        None => builtin,
    };
    with_output(None, |w| match args.format {
        ListFormat::Json => {
            crate::sanitize::write_json(&mut *w, &set.rules)?;
            writeln!(w)
        }
        ListFormat::Text => {
            let width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &set.rules {
                let trigger = match &r.path {
                    Some(p) => format!("path: {p}"),
                    None => r.keywords.join(", "),
                };
                let line = format!("{:width$}  {}  [{trigger}]", r.id, r.description);
                writeln!(w, "{}", escape(&line))?;
            }
            Ok(())
        }
    })?;
    Ok(ExitStatus::Clean)
}
