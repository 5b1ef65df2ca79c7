package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// AgentRow is one agent's figures over one period (see internal/kpi).
// Times are in seconds.
type AgentRow struct {
	Period            string             `json:"period"`
	PeriodStart       time.Time          `json:"period_start"`
	PeriodEnd         time.Time          `json:"period_end"`
	AgentID           int64              `json:"agent_id"`
	Agent             string             `json:"agent"`
	SiteID            int64              `json:"site_id"`
	Site              string             `json:"site"`
	LoginSeconds      float64            `json:"login_seconds"`
	ReadySeconds      float64            `json:"ready_seconds"`
	OfferedSeconds    float64            `json:"offered_seconds"`
	BusySeconds       float64            `json:"busy_seconds"`
	WrapUpSeconds     float64            `json:"wrap_up_seconds"`
	NotReadySeconds   float64            `json:"not_ready_seconds"`
	NotReadyByReason  map[string]float64 `json:"not_ready_by_reason"`
	Occupancy         *float64           `json:"occupancy"`
	Handled           int64              `json:"handled"`
	AHTSeconds        *float64           `json:"aht_seconds"`
	TalkSeconds       *float64           `json:"talk_seconds"`
	HoldSeconds       *float64           `json:"hold_seconds"`
	ContactWrapUpSecs *float64           `json:"contact_wrap_up_seconds"`
	RONA              int64              `json:"rona"`
	CSATMean          *float64           `json:"csat_mean"`
	CSATResponses     int64              `json:"csat_responses"`
}

// AgentReport is the agents report: a row per period and agent, in the
// tenant's time zone (that of its first queue with a schedule).
type AgentReport struct {
	From  string     `json:"from"`
	To    string     `json:"to"`
	Group Group      `json:"group"`
	Rows  []AgentRow `json:"rows"`
	// Total is every row's sums over the whole period, its ratios and
	// means computed from them (internal/kpi), not from the rows' own.
	Total AgentRow `json:"total"`
}

type agentSums struct {
	time     kpi.AgentTime
	contacts store.AgentCounts
}

func seconds(ms int64) float64 { return float64(ms) / 1000 }

func meanSec(ms, n int64) *float64 {
	if n <= 0 {
		return nil
	}
	v := float64(ms) / 1000 / float64(n)
	return &v
}

// agentRow is the figures of t and c (internal/kpi), without period or agent.
func agentRow(t kpi.AgentTime, c store.AgentCounts) AgentRow {
	row := AgentRow{LoginSeconds: seconds(t.LoginMS()), ReadySeconds: seconds(t.ReadyMS), OfferedSeconds: seconds(t.OfferedMS),
		BusySeconds: seconds(t.BusyMS), WrapUpSeconds: seconds(t.WrapUpMS), NotReadySeconds: seconds(t.NotReadyMS),
		NotReadyByReason: map[string]float64{}, Occupancy: t.Occupancy(), Handled: c.Handled,
		AHTSeconds: meanSec(c.TalkMS+c.HoldMS+c.WrapUpMS, c.Handled), TalkSeconds: meanSec(c.TalkMS, c.Handled),
		HoldSeconds: meanSec(c.HoldMS, c.Handled), ContactWrapUpSecs: meanSec(c.WrapUpMS, c.Handled), RONA: c.RONA,
		CSATResponses: c.CSATResponses}
	if c.CSATResponses > 0 {
		v := float64(c.CSATSum) / float64(c.CSATResponses)
		row.CSATMean = &v
	}
	for reason, ms := range t.ByReason {
		row.NotReadyByReason[reason] = seconds(ms)
	}
	return row
}

func sumReasons(m map[string]int64) int64 {
	var n int64
	for _, ms := range m {
		n += ms
	}
	return n
}

// Agents is the agents report. The state time of stretches still open
// (or closed but not yet rolled up) is counted up to the request's Now.
func Agents(ctx context.Context, st ReadStore, r Request) (AgentReport, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return AgentReport{}, err
	}
	loc := p.tenant
	from, to := p.bounds(loc)
	f := store.RollupFilter{From: from, To: to, AgentID: r.AgentID}
	if r.QueueID != 0 {
		f.QueueIDs = []int64{r.QueueID}
	}
	sums := map[periodKey]*agentSums{}
	at := func(b time.Time, agent int64) *agentSums {
		k := periodKey{p.periodStart(b, loc), agent, ""}
		if sums[k] == nil {
			sums[k] = &agentSums{}
		}
		return sums[k]
	}
	states, err := st.AgentStateRollups(ctx, r.TenantID, f)
	if err != nil {
		return AgentReport{}, err
	}
	for _, s := range states {
		at(s.Bucket, s.AgentID).time.Add(s.State, s.Reason, s.MS)
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	spans, err := st.AgentStateSpans(ctx, r.TenantID, r.AgentID, from, to)
	if err != nil {
		return AgentReport{}, err
	}
	for _, sp := range spans {
		if sp.Rolled {
			continue
		}
		for _, s := range SplitState(sp, now, from, to) {
			at(s.Bucket, s.AgentID).time.Add(s.State, s.Reason, s.MS)
		}
	}
	contacts, err := st.AgentRollups(ctx, r.TenantID, f)
	if err != nil {
		return AgentReport{}, err
	}
	for _, c := range contacts {
		at(c.Bucket, c.AgentID).contacts.Add(c.AgentCounts)
	}
	agents, err := st.ListAgents(ctx, r.TenantID)
	if err != nil {
		return AgentReport{}, err
	}
	sites, err := st.ListSites(ctx, r.TenantID)
	if err != nil {
		return AgentReport{}, err
	}
	byAgent := map[int64]model.Agent{}
	for _, a := range agents {
		byAgent[a.ID] = a
	}
	siteName := map[int64]string{}
	for _, s := range sites {
		siteName[s.ID] = s.Name
	}
	out := AgentReport{From: r.From, To: r.To, Group: p.group, Rows: []AgentRow{}}
	var total agentSums
	for k, s := range sums {
		row := agentRow(s.time, s.contacts)
		row.Period, row.PeriodStart, row.PeriodEnd, row.AgentID = p.label(k.start), k.start, p.periodEnd(k.start), k.id
		if a, ok := byAgent[k.id]; ok {
			row.Agent, row.SiteID, row.Site = a.Name, a.SiteID, siteName[a.SiteID]
		} else {
			row.Agent = fmt.Sprintf("agent %d (deleted)", k.id)
		}
		out.Rows = append(out.Rows, row)
		total.time.ReadyMS += s.time.ReadyMS
		total.time.OfferedMS += s.time.OfferedMS
		total.time.BusyMS += s.time.BusyMS
		total.time.WrapUpMS += s.time.WrapUpMS
		for reason, ms := range s.time.ByReason {
			total.time.Add("not_ready", reason, ms)
		}
		total.time.NotReadyMS += s.time.NotReadyMS - sumReasons(s.time.ByReason)
		total.contacts.Add(s.contacts)
	}
	out.Total = agentRow(total.time, total.contacts)
	out.Total.Period = r.From + "/" + r.To
	if r.AgentID != 0 {
		out.Total.AgentID = r.AgentID
		if a, ok := byAgent[r.AgentID]; ok {
			out.Total.Agent, out.Total.SiteID, out.Total.Site = a.Name, a.SiteID, siteName[a.SiteID]
		}
	}
	slices.SortFunc(out.Rows, func(a, b AgentRow) int {
		return cmp.Or(a.PeriodStart.Compare(b.PeriodStart), cmp.Compare(a.Agent, b.Agent), cmp.Compare(a.AgentID, b.AgentID))
	})
	return out, nil
}

// EWTRow is the accuracy of the waits announced in one queue over one
// period, for one position announced (0: every position).
type EWTRow struct {
	Period           string    `json:"period"`
	PeriodStart      time.Time `json:"period_start"`
	PeriodEnd        time.Time `json:"period_end"`
	QueueID          int64     `json:"queue_id"`
	Queue            string    `json:"queue"`
	Position         int       `json:"position"` // 0: all; 1-10; 11: 11 and more
	Contacts         int64     `json:"contacts"`
	MAESeconds       *float64  `json:"mae_seconds"`
	BiasSeconds      *float64  `json:"bias_seconds"`
	Within30s        *float64  `json:"within_30s"`
	Within25Pct      *float64  `json:"within_25pct"`
	ToldWithNoAgents int64     `json:"told_no_agent"`
}

// EWTReport is announced against actual waits.
type EWTReport struct {
	From  string   `json:"from"`
	To    string   `json:"to"`
	Group Group    `json:"group"`
	Rows  []EWTRow `json:"rows"`
	// ByPosition is the whole period by queue and position announced.
	ByPosition []EWTRow `json:"by_position"`
	// Total is every row's counts over the whole period, its figures
	// computed from them (internal/kpi).
	Total EWTRow `json:"total"`
}

func ewtRow(e kpi.EWT) EWTRow {
	return EWTRow{Contacts: e.Contacts, MAESeconds: e.MAESeconds(), BiasSeconds: e.BiasSeconds(),
		Within30s: e.Within30sShare(), Within25Pct: e.Within25PctShare()}
}

// EWT is the announced-wait accuracy report.
func EWT(ctx context.Context, st ReadStore, r Request) (EWTReport, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return EWTReport{}, err
	}
	from, to := p.widest()
	f := store.RollupFilter{From: from, To: to}
	if r.QueueID != 0 {
		f.QueueIDs = []int64{r.QueueID}
	}
	rows, err := st.EWTRollups(ctx, r.TenantID, f)
	if err != nil {
		return EWTReport{}, err
	}
	type posKey struct {
		queue int64
		pos   int
	}
	byPeriod := map[periodKey]*kpi.EWT{}
	byPos := map[posKey]*kpi.EWT{}
	inside := func(b time.Time, queue int64) (*time.Location, bool) {
		loc := p.zones[queue]
		if loc == nil {
			loc = p.tenant
		}
		qf, qt := p.bounds(loc)
		return loc, !b.Before(qf) && b.Before(qt)
	}
	for _, row := range rows {
		loc, ok := inside(row.Bucket, row.QueueID)
		if !ok {
			continue
		}
		k := periodKey{p.periodStart(row.Bucket, loc), row.QueueID, ""}
		if byPeriod[k] == nil {
			byPeriod[k] = &kpi.EWT{}
		}
		byPeriod[k].Add(row.EWT)
		pk := posKey{row.QueueID, row.Position}
		if byPos[pk] == nil {
			byPos[pk] = &kpi.EWT{}
		}
		byPos[pk].Add(row.EWT)
	}
	// Told with no agent comes from the queue rollups.
	qrows, err := st.QueueRollups(ctx, r.TenantID, f)
	if err != nil {
		return EWTReport{}, err
	}
	noAgent := map[periodKey]int64{}
	for _, row := range qrows {
		loc, ok := inside(row.Bucket, row.QueueID)
		if !ok || row.ToldNoAgent == 0 {
			continue
		}
		k := periodKey{p.periodStart(row.Bucket, loc), row.QueueID, ""}
		noAgent[k] += row.ToldNoAgent
		if byPeriod[k] == nil {
			byPeriod[k] = &kpi.EWT{}
		}
	}
	name := func(id int64) string {
		if q, ok := p.queues[id]; ok {
			return q.Name
		}
		return fmt.Sprintf("queue %d (deleted)", id)
	}
	out := EWTReport{From: r.From, To: r.To, Group: p.group, Rows: []EWTRow{}, ByPosition: []EWTRow{}}
	var total kpi.EWT
	var totalNoAgent int64
	for k, e := range byPeriod {
		total.Add(*e)
		totalNoAgent += noAgent[k]
		row := ewtRow(*e)
		row.Period, row.PeriodStart, row.PeriodEnd, row.QueueID, row.Queue, row.ToldWithNoAgents = p.label(k.start), k.start, p.periodEnd(k.start), k.id, name(k.id), noAgent[k]
		out.Rows = append(out.Rows, row)
	}
	for k, e := range byPos {
		row := ewtRow(*e)
		row.Period, row.QueueID, row.Queue, row.Position = r.From+"/"+r.To, k.queue, name(k.queue), k.pos
		out.ByPosition = append(out.ByPosition, row)
	}
	out.Total = ewtRow(total)
	out.Total.Period, out.Total.ToldWithNoAgents = r.From+"/"+r.To, totalNoAgent
	if q, ok := p.queues[r.QueueID]; ok && r.QueueID != 0 {
		out.Total.QueueID, out.Total.Queue = r.QueueID, q.Name
	}
	slices.SortFunc(out.Rows, func(a, b EWTRow) int {
		return cmp.Or(a.PeriodStart.Compare(b.PeriodStart), cmp.Compare(a.Queue, b.Queue))
	})
	slices.SortFunc(out.ByPosition, func(a, b EWTRow) int {
		return cmp.Or(cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.Position, b.Position))
	})
	return out, nil
}
