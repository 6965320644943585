//! The Calendar's waiting seats, kept in its state: the waitlist (in creation order) and the
//! pending moves of reschedules, and the round that serves waiters when seats free up.

use super::{Calendar, MoveRequest};
use crate::deps::{Deps, now_ms};
use crate::error::{Failure, Outcome, step};
use deskflow_domain::availability::Occupied;
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::slot::TimeSlot;
use deskflow_domain::waitlist::{MAX_PASSED_OVER, Waiter, serve};
use deskflow_infra::store::bookings::Released;
use restate_sdk::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// State: the waitlist, oldest first.
const QUEUE: &str = "waitlist";
/// State: reschedules' new slots, held while their difference is charged.
const MOVES: &str = "moves";

/// A waiting booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Queued {
    pub booking_id: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    /// rounds in which seats freed up in its slot and it did not fit (the fairness rule)
    pub passed_over: u32,
    /// the booking workflow's awakeable, resolved when it is served
    pub awakeable: String,
}

impl Queued {
    fn slot(&self) -> Option<TimeSlot> {
        TimeSlot::from_millis(self.starts_at_ms, self.ends_at_ms)
    }
}

/// A reschedule's new slot, held for its booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PendingMove {
    pub booking_id: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    pub amount_cents: i64,
    /// the slot the booking leaves (its waiters are served once the move is committed)
    #[serde(default)]
    pub from_starts_at_ms: i64,
    #[serde(default)]
    pub from_ends_at_ms: i64,
}

impl PendingMove {
    pub fn slot(&self) -> Option<TimeSlot> {
        TimeSlot::from_millis(self.starts_at_ms, self.ends_at_ms)
    }
}

impl From<&MoveRequest> for PendingMove {
    fn from(r: &MoveRequest) -> Self {
        PendingMove {
            booking_id: r.booking_id.clone(),
            starts_at_ms: r.starts_at_ms,
            ends_at_ms: r.ends_at_ms,
            seats: r.seats,
            amount_cents: r.amount_cents,
            from_starts_at_ms: r.from_starts_at_ms,
            from_ends_at_ms: r.from_ends_at_ms,
        }
    }
}

/// [`Released`] as a journaled step's result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "released", rename_all = "snake_case")]
pub(super) enum StoredRelease {
    Nothing,
    Waiting,
    Seats { starts_at: i64, ends_at: i64 },
    Ended { starts_at: i64, ends_at: i64 },
}

impl From<Released> for StoredRelease {
    fn from(r: Released) -> Self {
        match r {
            Released::Nothing => Self::Nothing,
            Released::Waiting => Self::Waiting,
            Released::Seats { starts_at, ends_at } => Self::Seats { starts_at, ends_at },
            Released::Ended { starts_at, ends_at } => Self::Ended { starts_at, ends_at },
        }
    }
}

impl StoredRelease {
    /// This release ended the booking.
    pub fn any(self) -> bool {
        matches!(self, Self::Waiting | Self::Seats { .. })
    }

    /// The slot whose waiters a round serves: the seats given back, and also those of a
    /// booking that was ended already (a retried release whose first run ended it: serving a
    /// round twice gives nothing twice).
    pub fn freed(self) -> Option<TimeSlot> {
        match self {
            Self::Seats { starts_at, ends_at } | Self::Ended { starts_at, ends_at } => {
                TimeSlot::from_millis(starts_at, ends_at)
            }
            _ => None,
        }
    }
}

/// A list kept in the object's state (empty when absent).
async fn load_list<T>(ctx: &ObjectContext<'_>, key: &str) -> Outcome<Vec<T>>
where
    T: serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    Ok(ctx
        .get::<Json<Vec<T>>>(key)
        .await?
        .map(|j| j.0)
        .unwrap_or_default())
}

/// Keeps `list` in the object's state (an empty one is cleared).
fn save_list<T>(ctx: &ObjectContext<'_>, key: &str, list: &[T])
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + 'static,
{
    if list.is_empty() {
        ctx.clear(key);
    } else {
        ctx.set(key, Json(list.to_vec()));
    }
}

pub(super) async fn load_queue(ctx: &ObjectContext<'_>) -> Outcome<Vec<Queued>> {
    load_list(ctx, QUEUE).await
}

pub(super) fn save_queue(ctx: &ObjectContext<'_>, queue: &[Queued]) {
    save_list(ctx, QUEUE, queue)
}

pub(super) async fn load_moves(ctx: &ObjectContext<'_>) -> Outcome<Vec<PendingMove>> {
    load_list(ctx, MOVES).await
}

pub(super) fn save_moves(ctx: &ObjectContext<'_>, moves: &[PendingMove]) {
    save_list(ctx, MOVES, moves)
}

/// Takes the pending move of `booking_id` off `moves`, if it has one.
pub(super) fn take_move(moves: &mut Vec<PendingMove>, booking_id: &str) -> Option<PendingMove> {
    let i = moves.iter().position(|m| m.booking_id == booking_id)?;
    Some(moves.remove(i))
}

/// The seats the pending moves of bookings other than `booking_id` hold, as
/// `(starts, ends, seats)`.
pub(super) fn moves_except(moves: &[PendingMove], booking_id: &str) -> Vec<(i64, i64, i64)> {
    moves
        .iter()
        .filter(|m| m.booking_id != booking_id)
        .map(|m| (m.starts_at_ms, m.ends_at_ms, m.seats))
        .collect()
}

/// What one serving round did, as its journaled step answers it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RoundDone {
    /// served: rows now `held`
    served: Vec<String>,
    /// did not fit this round
    passed_over: Vec<String>,
    /// no longer waiting (their row moved on, or their slot has started): off the queue;
    /// their own workflow ends them
    gone: Vec<String>,
}

impl Calendar {
    /// One round: the waiters whose slot overlaps `freed` (all of them for `None`) that fit
    /// now are served in queue order, by the domain's fairness rule.
    pub(super) async fn serve_round(
        &self,
        ctx: &ObjectContext<'_>,
        freed: Option<&[TimeSlot]>,
    ) -> Result<(), Failure> {
        let mut queue = load_queue(ctx).await?;
        let candidates: Vec<Queued> = queue
            .iter()
            .filter(|w| match (freed, w.slot()) {
                (None, _) => true,
                (Some(f), Some(s)) => f.iter().any(|x| x.overlaps(&s)),
                (Some(_), None) => false,
            })
            .cloned()
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let moves = moves_except(&load_moves(ctx).await?, "");
        let (deps, workspace_id) = (self.deps.clone(), ctx.key().to_string());
        let Json(done) = ctx
            .run(|| {
                step(serve_step(
                    deps.clone(),
                    workspace_id.clone(),
                    candidates.clone(),
                    moves.clone(),
                ))
            })
            .name("serve waitlist")
            .retry_policy(self.deps.db_retry.policy())
            .await?;
        if done.served.is_empty() && done.passed_over.is_empty() && done.gone.is_empty() {
            return Ok(());
        }
        let mut woken = Vec::new();
        queue.retain(|w| {
            if done.served.contains(&w.booking_id) {
                woken.push(w.awakeable.clone());
                return false;
            }
            !done.gone.contains(&w.booking_id)
        });
        for w in queue.iter_mut() {
            if done.passed_over.contains(&w.booking_id) {
                w.passed_over += 1;
            }
        }
        save_queue(ctx, &queue);
        if !done.served.is_empty() || !done.passed_over.is_empty() {
            tracing::info!(
                workspace_id = %ctx.key(),
                served = ?done.served,
                passed_over = ?done.passed_over,
                waiting = queue.len(),
                "waitlist served"
            );
        }
        for awakeable in woken {
            ctx.resolve_awakeable(&awakeable, true);
        }
        Ok(())
    }
}

/// The step of a round: reads the seats of the candidates' span once, applies the fairness
/// rule, moves the served rows to `held` and marks the waiters that now reserve.
///
/// Safe to run again after a crash (the endpoint or restate-server died before its answer was
/// journaled): a candidate whose row is `held` already was served by the earlier run (only
/// this step moves a queued booking's row there, and the Calendar runs one step at a time), so
/// it is served in this answer too and its workflow is woken; the rule decides only over the
/// rows still `waitlisted`, with the seats the earlier run gave counted as taken.
async fn serve_step(
    deps: Arc<Deps>,
    workspace_id: String,
    candidates: Vec<Queued>,
    moves: Vec<(i64, i64, i64)>,
) -> Outcome<Json<RoundDone>> {
    let now = now_ms();
    let mut done = RoundDone::default();
    let (live, started): (Vec<Queued>, Vec<Queued>) =
        candidates.into_iter().partition(|w| w.starts_at_ms > now);
    done.gone.extend(started.into_iter().map(|w| w.booking_id));
    let ids: Vec<String> = live.iter().map(|w| w.booking_id.clone()).collect();
    let rows = deps.store.statuses_of(&ids).await?;
    let status_of = |id: &str| rows.iter().find(|(r, _)| r == id).map(|(_, s)| *s);
    let mut waiting = Vec::new();
    for w in live {
        match status_of(&w.booking_id) {
            Some(BookingStatus::Waitlisted) => waiting.push(w),
            Some(BookingStatus::Held) => done.served.push(w.booking_id),
            _ => done.gone.push(w.booking_id),
        }
    }
    let (Some(from), Some(to)) = (
        waiting.iter().map(|w| w.starts_at_ms).min(),
        waiting.iter().map(|w| w.ends_at_ms).max(),
    ) else {
        return Ok(Json(done));
    };
    let plan = deps
        .store
        .seat_plan(&workspace_id, from, to, "", None)
        .await?;
    let Some(plan) = plan.filter(|p| p.active) else {
        // a closed workspace serves nobody: its closure cancels the waiters
        return Ok(Json(done));
    };
    let occupied: Vec<Occupied> = plan
        .occupied
        .into_iter()
        .chain(moves)
        .filter_map(|(s, e, n)| Occupied::from_millis(s, e, n))
        .collect();
    let waiters: Vec<Waiter> = waiting
        .iter()
        .filter_map(|w| {
            Some(Waiter {
                booking_id: w.booking_id.clone(),
                slot: w.slot()?,
                seats: w.seats,
                passed_over: w.passed_over,
            })
        })
        .collect();
    let round = serve(&waiters, &occupied, plan.capacity);
    for id in round.served {
        match deps.store.serve_waitlisted(&id, now).await {
            Ok(true) => {
                deskflow_infra::metrics::inc("deskflow_bookings_total", &[("status", "held")]);
                done.served.push(id);
                pause_inside_round(&deps).await;
            }
            // not waitlisted any more: `held` when an earlier run of this round, still going
            // on an endpoint that lost restate-server, served it meanwhile
            Ok(false) => match deps.store.statuses_of(std::slice::from_ref(&id)).await?[..] {
                [(_, BookingStatus::Held)] => done.served.push(id),
                _ => done.gone.push(id),
            },
            // the capacity guard disagrees (a capacity lowered since the read): it waits on
            Err(deskflow_infra::InfraError::CapacityExceeded) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let reserving: Vec<String> = waiting
        .iter()
        .filter(|w| {
            round.passed_over.contains(&w.booking_id) && w.passed_over + 1 >= MAX_PASSED_OVER
        })
        .map(|w| w.booking_id.clone())
        .collect();
    deps.store.mark_reserving(&reserving).await?;
    done.passed_over = round.passed_over;
    Ok(Json(done))
}

/// The fault tests' pause inside a round, after a row moved to `held` and before the round's
/// answer is journaled (`DESKFLOW_TEST_SERVE_PAUSE_MS`, a development stack only): the window
/// in which they kill the endpoint or restate-server. Zero (the default) costs nothing.
async fn pause_inside_round(deps: &Deps) {
    let pause = deps.booking.test_serve_pause;
    if !pause.is_zero() {
        tracing::warn!(
            pause_ms = pause.as_millis() as u64,
            "test pause inside a waitlist round"
        );
        tokio::time::sleep(pause).await;
    }
}
