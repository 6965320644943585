//! Values crossing between sqlx's `Any` driver and rusqlite: an argument is bound with the
//! storage class sqlx's SQLite driver gives it, and a stored value comes back as that driver
//! hands it over, so a query reads the same on the inline connection as on a pooled one.

use rusqlite::types::ValueRef;
use sqlx::any::AnyTypeInfoKind;
use sqlx_core::any::AnyValueKind;
use std::borrow::Cow;

/// An sqlx `Any` argument, bound with the storage class sqlx's SQLite driver gives it.
pub(super) fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    n: usize,
    v: &AnyValueKind<'_>,
) -> rusqlite::Result<()> {
    match v {
        AnyValueKind::Null(_) => stmt.raw_bind_parameter(n, rusqlite::types::Null),
        AnyValueKind::Bool(b) => stmt.raw_bind_parameter(n, *b),
        AnyValueKind::SmallInt(i) => stmt.raw_bind_parameter(n, *i),
        AnyValueKind::Integer(i) => stmt.raw_bind_parameter(n, *i),
        AnyValueKind::BigInt(i) => stmt.raw_bind_parameter(n, *i),
        AnyValueKind::Real(f) => stmt.raw_bind_parameter(n, *f),
        AnyValueKind::Double(f) => stmt.raw_bind_parameter(n, *f),
        AnyValueKind::Text(s) => stmt.raw_bind_parameter(n, s.as_ref()),
        AnyValueKind::Blob(b) => stmt.raw_bind_parameter(n, b.as_ref()),
        // a kind added by a later sqlx (the version is pinned): refuse rather than guess
        _ => Err(rusqlite::Error::ToSqlConversionFailure(
            format!("unsupported argument {v:?}").into(),
        )),
    }
}

/// A stored value as sqlx's SQLite driver hands it to the `Any` driver (by its storage class).
pub(super) fn value_of(v: ValueRef<'_>) -> Result<AnyValueKind<'static>, sqlx::Error> {
    Ok(match v {
        ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
        ValueRef::Integer(i) => AnyValueKind::BigInt(i),
        ValueRef::Real(f) => AnyValueKind::Double(f),
        ValueRef::Text(t) => AnyValueKind::Text(Cow::Owned(
            String::from_utf8(t.to_vec()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        )),
        ValueRef::Blob(b) => AnyValueKind::Blob(Cow::Owned(b.to_vec())),
    })
}
