package store

import (
	"context"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Each interaction keeps, on its row, the microseconds of its closed
// handled segments by kind and of the billable ones among them (talk_us,
// hold_us, wrap_up_us, billable_us; migration 00018). The store adds to
// them wherever a segment closes, is stored closed, or changes its
// billable flag, in the same transaction, so that searches and the CSV
// export read one row per contact and no segment.

// segSums are an interaction's handled microseconds.
type segSums struct{ talk, hold, wrapUp, billable int64 }

// add counts a closed segment of kind that lasted d.
func (s *segSums) add(kind model.SegmentKind, billable bool, d time.Duration) {
	us := d.Microseconds()
	switch kind {
	case model.SegConnected, model.SegOutbound: // a call placed from the chat is talk
		s.talk += us
	case model.SegHold:
		s.hold += us
	case model.SegWrapUp:
		s.wrapUp += us
	default:
		return // waiting and markers are not handled time
	}
	if billable {
		s.billable += us
	}
}

// addSums adds d to the sums interaction id keeps.
func addSums(ctx context.Context, c conn, tenantID, id int64, d segSums) error {
	if d == (segSums{}) {
		return nil
	}
	st := sumsStmt(tenantID, id, d)
	if err := c.execOne(ctx, st.sql, st.args...); err != nil {
		return fmt.Errorf("add handled time of interaction %d: %w", id, err)
	}
	return nil
}

// sumsStmt is the statement adding d to the sums of interaction id.
func sumsStmt(tenantID, id int64, d segSums) pipeStmt {
	return pipeStmt{`UPDATE interactions SET talk_us = talk_us + ?, hold_us = hold_us + ?, wrap_up_us = wrap_up_us + ?,
		billable_us = billable_us + ? WHERE tenant_id = ? AND id = ?`, []any{d.talk, d.hold, d.wrapUp, d.billable, tenantID, id}}
}

// plus adds o to s.
func (s *segSums) plus(o segSums) {
	s.talk, s.hold, s.wrapUp, s.billable = s.talk+o.talk, s.hold+o.hold, s.wrapUp+o.wrapUp, s.billable+o.billable
}

// closeOpenSegments ends the interaction's open segments at at (already
// ts) and adds their handled time to its sums.
func closeOpenSegments(ctx context.Context, c conn, tenantID, id int64, at time.Time) error {
	rows, err := c.query(ctx, "UPDATE segments SET ended_at = ? WHERE tenant_id = ? AND interaction_id = ? AND ended_at IS NULL RETURNING kind, billable, "+
		c.dialect.timeText("started_at"), at, tenantID, id)
	if err != nil {
		return fmt.Errorf("close segments: %w", err)
	}
	var d segSums
	for rows.Next() {
		var (
			kind     model.SegmentKind
			billable bool
			start    dbTime
		)
		if err := rows.Scan(&kind, &billable, &start); err != nil {
			rows.Close()
			return fmt.Errorf("close segments: %w", err)
		}
		d.add(kind, billable, at.Sub(start.T))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("close segments: %w", err)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("close segments: %w", err)
	}
	return addSums(ctx, c, tenantID, id, d)
}

// closedSegSums is what a closed segment adds to its interaction's sums.
func closedSegSums(seg model.Segment) segSums {
	var d segSums
	if seg.EndedAt != nil {
		d.add(seg.Kind, seg.Billable, ts(*seg.EndedAt).Sub(ts(seg.StartedAt)))
	}
	return d
}
