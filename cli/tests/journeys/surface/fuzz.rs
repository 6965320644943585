//! Property-based fuzzing of every public service with schemathesis (pinned in
//! `tools/fuzz-requirements.txt`), on a stack of its own: the OpenAPI restate-server generates
//! for each service, its call operations only (not the `/send` twins, not `Admin/reconcile`,
//! which settles the whole stack), once with a member's and once with an admin's token. It
//! fails on any 5xx, any answer that does not match its schema, any row written by a refused
//! request (`tools/fuzz_hooks.py`, so the run is serial) and any invocation left retrying or
//! paused in Restate afterwards. Seeded: a failure reproduces with the same seed.

use crate::harness::TestStack;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The run's seed (schemathesis prints it with any failure).
const SEED: &str = "20261201";
/// Examples per operation and phase: the whole run stays within a few minutes.
const EXAMPLES: &str = "10";

/// The SQLite file of a `sqlite://` database URL.
fn sqlite_file(url: &str) -> String {
    let path = url
        .strip_prefix("sqlite://")
        .unwrap_or_else(|| panic!("the fuzz stack runs on SQLite, not {url}"));
    path.split('?').next().unwrap_or(path).to_string()
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_no_schema_mismatch_and_no_write_by_a_refusal() {
    let s = TestStack::fresh();
    let root = deskflow::stack::tools::repo_root();
    let fuzzer = {
        let root = root.clone();
        tokio::task::spawn_blocking(move || deskflow::stack::tools::ensure_fuzzer(&root))
            .await
            .unwrap()
            .expect("schemathesis installs")
    };
    let c = s.client();
    let admin = c.admin_token().await;
    let (_, member, _) = c.new_member("Fuzz").await;
    let services: BTreeSet<&str> = deskflow_api::catalog::public_calls()
        .iter()
        .map(|call| call.service)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for svc in &services {
        let openapi = reqwest::get(format!("{}/services/{svc}/openapi", s.info.admin_url))
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .text()
            .await
            .unwrap();
        std::fs::write(dir.path().join(format!("{svc}.json")), openapi).unwrap();
    }
    let fuzz = Fuzz {
        fuzzer,
        dir: dir.path().to_path_buf(),
        root,
        database: sqlite_file(&s.info.database_url),
        admin_url: s.info.admin_url.clone(),
        ingress: s.info.ingress_url.clone(),
    };
    for (who, token) in [("member", &member), ("admin", &admin)] {
        for svc in &services {
            let out = fuzz.run(svc, token).await;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.success(),
                "schemathesis found failures in {svc} as {who} (seed {SEED}):\n{text}"
            );
            assert!(
                text.contains("passed"),
                "schemathesis tested nothing in {svc}:\n{text}"
            );
        }
    }
    let stuck = s
        .restate_sql(
            "SELECT id, target, status, last_failure FROM sys_invocation WHERE status IN ('paused', 'backing-off')",
        )
        .await;
    assert!(
        stuck.is_empty(),
        "invocations left retrying or paused: {stuck:?}"
    );
}

/// Where schemathesis and what it runs against are.
struct Fuzz {
    fuzzer: PathBuf,
    /// the services' OpenAPI documents, `{service}.json`
    dir: PathBuf,
    root: PathBuf,
    database: String,
    admin_url: String,
    ingress: String,
}

impl Fuzz {
    /// One schemathesis run over `svc`'s call operations with `token`.
    async fn run(&self, svc: &str, token: &str) -> std::process::Output {
        let mut cmd = tokio::process::Command::new(&self.fuzzer);
        cmd.arg("run")
            .arg(self.dir.join(format!("{svc}.json")))
            .args(["--url", &self.ingress])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,response_schema_conformance,refused_requests_write_nothing",
            ])
            .args(["--max-examples", EXAMPLES, "--seed", SEED])
            .args(["--include-path-regex", "^/restate/call/"])
            .args(["--exclude-path-regex", "/Admin/reconcile$"])
            .args(["--workers", "1", "--request-timeout", "30"])
            .args(["--generation-database", "none"])
            .env("SCHEMATHESIS_HOOKS", "fuzz_hooks")
            .env("PYTHONPATH", self.root.join("tools"))
            .env("DESKFLOW_FUZZ_DATABASE", &self.database)
            .env("DESKFLOW_FUZZ_ADMIN", &self.admin_url)
            .env("NO_COLOR", "1")
            // nothing written into the repository's tools/ folder
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&self.dir);
        cmd.output().await.expect("schemathesis runs")
    }
}
