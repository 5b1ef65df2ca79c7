-- Billing: the provider's details and its one invoice counter, published
-- index values, each tenant's contract versions, and the issued invoices
-- with the contacts and agent time each accounted for. Keep in step with
-- ../postgres/00011_billing.sql.
--
-- Nothing here is ever updated but the counter: contract versions are
-- added, invoices issued; the triggers refuse changes to issued
-- invoices. Amounts are integer cents, prices 1/10000 of the currency
-- unit, durations milliseconds (see docs/billing.md).

-- +goose Up
-- One row (id 1): the provider who issues the invoices, and the next
-- invoice number (one unbroken sequence: taken in the issuing
-- transaction, so a failed issue takes none).
CREATE TABLE billing_provider (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    details     TEXT NOT NULL DEFAULT '{}',
    prefix      TEXT NOT NULL DEFAULT 'F',
    next_number INTEGER NOT NULL DEFAULT 1
);
INSERT INTO billing_provider (id) VALUES (1);

-- Published index values (Syntec...), entered by the platform admin:
-- value in thousandths of a point.
CREATE TABLE billing_index_values (
    index_name TEXT NOT NULL,
    month      TEXT NOT NULL,
    value      INTEGER NOT NULL CHECK (value > 0),
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (index_name, month)
);

-- A tenant's contract versions: a version applies from valid_from (a
-- local date) until the next version's; terms is its JSON.
CREATE TABLE billing_contracts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id            INTEGER NOT NULL REFERENCES tenants (id),
    version              INTEGER NOT NULL,
    valid_from           TEXT NOT NULL,
    terms                TEXT NOT NULL,
    retroactive_discount BOOLEAN NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL,
    created_by           TEXT NOT NULL,
    UNIQUE (tenant_id, version)
);

-- Issued invoices and credit notes; document is the whole issued
-- document (JSON), as sent.
CREATE TABLE billing_invoices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    kind            TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    seq             INTEGER NOT NULL UNIQUE,
    number          TEXT NOT NULL UNIQUE,
    period          TEXT NOT NULL,
    credits_id      INTEGER REFERENCES billing_invoices (id),
    currency        TEXT NOT NULL,
    total_ht_cents  INTEGER NOT NULL,
    vat_cents       INTEGER NOT NULL,
    total_cents     INTEGER NOT NULL,
    issued_at       TIMESTAMP NOT NULL,
    issued_by       TEXT NOT NULL,
    document        TEXT NOT NULL
);
CREATE INDEX billing_invoices_tenant ON billing_invoices (tenant_id, period);

-- The contacts an invoice accounted for, each once ever (the primary
-- key): a contact not here for an issued month is late and goes to the
-- next invoice. minute_line and contact_line are the invoice lines it
-- feeds (0: none).
CREATE TABLE billing_invoice_contacts (
    tenant_id      INTEGER NOT NULL,
    interaction_id INTEGER NOT NULL,
    invoice_id     INTEGER NOT NULL REFERENCES billing_invoices (id),
    period         TEXT NOT NULL,
    channel        TEXT NOT NULL,
    arrived_at     TIMESTAMP NOT NULL,
    billable_ms    INTEGER NOT NULL,
    handled        BOOLEAN NOT NULL,
    wait_ms        INTEGER NOT NULL,
    minute_line    INTEGER NOT NULL,
    contact_line   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, interaction_id)
);
CREATE INDEX billing_invoice_contacts_invoice ON billing_invoice_contacts (invoice_id);

-- The agents' logged-in time an invoice accounted for: a stretch's time
-- within one month and one price (line), once.
CREATE TABLE billing_invoice_spans (
    tenant_id      INTEGER NOT NULL,
    agent_state_id INTEGER NOT NULL,
    period         TEXT NOT NULL,
    invoice_id     INTEGER NOT NULL REFERENCES billing_invoices (id),
    agent_id       INTEGER NOT NULL,
    ms             INTEGER NOT NULL,
    line           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, agent_state_id, period, line)
);
CREATE INDEX billing_invoice_spans_invoice ON billing_invoice_spans (invoice_id);

-- +goose StatementBegin
CREATE TRIGGER billing_invoices_no_update BEFORE UPDATE ON billing_invoices
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice is immutable');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER billing_invoices_no_delete BEFORE DELETE ON billing_invoices
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice is immutable');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE billing_invoice_spans;
DROP TABLE billing_invoice_contacts;
DROP TABLE billing_invoices;
DROP TABLE billing_contracts;
DROP TABLE billing_index_values;
DROP TABLE billing_provider;
