//! The store's own SQLite connection (see `store::conn` for why there is one): a rusqlite
//! connection, taken by one query at a time, that runs sqlx `Any` queries on the calling thread
//! and hands back sqlx's own result and row types.

use super::error::to_sqlx;
use super::statement::one_statement;
use super::values::{bind, value_of};
use crate::InfraError;
use sqlx::any::{AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue};
use sqlx::{Any, Execute};
use sqlx_core::HashMap;
use sqlx_core::any::AnyColumn;
use sqlx_core::ext::ustr::UStr;
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
    pub(super) fn run<'q, E: Execute<'q, Any>>(
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
