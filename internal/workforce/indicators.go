package workforce

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// DefaultFranceTarget is the label's share of jobs created in France: six
// in ten (the 2010 charter).
const DefaultFranceTarget = 0.60

// France is the country code that counts as France.
const France = "FR"

// MaxDays bounds a period.
const MaxDays = 3660

// Person is an employee with what the figures need from their site and
// tenant.
type Person struct {
	model.Employee
	Site     string
	Country  string
	Tenant   string
	SiteKind model.SiteKind
}

// Period is a parsed [from, to] of civil dates.
type Period struct {
	From, To string
	from, to int64 // day numbers
}

// ParsePeriod checks a period; the errors name the field.
func ParsePeriod(from, to string) (Period, error) {
	f, err := dayNumber(from)
	if err != nil {
		return Period{}, &model.ValidationError{Field: "from", Message: fmt.Sprintf("must be a date YYYY-MM-DD (got %q)", from)}
	}
	t, err := dayNumber(to)
	if err != nil {
		return Period{}, &model.ValidationError{Field: "to", Message: fmt.Sprintf("must be a date YYYY-MM-DD (got %q)", to)}
	}
	if t < f {
		return Period{}, &model.ValidationError{Field: "from", Message: fmt.Sprintf("must not be after to (%s > %s)", from, to)}
	}
	if t-f+1 > MaxDays {
		return Period{}, &model.ValidationError{Field: "to", Message: fmt.Sprintf("a period covers at most %d days", MaxDays)}
	}
	return Period{From: from, To: to, from: f, to: t}, nil
}

// Days is the number of days of p.
func (p Period) Days() int64 { return p.to - p.from + 1 }

func dayNumber(d string) (int64, error) {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return 0, err
	}
	return t.Unix() / 86400, nil
}

func mustDay(d string) int64 {
	n, err := dayNumber(d)
	if err != nil {
		return 0
	}
	return n
}

// countedDays is the number of days of p at the end of which e is under
// contract (hire ≤ d < exit).
func countedDays(e *model.Employee, p Period) int64 {
	lo := max(p.from, mustDay(e.HireDate))
	hi := p.to
	if e.ExitDate != nil {
		hi = min(hi, mustDay(*e.ExitDate)-1)
	}
	return max(0, hi-lo+1)
}

func inPeriod(d string, p Period) bool { return d >= p.From && d <= p.To }

func share(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

func ratio(n, d float64) *float64 {
	if d == 0 {
		return nil
	}
	v := n / d
	return &v
}

// Jobs is a headcount and its FTE.
type Jobs struct {
	Headcount int         `json:"headcount"`
	FTE       model.Milli `json:"fte"`
}

// CountryJobs is the jobs of one country.
type CountryJobs struct {
	Country string `json:"country"`
	Jobs
}

// SiteJobs is the jobs of one site.
type SiteJobs struct {
	TenantID int64  `json:"tenant_id"`
	Tenant   string `json:"tenant,omitempty"`
	SiteID   int64  `json:"site_id"`
	Site     string `json:"site"`
	Country  string `json:"country"`
	Jobs
}

// Hours is paid hours, all and worked from France, and the share.
type Hours struct {
	TotalHours  float64  `json:"total_hours"`
	FranceHours float64  `json:"france_hours"`
	FranceShare *float64 `json:"france_share"`
}

// Planned is the France share of the published plans of the period's
// months.
type Planned struct {
	TotalHours  model.Milli `json:"total_hours"`
	FranceHours model.Milli `json:"france_hours"`
	FranceShare *float64    `json:"france_share"`
	// Months lists the months with a published plan, Missing those without.
	Months  []string `json:"months"`
	Missing []string `json:"missing"`
}

// Indicators are the label's indicators over a period (see the package
// documentation for each definition).
type Indicators struct {
	From string `json:"from"`
	To   string `json:"to"`
	Days int64  `json:"days"`
	// Jobs on the last day, and by country and site.
	Jobs      Jobs          `json:"jobs"`
	ByCountry []CountryJobs `json:"by_country"`
	BySite    []SiteJobs    `json:"by_site"`
	// AverageHeadcount and AverageFTE are the means of the daily figures.
	AverageHeadcount float64 `json:"average_headcount"`
	AverageFTE       float64 `json:"average_fte"`

	Hires               int      `json:"hires"`
	HiresFrance         int      `json:"hires_france"`
	FranceHireShare     *float64 `json:"france_hire_share"`
	FranceHireTarget    float64  `json:"france_hire_target"`
	FranceHireTargetMet *bool    `json:"france_hire_target_met"`

	// PaidHours is the actual France share of paid hours (agent state
	// history); PlannedHours the published plans'.
	PaidHours    Hours   `json:"paid_hours"`
	PlannedHours Planned `json:"planned_hours"`

	Homeshoring      int      `json:"homeshoring"`
	HomeshoringShare *float64 `json:"homeshoring_share"`
	Permanent        int      `json:"permanent"`
	PermanentShare   *float64 `json:"permanent_share"`
	Exits            int      `json:"exits"`
	Turnover         *float64 `json:"turnover"`
	TrainingHours    float64  `json:"training_hours"`
	TrainingPerFTE   *float64 `json:"training_hours_per_fte"`
	Disability       int      `json:"disability"`
	DisabilityShare  *float64 `json:"disability_share"`
}

// Compute is the register's part of the indicators (all but the paid
// hours) over p, for people.
func Compute(people []Person, p Period) Indicators {
	out := Indicators{From: p.From, To: p.To, Days: p.Days(), FranceHireTarget: DefaultFranceTarget,
		ByCountry: []CountryJobs{}, BySite: []SiteJobs{}}
	countries := map[string]*CountryJobs{}
	type siteKey struct{ tenant, site int64 }
	sites := map[siteKey]*SiteJobs{}
	var dayHeads, dayFTE, training int64
	for i := range people {
		e := &people[i]
		n := countedDays(&e.Employee, p)
		dayHeads += n
		dayFTE += n * int64(e.FTE)
		for _, t := range e.Training {
			if inPeriod(t.Date, p) {
				training += int64(t.Hours)
			}
		}
		if inPeriod(e.HireDate, p) {
			out.Hires++
			if e.Country == France {
				out.HiresFrance++
			}
		}
		if e.ExitDate != nil && inPeriod(*e.ExitDate, p) {
			out.Exits++
		}
		if !e.EmployedAt(p.To) {
			continue
		}
		out.Jobs.Headcount++
		out.Jobs.FTE += e.FTE
		c := countries[e.Country]
		if c == nil {
			c = &CountryJobs{Country: e.Country}
			countries[e.Country] = c
		}
		c.Headcount++
		c.FTE += e.FTE
		k := siteKey{e.TenantID, e.SiteID}
		s := sites[k]
		if s == nil {
			s = &SiteJobs{TenantID: e.TenantID, Tenant: e.Tenant, SiteID: e.SiteID, Site: e.Site, Country: e.Country}
			sites[k] = s
		}
		s.Headcount++
		s.FTE += e.FTE
		if e.Homeshoring {
			out.Homeshoring++
		}
		if e.Contract == model.ContractPermanent {
			out.Permanent++
		}
		if e.Disability {
			out.Disability++
		}
	}
	days := float64(p.Days())
	out.AverageHeadcount = float64(dayHeads) / days
	out.AverageFTE = float64(dayFTE) / 1000 / days
	out.FranceHireShare = share(out.HiresFrance, out.Hires)
	if out.FranceHireShare != nil {
		met := *out.FranceHireShare >= out.FranceHireTarget
		out.FranceHireTargetMet = &met
	}
	out.HomeshoringShare = share(out.Homeshoring, out.Jobs.Headcount)
	out.PermanentShare = share(out.Permanent, out.Jobs.Headcount)
	out.DisabilityShare = share(out.Disability, out.Jobs.Headcount)
	out.Turnover = ratio(float64(out.Exits), out.AverageHeadcount)
	out.TrainingHours = float64(training) / 1000
	out.TrainingPerFTE = ratio(out.TrainingHours, out.AverageFTE)
	for _, c := range countries {
		out.ByCountry = append(out.ByCountry, *c)
	}
	slices.SortFunc(out.ByCountry, func(a, b CountryJobs) int {
		return cmp.Or(cmp.Compare(b.Headcount, a.Headcount), cmp.Compare(a.Country, b.Country))
	})
	for _, s := range sites {
		out.BySite = append(out.BySite, *s)
	}
	slices.SortFunc(out.BySite, func(a, b SiteJobs) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Site, b.Site), cmp.Compare(a.SiteID, b.SiteID))
	})
	return out
}

// PlannedFrom sums the published plans of p's months.
func PlannedFrom(plans []model.PlannedShare, p Period) Planned {
	out := Planned{Months: []string{}, Missing: []string{}}
	have := map[string]model.PlannedShare{}
	for _, pl := range plans {
		have[pl.Period] = pl
	}
	for _, m := range Months(p) {
		pl, ok := have[m]
		if !ok {
			out.Missing = append(out.Missing, m)
			continue
		}
		out.Months = append(out.Months, m)
		out.TotalHours += pl.TotalHours
		out.FranceHours += pl.FranceHours
	}
	out.FranceShare = ratio(float64(out.FranceHours), float64(out.TotalHours))
	return out
}

// Months lists the months (YYYY-MM) p touches.
func Months(p Period) []string {
	var out []string
	for m := p.From[:7]; m <= p.To[:7]; m = nextMonth(m) {
		out = append(out, m)
	}
	return out
}

func nextMonth(m string) string {
	t, _ := time.Parse("2006-01", m)
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// monthBounds is a month's first and last days.
func monthBounds(m string) (string, string) {
	t, _ := time.Parse("2006-01", m)
	return t.Format(time.DateOnly), t.AddDate(0, 1, -1).Format(time.DateOnly)
}
