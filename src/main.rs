//! The `globetrace` command: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use globetrace::cli::Cli;
use globetrace::run::{self, Finish};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with exit 0; real usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let cfg = match cli.into_config() {
        Ok(cfg) => cfg,
        Err(msg) => {
            eprintln!("globetrace: error: {msg}");
            return ExitCode::from(2);
        }
    };
    match run::trace(&cfg) {
        Ok(Finish::Done) => ExitCode::SUCCESS,
        Ok(Finish::Interrupted) => ExitCode::from(130),
        Err(e) => {
            eprintln!("globetrace: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
