package live

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/store"
)

// AgentFigures are an agent's figures of the day, by internal/kpi's
// definitions: handled and AHT from the contacts it answered that arrived
// since Since (the rollups of the reports, as they stand: a contact counts
// once it is over), occupancy = (busy + wrap-up) / (ready + offered + busy
// + wrap-up) from its state history since Since, the current state counted
// up to now.
type AgentFigures struct {
	Since      time.Time `json:"since"`
	Handled    int64     `json:"handled"`
	AHTSeconds *float64  `json:"aht_seconds"`
	Occupancy  *float64  `json:"occupancy"`
}

// AgentContact is a contact an agent holds now.
type AgentContact struct {
	ContactID int64  `json:"contact_id"`
	Channel   string `json:"channel"`
	Customer  string `json:"customer,omitempty"` // the name, left out for client viewers
	State     string `json:"state"`              // connected or wrap_up
	// Since is when the agent answered it (connected) or began its
	// wrap-up; zero when unknown (restored at start).
	Since *time.Time `json:"since"`
	// Consult is the agent's latest consult request on it to the
	// supervisors, if any.
	Consult string `json:"consult,omitempty"`
}

// agentFigures returns the figures since from of the tenant's agents (one
// agent only when agentID is not 0), by agent id.
func (c *Center) agentFigures(ctx context.Context, tenantID, agentID int64, from, now time.Time) (map[int64]AgentFigures, error) {
	rolls, err := c.st.AgentRollups(ctx, tenantID, store.RollupFilter{From: kpi.Bucket(from), To: kpi.Bucket(now).Add(kpi.Interval), AgentID: agentID})
	if err != nil {
		return nil, fmt.Errorf("agent figures: %w", err)
	}
	spans, err := c.st.AgentStateSpans(ctx, tenantID, agentID, from, now)
	if err != nil {
		return nil, fmt.Errorf("agent figures: %w", err)
	}
	counts := map[int64]*kpi.Counts{}
	times := map[int64]*kpi.AgentTime{}
	for _, r := range rolls {
		if counts[r.AgentID] == nil {
			counts[r.AgentID] = &kpi.Counts{}
		}
		n := counts[r.AgentID]
		n.Handled += r.Handled
		n.TalkMS += r.TalkMS
		n.HoldMS += r.HoldMS
		n.WrapUpMS += r.WrapUpMS
	}
	for _, s := range spans {
		start, end := maxTime(s.Start, from), now
		if s.End != nil && s.End.Before(now) {
			end = *s.End
		}
		if !end.After(start) {
			continue
		}
		if times[s.AgentID] == nil {
			times[s.AgentID] = &kpi.AgentTime{}
		}
		times[s.AgentID].Add(s.State, s.Reason, end.Sub(start).Milliseconds())
	}
	out := map[int64]AgentFigures{}
	for id, n := range counts {
		f := out[id]
		f.Handled, f.AHTSeconds = n.Handled, n.AHTSeconds()
		out[id] = f
	}
	for id, at := range times {
		f := out[id]
		f.Occupancy = at.Occupancy()
		out[id] = f
	}
	for id, f := range out {
		f.Since = from
		out[id] = f
	}
	return out, nil
}

// maxTime is the later of two times.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// heldContacts lists, by agent, the tenant's contacts in conversation or
// in wrap-up, by contact id.
func (o *owner) heldContacts(tenantID int64) map[acd.AgentID][]AgentContact {
	out := map[acd.AgentID][]AgentContact{}
	for id, rec := range o.contacts {
		if rec.in.TenantID != tenantID || (rec.state != cConnected && rec.state != cWrapUp) {
			continue
		}
		ac := AgentContact{ContactID: int64(id), Channel: string(rec.in.Channel), Customer: rec.in.Customer.Name, State: "connected", Consult: rec.consult}
		if rec.state == cWrapUp {
			ac.State = "wrap_up"
		}
		if !rec.heldSince.IsZero() {
			since := rec.heldSince
			ac.Since = &since
		}
		out[rec.agent] = append(out[rec.agent], ac)
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b AgentContact) int { return cmp.Compare(a.ContactID, b.ContactID) })
	}
	return out
}

// tenantMidnight is the start of the tenant's day: local midnight in the
// zone of its first queue (lowest id) with a schedule, UTC without one (the
// wallboard's tenant zone).
func (c *Center) tenantMidnight(ctx context.Context, tenantID int64, now time.Time) (time.Time, error) {
	queues, err := c.st.ListQueues(ctx, tenantID)
	if err != nil {
		return time.Time{}, fmt.Errorf("tenant zone: %w", err)
	}
	for _, q := range queues {
		if q.ScheduleID == nil {
			continue
		}
		s, err := c.st.GetSchedule(ctx, tenantID, *q.ScheduleID)
		if err != nil {
			return time.Time{}, fmt.Errorf("tenant zone: %w", err)
		}
		if loc, err := time.LoadLocation(s.TimeZone); err == nil {
			return midnight(now, loc), nil
		}
		break
	}
	return midnight(now, time.UTC), nil
}

// figuresCache keeps each tenant's latest agent figures of the day, reused
// for statsTTL across its open wallboards.
type figuresCache struct {
	mu sync.Mutex
	m  map[int64]cachedFigures
}

type cachedFigures struct {
	from, at time.Time
	figs     map[int64]AgentFigures
}

// tenantAgentFigures returns every agent's figures since from, at most
// statsTTL old.
func (c *Center) tenantAgentFigures(ctx context.Context, tenantID int64, from, now time.Time) (map[int64]AgentFigures, error) {
	fc := &c.figures
	fc.mu.Lock()
	e, ok := fc.m[tenantID]
	fc.mu.Unlock()
	if ok && e.from.Equal(from) && !now.Before(e.at) && now.Sub(e.at) < statsTTL {
		return e.figs, nil
	}
	figs, err := c.agentFigures(ctx, tenantID, 0, from, now)
	if err != nil {
		return nil, err
	}
	fc.mu.Lock()
	if fc.m == nil {
		fc.m = map[int64]cachedFigures{}
	}
	fc.m[tenantID] = cachedFigures{from: from, at: now, figs: figs}
	fc.mu.Unlock()
	return figs, nil
}
