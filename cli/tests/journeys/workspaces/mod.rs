//! Workspace management on the real stack: `Workspaces/get`, `update` and `bookings`
//! ([`manage`]), and weekly hours and closure dates as bookings, availability and the summary
//! see them ([`hours`]). Workspaces here are in UTC, so a day of the calendar is a day of the
//! workspace, and slots are days ahead at 10:00-12:00, inside every opening hour used.

mod close;
mod hours;
mod manage;

use crate::harness::Client;
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

/// The UTC date `days` from today.
pub fn date_in(days: i64) -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::days(days)).date_naive()
}

/// The API's key of `day`'s weekday.
pub fn weekday_key(day: NaiveDate) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.weekday().num_days_from_monday() as usize]
}

/// `HH:MM`-`HH:MM` UTC on `day`, RFC 3339.
pub fn slot_on(day: NaiveDate, from: &str, to: &str) -> (String, String) {
    (format!("{day}T{from}:00Z"), format!("{day}T{to}:00Z"))
}

/// A UTC workspace open 08:00-20:00 on every weekday but `closed` (if any), with `closures`.
pub async fn weekly_workspace(
    c: &Client,
    admin: &str,
    capacity: i64,
    rate: i64,
    closed: Option<&str>,
    closures: &[String],
) -> String {
    let mut hours = serde_json::Map::new();
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        let h = if Some(day) == closed {
            Value::Null
        } else {
            json!(["08:00", "20:00"])
        };
        hours.insert(day.into(), h);
    }
    let r = c
        .post(
            "Workspaces/create",
            json!({"name": format!("Week {}", uuid::Uuid::new_v4().simple()), "location": "Quay 3",
                   "timezone": "UTC", "capacity": capacity, "hourly_rate_cents": rate, "currency": "EUR",
                   "hours": hours, "closures": closures}),
            Some(admin),
        )
        .await
        .ok();
    r["workspace_id"].as_str().unwrap().into()
}
