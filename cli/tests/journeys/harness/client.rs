//! Calling the stack as a member or an admin does: the ingress client and its replies, the
//! mailbox, polling for an outcome, and the helpers that make workspaces, slots and bookings
//! and follow a booking's status.

use super::{ADMIN, TestStack};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

impl TestStack {
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            ingress: self.info.ingress_url.clone(),
            mailbox: self.info.mailbox_url.clone(),
        }
    }
}

/// An ingress call's outcome: HTTP status and JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The body of a 200, or a panic that shows what came back.
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status, 200,
            "expected 200, got {} {}",
            self.status, self.body
        );
        self.body
    }

    pub fn message(&self) -> String {
        self.body["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub ingress: String,
    pub mailbox: String,
}

impl Client {
    /// `POST {ingress}/{path}` with a raw body and an optional bearer token.
    pub async fn post_raw(&self, path: &str, body: &str, token: Option<&str>) -> Reply {
        self.send(path, body, token).await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.post_raw(path, &body.to_string(), token).await
    }

    /// As [`Client::post`], but `None` when nothing answers (restate-server restarting).
    pub async fn try_post(&self, path: &str, body: Value, token: Option<&str>) -> Option<Reply> {
        self.send(path, &body.to_string(), token).await.ok()
    }

    async fn send(&self, path: &str, body: &str, token: Option<&str>) -> reqwest::Result<Reply> {
        let mut req = self
            .http
            .post(format!("{}/{path}", self.ingress))
            .header("content-type", "application/json")
            .body(body.to_string())
            .timeout(Duration::from_secs(60));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply { status, body })
    }

    /// Registers a fresh member with a unique email; returns `(user_id, token, email)`.
    pub async fn new_member(&self, name: &str) -> (String, String, String) {
        let email = format!(
            "{}-{}@journeys.test",
            name.to_lowercase(),
            uuid::Uuid::new_v4().simple()
        );
        let r = self
            .post(
                "Auth/register",
                json!({"email": email, "password": "password-123", "name": name}),
                None,
            )
            .await
            .ok();
        (
            r["user_id"].as_str().unwrap().into(),
            r["token"].as_str().unwrap().into(),
            email,
        )
    }

    /// `Auth/login`; the answer of a 200 (`token`, `expires_at`, `refresh_token`).
    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.post(
            "Auth/login",
            json!({"email": email, "password": password}),
            None,
        )
        .await
        .ok()
    }

    pub async fn admin_token(&self) -> String {
        let r = self
            .post(
                "Auth/login",
                json!({"email": ADMIN.0, "password": ADMIN.1}),
                None,
            )
            .await
            .ok();
        r["token"].as_str().unwrap().into()
    }

    /// Creates a workspace as admin with the given capacity; returns its id.
    pub async fn new_workspace(&self, admin: &str, name: &str, capacity: i64) -> String {
        let r = self
            .post(
                "Workspaces/create",
                json!({"name": name, "location": "Harbour 1, Hamburg", "timezone": "Europe/Berlin", "capacity": capacity,
                       "hourly_rate_cents": 1500, "currency": "EUR", "opens_at": "08:00", "closes_at": "20:00"}),
                Some(admin),
            )
            .await
            .ok();
        r["workspace_id"].as_str().unwrap().into()
    }

    /// Emails maildev received for `to`.
    pub async fn mails_to(&self, to: &str) -> Vec<Value> {
        let all: Vec<Value> = self
            .http
            .get(format!("{}/api/email", self.mailbox))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.into_iter()
            .filter(|m| {
                m["to"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|a| a["address"] == to))
            })
            .collect()
    }

    /// Subjects of the emails `to` received, sorted.
    pub async fn subjects(&self, to: &str) -> Vec<String> {
        let mut s: Vec<String> = self
            .mails_to(to)
            .await
            .iter()
            .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
            .collect();
        s.sort();
        s
    }

    /// Texts of the emails `to` received whose subject starts with `prefix`.
    pub async fn texts(&self, to: &str, prefix: &str) -> Vec<String> {
        self.mails_to(to)
            .await
            .iter()
            .filter(|m| m["subject"].as_str().is_some_and(|s| s.starts_with(prefix)))
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Waits until `to` has at least `n` emails whose subject starts with `prefix`; their texts.
    pub async fn wait_texts(&self, to: &str, prefix: &str, n: usize) -> Vec<String> {
        eventually(Duration::from_secs(60), || async {
            let t = self.texts(to, prefix).await;
            (t.len() >= n).then_some(t)
        })
        .await
        .unwrap_or_else(|| panic!("{to} did not get {n} {prefix:?} email(s) within 60 s"))
    }

    /// Waits until `to` has at least `n` emails (notifications are one-way, so they arrive
    /// a moment after the call that caused them returned).
    pub async fn wait_for_mails(&self, to: &str, n: usize) -> Vec<Value> {
        eventually(Duration::from_secs(60), || async {
            let m = self.mails_to(to).await;
            (m.len() >= n).then_some(m)
        })
        .await
        .unwrap_or_else(|| panic!("{to} did not receive {n} email(s) within 60 s"))
    }
}

/// Polls `f` every 200 ms until it gives `Some` or `limit` passes. Tests wait on outcomes,
/// never on fixed sleeps.
pub async fn eventually<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The time zone of [`open_workspace`]'s workspaces. A slot must lie within one local day, so
/// the zone's midnight must fall neither within the hours after now that tests book (slots from
/// a few seconds to ~15 h ahead) nor inside the 09:00-15:30 UTC window of [`day_slot`]'s slots,
/// whatever hour the suite runs at ([`midnight_utc_hour`]). Chosen once per test process.
pub fn open_timezone() -> &'static str {
    static TZ: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TZ.get_or_init(|| {
        use chrono::Timelike;
        let midnight_utc = midnight_utc_hour(chrono::Utc::now().hour() as i64);
        // local = UTC + off, so local midnight is at -off UTC; IANA's fixed zones span -12..+14
        let mut off = (24 - midnight_utc) % 24;
        if off > 14 {
            off -= 24;
        }
        match off {
            0 => "UTC".to_string(),
            // POSIX sign: Etc/GMT-4 is four hours ahead of UTC
            o if o > 0 => format!("Etc/GMT-{o}"),
            o => format!("Etc/GMT+{}", -o),
        }
    })
}

/// The UTC hour at which [`open_timezone`]'s local midnight falls, for a test process started
/// in UTC hour `h`: an hour before now; 08:00 when that would fall inside the day-slot window
/// (09:00-15:30) and 08:00 is still more than 16 h ahead (started 11:00 to 15:59); this hour's
/// start when neither is free (started 16:00 to 16:59: 15:00 is inside the window and 08:00
/// within the next 16 h).
fn midnight_utc_hour(h: i64) -> i64 {
    match h {
        11..=15 => 8,
        16 => 16,
        _ => (h + 23) % 24,
    }
}

/// A workspace open around the clock in [`open_timezone`], so slots of a few seconds from now
/// are bookable at any hour.
pub async fn open_workspace(c: &Client, admin: &str, capacity: i64) -> String {
    let r = c
        .post(
            "Workspaces/create",
            json!({"name": format!("Test {}", uuid::Uuid::new_v4().simple()), "location": "Lab", "timezone": open_timezone(),
                   "capacity": capacity, "hourly_rate_cents": 3600, "currency": "EUR", "opens_at": "00:00", "closes_at": "23:59"}),
            Some(admin),
        )
        .await
        .ok();
    r["workspace_id"].as_str().unwrap().into()
}

/// A slot starting `from_secs` from now and lasting exactly `len_secs`, RFC 3339.
pub fn slot_in(from_secs: i64, len_secs: i64) -> (String, String) {
    let start = chrono::Utc::now() + chrono::Duration::seconds(from_secs);
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    (fmt(start), fmt(start + chrono::Duration::seconds(len_secs)))
}

/// A slot `days` ahead starting `secs_of_day` after that day's midnight (UTC), `len` long. At an
/// [`open_workspace`] it must lie within 09:00-15:30 UTC, where that workspace's local day never
/// ends ([`open_timezone`]); the day of a UTC workspace (`bookings::reschedule::utc_workspace`)
/// is UTC's own.
pub fn day_slot(days: i64, secs_of_day: i64, len: i64) -> (String, String) {
    let day = (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let at = |s: i64| {
        (day + chrono::Duration::seconds(s)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    (at(secs_of_day), at(secs_of_day + len))
}

/// RFC 3339 of now + `secs`.
pub fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Client {
    /// `Bookings/create`; returns the booking id.
    pub async fn book(
        &self,
        token: &str,
        ws: &str,
        starts: &str,
        ends: &str,
        seats: i64,
        pm: &str,
    ) -> String {
        let r = self
            .post("Bookings/create", json!({"workspace_id": ws, "starts_at": starts, "ends_at": ends, "seats": seats, "payment_method": pm}), Some(token))
            .await
            .ok();
        assert_eq!(r["status"], "pending");
        r["booking_id"].as_str().unwrap().into()
    }

    /// `Bookings/create` of one seat-hour starting `from_secs` from now, paid by the test card;
    /// returns the booking id.
    pub async fn book_hour(&self, token: &str, ws: &str, from_secs: i64) -> String {
        let (starts, ends) = (in_secs(from_secs), in_secs(from_secs + 3600));
        self.book(token, ws, &starts, &ends, 1, "pm_card_visa")
            .await
    }

    pub async fn status(&self, token: &str, booking: &str) -> Value {
        self.post(&format!("Booking/{booking}/status"), json!({}), Some(token))
            .await
            .ok()
    }

    /// Polls the booking's status until `want` (or any final status when `want` is "final").
    pub async fn wait_status(&self, token: &str, booking: &str, want: &str) -> Value {
        if want == "final" {
            return self
                .wait_status_any(
                    token,
                    booking,
                    &["completed", "cancelled", "rejected", "expired", "failed"],
                )
                .await;
        }
        self.wait_status_any(token, booking, &[want]).await
    }

    /// Polls the booking's status until it is one of `wanted`.
    pub async fn wait_status_any(&self, token: &str, booking: &str, wanted: &[&str]) -> Value {
        let got = eventually(Duration::from_secs(90), || async move {
            let r = self
                .post(&format!("Booking/{booking}/status"), json!({}), Some(token))
                .await;
            let s = r.body["status"].as_str().unwrap_or_default().to_string();
            (r.status == 200 && wanted.contains(&s.as_str())).then_some(r.body)
        })
        .await;
        match got {
            Some(v) => v,
            None => {
                let last = self
                    .post(&format!("Booking/{booking}/status"), json!({}), Some(token))
                    .await
                    .body;
                panic!("booking {booking} did not reach {wanted:?} within 90 s; last status {last}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::midnight_utc_hour;

    /// Whatever minute a test process starts at, local midnight is neither within the 16 hours
    /// after it (slots booked from now) nor inside 09:00-15:30 UTC ([`super::day_slot`]).
    #[test]
    fn the_open_workspaces_midnight_misses_every_slot_the_tests_book() {
        for start_min in 0..24 * 60 {
            let m = midnight_utc_hour(start_min / 60) * 60;
            let ahead = (m - start_min).rem_euclid(24 * 60);
            assert!(
                ahead == 0 || ahead > 16 * 60,
                "started at minute {start_min}: midnight at {m} is {ahead} min ahead"
            );
            assert!(
                !(9 * 60 + 1..15 * 60 + 30).contains(&m),
                "midnight at minute {m} cuts the day slots"
            );
        }
    }
}
