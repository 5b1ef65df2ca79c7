-- The workforce register (internal/workforce): employees, their training
-- and the France share of published shift plans. Keep in step with
-- ../postgres/00010_workforce.sql.

-- +goose Up
CREATE TABLE employees (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    ref         TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    job         TEXT NOT NULL DEFAULT '',
    site_id     INTEGER NOT NULL,
    agent_id    INTEGER,
    user_id     INTEGER,
    homeshoring BOOLEAN NOT NULL DEFAULT 0,
    contract    TEXT NOT NULL CHECK (contract IN ('permanent', 'fixed_term', 'temporary', 'apprentice')),
    fte_milli   INTEGER NOT NULL CHECK (fte_milli > 0 AND fte_milli <= 1000),
    hire_date   TEXT NOT NULL,
    exit_date   TEXT CHECK (exit_date IS NULL OR exit_date >= hire_date),
    exit_reason TEXT NOT NULL DEFAULT '',
    disability  BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, ref),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);

CREATE TABLE employee_training (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL,
    employee_id INTEGER NOT NULL,
    day         TEXT NOT NULL,
    hours_milli INTEGER NOT NULL CHECK (hours_milli > 0),
    subject     TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX employee_training_employee ON employee_training (tenant_id, employee_id);

CREATE TABLE workforce_plans (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id          INTEGER NOT NULL REFERENCES tenants (id),
    period             TEXT NOT NULL,
    total_hours_milli  INTEGER NOT NULL,
    france_hours_milli INTEGER NOT NULL,
    published_at       TIMESTAMP NOT NULL,
    published_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX workforce_plans_period ON workforce_plans (tenant_id, period);

-- +goose Down
DROP TABLE workforce_plans;
DROP TABLE employee_training;
DROP TABLE employees;
