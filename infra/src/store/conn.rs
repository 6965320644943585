//! Where a query gets its connection. PostgreSQL: from the sqlx pool. SQLite: from a small set of
//! connections the store owns, because sqlx's pool pings every connection it takes back -- for
//! SQLite a round trip to the connection's worker thread after every query, which was about
//! 9 % of the endpoint's CPU under load. A SQLite connection is a file handle in this process:
//! there is nothing for that ping to find.

use crate::InfraError;
use sqlx::any::AnyConnectOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Connection, Executor};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, MutexGuard};

/// The SQLite connections, each used by one query at a time.
#[derive(Debug)]
pub(crate) struct Owned {
    conns: Vec<Mutex<AnyConnection>>,
    next: AtomicUsize,
}

impl Owned {
    /// Opens `n` connections and runs `setup` (the pragmas) on each.
    pub(crate) async fn open(
        opts: &AnyConnectOptions,
        n: u32,
        setup: &str,
    ) -> Result<Owned, InfraError> {
        let mut conns = Vec::new();
        for _ in 0..n.max(1) {
            let mut c = AnyConnection::connect_with(opts).await?;
            c.execute(setup).await?;
            conns.push(Mutex::new(c));
        }
        Ok(Owned {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// The first free connection, else the next one in turn once it is free.
    ///
    /// First, not any: in WAL mode a connection that begins a transaction after another
    /// connection wrote drops its whole page cache and reads the pages again from the file, so
    /// spreading queries round-robin made nearly every query start cold (a quarter of the
    /// endpoint's CPU was SQLite re-reading pages). Under light load the first connection serves
    /// everything with a warm cache; the others take over only while it is busy.
    pub(crate) async fn get(&self) -> MutexGuard<'_, AnyConnection> {
        for conn in &self.conns {
            if let Ok(guard) = conn.try_lock() {
                return guard;
            }
        }
        let n = self.conns.len();
        self.conns[self.next.fetch_add(1, Ordering::Relaxed) % n]
            .lock()
            .await
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
