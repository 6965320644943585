//! The booking and payment journeys: every way a booking can go, on the real stack, each ending
//! with the invariants checked against the database, localstripe's records and the mailbox.
//!
//! [`lifecycle`]: a paid booking from create to completion, and the member's cancel;
//! [`cards`]: declined cards and 3-D Secure; [`faults`]: provider outages, killed calls and a
//! killed endpoint; [`requests`]: racing, repeated and malformed requests; [`admin`]: what
//! admins find and cancel; [`as_state`]: a confirmed booking as its object's state;
//! [`upgrade`]: a release onto bookings made in the earlier shape. This file holds the mailbox
//! helpers they share.

mod admin;
mod as_state;
mod cards;
mod faults;
mod lifecycle;
mod requests;
mod reschedule;
mod retention;
mod told;
mod upgrade;
mod waitlist;

use crate::harness::eventually;
use std::time::Duration;

async fn wait_subject(c: &crate::harness::Client, to: &str, prefix: &str) -> serde_json::Value {
    eventually(Duration::from_secs(60), || async {
        c.mails_to(to)
            .await
            .into_iter()
            .find(|m| m["subject"].as_str().is_some_and(|s| s.starts_with(prefix)))
    })
    .await
    .unwrap_or_else(|| panic!("{to} got no email starting with {prefix:?}"))
}
