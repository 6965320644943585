//! What the booking tells: its member, by email (confirmed, reminder, how it ended), and the
//! reports, by activity records. Both are one-way sends keyed by the event and the booking, so
//! a replay or a second run never sends twice and a slow mailer never holds the booking up.

use super::callers::Callers;
use super::flow::Flow;
use super::prepare::BookingStart;
use super::step_context::StepContext;
use deskflow_api::BookingView;
use deskflow_domain::money::format_minor as money;

impl<C: StepContext, K: Callers> Flow<'_, C, K> {
    /// One-way email to the member: never blocks or fails the booking.
    pub(super) fn notify(&self, kind: &str, mail: Mail) {
        self.notify_again(kind, 0, mail);
    }

    /// As [`Self::notify`], for the `n`th email of its kind about this booking (a reschedule's,
    /// or the reminder of a rescheduled slot); `n = 0` is the first.
    pub(super) fn notify_again(&self, kind: &str, n: u32, mail: Mail) {
        let Some(b) = &self.b else { return };
        let id = match n {
            0 => format!("{kind}:{}", self.booking_id),
            n => format!("{kind}:{}:{n}", self.booking_id),
        };
        self.ctx.email(deskflow_api::SendNotification {
            id,
            user_id: Some(b.user_id.clone()),
            kind: kind.into(),
            // read by Notifications when it records the email: no address in this journal
            to: None,
            subject: mail.subject,
            body: mail.body,
        });
    }

    /// One-way activity record, keyed by the event and the booking.
    pub(super) fn record(&self, kind: &str, amount: Option<i64>) {
        self.record_again(kind, 0, amount);
    }

    /// As [`Self::record`], for the `n`th event of its kind (`n = 0` is the first).
    pub(super) fn record_again(&self, kind: &str, n: u32, amount: Option<i64>) {
        let origin_key = match n {
            0 => format!("{kind}:{}", self.booking_id),
            n => format!("{kind}:{}:{n}", self.booking_id),
        };
        let activity = deskflow_api::RecordActivity {
            origin_key,
            kind: kind.into(),
            user_id: Some(self.req.user_id.clone()),
            workspace_id: Some(self.req.workspace_id.clone()),
            booking_id: Some(self.booking_id.clone()),
            amount_cents: amount,
        };
        self.ctx.announce(activity);
    }
}

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
            "Hello,\n\nyour booking is confirmed: {} seat(s) at {} from {} to {}.\n{paid}Booking id: {}\n",
            b.seats, b.workspace_name, view.starts_at, view.ends_at, b.booking_id
        ),
    }
}

pub fn waitlisted(b: &BookingStart, view: &BookingView) -> Mail {
    Mail {
        subject: format!("On the waitlist: {}", b.workspace_name),
        body: format!(
            "Hello,\n\nno seat is free at {} from {} to {} right now, so your booking is on the waitlist. \
             Nothing is charged while it waits. When a seat frees up it is yours, in the order bookings were made, \
             and we will charge {} {} and confirm it. If no seat frees up before the start, the booking expires.\n\
             Booking id: {}\n",
            b.workspace_name,
            view.starts_at,
            view.ends_at,
            money(b.amount_cents),
            b.currency,
            b.booking_id
        ),
    }
}

/// A reschedule moved the booking from `from` (start, end, seats) to where `view` is now.
pub fn rescheduled(
    b: &BookingStart,
    view: &BookingView,
    from: (&str, &str, i64),
    charged: i64,
    refunded: i64,
) -> Mail {
    let money_line = if charged > 0 {
        format!(
            "The new slot costs more: we charged {} {} (the booking now costs {} {}).",
            money(charged),
            b.currency,
            money(b.amount_cents),
            b.currency
        )
    } else if refunded > 0 {
        format!(
            "The new slot costs less: we refunded {} {} (the booking now costs {} {}).",
            money(refunded),
            b.currency,
            money(b.amount_cents),
            b.currency
        )
    } else {
        "The price is unchanged.".to_string()
    };
    Mail {
        subject: format!("Booking rescheduled: {}", b.workspace_name),
        body: format!(
            "Hello,\n\nyour booking at {} moved from {} to {} ({} seat(s)) to {} to {} ({} seat(s)).\n{money_line}\nBooking id: {}\n",
            b.workspace_name,
            from.0,
            from.1,
            from.2,
            view.starts_at,
            view.ends_at,
            view.seats,
            b.booking_id
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
            "Hello,\n\nyour booking at {} starts at {} and ends at {}.\n",
            b.workspace_name, view.starts_at, view.ends_at
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
            "Hello,\n\nyour booking at {} from {} to {} is {status}.\nReason: {reason}{refund_line}\nBooking id: {}\n",
            b.workspace_name, view.starts_at, view.ends_at, b.booking_id
        ),
    }
}
