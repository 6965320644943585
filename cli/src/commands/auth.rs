//! `deskflow auth`: register or log in, and keep the session (token and refresh token) for the
//! commands that follow.

use super::context::Ctx;
use super::output::green;
use clap::Subcommand;
use serde_json::json;
use std::process::ExitCode;

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

pub(super) async fn run(ctx: Ctx, cmd: AuthCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        AuthCmd::Register {
            email,
            password,
            name,
        } => register(ctx, &email, &password, &name).await?,
        AuthCmd::Login { email, password } => login(ctx, &email, &password).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn register(mut ctx: Ctx, email: &str, password: &str, name: &str) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call(
            "Auth/register",
            json!({"email": email, "password": password, "name": name}),
        )
        .await?;
    ctx.remember_login(email, &v)?;
    ctx.print(&v, |v| {
        format!(
            "{} registered {email} (user {})",
            green("✓"),
            v["user_id"].as_str().unwrap_or("?")
        )
    });
    Ok(())
}

async fn login(mut ctx: Ctx, email: &str, password: &str) -> anyhow::Result<()> {
    let v = ctx
        .api
        .call("Auth/login", json!({"email": email, "password": password}))
        .await?;
    ctx.remember_login(email, &v)?;
    ctx.print(&v, |v| {
        format!(
            "{} logged in as {email} until {}",
            green("✓"),
            v["expires_at"].as_str().unwrap_or("?")
        )
    });
    Ok(())
}
