//! The operator's and member's surface: the `deskflow` CLI against the test stack, the scripted
//! journey, `/metrics`, the docker-compose file and the published schemas.
//!
//! [`commands`]: the CLI end to end; [`operations`]: the scripted journey and `/metrics`;
//! [`compose`]: docker-compose.yml; [`bench`]: the benchmark; [`workspace_commands`]: `deskflow
//! workspaces get|update|bookings` and `--hours`/`--closures`; [`schemas`]: Restate's OpenAPI
//! of each service against the handlers and `deskflow api`; [`fuzz`]: schemathesis over every
//! public service; [`supervision`]: `deskflow up` restarting what dies, `deskflow status` and
//! `deskflow stack`. This file runs the CLI for them
//! (and for the security journeys).

mod bench;
mod booking_commands;
mod commands;
mod compose;
mod fuzz;
mod operations;
mod schemas;
mod supervision;
mod workspace_commands;

use crate::harness::{ADMIN, TestStack};
use serde_json::Value;
use std::path::PathBuf;
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

/// CLI sessions in `dir`: the admin logged in, and a new member `name` registered with the
/// password `cli-password`; returns their session files.
pub(crate) fn sessions(s: &TestStack, dir: &tempfile::TempDir, name: &str) -> (PathBuf, PathBuf) {
    let (admin, member) = (
        dir.path().join("admin.json"),
        dir.path().join("member.json"),
    );
    ok(cli(
        s,
        &admin,
        &["auth", "login", "--email", ADMIN.0, "--password", ADMIN.1],
    ));
    let email = format!("cli-ws-{}@journeys.test", uuid::Uuid::new_v4().simple());
    ok(cli(
        s,
        &member,
        &[
            "auth",
            "register",
            "--email",
            &email,
            "--password",
            "cli-password",
            "--name",
            name,
        ],
    ));
    (admin, member)
}

pub(crate) async fn run_cli(
    s: &'static TestStack,
    session: std::path::PathBuf,
    args: Vec<String>,
) -> Output {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(s, &session, &a)
    })
    .await
    .unwrap()
}
