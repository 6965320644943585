//! Why a booking's request is refused: the one refusal type of the booking's handlers and
//! steps, from `Bookings/create` to a reschedule's last step.
//!
//! A refusal is an answer, not an error: the caller decides whether it is a 4xx for the member
//! or a `rejected` booking. At the handler's edge it becomes a terminal error with its
//! [`Refusal::code`] and [`Refusal::message`] (`From<Refusal> for Failure`).
//!
//! Two durable shapes hold refusals and keep them as they were written: `Refusal` itself in the
//! journals of the "validate and quote" and "check and quote" steps (tagged by `refusal`, its
//! variants named in snake case), and a `(code, message)` pair in a reschedule's
//! `deskflow_api::Rescheduled` and its "check new slot" step. [`Refusal::into_answer`] and
//! [`Refusal::from_answer`] map between the two at that edge.

use deskflow_api::BookingView;
use deskflow_handlers::error::{Failure, terminal};
use serde::{Deserialize, Serialize};

/// Why a request cannot become (or move) a booking, with the message the member reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refusal", content = "message", rename_all = "snake_case")]
pub enum Refusal {
    /// the token's user no longer exists or is not active (401)
    UnknownUser(String),
    /// no workspace with that id (404)
    UnknownWorkspace(String),
    /// the workspace is closed for good (409)
    Closed(String),
    /// the slot or seats break the rules (400)
    Invalid(String),
    /// the booking's id has run its saga before: the database knows it past `pending` (409).
    /// Only a `Booking/run` check asks; the view is the booking as its record tells it.
    Recorded(Box<BookingView>),
    /// the booking or the slot's seats do not allow it now: not confirmed, started, ended, no
    /// seat free, another change at the same moment (409)
    Conflict(String),
    /// the card refused the price difference, or asks for an authentication a reschedule
    /// cannot ask for (402)
    Declined(String),
    /// a dependency gave up (the provider unreachable, a step out of retries) (503)
    Unavailable(String),
}

impl Refusal {
    /// The HTTP-like status code the member gets.
    pub fn code(&self) -> u16 {
        match self {
            Refusal::UnknownUser(_) => 401,
            Refusal::UnknownWorkspace(_) => 404,
            Refusal::Closed(_) | Refusal::Recorded(_) | Refusal::Conflict(_) => 409,
            Refusal::Invalid(_) => 400,
            Refusal::Declined(_) => 402,
            Refusal::Unavailable(_) => 503,
        }
    }

    /// The message the member reads.
    pub fn message(&self) -> &str {
        match self {
            Refusal::UnknownUser(m)
            | Refusal::UnknownWorkspace(m)
            | Refusal::Closed(m)
            | Refusal::Invalid(m)
            | Refusal::Conflict(m)
            | Refusal::Declined(m)
            | Refusal::Unavailable(m) => m,
            Refusal::Recorded(_) => "this booking has run its saga already",
        }
    }

    /// The `(code, message)` pair a reschedule's answer and its "check new slot" step keep.
    pub fn into_answer(self) -> (u16, String) {
        (self.code(), self.message().to_string())
    }

    /// A refusal read back from a `(code, message)` pair, with the same code and message: each
    /// code a refusal has names one variant (409 reads as [`Refusal::Conflict`]). Pairs are
    /// only ever written by [`Refusal::into_answer`]; a code no refusal has reads as
    /// [`Refusal::Invalid`].
    pub fn from_answer((code, message): (u16, String)) -> Refusal {
        match code {
            401 => Refusal::UnknownUser(message),
            402 => Refusal::Declined(message),
            404 => Refusal::UnknownWorkspace(message),
            409 => Refusal::Conflict(message),
            503 => Refusal::Unavailable(message),
            _ => Refusal::Invalid(message),
        }
    }
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Failure {
        terminal(r.code(), r.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<Refusal> {
        vec![
            Refusal::UnknownUser("gone".into()),
            Refusal::UnknownWorkspace("no such workspace".into()),
            Refusal::Closed("closed".into()),
            Refusal::Invalid("seats".into()),
            Refusal::Conflict("no seat".into()),
            Refusal::Declined("payment declined".into()),
            Refusal::Unavailable("the provider is unreachable".into()),
        ]
    }

    #[test]
    fn a_refusal_read_back_from_its_answer_has_the_same_code_and_message() {
        for r in every_kind() {
            let (code, message) = r.clone().into_answer();
            let back = Refusal::from_answer((code, message.clone()));
            assert_eq!(
                (back.code(), back.message()),
                (code, message.as_str()),
                "{r:?}"
            );
        }
    }

    /// The journals of "validate and quote" and "check and quote" hold this shape.
    #[test]
    fn a_refusal_keeps_the_shape_journals_hold() {
        let r = Refusal::UnknownWorkspace("workspace \"w\" not found".into());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"refusal": "unknown_workspace", "message": "workspace \"w\" not found"})
        );
        let old: Refusal = serde_json::from_str(
            r#"{"refusal":"invalid","message":"seats must be between 1 and 2 (got 3)"}"#,
        )
        .unwrap();
        assert_eq!(old.code(), 400);
    }
}
