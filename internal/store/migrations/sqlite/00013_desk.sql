-- Notes on a contact that its customer never sees: an agent's internal
-- note, a consult request to the supervisors, a supervisor's private note
-- to the agent, the note that travels with a transfer; and the
-- queues' voice survey setting. Keep in step with
-- ../postgres/00013_desk.sql.

-- +goose Up
CREATE TABLE contact_notes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL,
    interaction_id INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('note', 'consult', 'supervisor', 'transfer')),
    agent_id       INTEGER,
    user_id        INTEGER,
    author         TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    FOREIGN KEY (tenant_id, interaction_id) REFERENCES interactions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_notes_interaction ON contact_notes (tenant_id, interaction_id, id);

-- A voice queue may ask its callers to rate the call on the keypad.
ALTER TABLE queues ADD COLUMN voice_survey BOOLEAN NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE queues DROP COLUMN voice_survey;
DROP TABLE contact_notes;
