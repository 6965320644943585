//! The inline connection end to end: binding, decoding and errors as sqlx's SQLite driver has
//! them.

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
