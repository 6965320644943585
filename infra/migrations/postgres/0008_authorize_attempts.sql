-- How many times a payment's authorization step has started. A step that starts again after
-- one that may have reached the provider (a crash between the provider's answer and Restate's
-- journal) first looks for the PaymentIntent that attempt made, instead of making a second one
-- that no payment would name.
ALTER TABLE payments ADD COLUMN authorize_attempts INTEGER NOT NULL DEFAULT 0;
