//! `deskflow admin`: make an admin account (registering it first, never promoting one it did not
//! create) and reconcile payments and seats, with `--fix` to settle the differences.

use super::answer::text;
use super::client::ApiError;
use super::context::Ctx;
use super::output::{green, red, table};
use clap::Subcommand;
use serde_json::{Value, json};
use std::process::ExitCode;

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

pub(super) async fn run(ctx: Ctx, cmd: AdminCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        AdminCmd::Create {
            email,
            password,
            name,
        } => {
            create(&ctx, &email, &password, &name).await?;
            Ok(ExitCode::SUCCESS)
        }
        AdminCmd::Reconcile { fix } => reconcile(&ctx, fix).await,
    }
}

async fn create(ctx: &Ctx, email: &str, password: &str, name: &str) -> anyhow::Result<()> {
    // an existing account's password was chosen by whoever registered it: promoting it here
    // would hand the admin role to them, so that takes an explicit Admin/promote by an admin
    // who knows whose account it is
    match ctx
        .api
        .call(
            "Auth/register",
            json!({"email": email, "password": password, "name": name}),
        )
        .await
    {
        Ok(_) => {}
        Err(e)
            if e.downcast_ref::<ApiError>()
                .is_some_and(|a| a.status == 409) =>
        {
            anyhow::bail!(
                "{email} is registered already: not promoting an account this command did not create. \
                 If it is the right person's, an admin can promote it with POST /Admin/promote {{\"email\"}}"
            );
        }
        Err(e) => return Err(e),
    }
    let v = ctx
        .api
        .call("Admin/promote", json!({"email": email}))
        .await?;
    ctx.print(&v, |v| {
        format!("{} {} is an admin", green("✓"), text(&v["email"]))
    });
    Ok(())
}

/// Exits 1 while differences remain unfixed.
async fn reconcile(ctx: &Ctx, fix: bool) -> anyhow::Result<ExitCode> {
    let v = ctx
        .api
        .call("Admin/reconcile", json!({ "fix": fix }))
        .await?;
    ctx.print(&v, reconcile_text);
    let found = v["differences"].as_array().map_or(0, Vec::len) as i64;
    Ok(if found > v["fixed"].as_i64().unwrap_or(0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `Admin/reconcile`'s answer for people: what was checked, each difference, what was fixed.
fn reconcile_text(v: &Value) -> String {
    let rows: Vec<Vec<String>> = v["differences"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    vec![
                        text(&d["booking_id"]),
                        text(&d["kind"]),
                        text(&d["expected"]),
                        text(&d["found"]),
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
