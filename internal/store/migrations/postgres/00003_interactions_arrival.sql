-- The wallboard reads a tenant's interactions of the day every second:
-- index them by tenant and arrival.

-- +goose Up
CREATE INDEX interactions_arrival ON interactions (tenant_id, arrived_at);

-- +goose Down
DROP INDEX interactions_arrival;
