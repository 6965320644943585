use super::*;
use chrono_tz::Europe::Berlin;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn pair(o: &str, c: &str) -> Option<Vec<String>> {
    Some(vec![o.to_string(), c.to_string()])
}

/// Monday to Saturday 08:00-20:00, closed on Sundays.
fn weekdays() -> Schedule {
    let h = pair("08:00", "20:00");
    Schedule::weekly(&WeekSpec {
        mon: h.clone(),
        tue: h.clone(),
        wed: h.clone(),
        thu: h.clone(),
        fri: h.clone(),
        sat: h,
        sun: None,
    })
    .unwrap()
}

fn every_day(o: &str, c: &str) -> Schedule {
    Schedule::daily(OpeningHours::parse(o, c).unwrap())
}

#[test]
fn a_closed_weekday_has_no_open_time() {
    let s = weekdays();
    assert_eq!(s.on(date("2031-12-21")), Day::ClosedWeekday);
    assert_eq!(s.open_slot(date("2031-12-21"), Berlin), None);
    let monday = s.open_slot(date("2031-12-22"), Berlin).unwrap();
    assert_eq!(monday.starts_at, utc("2031-12-22T07:00:00Z"));
    assert_eq!(monday.ends_at, utc("2031-12-22T19:00:00Z"));
    assert_eq!(day_name(date("2031-12-21")), "Sunday 2031-12-21");
}

#[test]
fn a_closure_date_closes_an_otherwise_open_day() {
    let closures = parse_closures(&["2031-12-24".into(), "2031-12-31".into()]).unwrap();
    let s = weekdays().with_closures(closures);
    assert_eq!(s.on(date("2031-12-24")), Day::Closure);
    assert_eq!(s.open_slot(date("2031-12-24"), Berlin), None);
    assert!(s.open_slot(date("2031-12-23"), Berlin).is_some());
    assert_eq!(s.closure_strings(), vec!["2031-12-24", "2031-12-31"]);
}

#[test]
fn spring_forward_opens_at_the_first_valid_instant() {
    // 2031-03-30, Berlin: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day
    let s = every_day("02:30", "20:00");
    let day = s.open_slot(date("2031-03-30"), Berlin).unwrap();
    assert_eq!(day.starts_at, utc("2031-03-30T01:00:00Z"), "03:00 CEST");
    assert_eq!(day.ends_at, utc("2031-03-30T18:00:00Z"), "20:00 CEST");
    // the day before opens at 02:30 CET as written
    let before = s.open_slot(date("2031-03-29"), Berlin).unwrap();
    assert_eq!(before.starts_at, utc("2031-03-29T01:30:00Z"));
    // a closing time inside the gap closes when the gap ends
    let s = every_day("01:00", "02:30");
    let day = s.open_slot(date("2031-03-30"), Berlin).unwrap();
    assert_eq!(day.ends_at - day.starts_at, Duration::hours(1));
}

#[test]
fn fall_back_hours_are_the_hours_that_really_pass() {
    // 2031-10-26, Berlin: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice
    let s = every_day("02:30", "20:00");
    let day = s.open_slot(date("2031-10-26"), Berlin).unwrap();
    assert_eq!(
        day.starts_at,
        utc("2031-10-26T00:30:00Z"),
        "the first 02:30"
    );
    assert_eq!(day.ends_at, utc("2031-10-26T19:00:00Z"), "20:00 CET");
    assert_eq!(day.ends_at - day.starts_at, Duration::minutes(18 * 60 + 30));
    // open 01:00-20:00 across each change: 19 wall-clock hours are 20 real ones in autumn
    // and 18 in spring; a day without a change is 19
    let s = every_day("01:00", "20:00");
    let local_day = |from: &str, to: &str| TimeSlot::new(utc(from), utc(to)).unwrap();
    let autumn = local_day("2031-10-26T00:00:00+02:00", "2031-10-27T00:00:00+01:00");
    assert_eq!(s.open_within(Berlin, autumn), Duration::hours(20));
    let spring = local_day("2031-03-30T00:00:00+01:00", "2031-03-31T00:00:00+02:00");
    assert_eq!(s.open_within(Berlin, spring), Duration::hours(18));
    let plain = local_day("2031-03-29T00:00:00+01:00", "2031-03-30T00:00:00+01:00");
    assert_eq!(s.open_within(Berlin, plain), Duration::hours(19));
}

#[test]
fn open_time_in_a_window_leaves_out_closed_days() {
    // Monday 2031-12-15 00:00 to Monday 2031-12-22 00:00 (Berlin): six days of twelve hours
    let window = TimeSlot::new(utc("2031-12-14T23:00:00Z"), utc("2031-12-21T23:00:00Z")).unwrap();
    assert_eq!(weekdays().open_within(Berlin, window), Duration::hours(72));
    let closures = parse_closures(&["2031-12-17".into()]).unwrap();
    let s = weekdays().with_closures(closures);
    assert_eq!(s.open_within(Berlin, window), Duration::hours(60));
    // a window cutting into a day counts only its part
    let part = TimeSlot::new(utc("2031-12-15T17:00:00Z"), utc("2031-12-16T08:00:00Z")).unwrap();
    assert_eq!(weekdays().open_within(Berlin, part), Duration::hours(3));
}

#[test]
fn the_old_daily_form_is_every_day_alike() {
    let s = every_day("08:00", "20:00");
    let d = s.as_daily().unwrap();
    assert_eq!(
        (d.opens_str(), d.closes_str()),
        ("08:00".into(), "20:00".into())
    );
    assert_eq!(s.spec().sun, pair("08:00", "20:00"));
    assert_eq!(s.widest(), d);
    assert!(s.open_slot(date("2031-12-21"), Berlin).is_some());
    assert_eq!(weekdays().as_daily(), None);
    // the spec round-trips, and seven equal days are the daily form again
    assert_eq!(Schedule::weekly(&s.spec()).unwrap(), s);
}

#[test]
fn the_widest_hours_span_the_week() {
    let s = Schedule::weekly(&WeekSpec {
        mon: pair("09:00", "17:00"),
        sat: pair("10:00", "22:00"),
        ..WeekSpec::default()
    })
    .unwrap();
    let w = s.widest();
    assert_eq!(
        (w.opens_str(), w.closes_str()),
        ("09:00".into(), "22:00".into())
    );
    assert_eq!(s.spec().tue, None);
}

#[test]
fn bad_hours_name_the_day() {
    let cases = [
        (
            WeekSpec {
                tue: pair("20:00", "08:00"),
                ..WeekSpec::default()
            },
            "hours.tue",
        ),
        (
            WeekSpec {
                mon: pair("08:00", "20:00"),
                fri: Some(vec!["08:00".into()]),
                ..WeekSpec::default()
            },
            "hours.fri",
        ),
        (
            WeekSpec {
                sun: pair("8", "20:00"),
                ..WeekSpec::default()
            },
            "hours.sun",
        ),
        (WeekSpec::default(), "hours"),
    ];
    for (spec, field) in cases {
        match Schedule::weekly(&spec) {
            Err(DomainError::Field { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn bad_closures_name_the_entry() {
    let raw: Vec<String> = ["2031-12-24", "2031-12-31", "2031-02-30"]
        .map(String::from)
        .to_vec();
    let e = parse_closures(&raw).unwrap_err();
    assert!(e.to_string().starts_with("closures[2]:"), "{e}");
    assert!(parse_closures(&["24.12.2031".into()]).is_err());
    let many: Vec<String> = (0..=MAX_CLOSURES as i64)
        .map(|i| (date("2031-01-01") + Duration::days(i)).to_string())
        .collect();
    let e = parse_closures(&many).unwrap_err();
    assert!(e.to_string().starts_with("closures:"), "{e}");
    assert_eq!(
        parse_closures(&many[..MAX_CLOSURES]).unwrap().len(),
        MAX_CLOSURES
    );
    // the same date twice counts once
    assert_eq!(
        parse_closures(&["2031-12-24".into(), "2031-12-24".into()])
            .unwrap()
            .len(),
        1
    );
}
