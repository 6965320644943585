-- deskflow's system of record on PostgreSQL: the same tables and meanings as ../sqlite, with
-- PostgreSQL's own means for the capacity guard (a trigger that locks the workspace row, so two
-- transactions booking the same workspace are serialized by the database itself).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
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

-- The last line against overselling (see the SQLite twin). FOR UPDATE on the workspace row
-- makes concurrent inserts for one workspace wait for each other, so the sum they check is
-- never stale.
CREATE FUNCTION bookings_capacity_guard() RETURNS trigger AS $$
DECLARE
    cap INTEGER;
    used BIGINT;
BEGIN
    IF NEW.status NOT IN ('pending', 'held', 'awaiting_payment', 'confirmed') THEN
        RETURN NEW;
    END IF;
    SELECT capacity INTO cap FROM workspaces WHERE id = NEW.workspace_id FOR UPDATE;
    SELECT COALESCE(MAX(u), 0) INTO used FROM (
        SELECT (SELECT COALESCE(SUM(b.seats), 0) FROM bookings b
                 WHERE b.workspace_id = NEW.workspace_id AND b.id <> NEW.id
                   AND b.status IN ('pending', 'held', 'awaiting_payment', 'confirmed')
                   AND b.starts_at <= p.t AND b.ends_at > p.t) AS u
          FROM (SELECT NEW.starts_at AS t
                UNION SELECT starts_at FROM bookings
                 WHERE workspace_id = NEW.workspace_id
                   AND starts_at > NEW.starts_at AND starts_at < NEW.ends_at) p) peaks;
    IF used + NEW.seats > cap THEN
        RAISE EXCEPTION 'capacity_exceeded: not enough free seats in this workspace for this slot'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER bookings_capacity BEFORE INSERT ON bookings
    FOR EACH ROW EXECUTE FUNCTION bookings_capacity_guard();

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
    origin_key   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    user_id      TEXT,
    workspace_id TEXT,
    booking_id   TEXT,
    amount_cents BIGINT,
    at           BIGINT NOT NULL
);
CREATE INDEX activity_kind_at ON activity (kind, at);
