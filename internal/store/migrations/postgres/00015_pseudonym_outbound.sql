-- The working day (issue 14): an agent's pseudonym, shown to customers in
-- place of the first name when set; and the outbound segment, the time an
-- agent talks on a call it placed from a chat to the number its customer
-- left for a callback (handled, so it may be billable). Keep in step with
-- ../sqlite/00015_pseudonym_outbound.sql.

-- +goose Up
ALTER TABLE users ADD COLUMN pseudonym TEXT NOT NULL DEFAULT '';

ALTER TABLE segments DROP CONSTRAINT segments_kind_check, DROP CONSTRAINT segments_check;
ALTER TABLE segments ADD CONSTRAINT segments_kind_check
    CHECK (kind IN ('queued', 'offered', 'connected', 'hold', 'wrap_up', 'abandoned', 'transferred', 'callback', 'outbound'));
-- Waiting is free: only handled time may ever be billed.
ALTER TABLE segments ADD CONSTRAINT segments_check CHECK (NOT billable OR kind IN ('connected', 'hold', 'wrap_up', 'outbound'));

-- +goose Down
UPDATE segments SET kind = 'connected' WHERE kind = 'outbound';
ALTER TABLE segments DROP CONSTRAINT segments_kind_check, DROP CONSTRAINT segments_check;
ALTER TABLE segments ADD CONSTRAINT segments_kind_check
    CHECK (kind IN ('queued', 'offered', 'connected', 'hold', 'wrap_up', 'abandoned', 'transferred', 'callback'));
ALTER TABLE segments ADD CONSTRAINT segments_check CHECK (NOT billable OR kind IN ('connected', 'hold', 'wrap_up'));

ALTER TABLE users DROP COLUMN pseudonym;
