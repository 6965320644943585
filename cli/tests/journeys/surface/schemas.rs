//! The API documents itself: every public call's request schema, as Restate serves it in the
//! OpenAPI of its service (`GET <admin>/services/<Service>/openapi`), is the one `deskflow api`
//! prints, and it tells the truth about what the handler requires: a body of the required
//! fields alone is accepted, and one without a required field is a 400 naming that field.

use super::{cli, json_of};
use crate::exposure::contract_calls;
use crate::harness::{Client, TestStack, day_slot, in_secs, open_workspace, stack};
use deskflow_api::catalog::{Access, PublicCall, public_calls};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The OpenAPI document of each service that has a public call.
async fn openapi_docs(s: &TestStack) -> BTreeMap<&'static str, Value> {
    let mut docs = BTreeMap::new();
    for c in public_calls() {
        if docs.contains_key(c.service) {
            continue;
        }
        let url = format!("{}/services/{}/openapi", s.info.admin_url, c.service);
        let r = reqwest::get(&url).await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        docs.insert(c.service, r.json::<Value>().await.unwrap());
    }
    docs
}

/// `#/components/schemas/..` references followed within the document.
fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v["$ref"].as_str() {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        v = &doc["components"]["schemas"][name];
    }
    v
}

/// The request body schema of a call's operation (the call itself, not its `/send` twin).
fn request_schema<'a>(doc: &'a Value, c: &PublicCall) -> &'a Value {
    let paths = doc["paths"].as_object().expect("paths");
    let (path, op) = paths
        .iter()
        .find(|(p, _)| {
            // Restate lists a call as `/restate/call/{Service}[/{key}]/{handler}`
            let Some(call_path) = p.strip_prefix("/restate/call/") else {
                return false;
            };
            let segs: Vec<&str> = call_path.split('/').filter(|s| !s.is_empty()).collect();
            match segs.as_slice() {
                [svc, h] => *svc == c.service && *h == c.handler && c.key.is_none(),
                [svc, k, h] => {
                    *svc == c.service && k.starts_with('{') && *h == c.handler && c.key.is_some()
                }
                _ => false,
            }
        })
        .unwrap_or_else(|| panic!("{} is not in the OpenAPI: {:?}", c.path(), paths.keys()));
    let body = &op["post"]["requestBody"];
    assert_eq!(
        body["required"].as_bool().unwrap_or(false),
        !c.body_optional,
        "{path}: whether the body is required"
    );
    deref(doc, &body["content"]["application/json"]["schema"])
}

/// The fields a body must carry: `required`, plus the first alternative of a `oneOf` of
/// required sets (`Workspaces/create`'s two forms of hours).
fn required_fields(schema: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if let Some(first) = schema["oneOf"].as_array().and_then(|a| a.first()) {
        out.extend(
            first["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string)),
        );
    }
    out
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_public_call_has_its_request_schema_in_restates_openapi_and_the_cli_lists_the_same() {
    let s = stack();
    let _g = s.shared().await;
    let docs = openapi_docs(s).await;
    let catalog = public_calls();

    // the catalog is exactly the contract's calls that the stack serves publicly
    let served: BTreeSet<(String, String)> = s
        .registered_handlers()
        .await
        .into_iter()
        .filter(|h| h.public)
        .map(|h| (h.service, h.handler))
        .collect();
    let listed: BTreeSet<(String, String)> = catalog
        .iter()
        .map(|c| (c.service.to_string(), c.handler.to_string()))
        .collect();
    assert_eq!(
        listed, served,
        "deskflow_api::catalog against the stack's public handlers"
    );
    assert!(
        listed.is_subset(&contract_calls()),
        "every listed call is in docs/API.md"
    );

    let dir = tempfile::tempdir().unwrap();
    let printed = json_of(cli(s, &dir.path().join("cli.json"), &["--json", "api"]));
    let printed = printed.as_array().unwrap();
    assert_eq!(printed.len(), catalog.len());
    for (c, p) in catalog.iter().zip(printed) {
        let served = request_schema(&docs[c.service], c);
        let ours = c.request_schema().to_value();
        assert_eq!(p["path"], c.path());
        assert_eq!(
            property_names(served),
            property_names(&ours),
            "{}",
            c.path()
        );
        assert_eq!(
            required_fields(served),
            required_fields(&ours),
            "{}",
            c.path()
        );
        assert_eq!(
            served["additionalProperties"],
            false,
            "{}: {served}",
            c.path()
        );
        let printed_required: BTreeSet<String> = p["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["required"] == true)
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect();
        let declared: BTreeSet<String> = ours["required"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(printed_required, declared, "{}", c.path());
        for (name, prop) in served["properties"].as_object().into_iter().flatten() {
            assert!(
                prop["description"].is_string()
                    || prop.get("$ref").is_some()
                    || prop.get("anyOf").is_some(),
                "{}: field {name} has no description: {prop}",
                c.path()
            );
        }
    }
    // the OpenAPI's call paths are Restate's equivalents of the contract's
    let (_, member, _) = s.client().new_member("Openapi").await;
    let r = s
        .client()
        .post("restate/call/Workspaces/list", json!({}), Some(&member))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // and the text form names every call of a service with its fields
    let text = super::ok(cli(s, &dir.path().join("cli.json"), &["api", "workspaces"]));
    assert!(text.contains("POST /Workspaces/create  (admin)"), "{text}");
    assert!(text.contains("hourly_rate_cents"), "{text}");
    assert!(!text.contains("/Bookings/create"), "{text}");
}

/// Real ids and tokens for building requests, each call that changes something getting its own.
struct Fixture {
    member: String,
    member_email: String,
    refresh_token: String,
    /// signs out its other sessions: a member of its own
    changer: String,
    /// erased by `Users/delete`
    leaver: String,
    /// promoted, then demoted
    promoted_email: String,
    admin: String,
    workspace: String,
    closing_workspace: String,
    booking: String,
    /// confirmed, then rescheduled (the other one is cancelled before `reschedule` comes)
    moving_booking: String,
    admin_cancelled_booking: String,
}

const PASSWORD: &str = "password-123";

impl Fixture {
    async fn new(c: &Client) -> Fixture {
        let admin = c.admin_token().await;
        let (_, member, member_email) = c.new_member("Schema").await;
        let refresh_token = c.login(&member_email, PASSWORD).await["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, changer, _) = c.new_member("Changer").await;
        let (_, leaver, _) = c.new_member("Leaver").await;
        let (_, _, promoted_email) = c.new_member("Promoted").await;
        let workspace = open_workspace(c, &admin, 10).await;
        let closing_workspace = open_workspace(c, &admin, 2).await;
        let (starts, ends) = day_slot(3, 10 * 3600, 3600);
        let booking = c
            .book(&member, &workspace, &starts, &ends, 1, "pm_card_visa")
            .await;
        let (starts, ends) = day_slot(3, 14 * 3600, 3600);
        let moving_booking = c
            .book(&member, &workspace, &starts, &ends, 1, "pm_card_visa")
            .await;
        c.wait_status(&member, &moving_booking, "confirmed").await;
        let (starts, ends) = day_slot(3, 12 * 3600, 3600);
        let admin_cancelled_booking = c
            .book(&member, &workspace, &starts, &ends, 1, "pm_card_visa")
            .await;
        Fixture {
            member,
            member_email,
            refresh_token,
            changer,
            leaver,
            promoted_email,
            admin,
            workspace,
            closing_workspace,
            booking,
            moving_booking,
            admin_cancelled_booking,
        }
    }

    /// The bearer token a call is made with.
    fn token(&self, c: &PublicCall) -> Option<&str> {
        match (c.access, c.service, c.handler) {
            (Access::Anyone, _, _) => None,
            (_, "Users", "change_password") => Some(&self.changer),
            (_, "Users", "delete") => Some(&self.leaver),
            (Access::Member, _, _) => Some(&self.member),
            (Access::Admin, _, _) => Some(&self.admin),
        }
    }

    /// The ingress path of a call, its key filled in.
    fn path(&self, c: &PublicCall) -> String {
        match c.key {
            Some(_) if (c.service, c.handler) == ("Booking", "reschedule") => {
                format!("{}/{}/{}", c.service, self.moving_booking, c.handler)
            }
            Some(_) => format!("{}/{}/{}", c.service, self.booking, c.handler),
            None => format!("{}/{}", c.service, c.handler),
        }
    }

    /// A value the handler takes for `field` of call `c`.
    fn value(&self, c: &PublicCall, field: &str) -> Value {
        let call = (c.service, c.handler);
        match field {
            "email" => match call {
                ("Auth", "register") => json!(format!(
                    "schema-{}@journeys.test",
                    uuid::Uuid::new_v4().simple()
                )),
                ("Admin", _) => json!(self.promoted_email),
                _ => json!(self.member_email),
            },
            "password" | "current_password" => json!(PASSWORD),
            "new_password" => json!("another-password-456"),
            "name" | "location" => json!(format!(
                "Schema {}",
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            )),
            "refresh_token" => json!(self.refresh_token),
            "workspace_id" if call == ("Workspaces", "close") => json!(self.closing_workspace),
            "workspace_id" => json!(self.workspace),
            "booking_id" => json!(self.admin_cancelled_booking),
            "timezone" => json!("Europe/Berlin"),
            "capacity" => json!(3),
            "hourly_rate_cents" => json!(1200),
            "currency" => json!("EUR"),
            "opens_at" => json!("00:00"),
            "closes_at" => json!("23:59"),
            "starts_at" => json!(day_slot(4, 9 * 3600, 3600).0),
            "ends_at" => json!(day_slot(4, 9 * 3600, 3600).1),
            "payment_method" => json!("pm_card_visa"),
            "from" => json!(in_secs(0)),
            "to" => json!(in_secs(7 * 86400)),
            other => panic!("{}: no test value for the required field {other}", c.path()),
        }
    }
}

#[tokio::test]
async fn a_body_of_the_required_fields_alone_is_accepted_and_one_missing_a_required_field_is_a_400_naming_it()
 {
    let s = stack();
    let _g = s.shared().await;
    let c = s.client();
    let docs = openapi_docs(s).await;
    let f = Fixture::new(&c).await;
    for call in public_calls() {
        let schema = request_schema(&docs[call.service], &call).clone();
        let required = required_fields(&schema);
        let mut body: Map<String, Value> = required
            .iter()
            .map(|name| (name.clone(), f.value(&call, name)))
            .collect();
        // `minProperties` asks for something beyond the required fields (`Workspaces/update`
        // needs a change): the smallest such body adds a name
        let min = schema["minProperties"].as_u64().unwrap_or(0) as usize;
        if body.len() < min {
            assert!(schema["properties"]["name"].is_object(), "{}", call.path());
            body.insert("name".into(), f.value(&call, "name"));
        }
        assert!(body.len() >= min, "{}", call.path());
        let path = f.path(&call);
        let token = f.token(&call);
        // first what a missing field does (refused before anything runs), then the whole body
        for missing in &required {
            let mut partial = body.clone();
            partial.remove(missing);
            let r = c.post(&path, Value::Object(partial), token).await;
            assert_eq!(r.status, 400, "{path} without {missing}: {}", r.body);
            assert!(
                r.message().contains(missing.as_str()),
                "{path} without {missing}: the message names it: {}",
                r.message()
            );
        }
        let r = c.post(&path, Value::Object(body.clone()), token).await;
        assert_eq!(
            r.status,
            200,
            "{path} with its required fields alone {}: {}",
            Value::Object(body),
            r.body
        );
    }
    // the calls really ran: the booking was cancelled by the admin, the workspace closed
    let view = c.status(&f.member, &f.admin_cancelled_booking).await;
    assert_eq!(view["status"], "cancelled", "{view}");
    let closed = c
        .post(
            "Workspaces/get",
            json!({"workspace_id": f.closing_workspace}),
            Some(&f.member),
        )
        .await
        .ok();
    assert_eq!(closed["status"], "closed");
}
