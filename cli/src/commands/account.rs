//! `deskflow account`: the logged-in member's own name, password and the account itself. A
//! password change revokes every session of the account, this CLI's included, so the command
//! logs in again with the new password and stores that session. Deleting the account asks for
//! confirmation (unless `--yes`) and forgets the stored session afterwards.

use super::answer::text;
use super::context::Ctx;
use super::output::{green, money};
use clap::Subcommand;
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Change your display name
    Update {
        #[arg(long)]
        name: String,
    },
    /// Change your password; every other session of the account is logged out, this one logs
    /// in again with the new password
    Password {
        /// The password you have now
        #[arg(long, env = "DESKFLOW_CURRENT_PASSWORD", hide_env_values = true)]
        current: String,
        /// The password you want (8 to 128 characters)
        #[arg(long, env = "DESKFLOW_NEW_PASSWORD", hide_env_values = true)]
        new: String,
    },
    /// Delete your account: your bookings that have not started are cancelled (refund policy
    /// applies), your name and email are erased, and you are logged out everywhere
    Delete {
        /// Your password
        #[arg(long, env = "DESKFLOW_PASSWORD", hide_env_values = true)]
        password: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}

pub(super) async fn run(ctx: Ctx, cmd: AccountCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        AccountCmd::Update { name } => update(&ctx, &name).await?,
        AccountCmd::Password { current, new } => password(ctx, &current, &new).await?,
        AccountCmd::Delete { password, yes } => {
            if !yes && !confirmed_deletion()? {
                eprintln!("not deleted");
                return Ok(ExitCode::FAILURE);
            }
            delete(ctx, &password).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn update(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    let v = ctx.api.call("Users/update", json!({"name": name})).await?;
    ctx.print(&v, |v| {
        format!(
            "{} {} is now called {}",
            green("✓"),
            text(&v["email"]),
            text(&v["name"])
        )
    });
    Ok(())
}

async fn password(mut ctx: Ctx, current: &str, new: &str) -> anyhow::Result<()> {
    // who is logged in (and a fresh access token, refreshed here if it expired): the change
    // itself must not be retried after a refresh, since its 401 means a wrong password
    let me = ctx.api.call("Users/me", json!({})).await?;
    let email = text(&me["email"]);
    let v = ctx
        .api
        .call_once(
            "Users/change_password",
            json!({"current_password": current, "new_password": new}),
        )
        .await?;
    // the stored session was revoked by the change: replace it with a new login
    let login = ctx
        .api
        .call("Auth/login", json!({"email": email, "password": new}))
        .await
        .map_err(|e| {
            e.context(
                "the password was changed, but logging in again failed: run `deskflow auth login`",
            )
        })?;
    ctx.remember_login(&email, &login)?;
    ctx.print(&v, |_| {
        format!(
            "{} password changed for {email}; other sessions are logged out, this one is logged in again",
            green("✓")
        )
    });
    Ok(())
}

/// Asks on the terminal whether to delete the account; without a terminal to ask on, the
/// answer is an error telling to pass `--yes`.
fn confirmed_deletion() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("deleting the account needs confirmation: pass --yes");
    }
    eprint!(
        "Delete your account? Bookings that have not started are cancelled and your data is erased. Type 'delete' to confirm: "
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "delete")
}

async fn delete(mut ctx: Ctx, password: &str) -> anyhow::Result<()> {
    // not retried after a refresh: its 401 means a wrong password
    let v = ctx
        .api
        .call_once("Users/delete", json!({"password": password}))
        .await?;
    ctx.forget_login()?;
    ctx.print(&v, |v| {
        format!(
            "{} account deleted: {} booking(s) cancelled, {} refunded; you are logged out",
            green("✓"),
            v["cancelled_bookings"],
            money(v["refunded_cents"].as_i64().unwrap_or(0))
        )
    });
    Ok(())
}
