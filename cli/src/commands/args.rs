//! The command line itself: the global flags every command shares and the list of commands.
//! Each group's own flags live beside the code that runs them ([`super::auth`],
//! [`super::bookings`], ...); this is only where they are put together for clap.

use super::{account, admin, auth, bookings, journey, report, workspaces};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Restate ingress
    #[arg(
        long,
        global = true,
        env = "DESKFLOW_RESTATE_INGRESS_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub ingress: String,
    /// Restate admin API
    #[arg(
        long,
        global = true,
        env = "DESKFLOW_RESTATE_ADMIN_URL",
        default_value = "http://127.0.0.1:9070"
    )]
    pub admin_url: String,
    /// Where `auth login` keeps the token (default ~/.config/deskflow/cli.json)
    #[arg(long, global = true, env = "DESKFLOW_CLI_CONFIG")]
    pub config_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Host every Restate service of deskflow, plus /health, /ready, /metrics, webhooks
    Serve,
    /// Install the pinned tools if missing and run the whole local stack until Ctrl-C
    Up(crate::up::UpArgs),
    /// Print every setting with its environment variable and default
    Config,
    /// Make restate-server's request-identity key pair if missing (the private key 0600) and
    /// print the endpoint's publickeyv1_... key (also written to --public when given)
    IdentityKey {
        /// The PEM private key restate-server signs requests with
        #[arg(long)]
        private: PathBuf,
        /// Where to write the public key, for DESKFLOW_RESTATE_IDENTITY_KEY_FILE
        #[arg(long)]
        public: Option<PathBuf>,
    },
    /// Register or log in; the token is stored for the next commands
    #[command(subcommand)]
    Auth(auth::AuthCmd),
    /// Your own account: change your name or password
    #[command(subcommand)]
    Account(account::AccountCmd),
    /// Open, list and inspect workspaces
    #[command(subcommand)]
    Workspaces(workspaces::WorkspacesCmd),
    /// Book, follow and cancel bookings
    #[command(subcommand)]
    Bookings(bookings::BookingsCmd),
    /// Reports for admins
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// Administration
    #[command(subcommand)]
    Admin(admin::AdminCmd),
    /// The public calls and their request fields (from the handlers' own schemas)
    Api(super::api::ApiArgs),
    /// Run the complete user journey against a running stack, checking every step
    Journey(journey::JourneyArgs),
    /// Benchmark booking journeys against the engine's floor on a stack of its own
    Bench(crate::bench::BenchArgs),
    /// A Restate cluster's health: nodes up, metadata quorum, partitions without a leader
    #[command(subcommand)]
    Cluster(ClusterCmd),
    /// Each process of a running `deskflow up`: up or restarting, restarts so far, its URL
    Status {
        #[command(flatten)]
        stack: StackDir,
    },
    /// Stop a process of a running `deskflow up` on purpose (it is not restarted), or start it
    /// again
    #[command(subcommand)]
    Stack(StackCmd),
}

/// Which running `deskflow up`: the data folder it was started with.
#[derive(Debug, clap::Args)]
pub struct StackDir {
    /// The data folder `deskflow up` runs on (default: the repository's .data)
    #[arg(long, env = "DESKFLOW_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl StackDir {
    pub fn path(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| crate::stack::tools::repo_root().join(".data"))
    }
}

#[derive(Debug, Subcommand)]
pub enum StackCmd {
    /// Stop a process (an endpoint retired by a release, say); the supervisor leaves it down
    Stop {
        /// The process, as `deskflow status` names it (deskflow, restate, e1, n2, ...)
        process: String,
        #[command(flatten)]
        stack: StackDir,
    },
    /// Start a stopped process again
    Start {
        process: String,
        #[command(flatten)]
        stack: StackDir,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCmd {
    /// Nodes, quorum and partition leaders, from each node's metrics; exits 1 when the
    /// cluster cannot serve (no quorum, or a partition without a leader)
    Status {
        /// The nodes' node-to-node addresses, comma-separated
        #[arg(
            long,
            env = "DESKFLOW_RESTATE_NODES",
            default_value = "http://127.0.0.1:5122/,http://127.0.0.1:5123/,http://127.0.0.1:5124/"
        )]
        nodes: String,
    },
}
