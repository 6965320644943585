//! The `deskflow` binary: parse the command line and hand over to [`deskflow::commands`].

use clap::Parser;

/// The endpoint allocates and frees many small buffers per journaled step (protocol frames,
/// JSON, SQL rows); glibc's malloc spent ~10 % of its CPU on them under load, mimalloc less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = deskflow::commands::Cli::parse();
    match deskflow::commands::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("deskflow: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
