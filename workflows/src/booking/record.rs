//! A booking as the project's own record tells it: its row and its payments' rows. Restate
//! keeps a finished `Booking` workflow's state and promises only for its completion retention
//! (or until an operator purges it); the record stays. Past confirmation the record is the
//! truth: the `Booking` handlers answer from it, in the shape and with the figures of the
//! workflow's own view ([`view_of`]).

use deskflow_api::{BookingView, PaymentSummary, rfc3339};
use deskflow_domain::payment::PaymentStatus;
use deskflow_handlers::deps::Deps;
use deskflow_infra::InfraError;
use deskflow_infra::store::bookings::BookingRow;
use deskflow_infra::store::payments::PaymentRow;

/// The booking `id` as its record tells it; `None` when the database has no row of it.
pub async fn recorded_view(deps: &Deps, id: &str) -> Result<Option<BookingView>, InfraError> {
    let Some(row) = deps.store.booking(id).await? else {
        return Ok(None);
    };
    let payments = deps.store.payments_of_booking(id).await?;
    Ok(Some(view_of(&row, &payments)))
}

/// The view of a booking from its row and its payments (oldest first), as the workflow shows
/// it: the payment's status is the booking's own payment's (the one keyed by its id; a
/// reschedule's differences are payments of their own), the money summed over all of them.
pub fn view_of(row: &BookingRow, payments: &[PaymentRow]) -> BookingView {
    let status = payments
        .iter()
        .find(|p| p.id == row.id)
        .map_or(PaymentStatus::NotStarted, |p| p.status);
    BookingView {
        booking_id: row.id.clone(),
        status: row.status,
        reason: row.reason.clone(),
        workspace_id: row.workspace_id.clone(),
        user_id: row.user_id.clone(),
        starts_at: rfc3339(row.starts_at),
        ends_at: rfc3339(row.ends_at),
        seats: row.seats,
        amount_cents: row.amount_cents,
        currency: row.currency.clone(),
        payment: PaymentSummary {
            status,
            captured_cents: payments.iter().map(|p| p.captured_cents).sum(),
            refunded_cents: payments.iter().map(|p| p.refunded_cents).sum(),
            client_secret: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskflow_domain::booking::BookingStatus;

    fn row(status: BookingStatus) -> BookingRow {
        BookingRow {
            id: "b-1".into(),
            user_id: "u-1".into(),
            workspace_id: "w-1".into(),
            starts_at: 1_900_000_000_000,
            ends_at: 1_900_000_000_000 + 3_600_000,
            seats: 2,
            status,
            reason: Some("cancelled by the member".into()),
            amount_cents: 3000,
            currency: "EUR".into(),
            created_at: 1,
            updated_at: 2,
            hourly_rate_cents: Some(1500),
        }
    }

    fn payment(id: &str, status: PaymentStatus, captured: i64, refunded: i64) -> PaymentRow {
        PaymentRow {
            id: id.into(),
            booking_id: "b-1".into(),
            provider_ref: Some(format!("pi_{id}")),
            status,
            amount_cents: captured,
            captured_cents: captured,
            refunded_cents: refunded,
            currency: "EUR".into(),
            created_at: 1,
            updated_at: 2,
        }
    }

    #[test]
    fn the_view_sums_every_payment_and_shows_the_bookings_own() {
        let v = view_of(
            &row(BookingStatus::Cancelled),
            &[
                payment("b-1", PaymentStatus::PartiallyRefunded, 2000, 1000),
                payment("b-1.1", PaymentStatus::Refunded, 1000, 1000),
            ],
        );
        assert_eq!(v.status, BookingStatus::Cancelled);
        assert_eq!(v.reason.as_deref(), Some("cancelled by the member"));
        assert_eq!(
            (v.starts_at.as_str(), v.ends_at.as_str()),
            ("2030-03-17T17:46:40Z", "2030-03-17T18:46:40Z")
        );
        assert_eq!(
            (v.seats, v.amount_cents, v.currency.as_str()),
            (2, 3000, "EUR")
        );
        assert_eq!(
            v.payment,
            PaymentSummary {
                status: PaymentStatus::PartiallyRefunded,
                captured_cents: 3000,
                refunded_cents: 2000,
                client_secret: None,
            }
        );
    }

    #[test]
    fn a_booking_without_a_payment_shows_none_started() {
        let v = view_of(&row(BookingStatus::Rejected), &[]);
        assert_eq!(v.payment.status, PaymentStatus::NotStarted);
        assert_eq!((v.payment.captured_cents, v.payment.refunded_cents), (0, 0));
    }
}
