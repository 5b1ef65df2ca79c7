package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/wfm"
)

func TestPlanSchedule(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	path := fmt.Sprintf("/api/v1/tenants/%d/planning/schedule", f.tenant.ID)
	// A day of hourly requirements, 24/7: a cheap offshore site and a dearer
	// French one; the France share must reach 60%.
	req := ScheduleRequest{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), IntervalMinutes: 60,
		ScheduleSpec: wfm.ScheduleSpec{
			Shifts: []wfm.ShiftSpec{{Name: "8h", Length: "8h"}},
			Sites: []wfm.SiteSpec{{Name: "Paris", Country: "FR", CostPerHour: 30_00},
				{Name: "Rabat", Country: "MA", CostPerHour: 12_00}},
		}}
	for h := 0; h < 24; h++ {
		req.Required = append(req.Required, 2+3*(h/8%2))
	}
	supervisor := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	var plan wfm.Plan
	e.must(supervisor, http.MethodPost, path, req, http.StatusOK, &plan)
	if len(plan.Uncovered) != 0 || plan.FranceShare < 0.6-1e-9 || plan.TotalCost <= 0 {
		t.Fatalf("plan: uncovered %d, France share %.2f, cost %v", len(plan.Uncovered), plan.FranceShare, plan.TotalCost)
	}
	for _, c := range plan.Coverage {
		if c.Scheduled < c.Required {
			t.Fatalf("interval %v: %d scheduled for %d required", c.Start, c.Scheduled, c.Required)
		}
	}

	bad := req
	bad.IntervalMinutes = 7
	wantError(t, e.do(supervisor, http.MethodPost, path, bad), http.StatusUnprocessableEntity, CodeValidationFailed, "interval_minutes")
	bad = req
	bad.Shifts = []wfm.ShiftSpec{{Name: "x", Length: "eight hours"}}
	wantError(t, e.do(supervisor, http.MethodPost, path, bad), http.StatusUnprocessableEntity, CodeValidationFailed, "shifts")
	bad = req
	bad.Required = []int{1, -2}
	wantError(t, e.do(supervisor, http.MethodPost, path, bad), http.StatusUnprocessableEntity, CodeValidationFailed, "required[1]")

	// A cost per hour with more than 2 decimals is refused, naming the field.
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	raw := strings.Replace(string(body), `"cost_per_hour":30}`, `"cost_per_hour":30.005}`, 1)
	if raw == string(body) {
		t.Fatalf("no Paris cost in %s", body)
	}
	wantError(t, e.do(supervisor, http.MethodPost, path, rawBody(raw)), http.StatusUnprocessableEntity, CodeValidationFailed, "sites.cost_per_hour")

	agentID := f.agent.ID
	agent := e.userCred(&f.tenant.ID, "ag", model.RoleAgent, &agentID)
	wantError(t, e.do(agent, http.MethodPost, path, req), http.StatusForbidden, CodeForbidden, "")
}
