//! Thin entry point: parse the command line, run, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = caulk::cli::Cli::parse();
    match caulk::app::run(cli) {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("caulk: {}", caulk::sanitize::escape(&format!("{e:#}")));
            caulk::exit::ExitStatus::Error.into()
        }
    }
}
