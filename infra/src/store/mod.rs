//! The system of record, through sqlx's `Any` driver so one set of queries serves SQLite (the
//! embedded default) and PostgreSQL. Queries use `$1`-style parameters, which both dialects
//! read; times are UTC milliseconds (`BIGINT`), so no driver-specific date type is needed.
//! Each dialect has its own migrations (the capacity guard is a trigger in both, written in
//! each one's language).

pub mod activity;
pub mod bookings;
pub mod conn;
mod lifecycle;
pub mod notifications;
pub mod payments;
pub mod reconcile;
pub mod scratch;
mod statuses;
pub mod tokens;
pub mod users;
pub mod workspace_changes;
pub mod workspaces;

use crate::InfraError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, migrate::Migrator};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// WAL lets readers run beside the one writer; a busy database makes a writer wait instead of
/// failing at once; foreign keys are off in SQLite unless asked for; a 32 MiB page cache per
/// connection keeps the hot index pages of a large bookings table in memory.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768;";

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool plus the knowledge of which dialect it speaks. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: the connection of the flows' queries (the pool serves listings, reports,
    /// migrations and bulk loads; see [`conn`]).
    primary: Option<std::sync::Arc<conn::Primary>>,
}

impl Store {
    /// Connects, creating the SQLite file (and its folder) when missing, and runs the
    /// migrations of the backend.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, InfraError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut url = url.to_string();
        // SQLite: the file the pool and the flows' own connection both open
        let sqlite_path = match backend {
            Backend::Sqlite => Some(sqlite_file(&url)?),
            Backend::Postgres => None,
        };
        if let Some(path) = &sqlite_path {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                use std::os::unix::fs::DirBuilderExt;
                // a folder made here is the database's own: owner only
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| {
                        InfraError::Config(format!("cannot create {}: {e}", dir.display()))
                    })?;
            }
            private_sqlite_files(path)?;
            if !url.contains('?') {
                url.push_str("?mode=rwc"); // create the file when missing
            }
        }
        let opts = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // A pooled SQLite connection (listings, migrations, bulk loads; see `conn`) is
            // a file handle in this process and cannot go stale. A PostgreSQL connection can
            // outlive its server; that one is tested before use.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts.clone())
            .await?;
        // after the pool, whose first connection put the file in WAL mode
        let primary = match &sqlite_path {
            Some(path) => Some(std::sync::Arc::new(conn::Primary::open(
                path,
                SQLITE_PRAGMAS,
            )?)),
            None => None,
        };
        if let Some(path) = &sqlite_path {
            private_sqlite_files(path)?;
        }
        let store = Store {
            pool,
            backend,
            primary,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), InfraError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The connection for one of the flows' short queries (see [`conn`]).
    pub async fn conn(&self) -> Result<conn::Conn<'_>, InfraError> {
        Ok(match &self.primary {
            Some(primary) => conn::Conn::Inline(primary.get().await),
            None => conn::Conn::Pooled(self.pool.acquire().await?),
        })
    }

    /// The connection for a listing or a report (hundreds of rows, aggregates over a whole
    /// table): a pooled one, so these never hold up the flows' queries behind them.
    pub async fn listing_conn(&self) -> Result<conn::Conn<'_>, InfraError> {
        Ok(conn::Conn::Pooled(self.pool.acquire().await?))
    }

    /// A cheap round trip, for readiness.
    pub async fn ping(&self) -> Result<(), InfraError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// The database file an SQLite URL names, read as sqlx reads it (percent-decoded, parameters
/// after `?`). The store opens that file twice (the pool, and the flows' own connection; see
/// [`conn`]), so an in-memory database -- private to each connection -- cannot work: refused.
fn sqlite_file(url: &str) -> Result<std::path::PathBuf, InfraError> {
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let file = opts.get_filename();
    let name = file.to_string_lossy();
    if name.is_empty() || name.starts_with("file:sqlx-in-memory") || url.contains("mode=memory") {
        return Err(InfraError::Config(format!(
            "{url:?}: an in-memory SQLite database is not supported; name a file (sqlite://path/deskflow.db)"
        )));
    }
    Ok(file.to_path_buf())
}

/// The database file holds password hashes: it is created 0600 before SQLite opens it (SQLite
/// gives its -wal and -shm files the mode of the database file), and an existing file or
/// -wal/-shm left readable by an older version is made 0600.
fn private_sqlite_files(path: &std::path::Path) -> Result<(), InfraError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let cannot = |p: &std::path::Path, e: std::io::Error| {
        InfraError::Config(format!("cannot make {} private: {e}", p.display()))
    };
    if !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| cannot(path, e))?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| cannot(&p, e))?;
        }
    }
    Ok(())
}

/// Turns "a unique constraint refused this" into a domain-level error at the query, leaving
/// every other database error as it is.
pub(crate) fn on_unique(e: sqlx::Error, what: &'static str) -> InfraError {
    match e.as_database_error() {
        Some(d) if d.is_unique_violation() => InfraError::AlreadyExists(what),
        _ => InfraError::Database(e),
    }
}

/// The capacity guard's refusal (a trigger in both dialects; its message starts with
/// `capacity_exceeded`) becomes [`InfraError::CapacityExceeded`].
pub(crate) fn on_capacity(e: sqlx::Error) -> InfraError {
    match e.as_database_error() {
        Some(d) if d.message().contains("capacity_exceeded") => InfraError::CapacityExceeded,
        _ => InfraError::Database(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_the_file_sqlx_opens_and_in_memory_is_refused() {
        let file = |u: &str| sqlite_file(u).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(
            file("sqlite://data/deskflow.db").unwrap(),
            "data/deskflow.db"
        );
        assert_eq!(file("sqlite:x.db?mode=rwc").unwrap(), "x.db");
        assert_eq!(file("sqlite:///tmp/a%20b.db").unwrap(), "/tmp/a b.db");
        for memory in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://x.db?mode=memory",
        ] {
            let e = file(memory).unwrap_err().to_string();
            assert!(e.contains("in-memory"), "{memory}: {e}");
        }
    }
}
