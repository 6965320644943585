-- Seat checks (the Calendar's hold, availability, the capacity trigger) only look at bookings
-- that hold seats. A partial index on exactly those keeps them fast however many finished
-- bookings a workspace has accumulated (measured: with 1M past bookings the full index made
-- every hold scan ~50k rows of its workspace).
CREATE INDEX bookings_seat_holding ON bookings (workspace_id, starts_at, ends_at)
    WHERE status IN ('pending', 'held', 'awaiting_payment', 'confirmed');
