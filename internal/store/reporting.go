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
	// Day is the bucket's local date (YYYY-MM-DD) in the time zone of the
	// contact's queue when counted; not part of the key (a function of the
	// bucket and the zone).
	Day string `json:"day"`
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
	// SLThreshold and ShortAbandon are its queue's, and TimeZone the zone
	// of its queue's schedule ("" without one: UTC).
	SLThreshold, ShortAbandon time.Duration
	TimeZone                  string
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
	i.report_pending, i.report_contrib, q.sl_threshold_seconds, q.short_abandon_seconds, COALESCE(sc.time_zone, '')`

// loadReportContacts reads ended interactions (with their queue's
// thresholds) and their segments.
func loadReportContacts(ctx context.Context, c conn, where string, args ...any) ([]ReportContact, error) {
	rows, err := c.query(ctx, "SELECT "+reportContactCols+` FROM interactions i
		JOIN queues q ON q.tenant_id = i.tenant_id AND q.id = i.queue_id
		LEFT JOIN schedules sc ON sc.tenant_id = q.tenant_id AND sc.id = q.schedule_id
		WHERE i.state = 'ended' AND `+where, args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(r scanner) (ReportContact, error) {
		var (
			rc        ReportContact
			sl, short int64
		)
		in, err := scanInteraction(extraScanner{r: r, extra: []any{&rc.Pending, &rc.Held, &sl, &short, &rc.TimeZone}})
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
	srows, err := c.uncached().query(ctx, "SELECT "+segmentCols+" FROM segments WHERE interaction_id IN ("+strings.Join(ids, ",")+") ORDER BY interaction_id, started_at, id")
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
	dayKeyCols     = []string{"tenant_id", "local_day", "queue_id", "tier", "channel", "entry_point_id"}
	queueValueCols = []string{"offered", "answered", "abandoned", "short_abandoned", "answered_in_sl", "flowed_out", "closed",
		"failed", "callbacks_requested", "callbacks_completed", "callbacks_failed", "rona", "wait_answered_ms",
		"wait_abandoned_ms", "max_wait_ms", "handled", "talk_ms", "hold_ms", "wrap_up_ms", "billable_ms",
		"csat_responses", "csat_sum", "csat_1", "csat_2", "csat_3", "csat_4", "csat_5", "told_no_agent",
		"ewt_told", "ewt_kept_0s", "ewt_kept_30s", "ewt_kept_60s", "ewt_kept_120s",
		"callbacks_within_15m", "callbacks_within_30m", "callbacks_within_1h", "callbacks_within_2h", "callbacks_within_4h", "callbacks_within_24h",
		"answered_within_10s", "answered_within_15s", "answered_within_20s", "answered_within_30s", "answered_within_45s", "answered_within_60s", "answered_within_90s", "answered_within_120s", "answered_within_180s", "answered_within_300s"}
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
		&c.CSATResponses, &c.CSATSum, &c.CSAT[0], &c.CSAT[1], &c.CSAT[2], &c.CSAT[3], &c.CSAT[4], &c.ToldNoAgent,
		&c.EWTTold, &c.EWTKept[0], &c.EWTKept[1], &c.EWTKept[2], &c.EWTKept[3],
		&c.CallbacksWithin[0], &c.CallbacksWithin[1], &c.CallbacksWithin[2], &c.CallbacksWithin[3], &c.CallbacksWithin[4], &c.CallbacksWithin[5],
		&c.AnsweredWithin[0], &c.AnsweredWithin[1], &c.AnsweredWithin[2], &c.AnsweredWithin[3], &c.AnsweredWithin[4], &c.AnsweredWithin[5], &c.AnsweredWithin[6], &c.AnsweredWithin[7], &c.AnsweredWithin[8], &c.AnsweredWithin[9]}
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

// upsertAdd is an INSERT of rows rows that adds its values to existing
// rows'; the columns named in maxCols take the larger value instead.
// insertKeys are the key columns and any written with them but never
// summed (rollup_queue's local_day); keys the conflict target.
func upsertAdd(d Dialect, table string, insertKeys, keys, values []string, rows int, maxCols ...string) string {
	cols := append(append([]string{}, insertKeys...), values...)
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
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
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s ON CONFLICT (%s) DO UPDATE SET %s",
		table, strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat(row+", ", rows), ", "), strings.Join(keys, ", "), strings.Join(sets, ", "))
}

// upsertRows is how many rows one rollup upsert writes at most (each row
// at most once: PostgreSQL refuses a statement touching a row twice, and
// the rows given are summed by key first).
const upsertRows = 100

// upsertMany writes rows (each the arguments of one row) with upsertAdd
// statements of at most upsertRows rows.
func upsertMany(ctx context.Context, c conn, table string, insertKeys, keys, values []string, rows [][]any, maxCols ...string) error {
	for len(rows) > 0 {
		n := min(len(rows), upsertRows)
		var args []any
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := c.uncached().exec(ctx, upsertAdd(c.dialect, table, insertKeys, keys, values, n, maxCols...), args...); err != nil {
			return fmt.Errorf("add to %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// addRollups adds rows to the rollup tables; rows of the same key must
// have been summed (mergeContributions).
func addRollups(ctx context.Context, c conn, tenantID int64, d Contribution) error {
	var qrows, drows, erows, arows [][]any
	day := map[[4]string]*QueueRollup{} // the daily table's key: day, queue, tier, channel and entry point
	var dayKeys [][4]string
	for _, r := range d.Queue {
		values := deref(queueValues(&r.Counts))
		qrows = append(qrows, append([]any{tenantID, ts(r.Bucket), r.QueueID, r.Tier, string(r.Channel), r.EntryPointID, r.Day}, values...))
		k := [4]string{r.Day, fmt.Sprint(r.QueueID), r.Tier + "\x00" + string(r.Channel), fmt.Sprint(r.EntryPointID)}
		if day[k] == nil {
			v := r
			day[k] = &v
			dayKeys = append(dayKeys, k)
		} else {
			day[k].Counts.Add(r.Counts)
		}
	}
	for _, k := range dayKeys {
		r := day[k]
		drows = append(drows, append([]any{tenantID, r.Day, r.QueueID, r.Tier, string(r.Channel), r.EntryPointID}, deref(queueValues(&r.Counts))...))
	}
	for _, r := range d.EWT {
		erows = append(erows, append([]any{tenantID, ts(r.Bucket), r.QueueID, r.Position}, deref(ewtValues(&r.EWT))...))
	}
	for _, r := range d.Agent {
		arows = append(arows, append([]any{tenantID, ts(r.Bucket), r.AgentID, r.QueueID, r.SiteID}, deref(agentValues(&r.AgentCounts))...))
	}
	if err := upsertMany(ctx, c, "rollup_queue", append(append([]string{}, queueKeyCols...), "local_day"), queueKeyCols, queueValueCols, qrows, "max_wait_ms"); err != nil {
		return err
	}
	if err := upsertMany(ctx, c, "rollup_queue_day", dayKeyCols, dayKeyCols, queueValueCols, drows, "max_wait_ms"); err != nil {
		return err
	}
	if err := upsertMany(ctx, c, "rollup_ewt", ewtKeyCols, ewtKeyCols, ewtValueCols, erows); err != nil {
		return err
	}
	return upsertMany(ctx, c, "rollup_agent", agentKeyCols, agentKeyCols, agentValueCols, arows)
}

// ApplyContributions applies changes in one transaction and returns how
// many it applied: a change whose held contribution is no longer the
// stored one (another worker or a rebuild got there first) is skipped.
// The interactions are marked a few hundred per statement, and the deltas
// of those applied summed by row before they are added.
func (s *Store) ApplyContributions(ctx context.Context, changes []ContributionChange) (int, error) {
	var applied int
	err := s.inTx(ctx, func(c conn) error {
		applied = 0
		byTenant := map[int64][]Contribution{}
		for start := 0; start < len(changes); start += markBatch {
			part := changes[start:min(start+markBatch, len(changes))]
			ids, err := markContributions(ctx, c, part, true)
			if err != nil {
				return err
			}
			for _, ch := range part {
				if ids[ch.InteractionID] {
					byTenant[ch.TenantID] = append(byTenant[ch.TenantID], ch.Delta)
					applied++
				}
			}
		}
		for tenant, list := range byTenant {
			if err := addRollups(ctx, c, tenant, mergeContributions(list)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fail(err, "apply %d report contributions", len(changes))
	}
	return applied, nil
}

// markBatch is how many interactions one statement marks as rolled up.
const markBatch = 200

// markContributions sets report_done and report_contrib of the changes'
// interactions in one statement (only where report_contrib is still the
// held one, when check is set) and returns the ids it set.
func markContributions(ctx context.Context, c conn, changes []ContributionChange, check bool) (map[int64]bool, error) {
	if len(changes) == 0 {
		return map[int64]bool{}, nil
	}
	// CASE lists keep the id lookups on the primary key (a join on a
	// VALUES list makes SQLite scan the table for each row).
	var done, contrib, held, in strings.Builder
	var dargs, cargs, hargs, iargs []any
	for i, ch := range changes {
		b, err := json.Marshal(ch.New)
		if err != nil {
			return nil, fmt.Errorf("encode report contribution: %w", err)
		}
		done.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
		dargs = append(dargs, ch.InteractionID, ch.Done)
		contrib.WriteString(" WHEN ? THEN ?")
		cargs = append(cargs, ch.InteractionID, string(b))
		held.WriteString(" WHEN ? THEN ?")
		hargs = append(hargs, ch.InteractionID, ch.Held)
		if i > 0 {
			in.WriteString(", ")
		}
		in.WriteString("?")
		iargs = append(iargs, ch.InteractionID)
	}
	tenant := changes[0].TenantID
	for _, ch := range changes {
		if ch.TenantID != tenant {
			tenant = 0
		}
	}
	q := "UPDATE interactions SET report_done = CASE id" + done.String() + " END, report_contrib = CASE id" + contrib.String() +
		" END WHERE id IN (" + in.String() + ")"
	args := append(append(dargs, cargs...), iargs...)
	if tenant != 0 {
		q += " AND tenant_id = ?"
		args = append(args, tenant)
	}
	if check {
		q += " AND report_contrib = CASE id" + held.String() + " END"
		args = append(args, hargs...)
	}
	q += " RETURNING id"
	res, err := c.uncached().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("mark contacts rolled up: %w", err)
	}
	ids, err := collect(res, func(r scanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, fmt.Errorf("mark contacts rolled up: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// mergeContributions sums contributions row by row.
func mergeContributions(list []Contribution) Contribution {
	qs := map[QueueKey]*kpi.Counts{}
	var qkeys []QueueKey
	es := map[EWTKey]*kpi.EWT{}
	var ekeys []EWTKey
	as := map[AgentKey]*AgentCounts{}
	var akeys []AgentKey
	for _, c := range list {
		for _, r := range c.Queue {
			if qs[r.QueueKey] == nil {
				qs[r.QueueKey] = &kpi.Counts{}
				qkeys = append(qkeys, r.QueueKey)
			}
			qs[r.QueueKey].Add(r.Counts)
		}
		for _, r := range c.EWT {
			if es[r.EWTKey] == nil {
				es[r.EWTKey] = &kpi.EWT{}
				ekeys = append(ekeys, r.EWTKey)
			}
			es[r.EWTKey].Add(r.EWT)
		}
		for _, r := range c.Agent {
			if as[r.AgentKey] == nil {
				as[r.AgentKey] = &AgentCounts{}
				akeys = append(akeys, r.AgentKey)
			}
			as[r.AgentKey].Add(r.AgentCounts)
		}
	}
	var out Contribution
	for _, k := range qkeys {
		out.Queue = append(out.Queue, QueueRollup{QueueKey: k, Counts: *qs[k]})
	}
	for _, k := range ekeys {
		out.EWT = append(out.EWT, EWTRollup{EWTKey: k, EWT: *es[k]})
	}
	for _, k := range akeys {
		out.Agent = append(out.Agent, AgentRollup{AgentKey: k, AgentCounts: *as[k]})
	}
	return out
}

// RebuildChunk replaces the rollups of a tenant's contacts that arrived in
// [from, to) by contributions, in one transaction: the rows of those
// buckets are deleted, every contribution added, and each interaction's
// held contribution and report_done set. Agent state rows are left alone
// (ReplaceAgentStateRollups), and the daily queue rows too
// (RebuildDayRollups, once every chunk is done).
func (s *Store) RebuildChunk(ctx context.Context, tenantID int64, from, to time.Time, contribs map[int64]ContributionChange) error {
	err := s.inTx(ctx, func(c conn) error {
		for _, t := range []string{"rollup_queue", "rollup_ewt", "rollup_agent"} {
			if _, err := c.exec(ctx, "DELETE FROM "+t+" WHERE tenant_id = ? AND bucket >= ? AND bucket < ?", tenantID, ts(from), ts(to)); err != nil {
				return fmt.Errorf("clear %s: %w", t, err)
			}
		}
		list := make([]ContributionChange, 0, len(contribs))
		for _, ch := range contribs {
			list = append(list, ch)
		}
		news := make([]Contribution, 0, len(list))
		for start := 0; start < len(list); start += markBatch {
			part := list[start:min(start+markBatch, len(list))]
			if _, err := markContributions(ctx, c, part, false); err != nil {
				return err
			}
			for _, ch := range part {
				news = append(news, ch.New)
			}
		}
		return addRollups(ctx, c, tenantID, mergeContributions(news))
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
	// ByTier keeps the tiers apart in QueueRollupsByDay.
	ByTier bool
}

func (f RollupFilter) where(tenantID int64, queueCol bool) (string, []any) {
	w := "tenant_id = ? AND bucket >= ? AND bucket < ?"
	args := []any{tenantID, ts(f.From), ts(f.To)}
	if queueCol {
		w, args = f.queueWhere(w, args, false)
	}
	return w, args
}

// queueWhere adds f's queue ids and, with contacts, its tier and channel
// to a condition.
func (f RollupFilter) queueWhere(w string, args []any, contacts bool) (string, []any) {
	if len(f.QueueIDs) > 0 {
		w += " AND queue_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(f.QueueIDs)), ", ") + ")"
		for _, id := range f.QueueIDs {
			args = append(args, id)
		}
	}
	if contacts && f.Tier != nil {
		w += " AND tier = ?"
		args = append(args, *f.Tier)
	}
	if contacts && f.Channel != "" {
		w += " AND channel = ?"
		args = append(args, string(f.Channel))
	}
	return w, args
}

// QueueRollups reads a tenant's rollup_queue rows, by bucket.
func (s *Store) QueueRollups(ctx context.Context, tenantID int64, f RollupFilter) ([]QueueRollup, error) {
	w, args := f.where(tenantID, false)
	w, args = f.queueWhere(w, args, true)
	rows, err := s.conn().query(ctx, "SELECT bucket, queue_id, tier, channel, entry_point_id, local_day, "+strings.Join(queueValueCols, ", ")+
		" FROM rollup_queue WHERE "+w+" ORDER BY bucket, queue_id, tier, channel, entry_point_id", args...)
	if err != nil {
		return nil, fail(err, "read queue rollups of tenant %d", tenantID)
	}
	out, err := collect(rows, func(r scanner) (QueueRollup, error) {
		var q QueueRollup
		err := r.Scan(append([]any{&q.Bucket, &q.QueueID, &q.Tier, &q.Channel, &q.EntryPointID, &q.Day}, queueValues(&q.Counts)...)...)
		q.Bucket = q.Bucket.UTC()
		return q, err
	})
	if err != nil {
		return nil, fail(err, "read queue rollups of tenant %d", tenantID)
	}
	return out, nil
}

// QueueRollupsByDay reads a tenant's daily queue rollups (rollup_queue_day)
// summed by local day and queue, for days in [fromDay, toDay] (YYYY-MM-DD,
// included) and f's queues, tier and channel (its From and To are not
// used): what reports by day, week and month need. Bucket is zero.
func (s *Store) QueueRollupsByDay(ctx context.Context, tenantID int64, f RollupFilter, fromDay, toDay string) ([]QueueRollup, error) {
	w, args := f.queueWhere("tenant_id = ? AND local_day >= ? AND local_day <= ?", []any{tenantID, fromDay, toDay}, true)
	tier := "'' AS tier"
	group := "local_day, queue_id"
	if f.ByTier {
		tier, group = "tier", group+", tier"
	}
	rows, err := s.conn().query(ctx, "SELECT local_day, queue_id, "+tier+", "+strings.Join(daySums(), ", ")+
		" FROM rollup_queue_day WHERE "+w+" GROUP BY "+group+" ORDER BY "+group, args...)
	if err != nil {
		return nil, fail(err, "read queue rollups of tenant %d by day", tenantID)
	}
	out, err := collect(rows, func(r scanner) (QueueRollup, error) {
		var q QueueRollup
		err := r.Scan(append([]any{&q.Day, &q.QueueID, &q.Tier}, queueValues(&q.Counts)...)...)
		return q, err
	})
	if err != nil {
		return nil, fail(err, "read queue rollups of tenant %d by day", tenantID)
	}
	return out, nil
}

// daySums are the aggregates of the queue rollups' values.
func daySums() []string {
	sums := make([]string, len(queueValueCols))
	for i, c := range queueValueCols {
		if c == "max_wait_ms" {
			sums[i] = "MAX(max_wait_ms)"
		} else {
			sums[i] = "SUM(" + c + ")"
		}
	}
	return sums
}

// RebuildDayRollups recomputes a tenant's daily queue rollups of the local
// days [fromDay, toDay] from its 15-minute ones, in one transaction.
func (s *Store) RebuildDayRollups(ctx context.Context, tenantID int64, fromDay, toDay string) error {
	err := s.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM rollup_queue_day WHERE tenant_id = ? AND local_day >= ? AND local_day <= ?", tenantID, fromDay, toDay); err != nil {
			return err
		}
		keys := strings.Join(dayKeyCols, ", ")
		_, err := c.exec(ctx, "INSERT INTO rollup_queue_day ("+keys+", "+strings.Join(queueValueCols, ", ")+") SELECT "+keys+", "+
			strings.Join(daySums(), ", ")+" FROM rollup_queue WHERE tenant_id = ? AND local_day >= ? AND local_day <= ? GROUP BY "+keys,
			tenantID, fromDay, toDay)
		return err
	})
	if err != nil {
		return fail(err, "rebuild daily rollups of tenant %d", tenantID)
	}
	return nil
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
