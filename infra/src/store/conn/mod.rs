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
//!
//! Layout: [`Conn`] and its [`Executor`] here; the inline connection in `inline`, the values it
//! binds and decodes in `values`, its errors in `error`, and its one-statement rule in
//! `statement`.

mod error;
mod inline;
mod statement;
mod values;

pub use inline::Inline;
pub(crate) use inline::Primary;

use futures_util::future::{BoxFuture, ready};
use futures_util::stream::{self, BoxStream};
use sqlx::any::{AnyQueryResult, AnyRow, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Describe, Either, Execute, Executor};
use tokio::sync::MutexGuard;

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
mod tests;
