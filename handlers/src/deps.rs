//! What every handler shares, built once by the composition root and held behind an `Arc`.

use deskflow_domain::refund::RefundPolicy;
use deskflow_infra::passwords::PasswordPool;
use deskflow_infra::{Config, InfraError, Store, jwt::TokenKeys, mailer::Mailer, stripe::Stripe};
use std::sync::Arc;
use std::time::Duration;

/// The retry policy of one kind of step, from configuration (short in tests, patient in
/// production).
#[derive(Debug, Clone, Copy)]
pub struct StepRetry {
    pub initial: Duration,
    pub max_delay: Duration,
    pub max_duration: Duration,
}

impl StepRetry {
    pub fn policy(&self) -> restate_sdk::prelude::RunRetryPolicy {
        restate_sdk::prelude::RunRetryPolicy::new()
            .initial_delay(self.initial)
            .exponentiation_factor(2.0)
            .max_delay(self.max_delay)
            .max_duration(self.max_duration)
    }
}

pub struct Deps {
    pub store: Store,
    pub tokens: TokenKeys,
    pub mailer: Mailer,
    /// Retry policy of the "send email" step.
    pub notify_retry: StepRetry,
    /// Retry policy of database steps (a database restart should not fail a flow).
    pub db_retry: StepRetry,
    pub stripe: Stripe,
    /// Retry policy of payment steps; when it runs out the provider counts as down.
    pub payment_retry: StepRetry,
    /// Compensations must finish even after a long outage: a patient policy.
    pub compensation_retry: StepRetry,
    pub booking: BookingPolicy,
    /// argon2 off the async workers, a bounded number at a time.
    pub passwords: PasswordPool,
    /// Lifetime of a refresh token.
    pub refresh_ttl: Duration,
    /// When repeated wrong passwords delay an account's logins.
    pub login: deskflow_domain::login::LoginBackoff,
}

/// The timing rules of the Booking workflow, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct BookingPolicy {
    pub hold_expiry: Duration,
    /// the longest `Booking/wait` waits before answering with the current status
    pub wait: Duration,
    pub reminder_lead: Duration,
    /// a fault test's pause inside a waitlist round (zero outside such tests)
    pub test_serve_pause: Duration,
    /// new bookings live on after confirmation as a keyed object's state (`run` ends there)
    pub confirmed_as_state: bool,
    pub refund: RefundPolicy,
    pub slots: deskflow_domain::pricing::SlotRules,
}

impl Deps {
    pub fn new(cfg: &Config, store: Store) -> Result<Arc<Deps>, InfraError> {
        Ok(Arc::new(Deps {
            store,
            tokens: TokenKeys::new(&cfg.jwt_secret, cfg.jwt_ttl_secs),
            mailer: Mailer::new(
                &cfg.smtp_host,
                cfg.smtp_port,
                &cfg.mail_from,
                Duration::from_secs(cfg.smtp_timeout_secs),
            )?,
            notify_retry: StepRetry {
                initial: Duration::from_millis(cfg.notify_retry_initial_ms),
                max_delay: Duration::from_millis(cfg.notify_retry_max_ms),
                max_duration: Duration::from_secs(cfg.notify_retry_max_secs),
            },
            db_retry: StepRetry {
                initial: Duration::from_millis(100),
                max_delay: Duration::from_secs(5),
                max_duration: Duration::from_secs(120),
            },
            stripe: Stripe::new(
                &cfg.stripe_api_base,
                &cfg.stripe_secret_key,
                Duration::from_secs(cfg.stripe_timeout_secs),
            ),
            payment_retry: StepRetry {
                initial: Duration::from_millis(cfg.payment_retry_initial_ms),
                max_delay: Duration::from_millis(cfg.payment_retry_max_ms),
                max_duration: Duration::from_secs(cfg.payment_retry_max_secs),
            },
            compensation_retry: StepRetry {
                initial: Duration::from_millis(cfg.payment_retry_initial_ms),
                max_delay: Duration::from_secs(60),
                max_duration: Duration::from_secs(7 * 24 * 3600),
            },
            booking: BookingPolicy {
                hold_expiry: Duration::from_secs(cfg.hold_expiry_secs),
                wait: Duration::from_secs(cfg.booking_wait_secs),
                reminder_lead: Duration::from_secs(cfg.reminder_lead_secs),
                test_serve_pause: Duration::from_millis(cfg.test_serve_pause_ms),
                confirmed_as_state: cfg.confirmed_as_state,
                refund: RefundPolicy {
                    full_refund_before: chrono::Duration::seconds(
                        cfg.refund_full_before_secs as i64,
                    ),
                    late_refund_percent: cfg.refund_late_percent as i64,
                },
                slots: deskflow_domain::pricing::SlotRules {
                    min: chrono::Duration::seconds(cfg.min_slot_secs as i64),
                    max: chrono::Duration::seconds(cfg.max_slot_secs as i64),
                },
            },
            passwords: PasswordPool::new(cfg.password_hash_concurrency as usize)?,
            refresh_ttl: Duration::from_secs(cfg.refresh_ttl_secs.max(0) as u64),
            login: deskflow_domain::login::LoginBackoff {
                free_failures: cfg.login_free_failures,
                initial_secs: cfg.login_backoff_initial_secs,
                max_secs: cfg.login_backoff_max_secs,
                window_secs: cfg.login_failure_window_secs,
            },
        }))
    }
}

/// Milliseconds since the epoch. Call only inside a journaled step (or in read-only handlers):
/// a replay must not see a different clock.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
