-- Reporting: what an interaction's figures need beyond its row (entry
-- point, queue path, menu choice), the agents' state history, and the
-- 15-minute rollups reports read. Keep in step with ../postgres/00005_reporting.sql.
--
-- report_pending counts the changes to an interaction that move its
-- figures (its end, its survey); report_done is the last one the rollups
-- hold, and report_contrib what they hold for it (JSON), so that a change
-- applies its difference. Rollup buckets are the UTC start of a 15-minute
-- interval: every time zone's offset is a multiple of 15 minutes, so they
-- are local 15-minute intervals too. Durations are in milliseconds.

-- +goose Up
ALTER TABLE interactions ADD COLUMN entry_point_id INTEGER;
ALTER TABLE interactions ADD COLUMN queue_path TEXT NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN menu_choice TEXT NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN told_no_agent BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN report_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN report_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN report_contrib TEXT NOT NULL DEFAULT '';
CREATE INDEX interactions_report_dirty ON interactions (id) WHERE report_pending <> report_done;

ALTER TABLE queues ADD COLUMN short_abandon_seconds INTEGER NOT NULL DEFAULT 5;

-- One row per stretch of an agent's state; the open one has no ended_at.
-- rolled: the closed stretch is counted in rollup_agent_state.
CREATE TABLE agent_states (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    agent_id   INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('logged_out', 'ready', 'not_ready', 'offered', 'busy', 'wrap_up')),
    reason     TEXT NOT NULL DEFAULT '',
    started_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP,
    rolled     BOOLEAN NOT NULL DEFAULT 0,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX agent_states_agent ON agent_states (tenant_id, agent_id, started_at);
CREATE UNIQUE INDEX agent_states_open ON agent_states (agent_id) WHERE ended_at IS NULL;
CREATE INDEX agent_states_unrolled ON agent_states (id) WHERE ended_at IS NOT NULL AND rolled = 0;

-- Contacts by the interval they arrived in, queue (the one that finally
-- had them), tier, channel and entry point (0: none).
CREATE TABLE rollup_queue (
    tenant_id           INTEGER NOT NULL,
    bucket              TIMESTAMP NOT NULL,
    queue_id            INTEGER NOT NULL,
    tier                TEXT NOT NULL,
    channel             TEXT NOT NULL,
    entry_point_id      INTEGER NOT NULL,
    offered             INTEGER NOT NULL DEFAULT 0,
    answered            INTEGER NOT NULL DEFAULT 0,
    abandoned           INTEGER NOT NULL DEFAULT 0,
    short_abandoned     INTEGER NOT NULL DEFAULT 0,
    answered_in_sl      INTEGER NOT NULL DEFAULT 0,
    flowed_out          INTEGER NOT NULL DEFAULT 0,
    closed              INTEGER NOT NULL DEFAULT 0,
    failed              INTEGER NOT NULL DEFAULT 0,
    callbacks_requested INTEGER NOT NULL DEFAULT 0,
    callbacks_completed INTEGER NOT NULL DEFAULT 0,
    callbacks_failed    INTEGER NOT NULL DEFAULT 0,
    rona                INTEGER NOT NULL DEFAULT 0,
    wait_answered_ms    INTEGER NOT NULL DEFAULT 0,
    wait_abandoned_ms   INTEGER NOT NULL DEFAULT 0,
    max_wait_ms         INTEGER NOT NULL DEFAULT 0,
    handled             INTEGER NOT NULL DEFAULT 0,
    talk_ms             INTEGER NOT NULL DEFAULT 0,
    hold_ms             INTEGER NOT NULL DEFAULT 0,
    wrap_up_ms          INTEGER NOT NULL DEFAULT 0,
    billable_ms         INTEGER NOT NULL DEFAULT 0,
    csat_responses      INTEGER NOT NULL DEFAULT 0,
    csat_sum            INTEGER NOT NULL DEFAULT 0,
    csat_1              INTEGER NOT NULL DEFAULT 0,
    csat_2              INTEGER NOT NULL DEFAULT 0,
    csat_3              INTEGER NOT NULL DEFAULT 0,
    csat_4              INTEGER NOT NULL DEFAULT 0,
    csat_5              INTEGER NOT NULL DEFAULT 0,
    told_no_agent       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket, queue_id, tier, channel, entry_point_id)
);

-- Announced against actual waits, by the position announced (1 to 10, 11
-- for 11 and more).
CREATE TABLE rollup_ewt (
    tenant_id    INTEGER NOT NULL,
    bucket       TIMESTAMP NOT NULL,
    queue_id     INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    contacts     INTEGER NOT NULL DEFAULT 0,
    abs_error_ms INTEGER NOT NULL DEFAULT 0,
    error_ms     INTEGER NOT NULL DEFAULT 0,
    within_30s   INTEGER NOT NULL DEFAULT 0,
    within_25pct INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket, queue_id, position)
);

-- Contacts handled by an agent (at the site the agent had then), by the
-- interval they arrived in.
CREATE TABLE rollup_agent (
    tenant_id      INTEGER NOT NULL,
    bucket         TIMESTAMP NOT NULL,
    agent_id       INTEGER NOT NULL,
    queue_id       INTEGER NOT NULL,
    site_id        INTEGER NOT NULL,
    handled        INTEGER NOT NULL DEFAULT 0,
    talk_ms        INTEGER NOT NULL DEFAULT 0,
    hold_ms        INTEGER NOT NULL DEFAULT 0,
    wrap_up_ms     INTEGER NOT NULL DEFAULT 0,
    rona           INTEGER NOT NULL DEFAULT 0,
    csat_responses INTEGER NOT NULL DEFAULT 0,
    csat_sum       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket, agent_id, queue_id, site_id)
);

-- Agents' time by state and reason, split at interval boundaries.
CREATE TABLE rollup_agent_state (
    tenant_id INTEGER NOT NULL,
    bucket    TIMESTAMP NOT NULL,
    agent_id  INTEGER NOT NULL,
    state     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    ms        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket, agent_id, state, reason)
);

-- +goose Down
DROP TABLE rollup_agent_state;
DROP TABLE rollup_agent;
DROP TABLE rollup_ewt;
DROP TABLE rollup_queue;
DROP TABLE agent_states;
ALTER TABLE queues DROP COLUMN short_abandon_seconds;
DROP INDEX interactions_report_dirty;
ALTER TABLE interactions DROP COLUMN report_contrib;
ALTER TABLE interactions DROP COLUMN report_done;
ALTER TABLE interactions DROP COLUMN report_pending;
ALTER TABLE interactions DROP COLUMN told_no_agent;
ALTER TABLE interactions DROP COLUMN menu_choice;
ALTER TABLE interactions DROP COLUMN queue_path;
ALTER TABLE interactions DROP COLUMN entry_point_id;
