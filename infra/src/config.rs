//! One typed configuration for every deskflow process. Layers, later wins: built-in defaults
//! (which run the local stack as `deskflow up` starts it) -> a TOML file (`DESKFLOW_CONFIG`, or
//! `deskflow.toml` in the working directory when present) -> environment variables. Every
//! setting, its variable and its default is listed in [`Config::reference`] and in the README.

use crate::InfraError;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
            log_format: "text".into(),
            log_filter: "info,deskflow=info".into(),
        }
    }
}

/// (setting, environment variable, meaning) for every field: the single source of the
/// configuration reference printed by `deskflow config` and copied into the README.
const ENV: &[(&str, &str, &str)] = &[
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
    ("log_format", "DESKFLOW_LOG_FORMAT", "text or json"),
    ("log_filter", "RUST_LOG", "tracing filter"),
];

impl Config {
    /// Defaults, then the TOML file, then the environment; then [`Config::validate`].
    pub fn load() -> Result<Config, InfraError> {
        let file = std::env::var("DESKFLOW_CONFIG").ok();
        let mut cfg = match file.as_deref() {
            Some(path) => Self::from_file(Path::new(path))?,
            None if Path::new("deskflow.toml").exists() => {
                Self::from_file(Path::new("deskflow.toml"))?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        cfg.read_key_file()?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn from_file(path: &Path) -> Result<Config, InfraError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InfraError::Config(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| InfraError::Config(format!("{}: {e}", path.display())))
    }

    /// Overrides fields from variables named in the reference table. Going through the
    /// serialized form keeps one list of names instead of one `match` arm per field.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), InfraError> {
        let mut table =
            toml::Table::try_from(&*self).map_err(|e| InfraError::Config(e.to_string()))?;
        for (field, var, _) in ENV {
            let Some(raw) = get(var) else { continue };
            let value = match table.get(*field) {
                Some(toml::Value::Boolean(_)) => match raw.trim() {
                    "1" | "true" | "yes" => toml::Value::Boolean(true),
                    "0" | "false" | "no" | "" => toml::Value::Boolean(false),
                    _ => {
                        return Err(InfraError::Config(format!(
                            "{var}={raw:?} is not 1/true or 0/false"
                        )));
                    }
                },
                Some(toml::Value::Integer(_)) => raw
                    .trim()
                    .parse::<i64>()
                    .map(toml::Value::Integer)
                    .map_err(|_| {
                        InfraError::Config(format!("{var}={raw:?} is not a whole number"))
                    })?,
                _ => toml::Value::String(raw),
            };
            table.insert((*field).to_string(), value);
        }
        *self = table
            .try_into()
            .map_err(|e| InfraError::Config(e.to_string()))?;
        Ok(())
    }

    /// Fills `restate_identity_key` from `restate_identity_key_file` when only the file is set.
    pub fn read_key_file(&mut self) -> Result<(), InfraError> {
        if let (None, Some(path)) = (&self.restate_identity_key, &self.restate_identity_key_file) {
            let key = std::fs::read_to_string(path).map_err(|e| {
                InfraError::Config(format!(
                    "DESKFLOW_RESTATE_IDENTITY_KEY_FILE: cannot read {path}: {e}"
                ))
            })?;
            self.restate_identity_key = Some(key.trim().to_string());
        }
        Ok(())
    }

    /// Refuses settings that cannot work, with a message naming the setting.
    pub fn validate(&self) -> Result<(), InfraError> {
        let bad = |m: String| Err(InfraError::Config(m));
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return bad(format!(
                "DATABASE_URL must start with sqlite: or postgres:, got {:?}",
                self.database_url
            ));
        }
        if self.jwt_secret.len() < 16 {
            return bad("DESKFLOW_JWT_SECRET must be at least 16 characters".into());
        }
        if self.jwt_ttl_secs < 60 {
            return bad("DESKFLOW_JWT_TTL_SECS must be at least 60".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad(format!(
                "DESKFLOW_LOG_FORMAT must be text or json, got {:?}",
                self.log_format
            ));
        }
        if self.refresh_ttl_secs < self.jwt_ttl_secs {
            return bad(
                "DESKFLOW_REFRESH_TTL_SECS must not be shorter than DESKFLOW_JWT_TTL_SECS".into(),
            );
        }
        if self.password_hash_concurrency == 0 {
            return bad("DESKFLOW_PASSWORD_HASH_CONCURRENCY must be at least 1".into());
        }
        if self.login_backoff_initial_secs == 0
            || self.login_backoff_max_secs < self.login_backoff_initial_secs
        {
            return bad(
                "DESKFLOW_LOGIN_BACKOFF_INITIAL_SECS must be at least 1 and at most DESKFLOW_LOGIN_BACKOFF_MAX_SECS"
                    .into(),
            );
        }
        if self.refund_late_percent > 100 {
            return bad("DESKFLOW_REFUND_LATE_PERCENT must be between 0 and 100".into());
        }
        if self.hold_expiry_secs == 0 {
            return bad("DESKFLOW_HOLD_EXPIRY_SECS must be positive".into());
        }
        if !(1..=60).contains(&self.booking_wait_secs) {
            return bad("DESKFLOW_BOOKING_WAIT_SECS must be between 1 and 60".into());
        }
        if self.admin_email.is_some() != self.admin_password.is_some() {
            return bad(
                "set both DESKFLOW_ADMIN_EMAIL and DESKFLOW_ADMIN_PASSWORD, or neither".into(),
            );
        }
        Ok(())
    }

    /// Refuses what is safe only on a developer's machine: the built-in JWT or webhook secret
    /// (public in this source) and an endpoint that accepts unsigned requests. A dev or test
    /// stack says so with `dev_stack` (`deskflow up` and the test harness set it).
    pub fn check_safe_to_serve(&self) -> Result<(), InfraError> {
        if self.dev_stack {
            return Ok(());
        }
        let refuse = |m: &str| {
            Err(InfraError::Config(format!(
                "{m} (set DESKFLOW_DEV_STACK=1 only for a development stack)"
            )))
        };
        if self.jwt_secret == DEV_JWT_SECRET {
            return refuse(
                "DESKFLOW_JWT_SECRET is the built-in development secret, with which anyone can sign an admin token: set a long random one",
            );
        }
        if self.stripe_webhook_secret == DEV_WEBHOOK_SECRET {
            return refuse(
                "DESKFLOW_STRIPE_WEBHOOK_SECRET is the built-in development secret: set the provider's webhook signing secret",
            );
        }
        if self.restate_identity_key.is_none() {
            return refuse(
                "no DESKFLOW_RESTATE_IDENTITY_KEY: the endpoint would run any request sent to it; set restate-server's publickeyv1_... key",
            );
        }
        Ok(())
    }

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
    use std::collections::HashMap;

    #[test]
    fn env_overrides_defaults_with_typed_values() {
        let env: HashMap<&str, &str> = [
            ("DATABASE_URL", "postgres://x/y"),
            ("DESKFLOW_SMTP_PORT", "2525"),
            ("DESKFLOW_ADMIN_EMAIL", "a@b.io"),
        ]
        .into();
        let mut c = Config::default();
        c.apply_env(|k| env.get(k).map(|s| s.to_string())).unwrap();
        assert_eq!(c.database_url, "postgres://x/y");
        assert_eq!(c.smtp_port, 2525);
        assert_eq!(c.admin_email.as_deref(), Some("a@b.io"));
    }

    #[test]
    fn a_non_number_for_a_number_is_refused_with_the_variable_name() {
        let mut c = Config::default();
        let err = c
            .apply_env(|k| (k == "DESKFLOW_SMTP_PORT").then(|| "abc".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("DESKFLOW_SMTP_PORT"), "{err}");
    }

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

    #[test]
    fn the_identity_key_can_come_from_a_file() {
        let path = std::env::temp_dir().join(format!("deskflow-key-{}", std::process::id()));
        std::fs::write(&path, "publickeyv1_abc\n").unwrap();
        let mut c = Config {
            restate_identity_key_file: Some(path.display().to_string()),
            ..Config::default()
        };
        c.read_key_file().unwrap();
        assert_eq!(c.restate_identity_key.as_deref(), Some("publickeyv1_abc"));
        std::fs::remove_file(&path).unwrap();
        let mut missing = Config {
            restate_identity_key_file: Some(path.display().to_string()),
            ..Config::default()
        };
        let e = missing.read_key_file().unwrap_err().to_string();
        assert!(e.contains("DESKFLOW_RESTATE_IDENTITY_KEY_FILE"), "{e}");
    }

    #[test]
    fn serving_with_a_dev_secret_or_no_identity_key_needs_a_dev_stack() {
        let safe = Config {
            jwt_secret: "a-long-random-production-secret".into(),
            stripe_webhook_secret: "whsec_live".into(),
            restate_identity_key: Some("publickeyv1_x".into()),
            ..Config::default()
        };
        assert!(safe.check_safe_to_serve().is_ok());
        for (broken, names) in [
            (
                Config {
                    jwt_secret: DEV_JWT_SECRET.into(),
                    ..safe.clone()
                },
                "DESKFLOW_JWT_SECRET",
            ),
            (
                Config {
                    stripe_webhook_secret: DEV_WEBHOOK_SECRET.into(),
                    ..safe.clone()
                },
                "DESKFLOW_STRIPE_WEBHOOK_SECRET",
            ),
            (
                Config {
                    restate_identity_key: None,
                    restate_identity_key_file: None,
                    ..safe.clone()
                },
                "DESKFLOW_RESTATE_IDENTITY_KEY",
            ),
        ] {
            let e = broken.check_safe_to_serve().unwrap_err().to_string();
            assert!(e.contains(names) && e.contains("DESKFLOW_DEV_STACK"), "{e}");
            let mut dev = broken.clone();
            dev.apply_env(|k| (k == "DESKFLOW_DEV_STACK").then(|| "1".to_string()))
                .unwrap();
            assert!(dev.check_safe_to_serve().is_ok());
        }
        assert!(Config::default().check_safe_to_serve().is_err());
    }

    #[test]
    fn validate_refuses_half_an_admin_and_unknown_databases() {
        let c = Config {
            admin_email: Some("a@b.io".into()),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        let c = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(c.validate().is_err());
        assert!(Config::default().validate().is_ok());
    }
}
