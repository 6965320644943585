//! What the booking tells its member, by email: confirmed, reminder, and how it ended.

use super::prepare::BookingStart;
use deskflow_api::BookingView;
use deskflow_domain::money::format_minor as money;

/// An email's subject and text.
pub struct Mail {
    pub subject: String,
    pub body: String,
}

pub fn confirmed(b: &BookingStart, view: &BookingView) -> Mail {
    let paid = if b.amount_cents > 0 {
        format!("We charged {} {}.\n", money(b.amount_cents), b.currency)
    } else {
        "This workspace is free of charge.\n".to_string()
    };
    Mail {
        subject: format!("Booking confirmed: {}", b.workspace_name),
        body: format!(
            "Hello {},\n\nyour booking is confirmed: {} seat(s) at {} from {} to {}.\n{paid}Booking id: {}\n",
            b.user_name, b.seats, b.workspace_name, view.starts_at, view.ends_at, b.booking_id
        ),
    }
}

pub fn reminder(b: &BookingStart, view: &BookingView) -> Mail {
    Mail {
        subject: format!(
            "Reminder: {} starts at {}",
            b.workspace_name, view.starts_at
        ),
        body: format!(
            "Hello {},\n\nyour booking at {} starts at {} and ends at {}.\n",
            b.user_name, b.workspace_name, view.starts_at, view.ends_at
        ),
    }
}

/// The booking ended in `status` (cancelled, rejected, expired, failed) for `reason`, and
/// `refund` went back to the card.
pub fn ended(
    b: &BookingStart,
    view: &BookingView,
    status: &str,
    reason: &str,
    refund: i64,
) -> Mail {
    let refund_line = if refund > 0 {
        format!("\nWe refunded {} {}.", money(refund), b.currency)
    } else {
        String::new()
    };
    Mail {
        subject: format!("Booking {status}: {}", b.workspace_name),
        body: format!(
            "Hello {},\n\nyour booking at {} from {} to {} is {status}.\nReason: {reason}{refund_line}\nBooking id: {}\n",
            b.user_name, b.workspace_name, view.starts_at, view.ends_at, b.booking_id
        ),
    }
}
