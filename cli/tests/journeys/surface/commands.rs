//! The `deskflow` CLI end to end against the test stack: register, book, watch, cancel and
//! report, as a member and as an admin.

use super::{cli, json_of, ok, run_cli, text};
use crate::harness::{ADMIN, in_secs, slot_in, stack};
use serde_json::Value;

#[tokio::test]
async fn the_cli_registers_books_watches_cancels_and_reports() {
    let s = stack();
    let _g = s.shared().await;
    let dir = tempfile::tempdir().unwrap();
    let (member, admin) = (
        dir.path().join("member.json"),
        dir.path().join("admin.json"),
    );
    let email = format!("cli-{}@journeys.test", uuid::Uuid::new_v4().simple());

    let out = ok(cli(
        s,
        &member,
        &[
            "auth",
            "register",
            "--email",
            &email,
            "--password",
            "cli-password",
            "--name",
            "Cli",
        ],
    ));
    assert!(
        out.starts_with(&format!("✓ registered {email} (user ")),
        "{out}"
    );
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&member).unwrap()).unwrap();
    assert!(
        stored["token"].as_str().is_some_and(|t| t.len() > 20),
        "the token is stored: {stored}"
    );
    let out = ok(cli(
        s,
        &admin,
        &["auth", "login", "--email", ADMIN.0, "--password", ADMIN.1],
    ));
    assert!(
        out.starts_with(&format!("✓ logged in as {} until ", ADMIN.0)),
        "{out}"
    );

    let name = format!(
        "CLI Loft {}",
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    let ws = json_of(cli(
        s,
        &admin,
        &[
            "--json",
            "workspaces",
            "create",
            "--name",
            &name,
            "--location",
            "Dock 7",
            "--timezone",
            "UTC",
            "--capacity",
            "4",
            "--hourly-rate-cents",
            "1500",
            "--opens-at",
            "00:00",
            "--closes-at",
            "23:59",
        ],
    ));
    let ws = ws["workspace_id"].as_str().unwrap().to_string();
    // snapshot of the human list: the row of this workspace
    let list = ok(cli(s, &member, &["workspaces", "list"]));
    assert!(list.lines().next().unwrap().starts_with("ID"), "{list}");
    let row = list
        .lines()
        .find(|l| l.contains(&ws))
        .unwrap_or_else(|| panic!("{ws} not listed: {list}"));
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cells,
        vec![
            ws.as_str(),
            name.as_str(),
            "Dock 7",
            "4",
            "15.00 EUR",
            "00:00-23:59 UTC"
        ]
    );
    let av = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "workspaces",
            "availability",
            &ws,
            "--from",
            &in_secs(3600),
            "--to",
            &in_secs(7200),
        ],
    ));
    assert!(
        av["intervals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["free_seats"] == 4),
        "{av}"
    );

    let (start, end) = slot_in(3600, 1800);
    let b = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &start,
            "--ends-at",
            &end,
        ],
    ));
    let id = b["booking_id"].as_str().unwrap().to_string();
    let watch = run_cli(
        s,
        member.clone(),
        vec![
            "bookings".into(),
            "watch".into(),
            id.clone(),
            "--timeout".into(),
            "60".into(),
        ],
    )
    .await;
    let out = ok(watch);
    assert!(out.contains("confirmed"), "{out}");
    let status = ok(cli(s, &member, &["bookings", "status", &id]));
    let expected_head = format!("booking   {id}\nstatus    confirmed\nworkspace {ws}\n");
    assert!(status.starts_with(&expected_head), "{status}");
    assert!(
        status.contains("amount    7.50 EUR\npayment   captured (captured 7.50, refunded 0.00)"),
        "{status}"
    );
    let mine = json_of(cli(s, &member, &["--json", "bookings", "list"]));
    assert_eq!(mine[0]["booking_id"], id.as_str());
    let out = ok(cli(
        s,
        &member,
        &["bookings", "cancel", &id, "--reason", "cli test"],
    ));
    assert_eq!(
        out.trim(),
        format!("✓ booking {id} is cancelled; refunded 3.75")
    );

    let day = chrono::Utc::now().date_naive();
    let (from, to) = (
        format!("{day}T00:00:00Z"),
        format!("{}T00:00:00Z", day + chrono::Days::new(2)),
    );
    let report = ok(cli(
        s,
        &admin,
        &["report", "summary", "--from", &from, "--to", &to],
    ));
    assert!(report.starts_with("BOOKINGS"), "{report}");
    let cancelled: i64 = report
        .lines()
        .find(|l| l.starts_with("cancelled"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(cancelled >= 1, "{report}");
    assert!(
        report.contains("WORKSPACE") && report.contains(&ws),
        "{report}"
    );

    // a declined card: watch ends non-zero
    let b = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &in_secs(3600),
            "--ends-at",
            &in_secs(5400),
            "--payment-method",
            "pm_card_visa_chargeDeclined",
        ],
    ));
    let id = b["booking_id"].as_str().unwrap().to_string();
    let watch = run_cli(
        s,
        member.clone(),
        vec![
            "bookings".into(),
            "watch".into(),
            id,
            "--timeout".into(),
            "60".into(),
        ],
    )
    .await;
    assert_eq!(watch.status.code(), Some(1), "{}", text(&watch));
    assert!(text(&watch).contains("failed"), "{}", text(&watch));

    // --force on a confirmed booking: no invocation is left to cancel (it lives on as its
    // object's state), so the CLI cancels it as an operator through the admin path
    let b = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "bookings",
            "create",
            "--workspace",
            &ws,
            "--starts-at",
            &in_secs(3 * 86400),
            "--ends-at",
            &in_secs(3 * 86400 + 1800),
        ],
    ));
    let id = b["booking_id"].as_str().unwrap().to_string();
    ok(run_cli(
        s,
        member.clone(),
        vec!["bookings".into(), "watch".into(), id.clone()],
    )
    .await);
    let out = ok(cli(s, &admin, &["bookings", "cancel", &id, "--force"]));
    assert!(
        out.contains("no running workflow: cancelled as an operator through the admin path"),
        "{out}"
    );
    let watch = run_cli(
        s,
        member.clone(),
        vec![
            "--json".into(),
            "bookings".into(),
            "watch".into(),
            id.clone(),
            "--final".into(),
        ],
    )
    .await;
    assert_eq!(watch.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&watch.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["reason"].as_str()),
        (Some("cancelled"), Some("cancelled by an operator"))
    );
    assert_eq!(
        v["payment"]["refunded_cents"],
        v["payment"]["captured_cents"]
    );

    // --force on a booking whose run waits on the member's authentication: an operator's
    // cancel of that invocation through Restate's admin API, compensated
    let c = s.client();
    let (_, token, _) = c.new_member("Forced").await;
    let pm = s.provider().three_d_secure_card().await;
    let id = c
        .book(
            &token,
            &ws,
            &in_secs(4 * 86400),
            &in_secs(4 * 86400 + 1800),
            1,
            &pm,
        )
        .await;
    c.wait_status(&token, &id, "awaiting_payment").await;
    let out = ok(cli(s, &admin, &["bookings", "cancel", &id, "--force"]));
    assert!(out.contains("asked Restate to cancel invocation"), "{out}");
    // the command waits for the run's unwind and says how the booking ended
    assert!(
        out.contains(&format!("booking {id} is cancelled (compensated)")),
        "{out}"
    );
    let v = c.wait_status(&token, &id, "final").await;
    assert_eq!(
        (v["status"].as_str(), v["reason"].as_str()),
        (Some("cancelled"), Some("cancelled by an operator")),
        "{v}"
    );

    // admin create: a new admin who can then open workspaces
    let boss = format!("boss-{}@journeys.test", uuid::Uuid::new_v4().simple());
    let out = ok(cli(
        s,
        &admin,
        &[
            "admin",
            "create",
            "--email",
            &boss,
            "--password",
            "boss-password",
        ],
    ));
    assert_eq!(out.trim(), format!("✓ {boss} is an admin"));
    let bs = dir.path().join("boss.json");
    ok(cli(
        s,
        &bs,
        &[
            "auth",
            "login",
            "--email",
            &boss,
            "--password",
            "boss-password",
        ],
    ));
    ok(cli(
        s,
        &bs,
        &[
            "workspaces",
            "create",
            "--name",
            "Boss Loft",
            "--location",
            "x",
            "--capacity",
            "1",
            "--hourly-rate-cents",
            "100",
        ],
    ));
    // and a member cannot
    let refused = cli(
        s,
        &member,
        &[
            "workspaces",
            "create",
            "--name",
            "Nope",
            "--location",
            "x",
            "--capacity",
            "1",
            "--hourly-rate-cents",
            "100",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("needs the admin role (403)"),
        "{}",
        text(&refused)
    );
}
