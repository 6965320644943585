//! The inline connection's one-statement rule: rusqlite would run the first statement of a
//! text and drop the rest (sqlx would run them all), so a query with more is refused instead.

/// Whether `sql` holds at most one statement: nothing but blanks after a `;` that is not in a
/// quoted string or name or a comment. A `CREATE` statement (a trigger's body holds `;`s) is
/// taken as one: schema changes belong to the migrations, which run on the pool.
pub(super) fn one_statement(sql: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
