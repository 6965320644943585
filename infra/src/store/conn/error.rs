//! SQLite's errors on the inline connection, made sqlx database errors with the same kind and
//! message, so the store's checks (`is_unique_violation`, the capacity guard's message) work
//! alike on both connections.

use sqlx::error::{DatabaseError, ErrorKind};
use std::borrow::Cow;

/// An error SQLite reported, as an sqlx database error (so `is_unique_violation` and the
/// message checks of the store work the same on both connections).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct SqliteError {
    message: String,
    /// SQLite's extended result code
    code: i32,
}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

pub(super) fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, message) => {
            sqlx::Error::Database(Box::new(SqliteError {
                message: message.unwrap_or_else(|| f.to_string()),
                code: f.extended_code,
            }))
        }
        other => sqlx::Error::Protocol(format!("sqlite: {other}")),
    }
}
