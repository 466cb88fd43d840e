//! The `wgmail` binary: parses the command line, loads the configuration, sets up logging and calls
//! the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wgmail::cli::{Cli, Command};
use wgmail::config::{Config, ConfigHandle};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // `wgmail tally FILE` reads an archive, not a site: no config is loaded, nothing is logged
    // about one.
    if !wgmail::cli::needs_site(&cli.command) {
        return match wgmail::cli::tally_offline(cli.command, &mut std::io::stdout().lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wgmail: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let (config, problems) = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wgmail: configuration refused:\n{e}");
            return ExitCode::from(2);
        }
    };
    for p in &problems {
        tracing::error!(file = %p.file.display(), key = %p.key, reason = %p.reason, "list file refused");
    }
    let result = match cli.command {
        Command::Serve => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("wgmail: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            runtime.block_on(wgmail::server::serve(ConfigHandle::new(config)))
        }
        command => wgmail::cli::run(&config, command, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wgmail: {e:#}");
            ExitCode::FAILURE
        }
    }
}
