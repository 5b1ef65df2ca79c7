package workforce

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestBarometerByHand(t *testing.T) {
	r, err := ParseMonths("2025-12", "2026-01")
	if err != nil {
		t.Fatal(err)
	}
	b := ComputeBarometer(handExample(), r)
	if len(b.Months) != 2 || len(b.Countries) != 2 {
		t.Fatalf("barometer %+v", b)
	}
	dec, jan := b.Months[0], b.Months[1]
	// End of December: A, D (F's last day is the 31st: gone). F exits.
	if dec.Total != (Flows{Jobs: 2, FTE: 1800, Hires: 0, Exits: 1}) {
		t.Errorf("December %+v", dec.Total)
	}
	// End of January: A, C, G; hires B, C, G; exits B, D.
	if jan.Total != (Flows{Jobs: 3, FTE: 2600, Hires: 3, Exits: 2}) {
		t.Errorf("January %+v", jan.Total)
	}
	if jan.ByCountry["MA"] != (Flows{Jobs: 1, FTE: 1000, Hires: 1}) || jan.ByHomeshoring["yes"] != (Flows{Jobs: 1, FTE: 600, Hires: 1, Exits: 1}) ||
		jan.ByContract["fixed_term"] != (Flows{Hires: 1, Exits: 1}) {
		t.Errorf("January breakdowns %+v", jan)
	}
	// The stock identity holds in every breakdown.
	for k, f := range jan.ByCountry {
		if want := dec.ByCountry[k].Jobs + f.Hires - f.Exits; f.Jobs != want {
			t.Errorf("%s: jobs %d, want %d", k, f.Jobs, want)
		}
	}
}

// solvable tells whether some values of the withheld counts, in what the
// rule says of them ("<5": 0-4, "x": 5 or more, hidden: 0 or more, at most
// limit), satisfy every equation with count i equal to v: an exhaustive
// search (each value of each withheld count), pruned by the equations.
func solvable(t *Table, i, v, limit int) bool {
	n := len(t.Values)
	lo, hi := make([]int, n), make([]int, n)
	for j := range n {
		switch t.State[j] {
		case Published:
			lo[j], hi[j] = t.Values[j], t.Values[j]
		case Small:
			lo[j], hi[j] = 0, Threshold-1
		case Withheld:
			lo[j], hi[j] = Threshold, limit
		default:
			lo[j], hi[j] = 0, limit
		}
	}
	if v < lo[i] || v > hi[i] {
		return false
	}
	lo[i], hi[i] = v, v
	var dfs func(lo, hi []int) bool
	dfs = func(lo, hi []int) bool {
		if !t.propagate(lo, hi) {
			return false
		}
		pick := -1
		for j := range n {
			if lo[j] < hi[j] && (pick < 0 || hi[j]-lo[j] < hi[pick]-lo[pick]) {
				pick = j
			}
		}
		if pick < 0 {
			// All fixed: check every equation exactly.
			for _, eq := range t.Eqs {
				var s [2]int
				for side := range 2 {
					for _, j := range eq[side] {
						s[side] += lo[j]
					}
				}
				if s[0] != s[1] {
					return false
				}
			}
			return true
		}
		for x := lo[pick]; x <= hi[pick]; x++ {
			l, h := slices.Clone(lo), slices.Clone(hi)
			l[pick], h[pick] = x, x
			if dfs(l, h) {
				return true
			}
		}
		return false
	}
	return dfs(lo, hi)
}

// checkProtected fails unless every "<5" count of t has at least two
// values that fit everything published.
func checkProtected(t *testing.T, name string, tb *Table, limit int) {
	t.Helper()
	for i, s := range tb.State {
		if s != Small {
			continue
		}
		fits := 0
		for v := range Threshold {
			if solvable(tb, i, v, limit) {
				fits++
			}
		}
		if fits < 2 {
			t.Errorf("%s: count %d (true value %d) is recoverable: %d value(s) fit", name, i, tb.Values[i], fits)
		}
		if !solvable(tb, i, tb.Values[i], limit) {
			t.Errorf("%s: count %d's true value %d does not fit (the search is wrong)", name, i, tb.Values[i])
		}
	}
}

func TestSuppressionOneTable(t *testing.T) {
	// A total of 12 in three cells 9, 3, 0: "<5" twice, and the two small
	// ones add up to 3, known: each could be 0 to 3.
	tb := NewTable()
	total, a, b, c := tb.Add(12), tb.Add(9), tb.Add(3), tb.Add(0)
	tb.Equation([]int{total}, []int{a, b, c})
	tb.Suppress()
	if tb.Show(a) != "9" || tb.Show(b) != MarkSmall || tb.Show(c) != MarkSmall || tb.Show(total) != "12" {
		t.Errorf("shown %s = %s + %s + %s", tb.Show(total), tb.Show(a), tb.Show(b), tb.Show(c))
	}
	checkProtected(t, "12 = 9 + 3 + 0", tb, 30)

	// 10 = 6 + 4: the 4 alone would be 10 − 6; the 6 is withheld.
	tb = NewTable()
	total, a, b = tb.Add(10), tb.Add(6), tb.Add(4)
	tb.Equation([]int{total}, []int{a, b})
	tb.Suppress()
	if tb.Show(b) != MarkSmall || tb.Show(a) != MarkWithheld || tb.Show(total) != "10" {
		t.Errorf("shown %s = %s + %s", tb.Show(total), tb.Show(a), tb.Show(b))
	}
	checkProtected(t, "10 = 6 + 4", tb, 30)

	// 9 = 5 + 4: with the 5 withheld ("x": 5 or more), the "<5" is
	// anything from 0 to 4.
	tb = NewTable()
	total, a, b = tb.Add(9), tb.Add(5), tb.Add(4)
	tb.Equation([]int{total}, []int{a, b})
	tb.Suppress()
	if tb.Show(b) != MarkSmall || tb.Show(a) != MarkWithheld || tb.Show(total) != "9" {
		t.Errorf("shown %s = %s + %s", tb.Show(total), tb.Show(a), tb.Show(b))
	}
	checkProtected(t, "9 = 5 + 4", tb, 30)

	// Two small ones whose difference is 4 are pinned (4 and 0): 20 + 4 − 0 = 24.
	tb = NewTable()
	before, hires, exits, after := tb.Add(20), tb.Add(4), tb.Add(0), tb.Add(24)
	tb.Equation([]int{after, exits}, []int{before, hires})
	tb.Suppress()
	if tb.Show(hires) != MarkSmall || tb.Show(exits) != MarkSmall || (tb.Show(before) != MarkWithheld && tb.Show(after) != MarkWithheld) {
		t.Errorf("shown %s + %s − %s = %s", tb.Show(before), tb.Show(hires), tb.Show(exits), tb.Show(after))
	}
	checkProtected(t, "20 + 4 − 0 = 24", tb, 60)
}

// randomPeople is n people over two countries, two contracts and
// homeshoring or not, hired and gone at random over 2025-2026.
func randomPeople(r *rand.Rand, n int) []Person {
	var out []Person
	for i := range n {
		country := []string{"FR", "MA"}[r.IntN(2)]
		e := model.Employee{Ref: fmt.Sprint(i), TenantID: 1, SiteID: 1, Contract: []model.Contract{model.ContractPermanent, model.ContractFixedTerm}[r.IntN(2)],
			FTE: 1000, Homeshoring: r.IntN(3) == 0, HireDate: fmt.Sprintf("2025-%02d-%02d", 10+r.IntN(3), 1+r.IntN(28))}
		if r.IntN(3) == 0 {
			e.ExitDate = date(fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(2), 1+r.IntN(28)))
		}
		out = append(out, Person{Employee: e, Country: country})
	}
	return out
}

// TestSuppressionRecovery builds the open data of small random registers
// and checks, by exhaustive search, that no "<5" can be worked out from
// everything published: the breakdowns' totals and the jobs identity from
// month to month.
func TestSuppressionRecovery(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	months, _ := ParseMonths("2025-12", "2026-01")
	recoverable := 0
	for k := range 12 {
		people := randomPeople(r, 8+r.IntN(10))
		b := ComputeBarometer(people, months)
		tb, _, _ := openTable(b)
		tb.Suppress()
		small := 0
		for _, s := range tb.State {
			if s == Small {
				small++
			}
		}
		if small == 0 {
			t.Fatalf("case %d: nothing suppressed: the case tests nothing", k)
		}
		checkProtected(t, fmt.Sprintf("case %d (%d people)", k, len(people)), tb, len(people))
		// The same table with the small counts alone suppressed: the
		// search must find some recoverable (else it proves nothing).
		naive, _, _ := openTable(b)
		for i, v := range naive.Values {
			if naive.State[i] == Published && v < Threshold {
				naive.State[i] = Small
			}
		}
		for i, s := range naive.State {
			if s != Small {
				continue
			}
			fits := 0
			for v := range Threshold {
				if solvable(naive, i, v, len(people)) {
					fits++
				}
			}
			if fits < 2 {
				recoverable++
				break
			}
		}
	}
	if recoverable == 0 {
		t.Error("without secondary suppression no case was recoverable: the cases test nothing")
	}
	t.Logf("%d of 12 cases recoverable without secondary suppression", recoverable)
}

func TestOpenDataRows(t *testing.T) {
	months, _ := ParseMonths("2025-12", "2026-01")
	rows := OpenData(ComputeBarometer(handExample(), months))
	// Two months × (total + 2 countries + the 3 contracts seen + 2 homeshoring).
	if len(rows) != 2*8 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	for _, row := range rows {
		for _, v := range []string{row.Jobs, row.Hires, row.Exits} {
			if v != MarkSmall && v != MarkWithheld {
				t.Errorf("seven people: every count is under 5, got %+v", row)
			}
		}
	}
	// Forty people in one cell: the counts are published.
	var many []Person
	for i := range 40 {
		many = append(many, Person{Employee: model.Employee{Ref: fmt.Sprint(i), Contract: model.ContractPermanent, FTE: 1000, HireDate: "2025-01-01"}, Country: "FR"})
	}
	rows = OpenData(ComputeBarometer(many, months))
	if rows[0] != (OpenDataRow{Month: "2025-12", Dimension: "total", Category: "all", Jobs: "40", Hires: MarkSmall, Exits: MarkSmall}) {
		t.Errorf("first row %+v", rows[0])
	}
}
