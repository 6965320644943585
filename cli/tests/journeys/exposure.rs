//! What an outsider can reach: only the contract's public calls; Restate's own output
//! endpoints hand out nothing; an idempotency key is the member's own; no secret stays in
//! Restate's storage; `wait` is bounded.

use crate::harness::{
    BOOKING_WAIT_SECS, TestStack, WEBHOOK_SECRET, day_slot, open_workspace, payment_intent_of,
    stack,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// `(service, handler)` of every call `docs/API.md` lists (`POST /Svc/handler` or
/// `POST /Svc/{key}/handler`).
pub(crate) fn contract_calls() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/API.md"))
        .expect("docs/API.md");
    let mut calls = BTreeSet::new();
    for part in text.split("POST /").skip(1) {
        let path: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '{' | '}'))
            .collect();
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segs.as_slice() {
            [svc, handler] if !handler.starts_with('{') => {
                calls.insert((svc.to_string(), handler.to_string()));
            }
            [svc, key, handler] if key.starts_with('{') => {
                calls.insert((svc.to_string(), handler.to_string()));
            }
            _ => {}
        }
    }
    calls
}

/// Rows of every table a call could write, to show a refused call wrote nothing.
async fn row_counts(s: &TestStack) -> Vec<(String, i64)> {
    let store = s.store().await;
    let mut out = Vec::new();
    for table in [
        "users",
        "workspaces",
        "bookings",
        "payments",
        "notifications",
        "activity",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
        out.push((table.to_string(), n));
    }
    out
}

#[tokio::test]
async fn every_handler_reachable_from_the_ingress_is_a_public_call_of_the_contract() {
    let s = stack();
    // counts rows before and after: no other test may write meanwhile
    let _g = s.exclusive().await;
    let c = s.client();
    let handlers = s.registered_handlers().await;
    let contract = contract_calls();
    assert!(contract.contains(&("Booking".into(), "status".into())));
    let (_, token, _) = c.new_member("Prober").await;
    let admin = c.admin_token().await;
    let before = row_counts(s).await;
    let mut registered = BTreeSet::new();
    let mut private = 0;
    for h in &handlers {
        let (name, handler, keyed) = (h.service.as_str(), h.handler.as_str(), h.keyed);
        registered.insert((name.to_string(), handler.to_string()));
        let call = (name.to_string(), handler.to_string());
        if h.public {
            assert!(
                contract.contains(&call),
                "{name}/{handler} is reachable from the ingress but is not a public call of docs/API.md"
            );
            continue;
        }
        assert!(
            !contract.contains(&call),
            "{name}/{handler} is a public call of docs/API.md but ingress-private"
        );
        private += 1;
        // refused at the ingress, with a user's and an admin's token alike, whatever the body
        let path = if keyed {
            format!("{name}/{}/{handler}", uuid::Uuid::new_v4())
        } else {
            format!("{name}/{handler}")
        };
        for t in [Some(token.as_str()), Some(admin.as_str()), None] {
            let r = c
                .post(
                    &path,
                    json!({"user_id": "x", "amount_cents": 1, "seats": 10}),
                    t,
                )
                .await;
            assert!(
                (400..500).contains(&r.status),
                "internal {path} answered {} {}",
                r.status,
                r.body
            );
        }
    }
    assert!(private >= 8, "only {private} ingress-private handlers");
    assert!(
        !registered.contains(&("Booking".to_string(), "nonexistent".to_string())),
        "sanity"
    );
    let missing: Vec<_> = contract.difference(&registered).collect();
    if !missing.is_empty() {
        eprintln!("calls of docs/API.md not built yet: {missing:?}");
    }
    assert_eq!(
        row_counts(s).await,
        before,
        "a refused call wrote something"
    );
}

#[tokio::test]
async fn restates_own_output_endpoints_hand_out_no_booking() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (user, token, email) = c.new_member("Outsider").await;
    let r = c
        .http
        .post(format!("{}/Bookings/create", s.info.ingress_url))
        .bearer_auth(&token)
        .json(&json!({"workspace_id": ws, "starts_at": day_slot(3, 9 * 3600, 1800).0, "ends_at": day_slot(3, 9 * 3600, 1800).1, "seats": 1, "payment_method": "pm_card_visa"}))
        .send()
        .await
        .unwrap();
    let create_invocation = r
        .headers()
        .get("x-restate-id")
        .map(|v| v.to_str().unwrap().to_string());
    let id = r.json::<Value>().await.unwrap()["booking_id"]
        .as_str()
        .unwrap()
        .to_string();
    c.wait_status(&token, &id, "confirmed").await;
    c.post(&format!("Booking/{id}/cancel"), json!({}), Some(&token))
        .await
        .ok();
    let out = reqwest::get(format!(
        "{}/restate/workflow/Booking/{id}/output",
        s.info.ingress_url
    ))
    .await
    .unwrap();
    let text = out.text().await.unwrap();
    for secret in [
        user.as_str(),
        email.as_str(),
        "amount",
        "cancelled",
        token.as_str(),
    ] {
        assert!(
            !text.contains(secret),
            "the workflow's output shows {secret:?} without a token: {text}"
        );
    }
    if let Some(inv) = create_invocation {
        let out = reqwest::get(format!(
            "{}/restate/invocation/{inv}/output",
            s.info.ingress_url
        ))
        .await
        .unwrap();
        let status = out.status().as_u16();
        let text = out.text().await.unwrap();
        assert!(
            !text.contains(&id) && !text.contains(&token),
            "Bookings/create's output is kept: {status} {text}"
        );
    }
}

#[tokio::test]
async fn an_idempotency_key_is_the_members_own() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 5).await;
    let (ann, ann_token, _) = c.new_member("Ann").await;
    let (bob, bob_token, _) = c.new_member("Bob").await;
    let body = json!({"workspace_id": ws, "starts_at": day_slot(3, 9 * 3600, 3600).0, "ends_at": day_slot(3, 9 * 3600, 3600).1, "seats": 1, "payment_method": "pm_card_visa"});
    // the README's own example key, sent by one member ten times at once
    let key = format!("my-key-1-{}", uuid::Uuid::new_v4().simple());
    let send = |token: String| {
        let (http, url, body, key) = (
            c.http.clone(),
            format!("{}/Bookings/create", s.info.ingress_url),
            body.clone(),
            key.clone(),
        );
        tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Value>().await.unwrap()["booking_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
    };
    let ann_calls: Vec<_> = (0..10).map(|_| send(ann_token.clone())).collect();
    let mut ann_ids = BTreeSet::new();
    for call in ann_calls {
        ann_ids.insert(call.await.unwrap());
    }
    assert_eq!(ann_ids.len(), 1, "one member, one key: {ann_ids:?}");
    let ann_id = ann_ids.into_iter().next().unwrap();
    c.wait_status(&ann_token, &ann_id, "confirmed").await;
    // another member, the same key, afterwards: a booking of their own
    let bob_id = send(bob_token.clone()).await.unwrap();
    assert_ne!(bob_id, ann_id, "Bob got Ann's booking");
    let bob_view = c.wait_status(&bob_token, &bob_id, "confirmed").await;
    assert_eq!(bob_view["user_id"], bob.as_str());
    // and cannot see Ann's
    let r = c
        .post(
            &format!("Booking/{ann_id}/status"),
            json!({}),
            Some(&bob_token),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let store = s.store().await;
    for (user, n) in [(ann, 1usize), (bob, 1usize)] {
        let rows = store
            .bookings_matching(&deskflow_infra::store::bookings::BookingFilter {
                user_id: Some(user.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(rows.len(), n, "{user}: {rows:?}");
        let payment = store.payment(&rows[0].id).await.unwrap().expect("payment");
        assert_eq!(payment.captured_cents, rows[0].amount_cents, "one charge");
    }
}

#[tokio::test]
async fn no_token_or_card_secret_stays_in_restates_storage() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (_, token, _) = c.new_member("Secretive").await;
    let p = s.provider();
    let card = p.three_d_secure_card().await;
    let id = c
        .book(
            &token,
            &ws,
            &day_slot(3, 9 * 3600, 1800).0,
            &day_slot(3, 9 * 3600, 1800).1,
            1,
            &card,
        )
        .await;
    let waiting = c.wait_status(&token, &id, "awaiting_payment").await;
    let secret = waiting["payment"]["client_secret"]
        .as_str()
        .expect("client_secret while awaiting payment")
        .to_string();
    p.authenticate(&secret, true).await;
    // the provider's signed webhook wakes the booking (localstripe sends none for this case)
    let pi = payment_intent_of(&secret);
    let event = json!({"id": format!("evt_{}", uuid::Uuid::new_v4().simple()), "type": "payment_intent.amount_capturable_updated",
                       "data": {"object": {"id": pi, "object": "payment_intent"}}});
    let (code, _) = s.send_webhook(&event, Some(WEBHOOK_SECRET)).await;
    assert_eq!(code, 200);
    let confirmed = c.wait_status(&token, &id, "confirmed").await;
    assert!(confirmed["payment"].get("client_secret").is_none());
    c.post("Users/me", json!({}), Some(&token)).await.ok();
    c.post(&format!("Payment/{id}/status"), json!({}), Some(&token))
        .await
        .ok();
    c.post(&format!("Booking/{id}/wait"), json!({}), Some(&token))
        .await
        .ok();
    let stored = s.restate_storage_text().await;
    assert!(
        stored.contains(&id),
        "the query reads the journal: {}",
        stored.len()
    );
    assert!(
        !stored.contains(&secret),
        "the card's client secret is in Restate's storage"
    );
    assert!(
        !stored.contains(&token),
        "the member's bearer token is in Restate's storage"
    );
    assert!(
        !stored.contains(&admin),
        "the admin's bearer token is in Restate's storage"
    );
}

#[tokio::test]
async fn wait_answers_404_for_an_unknown_booking_and_within_its_bound_otherwise() {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let admin = c.admin_token().await;
    let ws = open_workspace(&c, &admin, 2).await;
    let (_, token, _) = c.new_member("Waiter").await;
    let unknown = uuid::Uuid::new_v4();
    let started = Instant::now();
    let r = c
        .post(&format!("Booking/{unknown}/wait"), json!({}), Some(&token))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(started.elapsed() < Duration::from_secs(5));
    // a booking waiting for the member's authentication: wait answers with that status
    let card = s.provider().three_d_secure_card().await;
    let id = c
        .book(
            &token,
            &ws,
            &day_slot(3, 9 * 3600, 1800).0,
            &day_slot(3, 9 * 3600, 1800).1,
            1,
            &card,
        )
        .await;
    c.wait_status(&token, &id, "awaiting_payment").await;
    let started = Instant::now();
    let r = c
        .post(&format!("Booking/{id}/wait"), json!({}), Some(&token))
        .await
        .ok();
    let took = started.elapsed();
    assert_eq!(r["status"], "awaiting_payment", "{r}");
    assert!(
        took >= Duration::from_secs(BOOKING_WAIT_SECS - 1)
            && took < Duration::from_secs(BOOKING_WAIT_SECS + 5),
        "wait answered after {took:?}"
    );
    // someone else's booking is unknown to them
    let (_, other, _) = c.new_member("Nosy").await;
    let r = c
        .post(&format!("Booking/{id}/wait"), json!({}), Some(&other))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}
