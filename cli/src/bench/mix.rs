//! The long-lived flows' journeys of the mixed run (`Target::Mix`): besides the plain booking,
//! one that books and then reschedules to a longer slot (a second payment for the difference),
//! and one that fills a one-seat slot, waits for it on the waitlist and is served when the
//! holder cancels. Each counts as one journey; its latency runs until its last answer.

use super::journey::{Target, call, create_booking, journey, rfc3339, wait_confirmed};
use anyhow::bail;
use serde_json::json;
use std::time::Duration;

/// Book half an hour, wait until confirmed, then move it to an hour at another time of the
/// same day (the difference is charged): the journey ends with the reschedule's answer.
pub(super) async fn reschedule_journey(
    http: &reqwest::Client,
    ingress: &str,
    token: &str,
    workspaces: &[String],
    n: u64,
) -> anyhow::Result<()> {
    let (id, start) = journey(http, ingress, token, workspaces, Target::Mix, n).await?;
    let day = start.date_naive();
    let hour = (chrono::Timelike::hour(&start) + 12) % 22;
    let new_start = day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc();
    let body = json!({"starts_at": rfc3339(new_start), "ends_at": rfc3339(new_start + chrono::Duration::hours(1))});
    let v = call(
        http,
        ingress,
        token,
        &format!("Booking/{id}/reschedule"),
        body,
    )
    .await?;
    if v["charged_cents"].as_i64().unwrap_or(0) <= 0 {
        bail!("reschedule of {id} charged nothing: {v}");
    }
    Ok(())
}

/// One member books a one-seat slot; another asks for it with `"waitlist": true` and waits;
/// the first cancels, and the journey ends when the waiter is confirmed.
pub(super) async fn waitlist_journey(
    http: &reqwest::Client,
    ingress: &str,
    (holder, waiter): (&str, &str),
    workspaces: &[String],
    n: u64,
) -> anyhow::Result<()> {
    // every such journey has a slot of its own: 47 half-hours a day, 700 days, per workspace
    let ws = &workspaces[(n % workspaces.len() as u64) as usize];
    let k = n / workspaces.len() as u64;
    let start = (chrono::Utc::now().date_naive() + chrono::Days::new(1 + (k / 47) % 700))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        + chrono::Duration::minutes(30 * (k % 47) as i64);
    let slot = |pm: &str, waitlist: bool| {
        json!({"workspace_id": ws, "starts_at": rfc3339(start), "ends_at": rfc3339(start + chrono::Duration::minutes(30)),
               "seats": 1, "payment_method": pm, "waitlist": waitlist})
    };
    let held = create_booking(
        http,
        ingress,
        holder,
        "Bookings/create",
        slot("pm_card_visa", false),
    )
    .await?;
    wait_confirmed(http, ingress, holder, "Booking", &held).await?;
    let id = create_booking(
        http,
        ingress,
        waiter,
        "Bookings/create",
        slot("pm_card_visa", true),
    )
    .await?;
    // `wait` answers at confirmed or final; waitlisted is neither: look until it waits
    let mut status = String::new();
    for _ in 0..600 {
        let v = call(
            http,
            ingress,
            waiter,
            &format!("Booking/{id}/status"),
            json!({}),
        )
        .await?;
        status = v["status"].as_str().unwrap_or_default().to_string();
        if status != "pending" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if status != "waitlisted" {
        bail!("booking {id} is {status}, not waitlisted");
    }
    call(
        http,
        ingress,
        holder,
        &format!("Booking/{held}/cancel"),
        json!({}),
    )
    .await?;
    wait_confirmed(http, ingress, waiter, "Booking", &id).await
}
