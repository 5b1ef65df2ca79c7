package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// ReadStore is what the reports read.
type ReadStore interface {
	QueueRollups(ctx context.Context, tenantID int64, f store.RollupFilter) ([]store.QueueRollup, error)
	EWTRollups(ctx context.Context, tenantID int64, f store.RollupFilter) ([]store.EWTRollup, error)
	AgentRollups(ctx context.Context, tenantID int64, f store.RollupFilter) ([]store.AgentRollup, error)
	AgentStateRollups(ctx context.Context, tenantID int64, f store.RollupFilter) ([]store.AgentStateRollup, error)
	AgentStateSpans(ctx context.Context, tenantID, agentID int64, from, to time.Time) ([]store.AgentStateSpan, error)
	ListQueues(ctx context.Context, tenantID int64) ([]model.Queue, error)
	ListSchedules(ctx context.Context, tenantID int64) ([]model.Schedule, error)
	ListAgents(ctx context.Context, tenantID int64) ([]model.Agent, error)
	ListSites(ctx context.Context, tenantID int64) ([]model.Site, error)
}

// Group is how report rows are grouped in time.
type Group string

// Groupings.
const (
	GroupInterval Group = "interval" // 15 minutes
	GroupHour     Group = "hour"
	GroupDay      Group = "day"
	GroupWeek     Group = "week" // from Monday
	GroupMonth    Group = "month"
)

// Limits of a request.
const (
	MaxDays         = 400 // any grouping but interval
	MaxIntervalDays = 31  // interval grouping
)

// ErrBadRequest is wrapped by the errors of a request that cannot be
// answered as asked; the FieldError in the chain names the parameter.
var ErrBadRequest = errors.New("bad report request")

// FieldError names the request parameter at fault.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func badField(field, format string, args ...any) error {
	return fmt.Errorf("%w: %w", ErrBadRequest, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Request is a report's period and filters. From and To are local dates
// (YYYY-MM-DD), both included, in each queue's time zone.
type Request struct {
	TenantID int64
	From, To string
	Group    Group
	QueueID  int64         // 0: every queue
	Tier     *string       // nil: every tier
	Channel  model.Channel // "": both
	AgentID  int64         // agents report: 0 every agent
	// Now is the time reports of the current day are cut at (open agent
	// stretches run until it); zero means time.Now().
	Now time.Time
}

// period is a request made ready: parsed dates and each queue's zone.
type period struct {
	from, to time.Time // civil dates; to included
	group    Group
	queues   map[int64]model.Queue
	zones    map[int64]*time.Location // by queue id
	tenant   *time.Location           // the tenant's zone (its first queue's with a schedule)
}

func parseDate(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, badField(field, "must be a date YYYY-MM-DD (got %q)", s)
	}
	return t, nil
}

func (r Request) prepare(ctx context.Context, st ReadStore) (*period, error) {
	if r.From == "" {
		return nil, badField("from", "is required")
	}
	if r.To == "" {
		return nil, badField("to", "is required")
	}
	from, err := parseDate("from", r.From)
	if err != nil {
		return nil, err
	}
	to, err := parseDate("to", r.To)
	if err != nil {
		return nil, err
	}
	if to.Before(from) {
		return nil, badField("from", "must not be after to (%s > %s)", r.From, r.To)
	}
	days := int(to.Sub(from)/(24*time.Hour)) + 1
	g := r.Group
	if g == "" {
		g = GroupDay
	}
	switch g {
	case GroupInterval:
		if days > MaxIntervalDays {
			return nil, badField("group", "interval grouping covers at most %d days (asked %d): group by hour or day", MaxIntervalDays, days)
		}
	case GroupHour, GroupDay, GroupWeek, GroupMonth:
		if days > MaxDays {
			return nil, badField("to", "a report covers at most %d days (asked %d)", MaxDays, days)
		}
	default:
		return nil, badField("group", "must be interval, hour, day, week or month (got %q)", g)
	}
	if r.Channel != "" && r.Channel != model.ChannelVoice && r.Channel != model.ChannelChat {
		return nil, badField("channel", "must be voice or chat (got %q)", r.Channel)
	}
	queues, err := st.ListQueues(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	scheds, err := st.ListSchedules(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	szones := map[int64]*time.Location{}
	for _, s := range scheds {
		if loc, err := time.LoadLocation(s.TimeZone); err == nil {
			szones[s.ID] = loc
		}
	}
	p := &period{from: from, to: to, group: g, queues: map[int64]model.Queue{}, zones: map[int64]*time.Location{}, tenant: time.UTC}
	tenantSet := false
	for _, q := range queues {
		loc := time.UTC
		if q.ScheduleID != nil && szones[*q.ScheduleID] != nil {
			loc = szones[*q.ScheduleID]
			if !tenantSet {
				p.tenant, tenantSet = loc, true
			}
		}
		p.queues[q.ID] = q
		p.zones[q.ID] = loc
	}
	if r.QueueID != 0 {
		if _, ok := p.queues[r.QueueID]; !ok {
			return nil, badField("queue", "no queue %d in this tenant", r.QueueID)
		}
	}
	return p, nil
}

// bounds is [local midnight of from, local midnight after to) in loc.
func (p *period) bounds(loc *time.Location) (time.Time, time.Time) {
	return localMidnight(p.from, loc), localMidnight(p.to.AddDate(0, 0, 1), loc)
}

// widest is the union of every queue's bounds (and the tenant's).
func (p *period) widest() (time.Time, time.Time) {
	from, to := p.bounds(p.tenant)
	for _, loc := range p.zones {
		f, t := p.bounds(loc)
		if f.Before(from) {
			from = f
		}
		if t.After(to) {
			to = t
		}
	}
	return from, to
}

// localMidnight is the first instant of date d in loc (a day that skips
// midnight starts at the change).
func localMidnight(d time.Time, loc *time.Location) time.Time {
	m := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	if m.Day() != d.Day() {
		_, m = m.ZoneBounds()
	}
	return m
}

// periodStart is the start of the period of bucket b in loc.
func (p *period) periodStart(b time.Time, loc *time.Location) time.Time {
	l := b.In(loc)
	switch p.group {
	case GroupInterval:
		return l
	case GroupHour:
		// Back to the local hour's start: the two 01:00 hours of a
		// daylight-saving end stay apart.
		return l.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second - time.Duration(l.Nanosecond()))
	case GroupDay:
		return localMidnight(l, loc)
	case GroupWeek:
		wd := (int(l.Weekday()) + 6) % 7 // Monday 0
		return localMidnight(l.AddDate(0, 0, -wd), loc)
	default:
		return localMidnight(time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc), loc)
	}
}

// label names a period: its start, in the forms a person reads.
func (p *period) label(start time.Time) string {
	switch p.group {
	case GroupInterval, GroupHour:
		return start.Format("2006-01-02T15:04Z07:00")
	case GroupMonth:
		return start.Format("2006-01")
	case GroupWeek:
		y, w := start.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}
	return start.Format(time.DateOnly)
}

// QueueRow is one queue's figures over one period (see internal/kpi).
type QueueRow struct {
	Period             string    `json:"period"`
	PeriodStart        time.Time `json:"period_start"`
	QueueID            int64     `json:"queue_id"`
	Queue              string    `json:"queue"`
	SLThresholdSeconds int       `json:"sl_threshold_seconds"`
	Offered            int64     `json:"offered"`
	Answered           int64     `json:"answered"`
	Abandoned          int64     `json:"abandoned"`
	ShortAbandoned     int64     `json:"short_abandoned"`
	ServiceLevel       *float64  `json:"service_level"`
	AnswerRate         *float64  `json:"answer_rate"`
	AbandonRate        *float64  `json:"abandon_rate"`
	ASASeconds         *float64  `json:"asa_seconds"`
	MaxWaitSeconds     float64   `json:"max_wait_seconds"`
	MeanAbandonSeconds *float64  `json:"mean_abandon_seconds"`
	AHTSeconds         *float64  `json:"aht_seconds"`
	TalkSeconds        *float64  `json:"talk_seconds"`
	HoldSeconds        *float64  `json:"hold_seconds"`
	WrapUpSeconds      *float64  `json:"wrap_up_seconds"`
	FlowedOut          int64     `json:"flowed_out"`
	Closed             int64     `json:"closed"`
	Refused            int64     `json:"refused"`
	RONA               int64     `json:"rona"`
	CallbacksRequested int64     `json:"callbacks_requested"`
	CallbacksCompleted int64     `json:"callbacks_completed"`
	CallbacksFailed    int64     `json:"callbacks_failed"`
	CSATMean           *float64  `json:"csat_mean"`
	CSATResponses      int64     `json:"csat_responses"`
	BillableSeconds    float64   `json:"billable_seconds"`
	ToldNoAgent        int64     `json:"told_no_agent"`
}

// QueueReport is the queues report: a row per period and queue, and the
// total of every row (all queues, the whole period).
type QueueReport struct {
	From  string     `json:"from"`
	To    string     `json:"to"`
	Group Group      `json:"group"`
	Rows  []QueueRow `json:"rows"`
	Total QueueRow   `json:"total"`
	// Counts is the total's raw sums (milliseconds), for whoever computes more.
	Counts kpi.Counts `json:"counts"`
}

func queueRow(c kpi.Counts) QueueRow {
	return QueueRow{Offered: c.Offered, Answered: c.Answered, Abandoned: c.Abandoned, ShortAbandoned: c.ShortAbandoned,
		ServiceLevel: c.ServiceLevel(), AnswerRate: c.AnswerRate(), AbandonRate: c.AbandonRate(), ASASeconds: c.ASASeconds(),
		MaxWaitSeconds: float64(c.MaxWaitMS) / 1000, MeanAbandonSeconds: c.MeanAbandonSeconds(), AHTSeconds: c.AHTSeconds(),
		TalkSeconds: c.TalkSeconds(), HoldSeconds: c.HoldSeconds(), WrapUpSeconds: c.WrapUpSeconds(), FlowedOut: c.FlowedOut,
		Closed: c.Closed, Refused: c.Refused, RONA: c.RONA, CallbacksRequested: c.CallbacksRequested,
		CallbacksCompleted: c.CallbacksCompleted, CallbacksFailed: c.CallbacksFailed, CSATMean: c.CSATMean(),
		CSATResponses: c.CSATResponses, BillableSeconds: float64(c.BillableMS) / 1000, ToldNoAgent: c.ToldNoAgent}
}

type periodKey struct {
	start time.Time
	id    int64
}

// Queues is the queues report.
func Queues(ctx context.Context, st ReadStore, r Request) (QueueReport, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return QueueReport{}, err
	}
	from, to := p.widest()
	f := store.RollupFilter{From: from, To: to, Tier: r.Tier, Channel: r.Channel}
	if r.QueueID != 0 {
		f.QueueIDs = []int64{r.QueueID}
	}
	rows, err := st.QueueRollups(ctx, r.TenantID, f)
	if err != nil {
		return QueueReport{}, err
	}
	sums := map[periodKey]*kpi.Counts{}
	var total kpi.Counts
	for _, row := range rows {
		loc := p.zones[row.QueueID]
		if loc == nil { // a deleted queue: the tenant's zone
			loc = p.tenant
		}
		qf, qt := p.bounds(loc)
		if row.Bucket.Before(qf) || !row.Bucket.Before(qt) {
			continue
		}
		k := periodKey{p.periodStart(row.Bucket, loc), row.QueueID}
		if sums[k] == nil {
			sums[k] = &kpi.Counts{}
		}
		sums[k].Add(row.Counts)
		total.Add(row.Counts)
	}
	out := QueueReport{From: r.From, To: r.To, Group: p.group, Rows: []QueueRow{}, Counts: total}
	for k, c := range sums {
		qr := queueRow(*c)
		qr.Period, qr.PeriodStart, qr.QueueID = p.label(k.start), k.start, k.id
		if q, ok := p.queues[k.id]; ok {
			qr.Queue, qr.SLThresholdSeconds = q.Name, q.SLThresholdSeconds
		} else {
			qr.Queue = fmt.Sprintf("queue %d (deleted)", k.id)
		}
		out.Rows = append(out.Rows, qr)
	}
	slices.SortFunc(out.Rows, func(a, b QueueRow) int {
		return cmp.Or(a.PeriodStart.Compare(b.PeriodStart), cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.QueueID, b.QueueID))
	})
	out.Total = queueRow(total)
	out.Total.Period = r.From + "/" + r.To
	return out, nil
}

// DayBounds is the request's days in the tenant's time zone (that of its
// first queue with a schedule): from its From's local midnight to the one
// after its To.
func DayBounds(ctx context.Context, st ReadStore, r Request) (time.Time, time.Time, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	from, to := p.bounds(p.tenant)
	return from, to, nil
}
