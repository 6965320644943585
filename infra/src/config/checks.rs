//! What refuses a configuration: settings that cannot work ([`Config::validate`], at every
//! load) and settings safe only on a developer's machine ([`Config::check_safe_to_serve`],
//! before the endpoint serves).

use super::{Config, DEV_JWT_SECRET, DEV_WEBHOOK_SECRET};
use crate::InfraError;

impl Config {
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
        if self.test_serve_pause_ms > 0 {
            return refuse(
                "DESKFLOW_TEST_SERVE_PAUSE_MS slows every waitlist round down: it is a fault tests' hook",
            );
        }
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
