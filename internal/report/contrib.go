package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// Env is what contributions are computed with besides the contact: its
// tenant's agents' sites, and time zones.
type Env struct {
	// Sites maps agents to their sites.
	Sites map[int64]int64
	zones map[string]*time.Location
}

// zone is the named time zone (UTC for "" or an unknown name).
func (e *Env) zone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if loc, ok := e.zones[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	if e.zones == nil {
		e.zones = map[string]*time.Location{}
	}
	e.zones[name] = loc
	return loc
}

// Contribute is what one ended contact adds to the rollups, by the
// definitions of internal/kpi. Its rows carry the arrival's local date in
// the zone of the queue that had it last (rows of the queues it flowed out
// of too).
func Contribute(rc store.ReportContact, env *Env) store.Contribution {
	in := rc.Interaction
	sites := env.Sites
	bucket := kpi.Bucket(in.ArrivedAt)
	day := bucket.In(env.zone(rc.TimeZone)).Format(time.DateOnly)
	end := in.ArrivedAt
	if in.EndedAt != nil {
		end = *in.EndedAt
	}
	var entry int64
	if in.EntryPointID != nil {
		entry = *in.EntryPointID
	}
	key := func(queue int64) store.QueueKey {
		return store.QueueKey{Bucket: bucket, QueueID: queue, Tier: in.Tier, Channel: in.Channel, EntryPointID: entry, Day: day}
	}

	var c kpi.Counts
	closed := in.EndedReason == model.EndClosed
	answered := in.AnsweredAt != nil
	wait := end.Sub(in.ArrivedAt)
	if answered {
		wait = in.AnsweredAt.Sub(in.ArrivedAt)
	}
	wait = max(wait, 0)
	short := rc.ShortAbandon
	switch {
	case closed:
		c.Closed = 1
	case answered:
		c.Offered, c.Answered, c.Handled = 1, 1, 1
		c.WaitAnsweredMS = wait.Milliseconds()
		if wait <= rc.SLThreshold {
			c.AnsweredInSL = 1
		}
		for i, y := range kpi.SLThresholds() {
			if wait <= y {
				c.AnsweredWithin[i] = 1
			}
		}
	case in.EndedReason == model.EndAbandoned:
		c.Offered, c.Abandoned = 1, 1
		if wait < short {
			c.ShortAbandoned = 1
		} else {
			c.WaitAbandonedMS = wait.Milliseconds()
		}
	default:
		c.Offered, c.Refused = 1, 1
	}
	if !closed {
		c.MaxWaitMS = wait.Milliseconds()
	}

	// Segments: handled time, billable time, offers not taken, by agent.
	type agentSum struct {
		store.AgentCounts
		connected bool
	}
	agents := map[int64]*agentSum{}
	agentOf := func(id *int64) *agentSum {
		if id == nil {
			return nil
		}
		if agents[*id] == nil {
			agents[*id] = &agentSum{}
		}
		return agents[*id]
	}
	callback := in.Callback != nil
	var callbackAt *time.Time // the first callback wait's start
	for i, sg := range rc.Segments {
		sEnd := end
		if sg.EndedAt != nil {
			sEnd = *sg.EndedAt
		}
		ms := max(sEnd.Sub(sg.StartedAt), 0).Milliseconds()
		if sg.Billable {
			c.BillableMS += ms
		}
		a := agentOf(sg.AgentID)
		switch sg.Kind {
		case model.SegConnected, model.SegOutbound:
			c.TalkMS += ms
			if a != nil {
				a.TalkMS += ms
				a.connected = true
			}
		case model.SegHold:
			c.HoldMS += ms
			if a != nil {
				a.HoldMS += ms
			}
		case model.SegWrapUp:
			c.WrapUpMS += ms
			if a != nil {
				a.WrapUpMS += ms
			}
		case model.SegCallback:
			callback = true
			if callbackAt == nil {
				at := sg.StartedAt
				callbackAt = &at
			}
		case model.SegOffered:
			if i+1 >= len(rc.Segments) || rc.Segments[i+1].Kind != model.SegConnected {
				c.RONA++
				if a != nil {
					a.RONA++
				}
			}
		}
	}
	if !answered {
		c.Handled, c.TalkMS, c.HoldMS, c.WrapUpMS = 0, 0, 0, 0
	}
	if callback && !closed {
		c.CallbacksRequested = 1
		if answered {
			c.CallbacksCompleted = 1
			asked := in.ArrivedAt
			if callbackAt != nil {
				asked = *callbackAt
			}
			for i, d := range kpi.CallbackDelays() {
				if in.AnsweredAt.Sub(asked) <= d {
					c.CallbacksWithin[i] = 1
				}
			}
		} else {
			c.CallbacksFailed = 1
		}
	}
	if in.CSATScore != nil && *in.CSATScore >= 1 && *in.CSATScore <= 5 {
		c.CSATResponses, c.CSATSum = 1, int64(*in.CSATScore)
		c.CSAT[*in.CSATScore-1] = 1
		if a := agentOf(in.AgentID); a != nil {
			a.CSATResponses, a.CSATSum = 1, int64(*in.CSATScore)
		}
	}
	if in.ToldNoAgent {
		c.ToldNoAgent = 1
	}
	if answered && in.AnnouncedEWTSeconds != nil && !in.ToldNoAgent {
		c.EWTTold = 1
		told := time.Duration(*in.AnnouncedEWTSeconds) * time.Second
		for i, m := range kpi.EWTMargins() {
			if wait <= told+m {
				c.EWTKept[i] = 1
			}
		}
	}

	queues := map[store.QueueKey]*kpi.Counts{key(in.QueueID): &c}
	path := in.QueuePath
	for i := 0; i+1 < len(path); i++ {
		k := key(path[i])
		if queues[k] == nil {
			queues[k] = &kpi.Counts{}
		}
		queues[k].FlowedOut++
	}
	var out store.Contribution
	for k, v := range queues {
		out.Queue = append(out.Queue, store.QueueRollup{QueueKey: k, Counts: *v})
	}
	if answered && in.AnnouncedEWTSeconds != nil && !in.ToldNoAgent { // told "no advisor available", not a wait
		pos := 0
		if in.AnnouncedPosition != nil {
			pos = kpi.PositionBand(*in.AnnouncedPosition)
		}
		out.EWT = append(out.EWT, store.EWTRollup{
			EWTKey: store.EWTKey{Bucket: bucket, QueueID: in.QueueID, Position: pos},
			EWT:    kpi.EWTOf(time.Duration(*in.AnnouncedEWTSeconds)*time.Second, wait),
		})
	}
	for id, a := range agents {
		if answered && a.connected {
			a.Handled = 1
		}
		if a.AgentCounts == (store.AgentCounts{}) {
			continue
		}
		out.Agent = append(out.Agent, store.AgentRollup{
			AgentKey:    store.AgentKey{Bucket: bucket, AgentID: id, QueueID: in.QueueID, SiteID: sites[id]},
			AgentCounts: a.AgentCounts,
		})
	}
	sortContribution(&out)
	return out
}

func sortContribution(c *store.Contribution) {
	slices.SortFunc(c.Queue, func(a, b store.QueueRollup) int { return compareQueueKey(a.QueueKey, b.QueueKey) })
	slices.SortFunc(c.EWT, func(a, b store.EWTRollup) int {
		return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(a.QueueID, b.QueueID), cmp.Compare(a.Position, b.Position))
	})
	slices.SortFunc(c.Agent, func(a, b store.AgentRollup) int {
		return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(a.AgentID, b.AgentID), cmp.Compare(a.QueueID, b.QueueID), cmp.Compare(a.SiteID, b.SiteID))
	})
}

func compareQueueKey(a, b store.QueueKey) int {
	return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(a.QueueID, b.QueueID), cmp.Compare(a.Tier, b.Tier),
		cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.EntryPointID, b.EntryPointID))
}

// Delta is next less prev, row by row: what the rollups must add to go
// from holding prev to holding next. A maximum (the longest wait) is
// next's: the rollups keep the larger.
func Delta(prev, next store.Contribution) store.Contribution {
	var out store.Contribution
	qs := map[store.QueueKey]*kpi.Counts{}
	for _, r := range next.Queue {
		v := r.Counts
		qs[r.QueueKey] = &v
	}
	for _, r := range prev.Queue {
		if qs[r.QueueKey] == nil {
			qs[r.QueueKey] = &kpi.Counts{}
		}
		qs[r.QueueKey].Sub(r.Counts)
	}
	for k, v := range qs {
		if !v.IsZero() {
			out.Queue = append(out.Queue, store.QueueRollup{QueueKey: k, Counts: *v})
		}
	}
	es := map[store.EWTKey]*kpi.EWT{}
	for _, r := range next.EWT {
		v := r.EWT
		es[r.EWTKey] = &v
	}
	for _, r := range prev.EWT {
		if es[r.EWTKey] == nil {
			es[r.EWTKey] = &kpi.EWT{}
		}
		es[r.EWTKey].Sub(r.EWT)
	}
	for k, v := range es {
		if *v != (kpi.EWT{}) {
			out.EWT = append(out.EWT, store.EWTRollup{EWTKey: k, EWT: *v})
		}
	}
	as := map[store.AgentKey]*store.AgentCounts{}
	for _, r := range next.Agent {
		v := r.AgentCounts
		as[r.AgentKey] = &v
	}
	for _, r := range prev.Agent {
		if as[r.AgentKey] == nil {
			as[r.AgentKey] = &store.AgentCounts{}
		}
		as[r.AgentKey].Sub(r.AgentCounts)
	}
	for k, v := range as {
		if *v != (store.AgentCounts{}) {
			out.Agent = append(out.Agent, store.AgentRollup{AgentKey: k, AgentCounts: *v})
		}
	}
	sortContribution(&out)
	return out
}

// SplitState is an agent's stretch in a state cut at interval boundaries
// and clipped to [from, to); an open stretch runs until now.
func SplitState(sp store.AgentStateSpan, now, from, to time.Time) []store.AgentStateRollup {
	end := now
	if sp.End != nil {
		end = *sp.End
	}
	start := sp.Start
	if start.Before(from) {
		start = from
	}
	if end.After(to) {
		end = to
	}
	var out []store.AgentStateRollup
	for t := start; t.Before(end); {
		b := kpi.Bucket(t)
		next := b.Add(kpi.Interval)
		stop := end
		if next.Before(stop) {
			stop = next
		}
		if ms := stop.Sub(t).Milliseconds(); ms > 0 {
			out = append(out, store.AgentStateRollup{
				AgentStateKey: store.AgentStateKey{Bucket: b, AgentID: sp.AgentID, State: sp.State, Reason: sp.Reason},
				MS:            ms,
			})
		}
		t = stop
	}
	return out
}
