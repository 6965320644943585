//! `deskflow up` supervises: the endpoint and restate-server killed with SIGKILL are restarted
//! while the other processes keep running, `deskflow status` shows each restart, a booking
//! journey then passes through the same printed ingress, and a process stopped on purpose
//! (`deskflow stack stop`) stays down until started again. A process that keeps dying stops
//! the stack, saying which.

use super::text;
use crate::harness::SupervisedUp;
use std::time::Duration;

#[tokio::test]
async fn up_restarts_a_killed_endpoint_and_restate_server_and_the_stack_serves_on() {
    let up = tokio::task::spawn_blocking(|| SupervisedUp::start(&[], &[]))
        .await
        .unwrap();
    assert!(
        up.printed.contains("deskflow status --data-dir"),
        "{}",
        up.printed
    );
    let before = up.status();
    assert!(
        before
            .iter()
            .all(|p| p["state"] == "up" && p["restarts"] == 0),
        "{before:?}"
    );

    for name in ["deskflow", "restate"] {
        let old = up.kill_9(name);
        let back = up.back(name, old).await;
        assert_eq!(back["restarts"], 1, "{back}");
    }
    // the others kept running, untouched
    for name in ["maildev", "localstripe"] {
        let p = up.process(name);
        let was = before.iter().find(|b| b["name"] == name).unwrap();
        assert_eq!(
            (&p["pid"], &p["restarts"]),
            (&was["pid"], &was["restarts"]),
            "{p}"
        );
    }

    // a booking journey through the ingress `up` printed: register, book, pay, cancel, report
    let journey = up.journey();
    let t = text(&journey);
    assert!(journey.status.success(), "{t}");
    assert!(t.contains("the journey passed"), "{t}");

    // the status table says the same to a person
    let table = text(&up.deskflow(&["status"]));
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("deskflow") && l.contains(" up ") && l.contains(" 1 ")),
        "{table}"
    );

    // stopped on purpose: left down (status exits 1 meanwhile), then started again
    let out = up.deskflow(&["stack", "stop", "deskflow"]);
    assert!(out.status.success(), "{}", text(&out));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let p = up.process("deskflow");
    assert_eq!(
        (p["state"].as_str(), p["pid"].as_u64()),
        (Some("stopped"), None),
        "{p}"
    );
    assert_eq!(up.deskflow(&["status"]).status.code(), Some(1));
    let out = up.deskflow(&["stack", "start", "deskflow"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(up.process("deskflow")["state"], "up");
    let out = up.deskflow(&["stack", "stop", "no-such-process"]);
    assert!(
        !out.status.success() && text(&out).contains("unknown process"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn a_process_that_keeps_dying_stops_the_stack_saying_which() {
    let mut up = tokio::task::spawn_blocking(|| SupervisedUp::start(&[], &[]))
        .await
        .unwrap();
    // four deaths within the minute are restarted, the fifth is not
    for n in 1..=4 {
        let old = up.kill_9("deskflow");
        let back = up.back("deskflow", old).await;
        assert_eq!(back["restarts"], n, "{back}");
    }
    up.kill_9("deskflow");
    let status = up.exited(Duration::from_secs(60)).await;
    assert!(
        status.is_some_and(|s| !s.success()),
        "up did not stop: {status:?}"
    );
    let said = up.errors();
    assert!(
        said.contains("deskflow exited 5 times within 60 s; stopping the stack"),
        "{said}"
    );
}
