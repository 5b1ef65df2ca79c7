package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
)

// Reporting storage: the 15-minute rollups that reports read, and what
// keeps them up to date (internal/report computes; this file stores).
//
// An interaction's figures change when it ends and when it is rated: each
// such change adds one to its report_pending. The rollups hold, for each
// interaction, its contribution as of report_done (kept as JSON in
// report_contrib); ApplyContributions adds the difference between a new
// contribution and the one held, and sets report_done, in one transaction,
// and only if the held contribution is still the one the caller read (so
// two workers never apply the same change twice).

// QueueKey identifies a rollup_queue row.
type QueueKey struct {
	Bucket       time.Time     `json:"bucket"`
	QueueID      int64         `json:"queue_id"`
	Tier         string        `json:"tier"`
	Channel      model.Channel `json:"channel"`
	EntryPointID int64         `json:"entry_point_id"` // 0: none
}

// QueueRollup is a rollup_queue row (or one contact's share of one).
type QueueRollup struct {
	QueueKey
	kpi.Counts
}

// EWTKey identifies a rollup_ewt row.
type EWTKey struct {
	Bucket   time.Time `json:"bucket"`
	QueueID  int64     `json:"queue_id"`
	Position int       `json:"position"` // kpi.PositionBand
}

// EWTRollup is a rollup_ewt row.
type EWTRollup struct {
	EWTKey
	kpi.EWT
}

// AgentKey identifies a rollup_agent row.
type AgentKey struct {
	Bucket  time.Time `json:"bucket"`
	AgentID int64     `json:"agent_id"`
	QueueID int64     `json:"queue_id"`
	SiteID  int64     `json:"site_id"` // the agent's site when counted; 0: unknown
}

// AgentCounts are the contacts an agent handled.
type AgentCounts struct {
	Handled       int64 `json:"handled"`
	TalkMS        int64 `json:"talk_ms"`
	HoldMS        int64 `json:"hold_ms"`
	WrapUpMS      int64 `json:"wrap_up_ms"`
	RONA          int64 `json:"rona"`
	CSATResponses int64 `json:"csat_responses"`
	CSATSum       int64 `json:"csat_sum"`
}

func (a *AgentCounts) combine(o AgentCounts, sign int64) {
	a.Handled += sign * o.Handled
	a.TalkMS += sign * o.TalkMS
	a.HoldMS += sign * o.HoldMS
	a.WrapUpMS += sign * o.WrapUpMS
	a.RONA += sign * o.RONA
	a.CSATResponses += sign * o.CSATResponses
	a.CSATSum += sign * o.CSATSum
}

// Add adds o to a.
func (a *AgentCounts) Add(o AgentCounts) { a.combine(o, 1) }

// Sub takes o from a.
func (a *AgentCounts) Sub(o AgentCounts) { a.combine(o, -1) }

// AgentRollup is a rollup_agent row.
type AgentRollup struct {
	AgentKey
	AgentCounts
}

// AgentStateKey identifies a rollup_agent_state row.
type AgentStateKey struct {
	Bucket  time.Time `json:"bucket"`
	AgentID int64     `json:"agent_id"`
	State   string    `json:"state"`
	Reason  string    `json:"reason"`
}

// AgentStateRollup is a rollup_agent_state row.
type AgentStateRollup struct {
	AgentStateKey
	MS int64 `json:"ms"`
}

// Contribution is everything one interaction adds to the rollups.
type Contribution struct {
	Queue []QueueRollup `json:"queue,omitempty"`
	EWT   []EWTRollup   `json:"ewt,omitempty"`
	Agent []AgentRollup `json:"agent,omitempty"`
}

// IsZero reports whether c adds nothing.
func (c Contribution) IsZero() bool { return len(c.Queue) == 0 && len(c.EWT) == 0 && len(c.Agent) == 0 }

// ReportContact is an ended interaction with what its contribution is
// computed from.
type ReportContact struct {
	model.Interaction
	Segments []model.Segment
	// SLThreshold and ShortAbandon are its queue's.
	SLThreshold, ShortAbandon time.Duration
	// Pending is its report_pending; Held the contribution the rollups hold
	// for it (as stored, "" for none).
	Pending int64
	Held    string
}

// DecodeContribution reads a stored contribution ("" is none).
func DecodeContribution(s string) (Contribution, error) {
	var c Contribution
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("decode report contribution: %w", err)
	}
	return c, nil
}

// ContributionChange replaces what the rollups hold for one interaction.
type ContributionChange struct {
	TenantID, InteractionID int64
	// Done is the report_pending the new contribution was computed at;
	// Held the contribution read with it (as stored), New the new one.
	Done int64
	Held string
	New  Contribution
	// Delta is New less the held contribution, row by row.
	Delta Contribution
}

const reportContactCols = `i.id, i.tenant_id, i.queue_id, i.channel, i.tier, i.customer_name, i.customer_phone, i.customer_email,
	i.customer_external_id, i.state, i.ended_reason, i.arrived_at, i.answered_at, i.ended_at, i.announced_ewt_seconds,
	i.announced_position, i.agent_id, i.disposition, i.notes, i.csat_score, i.csat_comment, i.callback, i.resume_token_hash,
	i.entry_point_id, i.queue_path, i.menu_choice, i.told_no_agent,
	i.report_pending, i.report_contrib, q.sl_threshold_seconds, q.short_abandon_seconds`

// loadReportContacts reads ended interactions (with their queue's
// thresholds) and their segments.
func loadReportContacts(ctx context.Context, c conn, where string, args ...any) ([]ReportContact, error) {
	rows, err := c.query(ctx, "SELECT "+reportContactCols+` FROM interactions i
		JOIN queues q ON q.tenant_id = i.tenant_id AND q.id = i.queue_id
		WHERE i.state = 'ended' AND `+where, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(r scanner) (ReportContact, error) {
		var (
			rc        ReportContact
			sl, short int64
		)
		in, err := scanInteraction(extraScanner{r: r, extra: []any{&rc.Pending, &rc.Held, &sl, &short}})
		if err != nil {
			return rc, err
		}
		rc.Interaction = in
		rc.SLThreshold = time.Duration(sl) * time.Second
		rc.ShortAbandon = time.Duration(short) * time.Second
		return rc, nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[int64]int, len(out))
	ids := make([]string, len(out))
	for i, rc := range out {
		byID[rc.ID] = i
		ids[i] = fmt.Sprint(rc.ID)
	}
	srows, err := c.query(ctx, "SELECT "+segmentCols+" FROM segments WHERE interaction_id IN ("+strings.Join(ids, ",")+") ORDER BY interaction_id, started_at, id")
	if err != nil {
		return nil, err
	}
	segs, err := collect(srows, scanSegment)
	if err != nil {
		return nil, err
	}
	for _, sg := range segs {
		i := byID[sg.InteractionID]
		out[i].Segments = append(out[i].Segments, sg)
	}
	return out, nil
}

// extraScanner scans a row whose leading columns are scanInteraction's
// and whose trailing ones go to extra.
type extraScanner struct {
	r     scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.r.Scan(append(dest, e.extra...)...) }

// DirtyContacts returns up to limit ended interactions whose rollups lag
// (report_pending > report_done), oldest first.
func (s *Store) DirtyContacts(ctx context.Context, limit int) ([]ReportContact, error) {
	out, err := loadReportContacts(ctx, s.conn(), "i.report_pending <> i.report_done ORDER BY i.id LIMIT ?", limit)
	if err != nil {
		return nil, fail(err, "list contacts to roll up")
	}
	return out, nil
}

// ContactsArrived returns up to limit of a tenant's ended interactions that
// arrived in [from, to) with an id above afterID, by id.
func (s *Store) ContactsArrived(ctx context.Context, tenantID int64, from, to time.Time, afterID int64, limit int) ([]ReportContact, error) {
	out, err := loadReportContacts(ctx, s.conn(), "i.tenant_id = ? AND i.arrived_at >= ? AND i.arrived_at < ? AND i.id > ? ORDER BY i.id LIMIT ?",
		tenantID, ts(from), ts(to), afterID, limit)
	if err != nil {
		return nil, fail(err, "list contacts of tenant %d", tenantID)
	}
	return out, nil
}

// AgentSites maps a tenant's agents to their sites.
func (s *Store) AgentSites(ctx context.Context, tenantID int64) (map[int64]int64, error) {
	rows, err := s.conn().query(ctx, "SELECT id, site_id FROM agents WHERE tenant_id = ?", tenantID)
	if err != nil {
		return nil, fail(err, "list agents' sites")
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, site int64
		if err := rows.Scan(&id, &site); err != nil {
			return nil, fail(err, "list agents' sites")
		}
		out[id] = site
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "list agents' sites")
	}
	return out, nil
}

// Column lists of the rollup tables, in the order of the Go fields.
var (
	queueKeyCols   = []string{"tenant_id", "bucket", "queue_id", "tier", "channel", "entry_point_id"}
	queueValueCols = []string{"offered", "answered", "abandoned", "short_abandoned", "answered_in_sl", "flowed_out", "closed",
		"failed", "callbacks_requested", "callbacks_completed", "callbacks_failed", "rona", "wait_answered_ms",
		"wait_abandoned_ms", "max_wait_ms", "handled", "talk_ms", "hold_ms", "wrap_up_ms", "billable_ms",
		"csat_responses", "csat_sum", "csat_1", "csat_2", "csat_3", "csat_4", "csat_5", "told_no_agent"}
	ewtKeyCols     = []string{"tenant_id", "bucket", "queue_id", "position"}
	ewtValueCols   = []string{"contacts", "abs_error_ms", "error_ms", "within_30s", "within_25pct"}
	agentKeyCols   = []string{"tenant_id", "bucket", "agent_id", "queue_id", "site_id"}
	agentValueCols = []string{"handled", "talk_ms", "hold_ms", "wrap_up_ms", "rona", "csat_responses", "csat_sum"}
	stateKeyCols   = []string{"tenant_id", "bucket", "agent_id", "state", "reason"}
	stateValueCols = []string{"ms"}
)

func queueValues(c *kpi.Counts) []any {
	return []any{&c.Offered, &c.Answered, &c.Abandoned, &c.ShortAbandoned, &c.AnsweredInSL, &c.FlowedOut, &c.Closed,
		&c.Refused, &c.CallbacksRequested, &c.CallbacksCompleted, &c.CallbacksFailed, &c.RONA, &c.WaitAnsweredMS,
		&c.WaitAbandonedMS, &c.MaxWaitMS, &c.Handled, &c.TalkMS, &c.HoldMS, &c.WrapUpMS, &c.BillableMS,
		&c.CSATResponses, &c.CSATSum, &c.CSAT[0], &c.CSAT[1], &c.CSAT[2], &c.CSAT[3], &c.CSAT[4], &c.ToldNoAgent}
}

func ewtValues(e *kpi.EWT) []any {
	return []any{&e.Contacts, &e.AbsErrorMS, &e.ErrorMS, &e.Within30s, &e.Within25Pct}
}

func agentValues(a *AgentCounts) []any {
	return []any{&a.Handled, &a.TalkMS, &a.HoldMS, &a.WrapUpMS, &a.RONA, &a.CSATResponses, &a.CSATSum}
}

// deref turns pointers to int64 into values for a statement.
func deref(ptrs []any) []any {
	out := make([]any, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p.(*int64)
	}
	return out
}

// upsertAdd is an INSERT that adds its values to an existing row's; the
// columns named in maxCols take the larger value instead.
func upsertAdd(d Dialect, table string, keys, values []string, maxCols ...string) string {
	cols := append(append([]string{}, keys...), values...)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	sets := make([]string, len(values))
	greatest := "MAX"
	if d == Postgres {
		greatest = "GREATEST"
	}
	for i, v := range values {
		sets[i] = fmt.Sprintf("%s = %s.%s + excluded.%s", v, table, v, v)
		for _, m := range maxCols {
			if m == v {
				sets[i] = fmt.Sprintf("%s = %s(%s.%s, excluded.%s)", v, greatest, table, v, v)
			}
		}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s",
		table, strings.Join(cols, ", "), marks, strings.Join(keys, ", "), strings.Join(sets, ", "))
}

// addRollups adds rows to the rollup tables.
func addRollups(ctx context.Context, c conn, tenantID int64, d Contribution) error {
	if len(d.Queue) > 0 {
		q := upsertAdd(c.dialect, "rollup_queue", queueKeyCols, queueValueCols, "max_wait_ms")
		for _, r := range d.Queue {
			args := append([]any{tenantID, ts(r.Bucket), r.QueueID, r.Tier, string(r.Channel), r.EntryPointID}, deref(queueValues(&r.Counts))...)
			if _, err := c.exec(ctx, q, args...); err != nil {
				return fmt.Errorf("add to queue rollup: %w", err)
			}
		}
	}
	if len(d.EWT) > 0 {
		q := upsertAdd(c.dialect, "rollup_ewt", ewtKeyCols, ewtValueCols)
		for _, r := range d.EWT {
			args := append([]any{tenantID, ts(r.Bucket), r.QueueID, r.Position}, deref(ewtValues(&r.EWT))...)
			if _, err := c.exec(ctx, q, args...); err != nil {
				return fmt.Errorf("add to wait announcement rollup: %w", err)
			}
		}
	}
	if len(d.Agent) > 0 {
		q := upsertAdd(c.dialect, "rollup_agent", agentKeyCols, agentValueCols)
		for _, r := range d.Agent {
			args := append([]any{tenantID, ts(r.Bucket), r.AgentID, r.QueueID, r.SiteID}, deref(agentValues(&r.AgentCounts))...)
			if _, err := c.exec(ctx, q, args...); err != nil {
				return fmt.Errorf("add to agent rollup: %w", err)
			}
		}
	}
	return nil
}

// ApplyContributions applies changes in one transaction and returns how
// many it applied: a change whose held contribution is no longer the
// stored one (another worker or a rebuild got there first) is skipped.
func (s *Store) ApplyContributions(ctx context.Context, changes []ContributionChange) (int, error) {
	var applied int
	err := s.inTx(ctx, func(c conn) error {
		applied = 0
		for _, ch := range changes {
			b, err := json.Marshal(ch.New)
			if err != nil {
				return fmt.Errorf("encode report contribution: %w", err)
			}
			res, err := c.exec(ctx, "UPDATE interactions SET report_done = ?, report_contrib = ? WHERE tenant_id = ? AND id = ? AND report_contrib = ?",
				ch.Done, string(b), ch.TenantID, ch.InteractionID, ch.Held)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				continue
			}
			if err := addRollups(ctx, c, ch.TenantID, ch.Delta); err != nil {
				return err
			}
			applied++
		}
		return nil
	})
	if err != nil {
		return 0, fail(err, "apply %d report contributions", len(changes))
	}
	return applied, nil
}

// RebuildChunk replaces the rollups of a tenant's contacts that arrived in
// [from, to) by contributions, in one transaction: the rows of those
// buckets are deleted, every contribution added, and each interaction's
// held contribution and report_done set. Agent state rows are left alone
// (ReplaceAgentStateRollups).
func (s *Store) RebuildChunk(ctx context.Context, tenantID int64, from, to time.Time, contribs map[int64]ContributionChange) error {
	err := s.inTx(ctx, func(c conn) error {
		for _, t := range []string{"rollup_queue", "rollup_ewt", "rollup_agent"} {
			if _, err := c.exec(ctx, "DELETE FROM "+t+" WHERE tenant_id = ? AND bucket >= ? AND bucket < ?", tenantID, ts(from), ts(to)); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		for id, ch := range contribs {
			b, err := json.Marshal(ch.New)
			if err != nil {
				return fmt.Errorf("encode report contribution: %w", err)
			}
			if _, err := c.exec(ctx, "UPDATE interactions SET report_done = ?, report_contrib = ? WHERE tenant_id = ? AND id = ?",
				ch.Done, string(b), tenantID, id); err != nil {
				return err
			}
			if err := addRollups(ctx, c, tenantID, ch.New); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fail(err, "rebuild rollups of tenant %d from %s", tenantID, from.Format(time.RFC3339))
	}
	return nil
}

// RollupFilter narrows the rollup rows read; zero fields match everything.
type RollupFilter struct {
	From, To time.Time // buckets in [From, To)
	QueueIDs []int64
	Tier     *string
	Channel  model.Channel
	AgentID  int64
}

func (f RollupFilter) where(tenantID int64, queueCol bool) (string, []any) {
	w := "tenant_id = ? AND bucket >= ? AND bucket < ?"
	args := []any{tenantID, ts(f.From), ts(f.To)}
	if queueCol && len(f.QueueIDs) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.QueueIDs)), ", ")
		w += " AND queue_id IN (" + marks + ")"
		for _, id := range f.QueueIDs {
			args = append(args, id)
		}
	}
	return w, args
}

// QueueRollups reads a tenant's rollup_queue rows, by bucket.
func (s *Store) QueueRollups(ctx context.Context, tenantID int64, f RollupFilter) ([]QueueRollup, error) {
	w, args := f.where(tenantID, true)
	if f.Tier != nil {
		w += " AND tier = ?"
		args = append(args, *f.Tier)
	}
	if f.Channel != "" {
		w += " AND channel = ?"
		args = append(args, string(f.Channel))
	}
	rows, err := s.conn().query(ctx, "SELECT bucket, queue_id, tier, channel, entry_point_id, "+strings.Join(queueValueCols, ", ")+
		" FROM rollup_queue WHERE "+w+" ORDER BY bucket, queue_id, tier, channel, entry_point_id", args...)
	if err != nil {
		return nil, fail(err, "read queue rollups of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (QueueRollup, error) {
		var q QueueRollup
		err := r.Scan(append([]any{&q.Bucket, &q.QueueID, &q.Tier, &q.Channel, &q.EntryPointID}, queueValues(&q.Counts)...)...)
		q.Bucket = q.Bucket.UTC()
		return q, err
	})
	if err != nil {
		return nil, fail(err, "read queue rollups of tenant %d", tenantID)
	}
	return out, nil
}

// EWTRollups reads a tenant's rollup_ewt rows, by bucket.
func (s *Store) EWTRollups(ctx context.Context, tenantID int64, f RollupFilter) ([]EWTRollup, error) {
	w, args := f.where(tenantID, true)
	rows, err := s.conn().query(ctx, "SELECT bucket, queue_id, position, "+strings.Join(ewtValueCols, ", ")+
		" FROM rollup_ewt WHERE "+w+" ORDER BY bucket, queue_id, position", args...)
	if err != nil {
		return nil, fail(err, "read wait announcement rollups of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (EWTRollup, error) {
		var e EWTRollup
		err := r.Scan(append([]any{&e.Bucket, &e.QueueID, &e.Position}, ewtValues(&e.EWT)...)...)
		e.Bucket = e.Bucket.UTC()
		return e, err
	})
	if err != nil {
		return nil, fail(err, "read wait announcement rollups of tenant %d", tenantID)
	}
	return out, nil
}

// AgentRollups reads a tenant's rollup_agent rows, by bucket.
func (s *Store) AgentRollups(ctx context.Context, tenantID int64, f RollupFilter) ([]AgentRollup, error) {
	w, args := f.where(tenantID, true)
	if f.AgentID != 0 {
		w += " AND agent_id = ?"
		args = append(args, f.AgentID)
	}
	rows, err := s.conn().query(ctx, "SELECT bucket, agent_id, queue_id, site_id, "+strings.Join(agentValueCols, ", ")+
		" FROM rollup_agent WHERE "+w+" ORDER BY bucket, agent_id, queue_id, site_id", args...)
	if err != nil {
		return nil, fail(err, "read agent rollups of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (AgentRollup, error) {
		var a AgentRollup
		err := r.Scan(append([]any{&a.Bucket, &a.AgentID, &a.QueueID, &a.SiteID}, agentValues(&a.AgentCounts)...)...)
		a.Bucket = a.Bucket.UTC()
		return a, err
	})
	if err != nil {
		return nil, fail(err, "read agent rollups of tenant %d", tenantID)
	}
	return out, nil
}

// AgentStateRollups reads a tenant's rollup_agent_state rows, by bucket.
func (s *Store) AgentStateRollups(ctx context.Context, tenantID int64, f RollupFilter) ([]AgentStateRollup, error) {
	w, args := f.where(tenantID, false)
	if f.AgentID != 0 {
		w += " AND agent_id = ?"
		args = append(args, f.AgentID)
	}
	rows, err := s.conn().query(ctx, "SELECT bucket, agent_id, state, reason, ms FROM rollup_agent_state WHERE "+w+
		" ORDER BY bucket, agent_id, state, reason", args...)
	if err != nil {
		return nil, fail(err, "read agent state rollups of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (AgentStateRollup, error) {
		var a AgentStateRollup
		err := r.Scan(&a.Bucket, &a.AgentID, &a.State, &a.Reason, &a.MS)
		a.Bucket = a.Bucket.UTC()
		return a, err
	})
	if err != nil {
		return nil, fail(err, "read agent state rollups of tenant %d", tenantID)
	}
	return out, nil
}
