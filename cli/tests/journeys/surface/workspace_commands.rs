//! `deskflow workspaces create --hours --closures`, `get`, `update` and `bookings` end to end:
//! what they send is what the API stores, `--json` prints the answer as it came, and a
//! member's update fails with the server's refusal.

use super::{cli, json_of, ok};
use crate::harness::{ADMIN, stack};
use serde_json::json;

#[tokio::test]
async fn the_cli_opens_reads_changes_and_lists_a_workspace() {
    let s = stack();
    let _g = s.shared().await;
    let dir = tempfile::tempdir().unwrap();
    let (admin, member) = (
        dir.path().join("admin.json"),
        dir.path().join("member.json"),
    );
    ok(cli(
        s,
        &admin,
        &["auth", "login", "--email", ADMIN.0, "--password", ADMIN.1],
    ));
    let email = format!("cli-ws-{}@journeys.test", uuid::Uuid::new_v4().simple());
    ok(cli(
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
            "Wu",
        ],
    ));

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
