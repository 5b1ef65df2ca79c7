-- A tenant's service commitments: measurable rules over a month with their
-- thresholds (internal/commitment evaluates them). days and queue_ids are
-- JSON arrays. The queue rollups also count the announced waits kept
-- (actual ≤ announced + 0, 30, 60, 120 s), the callbacks made within
-- 15 min to 24 h of the request and the answers within 10 to 300 s
-- (internal/kpi): rows rolled up before
-- this migration have zeros there until `plateau report rebuild`. Keep in step with ../postgres/00009_commitments.sql.

-- +goose Up
CREATE TABLE commitments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('service_level', 'abandon_rate', 'announced_wait', 'callback', 'open_hours', 'satisfaction', 'recording_announced')),
    target_pct REAL NOT NULL CHECK (target_pct BETWEEN 0 AND 100),
    seconds    INTEGER NOT NULL DEFAULT 0,
    min_score  REAL NOT NULL DEFAULT 0,
    opens      TEXT NOT NULL DEFAULT '',
    closes     TEXT NOT NULL DEFAULT '',
    days       TEXT NOT NULL DEFAULT '[]',
    queue_ids  TEXT NOT NULL DEFAULT '[]',
    channel    TEXT NOT NULL DEFAULT '' CHECK (channel IN ('', 'voice', 'chat')),
    source     TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);

ALTER TABLE rollup_queue ADD COLUMN ewt_told INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN ewt_kept_0s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN ewt_kept_30s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN ewt_kept_60s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN ewt_kept_120s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN callbacks_within_15m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN callbacks_within_30m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN callbacks_within_1h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN callbacks_within_2h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN callbacks_within_4h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN callbacks_within_24h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN ewt_told INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN ewt_kept_0s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN ewt_kept_30s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN ewt_kept_60s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN ewt_kept_120s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN callbacks_within_15m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN callbacks_within_30m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN callbacks_within_1h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN callbacks_within_2h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN callbacks_within_4h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN callbacks_within_24h INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_10s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_15s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_20s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_30s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_45s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_60s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_90s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_120s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_180s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue ADD COLUMN answered_within_300s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_10s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_15s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_20s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_30s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_45s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_60s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_90s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_120s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_180s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollup_queue_day ADD COLUMN answered_within_300s INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE rollup_queue DROP COLUMN answered_within_10s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_15s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_20s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_30s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_45s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_60s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_90s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_120s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_180s;
ALTER TABLE rollup_queue DROP COLUMN answered_within_300s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_10s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_15s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_20s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_30s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_45s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_60s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_90s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_120s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_180s;
ALTER TABLE rollup_queue_day DROP COLUMN answered_within_300s;
ALTER TABLE rollup_queue DROP COLUMN ewt_told;
ALTER TABLE rollup_queue DROP COLUMN ewt_kept_0s;
ALTER TABLE rollup_queue DROP COLUMN ewt_kept_30s;
ALTER TABLE rollup_queue DROP COLUMN ewt_kept_60s;
ALTER TABLE rollup_queue DROP COLUMN ewt_kept_120s;
ALTER TABLE rollup_queue DROP COLUMN callbacks_within_15m;
ALTER TABLE rollup_queue DROP COLUMN callbacks_within_30m;
ALTER TABLE rollup_queue DROP COLUMN callbacks_within_1h;
ALTER TABLE rollup_queue DROP COLUMN callbacks_within_2h;
ALTER TABLE rollup_queue DROP COLUMN callbacks_within_4h;
ALTER TABLE rollup_queue DROP COLUMN callbacks_within_24h;
ALTER TABLE rollup_queue_day DROP COLUMN ewt_told;
ALTER TABLE rollup_queue_day DROP COLUMN ewt_kept_0s;
ALTER TABLE rollup_queue_day DROP COLUMN ewt_kept_30s;
ALTER TABLE rollup_queue_day DROP COLUMN ewt_kept_60s;
ALTER TABLE rollup_queue_day DROP COLUMN ewt_kept_120s;
ALTER TABLE rollup_queue_day DROP COLUMN callbacks_within_15m;
ALTER TABLE rollup_queue_day DROP COLUMN callbacks_within_30m;
ALTER TABLE rollup_queue_day DROP COLUMN callbacks_within_1h;
ALTER TABLE rollup_queue_day DROP COLUMN callbacks_within_2h;
ALTER TABLE rollup_queue_day DROP COLUMN callbacks_within_4h;
ALTER TABLE rollup_queue_day DROP COLUMN callbacks_within_24h;
DROP TABLE commitments;
