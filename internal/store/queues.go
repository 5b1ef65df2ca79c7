package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/plateau-cc/plateau/internal/model"
)

const queueCols = `id, tenant_id, name, channel, priority, sl_target_pct, sl_threshold_seconds,
	skills, relax, max_wait_seconds, max_waiting, overflow_action, overflow_queue_id, overflow_message,
	schedule_id, tiers, aging_per_minute, strategy, offer_timeout_seconds, wrap_up_seconds,
	recording, recording_retention_days, short_abandon_seconds, voice_survey`

func scanQueue(r scanner) (model.Queue, error) {
	var (
		q                    model.Queue
		skills, relax, tiers string
		overflowQueue, sched sql.NullInt64
		short                int
	)
	err := r.Scan(&q.ID, &q.TenantID, &q.Name, &q.Channel, &q.Priority, &q.SLTargetPct, &q.SLThresholdSeconds,
		&skills, &relax, &q.MaxWaitSeconds, &q.MaxWaiting, &q.Overflow.Action, &overflowQueue, &q.Overflow.Message,
		&sched, &tiers, &q.AgingPerMinute, &q.Strategy, &q.OfferTimeoutSeconds, &q.WrapUpSeconds,
		&q.Recording, &q.RecordingRetentionDays, &short, &q.VoiceSurvey)
	if err != nil {
		return q, err
	}
	q.ShortAbandonSeconds = &short
	q.Overflow.QueueID = int64Ptr(overflowQueue)
	q.ScheduleID = int64Ptr(sched)
	if q.Skills, err = fromJSON[model.SkillRequirement](skills, "skills"); err != nil {
		return q, err
	}
	if q.Relax, err = fromJSON[model.RelaxStep](relax, "relax"); err != nil {
		return q, err
	}
	q.Tiers, err = fromJSON[model.Tier](tiers, "tiers")
	return q, err
}

// queueArgs returns the values of every column after id and tenant_id, in queueCols order.
func queueArgs(q model.Queue) ([]any, error) {
	skills, err := toJSON(q.Skills)
	if err != nil {
		return nil, err
	}
	for i := range q.Relax {
		if q.Relax[i].Skills == nil {
			q.Relax[i].Skills = []model.SkillRequirement{}
		}
	}
	relax, err := toJSON(q.Relax)
	if err != nil {
		return nil, err
	}
	tiers, err := toJSON(q.Tiers)
	if err != nil {
		return nil, err
	}
	action := q.Overflow.Action
	if action == "" {
		action = model.OverflowNone
	}
	return []any{q.Name, q.Channel, q.Priority, q.SLTargetPct, q.SLThresholdSeconds,
		skills, relax, q.MaxWaitSeconds, q.MaxWaiting, action, nullInt64(q.Overflow.QueueID), q.Overflow.Message,
		nullInt64(q.ScheduleID), tiers, q.AgingPerMinute, q.Strategy, q.OfferTimeoutSeconds, q.WrapUpSeconds,
		q.Recording, q.RecordingRetentionDays, q.ShortAbandon(), q.VoiceSurvey}, nil
}

// CreateQueue stores a new queue in the tenant. Its skills, overflow queue
// and schedule must belong to the tenant (ErrInvalid otherwise); a duplicate
// name is ErrConflict.
func (s *Store) CreateQueue(ctx context.Context, tenantID int64, q model.Queue) (model.Queue, error) {
	q.ID = 0
	if err := q.Validate(); err != nil {
		return model.Queue{}, invalidInput(err, "create queue")
	}
	args, err := queueArgs(q)
	if err != nil {
		return model.Queue{}, fail(err, "create queue %q", q.Name)
	}
	var id int64
	err = s.inTx(ctx, func(c conn) error {
		if err := checkSkillsExist(ctx, c, tenantID, "skills", q.SkillIDs()); err != nil {
			return err
		}
		id, err = c.insert(ctx, `INSERT INTO queues (tenant_id, name, channel, priority, sl_target_pct, sl_threshold_seconds,
			skills, relax, max_wait_seconds, max_waiting, overflow_action, overflow_queue_id, overflow_message,
			schedule_id, tiers, aging_per_minute, strategy, offer_timeout_seconds, wrap_up_seconds,
			recording, recording_retention_days, short_abandon_seconds, voice_survey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append([]any{tenantID}, args...)...)
		return err
	})
	if err != nil {
		return model.Queue{}, fail(err, "create queue %q", q.Name)
	}
	return s.GetQueue(ctx, tenantID, id)
}

// GetQueue returns one of the tenant's queues.
func (s *Store) GetQueue(ctx context.Context, tenantID, id int64) (model.Queue, error) {
	q, err := scanQueue(s.conn().queryRow(ctx, "SELECT "+queueCols+" FROM queues WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return model.Queue{}, fail(err, "get queue %d", id)
	}
	return q, nil
}

// ListQueues returns the tenant's queues, by id.
func (s *Store) ListQueues(ctx context.Context, tenantID int64) ([]model.Queue, error) {
	out, err := listQueues(ctx, s.conn(), tenantID)
	if err != nil {
		return nil, fail(err, "list queues")
	}
	return out, nil
}

func listQueues(ctx context.Context, c conn, tenantID int64) ([]model.Queue, error) {
	rows, err := c.query(ctx, "SELECT "+queueCols+" FROM queues WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanQueue)
}

// UpdateQueue replaces one of the tenant's queues (q.ID names it), under the
// same rules as CreateQueue.
func (s *Store) UpdateQueue(ctx context.Context, tenantID int64, q model.Queue) error {
	if err := q.Validate(); err != nil {
		return invalidInput(err, "update queue %d", q.ID)
	}
	args, err := queueArgs(q)
	if err != nil {
		return fail(err, "update queue %d", q.ID)
	}
	err = s.inTx(ctx, func(c conn) error {
		if err := checkSkillsExist(ctx, c, tenantID, "skills", q.SkillIDs()); err != nil {
			return err
		}
		if q.Channel != model.ChannelVoice {
			if e, key, ok, err := menuLeadingTo(ctx, c, tenantID, q.ID); err != nil {
				return err
			} else if ok {
				return fmt.Errorf("%w: key %s of the menu of entry point %d (%s) leads to it: a menu leads to voice queues", ErrConflict, key, e.ID, e.Address)
			}
		}
		return c.execOne(ctx, `UPDATE queues SET name = ?, channel = ?, priority = ?, sl_target_pct = ?, sl_threshold_seconds = ?,
			skills = ?, relax = ?, max_wait_seconds = ?, max_waiting = ?, overflow_action = ?, overflow_queue_id = ?, overflow_message = ?,
			schedule_id = ?, tiers = ?, aging_per_minute = ?, strategy = ?, offer_timeout_seconds = ?, wrap_up_seconds = ?,
			recording = ?, recording_retention_days = ?, short_abandon_seconds = ?, voice_survey = ? WHERE tenant_id = ? AND id = ?`,
			append(args, tenantID, q.ID)...)
	})
	if err != nil {
		return fail(err, "update queue %d", q.ID)
	}
	return nil
}

// DeleteQueue removes one of the tenant's queues. A queue that has had
// contacts, is an overflow target, is named by an entry point or is in an
// agent's queue list is ErrConflict.
func (s *Store) DeleteQueue(ctx context.Context, tenantID, id int64) error {
	err := s.inTx(ctx, func(c conn) error {
		agents, err := listAgents(ctx, c, tenantID)
		if err != nil {
			return err
		}
		for _, a := range agents {
			if slices.Contains(a.QueueIDs, id) {
				return fmt.Errorf("%w: agent %d (%s) serves it", ErrConflict, a.ID, a.Name)
			}
		}
		if e, key, ok, err := menuLeadingTo(ctx, c, tenantID, id); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: key %s of the menu of entry point %d (%s) leads to it", ErrConflict, key, e.ID, e.Address)
		}
		return c.execOne(ctx, "DELETE FROM queues WHERE tenant_id = ? AND id = ?", tenantID, id)
	})
	if err != nil {
		return failDelete(err, "delete queue %d", id)
	}
	return nil
}

// menuLeadingTo finds an entry point of the tenant whose menu leads to
// queue id, and the key that does.
func menuLeadingTo(ctx context.Context, c conn, tenantID, id int64) (model.EntryPoint, string, bool, error) {
	eps, err := listEntryPoints(ctx, c, tenantID)
	if err != nil {
		return model.EntryPoint{}, "", false, err
	}
	for _, e := range eps {
		if e.Menu == nil {
			continue
		}
		for _, o := range e.Menu.Options {
			if o.QueueID == id {
				return e, o.Key, true, nil
			}
		}
	}
	return model.EntryPoint{}, "", false, nil
}
