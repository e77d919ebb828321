//! The `globetrace` command: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use globetrace::cli::{Cli, GeoOptions, Job};
use globetrace::run::{self, Finish};
use globetrace::{config, data_status, manual};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(config::hoist_flags(std::env::args_os())) {
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
    let choice = cli.config_choice();
    let settings = match config::load(&choice) {
        Ok(settings) => settings,
        // Someone else's home (`sudo -u`, setpriv keeping HOME): their file is not ours, and
        // it is skipped as a missing one is (errors stay one line).
        Err(e) if choice == config::Choice::Default && e.is_unreadable() => {
            config::Settings::default()
        }
        Err(e) => {
            eprintln!("globetrace: error: {e}");
            return ExitCode::from(2);
        }
    };
    let job = match cli.into_job(&settings) {
        Ok(job) => job,
        Err(msg) => {
            eprintln!("globetrace: error: {msg}");
            return ExitCode::from(2);
        }
    };
    let outcome = match &job {
        Job::Trace(cfg) => run::trace(cfg),
        Job::Annotate(cfg) => run::annotate(cfg),
        Job::Data(opts) => return data(opts),
        Job::Completions(shell) => {
            manual::completions(*shell, &mut std::io::stdout().lock());
            return ExitCode::SUCCESS;
        }
        Job::Man => {
            return match manual::man_page(&mut std::io::stdout().lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("globetrace: error: cannot write the man page: {e}");
                    ExitCode::from(1)
                }
            };
        }
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

/// `globetrace data`: the status on stdout, warnings on stderr.
fn data(opts: &GeoOptions) -> ExitCode {
    match data_status::status(opts) {
        Ok(status) => {
            print!("{}", status.text);
            for w in &status.warnings {
                eprintln!("globetrace: warning: {w}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("globetrace: error: {e}");
            ExitCode::from(1)
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
