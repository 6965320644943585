//! Journey tests: real restate-server, endpoint, SQLite (and PostgreSQL when
//! `TEST_DATABASE_URL` is set), maildev and localstripe, started once for this binary by
//! [`harness`]. Each test owns its own users and workspaces, so tests run in parallel.

mod account;
mod bookings;
mod exposure;
mod foundation;
mod harness;
mod invariants;
mod money;
mod security;
mod surface;
mod workspaces;
