//! Payments: one row per payment of a booking (a reschedule that costs more adds one), mirroring the provider's PaymentIntent (what was
//! authorized, captured and refunded), plus the webhook events already handled.

use super::Store;
use crate::InfraError;
use deskflow_domain::payment::PaymentStatus;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: String,
    pub booking_id: String,
    pub provider_ref: Option<String>,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    pub currency: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, booking_id, provider_ref, status, amount_cents, captured_cents, refunded_cents, currency, created_at, updated_at";

fn payment_from(r: &sqlx::any::AnyRow) -> Result<PaymentRow, sqlx::Error> {
    Ok(PaymentRow {
        id: r.try_get(0)?,
        booking_id: r.try_get(1)?,
        provider_ref: r.try_get(2)?,
        status: super::statuses::payment_status(r, 3)?,
        amount_cents: r.try_get(4)?,
        captured_cents: r.try_get(5)?,
        refunded_cents: r.try_get(6)?,
        currency: r.try_get(7)?,
        created_at: r.try_get(8)?,
        updated_at: r.try_get(9)?,
    })
}

impl Store {
    /// Records a payment; a second call with the same id (a retried step) is a no-op.
    pub async fn insert_payment(&self, p: &PaymentRow) -> Result<(), InfraError> {
        sqlx::query(&format!(
            "INSERT INTO payments ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"
        ))
        .bind(&p.id)
        .bind(&p.booking_id)
        .bind(&p.provider_ref)
        .bind(p.status.as_str())
        .bind(p.amount_cents)
        .bind(p.captured_cents)
        .bind(p.refunded_cents)
        .bind(&p.currency)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }

    /// Writes the payment's provider reference, status and money figures as they are now.
    pub async fn update_payment(&self, p: &PaymentRow) -> Result<(), InfraError> {
        sqlx::query(
            "UPDATE payments SET provider_ref = $1, status = $2, captured_cents = $3, refunded_cents = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(&p.provider_ref)
        .bind(p.status.as_str())
        .bind(p.captured_cents)
        .bind(p.refunded_cents)
        .bind(p.updated_at)
        .bind(&p.id)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(())
    }

    pub async fn payment(&self, id: &str) -> Result<Option<PaymentRow>, InfraError> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM payments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| payment_from(&r)).transpose()?)
    }

    /// Counts one start of the payment's authorization step and answers how many there were,
    /// this one included (1 when the payment has no row). More than one: an earlier start may
    /// have reached the provider.
    pub async fn count_authorize_attempt(&self, id: &str) -> Result<i64, InfraError> {
        let row = sqlx::query(
            "UPDATE payments SET authorize_attempts = authorize_attempts + 1 WHERE id = $1 RETURNING authorize_attempts",
        )
        .bind(id)
        .fetch_optional(&mut self.conn().await?)
        .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>(0)?,
            None => 1,
        })
    }

    /// A booking's payments, oldest first: the first one of its booking, then one for the
    /// difference of each reschedule that charged more.
    pub async fn payments_of_booking(
        &self,
        booking_id: &str,
    ) -> Result<Vec<PaymentRow>, InfraError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM payments WHERE booking_id = $1 ORDER BY created_at, id"
        ))
        .bind(booking_id)
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        Ok(rows.iter().map(payment_from).collect::<Result<_, _>>()?)
    }

    /// Remembers which awakeable the booking waits on for this payment's confirmation.
    pub async fn set_payment_awakeable(
        &self,
        id: &str,
        awakeable_id: Option<&str>,
    ) -> Result<(), InfraError> {
        sqlx::query("UPDATE payments SET awakeable_id = $1 WHERE id = $2")
            .bind(awakeable_id)
            .bind(id)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(())
    }

    /// The awakeable waiting on the payment with this provider reference, if any.
    pub async fn awakeable_for_provider_ref(
        &self,
        provider_ref: &str,
    ) -> Result<Option<String>, InfraError> {
        let row = sqlx::query("SELECT awakeable_id FROM payments WHERE provider_ref = $1")
            .bind(provider_ref)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(match row {
            Some(r) => r.try_get(0)?,
            None => None,
        })
    }

    /// Records a provider event; false when it was handled before (a replayed webhook).
    pub async fn first_webhook_event(
        &self,
        id: &str,
        kind: &str,
        at: i64,
    ) -> Result<bool, InfraError> {
        let done = sqlx::query("INSERT INTO webhook_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(kind)
            .bind(at)
            .execute(&mut self.conn().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// Whether a provider event was handled before.
    pub async fn webhook_seen(&self, id: &str) -> Result<bool, InfraError> {
        let row = sqlx::query("SELECT id FROM webhook_events WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.is_some())
    }
}
