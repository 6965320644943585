//! `sqlx::migrate!` embeds the migration files at compile time; without this, cargo would not
//! notice a new file in the folders and the binary would silently miss that migration.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations/sqlite");
    println!("cargo:rerun-if-changed=migrations/postgres");
}
