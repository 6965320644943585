//! The `deskflow` command line.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "deskflow",
    version,
    about = "Coworking-space bookings as durable Restate workflows"
)]
pub struct Cli {
    /// Log one JSON object per line (same as DESKFLOW_LOG_FORMAT=json)
    #[arg(long, global = true)]
    pub json_logs: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Host every Restate service of deskflow, plus /health, /ready on the HTTP port
    Serve,
    /// Install the pinned tools if missing and run the whole local stack until Ctrl-C
    Up(crate::up::UpArgs),
    /// Print every setting with its environment variable and default
    Config,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let mut cfg = deskflow_infra::Config::load()?;
            if cli.json_logs {
                cfg.log_format = "json".into();
            }
            crate::telemetry::init(&cfg.log_format, &cfg.log_filter);
            crate::serve::run(cfg, shutdown_signal()).await
        }
        Command::Up(args) => {
            crate::telemetry::init(
                if cli.json_logs { "json" } else { "text" },
                "warn,deskflow=info",
            );
            crate::up::run(args).await
        }
        Command::Config => {
            println!("{:<28} {:<36} DEFAULT", "SETTING", "ENVIRONMENT VARIABLE");
            for (field, var, meaning, default) in deskflow_infra::Config::reference() {
                println!("{field:<28} {var:<36} {default}  # {meaning}");
            }
            Ok(())
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
