//! The one short run through localstripe and maildev instead of the responders, labelled so:
//! it measures the emulators more than deskflow, and shows that the real stack's path works.

use super::BENCH_ADMIN;
use super::driver::Driver;
use super::journey::Target;
use super::report::RunResult;
use super::seed::Seed;
use crate::stack::{Ports, Stack, StackOptions};
use std::time::Duration;

/// A short run through localstripe and maildev, labelled: it measures the emulators.
pub(super) async fn emulator_run(duration: Duration) -> anyhow::Result<RunResult> {
    let dir = tempfile::Builder::new()
        .prefix("deskflow-bench-emu-")
        .tempdir()?;
    let admin = BENCH_ADMIN;
    let mut stack = Stack::start(StackOptions {
        data_dir: dir.path().to_path_buf(),
        ports: Ports::random()?,
        endpoint_env: vec![
            ("DESKFLOW_ADMIN_EMAIL".into(), admin.0.into()),
            ("DESKFLOW_ADMIN_PASSWORD".into(), admin.1.into()),
            ("RUST_LOG".into(), "warn".into()),
        ],
        outside: None,
        cluster: None,
    })
    .await?;
    let info = stack.info().clone();
    let http = reqwest::Client::new();
    let r = async {
        let seed = Seed::create(&http, &info.ingress_url, admin, 8).await?;
        let driver = Driver::new(&http, &info, &seed, &stack);
        driver
            .drive(
                Target::Deskflow,
                8,
                duration,
                "through localstripe + maildev",
            )
            .await
    }
    .await;
    stack.stop_all();
    r
}
