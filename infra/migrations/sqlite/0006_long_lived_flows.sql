-- Long-lived flows: a booking may wait for a seat (`waitlisted`: holds none, owes nothing), and a
-- rescheduled booking has more than one payment (the difference of each reschedule is a payment
-- of its own, so the net charge of a booking is the sum over its payments).
--
-- SQLite cannot change a CHECK or drop a UNIQUE in place: both tables are rebuilt. `payments`
-- is the one table that references bookings: its rows wait in a copy without a foreign key
-- while bookings is rebuilt (dropping a referenced table with foreign keys on would leave
-- violations that fail the migration's commit), and come back into the new payments table.
CREATE TEMP TABLE payments_copy AS SELECT * FROM payments;
DROP TABLE payments;

CREATE TABLE bookings_new (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL CHECK (ends_at > starts_at),
    seats        INTEGER NOT NULL CHECK (seats >= 1),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'waitlisted', 'held', 'awaiting_payment',
                     'confirmed', 'completed', 'cancelled', 'rejected', 'expired', 'failed')),
    reason       TEXT,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
INSERT INTO bookings_new SELECT id, user_id, workspace_id, starts_at, ends_at, seats, status,
    reason, amount_cents, currency, created_at, updated_at FROM bookings;
DROP TABLE bookings;
ALTER TABLE bookings_new RENAME TO bookings;
CREATE INDEX bookings_workspace_time ON bookings (workspace_id, starts_at, ends_at);
CREATE INDEX bookings_user ON bookings (user_id, created_at);
CREATE INDEX bookings_status ON bookings (status, updated_at);
CREATE INDEX bookings_seat_holding ON bookings (workspace_id, starts_at, ends_at)
    WHERE status IN ('pending', 'held', 'awaiting_payment', 'confirmed');

-- The last line against overselling: whatever the services do, a write that would put more
-- seats in use at one instant than the workspace has fails. The peak is taken at every
-- booking start inside the new slot (seat use only changes there).
CREATE TRIGGER bookings_capacity_insert BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending', 'held', 'awaiting_payment', 'confirmed')
 AND NEW.seats + (
    SELECT COALESCE(MAX(used), 0) FROM (
        SELECT (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
                 WHERE b.workspace_id = NEW.workspace_id
                   AND b.status IN ('pending', 'held', 'awaiting_payment', 'confirmed')
                   AND b.starts_at <= p.t AND b.ends_at > p.t) AS used
          FROM (SELECT NEW.starts_at AS t
                UNION SELECT starts_at FROM bookings
                 WHERE workspace_id = NEW.workspace_id
                   AND starts_at > NEW.starts_at AND starts_at < NEW.ends_at) p))
   > (SELECT capacity FROM workspaces WHERE id = NEW.workspace_id)
BEGIN
    SELECT RAISE(ABORT, 'capacity_exceeded: not enough free seats in this workspace for this slot');
END;

-- Rows take seats by UPDATE too now (a waitlisted booking served, a booking moved to another
-- slot): the same last line against overselling for an update that starts to hold seats or
-- holds them elsewhere, the row itself not counted.
CREATE TRIGGER bookings_capacity_update BEFORE UPDATE OF status, starts_at, ends_at, seats ON bookings
WHEN NEW.status IN ('pending', 'held', 'awaiting_payment', 'confirmed')
 AND (OLD.status NOT IN ('pending', 'held', 'awaiting_payment', 'confirmed')
      OR NEW.starts_at <> OLD.starts_at OR NEW.ends_at <> OLD.ends_at OR NEW.seats > OLD.seats)
 AND NEW.seats + (
    SELECT COALESCE(MAX(used), 0) FROM (
        SELECT (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
                 WHERE b.workspace_id = NEW.workspace_id AND b.id <> NEW.id
                   AND b.status IN ('pending', 'held', 'awaiting_payment', 'confirmed')
                   AND b.starts_at <= p.t AND b.ends_at > p.t) AS used
          FROM (SELECT NEW.starts_at AS t
                UNION SELECT starts_at FROM bookings
                 WHERE workspace_id = NEW.workspace_id
                   AND starts_at > NEW.starts_at AND starts_at < NEW.ends_at) p))
   > (SELECT capacity FROM workspaces WHERE id = NEW.workspace_id)
BEGIN
    SELECT RAISE(ABORT, 'capacity_exceeded: not enough free seats in this workspace for this slot');
END;

CREATE TABLE payments (
    id             TEXT PRIMARY KEY,
    booking_id     TEXT NOT NULL REFERENCES bookings (id),
    provider_ref   TEXT,
    status         TEXT NOT NULL,
    amount_cents   BIGINT NOT NULL CHECK (amount_cents >= 0),
    captured_cents BIGINT NOT NULL DEFAULT 0 CHECK (captured_cents >= 0 AND captured_cents <= amount_cents),
    refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= captured_cents),
    currency       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    awakeable_id   TEXT
);
INSERT INTO payments SELECT id, booking_id, provider_ref, status, amount_cents, captured_cents,
    refunded_cents, currency, created_at, updated_at, awakeable_id FROM payments_copy;
DROP TABLE payments_copy;
CREATE INDEX payments_provider_ref ON payments (provider_ref);
CREATE INDEX payments_booking ON payments (booking_id);
