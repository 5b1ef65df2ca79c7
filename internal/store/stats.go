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

// Counts are the contacts of one queue that arrived in one interval, open
// ones included (the wallboard's today). Definitions are internal/kpi's: a
// contact is offered when it arrives while its queue is open (closed ones
// are not counted); answered when an agent took it (it counts where it
// arrived, even if it is answered later); abandoned when the customer left
// before being answered.
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
// queue and by StatsInterval from from. Each queue's service-level
// threshold is its own (sl_threshold_seconds), and so is its short-abandon
// threshold (short_abandon_seconds: an abandon within it of the arrival is
// short, as in internal/kpi). Intervals without contacts are left
// out; the result is ordered by queue then start. Two queries: the queues'
// thresholds, then the counts.
func (s *Store) TodayStats(ctx context.Context, tenantID int64, from, now time.Time) ([]IntervalCounts, error) {
	if now.Before(from) {
		return nil, fmt.Errorf("today's stats: %w: now %v is before from %v", ErrInvalid, now, from)
	}
	from, now = ts(from), ts(now)
	c := s.conn()
	qrows, err := c.query(ctx, "SELECT id, sl_threshold_seconds, short_abandon_seconds FROM queues WHERE tenant_id = ? ORDER BY id", tenantID)
	if err != nil {
		return nil, fail(err, "today's stats of tenant %d", tenantID)
	}
	thresholds, err := collect(qrows, func(r scanner) ([3]int64, error) {
		var v [3]int64
		err := r.Scan(&v[0], &v[1], &v[2])
		return v, err
	})
	if err != nil {
		return nil, fail(err, "today's stats of tenant %d", tenantID)
	}
	if len(thresholds) == 0 {
		return nil, nil // no queue, no contact
	}
	// The thresholds are constants of the query (no join per row); each
	// row's times are read once, as milliseconds since the epoch (exact
	// integers: SQLite keeps milliseconds, and rounding undoes the
	// floating-point error of julianday), in a subquery kept from being
	// flattened (which would parse the times again for every use); the
	// sums work on those numbers. Measured by BenchmarkTodayStats.
	var ms, bucket, keep string
	switch s.dialect {
	case Postgres:
		ms = "ROUND(date_part('epoch', {t}) * 1000)"
		bucket = "CAST(FLOOR((d.a - ?) / ?) AS BIGINT)"
		keep = "OFFSET 0"
	default:
		ms = "ROUND((julianday({t}) - 2440587.5) * 86400000.0)"
		bucket = "CAST((d.a - ?) / ? AS INTEGER)" // d.a >= from: truncation is the floor
		keep = "LIMIT -1"
	}
	msOf := func(col string) string { return strings.ReplaceAll(ms, "{t}", col) }
	// Arguments in the order of the placeholders in the query's text.
	args := []any{float64(from.UnixMilli()), StatsInterval.Milliseconds(), model.EndAbandoned,
		model.StateEnded, float64(now.UnixMilli())}
	caseOf := func(col int) string {
		var b strings.Builder
		b.WriteString("CASE i.queue_id")
		for _, t := range thresholds {
			b.WriteString(" WHEN CAST(? AS BIGINT) THEN CAST(? AS BIGINT)")
			args = append(args, t[0], t[col]*1000)
		}
		b.WriteString(" ELSE 0 END")
		return b.String()
	}
	thr := caseOf(1)
	short := caseOf(2)
	args = append(args, model.EndAbandoned, tenantID, from, now, model.EndClosed)
	query := strings.NewReplacer("{thr}", thr, "{short}", short, "{bucket}", bucket, "{keep}", keep,
		"{a}", msOf("i.arrived_at"), "{ans}", msOf("i.answered_at"), "{end}", msOf("i.ended_at")).Replace(`
		SELECT d.queue_id, {bucket} AS bucket,
			COUNT(*),
			SUM(CASE WHEN d.ans IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.ans IS NULL AND d.ended_reason = ? THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.e - d.a < d.short THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.ans - d.a <= d.thr THEN 1 ELSE 0 END),
			SUM(CASE WHEN d.ans IS NULL AND d.state <> ? AND ? - d.a < d.thr THEN 1 ELSE 0 END),
			COALESCE(SUM(d.ans - d.a), 0)
		FROM (SELECT i.queue_id, i.state, i.ended_reason, {thr} AS thr, {short} AS short, {a} AS a, {ans} AS ans,
				CASE WHEN i.answered_at IS NULL AND i.ended_reason = ? THEN {end} END AS e
			FROM interactions i
			WHERE i.tenant_id = ? AND i.arrived_at >= ? AND i.arrived_at <= ? AND i.ended_reason <> ?
			{keep}) d
		GROUP BY d.queue_id, bucket
		ORDER BY d.queue_id, bucket`)
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, fail(err, "today's stats of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (IntervalCounts, error) {
		var (
			ic IntervalCounts
			n  int64
		)
		var waitMS float64
		err := r.Scan(&ic.QueueID, &n, &ic.Offered, &ic.Answered, &ic.Abandoned, &ic.ShortAbandoned, &ic.AnsweredInSL, &ic.Pending, &waitMS)
		ic.Start = from.Add(time.Duration(n) * StatsInterval)
		ic.WaitSeconds = waitMS / 1000
		return ic, err
	})
	if err != nil {
		return nil, fail(err, "today's stats of tenant %d", tenantID)
	}
	return out, nil
}
