//! SQLite or PostgreSQL), password hashing, JWTs and the SMTP mailer. Handlers and workflows
//! reach I/O only through this crate.
//!
//! Layout:
//! - [`config`]: one typed configuration (defaults -> TOML file -> `DESKFLOW_*` env).
//! - [`store`]: the system of record, with one module per table family.
//! - [`passwords`]: argon2 hashing and verification.
//! - [`jwt`]: HS256 bearer tokens with expiry and a role claim.
//! - [`mailer`]: SMTP delivery with `lettre`.
//! - [`metrics`]: counters and histograms in Prometheus text format.
//! - [`stripe`]: the Stripe REST client (PaymentIntents, refunds) and webhook signatures.
//! - [`files`]: owner-only permissions for files that hold secrets.
//! - [`error`]: the crate's one error enum, with `is_transient` for the retry decision.

pub mod config;
pub mod error;
pub mod files;
pub mod jwt;
pub mod mailer;
pub mod metrics;
pub mod passwords;
pub mod store;
pub mod stripe;

pub use config::Config;
pub use error::InfraError;
pub use store::Store;
