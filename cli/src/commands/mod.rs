//! The `deskflow` command line: `serve` and `up` run the system; the other commands talk to a
//! running stack through the Restate ingress and admin API, print for people (colors, tables)
//! or, with `--json`, for scripts (the server's answer exactly as it came).
//!
//! [`run`] hands each command group to the module that runs it: `system` for the commands that
//! run or inspect the system, `auth`, `account`, `workspaces`, `bookings` (and `watch`), `report` and
//! `admin` for the API's, `journey` for the scripted user journey.

mod account;
mod admin;
mod answer;
mod api;
mod args;
mod auth;
mod booking_text;
mod bookings;
mod client;
mod context;
mod force_cancel;
mod hours_arg;
mod journey;
mod output;
mod report;
mod system;
mod watch;
mod workspace_admin;
mod workspaces;

pub use args::{Cli, Command};
use args::{ClusterCmd, StackCmd};
use context::Ctx;
use std::process::ExitCode;

/// Runs one command; the exit code says whether it got what it asked for.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Cli {
        json_logs,
        json,
        ingress,
        admin_url,
        config_file,
        command,
    } = cli;
    let ctx = || Ctx::open(&ingress, &admin_url, json, config_file);
    match command {
        Command::Serve => system::serve(json_logs).await,
        Command::Up(args) => system::up(args, json_logs).await,
        Command::Config => system::config(),
        Command::IdentityKey { private, public } => {
            system::identity_key(&private, public.as_deref())
        }
        Command::Journey(args) => journey::run(&ingress, args).await,
        Command::Bench(args) => system::bench(args).await,
        Command::Cluster(ClusterCmd::Status { nodes }) => {
            system::cluster_status(&nodes, json).await
        }
        Command::Status { stack } => system::stack_status(&stack.path(), json).await,
        Command::Stack(StackCmd::Stop { process, stack }) => {
            system::stack_command(&stack.path(), &format!("stop {process}")).await
        }
        Command::Stack(StackCmd::Start { process, stack }) => {
            system::stack_command(&stack.path(), &format!("start {process}")).await
        }
        Command::Auth(cmd) => auth::run(ctx(), cmd).await,
        Command::Account(cmd) => account::run(ctx(), cmd).await,
        Command::Workspaces(cmd) => workspaces::run(ctx(), cmd).await,
        Command::Bookings(cmd) => bookings::run(ctx(), cmd).await,
        Command::Report(cmd) => report::run(ctx(), cmd).await,
        Command::Admin(cmd) => admin::run(ctx(), cmd).await,
        Command::Api(args) => api::run(args, json),
    }
}
