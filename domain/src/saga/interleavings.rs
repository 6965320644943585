//! The saga's test layer, in the manner of Temporal's saga tests but without a server:
//! every progress point of the saga x what ended it x what the provider really holds x when a
//! cancel is carried out, each checked against the invariants (`invariants`). A proptest then
//! throws arbitrary inputs, also ones the forward path cannot reach, at the same check.

use super::invariants::{Case, check};
use super::*;
use crate::booking::BookingStatus as S;
use crate::refund::RefundPolicy;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 3, 9, 0, 0).unwrap()
}

fn ends() -> Vec<End> {
    let cancel = |by| {
        End::Stopped(Stop::Cancelled {
            by,
            reason: format!("cancelled by {by:?}"),
        })
    };
    vec![
        End::SlotOver,
        End::Stopped(Stop::Invalid("the slot is in the past".into())),
        End::Stopped(Stop::NoSeat("no free seat left in this slot".into())),
        End::Stopped(Stop::Declined("card_declined".into())),
        End::Stopped(Stop::hold_expired(600)),
        End::Stopped(Stop::unavailable(
            "the provider did not answer",
            "Payment/capture",
        )),
        cancel(Canceller::Member),
        cancel(Canceller::Admin),
        End::Stopped(Stop::operator()),
    ]
}

const AMOUNT: i64 = 1000;

/// What the provider may hold for a payment that was sent: the saga may have heard none of it.
fn provider_states() -> Vec<ProviderState> {
    use ProviderState as P;
    let captured = |captured, refunded| P::Captured { captured, refunded };
    vec![
        P::Absent,
        P::Open,
        P::Authorized,
        P::Closed,
        captured(AMOUNT, 0),
        captured(AMOUNT, 300),
        captured(AMOUNT, AMOUNT),
        captured(400, 0),
    ]
}

/// The saga's progress points: where its forward path can be when something ends it. Several
/// moments share one point because the saga knows no more about them (authorizing, authorized
/// and capturing without 3-D Secure; awaiting 3-D Secure and capturing after it): the provider
/// states enumerated with them tell them apart.
fn progress_points() -> Vec<(&'static str, Progress)> {
    let at = |status, hold_sent, payment_sent, confirmed| Progress {
        status,
        hold_sent,
        payment_sent,
        confirmed,
    };
    vec![
        ("checking the request", at(S::Pending, false, false, false)),
        ("holding the seats", at(S::Pending, true, false, false)),
        (
            "seats held, nothing to pay yet",
            at(S::Held, true, false, false),
        ),
        (
            "authorizing, authorized, capturing",
            at(S::Held, true, true, false),
        ),
        (
            "awaiting 3-D Secure, then capturing",
            at(S::AwaitingPayment, true, true, false),
        ),
        (
            "confirming a paid booking",
            at(S::Confirmed, true, true, false),
        ),
        (
            "confirming a free booking",
            at(S::Confirmed, true, false, false),
        ),
        ("confirmed, paid", at(S::Confirmed, true, true, true)),
        ("confirmed, free", at(S::Confirmed, true, false, true)),
    ]
}

/// When a cancel is carried out, around the refund policy's lines.
fn cancel_times() -> Vec<DateTime<Utc>> {
    let s = start();
    vec![
        s - Duration::hours(48),
        s - Duration::hours(24),
        s - Duration::hours(23),
        s - Duration::minutes(1),
        s,
        s + Duration::minutes(30),
    ]
}

/// Every interleaving of progress point x end x provider state x cancel time.
fn interleavings() -> Vec<(&'static str, Case)> {
    let mut all = Vec::new();
    for (name, progress) in progress_points() {
        // a payment never sent exists nowhere at the provider
        let states = if progress.payment_sent {
            provider_states()
        } else {
            vec![ProviderState::Absent]
        };
        for end in ends() {
            for &provider in &states {
                for now in cancel_times() {
                    all.push((
                        name,
                        Case {
                            progress,
                            end: end.clone(),
                            provider,
                            amount: AMOUNT,
                            policy: RefundPolicy::default(),
                            starts_at: start(),
                            now,
                        },
                    ));
                }
            }
        }
    }
    all
}

#[test]
fn every_interleaving_keeps_the_invariants() {
    let all = interleavings();
    // 4 points with a payment sent x 8 provider states + 5 without x 1, x 9 ends x 6 times
    assert_eq!(all.len(), (4 * 8 + 5) * 9 * 6);
    for (name, case) in &all {
        if let Err(broken) = check(case) {
            panic!("{name}: {broken}");
        }
    }
}

#[test]
fn the_settle_depends_on_the_provider_not_on_how_far_the_saga_thinks_the_payment_got() {
    // before confirmation the saga's memory (authorizing, awaiting 3-D Secure, confirming)
    // changes nothing: the same end and the same provider state settle the same way
    let unconfirmed_paid: Vec<_> = interleavings()
        .into_iter()
        .filter(|(_, c)| c.progress.payment_sent && !c.progress.confirmed)
        .collect();
    for (_, a) in &unconfirmed_paid {
        for (_, b) in &unconfirmed_paid {
            if a.end == b.end && a.provider == b.provider && a.now == b.now {
                let (oa, ob) = (check(a).unwrap(), check(b).unwrap());
                assert_eq!(oa.action, ob.action, "{a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn a_capture_the_saga_never_heard_of_is_refunded_in_full() {
    let o = check(&Case {
        progress: Progress {
            status: S::Held,
            hold_sent: true,
            payment_sent: true,
            confirmed: false,
        },
        end: End::Stopped(Stop::operator()),
        provider: ProviderState::Captured {
            captured: AMOUNT,
            refunded: 0,
        },
        amount: AMOUNT,
        policy: RefundPolicy::default(),
        starts_at: start(),
        now: start() - Duration::hours(1),
    })
    .unwrap();
    assert_eq!(o.action, Some(SettleAction::Refund(AMOUNT)));
    assert_eq!(o.net_after, 0);
}

#[test]
fn every_combination_of_the_sagas_facts_ends_final() {
    // also the ones the forward path cannot reach (a final status, confirmed while pending):
    // the plan is total
    for status in S::ALL {
        for bits in 0..8u8 {
            let progress = Progress {
                status,
                hold_sent: bits & 1 != 0,
                payment_sent: bits & 2 != 0,
                confirmed: bits & 4 != 0,
            };
            for end in ends() {
                let p = plan(progress, &end);
                assert!(p.final_status.is_final(), "{progress:?} {end:?} -> {p:?}");
                assert!(!p.release_seats || progress.hold_sent);
                assert!(!p.settle_payment || progress.payment_sent);
            }
        }
    }
}

fn any_status() -> impl Strategy<Value = S> {
    prop::sample::select(S::ALL.to_vec())
}

fn any_end() -> impl Strategy<Value = End> {
    (0..9usize, "[a-z ]{0,12}").prop_map(|(i, r)| match i {
        0 => End::SlotOver,
        1 => End::Stopped(Stop::Invalid(r)),
        2 => End::Stopped(Stop::NoSeat(r)),
        3 => End::Stopped(Stop::Declined(r)),
        4 => End::Stopped(Stop::Expired(r)),
        5 => End::Stopped(Stop::GaveUp(r)),
        6 => End::Stopped(Stop::Cancelled {
            by: Canceller::Member,
            reason: r,
        }),
        7 => End::Stopped(Stop::Cancelled {
            by: Canceller::Admin,
            reason: r,
        }),
        _ => End::Stopped(Stop::Cancelled {
            by: Canceller::Operator,
            reason: r,
        }),
    })
}

fn any_provider(amount: i64) -> impl Strategy<Value = ProviderState> {
    let captured = (0..=amount.max(0) * 2).prop_flat_map(|captured| {
        (0..=captured).prop_map(move |refunded| ProviderState::Captured { captured, refunded })
    });
    prop_oneof![
        Just(ProviderState::Absent),
        Just(ProviderState::Open),
        Just(ProviderState::Authorized),
        Just(ProviderState::Closed),
        captured,
    ]
}

fn any_case() -> impl Strategy<Value = Case> {
    (
        (any_status(), any::<[bool; 3]>()),
        any_end(),
        0..100_000i64,
        (0..72i64, -10..=110i64),
        (-100 * 60..100 * 60i64),
    )
        .prop_flat_map(|((status, [h, p, c]), end, amount, (hours, pct), offset)| {
            any_provider(amount).prop_map(move |provider| Case {
                progress: Progress {
                    status,
                    hold_sent: h,
                    payment_sent: p,
                    confirmed: c,
                },
                end: end.clone(),
                provider,
                amount,
                policy: RefundPolicy {
                    full_refund_before: Duration::hours(hours),
                    late_refund_percent: pct,
                },
                starts_at: start(),
                now: start() + Duration::minutes(offset),
            })
        })
}

proptest! {
    #[test]
    fn arbitrary_interleavings_keep_the_invariants(case in any_case()) {
        check(&case).map_err(TestCaseError::fail)?;
    }
}
