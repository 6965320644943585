-- A booking keeps the hourly rate it was booked at: a reschedule prices its new slot at that
-- rate, not at the workspace's rate of the day ("a new rate prices new bookings only"). Prices
-- are rounded up to the minor unit, so the rate cannot be recovered from the amount: rows
-- older than this column get the workspace's rate at the moment of the migration, which is
-- the rate their reschedules were priced at before.
ALTER TABLE bookings ADD COLUMN hourly_rate_cents BIGINT;
UPDATE bookings SET hourly_rate_cents = (SELECT w.hourly_rate_cents FROM workspaces w
    WHERE w.id = bookings.workspace_id);

-- A waitlisted booking passed over often enough reserves its seats: while it waits and its
-- slot has not started, new bookings, reschedules and availability count its seats as taken
-- (the workspace's Calendar sets this in the serving round that passes it over the last time).
ALTER TABLE bookings ADD COLUMN reserves INTEGER NOT NULL DEFAULT 0;
