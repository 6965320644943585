//! The journey tests' stack: one real `deskflow up --control` per test binary (restate-server,
//! maildev, localstripe, the endpoint) on random ports in a temp dir, started on first use and
//! stopped when the test binary exits (its stdin closes). Typed helpers call the ingress, read
//! the mailbox and query the database.
//!
//! This file holds the stack's settings and its handle; `stack.rs` starts and controls it,
//! `client.rs` calls the ingress and reads the mailbox, `database.rs` reaches its database,
//! //! `restate.rs` looks into restate-server, `provider.rs` reads localstripe, `supervised.rs` runs
//! a `deskflow up` as a person does (supervising its processes). Shared by the cluster test
//! target too (through `#[path]`), which uses only part of it.

mod client;
mod database;
mod provider;
mod restate;
mod stack;
mod supervised;

pub use client::{Client, Reply, day_slot, eventually, in_secs, open_workspace, slot_in};
#[allow(unused_imports)] // used by the cluster test target only
pub use database::fresh_postgres_database;
pub use provider::payment_intent_of;
#[allow(unused_imports)] // used by the cluster test target only
pub use stack::cluster_stack;
pub use stack::{Outage, postgres_stack, stack};
pub use supervised::SupervisedUp;

use deskflow::stack::StackInfo;
use std::io::BufReader;
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::Mutex;
use tokio::sync::RwLock;

pub const JWT_SECRET: &str = "journey-tests-secret-0123456789";
pub const ADMIN: (&str, &str) = ("admin@journeys.test", "admin-password-1");
pub const WEBHOOK_SECRET: &str = "whsec_journeys";
pub const HOLD_EXPIRY_SECS: u64 = 15;
pub const PAYMENT_BUDGET_SECS: u64 = 8;
/// Login backoff of the test stack: 3 free failures, then 2 s doubling up to 4 s.
pub const LOGIN_FREE_FAILURES: u32 = 3;
pub const LOGIN_BACKOFF_MAX_SECS: u64 = 4;
pub const BOOKING_WAIT_SECS: u64 = 4;

pub struct TestStack {
    pub info: StackInfo,
    control: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
    _child: Mutex<Child>,
    _dir: tempfile::TempDir,
    /// Tests that stop a shared process (SMTP outage, provider outage) take this exclusively;
    /// every other test holds it shared, so an outage never leaks into an unrelated test.
    outage: RwLock<()>,
}
