//! The `deskflow` command line: `serve` and `up` run the system; the other commands talk to a
//! running stack through the Restate ingress and admin API, print for people (colors, tables)
//! or, with `--json`, for scripts.

pub mod client;
pub mod journey;
pub mod output;

use clap::{Args, Parser, Subcommand};
use client::{Api, Session, session_path};
use output::{bold, green, money, red, status as paint_status, table};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
    Auth(AuthCmd),
    /// Open, list and inspect workspaces
    #[command(subcommand)]
    Workspaces(WorkspacesCmd),
    /// Book, follow and cancel bookings
    #[command(subcommand)]
    Bookings(BookingsCmd),
    /// Reports for admins
    #[command(subcommand)]
    Report(ReportCmd),
    /// Administration
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Run the complete user journey against a running stack, checking every step
    Journey(journey::JourneyArgs),
    /// Benchmark booking journeys against the engine's floor on a stack of its own
    Bench(crate::bench::BenchArgs),
    /// A Restate cluster's health: nodes up, metadata quorum, partitions without a leader
    #[command(subcommand)]
    Cluster(ClusterCmd),
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

#[derive(Debug, Subcommand)]
pub enum AuthCmd {
    /// Create an account and log in as it
    Register {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: String,
    },
    /// Log in
    Login {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkspacesCmd {
    /// Open a workspace (admin)
    Create(CreateWorkspace),
    /// List active workspaces
    List,
    /// Free seats per hour in a window
    Availability {
        workspace_id: String,
        /// RFC 3339, e.g. 2031-03-03T00:00:00Z
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct CreateWorkspace {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub location: String,
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    #[arg(long)]
    pub capacity: i64,
    /// price per seat-hour in minor units
    #[arg(long)]
    pub hourly_rate_cents: i64,
    #[arg(long, default_value = "EUR")]
    pub currency: String,
    #[arg(long, default_value = "08:00")]
    pub opens_at: String,
    #[arg(long, default_value = "20:00")]
    pub closes_at: String,
}

#[derive(Debug, Subcommand)]
pub enum BookingsCmd {
    /// Book seats; prints the booking id at once (follow it with `watch`)
    Create {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        starts_at: String,
        #[arg(long)]
        ends_at: String,
        #[arg(long, default_value_t = 1)]
        seats: i64,
        #[arg(long, default_value = "pm_card_visa")]
        payment_method: String,
        /// the same key twice makes one booking
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Where a booking stands
    Status { booking_id: String },
    /// My bookings
    List,
    /// Cancel: through the workflow (refund per policy), or --force through Restate's admin
    /// API (an operator's cancel: full refund, compensation runs)
    Cancel {
        booking_id: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        force: bool,
    },
    /// Follow a booking until it is confirmed or final; exit 0 when confirmed or completed
    Watch {
        booking_id: String,
        /// give up after this many seconds
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// wait past `confirmed` for a final status (completed, cancelled, ...)
        #[arg(long = "final")]
        until_final: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Bookings by status, revenue, refunds and occupancy (admin)
    Summary {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Register a new user and give them the admin role; needs an admin's login. Stops when the
    /// email is registered already: this command promotes only the account it created
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Compare every settled booking's payment with the provider and every workspace's seats
    /// with its bookings; --fix settles the payment differences. Exits 1 while differences
    /// remain unfixed
    Reconcile {
        #[arg(long)]
        fix: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve => {
            deskflow_server::serve::main(cli.json_logs).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Up(args) => {
            deskflow_server::telemetry::init(
                if cli.json_logs { "json" } else { "text" },
                "warn,deskflow=info",
            );
            crate::up::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            let rows: Vec<Vec<String>> = deskflow_infra::Config::reference()
                .into_iter()
                .map(|(f, v, m, d)| vec![f.to_string(), v.to_string(), d, m.to_string()])
                .collect();
            println!(
                "{}",
                table(
                    &["SETTING", "ENVIRONMENT VARIABLE", "DEFAULT", "MEANING"],
                    &rows
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::IdentityKey { private, public } => {
            let key = deskflow_server::keys::key_pair_files(&private, public.as_deref())?;
            println!("{key}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Journey(args) => journey::run(&cli.ingress, args).await,
        Command::Bench(args) => {
            deskflow_server::telemetry::init("text", "warn");
            crate::bench::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cluster(ClusterCmd::Status { nodes }) => {
            let urls: Vec<String> = nodes
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            let healthy = deskflow_server::cluster::print_status(&urls, cli.json).await?;
            Ok(if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        command => {
            let path = session_path(cli.config_file.clone());
            let session = Session::load(&path);
            let api =
                Api::with_session(&cli.ingress, &cli.admin_url, session.clone(), path.clone());
            let ctx = Ctx {
                api,
                json: cli.json,
                path,
                session,
            };
            ctx.dispatch(command).await
        }
    }
}

struct Ctx {
    api: Api,
    json: bool,
    path: PathBuf,
    session: Session,
}

impl Ctx {
    fn print(&self, v: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        } else {
            println!("{}", human(v));
        }
    }

    /// Stores the session an `Auth/register` or `Auth/login` answer holds.
    fn login(&mut self, email: &str, answer: &Value) -> anyhow::Result<()> {
        self.session = Session {
            ingress_url: Some(self.api.ingress.clone()),
            email: Some(email.into()),
            token: answer["token"].as_str().map(str::to_string),
            expires_at: answer["expires_at"].as_str().map(str::to_string),
            refresh_token: answer["refresh_token"].as_str().map(str::to_string),
        };
        self.session.save(&self.path)
    }

    async fn dispatch(mut self, command: Command) -> anyhow::Result<ExitCode> {
        match command {
            Command::Auth(AuthCmd::Register {
                email,
                password,
                name,
            }) => {
                let v = self
                    .api
                    .call(
                        "Auth/register",
                        json!({"email": email, "password": password, "name": name}),
                    )
                    .await?;
                self.login(&email, &v)?;
                self.print(&v, |v| {
                    format!(
                        "{} registered {email} (user {})",
                        green("✓"),
                        v["user_id"].as_str().unwrap_or("?")
                    )
                });
            }
            Command::Auth(AuthCmd::Login { email, password }) => {
                let v = self
                    .api
                    .call("Auth/login", json!({"email": email, "password": password}))
                    .await?;
                self.login(&email, &v)?;
                self.print(&v, |v| {
                    format!(
                        "{} logged in as {email} until {}",
                        green("✓"),
                        v["expires_at"].as_str().unwrap_or("?")
                    )
                });
            }
            Command::Workspaces(WorkspacesCmd::Create(w)) => {
                let body = json!({"name": w.name, "location": w.location, "timezone": w.timezone, "capacity": w.capacity,
                                  "hourly_rate_cents": w.hourly_rate_cents, "currency": w.currency, "opens_at": w.opens_at, "closes_at": w.closes_at});
                let v = self.api.call("Workspaces/create", body).await?;
                self.print(&v, |v| {
                    format!(
                        "{} workspace {} opened",
                        green("✓"),
                        v["workspace_id"].as_str().unwrap_or("?")
                    )
                });
            }
            Command::Workspaces(WorkspacesCmd::List) => {
                let v = self.api.call("Workspaces/list", json!({})).await?;
                self.print(&v, |v| {
                    let rows: Vec<Vec<String>> = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|w| {
                                    vec![
                                        s(&w["workspace_id"]),
                                        s(&w["name"]),
                                        s(&w["location"]),
                                        w["capacity"].to_string(),
                                        format!(
                                            "{} {}",
                                            money(w["hourly_rate_cents"].as_i64().unwrap_or(0)),
                                            s(&w["currency"])
                                        ),
                                        format!(
                                            "{}-{} {}",
                                            s(&w["opens_at"]),
                                            s(&w["closes_at"]),
                                            s(&w["timezone"])
                                        ),
                                    ]
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    table(
                        &["ID", "NAME", "LOCATION", "SEATS", "PER SEAT-HOUR", "OPEN"],
                        &rows,
                    )
                });
            }
            Command::Workspaces(WorkspacesCmd::Availability {
                workspace_id,
                from,
                to,
            }) => {
                let v = self
                    .api
                    .call(
                        "Workspaces/availability",
                        json!({"workspace_id": workspace_id, "from": from, "to": to}),
                    )
                    .await?;
                self.print(&v, |v| {
                    let rows: Vec<Vec<String>> = v["intervals"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|i| {
                                    vec![
                                        s(&i["starts_at"]),
                                        s(&i["ends_at"]),
                                        i["free_seats"].to_string(),
                                    ]
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    table(&["FROM", "TO", "FREE SEATS"], &rows)
                });
            }
            Command::Bookings(BookingsCmd::Create {
                workspace,
                starts_at,
                ends_at,
                seats,
                payment_method,
                idempotency_key,
            }) => {
                let body = json!({"workspace_id": workspace, "starts_at": starts_at, "ends_at": ends_at, "seats": seats, "payment_method": payment_method});
                let v = self
                    .api
                    .call_with("Bookings/create", body, idempotency_key.as_deref())
                    .await?;
                self.print(&v, |v| {
                    let id = v["booking_id"].as_str().unwrap_or("?");
                    format!(
                        "{} booking {id} is {}; follow it with: deskflow bookings watch {id}",
                        green("✓"),
                        paint_status(&s(&v["status"]))
                    )
                });
            }
            Command::Bookings(BookingsCmd::Status { booking_id }) => {
                let v = self.api.booking_status(&booking_id).await?;
                self.print(&v, booking_text);
            }
            Command::Bookings(BookingsCmd::List) => {
                let v = self.api.call("Users/bookings", json!({})).await?;
                self.print(&v, |v| {
                    let rows: Vec<Vec<String>> = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|b| {
                                    vec![
                                        s(&b["booking_id"]),
                                        paint_status(&s(&b["status"])),
                                        s(&b["starts_at"]),
                                        s(&b["ends_at"]),
                                        b["seats"].to_string(),
                                        format!(
                                            "{} {}",
                                            money(b["amount_cents"].as_i64().unwrap_or(0)),
                                            s(&b["currency"])
                                        ),
                                    ]
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    table(&["ID", "STATUS", "FROM", "TO", "SEATS", "AMOUNT"], &rows)
                });
            }
            Command::Bookings(BookingsCmd::Cancel {
                booking_id,
                reason,
                force,
            }) => {
                if force {
                    let sql = format!(
                        "SELECT id FROM sys_invocation WHERE target_service_name = 'Booking' AND target_service_key = '{}' AND target_handler_name = 'run' AND status <> 'completed'",
                        booking_id.replace('\'', "''")
                    );
                    let rows = self.api.admin_query(&sql).await?;
                    let Some(id) = rows.first().and_then(|r| r["id"].as_str()) else {
                        anyhow::bail!(
                            "no running workflow for booking {booking_id}: it has finished, or the id is wrong"
                        );
                    };
                    self.api.cancel_invocation(id).await?;
                    let v =
                        json!({"booking_id": booking_id, "invocation_id": id, "cancelled": true});
                    self.print(&v, |_| format!("{} asked Restate to cancel invocation {id}; compensation runs now (deskflow bookings watch {booking_id})", green("✓")));
                } else {
                    let v = self
                        .api
                        .call(
                            &format!("Booking/{booking_id}/cancel"),
                            json!({"reason": reason}),
                        )
                        .await?;
                    self.print(&v, |v| {
                        format!(
                            "{} booking {booking_id} is {}; refunded {}",
                            green("✓"),
                            paint_status(&s(&v["status"])),
                            money(v["refund_cents"].as_i64().unwrap_or(0))
                        )
                    });
                }
            }
            Command::Bookings(BookingsCmd::Watch {
                booking_id,
                timeout,
                until_final,
            }) => {
                return self.watch(&booking_id, timeout, until_final).await;
            }
            Command::Report(ReportCmd::Summary { from, to }) => {
                let v = self
                    .api
                    .call("Reporting/summary", json!({"from": from, "to": to}))
                    .await?;
                self.print(&v, summary_text);
            }
            Command::Admin(AdminCmd::Create {
                email,
                password,
                name,
            }) => {
                // an existing account's password was chosen by whoever registered it: promoting
                // it here would hand the admin role to them, so that takes an explicit
                // Admin/promote by an admin who knows whose account it is
                match self
                    .api
                    .call(
                        "Auth/register",
                        json!({"email": email, "password": password, "name": name}),
                    )
                    .await
                {
                    Ok(_) => {}
                    Err(e)
                        if e.downcast_ref::<client::ApiError>()
                            .is_some_and(|a| a.status == 409) =>
                    {
                        anyhow::bail!(
                            "{email} is registered already: not promoting an account this command did not create. \
                             If it is the right person's, an admin can promote it with POST /Admin/promote {{\"email\"}}"
                        );
                    }
                    Err(e) => return Err(e),
                }
                let v = self
                    .api
                    .call("Admin/promote", json!({"email": email}))
                    .await?;
                self.print(&v, |v| {
                    format!("{} {} is an admin", green("✓"), s(&v["email"]))
                });
            }
            Command::Admin(AdminCmd::Reconcile { fix }) => {
                let v = self
                    .api
                    .call("Admin/reconcile", json!({ "fix": fix }))
                    .await?;
                self.print(&v, reconcile_text);
                let found = v["differences"].as_array().map_or(0, Vec::len) as i64;
                if found > v["fixed"].as_i64().unwrap_or(0) {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Serve
            | Command::Up(_)
            | Command::Config
            | Command::IdentityKey { .. }
            | Command::Journey(_)
            | Command::Bench(_)
            | Command::Cluster(_) => {
                unreachable!("handled in run")
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn watch(
        &self,
        booking_id: &str,
        timeout: u64,
        until_final: bool,
    ) -> anyhow::Result<ExitCode> {
        let tty = std::io::stderr().is_terminal() && !self.json;
        let started = Instant::now();
        let mut last = String::new();
        let mut frame = 0usize;
        loop {
            let v = self.api.booking_status(booking_id).await?;
            let st = s(&v["status"]);
            if st != last {
                if tty {
                    eprint!("\r");
                }
                if !self.json {
                    println!(
                        "{} {}",
                        bold(&format!("[{:>5.1}s]", started.elapsed().as_secs_f64())),
                        paint_status(&st)
                    );
                }
                last = st.clone();
            }
            let done = matches!(
                st.as_str(),
                "completed" | "cancelled" | "rejected" | "expired" | "failed"
            ) || (st == "confirmed" && !until_final);
            if done {
                self.print(&v, booking_text);
                return Ok(if matches!(st.as_str(), "confirmed" | "completed") {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                });
            }
            if started.elapsed() > Duration::from_secs(timeout) {
                anyhow::bail!("booking {booking_id} is still {st} after {timeout} s");
            }
            if tty {
                eprint!("\r{} waiting ({st})", output::SPINNER[frame % 4]);
                let _ = std::io::stderr().flush();
                frame += 1;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

fn s(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| {
        if v.is_null() {
            String::new()
        } else {
            v.to_string()
        }
    })
}

/// A booking's status for people.
pub fn booking_text(v: &Value) -> String {
    let p = &v["payment"];
    let mut lines = vec![
        format!("booking   {}", s(&v["booking_id"])),
        format!("status    {}", paint_status(&s(&v["status"]))),
        format!("workspace {}", s(&v["workspace_id"])),
        format!("slot      {} -> {}", s(&v["starts_at"]), s(&v["ends_at"])),
        format!("seats     {}", v["seats"]),
        format!(
            "amount    {} {}",
            money(v["amount_cents"].as_i64().unwrap_or(0)),
            s(&v["currency"])
        ),
        format!(
            "payment   {} (captured {}, refunded {})",
            paint_status(&s(&p["status"])),
            money(p["captured_cents"].as_i64().unwrap_or(0)),
            money(p["refunded_cents"].as_i64().unwrap_or(0))
        ),
    ];
    if let Some(r) = v["reason"].as_str() {
        lines.push(format!("reason    {}", red(r)));
    }
    lines.join("\n")
}

/// `Reporting/summary` for people.
pub fn summary_text(v: &Value) -> String {
    let b = &v["bookings"];
    let counts: Vec<Vec<String>> = [
        "confirmed",
        "completed",
        "cancelled",
        "rejected",
        "expired",
        "failed",
        "pending",
    ]
    .iter()
    .map(|k| vec![k.to_string(), b[*k].as_i64().unwrap_or(0).to_string()])
    .collect();
    let occ: Vec<Vec<String>> = v["occupancy"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| {
                    vec![
                        s(&o["workspace_id"]),
                        format!("{:.1}", o["booked_seat_hours"].as_f64().unwrap_or(0.0)),
                        format!("{:.1}", o["available_seat_hours"].as_f64().unwrap_or(0.0)),
                        format!("{:.1}%", o["ratio"].as_f64().unwrap_or(0.0) * 100.0),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{}\n\nrevenue   {}\nrefunded  {}\n\n{}",
        table(&["BOOKINGS", "COUNT"], &counts),
        money(v["revenue_cents"].as_i64().unwrap_or(0)),
        money(v["refunded_cents"].as_i64().unwrap_or(0)),
        table(
            &["WORKSPACE", "BOOKED SEAT-H", "OPEN SEAT-H", "OCCUPANCY"],
            &occ
        )
    )
}

/// `Admin/reconcile`'s answer for people: what was checked, each difference, what was fixed.
pub fn reconcile_text(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["differences"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    vec![
                        s(&d["booking_id"]),
                        s(&d["kind"]),
                        s(&d["expected"]),
                        s(&d["found"]),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    let checked = v["checked"].as_i64().unwrap_or(0);
    if rows.is_empty() {
        return format!("{} {checked} checked, no differences", green("✓"));
    }
    format!(
        "{}\n\n{} {checked} checked, {} differences, {} fixed",
        table(&["BOOKING", "KIND", "EXPECTED", "FOUND"], &rows),
        red("✗"),
        rows.len(),
        v["fixed"].as_i64().unwrap_or(0)
    )
}
