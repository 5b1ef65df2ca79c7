-- The admin pages' editable lists and the chat widget's look: a tenant's
-- dispositions and not-ready reasons (empty: the desk's built-in lists),
-- and per chat entry point the widget's colours, logo, greeting and the
-- text shown out of hours; a user can be disabled (signed out at once,
-- cannot sign in). Keep in step with ../postgres/00014_admin_lists.sql.

-- +goose Up
CREATE TABLE desk_reasons (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    kind      TEXT NOT NULL CHECK (kind IN ('disposition', 'not_ready')),
    code      TEXT NOT NULL,
    label     TEXT NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, kind, code)
);

CREATE TABLE widget_settings (
    entry_point_id INTEGER PRIMARY KEY REFERENCES entry_points (id) ON DELETE CASCADE,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    colour         TEXT NOT NULL DEFAULT '',
    text_colour    TEXT NOT NULL DEFAULT '',
    logo_url       TEXT NOT NULL DEFAULT '',
    greeting       TEXT NOT NULL DEFAULT '',
    closed_text    TEXT NOT NULL DEFAULT ''
);

ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN disabled;
DROP TABLE widget_settings;
DROP TABLE desk_reasons;
