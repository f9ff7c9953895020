//! Wires the layers for the command line: flags become options once, here; the scan runs; a
//! reporter writes; the outcome becomes an exit status.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::baseline::{self, Baseline};
use crate::cli::{
    Cli, Command, CommonArgs, Format, HistoryArgs, InitArgs, ListFormat, PrePushArgs, RulesArgs,
    ScanArgs, StagedArgs, StripArgs,
};
use crate::config::{self, Config, ScanDefaults};
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::git;
use crate::report::{self, ReportOptions};
use crate::rules::Ruleset;
use crate::sanitize::escape;
use crate::scan::{self, BaselineSummary, ScanOptions, ScanResult};
use crate::suppress::{self, Held, Policy};
use crate::validate::Confidence;

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
            with_output(None, |w| {
                clap_complete::generate(args.shell, &mut cmd, "caulk", w);
                Ok(())
            })?;
            Ok(ExitStatus::Clean)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            with_output(None, |w| {
                clap_mangen::Man::new(cmd.clone()).render(w)?;
                // One section per subcommand, as `git help` pages have their options.
                for sub in cmd.get_subcommands() {
                    writeln!(w, ".SH \"CAULK {}\"", sub.get_name().to_uppercase())?;
                    if let Some(about) = sub.get_about() {
                        writeln!(w, "{}", about.to_string().replace('\\', "\\\\"))?;
                    }
                    clap_mangen::Man::new(sub.clone()).render_options_section(w)?;
                }
                Ok(())
            })?;
            Ok(ExitStatus::Clean)
        }
        Command::UninstallHook => {
            let msg = crate::hook::uninstall(&git::open_repo()?)?;
            println!("caulk: {msg}");
            Ok(ExitStatus::Clean)
        }
    }
}

/// What a scanning command settled from its flags and the configuration file: flags win, then
/// `[scan]`, then the defaults.
struct Setup {
    engine: Engine,
    config: Option<Config>,
    max_file_size: u64,
    min_confidence: Confidence,
    threads: usize,
}

/// Default `--max-file-size`.
const DEFAULT_MAX_FILE_SIZE: u64 = 256 << 20;

impl Setup {
    /// Loads the configuration (`--config`, or the first `caulk.toml`/`.caulk.toml` in `dirs`)
    /// and builds the engine for the rules it and the flags select.
    fn new(common: &CommonArgs, dirs: &[PathBuf]) -> Result<Setup> {
        let config = load_config(common.config.as_deref(), common.no_config, dirs)?;
        let builtin = Ruleset::builtin()?;
        let set = match &config {
            Some(c) => c.ruleset(builtin)?,
            None => builtin,
        };
        let set = set.select(&common.rules, &common.skip_rules)?;
        let defaults = config.as_ref().map(|c| &c.scan);
        Ok(Setup {
            engine: Engine::new(set),
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
        })
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

/// The top of the git work tree `from` is in.
fn repo_top(from: &Path) -> Option<PathBuf> {
    git::work_tree_top(from)
}

fn run_scan(args: ScanArgs) -> Result<ExitStatus> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // The configuration of the scanned directory, else of the repository it is in.
    let first = paths.iter().find(|p| p.as_os_str() != "-");
    let mut dirs: Vec<PathBuf> = first.filter(|p| p.is_dir()).cloned().into_iter().collect();
    dirs.extend(repo_top(first.map_or(Path::new("."), |p| p.as_path())));
    let setup = Setup::new(&args.common, &dirs)?;
    let opts = ScanOptions {
        paths,
        no_ignore: args.no_ignore || setup.scan_default(|d| d.no_ignore),
        follow: args.follow || setup.scan_default(|d| d.follow),
        max_file_size: setup.max_file_size,
        threads: setup.threads,
    };
    let mut result = scan::scan(&setup.engine, &opts);
    let status = report(&mut result, &setup, &args.common)?;
    if args.strip_outputs {
        strip_output_only_notebooks(&result.findings);
    }
    Ok(status)
}

/// The current directory and the work tree's top, where `caulk rules` and `caulk explain` look
/// for the configuration.
fn cwd_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".")];
    dirs.extend(repo_top(Path::new(".")));
    dirs
}

/// The work tree's top, where `staged` and `history` look for the configuration.
fn git_dirs() -> Vec<PathBuf> {
    repo_top(Path::new(".")).into_iter().collect()
}

fn run_staged(args: StagedArgs) -> Result<ExitStatus> {
    let setup = Setup::new(&args.common, &git_dirs())?;
    let mut result = git::staged(
        &setup.engine,
        &git::StagedOptions {
            max_file_size: setup.max_file_size,
        },
    )?;
    let status = report(&mut result, &setup, &args.common)?;
    if status == ExitStatus::Findings && !args.common.quiet {
        eprintln!(
            "caulk: commit blocked: the staged changes add secrets. Rotate each one, then remove it from \
             the file (read it from the environment instead) and `git add` again. To commit anyway, knowingly: \
             `git commit --no-verify` (CI scans the history again)."
        );
    }
    Ok(status)
}

fn run_history(args: HistoryArgs) -> Result<ExitStatus> {
    let setup = Setup::new(&args.common, &git_dirs())?;
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
    let mut result = git::history(&setup.engine, &opts)?;
    report(&mut result, &setup, &args.common)
}

/// `caulk pre-push`: the refs come from git's hook input on standard input; with none (the
/// pre-commit framework reads that input itself), from its `PRE_COMMIT_*` variables; else the
/// commits of HEAD that no remote-tracking ref has.
fn run_pre_push(args: PrePushArgs) -> Result<ExitStatus> {
    use std::io::Read;
    let setup = Setup::new(&args.common, &git_dirs())?;
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
    let mut result = git::history(&setup.engine, &opts)?;
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
    let Some(top) = repo_top(Path::new(".")).and_then(|t| t.canonicalize().ok()) else {
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
    let seen: HashSet<String> = result
        .findings
        .iter()
        .map(|f| f.fingerprint.clone())
        .collect();
    let mut held = Held::default();
    held.apply(
        &mut result.findings,
        &Policy {
            no_inline: common.no_inline_allow,
            config,
            ignore: &ignore,
        },
    );
    result
        .findings
        .retain(|f| f.confidence >= setup.min_confidence);
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
        let n = crate::baseline::write(path, &result.findings)?;
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
        held.apply_baseline(&mut result.findings, b);
        let rules = setup.engine.rules();
        let (keep, stale) = b.split_stale(&seen, &result.coverage, |id| {
            rules.iter().any(|r| r.id == id)
        });
        if common.prune_baseline {
            if result.coverage == baseline::Coverage::Partial {
                bail!(
                    "--prune-baseline: this scan sees only part of the repository (staged changes or a \
                     commit range); prune with `caulk scan` of the repository or `caulk history`"
                );
            }
            b.rewrite(&keep)?;
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
    let color = common.format == Format::Text
        && !common.no_color
        && common.output.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && io::stdout().is_terminal();
    if !common.quiet || common.output.is_some() {
        let (findings, summary) = (&result.findings, &result.summary);
        let engine = &setup.engine;
        with_output(common.output.as_ref(), |w| match common.format {
            Format::Text => report::text(w, findings, summary, ReportOptions { color }),
            Format::Json => report::json(
                w,
                findings,
                summary,
                common.show_suppressed.then_some(held.findings.as_slice()),
            ),
            Format::Sarif => report::sarif(
                w,
                findings,
                engine.rules(),
                &summary.notices,
                common.show_suppressed.then_some(held.findings.as_slice()),
            ),
            Format::Github => report::github(w, findings, summary),
            Format::Junit => report::junit(w, findings, summary),
            Format::Markdown => report::markdown(w, findings, summary),
        })?;
    }
    Ok(ExitStatus::of_scan(
        result.findings.len(),
        result.summary.errors,
    ))
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
        let p = std::path::Path::new(path);
        let res = std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| crate::strip::strip(&t, &Default::default()))
            .and_then(|new| {
                new.map_or(Ok(()), |n| write_in_place(p, &n).map_err(|e| e.to_string()))
            });
        match res {
            Ok(()) => eprintln!(
                "caulk: {}: outputs stripped; rotate its secrets all the same",
                escape(path)
            ),
            Err(e) => eprintln!("caulk: {}: could not strip: {}", escape(path), escape(&e)),
        }
    }
}

/// Replaces `path`'s contents through a temporary file in the same folder, keeping permissions.
fn write_in_place(path: &std::path::Path, contents: &str) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.caulk-tmp"));
    std::fs::write(&tmp, contents)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn run_strip(args: StripArgs) -> Result<ExitStatus> {
    let opts = crate::strip::StripOptions::with_extra_keys(&args.extra_keys)
        .map_err(anyhow::Error::msg)?;
    let mut files = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            for entry in ignore::WalkBuilder::new(p).hidden(false).build() {
                let entry = entry.with_context(|| format!("{}: cannot walk", p.display()))?;
                let is_nb = entry
                    .path()
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("ipynb"));
                if is_nb && entry.file_type().is_some_and(|t| t.is_file()) {
                    files.push(entry.into_path());
                }
            }
        } else {
            files.push(p.clone());
        }
    }
    let (mut pending, mut errors) = (0, 0);
    for f in &files {
        let shown = escape(&f.to_string_lossy()).into_owned();
        let outcome = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|t| crate::strip::strip(&t, &opts));
        match outcome {
            Err(e) => {
                eprintln!("caulk: {shown}: {}", escape(&e));
                errors += 1;
            }
            Ok(None) => {}
            Ok(Some(_)) if args.check => {
                println!(
                    "caulk: {shown}: outputs or metadata to strip (run `caulk strip {shown}`)"
                );
                pending += 1;
            }
            Ok(Some(new)) => match write_in_place(f, &new) {
                Ok(()) => println!("caulk: {shown}: stripped"),
                Err(e) => {
                    eprintln!("caulk: {shown}: cannot write: {e}");
                    errors += 1;
                }
            },
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

/// Runs `f` on the report destination: `--output FILE` or standard output.
fn with_output(
    path: Option<&PathBuf>,
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    match path {
        Some(p) => {
            let file = File::create(p)
                .with_context(|| format!("{}: cannot write the report", p.display()))?;
            let mut w = BufWriter::new(file);
            f(&mut w)
                .and_then(|_| w.flush())
                .with_context(|| format!("{}: cannot write the report", p.display()))
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
    if args.path.exists() && !args.force {
        bail!(
            "{}: already exists; edit it, or pass --force to replace it",
            args.path.display()
        );
    }
    std::fs::write(&args.path, config::STARTER)
        .with_context(|| format!("{}: cannot write", args.path.display()))?;
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
    let confidence = match rule.validate {
        Some(check) => format!(
            "high when its `{}` check passes (offline), low when it fails",
            serde_json::to_value(check)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
        None => format!("{} (the format matched)", rule.base_confidence()),
    };
    let mut out = vec![
        format!("{} — {}", rule.id, rule.description),
        String::new(),
        format!("looks like   {shape}"),
        format!("regex        {}", rule.regex),
        format!("confidence   {confidence}"),
    ];
    if let Some(e) = rule.entropy {
        out.push(format!("entropy      at least {e} bits per character"));
    }
    if let Some(ex) = rule.examples.first() {
        let redacted = crate::finding::redact(ex.secret.as_bytes(), rule);
        out.push(format!(
            "example      {}",
            crate::rules::one_line(&ex.text.replace(&ex.secret, &redacted))
        ));
    }
    for (i, line) in report::wrap(&crate::rules::one_line(&rule.remediation), 86)
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
    with_output(None, |w| {
        for l in &out {
            writeln!(w, "{}", escape(l))?;
        }
        Ok(())
    })?;
    Ok(ExitStatus::Clean)
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
            serde_json::to_writer_pretty(&mut *w, &set.rules)?;
            writeln!(w)
        }
        ListFormat::Text => {
            let width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &set.rules {
                let trigger = match &r.path {
                    Some(p) => format!("path: {p}"),
                    None => r.keywords.join(", "),
                };
                writeln!(w, "{:width$}  {}  [{trigger}]", r.id, r.description)?;
            }
            Ok(())
        }
    })?;
    Ok(ExitStatus::Clean)
}
