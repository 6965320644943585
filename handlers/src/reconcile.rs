//! `Admin/reconcile`'s comparison: every settled booking's payment against the provider's
//! PaymentIntent, and every workspace's seat-holding bookings against its capacity. The rules
//! are `deskflow_domain::reconcile`; this module gathers the facts and counts the findings.

use crate::deps::Deps;
use crate::error::Failure;
use deskflow_api::{Difference, ReconcileReport};
use deskflow_domain::availability::{Occupied, peak_seats};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::payment::PaymentStatus;
use deskflow_domain::reconcile::{Orphan, authorizing, booking_net, compare, orphan};
use deskflow_domain::saga::ProviderState;
use deskflow_infra::metrics;
use restate_sdk::prelude::HandlerError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A difference `fix` settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fix {
    /// through the same unwind as a cancel: `Payment/{payment_id}/settle` keeping `retain_cents`
    Settle {
        payment_id: String,
        retain_cents: i64,
    },
    /// an orphaned authorization: the PaymentIntent cancelled
    VoidOrphan { payment_intent: String },
    /// an orphaned charge: `amount_cents` (what it still holds) refunded
    RefundOrphan {
        payment_intent: String,
        amount_cents: i64,
    },
}

/// The report and the fixes it allows, for every booking or `only` these (and their
/// workspaces). Provider failures are retryable (the whole comparison runs again); a run over
/// everything sets the metric `deskflow_reconcile_differences` to what it found.
pub async fn compare_all(
    deps: &Deps,
    now_ms: i64,
    only: Option<&[String]>,
) -> Result<(ReconcileReport, Vec<Fix>), HandlerError> {
    let mut report = ReconcileReport::default();
    let mut fixes = Vec::new();
    let wanted: Option<BTreeSet<&str>> = only.map(|ids| ids.iter().map(String::as_str).collect());
    let mut workspaces = BTreeSet::new();
    for id in only.unwrap_or_default() {
        if let Some(b) = deps.store.booking(id).await? {
            workspaces.insert(b.workspace_id);
        }
    }
    // a confirmed or completed booking's payments together hold its price (a reschedule adds
    // a payment for what it cost more, and refunds what it cost less)
    let mut nets: Vec<(String, BookingStatus, i64, Vec<i64>)> = Vec::new();
    for b in deps.store.paid_bookings_to_reconcile().await? {
        if wanted
            .as_ref()
            .is_some_and(|w| !w.contains(b.booking_id.as_str()))
        {
            continue;
        }
        let status = b.status;
        report.checked += 1;
        let provider = match &b.provider_ref {
            Some(pi) => deps
                .stripe
                .settle_state(pi)
                .await
                .map_err(Failure::retryable)?,
            None => ProviderState::Absent,
        };
        let verdict = compare(status, b.captured_cents, b.refunded_cents, provider);
        let net = match provider {
            ProviderState::Captured { captured, refunded } => captured - refunded,
            _ => 0,
        };
        match nets.last_mut() {
            Some((id, _, _, list)) if *id == b.booking_id => list.push(net),
            _ => nets.push((b.booking_id.clone(), status, b.amount_cents, vec![net])),
        }
        for f in &verdict.findings {
            report.differences.push(Difference {
                booking_id: b.booking_id.clone(),
                kind: f.kind().into(),
                expected: f.expected(),
                found: f.found(),
            });
        }
        if let Some(retain_cents) = verdict.settle_retaining {
            fixes.push(Fix::Settle {
                payment_id: b.payment_id.clone(),
                retain_cents,
            });
        }
    }
    for (booking_id, status, amount, list) in nets {
        if let Some((expected, found)) = booking_net(status, amount, &list) {
            report.differences.push(Difference {
                booking_id,
                kind: "booking_net".into(),
                expected: format!("net {expected} over the booking's payments"),
                found: format!("net {found}"),
            });
        }
    }
    for (difference, fix) in orphans(deps, now_ms, wanted.as_ref()).await? {
        report.differences.push(difference);
        fixes.push(fix);
    }
    for (workspace_id, capacity, held) in deps.store.seats_to_reconcile(now_ms).await? {
        if only.is_some() && !workspaces.contains(&workspace_id) {
            continue;
        }
        report.checked += 1;
        let occupied: Vec<Occupied> = held
            .iter()
            .filter_map(|(_, s, e, n)| Occupied::from_millis(*s, *e, *n))
            .collect();
        // seat use only rises where a booking starts: the peak is at one of those instants
        let worst = held
            .iter()
            .filter_map(|(id, s, e, _)| {
                let at = deskflow_domain::slot::TimeSlot::from_millis(*s, (*s + 1).min(*e))?;
                Some((id, peak_seats(at, &occupied)))
            })
            .max_by_key(|(_, used)| *used);
        if let Some((booking_id, used)) = worst.filter(|(_, used)| *used > capacity) {
            report.differences.push(Difference {
                booking_id: booking_id.clone(),
                kind: "over_capacity".into(),
                expected: format!("at most {capacity} seats in workspace {workspace_id}"),
                found: format!("{used} seats"),
            });
        }
    }
    for kind in [
        "authorization_open",
        "provider_net",
        "payment_row",
        "booking_net",
        "over_capacity",
        "orphan_authorization",
        "orphan_charge",
    ]
    .into_iter()
    .filter(|_| only.is_none())
    {
        let n = report.differences.iter().filter(|d| d.kind == kind).count();
        metrics::set(
            "deskflow_reconcile_differences",
            &[("kind", kind)],
            n as i64,
        );
    }
    Ok((report, fixes))
}

/// The provider's PaymentIntents that carry deskflow's marks but that no payment row names,
/// while they hold something (an open authorization, or money taken), each with its fix; with
/// `only`, those of these bookings. A PaymentIntent of a payment whose authorization is in
/// flight is left alone: it may still become that payment's.
async fn orphans(
    deps: &Deps,
    now_ms: i64,
    only: Option<&BTreeSet<&str>>,
) -> Result<Vec<(Difference, Fix)>, HandlerError> {
    let payments = deps.store.payment_refs().await?;
    let named: BTreeSet<&str> = payments.iter().filter_map(|p| p.1.as_deref()).collect();
    let rows: BTreeMap<&str, (PaymentStatus, bool)> = payments
        .iter()
        .map(|(id, pi, status)| (id.as_str(), (*status, pi.is_some())))
        .collect();
    let listed = deps
        .stripe
        .list_payment_intents(now_ms / 1000)
        .await
        .map_err(Failure::retryable)?;
    let mut found = Vec::new();
    for pi in listed {
        let Some(booking_id) = pi.metadata.get("booking_id") else {
            continue; // not deskflow's
        };
        if named.contains(pi.id.as_str()) || only.is_some_and(|w| !w.contains(booking_id.as_str()))
        {
            continue;
        }
        let payment_id = pi.metadata.get("payment_id").unwrap_or(booking_id);
        if authorizing(rows.get(payment_id.as_str()).copied()) {
            continue;
        }
        let refunded = if pi.status == "succeeded" {
            deps.stripe
                .refunded_total(&pi.id)
                .await
                .map_err(Failure::retryable)?
        } else {
            0
        };
        let Some(o) = orphan(&pi.status, pi.amount, refunded) else {
            continue;
        };
        let fix = match o {
            Orphan::Authorization => Fix::VoidOrphan {
                payment_intent: pi.id.clone(),
            },
            Orphan::Charge { net } => Fix::RefundOrphan {
                payment_intent: pi.id.clone(),
                amount_cents: net,
            },
        };
        found.push((
            Difference {
                booking_id: booking_id.clone(),
                kind: o.kind().into(),
                expected: format!(
                    "no PaymentIntent other than its payments' (payment {payment_id})"
                ),
                found: format!("{} on {}", o.found(), pi.id),
            },
            fix,
        ));
    }
    Ok(found)
}
