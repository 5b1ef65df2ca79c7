package workforce

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// MaxMonths bounds a barometer.
const MaxMonths = 120

// MonthRange is a parsed range of months, both included.
type MonthRange struct{ From, To string }

// ParseMonths checks a range of months (YYYY-MM); the errors name the field.
func ParseMonths(from, to string) (MonthRange, error) {
	f, err := time.Parse("2006-01", from)
	if err != nil {
		return MonthRange{}, &model.ValidationError{Field: "from", Message: fmt.Sprintf("must be a month YYYY-MM (got %q)", from)}
	}
	t, err := time.Parse("2006-01", to)
	if err != nil {
		return MonthRange{}, &model.ValidationError{Field: "to", Message: fmt.Sprintf("must be a month YYYY-MM (got %q)", to)}
	}
	if t.Before(f) {
		return MonthRange{}, &model.ValidationError{Field: "from", Message: fmt.Sprintf("must not be after to (%s > %s)", from, to)}
	}
	n := (t.Year()-f.Year())*12 + int(t.Month()) - int(f.Month()) + 1
	if n > MaxMonths {
		return MonthRange{}, &model.ValidationError{Field: "to", Message: fmt.Sprintf("a barometer covers at most %d months (asked %d)", MaxMonths, n)}
	}
	return MonthRange{From: from, To: to}, nil
}

func (r MonthRange) months() []string {
	var out []string
	for m := r.From; m <= r.To; m = nextMonth(m) {
		out = append(out, m)
	}
	return out
}

// Flows is a month's jobs (on its last day), FTE, hires and exits.
type Flows struct {
	Jobs  int         `json:"jobs"`
	FTE   model.Milli `json:"fte"`
	Hires int         `json:"hires"`
	Exits int         `json:"exits"`
}

func (f *Flows) add(g Flows) {
	f.Jobs += g.Jobs
	f.FTE += g.FTE
	f.Hires += g.Hires
	f.Exits += g.Exits
}

// Cell is a month's flows of one country, contract and homeshoring.
type Cell struct {
	Month       string         `json:"month"`
	Country     string         `json:"country"`
	Contract    model.Contract `json:"contract"`
	Homeshoring bool           `json:"homeshoring"`
	Flows
}

// MonthFigures is a month of the barometer with its breakdowns.
type MonthFigures struct {
	Month         string           `json:"month"`
	Total         Flows            `json:"total"`
	ByCountry     map[string]Flows `json:"by_country"`
	ByContract    map[string]Flows `json:"by_contract"`
	ByHomeshoring map[string]Flows `json:"by_homeshoring"` // "yes", "no"
}

// Barometer is the employment barometer: monthly jobs, hires and exits.
type Barometer struct {
	From      string         `json:"from"`
	To        string         `json:"to"`
	Countries []string       `json:"countries"`
	Months    []MonthFigures `json:"months"`
	// Cells is every non-empty (month, country, contract, homeshoring).
	Cells []Cell `json:"cells"`
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// ComputeBarometer is the barometer of people over r.
func ComputeBarometer(people []Person, r MonthRange) Barometer {
	out := Barometer{From: r.From, To: r.To, Countries: []string{}, Months: []MonthFigures{}, Cells: []Cell{}}
	seen := map[string]bool{}
	for _, m := range r.months() {
		first, last := monthBounds(m)
		mf := MonthFigures{Month: m, ByCountry: map[string]Flows{}, ByContract: map[string]Flows{}, ByHomeshoring: map[string]Flows{}}
		type key struct {
			country  string
			contract model.Contract
			home     bool
		}
		cells := map[key]*Flows{}
		for i := range people {
			e := &people[i]
			var f Flows
			if e.EmployedAt(last) {
				f.Jobs, f.FTE = 1, e.FTE
			}
			if e.HireDate >= first && e.HireDate <= last {
				f.Hires = 1
			}
			if e.ExitDate != nil && *e.ExitDate >= first && *e.ExitDate <= last {
				f.Exits = 1
			}
			if f == (Flows{}) {
				continue
			}
			k := key{e.Country, e.Contract, e.Homeshoring}
			if cells[k] == nil {
				cells[k] = &Flows{}
			}
			cells[k].add(f)
			mf.Total.add(f)
			for _, b := range []struct {
				m map[string]Flows
				k string
			}{{mf.ByCountry, e.Country}, {mf.ByContract, string(e.Contract)}, {mf.ByHomeshoring, yesNo(e.Homeshoring)}} {
				v := b.m[b.k]
				v.add(f)
				b.m[b.k] = v
			}
			if !seen[e.Country] {
				seen[e.Country] = true
				out.Countries = append(out.Countries, e.Country)
			}
		}
		var list []Cell
		for k, f := range cells {
			list = append(list, Cell{Month: m, Country: k.country, Contract: k.contract, Homeshoring: k.home, Flows: *f})
		}
		slices.SortFunc(list, func(a, b Cell) int {
			return cmp.Or(cmp.Compare(a.Country, b.Country), cmp.Compare(contractRank(a.Contract), contractRank(b.Contract)),
				cmp.Compare(yesNo(a.Homeshoring), yesNo(b.Homeshoring)))
		})
		out.Cells = append(out.Cells, list...)
		out.Months = append(out.Months, mf)
	}
	slices.Sort(out.Countries)
	return out
}

func contractRank(c model.Contract) int { return slices.Index(model.Contracts(), c) }

// Threshold is the smallest count the open data shows.
const Threshold = 5

// Marks of withheld counts in the open data.
const (
	MarkSmall    = "<5" // a count under Threshold (0 to 4)
	MarkWithheld = "x"  // a larger count withheld so that a "<5" cannot be worked out
)

// OpenDataRow is a month's jobs, hires and exits of one category of one
// dimension (total/all, country, contract, homeshoring), each a number,
// "<5" or "x".
type OpenDataRow struct {
	Month     string `json:"month"`
	Dimension string `json:"dimension"`
	Category  string `json:"category"`
	Jobs      string `json:"jobs"`
	Hires     string `json:"hires"`
	Exits     string `json:"exits"`
}

// Dimensions and measures of the open data, in order.
var openDimensions = []string{"total", "country", "contract", "homeshoring"}

var measures = []string{"jobs", "hires", "exits"}

// openAt names a count of the open data.
type openAt struct {
	month        int
	dim, cat, ms string
}

// openTable lays b's published counts and their equations out in a Table.
func openTable(b Barometer) (*Table, map[string][]string, map[openAt]int) {
	// The categories are those seen over the range: an absent row tells
	// nothing, a zero is a count like any other.
	cats := map[string][]string{"total": {"all"}, "country": b.Countries}
	contracts, homes := map[string]bool{}, map[string]bool{}
	for _, mf := range b.Months {
		for c := range mf.ByContract {
			contracts[c] = true
		}
		for h := range mf.ByHomeshoring {
			homes[h] = true
		}
	}
	for _, c := range model.Contracts() {
		if contracts[string(c)] {
			cats["contract"] = append(cats["contract"], string(c))
		}
	}
	for _, h := range []string{"no", "yes"} {
		if homes[h] {
			cats["homeshoring"] = append(cats["homeshoring"], h)
		}
	}
	t := NewTable()
	idx := map[openAt]int{}
	get := func(mf MonthFigures, dim, cat string) Flows {
		switch dim {
		case "total":
			return mf.Total
		case "country":
			return mf.ByCountry[cat]
		case "contract":
			return mf.ByContract[cat]
		}
		return mf.ByHomeshoring[cat]
	}
	value := func(f Flows, ms string) int {
		switch ms {
		case "jobs":
			return f.Jobs
		case "hires":
			return f.Hires
		}
		return f.Exits
	}
	for mi, mf := range b.Months {
		for _, dim := range openDimensions {
			for _, cat := range cats[dim] {
				f := get(mf, dim, cat)
				for _, ms := range measures {
					idx[openAt{mi, dim, cat, ms}] = t.Add(value(f, ms))
				}
			}
		}
	}
	// The jobs before the first month are not published, but they add up.
	opening := map[[2]string]int{}
	for _, dim := range openDimensions {
		for _, cat := range cats[dim] {
			opening[[2]string{dim, cat}] = t.AddHidden()
		}
	}
	for _, dim := range openDimensions[1:] {
		list := []int{opening[[2]string{"total", "all"}]}
		for _, cat := range cats[dim] {
			list = append(list, opening[[2]string{dim, cat}])
		}
		t.Equation(list[0:1], list[1:])
	}
	for mi := range b.Months {
		for _, dim := range openDimensions {
			if dim != "total" {
				for _, ms := range measures {
					parts := make([]int, 0, len(cats[dim]))
					for _, cat := range cats[dim] {
						parts = append(parts, idx[openAt{mi, dim, cat, ms}])
					}
					t.Equation([]int{idx[openAt{mi, "total", "all", ms}]}, parts)
				}
			}
			for _, cat := range cats[dim] {
				before := opening[[2]string{dim, cat}]
				if mi > 0 {
					before = idx[openAt{mi - 1, dim, cat, "jobs"}]
				}
				// jobs(m) + exits(m) = jobs(m-1) + hires(m)
				t.Equation([]int{idx[openAt{mi, dim, cat, "jobs"}], idx[openAt{mi, dim, cat, "exits"}]},
					[]int{before, idx[openAt{mi, dim, cat, "hires"}]})
			}
		}
	}
	return t, cats, idx
}

// OpenData is the anonymised export of b: every category of every
// dimension for every month (zeros included), small counts suppressed and the cells needed to protect them
// withheld (see Suppress).
func OpenData(b Barometer) []OpenDataRow {
	t, cats, idx := openTable(b)
	t.Suppress()
	out := []OpenDataRow{}
	for mi, mf := range b.Months {
		for _, dim := range openDimensions {
			for _, cat := range cats[dim] {
				out = append(out, OpenDataRow{Month: mf.Month, Dimension: dim, Category: cat,
					Jobs: t.Show(idx[openAt{mi, dim, cat, "jobs"}]), Hires: t.Show(idx[openAt{mi, dim, cat, "hires"}]),
					Exits: t.Show(idx[openAt{mi, dim, cat, "exits"}])})
			}
		}
	}
	return out
}

// Entry states of a Table.
const (
	Published = iota
	Small     // under Threshold: "<5"
	Withheld  // withheld to protect a small one: "x"
	Hidden    // never published (the opening stock)
)

// Table is a set of counts tied by equations (left side sum = right side
// sum), to decide which to publish.
type Table struct {
	Values []int
	State  []int
	Eqs    [][2][]int
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{} }

// Add adds a count and returns its index.
func (t *Table) Add(v int) int {
	t.Values = append(t.Values, v)
	t.State = append(t.State, Published)
	return len(t.Values) - 1
}

// AddHidden adds a count that is never published (its value unknown).
func (t *Table) AddHidden() int {
	i := t.Add(0)
	t.State[i] = Hidden
	return i
}

// Equation ties counts: sum(left) = sum(right).
func (t *Table) Equation(left, right []int) { t.Eqs = append(t.Eqs, [2][]int{left, right}) }

// Show is count i as published.
func (t *Table) Show(i int) string {
	switch t.State[i] {
	case Small:
		return MarkSmall
	case Withheld, Hidden:
		return MarkWithheld
	}
	return strconv.Itoa(t.Values[i])
}

// unbounded stands for "no upper bound" in the intervals.
const unbounded = 1 << 40

// Bounds is what someone who knows the rule works out of the published
// counts: for each count an interval [lo, hi], by propagating the
// equations one at a time until nothing moves (a published count is
// known; a "<5" is in [0, 4], an "x" at least 5, a hidden count at least
// 0).
func (t *Table) Bounds() (lo, hi []int) {
	n := len(t.Values)
	lo, hi = make([]int, n), make([]int, n)
	for i := range n {
		switch t.State[i] {
		case Published:
			lo[i], hi[i] = t.Values[i], t.Values[i]
		case Small:
			lo[i], hi[i] = 0, Threshold-1
		case Withheld:
			lo[i], hi[i] = Threshold, unbounded
		default:
			lo[i], hi[i] = 0, unbounded
		}
	}
	t.propagate(lo, hi)
	return lo, hi
}

// propagate narrows the intervals [lo, hi] by the equations, one at a
// time, until nothing moves; false when one becomes empty.
func (t *Table) propagate(lo, hi []int) bool {
	sat := func(a, b int) int { return min(a+b, unbounded) }
	for range 100 * (len(t.Eqs) + 1) {
		moved := false
		for _, eq := range t.Eqs {
			for side := range 2 {
				own, other := eq[side], eq[1-side]
				// sum(own) = sum(other): bound each of own.
				oLo, oHi := 0, 0
				for _, j := range other {
					oLo, oHi = sat(oLo, lo[j]), sat(oHi, hi[j])
				}
				for _, i := range own {
					rLo, rHi := 0, 0
					for _, j := range own {
						if j != i {
							rLo, rHi = sat(rLo, lo[j]), sat(rHi, hi[j])
						}
					}
					// x_i = sum(other) - sum(rest of own)
					if oHi < unbounded {
						if v := oHi - rLo; v < hi[i] {
							hi[i], moved = v, true
						}
					}
					if rHi < unbounded {
						if v := oLo - rHi; v > lo[i] {
							lo[i], moved = v, true
						}
					}
					if lo[i] > hi[i] {
						return false
					}
				}
			}
		}
		if !moved {
			break
		}
	}
	return true
}

// Suppress marks every count under Threshold Small, then withholds
// published counts until none of the small ones is pinned by Bounds to a
// single value. Each time one is pinned, the smallest published count of
// an equation it is in is withheld (the one with fewest suppressed
// counts first), and the bounds are worked out again.
func (t *Table) Suppress() {
	for i, v := range t.Values {
		if t.State[i] == Published && v < Threshold {
			t.State[i] = Small
		}
	}
	byEntry := make([][]int, len(t.Values))
	for k, eq := range t.Eqs {
		for _, side := range eq {
			for _, i := range side {
				byEntry[i] = append(byEntry[i], k)
			}
		}
	}
	for range len(t.Values) + 1 {
		lo, hi := t.Bounds()
		best := -1
		for i := range t.Values {
			if t.State[i] != Small || lo[i] < hi[i] {
				continue
			}
			bestSupp := 0
			for _, k := range byEntry[i] {
				supp, cand := 0, -1
				for _, side := range t.Eqs[k] {
					for _, j := range side {
						if t.State[j] != Published {
							supp++
						} else if cand < 0 || t.Values[j] < t.Values[cand] {
							cand = j
						}
					}
				}
				if cand >= 0 && (best < 0 || supp < bestSupp || (supp == bestSupp && t.Values[cand] < t.Values[best])) {
					best, bestSupp = cand, supp
				}
			}
			if best >= 0 {
				break
			}
		}
		if best < 0 {
			return // none pinned (or none that a withheld count next to it would free)
		}
		t.State[best] = Withheld
	}
}
