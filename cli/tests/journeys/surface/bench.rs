//! The benchmark: a short run of a few journeys writes its figures.

use super::text;
use serde_json::Value;

#[tokio::test]
async fn the_benchmark_runs_a_few_journeys_and_writes_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("bench.json");
    let out = tokio::task::spawn_blocking({
        let out_file = out_file.clone();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_deskflow"))
                .args([
                    "bench",
                    "--duration",
                    "2",
                    "--concurrency",
                    "2",
                    "--growth-bookings",
                    "500",
                    "--slow-provider-ms",
                    "0",
                    "--login-flood",
                    "2",
                    "--no-emulator-run",
                ])
                .arg("--json-out")
                .arg(&out_file)
                .env_remove("DATABASE_URL")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let runs = report["runs"].as_array().unwrap();
    let targets: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r["target"].as_str().unwrap(), r["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        targets,
        vec![
            ("deskflow", "empty store"),
            ("floor", "engine floor"),
            ("floor reference", "engine floor, earlier shape"),
            ("deskflow", "plain (before the mix)"),
            ("deskflow mix", "reschedule 20 %, waitlist 20 %"),
            ("deskflow", "before the login flood"),
            ("deskflow", "login flood (2 attackers)"),
            ("deskflow", "empty store, fresh engine"),
            ("deskflow", "500 past bookings, fresh engine")
        ]
    );
    // bookings keep flowing while attackers' wrong passwords are answered
    let flood = &report["login_flood"];
    assert!(
        flood["bookings_per_sec_during"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(
        flood["attackers"]["unauthorized"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(flood["attackers"]["other"], 0, "{report}");
    assert_eq!(report["growth"]["preloaded_bookings"], 500, "{report}");
    // the long-lived flows' mix ran without an error, next to the plain journeys
    assert!(
        report["mix"]["journeys_per_sec"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(
        report["mix"]["plain_journeys_per_sec"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(
        report["growth"]["throughput_change"].as_f64().is_some(),
        "{report}"
    );
    for r in runs {
        assert!(
            r["journeys"].as_u64().unwrap() > 0 && r["errors"] == 0,
            "{r}"
        );
        // booking, payment, calendar, activity records and the rest; the emails keep nothing
        assert!(r["invocations_per_booking"].as_f64().unwrap() >= 7.0, "{r}");
        let cpu = &r["cpu_ms_per_journey"];
        assert!(cpu["restate-server"].as_f64().unwrap() > 0.0, "{r}");
        if r["target"] == "deskflow" {
            assert!(cpu["endpoint"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
    // the floor has deskflow's shape: as many invocations and journal entries per booking
    let per_booking = |i: usize, what: &str| runs[i][what].as_f64().unwrap();
    for (what, slack) in [
        ("invocations_per_booking", 0.2),
        ("journal_entries_per_booking", 0.5),
    ] {
        assert!(
            (per_booking(0, what) - per_booking(1, what)).abs() <= slack,
            "{what}: deskflow {} vs floor {}",
            per_booking(0, what),
            per_booking(1, what)
        );
    }
    // while they wait for their slots, deskflow's and the floor's bookings hold no invocation
    // in flight at restate-server (a straggling one-way send aside), only their delayed
    // calls; the earlier shape's hold one each
    assert!(per_booking(0, "in_flight_per_booking") < 0.5, "{}", runs[0]);
    assert!(per_booking(1, "in_flight_per_booking") < 0.5, "{}", runs[1]);
    assert!(
        per_booking(0, "scheduled_per_booking") >= 2.0,
        "{}",
        runs[0]
    );
    assert!(
        per_booking(2, "in_flight_per_booking") >= 1.0,
        "{}",
        runs[2]
    );
    assert!(report["ratios"][0]["throughput_ratio"].as_f64().unwrap() > 0.0);
    assert!(
        text(&out).contains("ratios deskflow / floor:"),
        "{}",
        text(&out)
    );
}
