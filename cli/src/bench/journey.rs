//! One benchmark journey as HTTP calls: create a booking, then wait until it is confirmed,
//! through deskflow's services or one of the engine's floors ([`Target`]). The driver's workers
//! and the long-lived mix (`mix.rs`) both book through these.

use anyhow::{Context, bail};
use deskflow_domain::booking::BookingStatus;
use serde_json::{Value, json};

/// What a run books through: deskflow's services or the floor's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Deskflow,
    Floor,
    /// the floor in the earlier shape: its `run` stays suspended until the slot
    ReferenceFloor,
    /// deskflow with the long-lived flows: of every ten journeys two also reschedule and two
    /// wait on the waitlist (`mix.rs`)
    Mix,
}

/// One journey: create, then wait until the booking is settled (must be confirmed). Answers
/// the booking id and its slot's start.
pub(super) async fn journey(
    http: &reqwest::Client,
    ingress: &str,
    token: &str,
    workspaces: &[String],
    target: Target,
    n: u64,
) -> anyhow::Result<(String, chrono::DateTime<chrono::Utc>)> {
    let (create, wait) = match target {
        Target::Deskflow | Target::Mix => ("Bookings/create", "Booking"),
        Target::Floor => ("FloorBookings/create", "FloorBooking"),
        Target::ReferenceFloor => ("FloorBookings/create_reference", "FloorReferenceBooking"),
    };
    // spread slots over workspaces, days and hours so no slot fills up
    let ws = &workspaces[(n % workspaces.len() as u64) as usize];
    let day = 1 + (n / workspaces.len() as u64) % 300;
    let hour = (n / 7) % 23;
    let start = (chrono::Utc::now().date_naive() + chrono::Days::new(day))
        .and_hms_opt(hour as u32, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let end = start + chrono::Duration::minutes(30);
    let body = json!({"workspace_id": ws, "starts_at": rfc3339(start), "ends_at": rfc3339(end), "seats": 1, "payment_method": "pm_card_visa"});
    let id = create_booking(http, ingress, token, create, body).await?;
    wait_confirmed(http, ingress, token, wait, &id).await?;
    Ok((id, start))
}

pub(super) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `create` with `body`; the new booking's id.
pub(super) async fn create_booking(
    http: &reqwest::Client,
    ingress: &str,
    token: &str,
    create: &str,
    body: Value,
) -> anyhow::Result<String> {
    let v = call(http, ingress, token, create, body).await?;
    Ok(v["booking_id"]
        .as_str()
        .context("no booking id")?
        .to_string())
}

/// `{wait}/{id}/wait` until the booking is settled; an error unless it is confirmed.
pub(super) async fn wait_confirmed(
    http: &reqwest::Client,
    ingress: &str,
    token: &str,
    wait: &str,
    id: &str,
) -> anyhow::Result<()> {
    let v = call(
        http,
        ingress,
        token,
        &format!("{wait}/{id}/wait"),
        json!({}),
    )
    .await?;
    let status = serde_json::from_value::<BookingStatus>(v["status"].clone()).ok();
    if status != Some(BookingStatus::Confirmed) {
        bail!("booking {id} ended {}: {}", v["status"], v["reason"]);
    }
    Ok(())
}

/// `POST {ingress}/{path}` as the member of `token`: the answer's JSON, anything but a 2xx as
/// an error naming the call.
pub(super) async fn call(
    http: &reqwest::Client,
    ingress: &str,
    token: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let r = http
        .post(format!("{ingress}/{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("{path}: {} {}", r.status(), r.text().await?);
    }
    Ok(r.json().await?)
}
