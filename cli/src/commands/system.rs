//! The commands that run or inspect the system itself rather than call its API as a member or
//! admin: `serve` (the endpoint in this process), `up` (the local stack), `bench`, `config`,
//! `identity-key`, `cluster status`, and `status` and `stack` for a running `up`. None of them
//! needs a stored session.

use super::output::table;
use std::path::Path;
use std::process::ExitCode;

/// `deskflow serve`: hosts every Restate service of deskflow until stopped.
pub(super) async fn serve(json_logs: bool) -> anyhow::Result<ExitCode> {
    deskflow_server::serve::main(json_logs).await?;
    Ok(ExitCode::SUCCESS)
}

/// `deskflow up`: the whole local stack until Ctrl-C (or, with `--control`, stdin's end).
pub(super) async fn up(args: crate::up::UpArgs, json_logs: bool) -> anyhow::Result<ExitCode> {
    deskflow_server::telemetry::init(
        if json_logs { "json" } else { "text" },
        "warn,deskflow=info",
    );
    crate::up::run(args).await?;
    Ok(ExitCode::SUCCESS)
}

/// `deskflow config`: every setting with its environment variable, default and meaning.
pub(super) fn config() -> anyhow::Result<ExitCode> {
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

/// `deskflow identity-key`: restate-server's request-identity key pair, made if missing; prints
/// the endpoint's public key.
pub(super) fn identity_key(private: &Path, public: Option<&Path>) -> anyhow::Result<ExitCode> {
    let key = deskflow_server::keys::key_pair_files(private, public)?;
    println!("{key}");
    Ok(ExitCode::SUCCESS)
}

/// `deskflow bench`: the benchmark, on a stack of its own.
pub(super) async fn bench(args: crate::bench::BenchArgs) -> anyhow::Result<ExitCode> {
    deskflow_server::telemetry::init("text", "warn");
    crate::bench::run(args).await?;
    Ok(ExitCode::SUCCESS)
}

/// `deskflow cluster status`: exits 1 when the cluster cannot serve.
pub(super) async fn cluster_status(nodes: &str, json: bool) -> anyhow::Result<ExitCode> {
    let urls: Vec<String> = nodes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let healthy = deskflow_server::cluster::print_status(&urls, json).await?;
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `deskflow status`: each process of the `up` running on `data_dir`; exits 1 when one is not
/// up (restarting, stopped or down).
pub(super) async fn stack_status(data_dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let answer = crate::stack::socket::ask(data_dir, "status").await?;
    let Some(report) = answer.strip_prefix("ok ") else {
        anyhow::bail!("deskflow up answered: {answer}");
    };
    let processes: Vec<crate::stack::ProcessStatus> = serde_json::from_str(report)?;
    if json {
        println!("{}", serde_json::json!({ "processes": processes }));
    } else {
        let rows: Vec<Vec<String>> = processes
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.state.clone(),
                    p.restarts.to_string(),
                    p.pid.map(|n| n.to_string()).unwrap_or_default(),
                    p.url.clone().unwrap_or_default(),
                ]
            })
            .collect();
        println!(
            "{}",
            table(&["PROCESS", "STATE", "RESTARTS", "PID", "URL"], &rows)
        );
    }
    let all_up = processes
        .iter()
        .all(|p| p.state == "up" || p.state == "not run");
    Ok(if all_up {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `deskflow stack stop|start <process>`: one command to the `up` running on `data_dir`.
pub(super) async fn stack_command(data_dir: &Path, command: &str) -> anyhow::Result<ExitCode> {
    let answer = crate::stack::socket::ask(data_dir, command).await?;
    if let Some(e) = answer.strip_prefix("err ") {
        anyhow::bail!("{command}: {e}");
    }
    println!("✓ {command}");
    Ok(ExitCode::SUCCESS)
}
