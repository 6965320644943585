-- Long-lived flows: a booking may wait for a seat (`waitlisted`: holds none, owes nothing), and a
-- rescheduled booking has more than one payment (the difference of each reschedule is a payment
-- of its own, so the net charge of a booking is the sum over its payments).
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('pending', 'waitlisted',
    'held', 'awaiting_payment', 'confirmed', 'completed', 'cancelled', 'rejected', 'expired', 'failed'));
ALTER TABLE payments DROP CONSTRAINT payments_booking_id_key;
CREATE INDEX payments_booking ON payments (booking_id);

-- Rows take seats by UPDATE too now (a waitlisted booking served, a booking moved to another
-- slot): the same guard (it leaves the row itself out) for an update that starts to hold seats
-- or holds them elsewhere.
CREATE TRIGGER bookings_capacity_update BEFORE UPDATE OF status, starts_at, ends_at, seats ON bookings
    FOR EACH ROW
    WHEN (NEW.status IN ('pending', 'held', 'awaiting_payment', 'confirmed')
          AND (OLD.status NOT IN ('pending', 'held', 'awaiting_payment', 'confirmed')
               OR NEW.starts_at <> OLD.starts_at OR NEW.ends_at <> OLD.ends_at OR NEW.seats > OLD.seats))
    EXECUTE FUNCTION bookings_capacity_guard();
