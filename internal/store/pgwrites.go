package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
)

// One-statement writes for PostgreSQL. Every statement is a round trip
// to the server, and under load each round trip also waits for the
// process to be scheduled again: at 500 calls a second the arriving
// call's six (BEGIN, two checks, two inserts, COMMIT) and the abandon's
// five held the pool's connections until setups queued for them. Here the
// checks and the writes of the usual case are one statement (its CTEs run
// in one snapshot, atomically). When it writes nothing (a check failed,
// or a case it does not cover), the general path runs and says why: the
// rules are the general path's; these statements only write its usual
// outcome at once. SQLite keeps the general path: its statements are
// calls within the process.

// createInteractionAtOnce is CreateInteraction's checks and inserts in
// one statement; ok is false when it stored nothing (a check failed, or
// the fence's epoch is not current) and the general path must run.
// epoch is the fence's epoch for the tenant, nil when not fenced.
func createInteractionAtOnce(ctx context.Context, c conn, tenantID int64, in model.Interaction, arrived any, cb any, epoch *int64) (int64, bool, error) {
	var b strings.Builder
	args := make([]any, 0, 32)
	b.WriteString("WITH ok AS (SELECT 1 FROM queues WHERE tenant_id = ? AND id = ? AND channel = ?")
	args = append(args, tenantID, in.QueueID, in.Channel)
	if in.Tier != "" {
		b.WriteString(" AND tiers::jsonb @> jsonb_build_array(jsonb_build_object('name', ?::text))")
		args = append(args, in.Tier)
	}
	if in.EntryPointID != nil {
		b.WriteString(" AND EXISTS (SELECT 1 FROM entry_points WHERE tenant_id = ? AND id = ?)")
		args = append(args, tenantID, *in.EntryPointID)
	}
	b.WriteString(")")
	from := "ok"
	if epoch != nil {
		b.WriteString(", fence AS (SELECT 1 FROM tenant_epochs WHERE tenant_id = ? AND epoch = ? FOR SHARE)")
		args = append(args, tenantID, *epoch)
		from = "ok, fence"
	}
	b.WriteString(`, i AS (INSERT INTO interactions (tenant_id, queue_id, channel, tier, customer_name, customer_phone,
		customer_email, customer_external_id, state, arrived_at, announced_ewt_seconds, announced_position,
		disposition, notes, callback, resume_token_hash, entry_point_id, queue_path, menu_choice, told_no_agent)
		SELECT ?::bigint, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::timestamptz, ?::integer, ?::integer,
		?::text, ?::text, ?::text, ?::text, ?::bigint, ?::text, ?::text, ?::boolean FROM ` + from + ` RETURNING id)
		, s AS (INSERT INTO segments (tenant_id, interaction_id, kind, queue_id, started_at, billable)
		SELECT ?::bigint, id, ?::text, ?::bigint, ?::timestamptz, FALSE FROM i)
		SELECT id FROM i`)
	args = append(args, tenantID, in.QueueID, in.Channel, in.Tier, in.Customer.Name, in.Customer.Phone, in.Customer.Email,
		in.Customer.ExternalID, model.StateQueued, arrived, nullInt(in.AnnouncedEWTSeconds), nullInt(in.AnnouncedPosition),
		in.Disposition, in.Notes, cb, nullString(in.ResumeTokenHash), nullInt64(in.EntryPointID),
		fmt.Sprintf("[%d]", in.QueueID), in.MenuChoice, in.ToldNoAgent,
		tenantID, model.SegQueued, in.QueueID, arrived)
	var id int64
	err := c.queryRow(ctx, b.String(), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return id, true, nil
}

// stateWriteAtOnce applies a state update that moves no queue in one
// statement (the interaction's row, its open segments closed, the new
// one opened), then adds the handled time to the sums; done is false
// when it wrote nothing (the interaction is not found or ended, the agent
// is not the tenant's) and the general path must run.
func stateWriteAtOnce(ctx context.Context, c conn, tenantID, id int64, u StateUpdate, cb any) (bool, error) {
	st, read := stateAtOnce(tenantID, id, u, cb)
	rows, err := c.query(ctx, st.sql, st.args...)
	if err != nil {
		return false, err
	}
	updated, d, err := read(rows)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil || !updated {
		return false, err
	}
	return true, addSums(ctx, c, tenantID, id, d)
}

// pipeStmt is a statement written with ? placeholders, and its arguments.
type pipeStmt struct {
	sql  string
	args []any
}

// resultRows is what *sql.Rows and pgx's rows have in common.
type resultRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// stateAtOnce is stateWriteAtOnce's statement, and the reader of its
// rows: whether the interaction was updated, and the handled time to add
// to its sums.
func stateAtOnce(tenantID, id int64, u StateUpdate, cb any) (pipeStmt, func(resultRows) (bool, segSums, error)) {
	at := ts(u.At)
	reportChange := 0
	var answered, ended any
	switch u.State {
	case model.StateConnected:
		answered = at
	case model.StateEnded:
		ended, reportChange = at, 1
	}
	var b strings.Builder
	args := make([]any, 0, 32)
	b.WriteString(`WITH u AS (UPDATE interactions SET state = ?::text, ended_reason = ?::text, ended_at = ?::timestamptz,
		answered_at = COALESCE(answered_at, ?::timestamptz), agent_id = COALESCE(?::bigint, agent_id),
		callback = COALESCE(?::text, callback), menu_choice = CASE WHEN ?::text = '' THEN menu_choice ELSE ?::text END,
		report_pending = report_pending + ?::integer
		WHERE tenant_id = ? AND id = ? AND state <> 'ended'`)
	args = append(args, string(u.State), string(u.EndedReason), ended, answered, nullInt64(u.AgentID), cb, u.MenuChoice, u.MenuChoice,
		reportChange, tenantID, id)
	if u.AgentID != nil {
		b.WriteString(" AND EXISTS (SELECT 1 FROM agents WHERE tenant_id = ? AND id = ?)")
		args = append(args, tenantID, *u.AgentID)
	}
	b.WriteString(" RETURNING id)")
	closed := "SELECT NULL::text AS kind, NULL::boolean AS billable, NULL::timestamptz AS started_at WHERE FALSE"
	if u.CloseSegments {
		b.WriteString(`, c AS (UPDATE segments SET ended_at = ?::timestamptz WHERE tenant_id = ? AND interaction_id = (SELECT id FROM u)
			AND ended_at IS NULL RETURNING kind, billable, started_at)`)
		args = append(args, at, tenantID)
		closed = "SELECT kind, billable, started_at FROM c"
	}
	var opened model.Segment
	if u.OpenSegment != nil {
		opened = *u.OpenSegment
		opened.InteractionID, opened.StartedAt = id, at
		b.WriteString(`, n AS (INSERT INTO segments (tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable)
			SELECT ?::bigint, id, ?::text, ?::bigint, ?::bigint, ?::timestamptz, ?::timestamptz, ?::boolean FROM u)`)
		args = append(args, tenantID, string(opened.Kind), nullInt64(opened.AgentID), nullInt64(opened.QueueID), at, nullTS(opened.EndedAt), opened.Billable)
	}
	// One row says the interaction was updated; the others are the
	// segments closed.
	b.WriteString(" SELECT TRUE, NULL::text, NULL::boolean, NULL::timestamptz FROM u UNION ALL SELECT FALSE, kind, billable, started_at FROM (" + closed + ") AS closed")
	read := func(rows resultRows) (bool, segSums, error) {
		var (
			updated bool
			d       segSums
		)
		for rows.Next() {
			var (
				isRow    bool
				kind     sql.NullString
				billable sql.NullBool
				start    sql.NullTime
			)
			if err := rows.Scan(&isRow, &kind, &billable, &start); err != nil {
				return false, segSums{}, err
			}
			if isRow {
				updated = true
				continue
			}
			d.add(model.SegmentKind(kind.String), billable.Bool, at.Sub(start.Time))
		}
		if err := rows.Err(); err != nil {
			return false, segSums{}, err
		}
		if u.OpenSegment != nil {
			d.plus(closedSegSums(opened))
		}
		return updated, d, nil
	}
	return pipeStmt{b.String(), args}, read
}

// segmentAtOnce is OpenSegment's statement (the segment inserted if its
// interaction is the tenant's), and the reader of its rows: whether it
// was inserted.
func segmentAtOnce(tenantID int64, seg model.Segment) pipeStmt {
	return pipeStmt{`INSERT INTO segments (tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable)
		SELECT ?::bigint, id, ?::text, ?::bigint, ?::bigint, ?::timestamptz, ?::timestamptz, ?::boolean
		FROM interactions WHERE tenant_id = ? AND id = ? RETURNING id`,
		[]any{tenantID, string(seg.Kind), nullInt64(seg.AgentID), nullInt64(seg.QueueID), ts(seg.StartedAt), nullTS(seg.EndedAt), seg.Billable,
			tenantID, seg.InteractionID}}
}
