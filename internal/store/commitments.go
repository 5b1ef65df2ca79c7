package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Service commitments: a tenant's published rules (internal/commitment
// evaluates them over the rollups and, for what the rollups do not keep
// (a service level at another threshold than the queue's, an announced
// wait margin or a callback delay other than the kept ones), one bounded
// scan of a month's contacts: ScanCommitmentContacts).

const commitmentCols = "id, tenant_id, name, kind, target_pct, seconds, min_score, opens, closes, days, queue_ids, channel, source, position"

func scanCommitment(r scanner) (model.Commitment, error) {
	var (
		v            model.Commitment
		days, queues string
	)
	if err := r.Scan(&v.ID, &v.TenantID, &v.Name, &v.Kind, &v.TargetPct, &v.Seconds, &v.MinScore, &v.Opens, &v.Closes,
		&days, &queues, &v.Channel, &v.Source, &v.Position); err != nil {
		return v, err
	}
	var err error
	if v.Days, err = fromJSON[int](days, "days"); err != nil {
		return v, err
	}
	v.QueueIDs, err = fromJSON[int64](queues, "queue_ids")
	return v, err
}

// checkCommitment validates v and that its queues are the tenant's.
func checkCommitment(ctx context.Context, c conn, tenantID int64, v model.Commitment) error {
	if err := v.Validate(); err != nil {
		return err
	}
	for i, id := range v.QueueIDs {
		var n int
		if err := c.queryRow(ctx, "SELECT COUNT(*) FROM queues WHERE tenant_id = ? AND id = ?", tenantID, id).Scan(&n); err != nil {
			return fmt.Errorf("check queue %d: %w", id, err)
		}
		if n == 0 {
			return &model.ValidationError{Field: fmt.Sprintf("queue_ids[%d]", i), Message: fmt.Sprintf("no queue %d in this tenant", id)}
		}
	}
	return nil
}

func commitmentArgs(v model.Commitment) ([]any, error) {
	days, err := toJSON(v.Days)
	if err != nil {
		return nil, err
	}
	queues, err := toJSON(v.QueueIDs)
	if err != nil {
		return nil, err
	}
	return []any{v.Name, string(v.Kind), v.TargetPct, v.Seconds, v.MinScore, v.Opens, v.Closes, days, queues, string(v.Channel), v.Source, v.Position}, nil
}

func createCommitment(ctx context.Context, c conn, tenantID int64, v model.Commitment) (int64, error) {
	if err := checkCommitment(ctx, c, tenantID, v); err != nil {
		return 0, err
	}
	args, err := commitmentArgs(v)
	if err != nil {
		return 0, err
	}
	return c.insert(ctx, "INSERT INTO commitments (tenant_id, name, kind, target_pct, seconds, min_score, opens, closes, days, queue_ids, channel, source, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{tenantID}, args...)...)
}

// validationFailure maps a validation error to ErrInvalid, anything else to fail.
func validationFailure(err error, format string, args ...any) error {
	if ve := (*model.ValidationError)(nil); errors.As(err, &ve) {
		return invalidInput(err, format, args...)
	}
	return fail(err, format, args...)
}

// CreateCommitment stores a new commitment of the tenant; a name the
// tenant already uses is ErrConflict, a bad field or an unknown queue
// ErrInvalid naming the field.
func (s *Store) CreateCommitment(ctx context.Context, tenantID int64, v model.Commitment) (model.Commitment, error) {
	id, err := createCommitment(ctx, s.conn(), tenantID, v)
	if err != nil {
		return model.Commitment{}, validationFailure(err, "create commitment %q", v.Name)
	}
	return s.GetCommitment(ctx, tenantID, id)
}

// GetCommitment returns one of the tenant's commitments.
func (s *Store) GetCommitment(ctx context.Context, tenantID, id int64) (model.Commitment, error) {
	v, err := scanCommitment(s.conn().queryRow(ctx, "SELECT "+commitmentCols+" FROM commitments WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Commitment{}, fail(err, "get commitment %d", id)
	}
	return v, nil
}

// ListCommitments returns the tenant's commitments by position and id.
func (s *Store) ListCommitments(ctx context.Context, tenantID int64) ([]model.Commitment, error) {
	rows, err := s.conn().query(ctx, "SELECT "+commitmentCols+" FROM commitments WHERE tenant_id = ? ORDER BY position, id", tenantID)
	if err != nil {
		return nil, fail(err, "list commitments")
	}
	out, err := collect(rows, scanCommitment)
	if err != nil {
		return nil, fail(err, "list commitments")
	}
	return out, nil
}

// UpdateCommitment replaces one of the tenant's commitments (v.ID names it).
func (s *Store) UpdateCommitment(ctx context.Context, tenantID int64, v model.Commitment) error {
	c := s.conn()
	if err := checkCommitment(ctx, c, tenantID, v); err != nil {
		return validationFailure(err, "update commitment %d", v.ID)
	}
	args, err := commitmentArgs(v)
	if err != nil {
		return fail(err, "update commitment %d", v.ID)
	}
	err = c.execOne(ctx, "UPDATE commitments SET name = ?, kind = ?, target_pct = ?, seconds = ?, min_score = ?, opens = ?, closes = ?, days = ?, queue_ids = ?, channel = ?, source = ?, position = ? WHERE tenant_id = ? AND id = ?",
		append(args, tenantID, v.ID)...)
	if err != nil {
		return fail(err, "update commitment %d", v.ID)
	}
	return nil
}

// DeleteCommitment removes one of the tenant's commitments.
func (s *Store) DeleteCommitment(ctx context.Context, tenantID, id int64) error {
	if err := s.conn().execOne(ctx, "DELETE FROM commitments WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
		return failDelete(err, "delete commitment %d", id)
	}
	return nil
}

// ReplaceCommitments replaces all the tenant's commitments by list, in one
// transaction: a bad one leaves the old set as it was.
func (s *Store) ReplaceCommitments(ctx context.Context, tenantID int64, list []model.Commitment) ([]model.Commitment, error) {
	err := s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM commitments WHERE tenant_id = ?", tenantID); err != nil {
			return err
		}
		for i, v := range list {
			if _, err := createCommitment(ctx, c, tenantID, v); err != nil {
				if ve := (*model.ValidationError)(nil); errors.As(err, &ve) {
					return &model.ValidationError{Field: fmt.Sprintf("[%d].%s", i, ve.Field), Message: ve.Message}
				}
				return fmt.Errorf("commitment %d %q: %w", i, v.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, validationFailure(err, "replace commitments")
	}
	return s.ListCommitments(ctx, tenantID)
}

// CommitmentContact is what the commitments read of one ended contact
// beyond the rollups: its waits against what it was told, and when it
// asked to be called back.
type CommitmentContact struct {
	ID          int64
	QueueID     int64
	Channel     model.Channel
	EndedReason model.EndedReason
	ArrivedAt   time.Time
	AnsweredAt  *time.Time
	EndedAt     *time.Time
	// AnnouncedEWTSeconds is the wait it was told on arrival (nil: none).
	AnnouncedEWTSeconds *int
	ToldNoAgent         bool
	CSATScore           *int
	// CallbackAt is when it asked to be called back (its first callback
	// segment's start; its arrival when it asked at once); nil: never.
	CallbackAt *time.Time
}

// ScanCommitmentContacts calls fn with each of a tenant's ended contacts
// that arrived in [from, to), by arrival: one scan of the tenant's
// (tenant_id, arrived_at) index with each contact's callback segments
// joined, never more than the period's contacts, none kept in memory.
func (s *Store) ScanCommitmentContacts(ctx context.Context, tenantID int64, from, to time.Time, fn func(CommitmentContact) error) error {
	rows, err := s.conn().uncached().query(ctx, `SELECT i.id, i.queue_id, i.channel, i.ended_reason, i.arrived_at, i.answered_at, i.ended_at,
		i.announced_ewt_seconds, i.told_no_agent, i.csat_score, i.callback IS NOT NULL, s.started_at
		FROM interactions i LEFT JOIN segments s ON s.interaction_id = i.id AND s.tenant_id = i.tenant_id AND s.kind = 'callback'
		WHERE i.tenant_id = ? AND i.arrived_at >= ? AND i.arrived_at < ? AND i.state = 'ended'
		ORDER BY i.arrived_at, i.id, s.started_at`, tenantID, ts(from), ts(to))
	if err != nil {
		return fail(err, "scan contacts of tenant %d for commitments", tenantID)
	}
	defer rows.Close()
	var (
		cur  CommitmentContact
		have bool
	)
	for rows.Next() {
		var (
			c                 CommitmentContact
			answered, ended   sql.NullTime
			cbStart           sql.NullTime
			ewt, csat         sql.NullInt64
			callbackRequested bool
		)
		if err := rows.Scan(&c.ID, &c.QueueID, &c.Channel, &c.EndedReason, &c.ArrivedAt, &answered, &ended, &ewt, &c.ToldNoAgent,
			&csat, &callbackRequested, &cbStart); err != nil {
			return fail(err, "scan contacts of tenant %d for commitments", tenantID)
		}
		if have && c.ID == cur.ID {
			continue // a later callback segment of the same contact
		}
		if have {
			if err := fn(cur); err != nil {
				return err
			}
		}
		c.ArrivedAt = c.ArrivedAt.UTC()
		c.AnsweredAt, c.EndedAt = timePtr(answered), timePtr(ended)
		c.AnnouncedEWTSeconds, c.CSATScore = intPtr(ewt), intPtr(csat)
		switch {
		case cbStart.Valid:
			t := cbStart.Time.UTC()
			c.CallbackAt = &t
		case callbackRequested:
			t := c.ArrivedAt
			c.CallbackAt = &t
		}
		cur, have = c, true
	}
	if err := rows.Err(); err != nil {
		return fail(err, "scan contacts of tenant %d for commitments", tenantID)
	}
	if have {
		return fn(cur)
	}
	return nil
}
