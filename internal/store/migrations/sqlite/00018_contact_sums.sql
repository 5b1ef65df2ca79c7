-- Each contact keeps its handled time by kind on its own row (microseconds
-- of its closed connected (and outbound: talk), hold and wrap-up segments, and of the billable
-- ones among them), kept up to date by the store where segments close, so
-- that the contacts search and CSV export read one row per contact and no
-- segment. Existing rows are filled from their segments. Times are stored
-- as UTC text "2006-01-02 15:04:05[.ffffff]+00:00" (store.ts): the whole
-- seconds come from unixepoch of the first 19 characters, the fraction is
-- read as a number (SQLite's date functions would round it to the
-- millisecond). Keep in step with ../postgres/00018_contact_sums.sql.

-- +goose Up
ALTER TABLE interactions ADD COLUMN talk_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN hold_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN wrap_up_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN billable_us INTEGER NOT NULL DEFAULT 0;
UPDATE interactions SET talk_us = s.talk, hold_us = s.hold, wrap_up_us = s.wrap_up, billable_us = s.billable
FROM (
    SELECT interaction_id,
        SUM(CASE WHEN kind IN ('connected', 'outbound') THEN d ELSE 0 END) AS talk,
        SUM(CASE WHEN kind = 'hold' THEN d ELSE 0 END) AS hold,
        SUM(CASE WHEN kind = 'wrap_up' THEN d ELSE 0 END) AS wrap_up,
        SUM(CASE WHEN billable THEN d ELSE 0 END) AS billable
    FROM (
        SELECT interaction_id, kind, billable,
            (unixepoch(substr(ended_at, 1, 19)) * 1000000 + CASE WHEN substr(ended_at, 20, 1) = '.'
                THEN CAST(round(CAST('0.' || substr(ended_at, 21) AS REAL) * 1000000) AS INTEGER) ELSE 0 END)
            - (unixepoch(substr(started_at, 1, 19)) * 1000000 + CASE WHEN substr(started_at, 20, 1) = '.'
                THEN CAST(round(CAST('0.' || substr(started_at, 21) AS REAL) * 1000000) AS INTEGER) ELSE 0 END) AS d
        FROM segments
        WHERE ended_at IS NOT NULL AND kind IN ('connected', 'outbound', 'hold', 'wrap_up')
    )
    GROUP BY interaction_id
) AS s
WHERE interactions.id = s.interaction_id;

-- +goose Down
ALTER TABLE interactions DROP COLUMN billable_us;
ALTER TABLE interactions DROP COLUMN wrap_up_us;
ALTER TABLE interactions DROP COLUMN hold_us;
ALTER TABLE interactions DROP COLUMN talk_us;
