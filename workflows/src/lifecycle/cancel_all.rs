//! Cancelling a set of bookings from a flow: each through its own `Booking` workflow (the same
//! money-safe unwind as a member's cancel), at most [`AT_ONCE`] at a time, in passes until a
//! fresh listing finds none left, so a booking whose row landed while a pass ran is not missed.

use deskflow_api::{CancelRequest, CancelResult, flows};
use deskflow_domain::booking::BookingStatus;
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::error::{Outcome, step};
use deskflow_infra::InfraError;
use restate_sdk::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Cancels in flight at once: enough to settle a large workspace quickly, few enough that a
/// closure does not crowd out everyone else's bookings at the provider and the database.
pub(super) const AT_ONCE: usize = 8;

/// Listings before giving up on bookings that refuse to leave the list (a booking can only
/// re-appear when its row landed during the previous pass; the third pass finds none).
const PASSES: usize = 3;

/// What a set of cancels came to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tally {
    pub cancelled: i64,
    pub refunded_cents: i64,
}

/// Which bookings a flow cancels.
#[derive(Debug, Clone)]
pub(super) enum Listing {
    /// a workspace's bookings that hold seats and have not ended
    Workspace(String),
    /// a member's bookings that hold seats and have not started
    Member(String),
}

impl Listing {
    async fn list(&self, deps: &Deps, now_ms: i64) -> Result<Vec<String>, InfraError> {
        match self {
            Listing::Workspace(id) => {
                deps.store
                    .unfinished_bookings_of_workspace(id, now_ms)
                    .await
            }
            Listing::Member(id) => deps.store.upcoming_bookings_of_user(id, now_ms).await,
        }
    }
}

/// Cancels every booking `listing` finds (read in a journaled step per pass, at the step's
/// time), with `cancel`'s reason and canceller. A booking that ended meanwhile (its cancel
/// answers 409) is not counted.
pub(super) async fn cancel_all(
    ctx: &WorkflowContext<'_>,
    deps: &Arc<Deps>,
    listing: Listing,
    cancel: CancelRequest,
) -> Outcome<Tally> {
    let mut tally = Tally::default();
    let mut seen = BTreeSet::new();
    for pass in 1..=PASSES {
        let (d, l) = (deps.clone(), listing.clone());
        let Json(ids): Json<Vec<String>> = ctx
            .run(|| {
                let (d, l) = (d.clone(), l.clone());
                step(async move { Ok(Json(l.list(&d, now_ms()).await?)) })
            })
            .name(format!("list bookings to cancel (pass {pass})"))
            .retry_policy(deps.db_retry.policy())
            .await?;
        let fresh: Vec<String> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        let t = cancel_each(ctx, &fresh, &cancel).await?;
        tally.cancelled += t.cancelled;
        tally.refunded_cents += t.refunded_cents;
    }
    Ok(tally)
}

/// Cancels `ids`, [`AT_ONCE`] at a time, each call awaited through the journal (a crash
/// re-attaches to the calls in flight; none is made twice).
async fn cancel_each(
    ctx: &WorkflowContext<'_>,
    ids: &[String],
    cancel: &CancelRequest,
) -> Outcome<Tally> {
    let mut tally = Tally::default();
    let mut pending = ids.iter();
    let mut running = DurableFuturesUnordered::new();
    for id in pending.by_ref().take(AT_ONCE) {
        running.push(
            flows::booking::ADMIN_CANCEL
                .request(ctx, id.clone(), cancel.clone())
                .call(),
        );
    }
    while let Some((_, answer)) = running.next().await? {
        count(&mut tally, answer);
        if let Some(id) = pending.next() {
            running.push(
                flows::booking::ADMIN_CANCEL
                    .request(ctx, id.clone(), cancel.clone())
                    .call(),
            );
        }
    }
    Ok(tally)
}

/// Adds one cancel's answer: a booking that this cancel ended, with its refund. A booking that
/// ended on its own first (409) counts nothing. A booking `Booking/admin_cancel` does not know
/// (404: neither Restate nor the record has it, which a listed booking cannot be) is never
/// counted as done either: it is logged as an error, for the operator.
fn count(tally: &mut Tally, answer: Result<Json<CancelResult>, TerminalError>) {
    match answer {
        Ok(Json(r)) if r.status == BookingStatus::Cancelled => {
            tally.cancelled += 1;
            tally.refunded_cents += r.refund_cents;
        }
        Ok(_) => {}
        Err(e) if e.code() == 409 => tracing::info!(
            code = e.code(),
            reason = e.message(),
            "booking not cancelled"
        ),
        Err(e) => tracing::error!(
            code = e.code(),
            reason = e.message(),
            "a listed booking could not be cancelled"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cancels_that_ended_a_booking_count() {
        let mut t = Tally::default();
        let ok = |status, refund_cents| {
            Ok(Json(CancelResult {
                status,
                refund_cents,
            }))
        };
        count(&mut t, ok(BookingStatus::Cancelled, 1500));
        count(&mut t, ok(BookingStatus::Cancelled, 0));
        count(&mut t, ok(BookingStatus::Failed, 0));
        count(
            &mut t,
            Err(TerminalError::new_with_code(
                409,
                "the booking is completed",
            )),
        );
        assert_eq!(
            t,
            Tally {
                cancelled: 2,
                refunded_cents: 1500
            }
        );
    }
}
