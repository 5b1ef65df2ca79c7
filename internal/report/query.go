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
	QueueRollupsByDay(ctx context.Context, tenantID int64, f store.RollupFilter, fromDay, toDay string) ([]store.QueueRollup, error)
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
	By       By            // queues report: a row per queue (default) or per tier
	FCRDays  int           // first-contact resolution's window (0: DefaultFCRDays)
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

// periodEnd is the end of the period that starts at start (in start's
// zone): the next period's start, so a day of a daylight-saving change
// lasts 23 or 25 hours.
func (p *period) periodEnd(start time.Time) time.Time {
	loc := start.Location()
	switch p.group {
	case GroupInterval:
		return start.Add(kpi.Interval)
	case GroupHour:
		return start.Add(time.Hour)
	case GroupDay:
		return localMidnight(time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, loc), loc)
	case GroupWeek:
		return localMidnight(time.Date(start.Year(), start.Month(), start.Day()+7, 0, 0, 0, 0, loc), loc)
	}
	return localMidnight(time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, loc), loc)
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
	Period      string    `json:"period"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	QueueID     int64     `json:"queue_id"`
	Queue       string    `json:"queue"`
	// Tier is the row's tier when the report is by tier ("": the default tier).
	Tier               *string  `json:"tier,omitempty"`
	SLThresholdSeconds int      `json:"sl_threshold_seconds"`
	Offered            int64    `json:"offered"`
	Answered           int64    `json:"answered"`
	Abandoned          int64    `json:"abandoned"`
	ShortAbandoned     int64    `json:"short_abandoned"`
	ServiceLevel       *float64 `json:"service_level"`
	AnswerRate         *float64 `json:"answer_rate"`
	AbandonRate        *float64 `json:"abandon_rate"`
	ASASeconds         *float64 `json:"asa_seconds"`
	MaxWaitSeconds     float64  `json:"max_wait_seconds"`
	MeanAbandonSeconds *float64 `json:"mean_abandon_seconds"`
	AHTSeconds         *float64 `json:"aht_seconds"`
	TalkSeconds        *float64 `json:"talk_seconds"`
	HoldSeconds        *float64 `json:"hold_seconds"`
	WrapUpSeconds      *float64 `json:"wrap_up_seconds"`
	FlowedOut          int64    `json:"flowed_out"`
	Closed             int64    `json:"closed"`
	Refused            int64    `json:"refused"`
	RONA               int64    `json:"rona"`
	CallbacksRequested int64    `json:"callbacks_requested"`
	CallbacksCompleted int64    `json:"callbacks_completed"`
	CallbacksFailed    int64    `json:"callbacks_failed"`
	CSATMean           *float64 `json:"csat_mean"`
	CSATResponses      int64    `json:"csat_responses"`
	BillableSeconds    float64  `json:"billable_seconds"`
	ToldNoAgent        int64    `json:"told_no_agent"`
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
	tier  string // queues report by tier
}

// By is what the queues report's rows are by, beside the period.
type By string

// The queues report's groupings.
const (
	ByQueue By = "queue" // the default
	ByTier  By = "tier"  // every queue's contacts of a tier together
)

// Queues is the queues report.
func Queues(ctx context.Context, st ReadStore, r Request) (QueueReport, error) {
	p, err := r.prepare(ctx, st)
	if err != nil {
		return QueueReport{}, err
	}
	sums, total, err := queueSums(ctx, st, p, r)
	if err != nil {
		return QueueReport{}, err
	}
	out := QueueReport{From: r.From, To: r.To, Group: p.group, Rows: []QueueRow{}, Counts: total}
	for k, c := range sums {
		qr := queueRow(*c)
		qr.Period, qr.PeriodStart, qr.PeriodEnd, qr.QueueID = p.label(k.start), k.start, p.periodEnd(k.start), k.id
		if r.By == ByTier {
			tier := k.tier
			qr.Tier = &tier
			if r.QueueID != 0 {
				qr.Queue, qr.SLThresholdSeconds = p.queues[r.QueueID].Name, p.queues[r.QueueID].SLThresholdSeconds
			}
		} else if q, ok := p.queues[k.id]; ok {
			qr.Queue, qr.SLThresholdSeconds = q.Name, q.SLThresholdSeconds
		} else {
			qr.Queue = fmt.Sprintf("queue %d (deleted)", k.id)
		}
		out.Rows = append(out.Rows, qr)
	}
	slices.SortFunc(out.Rows, func(a, b QueueRow) int {
		return cmp.Or(a.PeriodStart.Compare(b.PeriodStart), cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.QueueID, b.QueueID),
			cmp.Compare(tierOf(a), tierOf(b)))
	})
	out.Total = queueRow(total)
	out.Total.Period = r.From + "/" + r.To
	return out, nil
}

func tierOf(r QueueRow) string {
	if r.Tier == nil {
		return ""
	}
	return *r.Tier
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

// queueSums sums the queue rollups of the request by period and queue, and
// in all. By day, week or month the database sums them by local day
// first (a month of 20 queues is 600 rows, whatever the contacts); by
// interval or hour every 15-minute row is read.
func queueSums(ctx context.Context, st ReadStore, p *period, r Request) (map[periodKey]*kpi.Counts, kpi.Counts, error) {
	from, to := p.widest()
	f := store.RollupFilter{From: from, To: to, Tier: r.Tier, Channel: r.Channel, ByTier: r.By == ByTier}
	if r.QueueID != 0 {
		f.QueueIDs = []int64{r.QueueID}
	}
	sums := map[periodKey]*kpi.Counts{}
	var total kpi.Counts
	add := func(start time.Time, queue int64, tier string, c kpi.Counts) {
		k := periodKey{start, queue, ""}
		if r.By == ByTier {
			k = periodKey{start, 0, tier}
		}
		if sums[k] == nil {
			sums[k] = &kpi.Counts{}
		}
		sums[k].Add(c)
		total.Add(c)
	}
	zoneOf := func(queue int64) *time.Location {
		if loc := p.zones[queue]; loc != nil {
			return loc
		}
		return p.tenant // a deleted queue: the tenant's zone
	}
	if p.group == GroupDay || p.group == GroupWeek || p.group == GroupMonth {
		rows, err := st.QueueRollupsByDay(ctx, r.TenantID, f, p.from.Format(time.DateOnly), p.to.Format(time.DateOnly))
		if err != nil {
			return nil, total, err
		}
		for _, row := range rows {
			loc := zoneOf(row.QueueID)
			d, err := time.Parse(time.DateOnly, row.Day)
			if err != nil {
				return nil, total, fmt.Errorf("queue rollups: day %q: %w", row.Day, err)
			}
			add(p.periodStart(localMidnight(d, loc), loc), row.QueueID, row.Tier, row.Counts)
		}
		return sums, total, nil
	}
	rows, err := st.QueueRollups(ctx, r.TenantID, f)
	if err != nil {
		return nil, total, err
	}
	for _, row := range rows {
		loc := zoneOf(row.QueueID)
		qf, qt := p.bounds(loc)
		if row.Bucket.Before(qf) || !row.Bucket.Before(qt) {
			continue
		}
		add(p.periodStart(row.Bucket, loc), row.QueueID, row.Tier, row.Counts)
	}
	return sums, total, nil
}

// DefaultFCRDays is the window of first-contact resolution.
const DefaultFCRDays = 7

// FCR is first-contact resolution over a period (internal/kpi).
type FCR struct {
	Days int `json:"days"`
	// Contacts are the answered contacts of known customers in the period;
	// Resolved those not followed by another contact of the same customer
	// within Days.
	Contacts int64    `json:"contacts"`
	Resolved int64    `json:"resolved"`
	Rate     *float64 `json:"rate"`
}

// FCRStore lists customers' contacts.
type FCRStore interface {
	CustomerContacts(ctx context.Context, tenantID int64, from, to time.Time) ([]store.CustomerContact, error)
}

// FirstContactResolution is the request's period's FCR over days (0: the
// default), for its queue when it names one. It reads the contacts of
// known customers of the period and the days after it (an index on e-mail
// and phone keeps it to those).
func FirstContactResolution(ctx context.Context, st interface {
	ReadStore
	FCRStore
}, r Request, days int) (FCR, error) {
	if days <= 0 {
		days = DefaultFCRDays
	}
	if days > 90 {
		return FCR{}, badField("fcr_days", "must be at most 90 (got %d)", days)
	}
	p, err := r.prepare(ctx, st)
	if err != nil {
		return FCR{}, err
	}
	from, to := p.bounds(p.tenant)
	list, err := st.CustomerContacts(ctx, r.TenantID, from, to.AddDate(0, 0, days))
	if err != nil {
		return FCR{}, err
	}
	window := time.Duration(days) * 24 * time.Hour
	last := map[string]time.Time{} // the next contact's arrival, walking backwards
	out := FCR{Days: days}
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		next, seen := last[c.Key]
		last[c.Key] = c.Arrived
		if !c.Answered || !c.Arrived.Before(to) || (r.QueueID != 0 && c.QueueID != r.QueueID) {
			continue
		}
		out.Contacts++
		if !seen || next.Sub(c.Arrived) > window {
			out.Resolved++
		}
	}
	out.Rate = kpi.Ratio(out.Resolved, out.Contacts)
	return out, nil
}
