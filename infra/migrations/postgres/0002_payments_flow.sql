-- The payment flow: the awakeable a booking waits on while the member authenticates (resolved
-- by the provider's webhook), and the provider events already handled (webhooks are delivered
-- at least once; an event id seen before changes nothing).
ALTER TABLE payments ADD COLUMN awakeable_id TEXT;
CREATE INDEX payments_provider_ref ON payments (provider_ref);

CREATE TABLE webhook_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
