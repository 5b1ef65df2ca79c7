package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// StatsInterval is the length of the intervals TodayStats counts by.
const StatsInterval = 15 * time.Minute

// Counts are the contacts of one queue that arrived in one interval.
// Definitions (as in internal/wfm): a contact is offered when it arrives;
// answered when an agent took it (it counts where it arrived, even if it is
// answered later); abandoned when the customer left before being answered.
type Counts struct {
	Offered  int
	Answered int
	// Abandoned counts every abandon; ShortAbandoned those within the
	// short-abandon limit, a subset.
	Abandoned      int
	ShortAbandoned int
	// AnsweredInSL were answered within the queue's service-level
	// threshold. Pending are still waiting and have not yet waited the
	// threshold: they may still be answered in time, so a service level
	// leaves them out of its denominator (every other offered contact
	// counts, abandons as failures).
	AnsweredInSL int
	Pending      int
	// WaitSeconds is the total wait of the answered contacts.
	WaitSeconds float64
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Offered += o.Offered
	c.Answered += o.Answered
	c.Abandoned += o.Abandoned
	c.ShortAbandoned += o.ShortAbandoned
	c.AnsweredInSL += o.AnsweredInSL
	c.Pending += o.Pending
	c.WaitSeconds += o.WaitSeconds
}

// IntervalCounts are the counts of one queue in one StatsInterval.
type IntervalCounts struct {
	QueueID int64
	// Start is the start of the interval: from + n x StatsInterval.
	Start time.Time
	Counts
}

// TodayStats counts a tenant's contacts that arrived in [from, now], by
// queue and by StatsInterval from from, in one query. Each queue's
// service-level threshold is its own (sl_threshold_seconds); a short
// abandon is one within shortAbandon of the arrival. Intervals without
// contacts are left out; the result is ordered by queue then start.
func (s *Store) TodayStats(ctx context.Context, tenantID int64, from, now time.Time, shortAbandon time.Duration) ([]IntervalCounts, error) {
	if now.Before(from) {
		return nil, fmt.Errorf("today's stats: %w: now %v is before from %v", ErrInvalid, now, from)
	}
	from, now = ts(from), ts(now)
	// secs(a, b) is b - a in seconds; bucket(a) the interval of a.
	var secs func(a, b string) string
	var bucket string
	switch s.dialect {
	case Postgres:
		secs = func(a, b string) string { return "EXTRACT(EPOCH FROM (" + b + " - " + a + "))" }
		bucket = "CAST(FLOOR(" + secs("CAST(? AS TIMESTAMPTZ)", "i.arrived_at") + " / ?) AS BIGINT)"
	default:
		// SQLite keeps milliseconds: rounding to them undoes the
		// floating-point error of julianday, so 900 s is exactly 900.
		secs = func(a, b string) string {
			return "(ROUND((julianday(" + b + ") - julianday(" + a + ")) * 86400000.0) / 1000.0)"
		}
		// Arrivals are after from: truncation is the floor.
		bucket = "CAST(" + secs("?", "i.arrived_at") + " / ? AS INTEGER)"
	}
	nowArg := "?"
	if s.dialect == Postgres {
		nowArg = "CAST(? AS TIMESTAMPTZ)"
	}
	wait := secs("i.arrived_at", "i.answered_at")
	query := strings.NewReplacer("{bucket}", bucket, "{wait}", wait,
		"{abandon_wait}", secs("i.arrived_at", "i.ended_at"), "{waited}", secs("i.arrived_at", nowArg)).Replace(`
		SELECT i.queue_id, {bucket} AS bucket,
			COUNT(*),
			SUM(CASE WHEN i.answered_at IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN i.answered_at IS NULL AND i.ended_reason = ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN i.answered_at IS NULL AND i.ended_reason = ? AND {abandon_wait} < ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN i.answered_at IS NOT NULL AND {wait} <= q.sl_threshold_seconds THEN 1 ELSE 0 END),
			SUM(CASE WHEN i.answered_at IS NULL AND i.state <> ? AND {waited} < q.sl_threshold_seconds THEN 1 ELSE 0 END),
			COALESCE(SUM(CASE WHEN i.answered_at IS NOT NULL THEN {wait} END), 0)
		FROM interactions i JOIN queues q ON q.tenant_id = i.tenant_id AND q.id = i.queue_id
		WHERE i.tenant_id = ? AND i.arrived_at >= ? AND i.arrived_at <= ?
		GROUP BY i.queue_id, bucket
		ORDER BY i.queue_id, bucket`)
	step := StatsInterval.Seconds()
	rows, err := s.conn().query(ctx, query, from, step,
		model.EndAbandoned, model.EndAbandoned, shortAbandon.Seconds(), model.StateEnded, now,
		tenantID, from, now)
	if err != nil {
		return nil, fail(err, "today's stats of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (IntervalCounts, error) {
		var (
			ic IntervalCounts
			n  int64
		)
		err := r.Scan(&ic.QueueID, &n, &ic.Offered, &ic.Answered, &ic.Abandoned, &ic.ShortAbandoned, &ic.AnsweredInSL, &ic.Pending, &ic.WaitSeconds)
		ic.Start = from.Add(time.Duration(n) * StatsInterval)
		return ic, err
	})
	if err != nil {
		return nil, fail(err, "today's stats of tenant %d", tenantID)
	}
	return out, nil
}
