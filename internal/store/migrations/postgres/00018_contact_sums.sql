-- Each contact keeps its handled time by kind on its own row (microseconds
-- of its closed connected (and outbound: talk), hold and wrap-up segments, and of the billable
-- ones among them), kept up to date by the store where segments close, so
-- that the contacts search and CSV export read one row per contact and no
-- segment. Existing rows are filled from their segments.
-- Keep in step with ../sqlite/00018_contact_sums.sql.

-- +goose Up
ALTER TABLE interactions ADD COLUMN talk_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN hold_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN wrap_up_us BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN billable_us BIGINT NOT NULL DEFAULT 0;
UPDATE interactions i SET talk_us = s.talk, hold_us = s.hold, wrap_up_us = s.wrap_up, billable_us = s.billable
FROM (
    SELECT interaction_id,
        SUM(CASE WHEN kind IN ('connected', 'outbound') THEN d ELSE 0 END) AS talk,
        SUM(CASE WHEN kind = 'hold' THEN d ELSE 0 END) AS hold,
        SUM(CASE WHEN kind = 'wrap_up' THEN d ELSE 0 END) AS wrap_up,
        SUM(CASE WHEN billable THEN d ELSE 0 END) AS billable
    FROM (
        SELECT interaction_id, kind, billable, (EXTRACT(EPOCH FROM ended_at - started_at) * 1000000)::BIGINT AS d
        FROM segments
        WHERE ended_at IS NOT NULL AND kind IN ('connected', 'outbound', 'hold', 'wrap_up')
    ) x
    GROUP BY interaction_id
) s
WHERE i.id = s.interaction_id;

-- +goose Down
ALTER TABLE interactions DROP COLUMN billable_us;
ALTER TABLE interactions DROP COLUMN wrap_up_us;
ALTER TABLE interactions DROP COLUMN hold_us;
ALTER TABLE interactions DROP COLUMN talk_us;
