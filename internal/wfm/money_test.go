package wfm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestScheduleCostExact: costs are paid time x cents per hour, exact, with
// one rounding per reported figure: three 45-minute shifts at 13.50 an
// hour cost 10.125 each, reported 10.13 each; the total is the exact
// 30.375 rounded once, 30.38, not the 30.39 the rounded lines add up to.
// A rate a float cannot hold (0.29) is exact too.
func TestScheduleCostExact(t *testing.T) {
	req := []int{1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0}
	p := ScheduleProblem{
		Start: monday().Add(9 * time.Hour), Step: 15 * time.Minute, Required: req,
		Shifts:         []ShiftTemplate{{Name: "45m", Length: 45 * time.Minute}},
		Sites:          []Site{{Name: "Lille", Country: "France", CostPerHour: 13_50}},
		MinFranceShare: ptr(0.0),
	}
	pl, err := Schedule(p)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p, pl)
	if len(pl.Assignments) != 3 {
		t.Fatalf("assignments %+v, want three shifts", pl.Assignments)
	}
	for _, a := range pl.Assignments {
		if a.Cost != 10_13 {
			t.Errorf("assignment %+v: cost %v, want 10.13", a, a.Cost)
		}
	}
	if pl.TotalCost != 30_38 || len(pl.Sites) != 1 || pl.Sites[0].Cost != 30_38 || pl.Sites[0].PaidHours != 2.25 {
		t.Errorf("total %v, sites %+v, want 30.38 for 2.25 hours", pl.TotalCost, pl.Sites)
	}
	b, err := json.Marshal(pl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"total_cost":30.38`) || !strings.Contains(string(b), `"cost":10.13`) {
		t.Errorf("JSON: %s", b)
	}

	p.Step, p.Required = time.Hour, []int{1, 1, 1}
	p.Shifts = []ShiftTemplate{{Name: "3h", Length: 3 * time.Hour}}
	p.Sites[0].CostPerHour = 29 // 0.29 an hour: 3 hours are 0.87 (0.29*3 is 0.8699999999999999 in float64)
	if pl, err = Schedule(p); err != nil {
		t.Fatal(err)
	}
	if pl.TotalCost != 87 || pl.TotalCost.String() != "0.87" {
		t.Errorf("3 hours at 0.29: %v", pl.TotalCost)
	}
}

// TestSpecCostPerHour: the spec reads the cost per hour exactly and
// refuses more than 2 decimals, naming the field.
func TestSpecCostPerHour(t *testing.T) {
	var spec ScheduleSpec
	if err := json.Unmarshal([]byte(`{"shifts":[{"name":"a","length":"1h"}],"sites":[{"name":"s","cost_per_hour":18.05}]}`), &spec); err != nil {
		t.Fatal(err)
	}
	var p ScheduleProblem
	if err := spec.Apply(&p); err != nil || p.Sites[0].CostPerHour != 18_05 {
		t.Fatalf("apply: %v, %+v", err, p.Sites)
	}
	err := json.Unmarshal([]byte(`{"sites":[{"name":"s","cost_per_hour":18.055}]}`), &spec)
	if ve, ok := model.MoneyError(err); !ok || ve.Field != "sites.cost_per_hour" || ve.Key != "money_decimals" {
		t.Errorf("18.055: %v", err)
	}
}
