//! Wires the layers for the command line: flags become options once, here; the scan runs; a
//! reporter writes; the outcome becomes an exit status.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cli::{Cli, Command, Format, RulesArgs, ScanArgs};
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::report::{self, ReportOptions};
use crate::rules::Ruleset;
use crate::sanitize::escape;
use crate::scan::{self, ScanOptions};

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Rules(args) => run_rules(args),
    }
}

fn run_scan(args: ScanArgs) -> Result<ExitStatus> {
    let rules = Ruleset::builtin()?.select(&args.rules, &args.skip_rules)?;
    let engine = Engine::new(rules);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let opts = ScanOptions {
        paths,
        no_ignore: args.no_ignore,
        follow: args.follow,
        max_file_size: args.max_file_size,
        threads: args.threads,
    };
    let mut result = scan::scan(&engine, &opts);
    if args.show_secrets {
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
    let color = args.format == Format::Text
        && !args.no_color
        && args.output.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && io::stdout().is_terminal();
    if !args.quiet {
        with_output(args.output.as_ref(), |w| match args.format {
            Format::Text => report::text(
                w,
                &result.findings,
                &result.summary,
                ReportOptions { color },
            ),
            Format::Json => report::json(w, &result.findings, &result.summary, &result.errors),
        })?;
    }
    Ok(ExitStatus::of_scan(
        result.findings.len(),
        result.errors.len(),
    ))
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
    let set = Ruleset::builtin()?;
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
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &set.rules)?;
            writeln!(w)
        }
        Format::Text => {
            let width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &set.rules {
                writeln!(
                    w,
                    "{:width$}  {}  [{}]",
                    r.id,
                    r.description,
                    r.keywords.join(", ")
                )?;
            }
            Ok(())
        }
    })?;
    Ok(ExitStatus::Clean)
}
