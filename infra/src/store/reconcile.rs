//! The reads of a reconciliation: every settled booking with its payment, and the seat-holding
//! bookings of every workspace with its capacity. Listings run on the pool, so they never queue
//! the flows' queries behind them.

use super::Store;
use super::statuses;
use crate::InfraError;
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::payment::PaymentStatus;
use sqlx::Row;

/// A booking that is no longer in flight, with its payment as the `payments` row has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidBooking {
    pub booking_id: String,
    /// the payment's own id (a booking has one per charge: its first, then one per reschedule
    /// that cost more)
    pub payment_id: String,
    pub status: BookingStatus,
    pub amount_cents: i64,
    pub provider_ref: Option<String>,
    pub payment_status: PaymentStatus,
    pub captured_cents: i64,
    pub refunded_cents: i64,
}

/// A seat-holding booking of a workspace: `(booking id, starts, ends, seats)`.
pub type HeldSeats = (String, i64, i64, i64);

/// A payment as a search for orphaned PaymentIntents needs it: its id, the PaymentIntent its
/// row names (none while its authorization is in flight) and its status.
pub type PaymentRef = (String, Option<String>, PaymentStatus);

impl Store {
    /// Every payment's id, PaymentIntent and status.
    pub async fn payment_refs(&self) -> Result<Vec<PaymentRef>, InfraError> {
        let rows = sqlx::query("SELECT id, provider_ref, status FROM payments")
            .fetch_all(&mut self.listing_conn().await?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    statuses::payment_status(r, 2)?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(InfraError::from)
    }

    /// Whether some payment's row names the PaymentIntent `provider_ref`.
    pub async fn names_payment_intent(&self, provider_ref: &str) -> Result<bool, InfraError> {
        let row = sqlx::query("SELECT 1 FROM payments WHERE provider_ref = $1")
            .bind(provider_ref)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.is_some())
    }

    /// Every payment of a booking whose status is not in flight, by booking (those in
    /// [`BookingStatus::IN_FLIGHT`] are skipped: their flow still decides).
    ///
    /// [`BookingStatus::IN_FLIGHT`]: deskflow_domain::booking::BookingStatus::IN_FLIGHT
    pub async fn paid_bookings_to_reconcile(&self) -> Result<Vec<PaidBooking>, InfraError> {
        let in_flight = statuses::in_flight();
        let rows = sqlx::query(&format!(
            "SELECT b.id, b.status, b.amount_cents, p.provider_ref, p.status, p.captured_cents, p.refunded_cents, p.id
               FROM bookings b JOIN payments p ON p.booking_id = b.id
              WHERE b.status NOT IN {in_flight}
              ORDER BY b.id, p.created_at, p.id"
        ))
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PaidBooking {
                    booking_id: r.try_get(0)?,
                    status: statuses::booking_status(r, 1)?,
                    amount_cents: r.try_get(2)?,
                    provider_ref: r.try_get(3)?,
                    payment_status: statuses::payment_status(r, 4)?,
                    captured_cents: r.try_get(5)?,
                    refunded_cents: r.try_get(6)?,
                    payment_id: r.try_get(7)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(InfraError::from)
    }

    /// Every workspace's capacity with its seat-holding bookings that have not ended at `now`.
    pub async fn seats_to_reconcile(
        &self,
        now: i64,
    ) -> Result<Vec<(String, i64, Vec<HeldSeats>)>, InfraError> {
        let seat_holding = statuses::seat_holding();
        let rows = sqlx::query(&format!(
            "SELECT w.id, w.capacity, b.id, b.starts_at, b.ends_at, b.seats FROM workspaces w
               JOIN bookings b ON b.workspace_id = w.id AND b.status IN {seat_holding} AND b.ends_at > $1
              ORDER BY w.id, b.starts_at"
        ))
        .bind(now)
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        let mut out: Vec<(String, i64, Vec<HeldSeats>)> = Vec::new();
        for r in &rows {
            let ws: String = r.try_get(0)?;
            let capacity = r.try_get::<i32, _>(1)? as i64;
            let held = (
                r.try_get::<String, _>(2)?,
                r.try_get::<i64, _>(3)?,
                r.try_get::<i64, _>(4)?,
                r.try_get::<i32, _>(5)? as i64,
            );
            match out.last_mut() {
                Some((id, _, list)) if *id == ws => list.push(held),
                _ => out.push((ws, capacity, vec![held])),
            }
        }
        Ok(out)
    }
}
