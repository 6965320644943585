//! `deskflow workspaces create --hours --closures`, `get`, `update`, `bookings` and `close`, and
//! `deskflow account delete`, end to end: what they send is what the API stores, `--json`
//! prints the answer as it came, and a member's update or close fails with the server's
//! refusal; a deletion without a terminal to confirm on needs `--yes`.

use super::{cli, json_of, ok, sessions, text};
use crate::harness::{open_workspace, stack};
use crate::invariants::booking_settled;
use serde_json::{Value, json};

#[tokio::test]
async fn the_cli_opens_reads_changes_and_lists_a_workspace() {
    let s = stack();
    let _g = s.shared().await;
    let dir = tempfile::tempdir().unwrap();
    let (admin, member) = sessions(s, &dir, "Wu");

    let ws = json_of(cli(
        s,
        &admin,
        &[
            "--json",
            "workspaces",
            "create",
            "--name",
            "CLI Week",
            "--location",
            "Dock 8",
            "--timezone",
            "Europe/Berlin",
            "--capacity",
            "4",
            "--hourly-rate-cents",
            "1500",
            "--hours",
            "mon-fri=08:00-20:00,sat=10:00-16:00",
            "--closures",
            "2031-12-24,2031-12-31",
        ],
    ));
    let ws = ws["workspace_id"].as_str().unwrap().to_string();
    let got = json_of(cli(s, &member, &["--json", "workspaces", "get", &ws]));
    assert_eq!(got["hours"]["fri"], json!(["08:00", "20:00"]), "{got}");
    assert_eq!(got["hours"]["sat"], json!(["10:00", "16:00"]));
    assert_eq!(
        got["hours"]["sun"],
        json!(null),
        "a day not named is closed"
    );
    assert_eq!(got["closures"], json!(["2031-12-24", "2031-12-31"]));
    let text = ok(cli(s, &member, &["workspaces", "get", &ws]));
    assert!(text.contains("  sun     closed"), "{text}");
    assert!(text.contains("closures  2031-12-24, 2031-12-31"), "{text}");

    let done = json_of(cli(
        s,
        &admin,
        &[
            "--json",
            "workspaces",
            "update",
            &ws,
            "--name",
            "CLI Week II",
            "--capacity",
            "6",
            "--rate",
            "1800",
            "--hours",
            "sun=closed,mon-sat=09:00-17:00",
            "--closures",
            "",
        ],
    ));
    assert_eq!(
        (&done["name"], &done["capacity"], &done["hourly_rate_cents"]),
        (&json!("CLI Week II"), &json!(6), &json!(1800)),
        "{done}"
    );
    assert_eq!(done["hours"]["sat"], json!(["09:00", "17:00"]));
    assert_eq!(done["closures"], json!([]));
    assert_eq!(
        json_of(cli(s, &member, &["--json", "workspaces", "get", &ws])),
        done
    );

    let refused = cli(s, &member, &["workspaces", "update", &ws, "--name", "Mine"]);
    assert!(!refused.status.success(), "a member cannot update");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("403") || err.contains("admin"), "{err}");

    let listed = json_of(cli(
        s,
        &admin,
        &[
            "--json",
            "workspaces",
            "bookings",
            &ws,
            "--from",
            "2031-01-01T00:00:00Z",
        ],
    ));
    assert_eq!(listed, json!([]), "no bookings yet");
    let text = ok(cli(s, &admin, &["workspaces", "bookings", &ws]));
    assert!(text.starts_with("ID"), "a table with its header: {text}");
}

#[tokio::test]
async fn the_cli_closes_a_workspace_and_deletes_an_account() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let dir = tempfile::tempdir().unwrap();
    let (admin, member) = sessions(s, &dir, "Ode");
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&member).unwrap()).unwrap();
    let token = stored["token"].as_str().unwrap().to_string();
    let admin_token = c.admin_token().await;
    let (closing, staying) = (
        open_workspace(&c, &admin_token, 2).await,
        open_workspace(&c, &admin_token, 2).await,
    );
    let mut booked = Vec::new();
    for ws in [&closing, &staying] {
        let id = c.book_hour(&token, ws, 2 * 86_400).await;
        c.wait_status(&token, &id, "confirmed").await;
        booked.push(id);
    }

    let refused = cli(s, &member, &["workspaces", "close", &closing]);
    assert!(!refused.status.success(), "a member cannot close");
    assert!(text(&refused).contains("403"), "{}", text(&refused));
    let closed = json_of(cli(
        s,
        &admin,
        &[
            "--json",
            "workspaces",
            "close",
            &closing,
            "--reason",
            "Moving out",
        ],
    ));
    assert_eq!(
        closed,
        json!({"workspace_id": closing, "cancelled_bookings": 1, "refunded_cents": 3600})
    );
    let again = ok(cli(s, &admin, &["workspaces", "close", &closing]));
    assert!(
        again.contains("1 booking(s) cancelled, 36.00 refunded"),
        "{again}"
    );
    booking_settled(s, &booked[0], "cancelled", 3600, 3600).await;

    // no terminal to confirm on: refused until --yes; a wrong password deletes nothing
    let unconfirmed = cli(
        s,
        &member,
        &["account", "delete", "--password", "cli-password"],
    );
    assert!(!unconfirmed.status.success());
    assert!(
        text(&unconfirmed).contains("--yes"),
        "{}",
        text(&unconfirmed)
    );
    let wrong = cli(
        s,
        &member,
        &["account", "delete", "--yes", "--password", "not-mine"],
    );
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("password"), "{}", text(&wrong));
    ok(cli(
        s,
        &member,
        &["account", "update", "--name", "Ode Still"],
    ));

    let deleted = json_of(cli(
        s,
        &member,
        &[
            "--json",
            "account",
            "delete",
            "--yes",
            "--password",
            "cli-password",
        ],
    ));
    assert_eq!(
        deleted,
        json!({"cancelled_bookings": 1, "refunded_cents": 3600})
    );
    booking_settled(s, &booked[1], "cancelled", 3600, 3600).await;
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&member).unwrap()).unwrap();
    assert!(
        stored["token"].is_null(),
        "the session is forgotten: {stored}"
    );
    let r = c.post("Users/me", json!({}), Some(&token)).await;
    assert_eq!(r.status, 401, "{}", r.body);
}
