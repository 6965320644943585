-- Long-lived flows: a booking may wait for a seat (`waitlisted`: holds none, owes nothing), and a
-- rescheduled booking has more than one payment (the difference of each reschedule is a payment
-- of its own, so the net charge of a booking is the sum over its payments).
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('pending', 'waitlisted',
    'held', 'awaiting_payment', 'confirmed', 'completed', 'cancelled', 'rejected', 'expired', 'failed'));
ALTER TABLE payments DROP CONSTRAINT payments_booking_id_key;
CREATE INDEX payments_booking ON payments (booking_id);
