// Package commitment evaluates a tenant's service commitments (NF 345,
// ISO 18295-1: published rules with thresholds) month by month.
//
// Every figure is internal/kpi's, read from the queue rollups
// (internal/report's readers): the service level at each queue's own
// threshold or at 10, 15, 20, 30, 45, 60, 90, 120, 180 or 300 s, the
// abandon rate, the satisfaction, the announced waits kept (actual ≤
// announced + 0, 30, 60 or 120 s) and the callbacks made within 15 min,
// 30 min, 1, 2, 4 or 24 h of the request. What the rollups do not keep is
// counted from one bounded scan of the month's contacts (the tenant's
// (tenant_id, arrived_at) index, store.ScanCommitmentContacts), shared by
// every commitment of the month: a service level at another Y (but in the
// queues whose own threshold it is), another margin or delay, and the
// recorded calls. The opening is checked against the queues' schedules
// and holidays as configured now (schedules keep no history).
//
// A contact counts in the month in which it arrived, in the time zone of
// its queue (as in the reports); the month's bounds shown are in the
// tenant's zone (its first queue with a schedule).
package commitment

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// Store is what the evaluator reads.
type Store interface {
	report.ReadStore
	ListCommitments(ctx context.Context, tenantID int64) ([]model.Commitment, error)
	ScanCommitmentContacts(ctx context.Context, tenantID int64, from, to time.Time, fn func(store.CommitmentContact) error) error
}

// Recordings lists the tenant's contacts that have a call recording.
type Recordings func(ctx context.Context, tenantID int64) (map[int64]bool, error)

// Evaluator evaluates commitments. Recordings may be nil (no recordings).
type Evaluator struct {
	St         Store
	Recordings Recordings
}

// TrendMonths is how many months before the period a report's trend shows.
const TrendMonths = 6

// MaxMonths bounds MetShare's period: ten years, the palmarès's longest.
const MaxMonths = 120

// ErrBadRequest is wrapped by the errors of a request that cannot be
// answered as asked; the report.FieldError in the chain names the field.
var ErrBadRequest = report.ErrBadRequest

func badField(field, format string, args ...any) error {
	return fmt.Errorf("%w: %w", ErrBadRequest, &report.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// ParseMonth reads a period "YYYY-MM" (its first day, UTC as a civil date).
func ParseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return time.Time{}, badField("period", "must be a month YYYY-MM (got %q)", s)
	}
	if t.Year() < 2000 || t.Year() > 2999 {
		return time.Time{}, badField("period", "must be a month from 2000-01 to 2999-12 (got %q)", s)
	}
	return t, nil
}

// Status of a commitment over a month.
const (
	StatusMet    = "met"
	StatusNotMet = "not_met"
	StatusNoData = "no_data" // nothing to measure: neither met nor failed
)

// Result is one commitment over one month.
type Result struct {
	Period string `json:"period"`
	Status string `json:"status"`
	// Value is Numerator / Denominator (a fraction 0-1), nil without data.
	Value       *float64 `json:"value"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	// Mean is the satisfaction's mean score (nil: no response).
	Mean *float64 `json:"mean,omitempty"`
	// Basis says where the figure comes from: rollups, contacts (the
	// month's scan), rollups+contacts, schedules, recordings.
	Basis string `json:"basis"`
}

// Met reports whether the result is met.
func (r Result) Met() bool { return r.Status == StatusMet }

// month is one month being evaluated, with what it has read.
type month struct {
	label    string
	first    time.Time // civil first day
	from, to time.Time // bounds in the tenant's zone
	counts   map[countKey]kpi.Counts
	scanned  bool
	raw      map[int]*rawSum // by commitment index
	fails    map[int][]Failure
	keepFail int // commitment index whose failures are kept; -1 none
	failCap  int
	failN    int
	recorded map[int64]bool // nil: not listed yet
}

// recordedOf lists the tenant's recorded contacts once per month evaluated.
func (e *Evaluator) recordedOf(ctx context.Context, tenantID int64, m *month) (map[int64]bool, error) {
	if m.recorded != nil {
		return m.recorded, nil
	}
	m.recorded = map[int64]bool{}
	if e.Recordings == nil {
		return m.recorded, nil
	}
	rec, err := e.Recordings(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("commitments: list recordings: %w", err)
	}
	if rec != nil {
		m.recorded = rec
	}
	return m.recorded, nil
}

type countKey struct {
	queue   int64 // 0: every queue
	channel model.Channel
}

type rawSum struct {
	num, den  int64
	csat, rsp int64
}

// tenantEnv is a tenant's queues and zones.
type tenantEnv struct {
	queues map[int64]model.Queue
	order  []model.Queue
	zones  map[int64]*time.Location
	scheds map[int64]model.Schedule
	tenant *time.Location
}

func (e *Evaluator) env(ctx context.Context, tenantID int64) (*tenantEnv, error) {
	queues, err := e.St.ListQueues(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("commitments: list queues: %w", err)
	}
	scheds, err := e.St.ListSchedules(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("commitments: list schedules: %w", err)
	}
	env := &tenantEnv{queues: map[int64]model.Queue{}, order: queues, zones: map[int64]*time.Location{}, scheds: map[int64]model.Schedule{}, tenant: time.UTC}
	locs := map[int64]*time.Location{}
	for _, s := range scheds {
		env.scheds[s.ID] = s
		if loc, err := time.LoadLocation(s.TimeZone); err == nil {
			locs[s.ID] = loc
		}
	}
	set := false
	for _, q := range queues {
		env.queues[q.ID] = q
		loc := time.UTC
		if q.ScheduleID != nil && locs[*q.ScheduleID] != nil {
			loc = locs[*q.ScheduleID]
			if !set {
				env.tenant, set = loc, true
			}
		}
		env.zones[q.ID] = loc
	}
	return env, nil
}

func (env *tenantEnv) zone(queue int64) *time.Location {
	if loc := env.zones[queue]; loc != nil {
		return loc
	}
	return env.tenant
}

func localMidnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Day() != d {
		_, t = t.ZoneBounds()
	}
	return t
}

func (env *tenantEnv) newMonth(first time.Time) *month {
	from := localMidnight(first.Year(), first.Month(), 1, env.tenant)
	to := localMidnight(first.Year(), first.Month()+1, 1, env.tenant)
	return &month{label: first.Format("2006-01"), first: first, from: from, to: to, counts: map[countKey]kpi.Counts{},
		raw: map[int]*rawSum{}, keepFail: -1}
}

// inMonth reports whether t falls in the month in loc.
func (m *month) inMonth(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	return l.Year() == m.first.Year() && l.Month() == m.first.Month()
}

// scope is the queues a commitment covers (nil: every queue, deleted
// ones' rollups included), of its channel.
func (env *tenantEnv) scope(c model.Commitment) []model.Queue {
	var out []model.Queue
	for _, q := range env.order {
		if c.Channel != "" && q.Channel != c.Channel {
			continue
		}
		if len(c.QueueIDs) > 0 && !slices.Contains(c.QueueIDs, q.ID) {
			continue
		}
		out = append(out, q)
	}
	return out
}

func (e *Evaluator) counts(ctx context.Context, tenantID int64, m *month, queue int64, ch model.Channel) (kpi.Counts, error) {
	k := countKey{queue, ch}
	if c, ok := m.counts[k]; ok {
		return c, nil
	}
	last := time.Date(m.first.Year(), m.first.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	rep, err := report.Queues(ctx, e.St, report.Request{TenantID: tenantID, From: m.first.Format(time.DateOnly), To: last.Format(time.DateOnly),
		Group: report.GroupMonth, QueueID: queue, Channel: ch})
	if err != nil {
		return kpi.Counts{}, fmt.Errorf("commitments: queue figures of %s: %w", m.label, err)
	}
	m.counts[k] = rep.Counts
	return rep.Counts, nil
}

// rollupCounts sums the rollups over the commitment's queues: all of
// them (deleted ones' rows included) when it names none, else queues.
func (e *Evaluator) rollupCounts(ctx context.Context, tenantID int64, m *month, c model.Commitment, queues []model.Queue, all bool) (kpi.Counts, error) {
	if all {
		return e.counts(ctx, tenantID, m, 0, c.Channel)
	}
	var sum kpi.Counts
	for _, q := range queues {
		n, err := e.counts(ctx, tenantID, m, q.ID, c.Channel)
		if err != nil {
			return sum, err
		}
		sum.Add(n)
	}
	return sum, nil
}

// slSplit: the queues whose own threshold is the commitment's
// (every queue when it sets none) are read from the rollups; the others
// are counted from the contacts.
func slSplit(c model.Commitment, queues []model.Queue) (rollup, raw []model.Queue) {
	for _, q := range queues {
		if c.Seconds == 0 || q.SLThresholdSeconds == c.Seconds || slBand(c) >= 0 {
			rollup = append(rollup, q)
		} else {
			raw = append(raw, q)
		}
	}
	return rollup, raw
}

// band is the index of the rollups' band of d among bands, -1 for none.
func band(bands []time.Duration, d time.Duration) int {
	for i, b := range bands {
		if b == d {
			return i
		}
	}
	return -1
}

func slBand(c model.Commitment) int {
	y := kpi.SLThresholds()
	return band(y[:], time.Duration(c.Seconds)*time.Second)
}

func ewtBand(c model.Commitment) int {
	m := kpi.EWTMargins()
	return band(m[:], time.Duration(c.Seconds)*time.Second)
}

func callbackBand(c model.Commitment) int {
	d := kpi.CallbackDelays()
	return band(d[:], time.Duration(c.Seconds)*time.Second)
}

// needsScan reports whether the commitment reads the month's contacts.
func needsScan(c model.Commitment, env *tenantEnv) bool {
	switch c.Kind {
	case model.CommitAnnouncedWait:
		return ewtBand(c) < 0
	case model.CommitCallback:
		return callbackBand(c) < 0
	case model.CommitRecordingAnnounced:
		return true
	case model.CommitServiceLevel:
		_, raw := slSplit(c, env.scope(c))
		return len(raw) > 0
	}
	return false
}

// judge says whether contact k counts in commitment c's denominator (in)
// and in its numerator (hit).
func judge(c model.Commitment, env *tenantEnv, recorded map[int64]bool, rawQueues map[int64]bool, k store.CommitmentContact) (in, hit bool) {
	q, known := env.queues[k.QueueID]
	if c.Channel != "" && k.Channel != c.Channel {
		return false, false
	}
	if len(c.QueueIDs) > 0 && !slices.Contains(c.QueueIDs, k.QueueID) {
		return false, false
	}
	closed := k.EndedReason == model.EndClosed
	if closed {
		return false, false
	}
	end := k.ArrivedAt
	if k.EndedAt != nil {
		end = *k.EndedAt
	}
	answered := k.AnsweredAt != nil
	wait := end.Sub(k.ArrivedAt)
	if answered {
		wait = k.AnsweredAt.Sub(k.ArrivedAt)
	}
	wait = max(wait, 0)
	short := kpi.DefaultShortAbandon
	if known && q.ShortAbandonSeconds != nil {
		short = time.Duration(*q.ShortAbandonSeconds) * time.Second
	}
	shortAbandon := k.EndedReason == model.EndAbandoned && !answered && wait < short
	switch c.Kind {
	case model.CommitServiceLevel:
		if rawQueues != nil && !rawQueues[k.QueueID] || shortAbandon {
			return false, false
		}
		y := time.Duration(c.Seconds) * time.Second
		if c.Seconds == 0 && known {
			y = time.Duration(q.SLThresholdSeconds) * time.Second
		}
		return true, answered && wait <= y
	case model.CommitAbandonRate:
		if shortAbandon {
			return false, false
		}
		return true, !answered && k.EndedReason == model.EndAbandoned
	case model.CommitAnnouncedWait:
		if !answered || k.AnnouncedEWTSeconds == nil || k.ToldNoAgent {
			return false, false
		}
		return true, wait <= time.Duration(*k.AnnouncedEWTSeconds+c.Seconds)*time.Second
	case model.CommitCallback:
		if k.CallbackAt == nil {
			return false, false
		}
		return true, answered && k.AnsweredAt.Sub(*k.CallbackAt) <= time.Duration(c.Seconds)*time.Second
	case model.CommitSatisfaction:
		if !answered {
			return false, false
		}
		return true, k.CSATScore != nil
	case model.CommitRecordingAnnounced:
		if k.Channel != model.ChannelVoice || !recorded[k.ID] {
			return false, false
		}
		// The SIP server records a call only once its caller heard the
		// recording notice to its end (internal/sip): a recording is an
		// announced call.
		return true, true
	}
	return false, false
}

// failed reports whether a contact counted by judge is one the
// commitment's shortfall is made of.
func failed(c model.Commitment, in, hit bool, k store.CommitmentContact) bool {
	if !in {
		return false
	}
	switch c.Kind {
	case model.CommitAbandonRate:
		return hit
	case model.CommitSatisfaction:
		return k.CSATScore != nil && float64(*k.CSATScore) < c.MinScore
	}
	return !hit
}

// scan reads the month's contacts once for every commitment that needs them.
func (e *Evaluator) scan(ctx context.Context, tenantID int64, env *tenantEnv, m *month, list []model.Commitment) error {
	if m.scanned {
		return nil
	}
	m.scanned = true
	type part struct {
		i   int
		c   model.Commitment
		raw map[int64]bool
	}
	var parts []part
	recorded, err := e.recordedOf(ctx, tenantID, m)
	if err != nil {
		return err
	}
	for i, c := range list {
		if !needsScan(c, env) && m.keepFail != i {
			continue
		}
		if c.Kind == model.CommitRecordingAnnounced && len(recorded) == 0 {
			m.raw[i] = &rawSum{} // no recording: nothing to read
			continue
		}
		p := part{i: i, c: c}
		if c.Kind == model.CommitServiceLevel {
			_, raw := slSplit(c, env.scope(c))
			if m.keepFail != i {
				p.raw = map[int64]bool{}
				for _, q := range raw {
					p.raw[q.ID] = true
				}
			}
		}
		parts = append(parts, p)
		m.raw[i] = &rawSum{}
	}
	if len(parts) == 0 {
		return nil
	}
	// Every zone is within 14 hours of UTC: read a little more, keep the
	// contacts of the month in their queue's zone.
	err = e.St.ScanCommitmentContacts(ctx, tenantID, m.from.Add(-15*time.Hour), m.to.Add(15*time.Hour), func(k store.CommitmentContact) error {
		if !m.inMonth(k.ArrivedAt, env.zone(k.QueueID)) {
			return nil
		}
		for _, p := range parts {
			in, hit := judge(p.c, env, recorded, p.raw, k)
			if !in {
				continue
			}
			s := m.raw[p.i]
			s.den++
			if hit {
				s.num++
				if k.CSATScore != nil {
					s.rsp++
					s.csat += int64(*k.CSATScore)
				}
			}
			if p.i == m.keepFail && failed(p.c, in, hit, k) {
				m.failN++
				if len(m.fails[p.i]) < m.failCap {
					m.fails[p.i] = append(m.fails[p.i], failureOf(p.c, k))
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("commitments: contacts of %s: %w", m.label, err)
	}
	return nil
}

// bp is a percentage in basis points (hundredths of a percent).
func bp(pct float64) int64 { return int64(math.Round(pct * 100)) }

// finish turns counts into a result against the commitment's target.
func finish(c model.Commitment, label, basis string, num, den int64) Result {
	r := Result{Period: label, Numerator: num, Denominator: den, Basis: basis, Status: StatusNoData}
	if den <= 0 {
		return r
	}
	r.Value = kpi.Ratio(num, den)
	ok := num*10000 >= bp(c.TargetPct)*den
	if !c.HigherIsBetter() {
		ok = num*10000 <= bp(c.TargetPct)*den
	}
	r.Status = StatusNotMet
	if ok {
		r.Status = StatusMet
	}
	return r
}

func (e *Evaluator) evaluate(ctx context.Context, tenantID int64, env *tenantEnv, m *month, list []model.Commitment, i int) (Result, error) {
	c := list[i]
	queues := env.scope(c)
	all := len(c.QueueIDs) == 0
	if len(c.QueueIDs) > 0 && len(queues) == 0 {
		return Result{Period: m.label, Status: StatusNoData, Basis: "rollups"}, nil // its queues were all deleted
	}
	raw := func() (*rawSum, error) {
		if err := e.scan(ctx, tenantID, env, m, list); err != nil {
			return nil, err
		}
		return m.raw[i], nil
	}
	switch c.Kind {
	case model.CommitServiceLevel:
		if b := slBand(c); c.Seconds != 0 && b >= 0 {
			// A Y the rollups keep: answered within Y in every queue.
			n, err := e.rollupCounts(ctx, tenantID, m, c, queues, all)
			if err != nil {
				return Result{}, err
			}
			return finish(c, m.label, "rollups", n.AnsweredWithin[b], n.SLBase()), nil
		}
		rq, xq := slSplit(c, queues)
		var n kpi.Counts
		var err error
		basis := "rollups"
		if len(xq) == 0 {
			n, err = e.rollupCounts(ctx, tenantID, m, c, queues, all)
		} else if len(rq) > 0 {
			n, err = e.rollupCounts(ctx, tenantID, m, c, rq, false)
			basis = "rollups+contacts"
		} else {
			basis = "contacts"
		}
		if err != nil {
			return Result{}, err
		}
		num, den := n.AnsweredInSL, n.SLBase()
		if len(xq) > 0 {
			s, err := raw()
			if err != nil {
				return Result{}, err
			}
			num, den = num+s.num, den+s.den
		}
		return finish(c, m.label, basis, num, den), nil
	case model.CommitAbandonRate:
		n, err := e.rollupCounts(ctx, tenantID, m, c, queues, all)
		if err != nil {
			return Result{}, err
		}
		return finish(c, m.label, "rollups", n.Abandoned-n.ShortAbandoned, n.SLBase()), nil
	case model.CommitSatisfaction:
		n, err := e.rollupCounts(ctx, tenantID, m, c, queues, all)
		if err != nil {
			return Result{}, err
		}
		r := finish(c, m.label, "rollups", n.CSATResponses, n.Answered)
		r.Mean = n.CSATMean()
		if r.Status == StatusMet && n.CSATSum*100 < bp(c.MinScore)*n.CSATResponses {
			r.Status = StatusNotMet
		}
		return r, nil
	case model.CommitAnnouncedWait, model.CommitCallback:
		if b := ewtBand(c); c.Kind == model.CommitAnnouncedWait && b >= 0 {
			n, err := e.rollupCounts(ctx, tenantID, m, c, queues, all)
			if err != nil {
				return Result{}, err
			}
			return finish(c, m.label, "rollups", n.EWTKept[b], n.EWTTold), nil
		}
		if b := callbackBand(c); c.Kind == model.CommitCallback && b >= 0 {
			n, err := e.rollupCounts(ctx, tenantID, m, c, queues, all)
			if err != nil {
				return Result{}, err
			}
			return finish(c, m.label, "rollups", n.CallbacksWithin[b], n.CallbacksRequested), nil
		}
		s, err := raw()
		if err != nil {
			return Result{}, err
		}
		return finish(c, m.label, "contacts", s.num, s.den), nil
	case model.CommitRecordingAnnounced:
		rec, err := e.recordedOf(ctx, tenantID, m)
		if err != nil {
			return Result{}, err
		}
		if len(rec) == 0 {
			return finish(c, m.label, "recordings", 0, 0), nil
		}
		s, err := raw()
		if err != nil {
			return Result{}, err
		}
		return finish(c, m.label, "recordings", s.num, s.den), nil
	case model.CommitOpenHours:
		num, den, _ := env.opening(c, m, queues)
		return finish(c, m.label, "schedules", num, den), nil
	}
	return Result{}, fmt.Errorf("commitments: unknown kind %q", c.Kind)
}

// DayFailure is a committed day a queue was not open as committed.
type DayFailure struct {
	Day     string `json:"day"`
	QueueID int64  `json:"queue_id"`
	Queue   string `json:"queue"`
	Reason  string `json:"reason"` // holiday, closed, hours
	// Open lists the day's opening ranges ("09:00-18:00").
	Open []string `json:"open"`
}

// opening counts the committed days of the month on which every queue in
// scope was open from Opens to Closes, and lists the failures.
func (env *tenantEnv) opening(c model.Commitment, m *month, queues []model.Queue) (num, den int64, fails []DayFailure) {
	if len(queues) == 0 {
		return 0, 0, nil
	}
	opens, _ := model.ParseClock(c.Opens)
	closes, _ := model.ParseClock(c.Closes)
	days := c.Days
	if len(days) == 0 {
		days = []int{0, 1, 2, 3, 4, 5, 6}
	}
	for d := m.first; d.Month() == m.first.Month(); d = d.AddDate(0, 0, 1) {
		if !slices.Contains(days, int(d.Weekday())) {
			continue
		}
		den++
		ok := true
		date := d.Format(time.DateOnly)
		for _, q := range queues {
			if q.ScheduleID == nil {
				continue // no schedule: always open
			}
			s, found := env.scheds[*q.ScheduleID]
			if !found || s.AlwaysOpen { // always open: holidays too, as the live center
				continue
			}
			var ranges [][2]int
			var open []string
			for _, w := range s.Weekly {
				if w.Day != int(d.Weekday()) {
					continue
				}
				f, err1 := model.ParseClock(w.From)
				t, err2 := model.ParseClock(w.To)
				if err1 == nil && err2 == nil {
					ranges = append(ranges, [2]int{f, t})
					open = append(open, w.From+"-"+w.To)
				}
			}
			reason := ""
			switch {
			case slices.Contains(s.Holidays, date):
				reason = "holiday"
			case len(ranges) == 0:
				reason = "closed"
			case !covers(ranges, opens, closes):
				reason = "hours"
			}
			if reason != "" {
				ok = false
				fails = append(fails, DayFailure{Day: date, QueueID: q.ID, Queue: q.Name, Reason: reason, Open: nonNil(open)})
			}
		}
		if ok {
			num++
		}
	}
	return num, den, fails
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// covers reports whether the union of ranges (minutes) covers [from, to).
func covers(ranges [][2]int, from, to int) bool {
	sort.Slice(ranges, func(a, b int) bool { return ranges[a][0] < ranges[b][0] })
	at := from
	for _, r := range ranges {
		if r[0] > at {
			break
		}
		at = max(at, r[1])
		if at >= to {
			return true
		}
	}
	return at >= to
}

// Evaluate evaluates one commitment of the tenant over one month
// ("YYYY-MM").
func (e *Evaluator) Evaluate(ctx context.Context, tenantID int64, c model.Commitment, period string) (Result, error) {
	first, err := ParseMonth(period)
	if err != nil {
		return Result{}, err
	}
	env, err := e.env(ctx, tenantID)
	if err != nil {
		return Result{}, err
	}
	return e.evaluate(ctx, tenantID, env, env.newMonth(first), []model.Commitment{c}, 0)
}

// MetShare counts, over the months from and to ("YYYY-MM", both
// included), the tenant's commitment-months measured (with data) and
// those met: what a ranking or a bonus clause reads. At most MaxMonths.
func (e *Evaluator) MetShare(ctx context.Context, tenantID int64, from, to string) (met, measured int, err error) {
	f, err := ParseMonth(from)
	if err != nil {
		return 0, 0, err
	}
	t, err := ParseMonth(to)
	if err != nil {
		return 0, 0, err
	}
	if t.Before(f) {
		return 0, 0, badField("from", "must not be after to (%s > %s)", from, to)
	}
	if months(f, t) > MaxMonths {
		return 0, 0, badField("to", "at most %d months (asked %d)", MaxMonths, months(f, t))
	}
	list, err := e.St.ListCommitments(ctx, tenantID)
	if err != nil {
		return 0, 0, fmt.Errorf("commitments: list: %w", err)
	}
	env, err := e.env(ctx, tenantID)
	if err != nil {
		return 0, 0, err
	}
	for d := f; !d.After(t); d = d.AddDate(0, 1, 0) {
		m := env.newMonth(d)
		for i := range list {
			r, err := e.evaluate(ctx, tenantID, env, m, list, i)
			if err != nil {
				return 0, 0, err
			}
			if r.Status != StatusNoData {
				measured++
			}
			if r.Met() {
				met++
			}
		}
	}
	return met, measured, nil
}

// CommitmentsMet is MetShare over the months of the days from and to
// (YYYY-MM-DD, both included): the months they touch. It is what the
// palmarès reads (workforce.Commitments).
func (e *Evaluator) CommitmentsMet(ctx context.Context, tenantID int64, from, to string) (met, measured int, err error) {
	for _, d := range []struct{ field, v string }{{"from", from}, {"to", to}} {
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			return 0, 0, badField(d.field, "must be a date YYYY-MM-DD (got %q)", d.v)
		}
	}
	return e.MetShare(ctx, tenantID, from[:7], to[:7])
}

func months(from, to time.Time) int {
	return (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month()) + 1
}

// Line is one commitment in a report: its rule, the period's result, the
// months before it, and where to see the contacts behind it.
type Line struct {
	Commitment model.Commitment `json:"commitment"`
	// Target is TargetPct as a fraction; Comparison ">=" or "<=".
	Target     float64 `json:"target"`
	Comparison string  `json:"comparison"`
	Result
	// Trend is the TrendMonths months before the period, oldest first.
	Trend      []Result   `json:"trend"`
	Definition Definition `json:"definition"`
}

// Report is the tenant's commitments over a month.
type Report struct {
	Period   string    `json:"period"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	TimeZone string    `json:"time_zone"`
	Lines    []Line    `json:"commitments"`
	// Met and Measured count the period's commitments met and those with data.
	Met      int `json:"met"`
	Measured int `json:"measured"`
}

// Report evaluates every commitment of the tenant over the month period
// and the TrendMonths months before it.
func (e *Evaluator) Report(ctx context.Context, tenantID int64, period string) (Report, error) {
	first, err := ParseMonth(period)
	if err != nil {
		return Report{}, err
	}
	list, err := e.St.ListCommitments(ctx, tenantID)
	if err != nil {
		return Report{}, fmt.Errorf("commitments: list: %w", err)
	}
	env, err := e.env(ctx, tenantID)
	if err != nil {
		return Report{}, err
	}
	cur := env.newMonth(first)
	out := Report{Period: cur.label, From: cur.from, To: cur.to, TimeZone: env.tenant.String(), Lines: []Line{}}
	past := make([]*month, TrendMonths)
	for k := range past {
		past[k] = env.newMonth(first.AddDate(0, k-TrendMonths, 0))
	}
	for i, c := range list {
		r, err := e.evaluate(ctx, tenantID, env, cur, list, i)
		if err != nil {
			return Report{}, err
		}
		l := Line{Commitment: c, Target: c.TargetPct / 100, Comparison: ">=", Result: r, Trend: []Result{}, Definition: Definitions[c.Kind]}
		if !c.HigherIsBetter() {
			l.Comparison = "<="
		}
		for _, m := range past {
			pr, err := e.evaluate(ctx, tenantID, env, m, list, i)
			if err != nil {
				return Report{}, err
			}
			l.Trend = append(l.Trend, pr)
		}
		if r.Status != StatusNoData {
			out.Measured++
		}
		if r.Met() {
			out.Met++
		}
		out.Lines = append(out.Lines, l)
	}
	return out, nil
}

// Failure is a contact that counts against a commitment.
type Failure struct {
	ID         int64             `json:"id"`
	QueueID    int64             `json:"queue_id"`
	Channel    model.Channel     `json:"channel"`
	ArrivedAt  time.Time         `json:"arrived_at"`
	Outcome    model.EndedReason `json:"outcome"`
	WaitSecond *float64          `json:"wait_seconds"`
	// AnnouncedSeconds is the wait it was told; CallbackDelaySeconds the
	// time from its callback request to the answer (nil: never reached).
	AnnouncedSeconds     *int     `json:"announced_seconds,omitempty"`
	CallbackDelaySeconds *float64 `json:"callback_delay_seconds,omitempty"`
	CSATScore            *int     `json:"csat_score,omitempty"`
}

func failureOf(c model.Commitment, k store.CommitmentContact) Failure {
	f := Failure{ID: k.ID, QueueID: k.QueueID, Channel: k.Channel, ArrivedAt: k.ArrivedAt, Outcome: k.EndedReason, CSATScore: k.CSATScore}
	end := k.EndedAt
	if k.AnsweredAt != nil {
		end = k.AnsweredAt
	}
	if end != nil {
		w := end.Sub(k.ArrivedAt).Seconds()
		f.WaitSecond = &w
	}
	if c.Kind == model.CommitAnnouncedWait {
		f.AnnouncedSeconds = k.AnnouncedEWTSeconds
	}
	if c.Kind == model.CommitCallback && k.CallbackAt != nil && k.AnsweredAt != nil {
		d := k.AnsweredAt.Sub(*k.CallbackAt).Seconds()
		f.CallbackDelaySeconds = &d
	}
	return f
}

// Shortfall is what a commitment's month is short of: the contacts that
// count against it (or the days, for the opening), the first MaxFailures.
type Shortfall struct {
	CommitmentID int64        `json:"commitment_id"`
	Period       string       `json:"period"`
	Result       Result       `json:"result"`
	Contacts     []Failure    `json:"contacts"`
	Days         []DayFailure `json:"days"`
	// Total counts them all; Truncated says some are not listed.
	Total     int  `json:"total"`
	Truncated bool `json:"truncated"`
}

// MaxFailures is how many contacts a shortfall lists.
const MaxFailures = 500

// Shortfall lists the contacts behind commitment id's month: those that
// failed it (answered late or not at all, abandoned, told a wait not
// kept, called back late or never, rated below the minimum), by arrival.
func (e *Evaluator) Shortfall(ctx context.Context, tenantID int64, c model.Commitment, period string) (Shortfall, error) {
	first, err := ParseMonth(period)
	if err != nil {
		return Shortfall{}, err
	}
	env, err := e.env(ctx, tenantID)
	if err != nil {
		return Shortfall{}, err
	}
	m := env.newMonth(first)
	list := []model.Commitment{c}
	r, err := e.evaluate(ctx, tenantID, env, m, list, 0)
	if err != nil {
		return Shortfall{}, err
	}
	out := Shortfall{CommitmentID: c.ID, Period: m.label, Result: r, Contacts: []Failure{}, Days: []DayFailure{}}
	if c.Kind == model.CommitOpenHours {
		_, _, fails := env.opening(c, m, env.scope(c))
		out.Total = len(fails)
		if len(fails) > MaxFailures {
			fails, out.Truncated = fails[:MaxFailures], true
		}
		out.Days = append(out.Days, fails...)
		return out, nil
	}
	m2 := env.newMonth(first)
	m2.keepFail, m2.failCap, m2.fails = 0, MaxFailures, map[int][]Failure{}
	if err := e.scan(ctx, tenantID, env, m2, list); err != nil {
		return Shortfall{}, err
	}
	out.Contacts = append(out.Contacts, m2.fails[0]...)
	out.Total = m2.failN
	out.Truncated = m2.failN > len(out.Contacts)
	slices.SortFunc(out.Contacts, func(a, b Failure) int { return cmp.Or(a.ArrivedAt.Compare(b.ArrivedAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}
