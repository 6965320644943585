//! The contract's public calls (`docs/API.md`) that are built, each with the type of its
//! request body: what `deskflow api` prints and what a client can generate forms from without
//! a running stack. The schemas are the ones the handlers publish to Restate (the same types,
//! through `schemars`); the journey `surface::schemas` checks this list against the OpenAPI a
//! stack serves, so a call added to a service without an entry here is noticed.

use crate::*;
use schemars::{JsonSchema, Schema, schema_for};

/// Who may make a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// no token (`Auth/register`, `Auth/login`, `Auth/refresh`)
    Anyone,
    /// any signed-in account, on its own data
    Member,
    /// an account with the admin role (as the database says now)
    Admin,
}

/// One public call: `POST /{service}/{handler}` or `POST /{service}/{key}/{handler}`.
#[derive(Debug, Clone)]
pub struct PublicCall {
    pub service: &'static str,
    pub handler: &'static str,
    /// the key's name for a keyed object or workflow (`booking_id`), `None` for a service
    pub key: Option<&'static str>,
    pub access: Access,
    /// the body may be left out (it is `{}` or has only optional fields)
    pub body_optional: bool,
    /// one line on what the call does
    pub summary: &'static str,
    request: fn() -> Schema,
}

impl PublicCall {
    /// The ingress path, with the key as a `{placeholder}`.
    pub fn path(&self) -> String {
        match self.key {
            Some(k) => format!("/{}/{{{k}}}/{}", self.service, self.handler),
            None => format!("/{}/{}", self.service, self.handler),
        }
    }

    /// The JSON schema of the request body, as the handler publishes it.
    pub fn request_schema(&self) -> Schema {
        (self.request)()
    }
}

fn schema<T: JsonSchema>() -> Schema {
    schema_for!(T)
}

const fn call(
    service: &'static str,
    handler: &'static str,
    access: Access,
    summary: &'static str,
    request: fn() -> Schema,
) -> PublicCall {
    PublicCall {
        service,
        handler,
        key: None,
        access,
        body_optional: false,
        summary,
        request,
    }
}

const fn keyed(mut c: PublicCall, key: &'static str) -> PublicCall {
    c.key = Some(key);
    c
}

const fn optional(mut c: PublicCall) -> PublicCall {
    c.body_optional = true;
    c
}

use Access::{Admin as A, Anyone as N, Member as M};

/// Every public call that is built, grouped by service in API.md's order.
pub fn public_calls() -> Vec<PublicCall> {
    vec![
        call(
            "Auth",
            "register",
            N,
            "open an account and sign in",
            schema::<RegisterRequest>,
        ),
        call(
            "Auth",
            "login",
            N,
            "sign in with email and password",
            schema::<LoginRequest>,
        ),
        call(
            "Auth",
            "refresh",
            N,
            "trade a refresh token for a new pair",
            schema::<RefreshRequest>,
        ),
        optional(call(
            "Auth",
            "validate",
            M,
            "who the bearer token speaks for",
            schema::<Empty>,
        )),
        optional(call("Users", "me", M, "your profile", schema::<Empty>)),
        optional(call(
            "Users",
            "bookings",
            M,
            "your bookings, newest first",
            schema::<Empty>,
        )),
        call(
            "Users",
            "update",
            M,
            "change your name",
            schema::<UpdateProfileRequest>,
        ),
        call(
            "Users",
            "change_password",
            M,
            "change your password (signs out other sessions)",
            schema::<ChangePasswordRequest>,
        ),
        call(
            "Users",
            "delete",
            M,
            "cancel your bookings and erase your account",
            schema::<DeleteAccountRequest>,
        ),
        call(
            "Workspaces",
            "create",
            A,
            "open a workspace",
            schema::<CreateWorkspaceRequest>,
        ),
        optional(call(
            "Workspaces",
            "list",
            M,
            "the open workspaces",
            schema::<Empty>,
        )),
        call(
            "Workspaces",
            "availability",
            M,
            "free seats per interval in a window",
            schema::<AvailabilityRequest>,
        ),
        call(
            "Workspaces",
            "get",
            M,
            "one workspace with its hours and closures",
            schema::<GetWorkspaceRequest>,
        ),
        call(
            "Workspaces",
            "update",
            A,
            "change a workspace's fields",
            schema::<UpdateWorkspaceRequest>,
        ),
        call(
            "Workspaces",
            "close",
            A,
            "close a workspace for good, refunding its bookings",
            schema::<CloseWorkspaceRequest>,
        ),
        call(
            "Workspaces",
            "bookings",
            A,
            "a workspace's bookings, by start",
            schema::<WorkspaceBookingsRequest>,
        ),
        call(
            "Bookings",
            "create",
            M,
            "book seats (answers at once; the booking runs on)",
            schema::<CreateBookingRequest>,
        ),
        keyed(
            optional(call(
                "Booking",
                "status",
                M,
                "where a booking stands",
                schema::<Empty>,
            )),
            "booking_id",
        ),
        keyed(
            optional(call(
                "Booking",
                "wait",
                M,
                "answer once confirmed or final (at most 60 s)",
                schema::<Empty>,
            )),
            "booking_id",
        ),
        keyed(
            optional(call(
                "Booking",
                "cancel",
                M,
                "cancel; refund per policy",
                schema::<CancelBody>,
            )),
            "booking_id",
        ),
        keyed(
            call(
                "Booking",
                "reschedule",
                M,
                "move a confirmed booking; the difference is charged or refunded",
                schema::<RescheduleBody>,
            ),
            "booking_id",
        ),
        keyed(
            optional(call(
                "Payment",
                "status",
                M,
                "where a payment stands",
                schema::<Empty>,
            )),
            "payment_id",
        ),
        optional(call(
            "Notifications",
            "list",
            M,
            "your notifications",
            schema::<Empty>,
        )),
        call(
            "Reporting",
            "summary",
            A,
            "bookings, money and occupancy of a window",
            schema::<SummaryRequest>,
        ),
        optional(call(
            "Admin",
            "bookings",
            A,
            "bookings matching a filter",
            schema::<AdminBookingsRequest>,
        )),
        call(
            "Admin",
            "cancel_booking",
            A,
            "cancel any booking with a full refund",
            schema::<AdminCancelRequest>,
        ),
        call(
            "Admin",
            "promote",
            A,
            "give an account the admin role",
            schema::<PromoteRequest>,
        ),
        call(
            "Admin",
            "demote",
            A,
            "take the admin role away",
            schema::<DemoteRequest>,
        ),
        optional(call(
            "Admin",
            "reconcile",
            A,
            "compare payments and seats with the provider and the bookings",
            schema::<ReconcileRequest>,
        )),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_call_is_listed_once_and_its_path_has_the_key_in_braces() {
        let calls = public_calls();
        let names: BTreeSet<_> = calls.iter().map(|c| (c.service, c.handler)).collect();
        assert_eq!(names.len(), calls.len());
        let status = calls
            .iter()
            .find(|c| c.service == "Booking" && c.handler == "status");
        assert_eq!(status.unwrap().path(), "/Booking/{booking_id}/status");
        assert_eq!(calls[0].path(), "/Auth/register");
    }

    #[test]
    fn a_call_whose_body_may_be_left_out_requires_no_field() {
        for c in public_calls() {
            let s = c.request_schema().to_value();
            let required = s["required"].as_array().map_or(0, Vec::len);
            assert_eq!(
                c.body_optional,
                required == 0 && s.get("oneOf").is_none(),
                "{}",
                c.path()
            );
        }
    }

    #[test]
    fn request_schemas_refuse_unknown_fields_and_describe_bounds_and_formats() {
        for c in public_calls() {
            let s = c.request_schema().to_value();
            assert_eq!(s["additionalProperties"], false, "{}: {s}", c.path());
        }
        let s = schema::<CreateBookingRequest>().to_value();
        assert_eq!(
            s["required"],
            serde_json::json!(["workspace_id", "starts_at", "ends_at", "payment_method"])
        );
        assert_eq!(s["properties"]["starts_at"]["format"], "date-time");
        assert_eq!(s["properties"]["seats"]["minimum"], 1);
        assert_eq!(s["properties"]["seats"]["maximum"], 50);
        assert_eq!(s["properties"]["seats"]["default"], 1);
        let reg = schema::<RegisterRequest>().to_value();
        assert_eq!(reg["properties"]["password"]["minLength"], 8);
        assert_eq!(reg["properties"]["password"]["maxLength"], 128);
        assert!(
            reg["properties"]["name"]["description"]
                .as_str()
                .unwrap()
                .contains("200")
        );
    }

    #[test]
    fn statuses_are_published_as_their_wire_names_with_a_meaning_each() {
        let s = schema::<BookingSummary>().to_value();
        let status = &s["$defs"]["BookingStatus"];
        let names: Vec<&str> = status["oneOf"]
            .as_array()
            .expect("one entry per status")
            .iter()
            .map(|v| {
                assert!(v["description"].is_string(), "{v}");
                v["const"].as_str().unwrap()
            })
            .collect();
        let wire: Vec<String> = deskflow_domain::booking::BookingStatus::ALL
            .iter()
            .map(|b| {
                serde_json::to_value(b)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, wire);
    }

    #[test]
    fn creating_a_workspace_needs_one_form_of_hours() {
        let s = schema::<CreateWorkspaceRequest>().to_value();
        assert_eq!(
            s["oneOf"],
            serde_json::json!([{"required": ["opens_at", "closes_at"]}, {"required": ["hours"]}])
        );
    }
}
