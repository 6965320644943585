//! `deskflow up`: the whole local stack in one command. Installs the pinned tools when
//! missing, starts restate-server, maildev, localstripe and the endpoint, registers the
//! deployment, prints where everything is, and stops it all on Ctrl-C. With `--control` it
//! serves the test harness instead: a `READY <json>` line on stdout, then one command per stdin
//! line (`stop|start|kill <process>`, `register`, `env KEY=VALUE` for the endpoint's next start,
//! `release`: a new endpoint as a new deployment and the old one retired), answered `ok ...` or `err ...`; end of stdin
//! (the harness exited) stops the stack. With `--cluster` it runs the same on a three-node
//! Restate cluster with two endpoints behind HAProxy, on PostgreSQL (docs/cluster.md).

use crate::stack::{ClusterPorts, Ports, Stack, StackOptions, socket};
use anyhow::Context;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// Where the database, restate's data, keys and logs go
    #[arg(long, env = "DESKFLOW_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Pick free ports instead of the documented defaults (8080, 9070, 9080, 1025, 1080, 8420, ...)
    #[arg(long)]
    pub random_ports: bool,
    /// Test-harness mode: print READY <json>, take commands on stdin, stop when stdin closes
    #[arg(long)]
    pub control: bool,
    /// Extra environment for the endpoint, `KEY=VALUE` (repeatable)
    #[arg(long = "endpoint-env", value_name = "KEY=VALUE")]
    pub endpoint_env: Vec<String>,
    /// Three replicated restate-server nodes and two endpoints behind HAProxy, on PostgreSQL
    /// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/deskflow)
    #[arg(long)]
    pub cluster: bool,
}

/// The database a cluster stack uses when DATABASE_URL is not set.
pub const CLUSTER_DEFAULT_DATABASE: &str = "postgres://postgres@127.0.0.1:5432/deskflow";

/// The admin that `up` creates when none is configured, so a fresh stack can open workspaces.
pub const DEV_ADMIN: (&str, &str) = ("admin@deskflow.local", "deskflow-admin");

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let ports = if args.random_ports {
        Ports::random()?
    } else {
        Ports::defaults()
    };
    let data_dir_given = args.data_dir.is_some();
    let data_dir = args
        .data_dir
        .unwrap_or_else(|| crate::stack::tools::repo_root().join(".data"));
    let mut endpoint_env = Vec::new();
    if std::env::var("DESKFLOW_ADMIN_EMAIL").is_err() && !args.control {
        endpoint_env.push(("DESKFLOW_ADMIN_EMAIL".to_string(), DEV_ADMIN.0.to_string()));
        endpoint_env.push((
            "DESKFLOW_ADMIN_PASSWORD".to_string(),
            DEV_ADMIN.1.to_string(),
        ));
    }
    for kv in &args.endpoint_env {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--endpoint-env {kv:?} is not KEY=VALUE"))?;
        endpoint_env.push((k.to_string(), v.to_string()));
    }
    let cluster = if args.cluster {
        let url = endpoint_env
            .iter()
            .rev()
            .find(|(k, _)| k == "DATABASE_URL")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .unwrap_or_else(|| CLUSTER_DEFAULT_DATABASE.to_string());
        let url = ensure_postgres(&url).await?;
        endpoint_env.push(("DATABASE_URL".into(), url));
        Some(if args.random_ports {
            ClusterPorts::random()?
        } else {
            ClusterPorts::defaults()
        })
    } else {
        None
    };
    let mut stack = Stack::start(StackOptions {
        data_dir,
        ports,
        endpoint_env,
        outside: None,
        cluster,
    })
    .await?;
    if args.control {
        return control(stack).await;
    }
    let i = stack.info().clone();
    println!("deskflow is up.");
    println!("  ingress (API)     {}", i.ingress_url);
    println!("  Restate UI        {}", i.restate_ui_url);
    println!("  Restate admin     {}", i.admin_url);
    println!("  mailbox (maildev) {}", i.mailbox_url);
    println!("  Stripe emulator   {}", i.stripe_url);
    println!("  health/metrics    {}/ready", i.http_url);
    println!(
        "  database          {}",
        deskflow_server::serve::redact(&i.database_url)
    );
    if let Some(c) = &i.cluster {
        for n in &c.nodes {
            println!(
                "  node {}           ingress {}  admin {}  node-to-node {}",
                n.name, n.ingress_url, n.admin_url, n.fabric_url
            );
        }
        for e in &c.endpoints {
            println!(
                "  endpoint {}       {}  health {}/health",
                e.name, e.endpoint_url, e.http_url
            );
        }
        println!("  balancer stats    {}", c.balancer_stats_url);
        println!("  snapshots         {}", c.snapshots_dir);
        println!(
            "  cluster status    deskflow cluster status  (or {} -s {} status)",
            c.restatectl, c.nodes[0].fabric_url
        );
    }
    println!("  logs              {}/logs/", i.data_dir);
    if std::env::var("DESKFLOW_ADMIN_EMAIL").is_err() {
        println!("  admin login       {} / {}", DEV_ADMIN.0, DEV_ADMIN.1);
    }
    println!(
        "  status            deskflow status{}",
        if data_dir_given {
            format!(" --data-dir {}", i.data_dir)
        } else {
            String::new()
        }
    );
    println!("Press Ctrl-C to stop.");
    let result = supervise(&mut stack, None).await;
    println!("stopping deskflow...");
    stack.stop_all();
    result
}

/// The supervisor's loop until Ctrl-C, SIGTERM, the end of `commands` (`--control`'s stdin)
/// or a process that keeps dying: a process that exits on its own is restarted, commands from
/// `commands` and from the data folder's socket are answered.
async fn supervise(
    stack: &mut Stack,
    mut commands: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
) -> anyhow::Result<()> {
    let mut asked = match socket::listen(stack.data_dir()) {
        Ok(rx) => Some(rx),
        Err(e) => {
            // a data folder whose path is too long for a Unix socket, say: the stack runs on
            eprintln!(
                "warning: {e:#}; `deskflow status` and `deskflow stack` cannot reach this stack"
            );
            None
        }
    };
    let listening = asked.is_some();
    let mut term = signal(SignalKind::terminate())?;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let control = commands.is_some();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term.recv() => return Ok(()),
            _ = tick.tick() => stack.supervise().await?,
            cmd = async { commands.as_mut()?.recv().await }, if control => match cmd {
                None => return Ok(()),
                Some(line) => {
                    let answer = handle(stack, line.trim()).await;
                    say(&match answer {
                        Ok(None) => format!("ok {}", line.trim()),
                        Ok(Some(more)) => format!("ok {} {more}", line.trim()),
                        Err(e) => format!("err {e:#}").replace('\n', " | "),
                    });
                }
            },
            Some((line, reply)) = async { asked.as_mut()?.recv().await }, if listening => {
                let _ = reply.send(match handle(stack, &line).await {
                    Ok(None) => "ok".to_string(),
                    Ok(Some(more)) => format!("ok {more}"),
                    Err(e) => format!("err {e:#}").replace('\n', " | "),
                });
            }
        }
    }
}

async fn control(mut stack: Stack) -> anyhow::Result<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(l) = line else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    say(&format!("READY {}", serde_json::to_string(stack.info())?));
    let result = supervise(&mut stack, Some(rx)).await;
    stack.stop_all();
    result
}

/// One command of `--control` or of the socket; `Some(json)` for what it reports.
async fn handle(stack: &mut Stack, line: &str) -> anyhow::Result<Option<String>> {
    let (verb, name) = line.split_once(' ').unwrap_or((line, ""));
    if verb == "env" {
        let (k, v) = name
            .split_once('=')
            .with_context(|| format!("env takes KEY=VALUE, got {name:?}"))?;
        stack.set_endpoint_env(k, v);
        return Ok(None);
    }
    if !name.is_empty() && !stack.processes().contains(&name) {
        anyhow::bail!(
            "unknown process {name:?} (this stack runs {})",
            stack.processes().join(", ")
        );
    }
    match verb {
        // stopped or killed on purpose: held down, not restarted, until started again
        "stop" => {
            stack.hold(name);
            stack.stop_process(name);
        }
        "kill" => {
            stack.hold(name);
            stack.kill_process(name);
        }
        "start" => {
            stack.unhold(name);
            stack.start_process(name).await?;
        }
        "status" => return Ok(Some(serde_json::to_string(&stack.status())?)),
        "register" => stack.register_deployment().await?,
        // a new endpoint as a new deployment, the old one retired (single node)
        "release" => stack.release().await?,
        // waits until the cluster has a quorum and a leader for every partition again
        "leaders" => stack.wait_for_leaders(Duration::from_secs(120)).await?,
        other => anyhow::bail!("unknown command {other:?}"),
    }
    Ok(None)
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Checks that PostgreSQL answers at `url`, creating its database when the server answers but
/// the database does not exist yet; says what is needed when nothing answers.
async fn ensure_postgres(url: &str) -> anyhow::Result<String> {
    use sqlx::{Connection, Executor};
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        anyhow::bail!(
            "deskflow up --cluster needs PostgreSQL (both endpoints share one database); DATABASE_URL is {}. Set DATABASE_URL=postgres://user@host:5432/db",
            deskflow_server::serve::redact(url)
        );
    }
    match sqlx::PgConnection::connect(url).await {
        Ok(c) => {
            let _ = c.close().await;
            return Ok(url.to_string());
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {}
        Err(e) => anyhow::bail!(
            "deskflow up --cluster needs PostgreSQL, and none answers at {}: {e}. Start one (e.g. apt-get install postgresql, or docker run -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16) or point DATABASE_URL at yours",
            deskflow_server::serve::redact(url)
        ),
    }
    // the server answers, the database is missing: create it through the server's own database
    let name = url
        .split('?')
        .next()
        .and_then(|u| u.rsplit_once('/'))
        .map(|(_, db)| db.to_string())
        .filter(|db| !db.is_empty() && db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .with_context(|| {
            format!(
                "cannot read a database name from {}",
                deskflow_server::serve::redact(url)
            )
        })?;
    let server = deskflow_infra::store::scratch::with_database(url, "postgres");
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .with_context(|| {
            format!(
                "cannot connect to {}",
                deskflow_server::serve::redact(&server)
            )
        })?;
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .with_context(|| format!("cannot create database {name}"))?;
    let _ = admin.close().await;
    eprintln!("deskflow: created database {name}");
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_cluster_without_postgres_says_what_it_needs() {
        let e = super::ensure_postgres("sqlite:///tmp/x.db")
            .await
            .unwrap_err();
        assert!(format!("{e:#}").contains("needs PostgreSQL"), "{e:#}");
        // nothing listens on port 1
        let e = super::ensure_postgres("postgres://postgres@127.0.0.1:1/deskflow")
            .await
            .unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("none answers") && msg.contains("DATABASE_URL"),
            "{msg}"
        );
    }
}
