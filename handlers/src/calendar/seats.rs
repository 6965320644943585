//! The Calendar's journaled seat steps: a hold (or a place on the waitlist), the hold of a
//! reschedule's new slot, and its commit. Each reads the workspace and the other bookings in
//! the slot once; the seats of other bookings' pending moves (`extra`) count too.

use super::{HoldOutcome, HoldRequest, MoveRequest, PendingMove};
use crate::deps::{Deps, now_ms};
use crate::error::Outcome;
use deskflow_domain::availability::{Occupied, peak_seats};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::slot::TimeSlot;
use deskflow_infra::InfraError;
use deskflow_infra::store::bookings::{BookingMove, BookingRow};
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Whose seats a check counts as taken besides the seat-holding rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counting {
    /// also the waiters' standing reservations: a new booking or a reschedule's new slot may
    /// not take what the waitlist reserves
    Reservations,
    /// rows only: a move committed into seats it holds already
    RowsOnly,
}

/// Free seats in `[from, to)` of the workspace, not counting booking `own` (its own row: when
/// a step ran before a crash, or when a reschedule moves it); `Err` with the refusal when the
/// workspace is closed or the slot empty.
async fn free_seats(
    deps: &Deps,
    workspace_id: &str,
    (from, to): (i64, i64),
    own: &str,
    extra: &[(i64, i64, i64)],
    counting: Counting,
) -> Outcome<Result<i64, String>> {
    let reservations_at = (counting == Counting::Reservations).then(now_ms);
    let plan = deps
        .store
        .seat_plan(workspace_id, from, to, own, reservations_at)
        .await?;
    let Some(plan) = plan.filter(|p| p.active) else {
        return Ok(Err("the workspace is closed".into()));
    };
    let Some(wanted) = TimeSlot::from_millis(from, to) else {
        return Ok(Err("the slot is empty".into()));
    };
    let held: Vec<Occupied> = plan
        .occupied
        .into_iter()
        .chain(extra.iter().copied())
        .filter_map(|(s, e, seats)| Occupied::from_millis(s, e, seats))
        .collect();
    Ok(Ok(plan.capacity - peak_seats(wanted, &held)))
}

/// The `hold seats` step: the booking's row as `held` when its seats fit; otherwise, when it
/// asked to wait, as `waitlisted`; the capacity trigger is the last guard.
pub(super) async fn hold_seats(
    deps: Arc<Deps>,
    workspace_id: String,
    req: HoldRequest,
    extra: Vec<(i64, i64, i64)>,
) -> Outcome<Json<HoldOutcome>> {
    let free = match free_seats(
        &deps,
        &workspace_id,
        (req.starts_at_ms, req.ends_at_ms),
        &req.booking_id,
        &extra,
        Counting::Reservations,
    )
    .await?
    {
        Ok(free) => free,
        Err(reason) => return Ok(Json(HoldOutcome::NoSeat { reason })),
    };
    let now = now_ms();
    let mut row = BookingRow {
        id: req.booking_id.clone(),
        user_id: req.user_id.clone(),
        workspace_id,
        starts_at: req.starts_at_ms,
        ends_at: req.ends_at_ms,
        seats: req.seats,
        status: BookingStatus::Held,
        reason: None,
        amount_cents: req.amount_cents,
        currency: req.currency.clone(),
        created_at: now,
        updated_at: now,
        hourly_rate_cents: req.hourly_rate_cents,
    };
    let full = if free < req.seats {
        format!(
            "only {} of {} seats are free in this slot",
            free.max(0),
            req.seats
        )
    } else {
        match deps.store.hold_booking(&row).await {
            Ok(Some(BookingStatus::Held)) => {
                deskflow_infra::metrics::inc("deskflow_bookings_total", &[("status", "held")]);
                return Ok(Json(HoldOutcome::Held));
            }
            // a retried hold whose first run put it on the waitlist (or anything else)
            Ok(Some(other)) => return Ok(Json(stored_outcome(other, req.waitlist.is_some()))),
            Ok(None) => return Ok(Json(closed_account())),
            Err(InfraError::CapacityExceeded) => "no free seat left in this slot".to_string(),
            Err(e) => return Err(e.into()),
        }
    };
    if req.waitlist.is_none() {
        return Ok(Json(HoldOutcome::NoSeat { reason: full }));
    }
    let reason = format!("{full}: waiting for a seat to free up");
    row.status = BookingStatus::Waitlisted;
    row.reason = Some(reason.clone());
    match deps.store.hold_booking(&row).await? {
        Some(BookingStatus::Waitlisted) => {
            deskflow_infra::metrics::inc("deskflow_bookings_total", &[("status", "waitlisted")]);
            Ok(Json(HoldOutcome::Waitlisted { reason }))
        }
        // a retried hold whose first run held the seats
        Some(other) => Ok(Json(stored_outcome(other, true))),
        None => Ok(Json(closed_account())),
    }
}

/// What a hold answers for a row that was there already with `status`.
fn stored_outcome(status: BookingStatus, waitlist: bool) -> HoldOutcome {
    match status {
        BookingStatus::Held => HoldOutcome::Held,
        BookingStatus::Waitlisted if waitlist => HoldOutcome::Waitlisted {
            reason: "no free seat in this slot: waiting for a seat to free up".into(),
        },
        other => HoldOutcome::NoSeat {
            reason: format!("the booking is {} already", other.as_str()),
        },
    }
}

fn closed_account() -> HoldOutcome {
    HoldOutcome::NoSeat {
        reason: "the member's account is closed".into(),
    }
}

/// The `hold new slot` step of a reschedule: whether the new slot has room for the booking's
/// seats, its own seats not counted.
pub(super) async fn hold_move(
    deps: Arc<Deps>,
    workspace_id: String,
    req: MoveRequest,
    extra: Vec<(i64, i64, i64)>,
) -> Outcome<Json<HoldOutcome>> {
    Ok(Json(
        match free_seats(
            &deps,
            &workspace_id,
            (req.starts_at_ms, req.ends_at_ms),
            &req.booking_id,
            &extra,
            Counting::Reservations,
        )
        .await?
        {
            Err(reason) => HoldOutcome::NoSeat { reason },
            Ok(free) if free < req.seats => HoldOutcome::NoSeat {
                reason: format!(
                    "only {} of {} seats are free in the new slot",
                    free.max(0),
                    req.seats
                ),
            },
            Ok(_) => HoldOutcome::Held,
        },
    ))
}

/// What the `move booking` step did.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "moved", rename_all = "snake_case")]
pub(super) enum MoveStep {
    /// the row has its new slot; it had `[from_ms, to_ms)`
    Moved { from_ms: i64, to_ms: i64 },
    /// nothing changed: the new slot no longer fits, or the booking is not confirmed
    Refused,
}

/// The `move booking` step: checks the new slot once more (a capacity may have been lowered
/// since it was held) and moves the row. Reservations are not counted again: the new slot was
/// held against them, and one that formed since then formed with this hold counted.
pub(super) async fn commit_move(
    deps: Arc<Deps>,
    workspace_id: String,
    m: PendingMove,
    extra: Vec<(i64, i64, i64)>,
) -> Outcome<Json<MoveStep>> {
    let fits = free_seats(
        &deps,
        &workspace_id,
        (m.starts_at_ms, m.ends_at_ms),
        &m.booking_id,
        &extra,
        Counting::RowsOnly,
    )
    .await?
    .is_ok_and(|free| free >= m.seats);
    if !fits {
        return Ok(Json(MoveStep::Refused));
    }
    let to = BookingMove {
        starts_at: m.starts_at_ms,
        ends_at: m.ends_at_ms,
        seats: m.seats,
        amount_cents: m.amount_cents,
    };
    Ok(Json(
        match deps
            .store
            .move_booking(&m.booking_id, &to, now_ms())
            .await?
        {
            Some((from_ms, to_ms)) => MoveStep::Moved { from_ms, to_ms },
            None => MoveStep::Refused,
        },
    ))
}
