package wfm

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// DefaultMinFranceShare is the default minimum share of scheduled hours
// worked in France: six jobs in ten, the localisation rule of the 2010
// charter of the Label de Responsabilité Sociale.
const DefaultMinFranceShare = 0.60

// Break is an unpaid break inside a shift; the agent covers nothing during it.
type Break struct {
	// Offset is the time from the shift start to the break start.
	Offset time.Duration
	// Length is the break length.
	Length time.Duration
}

// ShiftTemplate is a kind of shift agents can work.
type ShiftTemplate struct {
	// Name identifies the template in a plan.
	Name string
	// Length is the shift span, breaks included.
	Length time.Duration
	// Starts are the times of day (since midnight, in the location of the
	// problem's Start) at which the shift may start; empty means at any
	// interval start.
	Starts []time.Duration
	// Days are the weekdays on which the shift may start; empty means every day.
	Days []time.Weekday
	// Breaks are unpaid breaks; they must lie inside the shift.
	Breaks []Break
}

// Site is a place agents work from.
type Site struct {
	// Name identifies the site in a plan.
	Name string
	// Country is where the site is; "France" (or "FR") counts towards the
	// localisation share.
	Country string
	// CostPerHour is the cost of one paid agent hour, exact.
	CostPerHour model.Money
	// Homeshoring marks agents working from home. It is reported only:
	// opening hours below are what constrains shifts.
	Homeshoring bool
	// Open and Close are the daily opening hours (times of day since
	// midnight); every interval of a shift at the site, breaks included,
	// must lie inside them. Open == Close means open 24 hours; Close < Open
	// means open overnight (e.g. 20:00-08:00).
	Open, Close time.Duration
}

// IsFrance reports whether the site counts as located in France.
func (s Site) IsFrance() bool {
	c := strings.ToLower(strings.TrimSpace(s.Country))
	return c == "france" || c == "fr" || c == "fra"
}

// ScheduleProblem is a covering problem over a horizon of intervals.
type ScheduleProblem struct {
	// Start is the start of the first interval; its location gives the
	// clock for shift start times and opening hours.
	Start time.Time
	// Step is the interval length; shift lengths and breaks are multiples of it.
	Step time.Duration
	// Required is the number of agents needed in each interval.
	Required []int
	// Shifts are the shift templates.
	Shifts []ShiftTemplate
	// Sites are the sites; every template may be worked at every site
	// whose opening hours allow it.
	Sites []Site
	// MinFranceShare is the minimum share of paid hours in France; nil means
	// DefaultMinFranceShare, 0 means no rule.
	MinFranceShare *float64
	// Cyclic makes the horizon wrap around (a week that repeats): a shift
	// running past the end covers the first intervals. Otherwise shifts start
	// inside the horizon and what they work past its end covers nothing.
	Cyclic bool
}

// Assignment is a number of agents working one shift at one site.
type Assignment struct {
	// Site and Shift name the site and the template.
	Site  string `json:"site"`
	Shift string `json:"shift"`
	// Start is the shift start.
	Start time.Time `json:"start"`
	// Agents is the number of agents on this shift.
	Agents int `json:"agents"`
	// PaidHours is the paid hours of one agent (breaks excluded).
	PaidHours float64 `json:"paid_hours"`
	// Cost is the cost of all these agents: Agents x paid time x the
	// site's CostPerHour, exact, rounded once to the cent (halves away from
	// zero, see model.RoundCents).
	Cost model.Money `json:"cost"`
	// France tells whether the site counts as France.
	France bool `json:"france"`
}

// Coverage is one interval's requirement and scheduled agents.
type Coverage struct {
	// Start is the interval start.
	Start time.Time `json:"start"`
	// Required is the number of agents needed.
	Required int `json:"required"`
	// Scheduled is the number of agents working (not on break).
	Scheduled int `json:"scheduled"`
}

// SiteTotal is one site's part of a plan.
type SiteTotal struct {
	Site string `json:"site"`
	// PaidHours is the paid hours of all the site's agents.
	PaidHours float64 `json:"paid_hours"`
	// Cost is their exact cost, rounded once to the cent (halves away
	// from zero), like TotalCost.
	Cost model.Money `json:"cost"`
}

// Plan is the result of Schedule.
type Plan struct {
	// Assignments are the shifts to staff, by start, site and shift.
	Assignments []Assignment `json:"assignments"`
	// Coverage is every interval's requirement and coverage.
	Coverage []Coverage `json:"coverage"`
	// Uncovered lists the intervals whose coverage is below requirement:
	// no allowed shift at any site can reach them.
	Uncovered []Coverage `json:"uncovered"`
	// TotalCost is the cost of all paid hours: the exact sum of every
	// assignment's agents x paid time x cost per hour, rounded once to the
	// cent at the end (halves away from zero). It may differ from the sum of
	// the rounded Assignment costs by at most half a cent per assignment,
	// and only when a line is not a whole number of cents (45 paid minutes
	// at 13.50 an hour: 10.125).
	TotalCost model.Money `json:"total_cost"`
	// Sites is each site's paid hours and cost, in the order of the
	// problem's sites (a site with no shift included).
	Sites []SiteTotal `json:"sites"`
	// TotalHours and FranceHours are paid hours, all and in France.
	TotalHours  float64 `json:"total_hours"`
	FranceHours float64 `json:"france_hours"`
	// FranceShare is FranceHours / TotalHours (0 with no hours).
	FranceShare float64 `json:"france_share"`
	// MinFranceShare is the rule applied.
	MinFranceShare float64 `json:"min_france_share"`
	// FranceShareMet tells whether the rule holds (true with no hours).
	FranceShareMet bool `json:"france_share_met"`
}

// column is one (site, template, start) choice.
type column struct {
	site, shift, start int
	cover              []int         // covered interval indices
	bits               []uint64      // the same as a bitset
	paid               time.Duration // paid time of one agent, for the exact cost
	hours              float64       // paid hours
	// cost is the optimiser's cost, in currency units: a float is fine for
	// comparing plans, but every reported figure is recomputed exactly
	// from paid and the site's rate (see plan).
	cost   float64
	france bool
}

// bitsSubset reports whether every bit of a is in b.
func bitsSubset(a, b []uint64) bool {
	for i, w := range a {
		if w&^b[i] != 0 {
			return false
		}
	}
	return true
}

func (p ScheduleProblem) validate() error {
	switch {
	case p.Step <= 0 || (24*time.Hour)%p.Step != 0:
		return fmt.Errorf("interval %v must be positive and divide a day", p.Step)
	case len(p.Required) == 0:
		return errors.New("no intervals")
	case len(p.Shifts) == 0:
		return errors.New("no shift templates")
	case len(p.Sites) == 0:
		return errors.New("no sites")
	}
	if p.MinFranceShare != nil && (*p.MinFranceShare < 0 || *p.MinFranceShare > 1) {
		return fmt.Errorf("minimum France share must be in [0, 1], got %v", *p.MinFranceShare)
	}
	for i, r := range p.Required {
		if r < 0 {
			return fmt.Errorf("interval %d: negative requirement %d", i, r)
		}
	}
	for _, sh := range p.Shifts {
		if sh.Length <= 0 || sh.Length%p.Step != 0 {
			return fmt.Errorf("shift %q: length %v must be a positive multiple of %v", sh.Name, sh.Length, p.Step)
		}
		for _, b := range sh.Breaks {
			if b.Offset < 0 || b.Length <= 0 || b.Offset%p.Step != 0 || b.Length%p.Step != 0 || b.Offset+b.Length > sh.Length {
				return fmt.Errorf("shift %q: break at %v for %v must be aligned on %v and inside the shift", sh.Name, b.Offset, b.Length, p.Step)
			}
		}
		for _, s := range sh.Starts {
			if s < 0 || s >= 24*time.Hour {
				return fmt.Errorf("shift %q: start time %v is not a time of day", sh.Name, s)
			}
		}
	}
	for _, s := range p.Sites {
		if s.CostPerHour < 0 || s.CostPerHour > model.MaxMoney {
			return fmt.Errorf("site %q: cost per hour must be between 0 and %s, got %s", s.Name, model.MaxMoney.Decimal(), s.CostPerHour.Decimal())
		}
		if s.Open < 0 || s.Open >= 24*time.Hour || s.Close < 0 || s.Close > 24*time.Hour {
			return fmt.Errorf("site %q: opening hours %v-%v are not times of day", s.Name, s.Open, s.Close)
		}
	}
	return nil
}

// timeOfDay returns the clock time of t since its midnight.
func timeOfDay(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
}

// openDuring reports whether the site is open for the whole interval
// [tod, tod+step) of a day.
func (s Site) openDuring(tod, step time.Duration) bool {
	open, close := s.Open, s.Close
	if close == 24*time.Hour {
		close = 0
	}
	end := tod + step
	switch {
	case open == close:
		return true
	case open < close:
		return tod >= open && end <= close
	default: // overnight
		return tod >= open || end <= close
	}
}

// columns enumerates every allowed (site, template, start).
func (p ScheduleProblem) columns() []column {
	n := len(p.Required)
	words := (n + 63) / 64
	var cols []column
	for ki, sh := range p.Shifts {
		slots := int(sh.Length / p.Step)
		onBreak := make([]bool, slots)
		paid := sh.Length
		for _, b := range sh.Breaks {
			for o := int(b.Offset / p.Step); o < int((b.Offset+b.Length)/p.Step); o++ {
				if !onBreak[o] {
					onBreak[o] = true
					paid -= p.Step
				}
			}
		}
		for i := range n {
			t := p.Start.Add(time.Duration(i) * p.Step)
			if len(sh.Days) > 0 && !slices.Contains(sh.Days, t.Weekday()) {
				continue
			}
			if len(sh.Starts) > 0 && !slices.Contains(sh.Starts, timeOfDay(t)) {
				continue
			}
			var cover []int
			for o := range slots {
				if onBreak[o] {
					continue
				}
				idx := i + o
				if idx >= n {
					if !p.Cyclic {
						continue
					}
					idx %= n
				}
				cover = append(cover, idx)
			}
			if len(cover) == 0 {
				continue
			}
			slices.Sort(cover)
			cover = slices.Compact(cover)
			for si, site := range p.Sites {
				ok := true
				for o := range slots {
					if !site.openDuring(timeOfDay(t.Add(time.Duration(o)*p.Step)), p.Step) {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				b := make([]uint64, words)
				for _, c := range cover {
					b[c/64] |= 1 << (c % 64)
				}
				cols = append(cols, column{
					site: si, shift: ki, start: i, cover: cover, bits: b,
					paid: paid, hours: paid.Hours(), cost: paid.Hours() * site.CostPerHour.Units(), france: site.IsFrance(),
				})
			}
		}
	}
	return cols
}

// Schedule covers the requirement at least cost while keeping the share of
// paid hours in France at or above the minimum.
//
// Method: every allowed (site, shift, start) is a column of a weighted set
// multicover. A lazy greedy repeatedly takes the column with the lowest
// price per newly covered agent-interval, where the price is the cost plus
// a Lagrangian term lambda x hours x (share - [France]) that steers hours to
// France; it runs for several lambdas. Each greedy plan is then improved by
// a local search on cost + a large penalty per hour of France-share
// deficit, whose moves keep the coverage: remove a redundant shift, swap a
// shift for another (other site, start or template), split one into two,
// merge two into one, or add a French shift. The plan with the best
// coverage, then the share met, then the least cost is kept.
//
// Guarantees: every interval that some allowed shift can reach is covered
// (the others are listed in Plan.Uncovered); the France share is met whenever
// any shift can be worked at a French site (adding French shifts always
// raises it); the local search never raises the penalised objective. The
// cost is not proven optimal: with no France rule the result costs at most
// what the plain greedy found, which is within H(d) = 1 + 1/2 + ... + 1/d of
// the optimum (d = the most intervals one shift covers); with the rule there
// is no such bound. The tests compare the result with a brute-force optimum
// on small instances.
func Schedule(p ScheduleProblem) (Plan, error) {
	return ScheduleContext(context.Background(), p)
}

// ScheduleContext is Schedule, giving up with ctx's error as soon as ctx
// is done (a client gone, a deadline passed).
func ScheduleContext(ctx context.Context, p ScheduleProblem) (Plan, error) {
	if err := p.validate(); err != nil {
		return Plan{}, fmt.Errorf("schedule: %w", err)
	}
	share := DefaultMinFranceShare
	if p.MinFranceShare != nil {
		share = *p.MinFranceShare
	}
	cols := p.columns()
	maxRate := 0.0
	for _, s := range p.Sites {
		maxRate = math.Max(maxRate, s.CostPerHour.Units())
	}
	best, bestKey := []int(nil), [3]float64{math.Inf(1), 1, math.Inf(1)}
	lambdas := []float64{0, 0.1, 0.25, 0.5, 1, 2, 4}
	if share == 0 {
		lambdas = lambdas[:1]
	}
	for _, l := range lambdas {
		s := newSolver(p.Required, cols, share, maxRate)
		s.ctx = ctx
		s.greedy(l * math.Max(maxRate, 1))
		s.improve()
		if err := ctx.Err(); err != nil {
			return Plan{}, fmt.Errorf("schedule: %w", err)
		}
		if key := s.key(); less(key, bestKey) {
			best, bestKey = slices.Clone(s.x), key
		}
	}
	return p.plan(cols, best, share)
}

func less(a, b [3]float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// solver holds one run's state.
type solver struct {
	req   []int
	cov   []int
	cols  []column
	x     []int // agents per column
	share float64
	// penalty is the objective's cost per hour of France-share deficit.
	penalty float64
	total   float64 // paid hours
	france  float64 // paid hours in France
	cost    float64
	byCell  [][]int // columns covering each interval
	// ctx stops the search when done (ScheduleContext checks it after).
	ctx context.Context
}

// stopped reports whether the search should give up.
func (s *solver) stopped() bool { return s.ctx != nil && s.ctx.Err() != nil }

func newSolver(req []int, cols []column, share, maxRate float64) *solver {
	s := &solver{
		req: req, cov: make([]int, len(req)), cols: cols, x: make([]int, len(cols)), share: share,
		penalty: 1000 * (maxRate + 1), byCell: make([][]int, len(req)),
	}
	for ci, c := range cols {
		for _, i := range c.cover {
			s.byCell[i] = append(s.byCell[i], ci)
		}
	}
	return s
}

func (s *solver) add(ci, k int) {
	c := &s.cols[ci]
	s.x[ci] += k
	for _, i := range c.cover {
		s.cov[i] += k
	}
	s.total += float64(k) * c.hours
	s.cost += float64(k) * c.cost
	if c.france {
		s.france += float64(k) * c.hours
	}
}

// deficit is share x total - france hours: positive when the rule fails.
func (s *solver) deficit(dTotal, dFrance float64) float64 {
	return s.share*(s.total+dTotal) - (s.france + dFrance)
}

const shareEps = 1e-9

// key ranks a solution: uncovered agent-intervals, share failed, cost.
func (s *solver) key() [3]float64 {
	var unc float64
	for i, r := range s.req {
		unc += float64(max(0, r-s.cov[i]))
	}
	failed := 0.0
	if s.total > 0 && s.deficit(0, 0) > shareEps {
		failed = 1
	}
	return [3]float64{unc, failed, s.cost}
}

func (s *solver) gain(ci int) int {
	g := 0
	for _, i := range s.cols[ci].cover {
		if s.cov[i] < s.req[i] {
			g++
		}
	}
	return g
}

// greedy is the lazy greedy with Lagrangian prices (see Schedule).
func (s *solver) greedy(lambda float64) {
	h := &colHeap{}
	price := make([]float64, len(s.cols))
	for ci, c := range s.cols {
		f := 0.0
		if c.france {
			f = 1
		}
		price[ci] = math.Max(c.cost+lambda*c.hours*(s.share-f), 1e-9*math.Max(1, c.cost))
		if g := s.gain(ci); g > 0 {
			h.items = append(h.items, colItem{ci, float64(g) / price[ci]})
		}
	}
	heap.Init(h)
	for n := 0; h.Len() > 0; n++ {
		if n%1024 == 0 && s.stopped() {
			return
		}
		top := heap.Pop(h).(colItem)
		g := s.gain(top.col)
		if g == 0 {
			continue
		}
		score := float64(g) / price[top.col]
		if h.Len() > 0 && score < h.items[0].score-1e-12 {
			heap.Push(h, colItem{top.col, score})
			continue
		}
		s.add(top.col, 1)
		if g = s.gain(top.col); g > 0 {
			heap.Push(h, colItem{top.col, float64(g) / price[top.col]})
		}
	}
}

// objective is the cost plus a penalty per hour of France-share deficit,
// after a change of cost, total hours and French hours.
func (s *solver) objective(dCost, dTotal, dFrance float64) float64 {
	return s.cost + dCost + s.penalty*math.Max(0, s.deficit(dTotal, dFrance))
}

// move replaces the units in out (one or two columns) by those in in
// (zero, one or two columns); coverage of the requirement is kept.
type move struct {
	out, in []int
	delta   float64
}

func (s *solver) delta(out, in []int) float64 {
	var dc, dt, df float64
	for _, c := range out {
		dc -= s.cols[c].cost
		dt -= s.cols[c].hours
		df -= s.franceHours(c)
	}
	for _, c := range in {
		dc += s.cols[c].cost
		dt += s.cols[c].hours
		df += s.franceHours(c)
	}
	return s.objective(dc, dt, df) - s.objective(0, 0, 0)
}

// criticalAfter returns the intervals that fall below the requirement when
// one unit of each column of out leaves, and false if some interval would
// then miss more than one agent (one new column cannot cover it).
func (s *solver) criticalAfter(out ...int) ([]uint64, bool) {
	b := make([]uint64, len(s.cols[out[0]].bits))
	ok := true
	for _, c := range out {
		for _, i := range s.cols[c].cover {
			loss := 0
			for _, o := range out {
				if s.cols[o].bits[i/64]&(1<<(i%64)) != 0 {
					loss++
				}
			}
			if short := s.req[i] - (s.cov[i] - loss); short > 0 {
				b[i/64] |= 1 << (i % 64)
				if short > 1 {
					ok = false
				}
			}
		}
	}
	return b, ok
}

func firstBit(b []uint64) int {
	for w, v := range b {
		if v != 0 {
			return w*64 + bits.TrailingZeros64(v)
		}
	}
	return -1
}

// bestMoveFor returns the best move taking one unit of ci out: removal,
// a swap for one column, a split into two columns, or a merge with one
// other selected column into one.
func (s *solver) bestMoveFor(ci int, sel []int) move {
	best := move{delta: -1e-9}
	consider := func(out, in []int) {
		if d := s.delta(out, in); d < best.delta {
			best = move{out: slices.Clone(out), in: slices.Clone(in), delta: d}
		}
	}
	out := []int{ci}
	crit, _ := s.criticalAfter(ci)
	first := firstBit(crit)
	if first < 0 {
		consider(out, nil)
	} else {
		rem := make([]uint64, len(crit))
		for _, d1 := range s.byCell[first] {
			full := true
			for w := range crit {
				rem[w] = crit[w] &^ s.cols[d1].bits[w]
				if rem[w] != 0 {
					full = false
				}
			}
			if full {
				consider(out, []int{d1})
				continue
			}
			for _, d2 := range s.byCell[firstBit(rem)] {
				if d2 >= d1 && bitsSubset(rem, s.cols[d2].bits) {
					consider(out, []int{d1, d2})
				}
			}
		}
	}
	// Merge with another selected column overlapping this one.
	for _, c2 := range sel {
		if c2 == ci && s.x[ci] < 2 || s.x[c2] == 0 || !overlaps(s.cols[ci].bits, s.cols[c2].bits) {
			continue
		}
		pair := []int{ci, c2}
		crit2, ok := s.criticalAfter(ci, c2)
		f := firstBit(crit2)
		if !ok || f < 0 {
			continue // removing ci alone was already considered
		}
		for _, d := range s.byCell[f] {
			if bitsSubset(crit2, s.cols[d].bits) {
				consider(pair, []int{d})
			}
		}
	}
	return best
}

func overlaps(a, b []uint64) bool {
	for i, w := range a {
		if w&b[i] != 0 {
			return true
		}
	}
	return false
}

// improve is a local search on the penalised objective: it applies, unit
// by unit, the best improving removal, swap, split or merge, and adds a
// French shift when that helps a failing share, until nothing improves.
func (s *solver) improve() {
	for pass := 0; pass < 50 && !s.stopped(); pass++ {
		changed := false
		if s.deficit(0, 0) > shareEps {
			best := move{delta: -1e-9}
			for ci, c := range s.cols {
				if c.france {
					if d := s.delta(nil, []int{ci}); d < best.delta {
						best = move{in: []int{ci}, delta: d}
					}
				}
			}
			if best.in != nil {
				s.apply(best)
				changed = true
			}
		}
		sel := s.selected()
		for _, ci := range sel {
			if s.stopped() {
				return
			}
			for s.x[ci] > 0 {
				m := s.bestMoveFor(ci, sel)
				if m.delta >= -1e-9 || (m.out == nil && m.in == nil) {
					break
				}
				s.apply(m)
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

func (s *solver) apply(m move) {
	for _, c := range m.out {
		s.add(c, -1)
	}
	for _, c := range m.in {
		s.add(c, 1)
	}
}

func (s *solver) selected() []int {
	var sel []int
	for ci, k := range s.x {
		if k > 0 {
			sel = append(sel, ci)
		}
	}
	// Most expensive first.
	slices.SortStableFunc(sel, func(a, b int) int {
		return -cmpFloat(s.cols[a].cost, s.cols[b].cost)
	})
	return sel
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *solver) franceHours(ci int) float64 {
	if s.cols[ci].france {
		return s.cols[ci].hours
	}
	return 0
}

// plan builds the report of solution x. Costs are exact: an assignment
// costs agents x paid time x cents per hour, a whole number of
// cent-nanoseconds divided by the nanoseconds of an hour; each reported
// amount is that fraction rounded once (model.RoundCents), the total from
// the exact sum.
func (p ScheduleProblem) plan(cols []column, x []int, share float64) (Plan, error) {
	pl := Plan{MinFranceShare: share}
	hour := big.NewInt(int64(time.Hour))
	total := new(big.Int)
	perSite := make([]big.Int, len(p.Sites))
	pl.Sites = make([]SiteTotal, len(p.Sites))
	for i, s := range p.Sites {
		pl.Sites[i].Site = s.Name
	}
	cov := make([]int, len(p.Required))
	for ci, k := range x {
		if k == 0 {
			continue
		}
		c := cols[ci]
		for _, i := range c.cover {
			cov[i] += k
		}
		exact := big.NewInt(int64(k))
		exact.Mul(exact, big.NewInt(int64(c.paid)))
		exact.Mul(exact, big.NewInt(p.Sites[c.site].CostPerHour.Cents()))
		total.Add(total, exact)
		perSite[c.site].Add(&perSite[c.site], exact)
		pl.Sites[c.site].PaidHours += float64(k) * c.hours
		cost, ok := model.RoundCents(exact, hour)
		if !ok {
			return Plan{}, fmt.Errorf("schedule: the cost of %d agents at %q is too large", k, p.Sites[c.site].Name)
		}
		pl.Assignments = append(pl.Assignments, Assignment{
			Site: p.Sites[c.site].Name, Shift: p.Shifts[c.shift].Name,
			Start: p.Start.Add(time.Duration(c.start) * p.Step), Agents: k,
			PaidHours: c.hours, Cost: cost, France: c.france,
		})
		pl.TotalHours += float64(k) * c.hours
		if c.france {
			pl.FranceHours += float64(k) * c.hours
		}
	}
	slices.SortFunc(pl.Assignments, func(a, b Assignment) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.Site, b.Site); c != 0 {
			return c
		}
		return strings.Compare(a.Shift, b.Shift)
	})
	pl.Coverage = make([]Coverage, len(p.Required))
	for i, r := range p.Required {
		pl.Coverage[i] = Coverage{Start: p.Start.Add(time.Duration(i) * p.Step), Required: r, Scheduled: cov[i]}
		if cov[i] < r {
			pl.Uncovered = append(pl.Uncovered, pl.Coverage[i])
		}
	}
	var ok bool
	if pl.TotalCost, ok = model.RoundCents(total, hour); !ok {
		return Plan{}, errors.New("schedule: the total cost is too large")
	}
	for i := range pl.Sites {
		// Each site's exact cost is at most the total's: it fits.
		pl.Sites[i].Cost, _ = model.RoundCents(&perSite[i], hour)
	}
	pl.FranceShareMet = true
	if pl.TotalHours > 0 {
		pl.FranceShare = pl.FranceHours / pl.TotalHours
		pl.FranceShareMet = pl.FranceShare >= share-shareEps
	}
	return pl, nil
}

// colItem and colHeap form the greedy's max-heap of columns by score.
type colItem struct {
	col   int
	score float64
}

type colHeap struct{ items []colItem }

func (h *colHeap) Len() int { return len(h.items) }
func (h *colHeap) Less(i, j int) bool {
	if h.items[i].score != h.items[j].score {
		return h.items[i].score > h.items[j].score
	}
	return h.items[i].col < h.items[j].col
}
func (h *colHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *colHeap) Push(x any)    { h.items = append(h.items, x.(colItem)) }
func (h *colHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}
