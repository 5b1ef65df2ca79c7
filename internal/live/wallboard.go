package live

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// statsTTL is how long a tenant's figures of the day are reused: every
// open wallboard of a tenant asks each second, the store is asked at most
// once a second per tenant. The live state is never reused.
const statsTTL = time.Second

// statsCache keeps each tenant's latest figures of the day.
type statsCache struct {
	mu sync.Mutex
	m  map[int64]cachedStats
}

type cachedStats struct {
	from, at time.Time
	rows     []store.IntervalCounts
}

// todayStats returns the tenant's counts since from, at most statsTTL old.
func (c *Center) todayStats(ctx context.Context, tenantID int64, from, now time.Time) ([]store.IntervalCounts, error) {
	sc := &c.stats
	sc.mu.Lock()
	e, ok := sc.m[tenantID]
	sc.mu.Unlock()
	if ok && e.from.Equal(from) && !now.Before(e.at) && now.Sub(e.at) < statsTTL {
		return e.rows, nil
	}
	rows, err := c.st.TodayStats(ctx, tenantID, from, now)
	if err != nil {
		return nil, err
	}
	sc.mu.Lock()
	if sc.m == nil {
		sc.m = map[int64]cachedStats{}
	}
	sc.m[tenantID] = cachedStats{from: from, at: now, rows: rows}
	sc.mu.Unlock()
	return rows, nil
}

// Wallboard is a tenant's live status with today's figures: what the
// supervisors' wallboard shows.
//
// "Today" is since local midnight in each queue's time zone (its
// schedule's; UTC for a queue without schedule). The tenant's time zone,
// for the intraday intervals, is that of its first queue (lowest id) with a
// schedule, UTC when none has one. Definitions are internal/kpi's, as in
// the reports: offered = contacts arrived while their queue was open;
// answered and abandoned count where the contact arrived; service level =
// answered within the queue's threshold / (offered − short abandons),
// abandons counting as failures, and (live only) contacts still waiting
// that have not yet waited the threshold left out (they may still make
// it); answer rate = answered / (offered − short abandons); ASA = mean wait
// of the answered contacts. Ratios are null when their denominator is 0. The figures may lag the
// live state by up to a second.
type Wallboard struct {
	At       time.Time `json:"at"`
	TenantID int64     `json:"tenant_id"`
	TimeZone string    `json:"time_zone"`
	// SLThresholdSeconds is the threshold of the tenant's first queue
	// (each queue's own is in its figures); 0 without queues.
	SLThresholdSeconds int              `json:"sl_threshold_seconds"`
	Queues             []WallboardQueue `json:"queues"`
	Agents             []AgentSnapshot  `json:"agents"`
	// Intraday are the tenant's 15-minute intervals since local midnight,
	// the last one in progress; starts are in the tenant's time zone.
	Intraday []IntervalFigures `json:"intraday"`
}

// WallboardQueue is one queue on the wallboard.
type WallboardQueue struct {
	QueueID            int64         `json:"queue_id"`
	Name               string        `json:"name"`
	Channel            model.Channel `json:"channel"`
	Waiting            int           `json:"waiting"`   // waiting or being offered
	Callbacks          int           `json:"callbacks"` // of which callbacks
	LongestWaitSeconds int           `json:"longest_wait_seconds"`
	// Agents counts the agents serving the queue by state (ready, busy,
	// wrap_up, not_ready, offered, logged_out; every key is present).
	Agents map[string]int `json:"agents"`
	// Contacts are the queue's first waiting contacts (QueueSnapshot.Contacts).
	Contacts []WaitingContact `json:"contacts"`
	Today    DayFigures       `json:"today"`
}

// DayFigures are a queue's figures since its local midnight.
type DayFigures struct {
	Since              time.Time `json:"since"`
	Offered            int       `json:"offered"`
	Answered           int       `json:"answered"`
	Abandoned          int       `json:"abandoned"`
	ShortAbandoned     int       `json:"short_abandoned"` // within the queue's short_abandon_seconds; counted in abandoned too
	ServiceLevel       *float64  `json:"service_level"`
	AnswerRate         *float64  `json:"answer_rate"`
	ASASeconds         *float64  `json:"asa_seconds"`
	SLThresholdSeconds int       `json:"sl_threshold_seconds"`
}

// IntervalFigures are the tenant's figures for one 15-minute interval.
type IntervalFigures struct {
	Start        time.Time `json:"start"`
	Offered      int       `json:"offered"`
	Answered     int       `json:"answered"`
	Abandoned    int       `json:"abandoned"`
	ServiceLevel *float64  `json:"service_level"`
}

// Wallboard returns a tenant's wallboard: the live state of its queues and
// agents, and today's figures (store.TodayStats, reused for up to a second
// across the tenant's wallboards).
func (c *Center) Wallboard(ctx context.Context, tenantID int64) (Wallboard, error) {
	if _, err := c.st.GetTenant(ctx, tenantID); err != nil {
		return Wallboard{}, fmt.Errorf("wallboard: %w", err)
	}
	queues, err := c.st.ListQueues(ctx, tenantID)
	if err != nil {
		return Wallboard{}, fmt.Errorf("wallboard: %w", err)
	}
	scheds, err := c.st.ListSchedules(ctx, tenantID)
	if err != nil {
		return Wallboard{}, fmt.Errorf("wallboard: %w", err)
	}
	snap, err := c.Snapshot(ctx, tenantID)
	if err != nil {
		return Wallboard{}, fmt.Errorf("wallboard: %w", err)
	}
	now := snap.At

	zones := make(map[int64]*time.Location, len(scheds))
	for _, s := range scheds {
		loc, err := time.LoadLocation(s.TimeZone)
		if err != nil { // validated when stored: only a broken tz database gets here
			c.log.Warn("wallboard: schedule time zone", "schedule", s.ID, "tz", s.TimeZone, "err", err)
			continue
		}
		zones[s.ID] = loc
	}
	zoneOf := func(q model.Queue) *time.Location {
		if q.ScheduleID != nil {
			if loc := zones[*q.ScheduleID]; loc != nil {
				return loc
			}
		}
		return time.UTC
	}
	tenantZone := time.UTC
	for _, q := range queues { // by id
		if q.ScheduleID != nil && zones[*q.ScheduleID] != nil {
			tenantZone = zones[*q.ScheduleID]
			break
		}
	}
	// One query from the earliest of the local midnights: every zone's
	// offset is a multiple of 15 minutes, so the intervals counted from
	// there start at each zone's midnight too.
	from := midnight(now, tenantZone)
	midnights := make(map[int64]time.Time, len(queues))
	for _, q := range queues {
		m := midnight(now, zoneOf(q))
		midnights[q.ID] = m
		if m.Before(from) {
			from = m
		}
	}
	rows, err := c.todayStats(ctx, tenantID, from, now)
	if err != nil {
		return Wallboard{}, fmt.Errorf("wallboard: %w", err)
	}

	wb := Wallboard{At: now, TenantID: tenantID, TimeZone: tenantZone.String(), Queues: []WallboardQueue{}, Agents: snap.Agents}
	if len(queues) > 0 {
		wb.SLThresholdSeconds = queues[0].SLThresholdSeconds
	}
	current := make(map[int64]QueueSnapshot, len(snap.Queues))
	for _, qs := range snap.Queues {
		current[qs.QueueID] = qs
	}
	today := make(map[int64]*store.Counts, len(queues))
	for _, r := range rows {
		if r.Start.Before(midnights[r.QueueID]) {
			continue
		}
		if today[r.QueueID] == nil {
			today[r.QueueID] = &store.Counts{}
		}
		today[r.QueueID].Add(r.Counts)
	}
	for _, q := range queues {
		wq := WallboardQueue{QueueID: q.ID, Name: q.Name, Channel: q.Channel, Agents: map[string]int{}, Contacts: []WaitingContact{}}
		for s := acd.StateLoggedOut; s <= acd.StateWrapUp; s++ {
			wq.Agents[s.String()] = 0
		}
		if qs, ok := current[q.ID]; ok {
			wq.Waiting, wq.Callbacks, wq.Contacts = qs.Waiting, qs.Callbacks, qs.Contacts
			wq.LongestWaitSeconds = int(qs.LongestWait / time.Second)
			for k, n := range qs.Agents {
				wq.Agents[k] = n
			}
		}
		var n store.Counts
		if t := today[q.ID]; t != nil {
			n = *t
		}
		wq.Today = DayFigures{Since: midnights[q.ID], Offered: n.Offered, Answered: n.Answered, Abandoned: n.Abandoned,
			ShortAbandoned: n.ShortAbandoned, SLThresholdSeconds: q.SLThresholdSeconds,
			ServiceLevel: ratio(n.AnsweredInSL, n.Offered-n.ShortAbandoned-n.Pending), AnswerRate: ratio(n.Answered, n.Offered-n.ShortAbandoned)}
		if n.Answered > 0 {
			asa := n.WaitSeconds / float64(n.Answered)
			wq.Today.ASASeconds = &asa
		}
		wb.Queues = append(wb.Queues, wq)
	}
	wb.Intraday = intraday(rows, midnight(now, tenantZone), now, tenantZone)
	figs, err := c.tenantAgentFigures(ctx, tenantID, midnight(now, tenantZone), now)
	if err != nil {
		return Wallboard{}, fmt.Errorf("wallboard: %w", err)
	}
	for i := range wb.Agents {
		f := figs[wb.Agents[i].AgentID]
		f.Since = midnight(now, tenantZone)
		wb.Agents[i].Today = &f
	}
	return wb, nil
}

// intraday sums the rows into the tenant's intervals from start to now.
func intraday(rows []store.IntervalCounts, start, now time.Time, loc *time.Location) []IntervalFigures {
	n := int(now.Sub(start)/store.StatsInterval) + 1
	sums := make([]store.Counts, n)
	for _, r := range rows {
		if r.Start.Before(start) {
			continue
		}
		if i := int(r.Start.Sub(start) / store.StatsInterval); i < n {
			sums[i].Add(r.Counts)
		}
	}
	out := make([]IntervalFigures, n)
	for i, s := range sums {
		out[i] = IntervalFigures{Start: start.Add(time.Duration(i) * store.StatsInterval).In(loc), Offered: s.Offered,
			Answered: s.Answered, Abandoned: s.Abandoned, ServiceLevel: ratio(s.AnsweredInSL, s.Offered-s.ShortAbandoned-s.Pending)}
	}
	return out
}

// midnight is the start of now's day in loc. On a day whose midnight is
// skipped by a daylight-saving change, it is the day's first instant.
func midnight(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	m := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	if m.In(loc).Day() != l.Day() { // 00:00 does not exist: the day starts at the change
		_, m = m.ZoneBounds()
	}
	return m
}

func ratio(num, den int) *float64 { return kpi.Ratio(int64(num), int64(den)) }
