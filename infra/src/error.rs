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

/// Whether an error the database itself reported may pass when tried again, from its code:
/// SQLite's (extended) result code, or PostgreSQL's SQLSTATE. Only a busy or locked database,
/// I/O, a full disk, a lost connection, a lack of resources, an operator's shutdown or a
/// serialization failure are; a constraint, an overflow, a syntax or type error fails the same
/// way every time and must not be retried forever.
pub fn database_error_is_transient(postgres: bool, code: Option<&str>) -> bool {
    let Some(code) = code else { return true };
    if postgres {
        return matches!(code.get(..2), Some("08" | "40" | "53" | "57" | "58"));
    }
    // BUSY, LOCKED, IOERR, FULL, CANTOPEN, PROTOCOL (the low byte of an extended code)
    code.parse::<i32>()
        .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 10 | 13 | 14 | 15))
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
                    let postgres = d
                        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                        .is_some();
                    database_error_is_transient(postgres, d.code().as_deref())
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

#[cfg(test)]
mod tests {
    use super::database_error_is_transient as transient;

    #[test]
    fn only_database_errors_that_may_pass_are_retried() {
        // SQLite: busy, locked (also as extended codes), I/O
        for code in ["5", "6", "261", "10", "3850"] {
            assert!(transient(false, Some(code)), "{code}");
        }
        // SQLite: generic error (integer overflow, syntax), constraint, mismatch
        for code in ["1", "19", "2067", "20"] {
            assert!(!transient(false, Some(code)), "{code}");
        }
        // PostgreSQL: connection, serialization, deadlock, too many connections, shutdown
        for code in ["08006", "40001", "40P01", "53300", "57P01"] {
            assert!(transient(true, Some(code)), "{code}");
        }
        // PostgreSQL: numeric overflow, unique and check violations, syntax
        for code in ["22003", "23505", "23514", "42601"] {
            assert!(!transient(true, Some(code)), "{code}");
        }
        assert!(transient(false, None));
    }
}
