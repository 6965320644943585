//! The store suite, run against every backend available: always a fresh SQLite file, and a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` is set (the run says when it is not).
//!
//! One module per table family; `support` makes the stores and rows, and `statuses` pins the
//! migrations' status lists to the domain's.

mod accounts;
mod lifecycle;
mod records;
mod seats;
mod statuses;
mod support;
mod upgrade;
mod workspace_changes;
