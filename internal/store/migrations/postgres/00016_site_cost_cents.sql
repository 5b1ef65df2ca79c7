-- A site's cost per hour becomes exact: an integer number of cents instead
-- of a DOUBLE PRECISION (money is never a float). Each existing value is
-- read as the decimal it was typed as (the cast to numeric keeps 15
-- significant digits, so 2.675, stored as 2.67499999..., is 2.675) and
-- rounded to the cent, halves away from zero (round on numeric does so;
-- on double precision it would round halves to even), as in SQLite's
-- migration. Keep in step with ../sqlite/00016_site_cost_cents.sql.

-- +goose Up
ALTER TABLE sites ADD COLUMN cost_per_hour_cents BIGINT NOT NULL DEFAULT 0;
UPDATE sites SET cost_per_hour_cents = round(cost_per_hour::numeric * 100)::bigint;
ALTER TABLE sites DROP COLUMN cost_per_hour;

-- +goose Down
ALTER TABLE sites ADD COLUMN cost_per_hour DOUBLE PRECISION NOT NULL DEFAULT 0;
UPDATE sites SET cost_per_hour = cost_per_hour_cents / 100.0;
ALTER TABLE sites DROP COLUMN cost_per_hour_cents;
