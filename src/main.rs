//! The `globetrace` command: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use globetrace::cli::{Cli, Job};
use globetrace::run::{self, Finish};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "globetrace: {} (try --help)",
                first_line(&e.render().to_string())
            );
            return ExitCode::from(2);
        }
    };
    let job = match cli.into_job() {
        Ok(job) => job,
        Err(msg) => {
            eprintln!("globetrace: error: {msg}");
            return ExitCode::from(2);
        }
    };
    let outcome = match &job {
        Job::Trace(cfg) => run::trace(cfg),
        Job::Annotate(cfg) => run::annotate(cfg),
        Job::Locate(cfg) => run::locate(cfg),
        Job::Remote(cfg) => run::remote(cfg),
    };
    match outcome {
        Ok(Finish::Done) => ExitCode::SUCCESS,
        Ok(Finish::Interrupted) => ExitCode::from(130),
        Err(e) => {
            eprintln!("globetrace: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// clap's message without its usage block: the paragraph that says what was wrong, on one line.
fn first_line(rendered: &str) -> String {
    let para: Vec<&str> = rendered
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    if para.is_empty() {
        "invalid arguments".to_string()
    } else {
        para.join(" ")
    }
}
