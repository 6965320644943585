//! Throw-away PostgreSQL databases for test suites: one fresh database per suite (or per test),
//! created on the server `TEST_DATABASE_URL` names. A run cannot drop its databases when it ends
//! (the stacks live in statics until the process exits), so each new one first drops those its
//! predecessors left behind: databases of the same prefix created more than an hour ago and no
//! longer in use (PostgreSQL refuses to drop a database with open connections; that refusal is
//! ignored, so a suite running beside this one keeps its database).

use crate::InfraError;
use sqlx::{Connection, Executor, Row};

const STALE_AFTER_SECS: i64 = 3600;

/// Creates `{prefix}_{unix seconds}_{random}` on the server of `base_url` and returns its URL.
pub async fn create_scratch_database(base_url: &str, prefix: &str) -> Result<String, InfraError> {
    let mut admin = sqlx::PgConnection::connect(base_url).await?;
    let now = chrono::Utc::now().timestamp();
    let pattern = format!("{prefix}\\_%");
    let names: Vec<String> = sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE $1")
        .bind(&pattern)
        .fetch_all(&mut admin)
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    for name in names {
        if created_at(&name, prefix).is_some_and(|t| now - t > STALE_AFTER_SECS) {
            // in use by a suite that is still running: PostgreSQL refuses, and that is fine
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS \"{name}\"").as_str())
                .await;
        }
    }
    let name = format!("{prefix}_{now}_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await?;
    admin.close().await?;
    Ok(with_database(base_url, &name))
}

/// The creation time a scratch database's name carries, if it is one of `prefix`'s.
fn created_at(name: &str, prefix: &str) -> Option<i64> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('_')?;
    rest.split('_').next()?.parse().ok()
}

/// `postgres://u@h:5432/test?x` -> `postgres://u@h:5432/<db>?x`
pub fn with_database(url: &str, db: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let base = head.rsplit_once('/').map_or(head, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_creation_time_of_its_own_prefix_only() {
        assert_eq!(
            created_at("deskflow_store_1764000000_abc", "deskflow_store"),
            Some(1764000000)
        );
        assert_eq!(created_at("deskflow_store_abc", "deskflow_store"), None);
        assert_eq!(
            created_at("deskflow_journeys_1_abc", "deskflow_store"),
            None
        );
        assert_eq!(created_at("other", "deskflow_store"), None);
    }

    #[test]
    fn swaps_the_database_and_keeps_the_query() {
        assert_eq!(
            with_database("postgres://u@h:5432/test?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h/test", "x"),
            "postgres://u@h/x"
        );
    }
}
