//! The operator's and member's surface: the `deskflow` CLI against the test stack, the scripted
//! journey, `/metrics`, the docker-compose file and the published schemas.
//!
//! [`commands`]: the CLI end to end; [`operations`]: the scripted journey and `/metrics`;
//! [`compose`]: docker-compose.yml; [`bench`]: the benchmark; [`workspace_commands`]: `deskflow
//! workspaces get|update|bookings` and `--hours`/`--closures`; [`schemas`]: Restate's OpenAPI
//! of each service against the handlers and `deskflow api`; [`fuzz`]: schemathesis over every
//! public service. This file runs the CLI for them
//! (and for the security journeys).

mod bench;
mod commands;
mod compose;
mod fuzz;
mod operations;
mod schemas;
mod workspace_commands;

use crate::harness::TestStack;
use serde_json::Value;
use std::process::Output;

/// Runs the deskflow binary against the test stack with its own CLI session file.
pub(crate) fn cli(s: &TestStack, session: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
        .args([
            "--ingress",
            &s.info.ingress_url,
            "--admin-url",
            &s.info.admin_url,
        ])
        .args(args)
        .env("DESKFLOW_CLI_CONFIG", session)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub(crate) fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        text(&o)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub(crate) fn json_of(o: Output) -> Value {
    let out = ok(o);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

async fn run_cli(s: &'static TestStack, session: std::path::PathBuf, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(s, &session, &a)
    })
    .await
    .unwrap()
}
