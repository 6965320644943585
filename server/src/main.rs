//! `deskflow-server`: the endpoint alone, what the Docker image runs. `serve` (the default)
//! hosts every Restate service; configuration comes from `DESKFLOW_*` variables, as for
//! `deskflow serve` (`deskflow config` lists them). `identity-key` makes restate-server's
//! request-identity key pair, as `deskflow identity-key` does.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The endpoint allocates and frees many small buffers per journaled step (protocol frames,
/// JSON, SQL rows); glibc's malloc spent ~10 % of its CPU on them under load, mimalloc less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "deskflow-server",
    version,
    about = "deskflow's Restate endpoint"
)]
struct Args {
    /// Log one JSON object per line (same as DESKFLOW_LOG_FORMAT=json)
    #[arg(long, global = true)]
    json_logs: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Host every Restate service of deskflow, plus /health, /ready, /metrics, webhooks
    Serve,
    /// Make restate-server's request-identity key pair if missing (the private key 0600) and
    /// print the endpoint's publickeyv1_... key (also written to --public when given)
    IdentityKey {
        #[arg(long)]
        private: PathBuf,
        #[arg(long)]
        public: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let done = match args.command.unwrap_or(Command::Serve) {
        Command::Serve => deskflow_server::serve::main(args.json_logs).await,
        Command::IdentityKey { private, public } => {
            deskflow_server::keys::key_pair_files(&private, public.as_deref())
                .map(|key| println!("{key}"))
        }
    };
    match done {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deskflow-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
