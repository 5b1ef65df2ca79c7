-- Fencing for several nodes (docs/cluster.md): the epoch of the lease
-- under which a tenant's owner writes. A node claims a higher epoch before
-- it restores the tenant; a write that carries an older one is refused.
-- Keep in step with ../sqlite/00012_tenant_epochs.sql.

-- +goose Up
CREATE TABLE tenant_epochs (
    tenant_id  BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    epoch      BIGINT NOT NULL,
    node       TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE tenant_epochs;
