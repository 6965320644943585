//! Where a query gets its connection.
//!
//! PostgreSQL: always from the sqlx pool.
//!
//! SQLite: the flows' short queries go through **one** connection the store owns, and listings
//! and reports through the pool ([`crate::Store::listing_conn`]). One, because in WAL mode a
//! connection that starts a transaction after *another* connection wrote drops its whole page
//! cache and reads every page it needs again: with several connections taking turns nearly
//! every query started cold (SQLite re-reading pages was a quarter of the endpoint's CPU, more
//! with a million bookings in the table), while a connection's own writes keep its cache warm.
//! SQLite runs one writer at a time anyway. Owned rather than pooled, because sqlx's pool pings
//! every connection it takes back -- for SQLite a round trip to the connection's worker thread
//! after every query, which was about 9 % of the endpoint's CPU.

use crate::InfraError;
use sqlx::any::AnyConnectOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection, Executor};
use std::ops::{Deref, DerefMut};
use tokio::sync::{Mutex, MutexGuard};

/// The SQLite connection of the flows' queries, used by one query at a time.
#[derive(Debug)]
pub(crate) struct Primary(Mutex<AnyConnection>);

impl Primary {
    /// Opens the connection and runs `setup` (the pragmas) on it.
    pub(crate) async fn open(opts: &AnyConnectOptions, setup: &str) -> Result<Primary, InfraError> {
        let mut c = AnyConnection::connect_with(opts).await?;
        c.execute(setup).await?;
        Ok(Primary(Mutex::new(c)))
    }

    /// The connection, once the query before has finished with it.
    pub(crate) async fn get(&self) -> MutexGuard<'_, AnyConnection> {
        self.0.lock().await
    }
}

/// A connection for one query, from either source.
pub enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    Owned(MutexGuard<'a, AnyConnection>),
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Owned(c) => c,
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Owned(c) => c,
        }
    }
}
