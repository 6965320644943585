//! `--hours` and `--closures` of `deskflow workspaces create|update`, turned into the API's
//! JSON. `--hours` is either the API's own JSON object (`{"mon":["08:00","20:00"],...}`) or a
//! short form: `mon=08:00-20:00,sat=10:00-16:00,sun=closed`, where a day range such as
//! `mon-fri=08:00-20:00` sets each of its days and a day not mentioned is closed. The server
//! checks the times themselves (and names a bad day in its answer).

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(name: &str) -> anyhow::Result<usize> {
    DAYS.iter()
        .position(|d| *d == name.trim().to_ascii_lowercase())
        .with_context(|| {
            format!("--hours: unknown day {name:?}: use mon, tue, wed, thu, fri, sat, sun")
        })
}

/// `--hours` as the API's `hours` object (all seven days, `null` when closed).
pub(super) fn parse_hours(raw: &str) -> anyhow::Result<Value> {
    let raw = raw.trim();
    if raw.starts_with('{') {
        return serde_json::from_str(raw).context("--hours: not a JSON object");
    }
    let mut week: [Value; 7] = Default::default();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (days, hours) = part
            .split_once('=')
            .with_context(|| format!("--hours: {part:?} is not DAY=HH:MM-HH:MM or DAY=closed"))?;
        let (first, last) = match days.split_once('-') {
            Some((a, b)) => (day_index(a)?, day_index(b)?),
            None => (day_index(days)?, day_index(days)?),
        };
        if last < first {
            bail!("--hours: the day range {days:?} runs backwards");
        }
        let value = match hours.trim() {
            "closed" => Value::Null,
            h => {
                let (opens, closes) = h
                    .split_once('-')
                    .with_context(|| format!("--hours: {h:?} is not HH:MM-HH:MM"))?;
                json!([opens.trim(), closes.trim()])
            }
        };
        for day in &mut week[first..=last] {
            *day = value.clone();
        }
    }
    let mut out = Map::new();
    for (name, value) in DAYS.iter().zip(week) {
        out.insert(name.to_string(), value);
    }
    Ok(Value::Object(out))
}

/// `--closures 2031-12-24,2031-12-31` as the API's list (the server checks each date).
pub(super) fn parse_closures(raw: &str) -> Value {
    let dates: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    json!(dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_form_sets_days_and_ranges_and_leaves_the_rest_closed() {
        let v = parse_hours("mon-fri=08:00-20:00, sat=10:00-16:00,sun=closed").unwrap();
        assert_eq!(v["mon"], json!(["08:00", "20:00"]));
        assert_eq!(v["fri"], json!(["08:00", "20:00"]));
        assert_eq!(v["sat"], json!(["10:00", "16:00"]));
        assert_eq!(v["sun"], Value::Null);
        let v = parse_hours("tue=09:00-17:00").unwrap();
        assert_eq!(v["mon"], Value::Null);
        assert_eq!(v.as_object().unwrap().len(), 7);
    }

    #[test]
    fn the_json_form_passes_through_and_bad_forms_are_refused() {
        let v = parse_hours(r#"{"mon":["08:00","20:00"],"sun":null}"#).unwrap();
        assert_eq!(v["mon"], json!(["08:00", "20:00"]));
        for bad in [
            "monday=08:00-20:00",
            "mon 08:00-20:00",
            "mon=08:00",
            "fri-mon=closed",
            "{",
        ] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_closures("2031-12-24, 2031-12-31,"),
            json!(["2031-12-24", "2031-12-31"])
        );
    }
}
