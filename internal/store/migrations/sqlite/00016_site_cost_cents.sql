-- A site's cost per hour becomes exact: an integer number of cents instead
-- of a REAL (money is never a float). Each existing value is read as the
-- decimal it was typed as (its shortest form to 6 decimals of a cent, so
-- 2.675, stored as 2.67499999..., is 2.675) and rounded to the cent, halves
-- away from zero (SQLite's round does so), as in PostgreSQL's migration.
-- Keep in step with ../postgres/00016_site_cost_cents.sql.

-- +goose Up
ALTER TABLE sites ADD COLUMN cost_per_hour_cents INTEGER NOT NULL DEFAULT 0;
UPDATE sites SET cost_per_hour_cents = CAST(round(round(cost_per_hour * 100, 6)) AS INTEGER);
ALTER TABLE sites DROP COLUMN cost_per_hour;

-- +goose Down
ALTER TABLE sites ADD COLUMN cost_per_hour REAL NOT NULL DEFAULT 0;
UPDATE sites SET cost_per_hour = cost_per_hour_cents / 100.0;
ALTER TABLE sites DROP COLUMN cost_per_hour_cents;
