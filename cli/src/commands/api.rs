//! `deskflow api [SERVICE]`: the public calls and the fields of their request bodies, for a
//! person at a terminal. It reads the `deskflow-api` crate's catalog and schemas, the same
//! types the handlers publish to Restate, so it needs no running stack and shows exactly what
//! Restate's OpenAPI and UI playground show.

use super::output::{bold, table};
use deskflow_api::catalog::{Access, PublicCall, public_calls};
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ApiArgs {
    /// Only this service's calls (e.g. `Bookings`; any case)
    pub service: Option<String>,
}

/// One field of a request body, as the schema describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub required: bool,
    /// type, format and bounds in a few words, e.g. `integer 1..=50, default 1`
    pub kind: String,
    pub description: String,
}

pub(super) fn run(args: ApiArgs, json: bool) -> anyhow::Result<ExitCode> {
    let calls = select(public_calls(), args.service.as_deref())?;
    if json {
        let v: Vec<Value> = calls.iter().map(call_json).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{}", render(&calls));
    }
    Ok(ExitCode::SUCCESS)
}

/// The calls of one service (matched without regard to case), or all of them.
fn select(calls: Vec<PublicCall>, service: Option<&str>) -> anyhow::Result<Vec<PublicCall>> {
    let Some(wanted) = service else {
        return Ok(calls);
    };
    let mut services: Vec<&str> = calls.iter().map(|c| c.service).collect();
    services.dedup();
    let Some(name) = services.iter().find(|s| s.eq_ignore_ascii_case(wanted)) else {
        anyhow::bail!(
            "no public service {wanted:?}: use one of {}",
            services.join(", ")
        );
    };
    let name = name.to_string();
    Ok(calls.into_iter().filter(|c| c.service == name).collect())
}

/// Who may call, in words.
fn access(a: Access) -> &'static str {
    match a {
        Access::Anyone => "no token",
        Access::Member => "member",
        Access::Admin => "admin",
    }
}

/// A call for scripts: where it goes, who may call it, its fields and its whole schema.
fn call_json(c: &PublicCall) -> Value {
    let schema = c.request_schema().to_value();
    let fields: Vec<Value> = fields(&schema)
        .into_iter()
        .map(|f| {
            json!({"name": f.name, "required": f.required, "type": f.kind, "description": f.description})
        })
        .collect();
    json!({
        "service": c.service,
        "handler": c.handler,
        "path": c.path(),
        "key": c.key,
        "access": c.access,
        "body_optional": c.body_optional,
        "summary": c.summary,
        "fields": fields,
        "request_schema": schema,
    })
}

/// The calls for people: one heading per service, one line per call, its fields beneath.
pub fn render(calls: &[PublicCall]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut service = "";
    for c in calls {
        if c.service != service {
            service = c.service;
            if !out.is_empty() {
                out.push(String::new());
            }
            out.push(bold(service));
        }
        out.push(format!(
            "  POST {}  ({})  {}",
            c.path(),
            access(c.access),
            c.summary
        ));
        let schema = c.request_schema().to_value();
        let fs = fields(&schema);
        if fs.is_empty() {
            out.push("    body: {} (may be left out)".to_string());
            continue;
        }
        let rows: Vec<Vec<String>> = fs
            .into_iter()
            .map(|f| {
                vec![
                    f.name,
                    if f.required { "required" } else { "optional" }.to_string(),
                    f.kind,
                    f.description,
                ]
            })
            .collect();
        for line in table(&["FIELD", "", "TYPE", "MEANING"], &rows).lines() {
            out.push(format!("    {line}"));
        }
        if let Some(rule) = one_of(&schema) {
            out.push(format!("    {rule}"));
        }
    }
    out.join("\n")
}

/// The fields of an object schema, in the schema's order.
pub fn fields(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| Field {
            name: name.clone(),
            required: required.contains(&name.as_str()),
            kind: kind(schema, p),
            description: p["description"]
                .as_str()
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        })
        .collect()
}

/// `oneOf` alternatives of required fields, in words (`Workspaces/create`'s two forms of hours).
fn one_of(schema: &Value) -> Option<String> {
    let alts: Vec<String> = schema["oneOf"]
        .as_array()?
        .iter()
        .filter_map(|a| {
            let names: Vec<&str> = a["required"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            Some(names.join(" + "))
        })
        .collect();
    (!alts.is_empty()).then(|| format!("exactly one of: {}", alts.join(" | ")))
}

/// A property's type in a few words: its JSON type (a `$ref` by its name), the format, an
/// enum's values, the bounds and the default.
fn kind(root: &Value, p: &Value) -> String {
    let (p, named) = resolve(root, p);
    let mut types: Vec<String> = match &p["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    types.retain(|t| t != "null");
    let mut words = Vec::new();
    let values = enum_values(p);
    if !values.is_empty() {
        words.push(format!("one of {}", values.join("|")));
    } else if let Some(name) = named {
        words.push(format!(
            "{} ({name})",
            types.first().map_or("object", String::as_str)
        ));
    } else if types.first().is_some_and(|t| t == "array") {
        let (item, _) = resolve(root, &p["items"]);
        let item_kind = item["type"].as_str().unwrap_or("value");
        let format = item["format"]
            .as_str()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        words.push(format!("array of {item_kind}{format}"));
    } else {
        words.push(types.join("|"));
        // a number's width (`int64`, `double`) says nothing a person needs
        if let Some(f) = p["format"].as_str().filter(|f| !is_number_width(f)) {
            words.push(format!("({f})"));
        }
    }
    let mut extra = Vec::new();
    let bound = |lo: &str, hi: &str, unit: &str| -> Option<String> {
        match (p[lo].as_i64(), p[hi].as_i64()) {
            (Some(a), Some(b)) => Some(format!("{a}..={b}{unit}")),
            (Some(a), None) => Some(format!("at least {a}{unit}")),
            (None, Some(b)) => Some(format!("at most {b}{unit}")),
            (None, None) => None,
        }
    };
    extra.extend(bound("minimum", "maximum", ""));
    extra.extend(bound("minLength", "maxLength", " chars"));
    extra.extend(bound("minItems", "maxItems", " items"));
    if let Some(d) = p.get("default").filter(|d| !d.is_null()) {
        extra.push(format!("default {d}"));
    }
    let head = words.join(" ");
    if extra.is_empty() {
        head
    } else {
        format!("{head}, {}", extra.join(", "))
    }
}

fn is_number_width(format: &str) -> bool {
    format.starts_with("int")
        || format.starts_with("uint")
        || format == "double"
        || format == "float"
}

/// A `$ref` (`#/$defs/Name`) followed to its definition, with the definition's name.
fn resolve<'a>(root: &'a Value, p: &'a Value) -> (&'a Value, Option<String>) {
    let reference = p["$ref"].as_str().or_else(|| {
        // `Option<Named>` is `anyOf: [{$ref}, {type: null}]`
        p["anyOf"]
            .as_array()?
            .iter()
            .find_map(|a| a["$ref"].as_str())
    });
    match reference.and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => (&root["$defs"][name], Some(name.to_string())),
        None => (p, None),
    }
}

/// The values of a string enum (`enum`, or `oneOf` of `const`s with descriptions).
fn enum_values(p: &Value) -> Vec<String> {
    if let Some(e) = p["enum"].as_array() {
        return e
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    p["oneOf"]
        .as_array()
        .map(|alts| {
            alts.iter()
                .filter_map(|a| a["const"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::output::strip;

    fn call(service: &str, handler: &str) -> PublicCall {
        public_calls()
            .into_iter()
            .find(|c| c.service == service && c.handler == handler)
            .unwrap()
    }

    #[test]
    fn a_bookings_fields_show_required_ones_formats_bounds_and_defaults() {
        let schema = call("Bookings", "create").request_schema().to_value();
        let f = fields(&schema);
        let by = |n: &str| f.iter().find(|x| x.name == n).unwrap().clone();
        assert!(by("starts_at").required);
        assert_eq!(by("starts_at").kind, "string (date-time)");
        assert!(!by("seats").required);
        assert_eq!(by("seats").kind, "integer, 1..=50, default 1");
        assert_eq!(by("payment_method").kind, "string, 1..=200 chars");
        assert!(by("payment_method").description.contains("pm_card_visa"));
    }

    #[test]
    fn named_types_and_enums_are_shown_by_name_and_values() {
        let schema = call("Workspaces", "create").request_schema().to_value();
        let f = fields(&schema);
        let hours = f.iter().find(|x| x.name == "hours").unwrap();
        assert_eq!(hours.kind, "object (WeekSpec)");
        let closures = f.iter().find(|x| x.name == "closures").unwrap();
        assert_eq!(closures.kind, "array of string, at most 366 items");
        assert_eq!(
            one_of(&schema).unwrap(),
            "exactly one of: opens_at + closes_at | hours"
        );
    }

    #[test]
    fn the_listing_has_every_call_of_a_service_with_its_fields_or_an_empty_body() {
        let calls = select(public_calls(), Some("booking")).unwrap();
        let text = strip(&render(&calls));
        assert!(
            text.starts_with("Booking\n  POST /Booking/{booking_id}/status  (member)"),
            "{text}"
        );
        assert!(text.contains("body: {} (may be left out)"), "{text}");
        assert!(
            text.contains("reason  optional  string, at most 500 chars  Why"),
            "{text}"
        );
        assert!(!text.contains("/Bookings/create"), "{text}");
    }

    #[test]
    fn an_unknown_service_is_refused_naming_the_known_ones() {
        let e = select(public_calls(), Some("Nope"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Auth, Users, Workspaces, Bookings, Booking"),
            "{e}"
        );
    }

    #[test]
    fn json_has_the_path_access_fields_and_whole_schema() {
        let v = call_json(&call("Admin", "promote"));
        assert_eq!(v["path"], "/Admin/promote");
        assert_eq!(v["access"], "admin");
        assert_eq!(v["fields"][0]["name"], "email");
        assert_eq!(v["request_schema"]["required"], json!(["email"]));
    }
}
