//! What a benchmark stack is seeded with: an admin's workspaces and members with their tokens
//! (through the API, as users would make them), and for the growth run past bookings inserted
//! straight into the store.

use anyhow::{Context, bail};
use deskflow_domain::booking::BookingStatus;
use serde_json::{Value, json};

/// Members, their tokens and workspaces to book in.
pub(crate) struct Seed {
    pub(super) tokens: Vec<String>,
    pub(super) user_ids: Vec<String>,
    pub(super) workspaces: Vec<String>,
    /// one seat each: the long-lived mix fills a slot and waits for it
    pub(super) small_workspaces: Vec<String>,
}

impl Seed {
    /// Logs in as `admin`, opens 20 workspaces with room for every booking of a run and 10 of
    /// one seat (for the waitlist), and registers `members` members.
    pub(crate) async fn create(
        http: &reqwest::Client,
        ingress: &str,
        admin: (&str, &str),
        members: usize,
    ) -> anyhow::Result<Seed> {
        let a = post(
            http,
            ingress,
            "Auth/login",
            json!({"email": admin.0, "password": admin.1}),
            None,
        )
        .await
        .context("admin login")?;
        let admin_token = a["token"].as_str().unwrap_or_default().to_string();
        let open = |name: String, capacity: i64| {
            let token = admin_token.clone();
            async move {
                let w = post(
                    http,
                    ingress,
                    "Workspaces/create",
                    json!({"name": name, "location": "Bench", "timezone": "UTC", "capacity": capacity,
                           "hourly_rate_cents": 1200, "currency": "EUR", "opens_at": "00:00", "closes_at": "23:59"}),
                    Some(&token),
                )
                .await?;
                anyhow::Ok(w["workspace_id"].as_str().unwrap_or_default().to_string())
            }
        };
        let mut workspaces = Vec::new();
        for i in 0..20 {
            workspaces.push(open(format!("Bench {i}"), 10000).await?);
        }
        let mut small_workspaces = Vec::new();
        for i in 0..10 {
            small_workspaces.push(open(format!("Bench booth {i}"), 1).await?);
        }
        let (mut tokens, mut user_ids) = (Vec::new(), Vec::new());
        for i in 0..members {
            let u = post(
            http,
            ingress,
                "Auth/register",
                json!({"email": format!("bench{i}-{}@deskflow.test", uuid::Uuid::new_v4().simple()), "password": "bench-password", "name": format!("Bench {i}")}),
                None,
            )
            .await?;
            tokens.push(u["token"].as_str().unwrap_or_default().to_string());
            user_ids.push(u["user_id"].as_str().unwrap_or_default().to_string());
        }
        Ok(Seed {
            tokens,
            user_ids,
            workspaces,
            small_workspaces,
        })
    }
}

/// One API call as the seeding makes it: `POST {ingress}/{path}`, the answer's JSON, a non-2xx
/// answer as an error.
async fn post(
    http: &reqwest::Client,
    ingress: &str,
    path: &str,
    body: Value,
    token: Option<&str>,
) -> anyhow::Result<Value> {
    let mut r = http.post(format!("{ingress}/{path}")).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await?;
    let status = r.status();
    let v: Value = r.json().await?;
    if !status.is_success() {
        bail!("{status}: {v}");
    }
    Ok(v)
}

/// Bulk-inserts `n` completed bookings in the past (the growth run's preload).
pub(super) async fn seed_past_bookings(
    store: &deskflow_infra::Store,
    users: &[String],
    workspaces: &[String],
    n: u64,
) -> anyhow::Result<()> {
    const ROWS: u64 = 500;
    let completed = BookingStatus::Completed.as_str();
    let now = chrono::Utc::now().timestamp_millis();
    let mut done = 0;
    let mut tx = store.pool().begin().await?;
    while done < n {
        let batch = ROWS.min(n - done);
        let mut sql = String::from(
            "INSERT INTO bookings (id, user_id, workspace_id, starts_at, ends_at, seats, status, reason, amount_cents, currency, created_at, updated_at) VALUES ",
        );
        for i in 0..batch {
            let k = done + i;
            let start = now - 3_600_000 * (1 + (k % 20_000) as i64);
            let (u, w) = (
                &users[(k % users.len() as u64) as usize],
                &workspaces[(k % workspaces.len() as u64) as usize],
            );
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('past-{k}','{u}','{w}',{start},{},1,'{completed}',NULL,600,'EUR',{start},{start})",
                start + 1_800_000
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        done += batch;
        if done % 50_000 == 0 {
            tx.commit().await?;
            tx = store.pool().begin().await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
