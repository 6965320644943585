//! A booking as people read it: the status view `bookings status` prints and `bookings watch`
//! shows as it changes.

use super::answer::text;
use super::output::{money, red, status as paint_status};
use serde_json::Value;

/// A booking's status (`Booking/{id}/status`) for people.
pub(super) fn booking_text(v: &Value) -> String {
    let p = &v["payment"];
    let mut lines = vec![
        format!("booking   {}", text(&v["booking_id"])),
        format!("status    {}", paint_status(&text(&v["status"]))),
        format!("workspace {}", text(&v["workspace_id"])),
        format!(
            "slot      {} -> {}",
            text(&v["starts_at"]),
            text(&v["ends_at"])
        ),
        format!("seats     {}", v["seats"]),
        format!(
            "amount    {} {}",
            money(v["amount_cents"].as_i64().unwrap_or(0)),
            text(&v["currency"])
        ),
        format!(
            "payment   {} (captured {}, refunded {})",
            paint_status(&text(&p["status"])),
            money(p["captured_cents"].as_i64().unwrap_or(0)),
            money(p["refunded_cents"].as_i64().unwrap_or(0))
        ),
    ];
    if let Some(r) = v["reason"].as_str() {
        lines.push(format!("reason    {}", red(r)));
    }
    lines.join("\n")
}
