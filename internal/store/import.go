package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// PastContact is an ended contact of the past, with its segments, as a
// history import takes it (from a previous contact-center system, or to
// measure reports at scale).
type PastContact struct {
	model.Interaction
	Segments []model.Segment
}

// importBatch is how many contacts an import writes per statement.
const importBatch = 400

// ImportPastContacts stores ended contacts in bulk, in one transaction:
// each must be ended (EndedAt and EndedReason set), its segments closed,
// within its life and only handled ones billable. They are marked for the
// rollups (the upkeep, or plateau report rebuild, counts them). Ids are
// given by the store. Customers' resume tokens are not imported.
func (s *Store) ImportPastContacts(ctx context.Context, tenantID int64, list []PastContact) error {
	for i := range list {
		if err := checkPastContact(&list[i]); err != nil {
			return invalidInput(err, "import contact %d of %d", i+1, len(list))
		}
	}
	err := s.inTx(ctx, func(c conn) error {
		for start := 0; start < len(list); start += importBatch {
			part := list[start:min(start+importBatch, len(list))]
			ids, err := reserveIDs(ctx, c, len(part))
			if err != nil {
				return err
			}
			var (
				vals []string
				args []any
				segs []string
				sarg []any
			)
			for i, p := range part {
				in := p.Interaction
				path, err := toJSON(in.QueuePath)
				if err != nil {
					return err
				}
				if len(in.QueuePath) == 0 {
					path = fmt.Sprintf("[%d]", in.QueueID)
				}
				var sums segSums
				for _, sg := range p.Segments {
					sums.add(sg.Kind, sg.Billable, ts(*sg.EndedAt).Sub(ts(sg.StartedAt)))
				}
				vals = append(vals, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, ids[i], tenantID, in.QueueID, in.Channel, in.Tier, in.Customer.Name, in.Customer.Phone,
					in.Customer.Email, in.Customer.ExternalID, model.StateEnded, string(in.EndedReason), ts(in.ArrivedAt),
					nullTS(in.AnsweredAt), nullTS(in.EndedAt), nullInt(in.AnnouncedEWTSeconds), nullInt(in.AnnouncedPosition),
					nullInt64(in.AgentID), in.Disposition, nullInt(in.CSATScore), in.CSATComment, nullInt64(in.EntryPointID),
					path, in.MenuChoice, in.ToldNoAgent, 1, sums.talk, sums.hold, sums.wrapUp, sums.billable)
				for _, sg := range p.Segments {
					segs = append(segs, "(?, ?, ?, ?, ?, ?, ?, ?)")
					sarg = append(sarg, tenantID, ids[i], sg.Kind, nullInt64(sg.AgentID), nullInt64(sg.QueueID), ts(sg.StartedAt), nullTS(sg.EndedAt), sg.Billable)
				}
			}
			if _, err := c.uncached().exec(ctx, `INSERT INTO interactions (id, tenant_id, queue_id, channel, tier, customer_name, customer_phone,
				customer_email, customer_external_id, state, ended_reason, arrived_at, answered_at, ended_at, announced_ewt_seconds,
				announced_position, agent_id, disposition, csat_score, csat_comment, entry_point_id, queue_path, menu_choice,
				told_no_agent, report_pending, talk_us, hold_us, wrap_up_us, billable_us) VALUES `+strings.Join(vals, ", "), args...); err != nil {
				return fmt.Errorf("insert contacts: %w", err)
			}
			for len(segs) > 0 { // at most importBatch segments a statement
				n := min(len(segs), importBatch)
				if _, err := c.uncached().exec(ctx, "INSERT INTO segments (tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable) VALUES "+
					strings.Join(segs[:n], ", "), sarg[:n*8]...); err != nil {
					return fmt.Errorf("insert segments: %w", err)
				}
				segs, sarg = segs[n:], sarg[n*8:]
			}
		}
		return nil
	})
	if err != nil {
		return fail(err, "import %d past contacts", len(list))
	}
	return nil
}

// reserveIDs takes n new interaction ids.
func reserveIDs(ctx context.Context, c conn, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if c.dialect == Postgres {
		rows, err := c.query(ctx, "SELECT nextval(pg_get_serial_sequence('interactions', 'id')) FROM generate_series(1, ?)", n)
		if err != nil {
			return nil, fmt.Errorf("reserve ids: %w", err)
		}
		return collect(rows, func(r scanner) (int64, error) {
			var id int64
			err := r.Scan(&id)
			return id, err
		})
	}
	// SQLite: the transaction holds the write lock; AUTOINCREMENT then
	// remembers the largest id inserted.
	var last int64
	if err := c.queryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM interactions").Scan(&last); err != nil {
		return nil, fmt.Errorf("reserve ids: %w", err)
	}
	var seq int64
	_ = c.queryRow(ctx, "SELECT seq FROM sqlite_sequence WHERE name = 'interactions'").Scan(&seq)
	last = max(last, seq)
	for i := range n {
		ids = append(ids, last+1+int64(i))
	}
	return ids, nil
}

func checkPastContact(p *PastContact) error {
	in := &p.Interaction
	if err := in.Validate(); err != nil {
		return err
	}
	if in.EndedAt == nil || in.EndedReason == "" {
		return &model.ValidationError{Field: "ended_at", Message: "a past contact is ended: ended_at and ended_reason are required"}
	}
	if err := validEnum("ended_reason", in.EndedReason, model.EndedReasons()); err != nil {
		return err
	}
	if in.EndedAt.Before(in.ArrivedAt) || (in.AnsweredAt != nil && (in.AnsweredAt.Before(in.ArrivedAt) || in.AnsweredAt.After(*in.EndedAt))) {
		return &model.ValidationError{Field: "ended_at", Message: "times must run arrival ≤ answer ≤ end"}
	}
	if in.CSATScore != nil && (*in.CSATScore < 1 || *in.CSATScore > 5) {
		return &model.ValidationError{Field: "csat_score", Message: "must be from 1 to 5"}
	}
	for i, sg := range p.Segments {
		if err := sg.Validate(); err != nil {
			return err
		}
		if sg.EndedAt == nil || sg.StartedAt.Before(in.ArrivedAt.Add(-time.Microsecond)) || sg.EndedAt.After(in.EndedAt.Add(time.Microsecond)) {
			return &model.ValidationError{Field: fmt.Sprintf("segments[%d]", i), Message: "must be closed, within the contact's life"}
		}
	}
	return nil
}
