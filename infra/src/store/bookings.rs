//! Bookings as the system of record sees them. The Booking workflow owns their lifecycle; this
//! module writes rows and answers the reads of users, availability and reports.

use super::statuses;
use super::{Store, on_capacity};
use crate::InfraError;
use deskflow_domain::booking::BookingStatus;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRow {
    pub id: String,
    pub user_id: String,
    pub workspace_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub seats: i64,
    pub status: BookingStatus,
    pub reason: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// the hourly rate it was booked at (what a reschedule prices its new slot at). A row
    /// written without one (a booking whose journal was priced before the rate was kept) is
    /// given the workspace's rate when it is written, as the upgrade gave older rows theirs.
    pub hourly_rate_cents: Option<i64>,
}

const COLS: &str = "id, user_id, workspace_id, starts_at, ends_at, seats, status, reason, amount_cents, currency, created_at, updated_at, hourly_rate_cents";

fn booking_from(r: &sqlx::any::AnyRow) -> Result<BookingRow, sqlx::Error> {
    Ok(BookingRow {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        workspace_id: r.try_get(2)?,
        starts_at: r.try_get(3)?,
        ends_at: r.try_get(4)?,
        seats: r.try_get::<i32, _>(5)? as i64,
        status: statuses::booking_status(r, 6)?,
        reason: r.try_get(7)?,
        amount_cents: r.try_get(8)?,
        currency: r.try_get(9)?,
        created_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
        hourly_rate_cents: r.try_get(12)?,
    })
}

impl Store {
    /// Inserts a booking; the capacity guard refuses it with [`InfraError::CapacityExceeded`]
    /// when its seats do not fit. Re-inserting the same id (a retried step) is a no-op.
    pub async fn insert_booking(&self, b: &BookingRow) -> Result<(), InfraError> {
        self.insert_row(b, false).await.map(|_| ())
    }

    /// As [`Store::insert_booking`], for a hold: only while the member's account is open, in
    /// the same statement, so no booking of a deleted account can take seats after the
    /// deletion listed its bookings. Answers the status the row has afterwards: `b`'s when it
    /// went in, the stored one when the row was there already (a retried hold that had written
    /// it otherwise, e.g. `waitlisted` instead of `held`); `None` when the account is closed
    /// (nothing written).
    pub async fn hold_booking(&self, b: &BookingRow) -> Result<Option<BookingStatus>, InfraError> {
        self.insert_row(b, true).await
    }

    /// Inserts `b` (only for an open account when `open_account`); the status of the row
    /// afterwards, `None` when there is none (the account is closed).
    async fn insert_row(
        &self,
        b: &BookingRow,
        open_account: bool,
    ) -> Result<Option<BookingStatus>, InfraError> {
        let only = if open_account {
            " WHERE EXISTS (SELECT 1 FROM users WHERE id = $2 AND active = 1)"
        } else {
            // SQLite reads `SELECT .. ON CONFLICT` unambiguously only after a WHERE
            " WHERE 1 = 1"
        };
        let inserted = sqlx::query(&format!(
            "INSERT INTO bookings ({COLS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, COALESCE($13, (SELECT w.hourly_rate_cents FROM workspaces w WHERE w.id = $3)){only} ON CONFLICT (id) DO NOTHING"
        ))
        .bind(&b.id)
        .bind(&b.user_id)
        .bind(&b.workspace_id)
        .bind(b.starts_at)
        .bind(b.ends_at)
        .bind(b.seats as i32)
        .bind(b.status.as_str())
        .bind(&b.reason)
        .bind(b.amount_cents)
        .bind(&b.currency)
        .bind(b.created_at)
        .bind(b.updated_at)
        .bind(b.hourly_rate_cents)
        .execute(&mut self.conn().await?)
        .await
        .map_err(on_capacity);
        match inserted {
            Ok(done) if done.rows_affected() == 1 => Ok(Some(b.status)),
            // nothing inserted: the row is there already (a retried step), or the account is closed
            Ok(_) => Ok(self.booking(&b.id).await?.map(|r| r.status)),
            // the guard runs before the conflict is seen, and counts the row itself when it is
            // there already: a retried insert of a booking that is in is still a no-op
            Err(InfraError::CapacityExceeded) => match self.booking(&b.id).await? {
                Some(row) => Ok(Some(row.status)),
                None => Err(InfraError::CapacityExceeded),
            },
            Err(e) => Err(e),
        }
    }

    pub async fn booking(&self, id: &str) -> Result<Option<BookingRow>, InfraError> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM bookings WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut self.conn().await?)
            .await?;
        Ok(row.map(|r| booking_from(&r)).transpose()?)
    }

    /// A user's bookings, newest first.
    pub async fn bookings_of_user(&self, user_id: &str) -> Result<Vec<BookingRow>, InfraError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM bookings WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 500"
        ))
        .bind(user_id)
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        Ok(rows.iter().map(booking_from).collect::<Result<_, _>>()?)
    }

    /// Seats taken in a workspace during `[from, to)`: `(starts, ends, seats)` of the
    /// seat-holding bookings that overlap it, and of the waitlisted bookings whose reservation
    /// stands at `now` (see [`Store::seat_plan`]).
    pub async fn occupied(
        &self,
        workspace_id: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<Vec<(i64, i64, i64)>, InfraError> {
        let rows = sqlx::query(&rows_taking_seats(None, Some("$4")))
            .bind(workspace_id)
            .bind(to)
            .bind(from)
            .bind(now)
            .fetch_all(&mut self.conn().await?)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<i32, _>(2)? as i64)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(InfraError::from)
    }

    /// What a hold decides on, in one read: the workspace's state and capacity, and the
    /// seat-holding bookings other than `booking_id` that overlap `[from, to)`. With
    /// `reservations_at: Some(now)` the seats of waitlisted bookings that reserve (passed over
    /// often enough, see `deskflow_domain::waitlist`) and whose slot has not started at `now`
    /// count as taken too: what a new booking or a reschedule may not have. The waitlist's
    /// own round passes `None` (it applies the reservations itself). `None` when the
    /// workspace does not exist.
    pub async fn seat_plan(
        &self,
        workspace_id: &str,
        from: i64,
        to: i64,
        booking_id: &str,
        reservations_at: Option<i64>,
    ) -> Result<Option<SeatPlan>, InfraError> {
        let taken = rows_taking_seats(Some("$4"), reservations_at.map(|_| "$5"));
        let sql = format!(
            "SELECT w.active, w.capacity, b.starts_at, b.ends_at, b.seats FROM workspaces w
               LEFT JOIN ({taken}) b ON 1 = 1
              WHERE w.id = $1"
        );
        let mut q = sqlx::query(&sql)
            .bind(workspace_id)
            .bind(to)
            .bind(from)
            .bind(booking_id);
        if let Some(now) = reservations_at {
            q = q.bind(now);
        }
        let rows = q.fetch_all(&mut self.conn().await?).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut plan = SeatPlan {
            active: first.try_get::<i32, _>(0)? == 1,
            capacity: first.try_get::<i32, _>(1)? as i64,
            occupied: Vec::with_capacity(rows.len()),
        };
        for r in &rows {
            if let (Some(s), Some(e), Some(seats)) = (
                r.try_get::<Option<i64>, _>(2)?,
                r.try_get::<Option<i64>, _>(3)?,
                r.try_get::<Option<i32>, _>(4)?,
            ) {
                plan.occupied.push((s, e, seats as i64));
            }
        }
        Ok(Some(plan))
    }

    /// Moves a booking to `status` (with a reason) at `now`.
    pub async fn set_booking_status(
        &self,
        id: &str,
        status: BookingStatus,
        reason: Option<&str>,
        now: i64,
    ) -> Result<(), InfraError> {
        if !self.update_booking_status(id, status, reason, now).await? {
            return Err(InfraError::NotFound("booking"));
        }
        Ok(())
    }

    /// As [`Store::set_booking_status`], but a missing row is `Ok(false)` rather than an error:
    /// the caller inserts it then, without a SELECT first. A final status is never changed into
    /// another (`Ok(false)` as well): how a booking ended stays its story, whatever a late or
    /// second run of its flow writes. Writing the same final status again (with its reason)
    /// goes through.
    pub async fn update_booking_status(
        &self,
        id: &str,
        status: BookingStatus,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool, InfraError> {
        let open = statuses::open();
        let done = sqlx::query(&format!(
            "UPDATE bookings SET status = $1, reason = $2, updated_at = $3 WHERE id = $4 AND (status = $1 OR status IN {open})"
        ))
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// The statement reading `(starts_at, ends_at, seats)` of the rows that take seats in workspace
/// `$1` during `[$3, $2)`, other than the booking of parameter `not`: those that hold seats and,
/// with `reserving_at` (the parameter of the moment), the waitlisted ones whose reservation
/// stands then (their slot has not started).
///
/// Two SELECTs, not one with an OR: the first reads the partial index of seat-holding rows,
/// the second the time index over rows that start after now only. One condition with an OR
/// matches neither partial index, and the database walks every booking the workspace ever had
/// (the benchmark's growth run with 100,000 past bookings lost 18 % that way).
fn rows_taking_seats(not: Option<&str>, reserving_at: Option<&str>) -> String {
    let seat_holding = statuses::seat_holding();
    let not = not.map(|p| format!(" AND id <> {p}")).unwrap_or_default();
    let overlap = format!("workspace_id = $1 AND starts_at < $2 AND ends_at > $3{not}");
    let mut sql = format!(
        "SELECT starts_at, ends_at, seats FROM bookings WHERE {overlap} AND status IN {seat_holding}"
    );
    if let Some(now) = reserving_at {
        sql.push_str(&format!(
            " UNION ALL SELECT starts_at, ends_at, seats FROM bookings WHERE {overlap} \
              AND status = 'waitlisted' AND reserves = 1 AND starts_at > {now}"
        ));
    }
    sql
}

impl Store {
    /// Ends an open booking: moves it to the final `status` when it still holds seats or is
    /// waitlisted, and says what it gave back: nothing when there is no such row or it is final
    /// already (released before: a repeat is a no-op, and a final status is never overwritten
    /// by a late release).
    pub async fn release_booking(
        &self,
        id: &str,
        status: BookingStatus,
        reason: Option<&str>,
        now: i64,
    ) -> Result<Released, InfraError> {
        let Some(row) = self.booking(id).await? else {
            return Ok(Released::Nothing);
        };
        let open = statuses::open();
        let done = sqlx::query(&format!(
            "UPDATE bookings SET status = $1, reason = $2, updated_at = $3 WHERE id = $4 AND status IN {open}"
        ))
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(&mut self.conn().await?)
        .await?;
        Ok(match done.rows_affected() {
            0 if row.status.is_final() => Released::Ended {
                starts_at: row.starts_at,
                ends_at: row.ends_at,
            },
            0 => Released::Nothing,
            _ if row.status.occupies_seats() => Released::Seats {
                starts_at: row.starts_at,
                ends_at: row.ends_at,
            },
            _ => Released::Waiting,
        })
    }

    /// A waitlisted booking is served: its row moves to `held` (the caller, the workspace's
    /// Calendar, has checked that its seats fit; the capacity guard refuses it with
    /// [`InfraError::CapacityExceeded`] otherwise). `false` when it is no longer waitlisted, or
    /// its member's account is closed (a deletion is about to cancel it: it must not be charged
    /// first).
    pub async fn serve_waitlisted(&self, id: &str, now: i64) -> Result<bool, InfraError> {
        let done = sqlx::query(
            "UPDATE bookings SET status = 'held', reason = NULL, updated_at = $1 WHERE id = $2 AND status = 'waitlisted'
                AND EXISTS (SELECT 1 FROM users u WHERE u.id = bookings.user_id AND u.active = 1)",
        )
        .bind(now)
        .bind(id)
        .execute(&mut self.conn().await?)
        .await
        .map_err(on_capacity)?;
        Ok(done.rows_affected() > 0)
    }

    /// Waitlisted bookings that now reserve their seats (their serving round passed them over
    /// the last time the fairness rule allows). A row no longer waitlisted is left alone.
    pub async fn mark_reserving(&self, ids: &[String]) -> Result<(), InfraError> {
        for id in ids {
            sqlx::query("UPDATE bookings SET reserves = 1 WHERE id = $1 AND status = 'waitlisted'")
                .bind(id)
                .execute(&mut self.conn().await?)
                .await?;
        }
        Ok(())
    }

    /// The statuses of the bookings `ids` that have a row.
    pub async fn statuses_of(
        &self,
        ids: &[String],
    ) -> Result<Vec<(String, BookingStatus)>, InfraError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, status FROM bookings WHERE id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(&mut self.conn().await?).await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, statuses::booking_status(r, 1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(InfraError::from)
    }

    /// A confirmed booking moves to another slot (a reschedule the workspace's Calendar has
    /// found room for): its slot, seats and price change in one statement. Answers the slot it
    /// had, or `None` when it is not confirmed (nothing changes then).
    pub async fn move_booking(
        &self,
        id: &str,
        to: &BookingMove,
        now: i64,
    ) -> Result<Option<(i64, i64)>, InfraError> {
        let Some(row) = self
            .booking(id)
            .await?
            .filter(|b| b.status == BookingStatus::Confirmed)
        else {
            return Ok(None);
        };
        if (row.starts_at, row.ends_at, row.seats, row.amount_cents)
            == (to.starts_at, to.ends_at, to.seats, to.amount_cents)
        {
            // a retried step: moved already (the answer is the slot it had is lost, and not
            // needed: it was freed when the move first ran)
            return Ok(Some((row.starts_at, row.ends_at)));
        }
        let done = sqlx::query(
            "UPDATE bookings SET starts_at = $1, ends_at = $2, seats = $3, amount_cents = $4, updated_at = $5 WHERE id = $6 AND status = 'confirmed'",
        )
        .bind(to.starts_at)
        .bind(to.ends_at)
        .bind(to.seats as i32)
        .bind(to.amount_cents)
        .bind(now)
        .bind(id)
        .execute(&mut self.conn().await?)
        .await
        .map_err(on_capacity)?;
        Ok((done.rows_affected() > 0).then_some((row.starts_at, row.ends_at)))
    }
}

/// What [`Store::release_booking`] gave back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Released {
    /// nothing: no such booking
    Nothing,
    /// it was waitlisted: it held no seat
    Waiting,
    /// the seats of this slot
    Seats { starts_at: i64, ends_at: i64 },
    /// nothing now: it was final already (ended before, perhaps by this same release retried)
    Ended { starts_at: i64, ends_at: i64 },
}

impl Released {
    /// This release ended the booking.
    pub fn any(self) -> bool {
        matches!(self, Released::Waiting | Released::Seats { .. })
    }
}

/// Where a rescheduled booking moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingMove {
    pub starts_at: i64,
    pub ends_at: i64,
    pub seats: i64,
    pub amount_cents: i64,
}

/// See [`Store::seat_plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatPlan {
    pub active: bool,
    pub capacity: i64,
    /// `(starts, ends, seats)` of each overlapping seat-holding booking
    pub occupied: Vec<(i64, i64, i64)>,
}

/// The filters of `Admin/bookings`; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    pub status: Option<BookingStatus>,
    pub workspace_id: Option<String>,
    pub user_id: Option<String>,
    /// only bookings still in flight ([`BookingStatus::IN_FLIGHT`]) last changed before this
    /// instant (ms)
    ///
    /// [`BookingStatus::IN_FLIGHT`]: deskflow_domain::booking::BookingStatus::IN_FLIGHT
    pub unchanged_since_ms: Option<i64>,
}

impl Store {
    /// Bookings matching every set filter, most recently changed first, at most 500.
    pub async fn bookings_matching(
        &self,
        f: &BookingFilter,
    ) -> Result<Vec<BookingRow>, InfraError> {
        let in_flight = statuses::in_flight();
        // each filter is "$n IS NULL OR column = $n" (cast so PostgreSQL knows the type of a NULL), so one statement serves every combination
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM bookings
              WHERE (CAST($1 AS TEXT) IS NULL OR status = $1)
                AND (CAST($2 AS TEXT) IS NULL OR workspace_id = $2)
                AND (CAST($3 AS TEXT) IS NULL OR user_id = $3)
                AND (CAST($4 AS BIGINT) IS NULL OR (updated_at < $4 AND status IN {in_flight}))
              ORDER BY updated_at DESC, id LIMIT 500"
        ))
        .bind(f.status.map(BookingStatus::as_str))
        .bind(&f.workspace_id)
        .bind(&f.user_id)
        .bind(f.unchanged_since_ms)
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        Ok(rows.iter().map(booking_from).collect::<Result<_, _>>()?)
    }
}

/// The most rows `Workspaces/bookings` answers.
pub const WORKSPACE_BOOKINGS_LIMIT: i64 = 1000;

impl Store {
    /// A workspace's bookings starting in `[from, to)` (each bound optional, ms), by start,
    /// at most [`WORKSPACE_BOOKINGS_LIMIT`].
    pub async fn bookings_of_workspace(
        &self,
        workspace_id: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<BookingRow>, InfraError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM bookings
              WHERE workspace_id = $1
                AND (CAST($2 AS BIGINT) IS NULL OR starts_at >= $2)
                AND (CAST($3 AS BIGINT) IS NULL OR starts_at < $3)
              ORDER BY starts_at, id LIMIT {WORKSPACE_BOOKINGS_LIMIT}"
        ))
        .bind(workspace_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut self.listing_conn().await?)
        .await?;
        Ok(rows.iter().map(booking_from).collect::<Result<_, _>>()?)
    }
}
