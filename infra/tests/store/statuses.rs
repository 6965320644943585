//! The domain's status lists against the schema and the queries. The migrations are applied
//! files with checksums, so they keep their own copies of the seat-holding list (the capacity
//! triggers, the partial index `bookings_seat_holding`) and cannot be rewritten from the
//! domain: these tests pin those copies to [`BookingStatus::SEAT_HOLDING`] instead. The store's
//! queries are built from the domain's lists; the last test checks what they select.

use crate::support::{booking, stores, user, workspace};
use deskflow_domain::booking::BookingStatus;
use deskflow_domain::payment::PaymentStatus;
use deskflow_infra::InfraError;
use deskflow_infra::store::Backend;
use deskflow_infra::store::bookings::{BookingFilter, BookingRow, Released};
use deskflow_infra::store::payments::PaymentRow;
use sqlx::Row;

const H: i64 = 3_600_000;

fn in_status(b: BookingRow, status: BookingStatus) -> BookingRow {
    BookingRow { status, ..b }
}

/// The stored names of `statuses`, sorted.
fn names(statuses: impl IntoIterator<Item = BookingStatus>) -> Vec<String> {
    let mut v: Vec<String> = statuses
        .into_iter()
        .map(|s| s.as_str().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_status_column_takes_every_domain_status_and_nothing_else() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 20)).await.unwrap();
        for st in BookingStatus::ALL {
            s.insert_booking(&in_status(booking(st.as_str(), "w", 9, 10, 1), st))
                .await
                .unwrap_or_else(|e| panic!("{db}: {st:?}: {e}"));
        }
        // a name the domain does not know is refused
        // (the typed row cannot name it, so the insert is written out)
        for name in ["bogus", "Waitlisted"] {
            let insert = sqlx::query(
                "INSERT INTO bookings (id, user_id, workspace_id, starts_at, ends_at, seats, status, reason, amount_cents, currency, created_at, updated_at)
                 VALUES ($1, 'u1', 'w', 0, 1, 1, $2, NULL, 100, 'EUR', 0, 0)",
            )
            .bind(name)
            .bind(name)
            .execute(s.pool())
            .await;
            assert!(insert.is_err(), "{db}: {name}");
            assert!(s.booking(name).await.unwrap().is_none(), "{db}: {name}");
        }
    }
}

/// Inserts `b` into a workspace whose one seat is taken: whether the capacity guard refused it.
async fn refused(db: &str, s: &deskflow_infra::Store, b: &BookingRow) -> bool {
    match s.insert_booking(b).await {
        Ok(()) => false,
        Err(InfraError::CapacityExceeded) => true,
        Err(e) => panic!("{db}: {}: {e}", b.id),
    }
}

#[tokio::test]
async fn the_capacity_trigger_counts_and_checks_exactly_the_seat_holding_statuses() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        for st in BookingStatus::ALL {
            let holds = BookingStatus::SEAT_HOLDING.contains(&st);

            // the seats in use: a booking in `st` takes the one seat, then a held one asks
            let ws = format!("sum-{}", st.as_str());
            s.insert_workspace(&workspace(&ws, 1)).await.unwrap();
            s.insert_booking(&in_status(booking(&format!("{ws}-a"), &ws, 9, 11, 1), st))
                .await
                .unwrap_or_else(|e| panic!("{db}: {st:?}: {e}"));
            let asks = booking(&format!("{ws}-b"), &ws, 10, 11, 1);
            assert_eq!(
                refused(db, &s, &asks).await,
                holds,
                "{db}: a {st:?} booking counts against capacity iff it holds seats"
            );

            // the bookings checked: a held booking takes the one seat, then one in `st` asks
            let ws = format!("gate-{}", st.as_str());
            s.insert_workspace(&workspace(&ws, 1)).await.unwrap();
            s.insert_booking(&booking(&format!("{ws}-a"), &ws, 9, 11, 1))
                .await
                .unwrap();
            let asks = in_status(booking(&format!("{ws}-b"), &ws, 10, 11, 1), st);
            assert_eq!(
                refused(db, &s, &asks).await,
                holds,
                "{db}: a new {st:?} booking is checked against capacity iff it holds seats"
            );
        }
    }
}

#[tokio::test]
async fn the_seat_holding_index_names_exactly_the_seat_holding_statuses_in_their_order() {
    for (db, s, _d) in stores().await {
        let sql = match s.backend() {
            Backend::Sqlite => {
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'bookings_seat_holding'"
            }
            Backend::Postgres => {
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'bookings_seat_holding'"
            }
        };
        let def: String = sqlx::query(sql)
            .fetch_one(s.pool())
            .await
            .unwrap_or_else(|e| panic!("{db}: {e}"))
            .get(0);
        let (_, predicate) = def
            .split_once("WHERE")
            .unwrap_or_else(|| panic!("{db}: not a partial index: {def}"));
        // a membership test on the status column (SQLite keeps `IN (...)` as written;
        // PostgreSQL shows `status = ANY (ARRAY[...])`), not its negation
        let upper = predicate.to_uppercase();
        assert!(
            upper.contains("STATUS")
                && (upper.contains(" IN ") || upper.contains("= ANY"))
                && !upper.contains("NOT")
                && !upper.contains("<>"),
            "{db}: {def}"
        );
        // in order: SQLite uses a partial index only for a query whose `IN (...)` is the
        // index's own, and the store writes its list in the domain's order
        let named: Vec<&str> = predicate.split('\'').skip(1).step_by(2).collect();
        let want: Vec<&str> = BookingStatus::SEAT_HOLDING
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(named, want, "{db}: {def}");
    }
}

#[tokio::test]
async fn the_stores_status_filters_select_by_the_domain_lists() {
    for (db, s, _d) in stores().await {
        s.insert_user(&user("u1", "ann@x.io"), "h").await.unwrap();
        s.insert_workspace(&workspace("w", 20)).await.unwrap();
        for st in BookingStatus::ALL {
            let id = st.as_str();
            s.insert_booking(&in_status(booking(id, "w", 9, 10, 1), st))
                .await
                .unwrap();
            s.insert_payment(&PaymentRow {
                id: format!("p-{id}"),
                booking_id: id.into(),
                provider_ref: None,
                status: PaymentStatus::Captured,
                amount_cents: 100,
                captured_cents: 100,
                refunded_cents: 0,
                currency: "EUR".into(),
                created_at: 1,
                updated_at: 1,
            })
            .await
            .unwrap();
        }
        let seat_holding = names(BookingStatus::SEAT_HOLDING);
        let in_flight = names(BookingStatus::IN_FLIGHT);
        let settled = names(BookingStatus::ALL.into_iter().filter(|s| !s.in_flight()));

        // seats: availability, a hold's plan and reconciliation count the seat-holding ones
        let occupied = s.occupied("w", 0, 24 * H, 0).await.unwrap();
        assert_eq!(occupied.len(), seat_holding.len(), "{db}");
        let plan = s
            .seat_plan("w", 0, 24 * H, "x", Some(0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(plan.occupied.len(), seat_holding.len(), "{db}");
        let seats = s.seats_to_reconcile(0).await.unwrap();
        assert_eq!(seats.len(), 1, "{db}: {seats:?}");
        let mut held: Vec<String> = seats[0].2.iter().map(|h| h.0.clone()).collect();
        held.sort();
        assert_eq!(held, seat_holding, "{db}");

        // in flight: Admin/bookings' "unchanged since" lists those, reconciliation the others
        let stuck = s
            .bookings_matching(&BookingFilter {
                unchanged_since_ms: Some(2),
                ..BookingFilter::default()
            })
            .await
            .unwrap();
        let mut stuck: Vec<String> = stuck.into_iter().map(|b| b.id).collect();
        stuck.sort();
        assert_eq!(stuck, in_flight, "{db}");
        let paid = s.paid_bookings_to_reconcile().await.unwrap();
        let mut paid: Vec<String> = paid.into_iter().map(|p| p.booking_id).collect();
        paid.sort();
        assert_eq!(paid, settled, "{db}");

        // a release moves exactly the open ones, and frees seats only for the seat-holding
        // ones (last: it changes their status)
        for st in BookingStatus::ALL {
            let released = s
                .release_booking(st.as_str(), BookingStatus::Cancelled, None, 3)
                .await
                .unwrap();
            assert_eq!(
                released.any(),
                BookingStatus::OPEN.contains(&st),
                "{db}: {st:?}"
            );
            assert_eq!(
                matches!(released, Released::Seats { .. }),
                BookingStatus::SEAT_HOLDING.contains(&st),
                "{db}: {st:?}"
            );
        }
    }
}
