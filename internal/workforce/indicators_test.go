package workforce

import (
	"math"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func date(s string) *string { return &s }

// handExample is seven people over three sites; the figures of
// 2026-01-01..2026-01-10 are worked out by hand in TestIndicatorsByHand.
func handExample() []Person {
	paris := func(e model.Employee) Person {
		e.TenantID, e.SiteID = 1, 10
		return Person{Employee: e, Site: "Paris", Country: "FR", Tenant: "Acme"}
	}
	rabat := func(e model.Employee) Person {
		e.TenantID, e.SiteID = 1, 11
		return Person{Employee: e, Site: "Rabat", Country: "MA", Tenant: "Acme"}
	}
	home := func(e model.Employee) Person {
		e.TenantID, e.SiteID, e.Homeshoring = 1, 12, true
		return Person{Employee: e, Site: "Home FR", Country: "FR", Tenant: "Acme"}
	}
	return []Person{
		paris(model.Employee{Ref: "A", Contract: model.ContractPermanent, FTE: 1000, HireDate: "2025-06-01",
			Training: []model.Training{{Date: "2026-01-05", Hours: 7000}, {Date: "2025-12-20", Hours: 3000}}}),
		paris(model.Employee{Ref: "B", Contract: model.ContractFixedTerm, FTE: 500, HireDate: "2026-01-04", ExitDate: date("2026-01-08"), ExitReason: model.ExitEndOfContract}),
		rabat(model.Employee{Ref: "C", Contract: model.ContractPermanent, FTE: 1000, HireDate: "2026-01-06", Disability: true,
			Training: []model.Training{{Date: "2026-01-10", Hours: 3500}}}),
		home(model.Employee{Ref: "D", Contract: model.ContractPermanent, FTE: 800, HireDate: "2024-01-01", ExitDate: date("2026-01-10"), ExitReason: model.ExitResignation}),
		rabat(model.Employee{Ref: "E", Contract: model.ContractTemporary, FTE: 1000, HireDate: "2026-02-01"}),
		home(model.Employee{Ref: "F", Contract: model.ContractApprentice, FTE: 1000, HireDate: "2025-01-01", ExitDate: date("2025-12-31"), ExitReason: model.ExitEndOfContract}),
		home(model.Employee{Ref: "G", Contract: model.ContractPermanent, FTE: 600, HireDate: "2026-01-10",
			Training: []model.Training{{Date: "2026-01-10", Hours: 1500}}}),
	}
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, deref(got), want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestIndicatorsByHand(t *testing.T) {
	p, err := ParsePeriod("2026-01-01", "2026-01-10")
	if err != nil {
		t.Fatal(err)
	}
	got := Compute(handExample(), p)
	// End of 2026-01-10: A (Paris), C (Rabat), G (home, hired that day).
	// D's last day is the 10th: gone at its end. B left on the 8th, E not
	// hired yet, F gone in 2025.
	if got.Jobs.Headcount != 3 || got.Jobs.FTE != 2600 {
		t.Errorf("jobs %+v, want 3 people, 2.6 FTE", got.Jobs)
	}
	if len(got.ByCountry) != 2 || got.ByCountry[0] != (CountryJobs{"FR", Jobs{2, 1600}}) || got.ByCountry[1] != (CountryJobs{"MA", Jobs{1, 1000}}) {
		t.Errorf("by country %+v", got.ByCountry)
	}
	if len(got.BySite) != 3 || got.BySite[0].Site != "Home FR" || got.BySite[0].Headcount != 1 || got.BySite[1].Site != "Paris" || got.BySite[1].FTE != 1000 {
		t.Errorf("by site %+v", got.BySite)
	}
	// Days counted: A 10, B 4 (4th-7th), C 5 (6th-10th), D 9 (1st-9th),
	// G 1: 29 / 10 days.
	if got.AverageHeadcount != 2.9 {
		t.Errorf("average headcount %v, want 2.9", got.AverageHeadcount)
	}
	// FTE-days: 10×1 + 4×0.5 + 5×1 + 9×0.8 + 1×0.6 = 24.8, / 10.
	if math.Abs(got.AverageFTE-2.48) > 1e-12 {
		t.Errorf("average FTE %v, want 2.48", got.AverageFTE)
	}
	// Hires B (FR), C (MA), G (FR): 2 / 3 in France, above 60 %.
	if got.Hires != 3 || got.HiresFrance != 2 || got.FranceHireTargetMet == nil || !*got.FranceHireTargetMet {
		t.Errorf("hires %d, in France %d, met %v", got.Hires, got.HiresFrance, got.FranceHireTargetMet)
	}
	near(t, "France hire share", got.FranceHireShare, 2.0/3)
	// Exits B and D: 2 / 2.9.
	if got.Exits != 2 {
		t.Errorf("exits %d", got.Exits)
	}
	near(t, "turnover", got.Turnover, 2/2.9)
	near(t, "homeshoring share", got.HomeshoringShare, 1.0/3)
	near(t, "permanent share", got.PermanentShare, 1)
	near(t, "disability share", got.DisabilityShare, 1.0/3)
	// Training in the period: A 7 h, C 3.5 h, G 1.5 h (A's December 3 h
	// is outside): 12 h / 2.48 FTE.
	if got.TrainingHours != 12 {
		t.Errorf("training hours %v", got.TrainingHours)
	}
	near(t, "training per FTE", got.TrainingPerFTE, 12/2.48)

	// A period nobody works in: ratios are none.
	p, _ = ParsePeriod("2020-01-01", "2020-01-31")
	empty := Compute(handExample(), p)
	if empty.Jobs.Headcount != 0 || empty.FranceHireShare != nil || empty.Turnover != nil || empty.TrainingPerFTE != nil || empty.PermanentShare != nil {
		t.Errorf("empty period %+v", empty)
	}
}

func TestPeriodRefusals(t *testing.T) {
	for _, c := range []struct{ from, to, field string }{
		{"2026-01-32", "2026-02-01", "from"}, {"2026-01-01", "soon", "to"}, {"2026-02-01", "2026-01-01", "from"}, {"2000-01-01", "2026-01-01", "to"},
	} {
		_, err := ParsePeriod(c.from, c.to)
		if ve, ok := model.AsValidationError(err); !ok || ve.Field != c.field {
			t.Errorf("%s..%s: %v, want a %s error", c.from, c.to, err, c.field)
		}
	}
	if _, err := ParseMonths("2026-01", "2026-13"); err == nil {
		t.Error("month 13 accepted")
	}
	if _, err := ParseMonths("2000-01", "2026-01"); err == nil {
		t.Error("26 years of months accepted")
	}
}

func TestPlannedFrom(t *testing.T) {
	p, _ := ParsePeriod("2026-01-15", "2026-03-10")
	got := PlannedFrom([]model.PlannedShare{{Period: "2026-01", TotalHours: 1000_000, FranceHours: 600_000},
		{Period: "2026-03", TotalHours: 500_000, FranceHours: 200_000}, {Period: "2026-04", TotalHours: 9_000_000}}, p)
	// January and March: 800 h of 1500 h in France; February has no plan.
	near(t, "planned France share", got.FranceShare, 800.0/1500)
	if len(got.Months) != 2 || len(got.Missing) != 1 || got.Missing[0] != "2026-02" {
		t.Errorf("planned %+v", got)
	}
}

func TestMilli(t *testing.T) {
	for s, want := range map[string]model.Milli{"0.8": 800, "1": 1000, "12,25": 12250, ".5": 500, "-0.25": -250, "0.001": 1} {
		got, err := model.ParseMilli(s)
		if err != nil || got != want {
			t.Errorf("ParseMilli(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0.0001", "1e3", "abc", "1.2.3"} {
		if _, err := model.ParseMilli(s); err == nil {
			t.Errorf("ParseMilli(%q) accepted", s)
		}
	}
	if s := model.Milli(12250).String(); s != "12.25" {
		t.Errorf("String %q", s)
	}
}
