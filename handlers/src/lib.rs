//! The Restate services deskflow's flows invoke, one file or folder per service, behind the public
//! contract of `docs/API.md`. Every public handler checks the caller's bearer token first
//! ([`guard`]); internal handlers are `ingress_private`. Errors leave through [`error`], the one
//! place that decides terminal (with an HTTP-like code) or retryable.
//!
//! Layout:
//! - [`deps`]: what handlers share (store, token keys, mailer, retry settings).
//! - [`guard`]: bearer-token checks (member, admin), with the role and revocation as the
//!   database says.
//! - [`announce`]: one-way email and activity record of a change.
//! - [`stored`]: stored records read back as the domain's rules, and as the lists and
//!   profiles several services answer.
//! - [`error`]: the mapping of domain and infrastructure errors to Restate errors.
//! - [`auth`], [`notifications`], [`reporting`], [`admin`]: services, one file each.
//! - [`workspaces`], [`users`]: services with a folder each, the service in `mod.rs` and the
//!   bodies of its calls beside it.
//! - [`calendar`]: the per-workspace object that holds seats.
//! - [`login_guard`]: the per-account object that counts wrong passwords and delays logins.
//! - [`payment`]: the per-payment object that talks to the payment provider.
//! - [`reconcile`]: `Admin/reconcile`'s comparison of bookings, payments and the provider.

mod admin;
pub mod announce;
mod auth;
pub mod calendar;
pub mod deps;
pub mod error;
pub mod guard;
mod login_guard;
mod notifications;
pub mod payment;
mod reconcile;
mod reporting;
pub mod stored;
mod users;
mod workspaces;

pub use admin::Admin;
pub use auth::Auth;
pub use deps::Deps;
pub use login_guard::LoginGuard;
pub use notifications::Notifications;
pub use reporting::Reporting;
pub use users::Users;
pub use workspaces::Workspaces;
