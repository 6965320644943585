//! What operators run and read: the scripted journey (passing, and naming the step that breaks
//! during a provider outage) and the booking counters on `/metrics`.

use super::{run_cli, text};
use crate::harness::{ADMIN, TestStack, eventually, in_secs, open_workspace, stack};
use std::time::Duration;

#[tokio::test]
async fn the_scripted_journey_passes_and_names_the_step_that_breaks() {
    let s = stack();
    let args = |wait: &str| -> Vec<String> {
        vec![
            "journey".into(),
            "--admin-email".into(),
            ADMIN.0.into(),
            "--admin-password".into(),
            ADMIN.1.into(),
            "--wait-secs".into(),
            wait.into(),
        ]
    };
    {
        let _g = s.shared().await;
        let out = run_cli(s, std::path::PathBuf::from("/nonexistent"), args("60")).await;
        let t = text(&out);
        assert!(out.status.success(), "{t}");
        for step in [
            "1. register a member",
            "5. book a seat",
            "6. pay",
            "7. cancel",
            "8. report",
            "9. close the workspace",
            "the journey passed: 9 steps",
        ] {
            assert!(t.contains(step), "missing {step:?} in:\n{t}");
        }
    }
    let _g = s.exclusive().await;
    let outage = s.outage("localstripe");
    let out = run_cli(s, std::path::PathBuf::from("/nonexistent"), args("60")).await;
    outage.end();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("✗ step 6 failed: expected [\"confirmed\"], the booking ended failed"),
        "{t}"
    );
}

/// Reads one counter from `/metrics`.
async fn counter(s: &TestStack, line_prefix: &str) -> i64 {
    let text = reqwest::get(format!("{}/metrics", s.info.http_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find(|l| l.starts_with(line_prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn metrics_count_confirmed_failed_and_cancelled_bookings() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let keys = [
        "deskflow_bookings_total{status=\"confirmed\"}",
        "deskflow_bookings_total{status=\"failed\"}",
        "deskflow_bookings_total{status=\"cancelled\"}",
        "deskflow_compensations_total{step=\"refund payment\"}",
        "deskflow_provider_requests_total{op=\"authorize\",outcome=\"declined\"}",
        "deskflow_notifications_total{outcome=\"sent\"}",
    ];
    let mut before = Vec::new();
    for k in keys {
        before.push(counter(s, k).await);
    }
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 3).await;
    let (_, token, _) = c.new_member("Counted").await;
    let ok_id = c
        .book(
            &token,
            &ws,
            &in_secs(3600),
            &in_secs(5400),
            1,
            "pm_card_visa",
        )
        .await;
    let bad_id = c
        .book(
            &token,
            &ws,
            &in_secs(3600),
            &in_secs(5400),
            1,
            "pm_card_visa_chargeDeclined",
        )
        .await;
    c.wait_status(&token, &ok_id, "confirmed").await;
    c.wait_status(&token, &bad_id, "failed").await;
    c.post(
        &format!("Booking/{ok_id}/cancel"),
        serde_json::json!({}),
        Some(&token),
    )
    .await
    .ok();
    for (k, b) in keys.iter().zip(before) {
        let moved = eventually(Duration::from_secs(30), || async {
            (counter(s, k).await > b).then_some(())
        })
        .await;
        assert!(moved.is_some(), "{k} did not move from {b}");
    }
    let text = reqwest::get(format!("{}/metrics", s.info.http_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("# TYPE deskflow_provider_request_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("deskflow_provider_request_seconds_count{op=\"capture\"}"),
        "{text}"
    );
}
