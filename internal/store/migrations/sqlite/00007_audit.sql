-- The audit log: who read or changed what, when and from where (rows are
-- only ever added: the triggers refuse updates and deletes); and each
-- tenant's retention of personal data. Keep in step
-- with ../postgres/00007_audit.sql.

-- +goose Up
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER,
    at         TIMESTAMP NOT NULL,
    actor      TEXT NOT NULL,
    address    TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    target_id  INTEGER,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at);

-- Days kept after a contact ended (0: no limit, but recordings: at most
-- 183 days, the CNIL's six months).
CREATE TABLE retention (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    transcript_days INTEGER NOT NULL DEFAULT 0,
    recording_days  INTEGER NOT NULL DEFAULT 183,
    customer_days   INTEGER NOT NULL DEFAULT 0
);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE retention;
DROP TABLE audit_log;
