-- Booleans are INTEGER 0/1 in both dialects: sqlx's Any driver cannot decode SQLite BOOLEAN.
-- deskflow's system of record on SQLite. Times are UTC milliseconds since the epoch (BIGINT),
-- ids are UUID text, money is integer minor units. The same schema exists for PostgreSQL in
-- ../postgres; both must keep the same column names and constraint meanings.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- lower-cased by the domain layer, so UNIQUE is case-insensitive in effect
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    BIGINT NOT NULL
);

CREATE TABLE workspaces (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL CHECK (length(name) > 0),
    location          TEXT NOT NULL,
    timezone          TEXT NOT NULL,
    capacity          INTEGER NOT NULL CHECK (capacity >= 1),
    hourly_rate_cents BIGINT NOT NULL CHECK (hourly_rate_cents >= 0),
    currency          TEXT NOT NULL CHECK (length(currency) = 3),
    -- 'HH:MM' strings compare correctly as text
    opens_at          TEXT NOT NULL,
    closes_at         TEXT NOT NULL CHECK (closes_at > opens_at),
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_by        TEXT NOT NULL REFERENCES users (id),
    created_at        BIGINT NOT NULL
);

CREATE TABLE bookings (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL CHECK (ends_at > starts_at),
    seats        INTEGER NOT NULL CHECK (seats >= 1),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'held', 'awaiting_payment', 'confirmed',
                     'completed', 'cancelled', 'rejected', 'expired', 'failed')),
    reason       TEXT,
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX bookings_workspace_time ON bookings (workspace_id, starts_at, ends_at);
CREATE INDEX bookings_user ON bookings (user_id, created_at);
CREATE INDEX bookings_status ON bookings (status, updated_at);

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

CREATE TABLE payments (
    id             TEXT PRIMARY KEY,
    booking_id     TEXT NOT NULL UNIQUE REFERENCES bookings (id),
    provider_ref   TEXT,
    status         TEXT NOT NULL,
    amount_cents   BIGINT NOT NULL CHECK (amount_cents >= 0),
    captured_cents BIGINT NOT NULL DEFAULT 0 CHECK (captured_cents >= 0 AND captured_cents <= amount_cents),
    refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= captured_cents),
    currency       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE notifications (
    -- derived from the event that caused it (e.g. 'welcome:<user id>'), so a retried step
    -- never creates a second row or a second email
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id),
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE activity (
    -- the event's origin (e.g. 'user_registered:<user id>'): recording twice is a no-op
    origin_key   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    user_id      TEXT,
    workspace_id TEXT,
    booking_id   TEXT,
    amount_cents BIGINT,
    at           BIGINT NOT NULL
);
CREATE INDEX activity_kind_at ON activity (kind, at);
