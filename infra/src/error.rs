//! The one error enum of the infrastructure layer. The Restate boundary (in `handlers`) maps
//! each variant to a terminal error with an HTTP-like code or to a retryable one; this module
//! only says which causes are transient.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum InfraError {
    /// A unique constraint refused the write (e.g. an email that is already registered).
    #[error("already exists: {0}")]
    AlreadyExists(&'static str),
    /// The capacity guard of the bookings table refused the write.
    #[error("not enough free seats in this workspace for this slot")]
    CapacityExceeded,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
    #[error("invalid email message: {0}")]
    BadMessage(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("token error: {0}")]
    Token(#[from] jsonwebtoken::errors::Error),
    #[error("configuration error: {0}")]
    Config(String),
}

impl InfraError {
    /// True when trying again later may succeed (connection lost, server busy, SMTP down);
    /// false for outcomes that stay the same however often we ask.
    pub fn is_transient(&self) -> bool {
        match self {
            InfraError::Database(e) => {
                !matches!(
                    e,
                    sqlx::Error::RowNotFound
                        | sqlx::Error::ColumnDecode { .. }
                        | sqlx::Error::Decode(_)
                        | sqlx::Error::TypeNotFound { .. }
                        | sqlx::Error::ColumnNotFound(_)
                ) && e.as_database_error().is_none_or(|d| {
                    !(d.is_unique_violation()
                        || d.is_check_violation()
                        || d.is_foreign_key_violation())
                })
            }
            InfraError::Smtp(_) => true,
            InfraError::Migration(_) => true,
            InfraError::AlreadyExists(_)
            | InfraError::CapacityExceeded
            | InfraError::NotFound(_)
            | InfraError::BadMessage(_)
            | InfraError::Hash(_)
            | InfraError::Token(_)
            | InfraError::Config(_) => false,
        }
    }
}
