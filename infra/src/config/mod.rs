//! One typed configuration for every deskflow process. Layers, later wins: built-in defaults
//! (which run the local stack as `deskflow up` starts it) -> a TOML file (`DESKFLOW_CONFIG`, or
//! `deskflow.toml` in the working directory when present) -> environment variables. Every
//! setting, its variable and its default is listed in [`Config::reference`] and in docs/operations.md.
//!
//! This module holds the settings and their defaults; reading the layers is in `layers`, the
//! variable of each setting in `vars`, and what refuses a configuration in `checks`.

mod checks;
mod layers;
mod vars;

use serde::{Deserialize, Serialize};

/// The secret used when none is configured. `serve` refuses to start with it unless it runs a
/// dev stack (`dev_stack`): anyone who read this source could sign an admin token.
pub const DEV_JWT_SECRET: &str = "deskflow-dev-secret-change-me";
/// The webhook secret used when none is configured; refused outside a dev stack like
/// [`DEV_JWT_SECRET`] (it would let anyone forge the payment provider's events).
pub const DEV_WEBHOOK_SECRET: &str = "whsec_deskflow_dev";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user@host/db`.
    pub database_url: String,
    /// Maximum connections in the pool.
    pub database_max_connections: u32,
    /// HS256 secret for bearer tokens.
    pub jwt_secret: String,
    /// Lifetime of an issued access token, in seconds (short: a demotion or password change
    /// revokes tokens through the guard, but a stolen token is useful only this long anyway).
    pub jwt_ttl_secs: i64,
    /// Lifetime of a refresh token, in seconds; each use spends it and returns a new one.
    pub refresh_ttl_secs: i64,
    /// How many argon2 hashes may run at once (each costs ~19 MiB and one core for tens of ms).
    pub password_hash_concurrency: u32,
    /// Wrong passwords an account may get before logins for it are refused for a while...
    pub login_free_failures: u32,
    /// ...first for this many seconds, doubling with every further failure...
    pub login_backoff_initial_secs: u64,
    /// ...up to this many.
    pub login_backoff_max_secs: u64,
    /// An account's failures are forgotten after this long without a new one.
    pub login_failure_window_secs: u64,
    /// This process runs in a development or test stack (`deskflow up` sets it): the built-in
    /// development secrets and an endpoint without a request-identity key are allowed.
    pub dev_stack: bool,
    /// First admin, created at start-up when both are set and the email is not registered.
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Where the Restate SDK endpoint listens (HTTP/2, called by restate-server only).
    pub endpoint_addr: String,
    /// Where the plain HTTP server listens (health, readiness, metrics, webhooks).
    pub http_addr: String,
    /// `publickeyv1_...`: only requests signed by the matching private key are accepted.
    /// Unset means the endpoint accepts unsigned requests (a warning is logged).
    pub restate_identity_key: Option<String>,
    /// A file holding that key (docker-compose's key-generation service writes one); read
    /// when `restate_identity_key` is not set.
    pub restate_identity_key_file: Option<String>,
    /// restate-server's admin API, for readiness and the CLI.
    pub restate_admin_url: String,
    /// restate-server's ingress, for the CLI.
    pub restate_ingress_url: String,
    /// A Restate cluster's node-to-node addresses, comma-separated (`http://n1:5122/,...`):
    /// readiness then also requires a metadata quorum and a leader for every partition,
    /// read from the nodes' metrics. Empty for a single node.
    pub restate_nodes: String,
    /// SMTP relay.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// Sender of every email.
    pub mail_from: String,
    /// Seconds one SMTP conversation may take before it counts as a failed attempt.
    pub smtp_timeout_secs: u64,
    /// Retry policy of the "send email" step: first delay, cap, and the total time after
    /// which the notification is recorded as failed.
    pub notify_retry_initial_ms: u64,
    pub notify_retry_max_ms: u64,
    pub notify_retry_max_secs: u64,
    /// Payment provider (Stripe's REST API; localstripe in dev and tests).
    pub stripe_api_base: String,
    pub stripe_secret_key: String,
    /// Secret of the `Stripe-Signature` header on webhooks.
    pub stripe_webhook_secret: String,
    /// Seconds one request to the provider may take.
    pub stripe_timeout_secs: u64,
    /// Retry policy of payment steps: first delay, cap, and the total time after which the
    /// provider counts as down (the booking fails and is compensated).
    pub payment_retry_initial_ms: u64,
    pub payment_retry_max_ms: u64,
    pub payment_retry_max_secs: u64,
    /// How long seats stay held while the member authenticates the payment (3-D Secure).
    pub hold_expiry_secs: u64,
    /// How long before the start the reminder email goes out.
    pub reminder_lead_secs: u64,
    /// A member who cancels at least this long before the start gets everything back...
    pub refund_full_before_secs: u64,
    /// ...and this percentage of it after that, until the start (nothing afterwards).
    pub refund_late_percent: u64,
    /// Shortest and longest bookable slot, in seconds.
    pub min_slot_secs: u64,
    pub max_slot_secs: u64,
    /// The longest `Booking/{id}/wait` waits before it answers with the current status (at
    /// most 60 s, API.md).
    pub booking_wait_secs: u64,
    /// Fault tests only (a development stack): milliseconds a waitlist round pauses after
    /// each row it moves to `held`, the window in which they kill a process. Zero: none.
    pub test_serve_pause_ms: u64,
    /// New bookings live on after their confirmation as state in a keyed object
    /// (`ConfirmedBooking`) with delayed calls for the reminder and the completion, and their
    /// `Booking/run` ends at confirmation (the default). Off: `run` sleeps until the booking's
    /// end, the shape of bookings made before there was a choice, kept so that a release can
    /// be rolled back. Chosen per booking when its saga starts; a running booking keeps its
    /// shape.
    pub confirmed_as_state: bool,
    /// `text` or `json`.
    pub log_format: String,
    /// `RUST_LOG`-style filter.
    pub log_filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://.data/deskflow.db".into(),
            database_max_connections: 8,
            jwt_secret: DEV_JWT_SECRET.into(),
            jwt_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            password_hash_concurrency: 2,
            login_free_failures: 5,
            login_backoff_initial_secs: 1,
            login_backoff_max_secs: 15 * 60,
            login_failure_window_secs: 3600,
            dev_stack: false,
            admin_email: None,
            admin_password: None,
            endpoint_addr: "127.0.0.1:9080".into(),
            http_addr: "127.0.0.1:9081".into(),
            restate_identity_key: None,
            restate_identity_key_file: None,
            restate_admin_url: "http://127.0.0.1:9070".into(),
            restate_ingress_url: "http://127.0.0.1:8080".into(),
            restate_nodes: String::new(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: 1025,
            mail_from: "deskflow <noreply@deskflow.local>".into(),
            smtp_timeout_secs: 10,
            notify_retry_initial_ms: 500,
            notify_retry_max_ms: 30_000,
            notify_retry_max_secs: 3600,
            stripe_api_base: "http://127.0.0.1:8420".into(),
            stripe_secret_key: "sk_test_deskflow".into(),
            stripe_webhook_secret: DEV_WEBHOOK_SECRET.into(),
            stripe_timeout_secs: 10,
            payment_retry_initial_ms: 200,
            payment_retry_max_ms: 10_000,
            payment_retry_max_secs: 120,
            hold_expiry_secs: 900,
            reminder_lead_secs: 3600,
            refund_full_before_secs: 24 * 3600,
            refund_late_percent: 50,
            min_slot_secs: 15 * 60,
            max_slot_secs: 12 * 3600,
            booking_wait_secs: 55,
            test_serve_pause_ms: 0,
            confirmed_as_state: true,
            log_format: "text".into(),
            log_filter: "info,deskflow=info".into(),
        }
    }
}
