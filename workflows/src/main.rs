//! The `deskflow` binary: parse the command line and hand over to [`deskflow::cli`].

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = deskflow::cli::Cli::parse();
    match deskflow::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("deskflow: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
