//! The JSON bodies of the public contract (`docs/API.md`) and of the internal handlers.
//! Field names are the contract: extend, never rename. Inputs refuse unknown fields, so a typo
//! in a request is a 400 instead of a silently ignored setting.
//!
//! Every type derives `JsonSchema`: the SDK publishes each handler's schema at discovery, and
//! Restate serves it as OpenAPI (`GET <admin>/services/<Service>/openapi`) and as the UI
//! playground's forms. Doc comments become the schema's descriptions, so they are written for a
//! member reading a form; the bounds in `#[schemars(..)]` are the ones the handlers enforce
//! (necessary, not sufficient: a handler may still refuse, e.g. a blank name).
//!
//! One module per service, named after it, holds the bodies of that service's calls (and of the
//! durable flows it starts); this file only re-exports them, so a caller writes
//! `deskflow_api::CreateBookingRequest` whichever module it lives in. A body shared by several
//! services lives with the one that owns the data (a booking's list entry with `Bookings`).

mod admin;
mod auth;
mod body;
mod booking;
mod bookings;
pub mod catalog;
pub mod flows;
mod notifications;
mod reporting;
mod shared;
mod users;
mod workspaces;

pub use admin::*;
pub use auth::*;
pub use body::OptionalJson;
pub use booking::*;
pub use bookings::*;
pub use deskflow_domain::schedule::WeekSpec;
pub use notifications::*;
pub use reporting::*;
pub use shared::*;
pub use users::*;
pub use workspaces::*;
