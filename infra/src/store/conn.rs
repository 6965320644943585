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

    /// A free connection if there is one, else the next one in turn once it is free.
    pub(crate) async fn get(&self) -> MutexGuard<'_, AnyConnection> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(guard) = self.conns[(start + i) % n].try_lock() {
                return guard;
            }
        }
        self.conns[start].lock().await
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
