//! The environment variable and the meaning of every setting: one table that both the
//! environment layer ([`Config::apply_env`]) and the printed reference ([`Config::reference`])
//! read, so a setting cannot have a variable without a line in the reference or the reverse.

use super::Config;

/// (setting, environment variable, meaning) for every field: the single source of the
/// configuration reference printed by `deskflow config` and copied into docs/operations.md.
pub(super) const ENV: &[(&str, &str, &str)] = &[
    (
        "database_url",
        "DATABASE_URL",
        "sqlite://FILE or postgres://URL",
    ),
    (
        "database_max_connections",
        "DESKFLOW_DATABASE_MAX_CONNECTIONS",
        "connection pool size (SQLite: the pool serves listings and reports; the flows share one connection)",
    ),
    (
        "jwt_secret",
        "DESKFLOW_JWT_SECRET",
        "HS256 secret of bearer tokens",
    ),
    (
        "jwt_ttl_secs",
        "DESKFLOW_JWT_TTL_SECS",
        "access token lifetime in seconds",
    ),
    (
        "refresh_ttl_secs",
        "DESKFLOW_REFRESH_TTL_SECS",
        "refresh token lifetime in seconds",
    ),
    (
        "password_hash_concurrency",
        "DESKFLOW_PASSWORD_HASH_CONCURRENCY",
        "argon2 hashes running at once",
    ),
    (
        "login_free_failures",
        "DESKFLOW_LOGIN_FREE_FAILURES",
        "wrong passwords per account before logins are delayed",
    ),
    (
        "login_backoff_initial_secs",
        "DESKFLOW_LOGIN_BACKOFF_INITIAL_SECS",
        "first login delay, doubling per further failure",
    ),
    (
        "login_backoff_max_secs",
        "DESKFLOW_LOGIN_BACKOFF_MAX_SECS",
        "longest login delay",
    ),
    (
        "login_failure_window_secs",
        "DESKFLOW_LOGIN_FAILURE_WINDOW_SECS",
        "failures are forgotten after this long without a new one",
    ),
    (
        "dev_stack",
        "DESKFLOW_DEV_STACK",
        "1 in a dev/test stack: allows the built-in dev secrets and no identity key",
    ),
    ("admin_email", "DESKFLOW_ADMIN_EMAIL", "first admin's email"),
    (
        "admin_password",
        "DESKFLOW_ADMIN_PASSWORD",
        "first admin's password",
    ),
    (
        "endpoint_addr",
        "DESKFLOW_ENDPOINT_ADDR",
        "Restate SDK endpoint address",
    ),
    (
        "http_addr",
        "DESKFLOW_HTTP_ADDR",
        "health/ready/metrics/webhooks address",
    ),
    (
        "restate_identity_key",
        "DESKFLOW_RESTATE_IDENTITY_KEY",
        "publickeyv1_... of restate-server",
    ),
    (
        "restate_identity_key_file",
        "DESKFLOW_RESTATE_IDENTITY_KEY_FILE",
        "file with the publickeyv1_... key",
    ),
    (
        "restate_admin_url",
        "DESKFLOW_RESTATE_ADMIN_URL",
        "restate-server admin API",
    ),
    (
        "restate_ingress_url",
        "DESKFLOW_RESTATE_INGRESS_URL",
        "restate-server ingress",
    ),
    (
        "restate_nodes",
        "DESKFLOW_RESTATE_NODES",
        "a Restate cluster's node-to-node addresses, comma-separated (readiness checks quorum and partition leaders)",
    ),
    ("smtp_host", "DESKFLOW_SMTP_HOST", "SMTP relay host"),
    ("smtp_port", "DESKFLOW_SMTP_PORT", "SMTP relay port"),
    ("mail_from", "DESKFLOW_MAIL_FROM", "sender address"),
    (
        "smtp_timeout_secs",
        "DESKFLOW_SMTP_TIMEOUT_SECS",
        "timeout of one SMTP attempt",
    ),
    (
        "notify_retry_initial_ms",
        "DESKFLOW_NOTIFY_RETRY_INITIAL_MS",
        "first retry delay of an email",
    ),
    (
        "notify_retry_max_ms",
        "DESKFLOW_NOTIFY_RETRY_MAX_MS",
        "longest retry delay of an email",
    ),
    (
        "notify_retry_max_secs",
        "DESKFLOW_NOTIFY_RETRY_MAX_SECS",
        "give up on an email after this long",
    ),
    (
        "stripe_api_base",
        "DESKFLOW_STRIPE_API_BASE",
        "Stripe API base URL",
    ),
    (
        "stripe_secret_key",
        "DESKFLOW_STRIPE_SECRET_KEY",
        "Stripe secret key",
    ),
    (
        "stripe_webhook_secret",
        "DESKFLOW_STRIPE_WEBHOOK_SECRET",
        "Stripe webhook signing secret",
    ),
    (
        "stripe_timeout_secs",
        "DESKFLOW_STRIPE_TIMEOUT_SECS",
        "timeout of one provider request",
    ),
    (
        "payment_retry_initial_ms",
        "DESKFLOW_PAYMENT_RETRY_INITIAL_MS",
        "first retry delay of a payment step",
    ),
    (
        "payment_retry_max_ms",
        "DESKFLOW_PAYMENT_RETRY_MAX_MS",
        "longest retry delay of a payment step",
    ),
    (
        "payment_retry_max_secs",
        "DESKFLOW_PAYMENT_RETRY_MAX_SECS",
        "provider counts as down after this long",
    ),
    (
        "hold_expiry_secs",
        "DESKFLOW_HOLD_EXPIRY_SECS",
        "seats held while the member authenticates",
    ),
    (
        "reminder_lead_secs",
        "DESKFLOW_REMINDER_LEAD_SECS",
        "reminder email this long before the start",
    ),
    (
        "refund_full_before_secs",
        "DESKFLOW_REFUND_FULL_BEFORE_SECS",
        "full refund when cancelled this early",
    ),
    (
        "refund_late_percent",
        "DESKFLOW_REFUND_LATE_PERCENT",
        "refund percentage after that, until the start",
    ),
    (
        "min_slot_secs",
        "DESKFLOW_MIN_SLOT_SECS",
        "shortest bookable slot",
    ),
    (
        "max_slot_secs",
        "DESKFLOW_MAX_SLOT_SECS",
        "longest bookable slot",
    ),
    (
        "booking_wait_secs",
        "DESKFLOW_BOOKING_WAIT_SECS",
        "longest wait of Booking/wait before it answers (1 to 60)",
    ),
    (
        "test_serve_pause_ms",
        "DESKFLOW_TEST_SERVE_PAUSE_MS",
        "fault tests only (needs dev_stack): pause inside each waitlist round",
    ),
    (
        "confirmed_as_state",
        "DESKFLOW_CONFIRMED_AS_STATE",
        "new bookings live on after confirmation as keyed-object state with delayed calls and their run ends; 0: their run sleeps until the end (the earlier shape)",
    ),
    ("log_format", "DESKFLOW_LOG_FORMAT", "text or json"),
    ("log_filter", "RUST_LOG", "tracing filter"),
];

impl Config {
    /// `(setting, env var, meaning, default)` rows for docs and `deskflow config`.
    pub fn reference() -> Vec<(&'static str, &'static str, &'static str, String)> {
        let defaults = toml::Table::try_from(Config::default()).unwrap_or_default();
        ENV.iter()
            .map(|(f, v, m)| {
                let d = defaults
                    .get(*f)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "(unset)".into());
                (*f, *v, *m, d)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_an_environment_variable() {
        let t = toml::Table::try_from(Config {
            admin_email: Some("x".into()),
            admin_password: Some("y".into()),
            restate_identity_key: Some("k".into()),
            restate_identity_key_file: Some("f".into()),
            ..Config::default()
        })
        .unwrap();
        for k in t.keys() {
            assert!(ENV.iter().any(|(f, _, _)| f == k), "{k} has no variable");
        }
    }
}
