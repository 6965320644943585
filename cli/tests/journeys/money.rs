//! Money under any interleaving: cancels that race the saga's steps (member, admin, operator,
//! some twice, some during a provider outage), a member's cancel before confirmation, a free
//! workspace, and the reconciliation against the provider.

use crate::harness::{Client, TestStack, day_slot, eventually, in_secs, open_workspace, stack};
use crate::invariants::capacity_holds;
use crate::surface::{run_cli, sessions, text};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// `Admin/reconcile` as an admin.
async fn reconcile(c: &Client, admin: &str, fix: bool) -> Value {
    c.post("Admin/reconcile", json!({ "fix": fix }), Some(admin))
        .await
        .ok()
}

/// The differences `Admin/reconcile` reports for these bookings.
async fn differences_of(c: &Client, admin: &str, ids: &[String]) -> Vec<Value> {
    let report = reconcile(c, admin, false).await;
    report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| ids.iter().any(|id| d["booking_id"] == id.as_str()))
        .cloned()
        .collect()
}

/// The money of one finished booking at the provider and in its payment row: what the
/// provider kept equals what the booking's final status says, nothing is left authorized, the
/// row equals the provider.
async fn money_is_exact(s: &TestStack, booking_id: &str, status: &str, kept: i64) {
    let db = s.store().await;
    let row = db.booking(booking_id).await.unwrap().expect("booking row");
    assert_eq!(row.status.as_str(), status, "{row:?}");
    let Some(p) = db.payment(booking_id).await.unwrap() else {
        assert_eq!(
            kept, 0,
            "no payment row for {booking_id}, yet {kept} expected kept"
        );
        return;
    };
    let (captured, refunded, pi_status) = match &p.provider_ref {
        Some(pi) => {
            let m = s.provider().money(pi).await;
            (m.captured, m.refunded, m.status)
        }
        None => (0, 0, "none".to_string()),
    };
    assert_ne!(
        pi_status, "requires_capture",
        "{booking_id} ({status}) left an authorization open"
    );
    assert_eq!(
        captured - refunded,
        kept,
        "{booking_id} ({status}): the provider kept {} of {captured}",
        captured - refunded
    );
    assert_eq!(
        (p.captured_cents, p.refunded_cents),
        (captured, refunded),
        "{booking_id}: payment row differs from the provider ({pi_status})"
    );
}

/// A small repeatable pseudo-random sequence (xorshift), so a failing interleaving can be
/// replayed with its seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Cancels every booking at a random moment after its create, in one of the ways there are:
/// the member, an admin, an operator through Restate (some of each twice), partly while the
/// provider is down. Every booking's slot is days ahead, so every cancel refunds all: whatever
/// the interleaving, the provider must end holding nothing, nothing authorized, every payment
/// row equal to the provider, seats within capacity, and reconciliation clean.
#[tokio::test]
async fn cancels_at_random_moments_leave_every_booking_settled_exactly() {
    let s = stack();
    // a provider outage is part of the run: no other test may see it
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 60).await;
    let seed: u64 = std::env::var("DESKFLOW_RACE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_cafe);
    eprintln!("race seed {seed:#x} (DESKFLOW_RACE_SEED replays it)");
    let mut dice = Dice(seed);
    let dir = tempfile::tempdir().unwrap();
    let (operator, _) = sessions(s, &dir, "Operator");
    let mut members = Vec::new();
    for i in 0..6 {
        members.push(c.new_member(&format!("Racer{i}")).await);
    }
    let mut tasks = Vec::new();
    for i in 0..48u64 {
        let (_, token, _) = members[(i % 6) as usize].clone();
        let delay = dice.next(350);
        let how = dice.next(3);
        let twice = dice.next(4) == 0;
        let outage_phase = i >= 32;
        if i == 32 {
            // the last third is created and cancelled around a short provider outage
            let outage = s.outage("localstripe");
            tokio::time::sleep(Duration::from_millis(300)).await;
            let created = launch(s, &c, &admin, &operator, &ws, &token, i, delay, how, twice);
            tasks.push(created);
            tokio::time::sleep(Duration::from_millis(1500)).await;
            outage.end();
            continue;
        }
        let _ = outage_phase;
        tasks.push(launch(
            s, &c, &admin, &operator, &ws, &token, i, delay, how, twice,
        ));
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    // every booking ends cancelled (or, when its cancel came too late for anything but the
    // end, in another final status): never stuck
    for (id, token) in &ids {
        let v = c.wait_status(token, id, "final").await;
        assert_eq!(v["status"], "cancelled", "{v}");
    }
    for (id, _) in &ids {
        money_is_exact(s, id, "cancelled", 0).await;
    }
    capacity_holds(s, &ws).await;
    let just_ids: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
    let diffs = differences_of(&c, &admin, &just_ids).await;
    assert!(diffs.is_empty(), "reconciliation found {diffs:?}");
}

/// One booking of the race: created, then cancelled `how` (0 member, 1 admin, 2 operator with
/// `deskflow bookings cancel --force` in the `operator` session) after `delay_ms`, possibly
/// twice. Returns its id and its member's token.
#[allow(clippy::too_many_arguments)]
fn launch(
    s: &'static TestStack,
    c: &Client,
    admin: &str,
    operator: &Path,
    ws: &str,
    token: &str,
    i: u64,
    delay_ms: u64,
    how: u64,
    twice: bool,
) -> tokio::task::JoinHandle<(String, String)> {
    let c = Client {
        http: c.http.clone(),
        ingress: c.ingress.clone(),
        mailbox: c.mailbox.clone(),
    };
    let (admin, ws, token) = (admin.to_string(), ws.to_string(), token.to_string());
    let operator = operator.to_path_buf();
    tokio::spawn(async move {
        // slots 5 minutes apart from 09:00 UTC, three days ahead: the last ends at 13:25, inside
        // the 09:00-15:30 window where the open workspace's local day never ends
        let (start, end) = day_slot(3, 9 * 3600 + (i as i64) * 300, 1800);
        let id = c.book(&token, &ws, &start, &end, 1, "pm_card_visa").await;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        for round in 0..(if twice { 2 } else { 1 }) {
            match (how + round) % 3 {
                0 => {
                    let r = c
                        .post(
                            &format!("Booking/{id}/cancel"),
                            json!({"reason": "race"}),
                            Some(&token),
                        )
                        .await;
                    assert!(
                        matches!(r.status, 200 | 409),
                        "member cancel: {} {}",
                        r.status,
                        r.body
                    );
                }
                1 => {
                    let r = c
                        .post(
                            "Admin/cancel_booking",
                            json!({"booking_id": id, "reason": "race"}),
                            Some(&admin),
                        )
                        .await;
                    assert!(
                        matches!(r.status, 200 | 409),
                        "admin cancel: {} {}",
                        r.status,
                        r.body
                    );
                }
                _ => {
                    // the operator's way: Restate's cancel of the running workflow, or the
                    // admin path once the run has handed the confirmed booking on
                    let args = ["--json", "bookings", "cancel", &id, "--force"];
                    let out = run_cli(s, operator.clone(), args.map(String::from).to_vec()).await;
                    // a cancel that came second finds the booking cancelled: refused
                    assert!(
                        out.status.success() || text(&out).contains("(409)"),
                        "operator cancel: {}",
                        text(&out)
                    );
                }
            }
        }
        (id, token)
    })
}

#[tokio::test]
async fn a_member_who_cancels_before_confirmation_pays_nothing() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (_, token, _) = c.new_member("Early").await;
    // a booking less than 24 h ahead: a confirmed one would keep half on a member's cancel
    let outage = s.outage("localstripe");
    let id = c
        .book(
            &token,
            &ws,
            &in_secs(7200),
            &in_secs(9000),
            1,
            "pm_card_visa",
        )
        .await;
    c.wait_status(&token, &id, "held").await;
    let cancel = {
        let c = s.client();
        let (id, token) = (id.clone(), token.clone());
        tokio::spawn(async move {
            c.post(
                &format!("Booking/{id}/cancel"),
                json!({"reason": "changed my mind"}),
                Some(&token),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    outage.end();
    let r = cancel.await.unwrap().ok();
    assert_eq!(
        (r["status"].as_str(), r["refund_cents"].as_i64()),
        (Some("cancelled"), Some(0)),
        "{r}"
    );
    let v = c.wait_status(&token, &id, "final").await;
    assert_eq!(v["reason"], "changed my mind", "{v}");
    money_is_exact(s, &id, "cancelled", 0).await;
    // a second cancel answers as the first did (`run` keeps its answer)
    let again = c
        .post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(again, r);
}

#[tokio::test]
async fn a_cancel_right_after_create_is_never_404_and_charges_nothing() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 10).await;
    let (_, token, _) = c.new_member("Quick").await;
    for i in 0..5 {
        let (start, end) = day_slot(3, 9 * 3600 + i * 3600, 1800);
        let id = c.book(&token, &ws, &start, &end, 1, "pm_card_visa").await;
        let st = c
            .post(&format!("Booking/{id}/status"), json!({}), Some(&token))
            .await;
        assert_eq!(st.status, 200, "status right after create: {}", st.body);
        let r = c
            .post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
            .await
            .ok();
        assert_eq!(r["status"], "cancelled", "{r}");
        money_is_exact(s, &id, "cancelled", 0).await;
    }
}

#[tokio::test]
async fn a_free_workspace_confirms_without_a_payment() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = c
        .post(
            "Workspaces/create",
            json!({"name": "Library", "location": "Town hall", "timezone": "Europe/Berlin", "capacity": 3,
                   "hourly_rate_cents": 0, "currency": "EUR", "opens_at": "08:00", "closes_at": "20:00"}),
            Some(&admin),
        )
        .await
        .ok()["workspace_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, token, email) = c.new_member("Reader").await;
    let id = c
        .book(
            &token,
            &ws,
            &day_slot(3, 9 * 3600, 3600).0,
            &day_slot(3, 9 * 3600, 3600).1,
            2,
            "pm_card_visa",
        )
        .await;
    let v = c.wait_status(&token, &id, "confirmed").await;
    assert_eq!(v["amount_cents"], 0, "{v}");
    assert_eq!(
        (
            v["payment"]["status"].as_str(),
            v["payment"]["captured_cents"].as_i64()
        ),
        (Some("none"), Some(0)),
        "{v}"
    );
    assert!(s.store().await.payment(&id).await.unwrap().is_none());
    let mails = eventually(Duration::from_secs(10), || async {
        let m = c.mails_to(&email).await;
        m.iter()
            .any(|m| {
                m["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("Booking confirmed")
            })
            .then_some(m)
    })
    .await;
    assert!(mails.is_some(), "no confirmation email");
    let r = c
        .post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    assert_eq!(
        (r["status"].as_str(), r["refund_cents"].as_i64()),
        (Some("cancelled"), Some(0))
    );
}

/// A charge the bookings do not know of, as the cancel race used to leave them (the booking
/// `cancelled`, its payment row `voided`, the provider holding the captured money):
/// reconciliation reports it, `fix` refunds it through the payment's own settle (which asks
/// the provider), and a second run finds nothing; `/metrics` counts the differences.
#[tokio::test]
async fn reconciliation_finds_a_charge_behind_a_cancelled_booking_and_fix_refunds_it() {
    let s = stack();
    let _g = s.exclusive().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (_, token, _) = c.new_member("Ledger").await;
    let id = c
        .book(
            &token,
            &ws,
            &day_slot(3, 9 * 3600, 1800).0,
            &day_slot(3, 9 * 3600, 1800).1,
            1,
            "pm_card_visa",
        )
        .await;
    let amount = c.wait_status(&token, &id, "confirmed").await["amount_cents"]
        .as_i64()
        .unwrap();
    assert!(
        differences_of(&c, &admin, std::slice::from_ref(&id))
            .await
            .is_empty()
    );
    // the records say cancelled and voided; the provider still holds the captured money
    let db = s.store().await;
    db.set_booking_status(
        &id,
        deskflow_domain::booking::BookingStatus::Cancelled,
        Some("cancelled by an operator"),
        0,
    )
    .await
    .unwrap();
    let mut row = db.payment(&id).await.unwrap().unwrap();
    let stray = row.provider_ref.clone().unwrap();
    row.status = deskflow_domain::payment::PaymentStatus::Voided;
    row.captured_cents = 0;
    row.refunded_cents = 0;
    db.update_payment(&row).await.unwrap();

    let diffs = differences_of(&c, &admin, std::slice::from_ref(&id)).await;
    let kinds: Vec<&str> = diffs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"provider_net"), "{diffs:?}");
    let metrics = reqwest::get(format!("{}/metrics", s.info.http_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.lines().any(|l| l
            .starts_with("deskflow_reconcile_differences{kind=\"provider_net\"}")
            && !l.ends_with(" 0")),
        "{metrics}"
    );
    let fixed = reconcile(&c, &admin, true).await;
    assert!(fixed["fixed"].as_i64().unwrap() >= 1, "{fixed}");
    let m = s.provider().money(&stray).await;
    assert_eq!((m.captured, m.refunded), (amount, amount));
    money_is_exact(s, &id, "cancelled", 0).await;
    assert!(differences_of(&c, &admin, &[id]).await.is_empty());
    // members may not reconcile
    let r = c.post("Admin/reconcile", json!({}), Some(&token)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

/// PaymentIntents at the provider that carry deskflow's marks but that no payment row names (an
/// authorization step retried after the provider answered it) are found and settled: an open
/// one cancelled, a captured one refunded; one without deskflow's marks, and one that a booking's
/// payment names, are left alone. On a stack of its own: another journey's unscoped
/// `reconcile --fix` would settle the planted ones first.
#[tokio::test]
async fn reconciliation_finds_payment_intents_no_payment_names_and_fix_settles_them() {
    let s = TestStack::fresh();
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (_, token, _) = c.new_member("Orla").await;
    let (starts, ends) = day_slot(9, 10 * 3600, 3600);
    let paid = c.book(&token, &ws, &starts, &ends, 1, "pm_card_visa").await;
    c.wait_status(&token, &paid, "confirmed").await;

    let p = s.provider();
    let open = p
        .plant_payment_intent(
            1500,
            &[("booking_id", &paid), ("payment_id", "lost-1")],
            false,
        )
        .await;
    let charged = p
        .plant_payment_intent(2500, &[("booking_id", "gone-booking")], true)
        .await;
    let foreign = p.plant_payment_intent(900, &[], true).await;

    let report = reconcile(&c, &admin, false).await;
    let mut found: Vec<(String, String)> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["found"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "orphan_authorization".to_string(),
                format!("an open authorization on {open}")
            ),
            (
                "orphan_charge".to_string(),
                format!("net 2500 charged on {charged}")
            ),
        ],
        "{report}"
    );

    let fixed = reconcile(&c, &admin, true).await;
    assert_eq!(fixed["fixed"], 2, "{fixed}");
    assert_eq!(p.money(&open).await.status, "canceled");
    assert_eq!(p.refunds(&charged).await, vec![2500]);
    assert!(
        p.refunds(&foreign).await.is_empty(),
        "not deskflow's: left alone"
    );
    let row = s.store().await.payment(&paid).await.unwrap().unwrap();
    let own = p.money(row.provider_ref.as_deref().unwrap()).await;
    assert_eq!(
        (own.status.as_str(), own.captured, own.refunded),
        ("succeeded", row.captured_cents, 0)
    );
    let again = reconcile(&c, &admin, false).await;
    assert_eq!(again["differences"], json!([]), "{again}");
    assert_eq!(again["fixed"], 0);
}
