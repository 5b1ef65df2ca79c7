package billing

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Unit is what a contract bills by.
type Unit string

// Billing units.
const (
	// UnitMinute: per handled minute, billed to the millisecond: the
	// contacts' billable segments only (talk, hold, wrap-up flagged
	// billable; never waiting, menus, ringing or virtual hold).
	UnitMinute Unit = "handled_minute"
	// UnitContact: per handled (answered) contact.
	UnitContact Unit = "handled_contact"
	// UnitStaffedHour: per hour of the agents' logged-in time (internal/kpi's
	// login time: every stored state), from the agent state history.
	UnitStaffedHour Unit = "staffed_hour"
)

// Units lists the billing units.
func Units() []Unit { return []Unit{UnitMinute, UnitContact, UnitStaffedHour} }

// UnitPrice is one billing unit of a contract with its price; Channel
// limits a minute or contact unit to one channel ("": every channel, a
// line for each).
type UnitPrice struct {
	Unit    Unit          `json:"unit"`
	Channel model.Channel `json:"channel,omitempty"`
	Price   Price         `json:"price"`
}

// Indexation is a yearly price revision on a published index (Syntec):
// at each anniversary after the version's start, every price becomes
// P1 = P0 × (a + (1 − a) × S1/S0), a the fixed part (0.15 by default),
// P0 the price before the revision, S0 the index value of the previous
// revision (at first BaseMonth's), S1 the value of the same month one
// year later. A revision applies from its date only.
type Indexation struct {
	Index string `json:"index"`
	// BaseMonth is the month of S0 (YYYY-MM).
	BaseMonth string `json:"base_month"`
	// Anniversary is the revision's date each year (MM-DD).
	Anniversary string `json:"anniversary"`
	// FixedPartBP is a in basis points (1500 = 0.15; 0 means 1500).
	FixedPartBP int `json:"fixed_part_bp,omitempty"`
}

// ServiceLevelClause is a bonus or penalty tied to one of the tenant's
// commitments (internal/commitment), a percentage of the month's usage
// lines (before the minimum top-up): PenaltyBPPerPoint basis points per
// percentage point the measured value falls short of the target,
// BonusBPPerPoint per point beyond it, rounded to a basis point and
// capped at ±CapBP (see servicelevel.go and docs/billing.md).
type ServiceLevelClause struct {
	CommitmentID int64 `json:"commitment_id"`
	// CapBP bounds the percentage either way (1-1000: at most ±10 %).
	CapBP int `json:"cap_bp"`
	// PenaltyBPPerPoint and BonusBPPerPoint are basis points of the base
	// per percentage point below (missed) or above (beyond) the target;
	// 0 means no penalty, or no bonus.
	PenaltyBPPerPoint int `json:"penalty_bp_per_point"`
	BonusBPPerPoint   int `json:"bonus_bp_per_point"`
}

// MaxServiceLevelCapBP is the largest cap: ±10 % of the usage.
const MaxServiceLevelCapBP = 1000

// Party is who an invoice is from or to.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
	// VATNumber is the intra-community VAT number; Registration the
	// company's registration (SIRET, RCS...).
	VATNumber    string `json:"vat_number,omitempty"`
	Registration string `json:"registration,omitempty"`
	Email        string `json:"email,omitempty"`
}

// Terms are what a contract version says.
type Terms struct {
	// ValidFrom is the version's first day (YYYY-MM-DD, in TimeZone); it
	// applies until the next version's.
	ValidFrom string `json:"valid_from"`
	// Currency is an ISO 4217 code; EUR by default.
	Currency string `json:"currency,omitempty"`
	// TimeZone is the zone of the months invoiced (Europe/Paris by
	// default); the same for every version of a tenant.
	TimeZone string      `json:"time_zone,omitempty"`
	Units    []UnitPrice `json:"units"`
	// MonthlyMinimumCents is billed whatever the volume: a top-up line
	// makes up the difference (prorated by time over a month with
	// several prices, or a contract starting within it).
	MonthlyMinimumCents Cents       `json:"monthly_minimum_cents"`
	Indexation          *Indexation `json:"indexation,omitempty"`
	// ServiceLevel is the service-level bonus/penalty, optional.
	ServiceLevel *ServiceLevelClause `json:"service_level,omitempty"`
	// VATRateBP is the VAT rate in basis points (2000 = 20 %).
	VATRateBP int    `json:"vat_rate_bp"`
	Client    Party  `json:"client"`
	Reference string `json:"reference,omitempty"`
}

// Contract is a stored version of a tenant's contract.
type Contract struct {
	ID       int64 `json:"id"`
	TenantID int64 `json:"tenant_id"`
	Version  int   `json:"version"`
	Terms
	// RetroactiveDiscount: this version lowered a price from a day before
	// it was entered (over days not yet invoiced; a change touching an
	// invoiced month is refused).
	RetroactiveDiscount bool      `json:"retroactive_discount"`
	CreatedAt           time.Time `json:"created_at"`
	CreatedBy           string    `json:"created_by"`
}

func invalid(field, format string, args ...any) error {
	return &model.ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// normalize fills the defaults.
func (t *Terms) normalize() {
	if t.Currency == "" {
		t.Currency = "EUR"
	}
	if t.TimeZone == "" {
		t.TimeZone = "Europe/Paris"
	}
	if t.Indexation != nil && t.Indexation.FixedPartBP == 0 {
		t.Indexation.FixedPartBP = 1500
	}
}

// Validate checks the terms on their own, defaults filled.
func (t *Terms) Validate() error {
	t.normalize()
	if _, err := time.Parse(time.DateOnly, t.ValidFrom); err != nil {
		return invalid("valid_from", "must be a date YYYY-MM-DD (got %q)", t.ValidFrom)
	}
	if len(t.Currency) != 3 || strings.ToUpper(t.Currency) != t.Currency {
		return invalid("currency", "must be an ISO 4217 code such as EUR (got %q)", t.Currency)
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil || t.TimeZone == "Local" {
		return invalid("time_zone", "unknown time zone %q", t.TimeZone)
	}
	if len(t.Units) == 0 && t.MonthlyMinimumCents == 0 {
		return invalid("units", "a contract bills at least one unit or a monthly minimum")
	}
	seen := map[string]bool{}
	for i, u := range t.Units {
		f := fmt.Sprintf("units[%d]", i)
		if !slices.Contains(Units(), u.Unit) {
			return invalid(f+".unit", "must be handled_minute, handled_contact or staffed_hour (got %q)", u.Unit)
		}
		if u.Channel != "" && u.Channel != model.ChannelVoice && u.Channel != model.ChannelChat {
			return invalid(f+".channel", "must be voice, chat or empty for every channel (got %q)", u.Channel)
		}
		if u.Unit == UnitStaffedHour && u.Channel != "" {
			return invalid(f+".channel", "staffed hours have no channel")
		}
		if u.Price < 0 || u.Price > 100_000*PriceScale {
			return invalid(f+".price", "must be from 0 to 100000")
		}
		key := string(u.Unit)
		if seen[key+"/"] || (u.Channel == "" && (seen[key+"/voice"] || seen[key+"/chat"])) || seen[key+"/"+string(u.Channel)] {
			return invalid(f, "unit %s is priced twice for channel %q", u.Unit, u.Channel)
		}
		seen[key+"/"+string(u.Channel)] = true
	}
	if t.MonthlyMinimumCents < 0 || t.MonthlyMinimumCents > 1_000_000_000_00 {
		return invalid("monthly_minimum_cents", "must be from 0 to 1,000,000,000.00")
	}
	if ix := t.Indexation; ix != nil {
		if strings.TrimSpace(ix.Index) == "" || len(ix.Index) > 40 {
			return invalid("indexation.index", "must name the index, e.g. syntec")
		}
		if _, err := time.Parse("2006-01", ix.BaseMonth); err != nil {
			return invalid("indexation.base_month", "must be a month YYYY-MM (got %q)", ix.BaseMonth)
		}
		if _, err := time.Parse("01-02", ix.Anniversary); err != nil || ix.Anniversary == "02-29" {
			return invalid("indexation.anniversary", "must be a day MM-DD, not 02-29 (got %q)", ix.Anniversary)
		}
		if ix.FixedPartBP < 0 || ix.FixedPartBP > 10_000 {
			return invalid("indexation.fixed_part_bp", "must be from 0 to 10000 (basis points)")
		}
	}
	if sl := t.ServiceLevel; sl != nil {
		if sl.CommitmentID <= 0 {
			return invalid("service_level.commitment_id", "must name one of the tenant's commitments")
		}
		if sl.CapBP < 1 || sl.CapBP > MaxServiceLevelCapBP {
			return invalid("service_level.cap_bp", "must be from 1 to %d basis points (at most ±10 %%)", MaxServiceLevelCapBP)
		}
		if sl.PenaltyBPPerPoint < 0 || sl.PenaltyBPPerPoint > 10_000 {
			return invalid("service_level.penalty_bp_per_point", "must be from 0 to 10000 basis points per point")
		}
		if sl.BonusBPPerPoint < 0 || sl.BonusBPPerPoint > 10_000 {
			return invalid("service_level.bonus_bp_per_point", "must be from 0 to 10000 basis points per point")
		}
		if sl.PenaltyBPPerPoint == 0 && sl.BonusBPPerPoint == 0 {
			return invalid("service_level.penalty_bp_per_point", "a service-level clause has a penalty, a bonus or both")
		}
	}
	if t.VATRateBP < 0 || t.VATRateBP > 10_000 {
		return invalid("vat_rate_bp", "must be from 0 to 10000 (basis points: 2000 is 20 %%)")
	}
	if strings.TrimSpace(t.Client.Name) == "" {
		return invalid("client.name", "must not be empty: an invoice names its client")
	}
	for f, v := range map[string]string{"client.name": t.Client.Name, "client.address": t.Client.Address, "client.vat_number": t.Client.VATNumber,
		"client.registration": t.Client.Registration, "client.email": t.Client.Email, "reference": t.Reference} {
		if len([]rune(v)) > 500 {
			return invalid(f, "must be at most 500 characters")
		}
	}
	return nil
}

// location is the zone of the terms (validated).
func (t Terms) location() *time.Location {
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// start is the instant the version starts.
func (t Terms) start(loc *time.Location) time.Time {
	d, _ := time.Parse(time.DateOnly, t.ValidFrom)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// priceOf returns the price of unit on channel, and whether the terms bill it.
func (t Terms) priceOf(u Unit, ch model.Channel) (Price, bool) {
	for _, p := range t.Units {
		if p.Unit == u && (p.Channel == ch || p.Channel == "") {
			return p.Price, true
		}
	}
	return 0, false
}

// lowers reports whether next bills anything cheaper than prev: a lower
// price for a unit both bill, or a lower minimum.
func lowers(prev, next Terms) bool {
	if next.MonthlyMinimumCents < prev.MonthlyMinimumCents || slLowers(prev.ServiceLevel, next.ServiceLevel) {
		return true
	}
	for _, p := range prev.Units {
		for _, ch := range []model.Channel{model.ChannelVoice, model.ChannelChat} {
			if p.Channel != "" && p.Channel != ch {
				continue
			}
			if n, ok := next.priceOf(p.Unit, ch); ok && n < p.Price {
				return true
			}
		}
	}
	return false
}

// Revision is an indexation applied from At.
type Revision struct {
	At       time.Time `json:"at"`
	Index    string    `json:"index"`
	S0Month  string    `json:"s0_month"`
	S0       string    `json:"s0"`
	S1Month  string    `json:"s1_month"`
	S1       string    `json:"s1"`
	FixedBP  int       `json:"fixed_part_bp"`
	Factor   string    `json:"factor"` // a + (1 − a) × S1/S0, to 6 decimals (shown; prices use the exact ratio)
	Prices   []Revised `json:"prices"`
	Contract int       `json:"contract_version"`
}

// Revised is a price before and after a revision.
type Revised struct {
	Unit    Unit          `json:"unit"`
	Channel model.Channel `json:"channel,omitempty"`
	Before  Price         `json:"before"`
	After   Price         `json:"after"`
}

// MissingIndexError: an index value a revision needs was not entered.
type MissingIndexError struct{ Index, Month string }

func (e *MissingIndexError) Error() string {
	return fmt.Sprintf("index %s has no value for %s: enter it before invoicing (the revision needs it)", e.Index, e.Month)
}

// indexValues are index values by index and month (thousandths).
type indexValues map[string]map[string]int64

// revise applies factor (a + (1 − a) × s1/s0) to p, rounded half away
// from zero to a Price unit: p × (a·s0 + (10000 − a)·s1) / (10000·s0).
func revise(p Price, fixedBP int, s0, s1 int64) Price {
	num := new(big.Int).Mul(big.NewInt(int64(p)), new(big.Int).Add(
		new(big.Int).Mul(big.NewInt(int64(fixedBP)), big.NewInt(s0)),
		new(big.Int).Mul(big.NewInt(int64(10_000-fixedBP)), big.NewInt(s1))))
	den := new(big.Int).Mul(big.NewInt(10_000), big.NewInt(s0))
	return Price(divRound(num, den))
}

func addMonths(month string, n int) string {
	t, _ := time.Parse("2006-01", month)
	return t.AddDate(0, n, 0).Format("2006-01")
}

// window is a stretch of time with one set of prices.
type window struct {
	from, to time.Time
	version  int // 0: no contract
	terms    Terms
}

// schedule is a tenant's contract over time: its price windows from the
// first version's start, and the revisions between them.
type schedule struct {
	loc       *time.Location
	windows   []window
	revisions []Revision
}

// buildSchedule computes the price windows over [from, to) from the
// versions (oldest first), revising at each anniversary. A revision inside
// [from, to) whose index value is missing is a *MissingIndexError.
func buildSchedule(versions []Contract, idx indexValues, from, to time.Time) (schedule, error) {
	var s schedule
	if len(versions) == 0 {
		return s, nil
	}
	s.loc = versions[0].location()
	for i, v := range versions {
		vStart := v.start(s.loc)
		vEnd := to
		if i+1 < len(versions) {
			vEnd = versions[i+1].start(s.loc)
		}
		if !vEnd.After(vStart) || !vEnd.After(from) || !vStart.Before(to) {
			continue
		}
		terms := v.Terms
		terms.Units = slices.Clone(v.Units)
		cur := vStart
		if ix := v.Indexation; ix != nil {
			s0Month := ix.BaseMonth
			anniv, _ := time.Parse("01-02", ix.Anniversary)
			for y := vStart.Year(); ; y++ {
				d := time.Date(y, anniv.Month(), anniv.Day(), 0, 0, 0, 0, s.loc)
				if !d.After(vStart) {
					continue
				}
				if !d.Before(vEnd) || !d.Before(to) {
					break
				}
				s1Month := addMonths(s0Month, 12)
				s0, ok0 := idx[ix.Index][s0Month]
				s1, ok1 := idx[ix.Index][s1Month]
				if !ok0 || !ok1 {
					m := s1Month
					if !ok0 {
						m = s0Month
					}
					return s, &MissingIndexError{Index: ix.Index, Month: m}
				}
				if d.After(from) {
					s.windows = append(s.windows, window{from: maxTime(cur, from), to: d, version: v.Version, terms: terms})
				}
				rev := Revision{At: d.UTC(), Index: ix.Index, S0Month: s0Month, S0: formatFixed(s0, 3), S1Month: s1Month, S1: formatFixed(s1, 3),
					FixedBP: ix.FixedPartBP, Contract: v.Version, Factor: factorString(ix.FixedPartBP, s0, s1)}
				next := terms
				next.Units = make([]UnitPrice, len(terms.Units))
				for j, u := range terms.Units {
					nu := u
					nu.Price = revise(u.Price, ix.FixedPartBP, s0, s1)
					next.Units[j] = nu
					rev.Prices = append(rev.Prices, Revised{Unit: u.Unit, Channel: u.Channel, Before: u.Price, After: nu.Price})
				}
				// The minimum is a price too: P0 in cents × the factor.
				next.MonthlyMinimumCents = Cents(revise(Price(terms.MonthlyMinimumCents), ix.FixedPartBP, s0, s1))
				if !d.Before(from) {
					s.revisions = append(s.revisions, rev)
				}
				terms, cur, s0Month = next, d, s1Month
			}
		}
		if vEnd.After(maxTime(cur, from)) {
			s.windows = append(s.windows, window{from: maxTime(cur, from), to: minTime(vEnd, to), version: v.Version, terms: terms})
		}
	}
	// Drop the parts outside [from, to).
	out := s.windows[:0]
	for _, w := range s.windows {
		w.from, w.to = maxTime(w.from, from), minTime(w.to, to)
		if w.to.After(w.from) {
			out = append(out, w)
		}
	}
	s.windows = out
	return s, nil
}

func factorString(fixedBP int, s0, s1 int64) string {
	num := new(big.Int).Add(new(big.Int).Mul(big.NewInt(int64(fixedBP)), big.NewInt(s0)),
		new(big.Int).Mul(big.NewInt(int64(10_000-fixedBP)), big.NewInt(s1)))
	num.Mul(num, big.NewInt(1_000_000))
	den := new(big.Int).Mul(big.NewInt(10_000), big.NewInt(s0))
	return formatFixed(divRound(num, den), 6)
}

// at returns the window holding t.
func (s schedule) at(t time.Time) (window, bool) {
	for _, w := range s.windows {
		if !t.Before(w.from) && t.Before(w.to) {
			return w, true
		}
	}
	return window{}, false
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// monthBounds is the month (YYYY-MM) as instants in loc.
func monthBounds(month string, loc *time.Location) (time.Time, time.Time, error) {
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return time.Time{}, time.Time{}, invalid("month", "must be a month YYYY-MM (got %q)", month)
	}
	from := time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0), nil
}
