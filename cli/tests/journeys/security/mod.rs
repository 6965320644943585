//! Safe to expose: sessions (short access tokens, rotating refresh tokens), roles as the
//! database says, login backoff, no secret left in Restate's storage, the Limits table, owner-only
//! files, and an endpoint that refuses to serve with development secrets.
//!
//! [`sessions`]: tokens, refresh, login backoff and the CLI's session; [`roles`]: admin rights
//! as the database says; [`limits`]: the Limits table; [`secrets`]: secrets kept out of
//! Restate and off other users' reach. This file holds the helpers they share.

mod limits;
mod roles;
mod secrets;
mod sessions;

use crate::harness::TestStack;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn unique_email(name: &str) -> String {
    format!("{name}-{}@journeys.test", uuid::Uuid::new_v4().simple())
}

fn s_of(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_string()
}

/// The deskflow CLI against the test stack, with `--json`, its own session file.
fn cli(s: &TestStack, session: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    crate::surface::cli(s, session, &all)
}
