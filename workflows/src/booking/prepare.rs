//! Turning what a member asked for into a booking the flow can carry out: the member must exist
//! and be active, the workspace must be open, the slot must follow its rules, and the price is
//! quoted from the workspace's rate in the database. `Bookings/create` runs it to refuse bad
//! input with a 4xx before anything starts; the workflow runs it again as its first step, so
//! what it holds and charges never comes from a caller.

use super::refusal::Refusal;
use deskflow_domain::pricing::quote;
use deskflow_domain::slot::TimeSlot;
use deskflow_handlers::deps::{Deps, now_ms};
use deskflow_handlers::stored;
use deskflow_infra::InfraError;
use serde::{Deserialize, Serialize};

/// What `Bookings/create` hands the workflow: who asked for what, nothing derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BookingRequest {
    pub user_id: String,
    pub workspace_id: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    pub payment_method: String,
    /// with no free seat, wait on the workspace's waitlist instead of being rejected
    #[serde(default)]
    pub waitlist: bool,
    /// once confirmed, the booking lives on as the state of its `ConfirmedBooking` object and
    /// `run` ends (false, as in every journal written before the choice: `run` sleeps until
    /// the booking's end). Chosen when the booking is created; it keeps its shape to its end.
    #[serde(default)]
    pub confirmed_as_state: bool,
}

/// A request checked against the database and the rules, with its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BookingStart {
    pub booking_id: String,
    pub user_id: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub seats: i64,
    pub amount_cents: i64,
    pub currency: String,
    pub payment_method: String,
    /// the hourly rate `amount_cents` was quoted at: the booking's own rate, which its
    /// reschedules price at (absent in the journals of bookings started before it was kept)
    #[serde(default)]
    pub hourly_rate_cents: Option<i64>,
}

/// What every step that checks a request runs (`Bookings/create`'s "validate and quote",
/// `run`'s "check and quote", a reschedule's "validate new slot" and "check new slot"): the
/// request checked against the database and the rules at this moment, and that moment. Priced
/// at `rate_cents` an hour when given (a reschedule: the booking's own rate), at the workspace's
/// rate otherwise. Database failures are errors, each step maps them as its journal expects;
/// everything else is an answer.
pub async fn prepare_now(
    deps: &Deps,
    booking_id: &str,
    req: &BookingRequest,
    rate_cents: Option<i64>,
) -> Result<(i64, Result<BookingStart, Refusal>), InfraError> {
    let now = now_ms();
    let quoted = prepare_at(deps, booking_id, req, now, rate_cents).await?;
    Ok((now, quoted))
}

/// Checks `req` against the database and the rules at `now_ms` and prices it: at `rate_cents`
/// an hour when given (a reschedule: the booking's own rate, "a new rate prices new bookings
/// only"), at the workspace's rate otherwise.
pub async fn prepare_at(
    deps: &Deps,
    booking_id: &str,
    req: &BookingRequest,
    now_ms: i64,
    rate_cents: Option<i64>,
) -> Result<Result<BookingStart, Refusal>, InfraError> {
    let Some(user) = deps.store.user(&req.user_id).await?.filter(|u| u.active) else {
        return Ok(Err(Refusal::UnknownUser(
            "this token's user no longer exists".into(),
        )));
    };
    let Some(ws) = deps.store.workspace(&req.workspace_id).await? else {
        return Ok(Err(Refusal::UnknownWorkspace(format!(
            "workspace {:?} not found",
            req.workspace_id
        ))));
    };
    if !ws.active {
        return Ok(Err(Refusal::Closed(format!(
            "workspace {:?} is closed: it takes no more bookings",
            req.workspace_id
        ))));
    }
    let Some(slot) = TimeSlot::from_millis(req.starts_at_ms, req.ends_at_ms) else {
        return Ok(Err(Refusal::Invalid(
            "the slot ends before it starts: ends_at must be after starts_at".into(),
        )));
    };
    let (schedule, tz) = match stored::schedule(&ws) {
        Ok(h) => h,
        Err(_) => {
            return Ok(Err(Refusal::Invalid(format!(
                "workspace {:?} has no valid opening hours",
                ws.id
            ))));
        }
    };
    let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
    let rate = rate_cents.unwrap_or(ws.hourly_rate_cents);
    let q = match quote(
        deps.booking.slots,
        slot,
        req.seats,
        now,
        &schedule,
        tz,
        ws.capacity,
        rate,
    ) {
        Ok(q) => q,
        Err(e) => return Ok(Err(Refusal::Invalid(e.to_string()))),
    };
    Ok(Ok(BookingStart {
        booking_id: booking_id.to_string(),
        user_id: user.id,
        workspace_id: ws.id,
        workspace_name: ws.name,
        starts_at_ms: q.slot.starts_at.timestamp_millis(),
        ends_at_ms: q.slot.ends_at.timestamp_millis(),
        seats: q.seats,
        amount_cents: q.amount_cents,
        currency: ws.currency,
        payment_method: req.payment_method.clone(),
        hourly_rate_cents: Some(rate),
    }))
}
