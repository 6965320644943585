//! Where a query gets its connection, and how it runs there.
//!
//! PostgreSQL: always from the sqlx pool.
//!
//! SQLite: the flows' short queries go through **one** connection the store owns, and listings
//! and reports through the sqlx pool ([`crate::Store::listing_conn`]). One, because in WAL mode
//! a connection that starts a transaction after *another* connection wrote drops its whole page
//! cache and reads every page it needs again: with several connections taking turns nearly
//! every query started cold (SQLite re-reading pages was a quarter of the endpoint's CPU, more
//! with a million bookings in the table), while a connection's own writes keep its cache warm.
//! SQLite runs one writer at a time anyway.
//!
//! That connection is a `rusqlite` one, and its queries run **on the calling thread** ([`Inline`]).
//! sqlx runs every SQLite connection on a worker thread of its own: each query is a hand-off to
//! that thread and a wake-up back, two context switches for 20 to 100 microseconds of SQLite
//! work. Profiled under the benchmark, the hand-offs (channel, park/unpark, the switches) cost
//! about as much CPU as the queries themselves. The store's query code does not change:
//! [`Conn`] is an sqlx [`Executor`] of the `Any` driver, so the same `sqlx::query(..).bind(..)`
//! runs on either connection, with the same `$N` parameters and the same row type (values are
//! decoded by their storage class, as sqlx's SQLite driver does; a column's declared type is
//! not looked at). Unlike sqlx, it refuses a query with more than one statement or a missing
//! argument (sqlx would bind NULL), and it reads a whole result before returning it.
//!
//! The price: a query that waits blocks its thread (with one async worker, the whole endpoint).
//! The flows' queries are short; a WAL checkpoint (every ~1000 written pages) takes a few
//! milliseconds. A query that meets another writer's lock waits up to the busy timeout: the
//! endpoint's process writes through the pool only in migrations, before it serves, and
//! another process (a test asserting on the file, the benchmark's bulk load) holds the lock
//! for one short transaction. A pooled write transaction in this process *beside* flows would
//! be a mistake: its commit could wait behind a flow query that waits for its lock.

use crate::InfraError;
use futures_util::future::{BoxFuture, ready};
use futures_util::stream::{self, BoxStream};
use rusqlite::types::ValueRef;
use sqlx::any::{AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue};
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Describe, Either, Execute, Executor};
use sqlx_core::HashMap;
use sqlx_core::any::{AnyColumn, AnyValueKind};
use sqlx_core::ext::ustr::UStr;
use std::borrow::Cow;
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

/// The SQLite connection of the flows' queries, used by one query at a time.
#[derive(Debug)]
pub(crate) struct Primary(Mutex<Inline>);

impl Primary {
    /// Opens the database file at `path` and runs `setup` (the pragmas) on it.
    pub(crate) fn open(path: &std::path::Path, setup: &str) -> Result<Primary, InfraError> {
        let conn =
            rusqlite::Connection::open(path).map_err(|e| InfraError::Database(to_sqlx(e)))?;
        conn.execute_batch(setup)
            .map_err(|e| InfraError::Database(to_sqlx(e)))?;
        // the flows use a few dozen distinct statements; keep them all prepared
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Primary(Mutex::new(Inline {
            conn,
            shapes: std::collections::HashMap::new(),
        })))
    }

    /// The connection, once the query before has finished with it.
    pub(crate) async fn get(&self) -> MutexGuard<'_, Inline> {
        self.0.lock().await
    }
}

/// A rusqlite connection that runs sqlx `Any` queries on the calling thread.
pub struct Inline {
    conn: rusqlite::Connection,
    /// The column names of each statement's rows, built once per SQL text (an [`AnyRow`]
    /// carries them, and building them is a few allocations per column).
    shapes: std::collections::HashMap<String, Shape>,
}

impl std::fmt::Debug for Inline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inline").finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Shape {
    names: Arc<HashMap<UStr, usize>>,
    columns: Vec<AnyColumn>,
}

impl Inline {
    /// Runs one statement to the end: what it changed and the rows it returned.
    fn run<'q, E: Execute<'q, Any>>(
        &mut self,
        mut query: E,
    ) -> Result<(AnyQueryResult, Vec<AnyRow>), sqlx::Error> {
        let sql = query.sql();
        let values = query
            .take_arguments()
            .map_err(sqlx::Error::Encode)?
            .map(|a| a.values.0)
            .unwrap_or_default();
        if !one_statement(sql) {
            // rusqlite would prepare the first and drop the rest; sqlx would run them all
            return Err(sqlx::Error::Protocol(format!(
                "one statement per query on the store's SQLite connection: {sql:?}"
            )));
        }
        let mut stmt = self.conn.prepare_cached(sql).map_err(to_sqlx)?;
        for n in 1..=stmt.parameter_count() {
            // `$3` is SQLite's parameter named "$3", numbered by first appearance: bind by name
            let at = match stmt.parameter_name(n) {
                Some(name) => name[1..]
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| i.checked_sub(1)),
                None => Some(n - 1),
            };
            let value = at.and_then(|i| values.get(i)).ok_or_else(|| {
                sqlx::Error::Protocol(format!("no value for parameter {n} of {sql:?}"))
            })?;
            bind(&mut stmt, n, value).map_err(to_sqlx)?;
        }
        if stmt.column_count() == 0 {
            let changed = stmt.raw_execute().map_err(to_sqlx)?;
            let done = AnyQueryResult {
                rows_affected: changed as u64,
                last_insert_id: None,
            };
            return Ok((done, Vec::new()));
        }
        let shape = match self.shapes.get(sql) {
            Some(shape) => shape.clone(),
            None => {
                let shape = shape_of(&stmt);
                self.shapes.insert(sql.to_string(), shape.clone());
                shape
            }
        };
        let width = shape.columns.len();
        let mut out = Vec::new();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(to_sqlx)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(AnyValue {
                    kind: value_of(row.get_ref(i).map_err(to_sqlx)?)?,
                });
            }
            out.push(AnyRow {
                column_names: shape.names.clone(),
                columns: shape.columns.clone(),
                values,
            });
        }
        let done = AnyQueryResult {
            rows_affected: 0,
            last_insert_id: None,
        };
        Ok((done, out))
    }
}

/// Whether `sql` holds at most one statement: nothing but blanks after a `;` that is not in a
/// quoted string or name or a comment. A `CREATE` statement (a trigger's body holds `;`s) is
/// taken as one: schema changes belong to the migrations, which run on the pool.
fn one_statement(sql: &str) -> bool {
    let head = sql.trim_start();
    if head.len() >= 6 && head[..6].eq_ignore_ascii_case("create") {
        return true;
    }
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b';' => {
                return bytes[i + 1..]
                    .iter()
                    .all(|b| b.is_ascii_whitespace() || *b == b';');
            }
            _ => {}
        }
        i += 1;
    }
    true
}

fn shape_of(stmt: &rusqlite::Statement<'_>) -> Shape {
    let mut names = HashMap::new();
    let mut columns = Vec::new();
    for (ordinal, name) in stmt.column_names().into_iter().enumerate() {
        let name = UStr::new(name);
        names.insert(name.clone(), ordinal);
        columns.push(AnyColumn {
            ordinal,
            name,
            // what a column holds is known per value in SQLite; rows are decoded by value
            type_info: AnyTypeInfo {
                kind: AnyTypeInfoKind::Null,
            },
        });
    }
    Shape {
        names: Arc::new(names),
        columns,
    }
}

/// An sqlx `Any` argument, bound with the storage class sqlx's SQLite driver gives it.
fn bind(
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
fn value_of(v: ValueRef<'_>) -> Result<AnyValueKind<'static>, sqlx::Error> {
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

fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
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

/// A connection for one query, from either source.
#[derive(Debug)]
pub enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    Inline(MutexGuard<'a, Inline>),
}

/// The inline connection answers at once: a ready future of what [`Inline::run`] returned.
fn done<'e, T: Send + 'e>(r: Result<T, sqlx::Error>) -> BoxFuture<'e, Result<T, sqlx::Error>> {
    Box::pin(ready(r))
}

impl<'c> Executor<'c> for &'c mut Conn<'_> {
    type Database = Any;

    fn execute<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<AnyQueryResult, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Conn::Pooled(c) => (&mut **c).execute(query),
            Conn::Inline(c) => done(c.run(query).map(|(r, _)| r)),
        }
    }

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Conn::Pooled(c) => (&mut **c).fetch_many(query),
            Conn::Inline(c) => {
                let items: Vec<_> = match c.run(query) {
                    Ok((r, rows)) => rows
                        .into_iter()
                        .map(|row| Ok(Either::Right(row)))
                        .chain([Ok(Either::Left(r))])
                        .collect(),
                    Err(e) => vec![Err(e)],
                };
                Box::pin(stream::iter(items))
            }
        }
    }

    fn fetch_all<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Vec<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Conn::Pooled(c) => (&mut **c).fetch_all(query),
            Conn::Inline(c) => done(c.run(query).map(|(_, rows)| rows)),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Conn::Pooled(c) => (&mut **c).fetch_optional(query),
            Conn::Inline(c) => done(c.run(query).map(|(_, rows)| rows.into_iter().next())),
        }
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<sqlx::any::AnyStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            Conn::Pooled(c) => (&mut **c).prepare_with(sql, parameters),
            Conn::Inline(_) => done(Err(unsupported("prepare"))),
        }
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            Conn::Pooled(c) => (&mut **c).describe(sql),
            Conn::Inline(_) => done(Err(unsupported("describe"))),
        }
    }
}

fn unsupported(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "{what} is not offered on the store's own SQLite connection; the store runs its queries directly"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    async fn scratch(dir: &tempfile::TempDir) -> Primary {
        let path = dir.path().join("t.db");
        let p = Primary::open(&path, "PRAGMA journal_mode = WAL;").unwrap();
        let mut c = Conn::Inline(p.get().await);
        sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT)")
            .execute(&mut c)
            .await
            .unwrap();
        drop(c);
        p
    }

    #[tokio::test]
    async fn parameters_bind_by_number_and_rows_decode_like_sqlx() {
        let dir = tempfile::tempdir().unwrap();
        let p = scratch(&dir).await;
        let mut c = Conn::Inline(p.get().await);
        // `$2` comes first in the text: SQLite numbers it 1, the value is still the second one
        let done = sqlx::query("INSERT INTO t (n, id, note) VALUES ($2, $1, $3), ($4, 'b', NULL)")
            .bind("a")
            .bind(7_i64)
            .bind(Some("hello"))
            .bind(8_i32)
            .execute(&mut c)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 2);
        let rows = sqlx::query("SELECT id, n, note FROM t WHERE n >= $1 ORDER BY id")
            .bind(7_i64)
            .fetch_all(&mut c)
            .await
            .unwrap();
        let got: Vec<(String, i32, Option<String>)> = rows
            .iter()
            .map(|r| (r.get(0), r.get("n"), r.get(2)))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".to_string(), 7, Some("hello".to_string())),
                ("b".to_string(), 8, None)
            ]
        );
        let none = sqlx::query("SELECT id FROM t WHERE id = $1")
            .bind("zz")
            .fetch_optional(&mut c)
            .await
            .unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn one_statement_allows_a_trailing_semicolon_and_semicolons_in_quotes() {
        assert!(one_statement("SELECT 1"));
        assert!(one_statement("SELECT 1;  \n"));
        assert!(one_statement(
            "SELECT ';' AS x, \"a;b\" FROM t WHERE y = 'it''s; fine'"
        ));
        assert!(!one_statement("UPDATE t SET n = 1; DELETE FROM t"));
        assert!(!one_statement("SELECT ';'; SELECT 2"));
        assert!(one_statement("SELECT 1 -- no; second statement\n"));
        assert!(one_statement("SELECT /* ; */ 1"));
        assert!(!one_statement("SELECT /* ; */ 1; SELECT 2"));
        assert!(one_statement(
            "CREATE TRIGGER g BEFORE INSERT ON t BEGIN SELECT 1; END"
        ));
    }

    #[tokio::test]
    async fn sqlite_errors_keep_their_kind_and_message() {
        let dir = tempfile::tempdir().unwrap();
        let p = scratch(&dir).await;
        let mut c = Conn::Inline(p.get().await);
        let insert = "INSERT INTO t (id, n) VALUES ($1, $2)";
        sqlx::query(insert)
            .bind("a")
            .bind(1_i64)
            .execute(&mut c)
            .await
            .unwrap();
        let e = sqlx::query(insert)
            .bind("a")
            .bind(2_i64)
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(e.as_database_error().unwrap().is_unique_violation(), "{e}");
        // as the capacity guard refuses: a trigger's RAISE
        sqlx::query("CREATE TRIGGER guard BEFORE INSERT ON t WHEN NEW.n > 100 BEGIN SELECT RAISE(ABORT, 'capacity_exceeded: full'); END")
            .execute(&mut c)
            .await
            .unwrap();
        let e = sqlx::query(insert)
            .bind("b")
            .bind(101_i64)
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(
            e.as_database_error()
                .unwrap()
                .message()
                .contains("capacity_exceeded"),
            "{e}"
        );
        // two statements in one query are refused, not half run
        let e = sqlx::query("DELETE FROM t; DELETE FROM t")
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("one statement per query"), "{e}");
        // a missing argument is refused, not bound as NULL
        let e = sqlx::query(insert)
            .bind("c")
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no value for parameter"), "{e}");
        let n: i64 = sqlx::query("SELECT count(*) FROM t")
            .fetch_one(&mut c)
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
    }
}
