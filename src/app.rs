//! Wires the layers for the command line: flags become options once, here; the scan runs; a
//! reporter writes; the outcome becomes an exit status.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::{
    Cli, Command, CommonArgs, Format, HistoryArgs, ListFormat, RulesArgs, ScanArgs, StagedArgs,
    StripArgs,
};
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::git;
use crate::report::{self, ReportOptions};
use crate::rules::Ruleset;
use crate::sanitize::escape;
use crate::scan::{self, ScanOptions, ScanResult};

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Staged(args) => run_staged(args),
        Command::History(args) => run_history(args),
        Command::Rules(args) => run_rules(args),
        Command::Strip(args) => run_strip(args),
        Command::InstallHook(args) => {
            let msg = crate::hook::install(&git::open_repo()?, args.force, args.chain)?;
            println!("caulk: {msg}");
            Ok(ExitStatus::Clean)
        }
        Command::UninstallHook => {
            let msg = crate::hook::uninstall(&git::open_repo()?)?;
            println!("caulk: {msg}");
            Ok(ExitStatus::Clean)
        }
    }
}

/// The engine for the rules the flags select.
fn engine_for(common: &CommonArgs) -> Result<Engine> {
    Ok(Engine::new(
        Ruleset::builtin()?.select(&common.rules, &common.skip_rules)?,
    ))
}

fn run_scan(args: ScanArgs) -> Result<ExitStatus> {
    let engine = engine_for(&args.common)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let opts = ScanOptions {
        paths,
        no_ignore: args.no_ignore,
        follow: args.follow,
        max_file_size: args.common.max_file_size,
        threads: args.common.threads,
    };
    let mut result = scan::scan(&engine, &opts);
    let status = report(&mut result, &engine, &args.common)?;
    if args.strip_outputs {
        strip_output_only_notebooks(&result.findings);
    }
    Ok(status)
}

fn run_staged(args: StagedArgs) -> Result<ExitStatus> {
    let engine = engine_for(&args.common)?;
    let mut result = git::staged(
        &engine,
        &git::StagedOptions {
            max_file_size: args.common.max_file_size,
        },
    )?;
    let status = report(&mut result, &engine, &args.common)?;
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
    let engine = engine_for(&args.common)?;
    let opts = git::HistoryOptions {
        range: args.range.clone(),
        all: args.all,
        since_commit: args.since_commit.clone(),
        max_file_size: args.common.max_file_size,
        threads: args.common.threads,
        progress: !args.common.quiet,
    };
    let mut result = git::history(&engine, &opts)?;
    report(&mut result, &engine, &args.common)
}

/// Prints warnings and errors, writes the report, and turns the result into an exit status.
fn report(result: &mut ScanResult, engine: &Engine, common: &CommonArgs) -> Result<ExitStatus> {
    let ignore = crate::suppress::IgnoreFile::load(&crate::suppress::ignore_dirs())?;
    let (suppressed, counts) =
        crate::suppress::apply(&mut result.findings, common.no_inline_allow, &ignore);
    result.summary.suppressed = counts;
    result
        .findings
        .retain(|f| f.confidence >= common.min_confidence);
    result.summary.count(&result.findings);
    if common.show_secrets {
        for f in &mut result.findings {
            f.secret = Some(f.raw_secret.clone());
        }
    }
    for w in &result.warnings {
        eprintln!("caulk: warning: {}", escape(w));
    }
    for e in &result.errors {
        eprintln!("caulk: {}", escape(e));
    }
    let color = common.format == Format::Text
        && !common.no_color
        && common.output.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && io::stdout().is_terminal();
    if !common.quiet || common.output.is_some() {
        let (findings, summary) = (&result.findings, &result.summary);
        with_output(common.output.as_ref(), |w| match common.format {
            Format::Text => report::text(w, findings, summary, ReportOptions { color }),
            Format::Json => report::json(
                w,
                findings,
                summary,
                &result.errors,
                common.show_suppressed.then_some(suppressed.as_slice()),
            ),
            Format::Sarif => report::sarif(w, findings, engine.rules()),
            Format::Github => report::github(w, findings, summary),
        })?;
    }
    Ok(ExitStatus::of_scan(
        result.findings.len(),
        result.errors.len(),
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

fn run_rules(args: RulesArgs) -> Result<ExitStatus> {
    let set = if args.check {
        Ruleset::builtin_with_examples()?
    } else {
        Ruleset::builtin()?
    };
    if args.check {
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
        println!(
            "caulk: {} rules compile; all {examples} examples pass",
            set.rules.len()
        );
        return Ok(ExitStatus::Clean);
    }
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
