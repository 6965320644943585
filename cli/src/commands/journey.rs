//! `deskflow journey`: the seed's complete user journey against a running stack (register ->
//! workspace -> booking -> payment -> cancel -> report -> close), printing each step with what it
//! checked, and stopping with a non-zero exit at the first broken expectation, naming it. It is
//! the smoke test of the README's quick start.

use super::answer::booking_status;
use super::client::{Api, ApiError};
use super::output::{green, money, red};
use anyhow::{Context, bail};
use chrono::{DurationRound, Utc};
use deskflow_domain::booking::BookingStatus;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct JourneyArgs {
    /// An admin's email (opens the workspace, reads the report)
    #[arg(long, env = "DESKFLOW_ADMIN_EMAIL", default_value = crate::up::DEV_ADMIN.0)]
    pub admin_email: String,
    #[arg(long, env = "DESKFLOW_ADMIN_PASSWORD", default_value = crate::up::DEV_ADMIN.1)]
    pub admin_password: String,
    /// How long the booking may take to be confirmed
    #[arg(long, default_value_t = 120)]
    pub wait_secs: u64,
}

pub async fn run(ingress: &str, args: JourneyArgs) -> anyhow::Result<ExitCode> {
    let mut j = Journey {
        ingress: ingress.to_string(),
        args,
        step: 0,
    };
    match j.go().await {
        Ok(()) => {
            println!("{} the journey passed: {} steps", green("✓"), j.step);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{} step {} failed: {e:#}", red("✗"), j.step);
            Ok(ExitCode::from(1))
        }
    }
}

struct Journey {
    ingress: String,
    args: JourneyArgs,
    step: usize,
}

impl Journey {
    fn api(&self, token: Option<&str>) -> Api {
        Api::new(&self.ingress, "", token.map(str::to_string))
    }

    fn begin(&mut self, name: &str) {
        self.step += 1;
        println!("{}. {name}", self.step);
    }

    fn checked(&self, what: String) {
        println!("   {} {what}", green("✓"));
    }

    async fn go(&mut self) -> anyhow::Result<()> {
        self.begin("register a member");
        let email = format!("journey-{}@deskflow.test", uuid::Uuid::new_v4().simple());
        let r = self
            .api(None)
            .call(
                "Auth/register",
                json!({"email": email, "password": "journey-password", "name": "Journey"}),
            )
            .await
            .context("register")?;
        let token = r["token"]
            .as_str()
            .context("no token in the answer")?
            .to_string();
        let me = self.api(Some(&token)).call("Users/me", json!({})).await?;
        expect(
            me["email"] == email.as_str(),
            format!("Users/me says {}", me["email"]),
        )?;
        self.checked(format!(
            "user {} registered, Users/me knows {email}",
            s(&r["user_id"])
        ));

        self.begin("log in as admin");
        let r = self
            .api(None)
            .call(
                "Auth/login",
                json!({"email": self.args.admin_email, "password": self.args.admin_password}),
            )
            .await
            .context("admin login (set --admin-email/--admin-password)")?;
        let admin = r["token"].as_str().context("no token")?.to_string();
        let me = self.api(Some(&admin)).call("Users/me", json!({})).await?;
        expect(
            me["role"] == "admin",
            format!("{} has role {}", self.args.admin_email, me["role"]),
        )?;
        self.checked(format!("{} has the admin role", self.args.admin_email));

        self.begin("open a workspace");
        let name = format!(
            "Journey Loft {}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let r = self
            .api(Some(&admin))
            .call(
                "Workspaces/create",
                json!({"name": name, "location": "Journey Street 1", "timezone": "UTC", "capacity": 2,
                       "hourly_rate_cents": 1200, "currency": "EUR", "opens_at": "00:00", "closes_at": "23:59"}),
            )
            .await?;
        let ws = s(&r["workspace_id"]);
        let list = self
            .api(Some(&token))
            .call("Workspaces/list", json!({}))
            .await?;
        expect(
            list.as_array()
                .is_some_and(|a| a.iter().any(|w| w["workspace_id"] == ws.as_str())),
            "the member's list lacks it".into(),
        )?;
        self.checked(format!("workspace {ws} ({name}) is listed for members"));

        self.begin("check availability");
        // on the hour, 1-2 hours ahead: inside 00:00-23:59 whatever the time of day
        let start =
            (Utc::now() + chrono::Duration::hours(2)).duration_trunc(chrono::Duration::hours(1))?;
        let end = start + chrono::Duration::minutes(30);
        let (from, to) = (rfc(start), rfc(end));
        let av = self
            .api(Some(&token))
            .call(
                "Workspaces/availability",
                json!({"workspace_id": ws, "from": from, "to": to}),
            )
            .await?;
        let free = av["intervals"][0]["free_seats"].as_i64().unwrap_or(-1);
        expect(free == 2, format!("expected 2 free seats, got {av}"))?;
        self.checked(format!("2 of 2 seats free {from} -> {to}"));

        self.begin("book a seat");
        let r = self
            .api(Some(&token))
            .call("Bookings/create", one_seat(&ws, &from, &to))
            .await?;
        let id = s(&r["booking_id"]);
        expect(
            booking_status(&r) == Some(BookingStatus::Pending),
            format!("status {}", r["status"]),
        )?;
        self.checked(format!("booking {id} accepted as pending"));

        self.begin("pay: the booking is confirmed and the payment captured");
        let st = self
            .wait_until(&token, &id, &[BookingStatus::Confirmed])
            .await?;
        let amount = st["amount_cents"].as_i64().unwrap_or(0);
        expect(
            st["payment"]["captured_cents"].as_i64() == Some(amount),
            format!("captured {} of {amount}", st["payment"]["captured_cents"]),
        )?;
        let pay = self
            .api(Some(&token))
            .call(&format!("Payment/{id}/status"), json!({}))
            .await?;
        expect(
            pay["status"] == "captured",
            format!("Payment/status says {}", pay["status"]),
        )?;
        self.checked(format!(
            "confirmed; {} EUR captured at the provider ({})",
            money(amount),
            s(&pay["provider_ref"])
        ));

        self.begin("cancel: half refunded (less than 24 h before the start)");
        let r = self
            .api(Some(&token))
            .call(
                &format!("Booking/{id}/cancel"),
                json!({"reason": "journey done"}),
            )
            .await?;
        expect(
            booking_status(&r) == Some(BookingStatus::Cancelled),
            format!("status {}", r["status"]),
        )?;
        let refund = r["refund_cents"].as_i64().unwrap_or(-1);
        expect(
            refund == amount / 2,
            format!("refunded {refund}, expected {}", amount / 2),
        )?;
        let st = self
            .api(Some(&token))
            .call(&format!("Booking/{id}/status"), json!({}))
            .await?;
        expect(
            st["payment"]["refunded_cents"].as_i64() == Some(refund),
            format!("payment {}", st["payment"]),
        )?;
        self.checked(format!("cancelled, {} EUR refunded", money(refund)));

        self.begin("report");
        let day_start = start.duration_trunc(chrono::Duration::days(1))?;
        let sum = self
            .api(Some(&admin))
            .call(
                "Reporting/summary",
                json!({"from": rfc(day_start), "to": rfc(day_start + chrono::Duration::days(1))}),
            )
            .await?;
        let cancelled = sum["bookings"]["cancelled"].as_i64().unwrap_or(0);
        let refunded = sum["refunded_cents"].as_i64().unwrap_or(0);
        expect(
            cancelled >= 1 && refunded >= refund,
            format!("summary {sum}"),
        )?;
        self.checked(format!(
            "the report counts {cancelled} cancelled booking(s) and {} EUR refunded that day",
            money(refunded)
        ));

        self.begin("close the workspace: a booking not ended is refunded in full");
        let r = self
            .api(Some(&token))
            .call("Bookings/create", one_seat(&ws, &from, &to))
            .await?;
        let second = s(&r["booking_id"]);
        self.wait_until(&token, &second, &[BookingStatus::Confirmed])
            .await?;
        let closed = self
            .api(Some(&admin))
            .call(
                "Workspaces/close",
                json!({"workspace_id": ws, "reason": "the journey closes the workspace"}),
            )
            .await?;
        expect(
            closed["cancelled_bookings"] == 1 && closed["refunded_cents"] == amount,
            format!("expected 1 booking cancelled and {amount} refunded: {closed}"),
        )?;
        let st = self
            .api(Some(&token))
            .call(&format!("Booking/{second}/status"), json!({}))
            .await?;
        expect(
            booking_status(&st) == Some(BookingStatus::Cancelled)
                && st["payment"]["refunded_cents"].as_i64() == Some(amount),
            format!("booking {second} after the close: {st}"),
        )?;
        let list = self
            .api(Some(&token))
            .call("Workspaces/list", json!({}))
            .await?;
        expect(
            list.as_array()
                .is_some_and(|a| a.iter().all(|w| w["workspace_id"] != ws.as_str())),
            "the closed workspace is still listed".into(),
        )?;
        let refused = self
            .api(Some(&token))
            .call_once("Bookings/create", one_seat(&ws, &from, &to))
            .await;
        expect(
            refused
                .as_ref()
                .err()
                .and_then(|e| e.downcast_ref::<ApiError>())
                .is_some_and(|e| e.status == 409),
            format!("a booking of the closed workspace answered {refused:?}"),
        )?;
        self.checked(format!(
            "booking {second} cancelled, {} EUR refunded; the workspace left the list and refuses bookings",
            money(amount)
        ));
        Ok(())
    }

    async fn wait_until(
        &self,
        token: &str,
        id: &str,
        wanted: &[BookingStatus],
    ) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let st = self.api(Some(token)).booking_status(id).await?;
            let status = s(&st["status"]);
            let typed = booking_status(&st);
            if typed.is_some_and(|t| wanted.contains(&t)) {
                return Ok(st);
            }
            if typed.is_some_and(BookingStatus::is_final) {
                let wanted: Vec<&str> = wanted.iter().map(|w| w.as_str()).collect();
                bail!(
                    "expected {wanted:?}, the booking ended {status}: {}",
                    s(&st["reason"])
                );
            }
            if started.elapsed() > Duration::from_secs(self.args.wait_secs) {
                bail!("still {status} after {} s", self.args.wait_secs);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// `Bookings/create`'s body: one seat of `ws` from `from` to `to`, paid by the test card.
fn one_seat(ws: &str, from: &str, to: &str) -> Value {
    json!({"workspace_id": ws, "starts_at": from, "ends_at": to, "seats": 1, "payment_method": "pm_card_visa"})
}

fn expect(ok: bool, otherwise: String) -> anyhow::Result<()> {
    if ok { Ok(()) } else { bail!(otherwise) }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn rfc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
