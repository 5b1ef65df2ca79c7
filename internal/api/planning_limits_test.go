package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/wfm"
)

// bigPlan is four weeks of 15-minute intervals over four 24/7 sites and
// four shift templates: seconds of search.
func bigPlan() ScheduleRequest {
	req := ScheduleRequest{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), IntervalMinutes: 15,
		ScheduleSpec: wfm.ScheduleSpec{
			Shifts: []wfm.ShiftSpec{{Name: "8h", Length: "8h"}, {Name: "7h", Length: "7h"}, {Name: "6h", Length: "6h"}, {Name: "4h", Length: "4h"}},
			Sites: []wfm.SiteSpec{{Name: "Paris", Country: "FR", CostPerHour: 30_00}, {Name: "Lyon", Country: "FR", CostPerHour: 28_00},
				{Name: "Rabat", Country: "MA", CostPerHour: 12_00}, {Name: "Tunis", Country: "TN", CostPerHour: 11_00}},
		}}
	for i := range 4 * 7 * 96 {
		h := (i % 96) / 4
		req.Required = append(req.Required, 30+200*min(h, 24-h)/12)
	}
	return req
}

// Planning requests are bounded in size, in time (a deadline) and in
// number running at once.
func TestPlanScheduleLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{PlanningTimeout: 300 * time.Millisecond})
	f := e.fixture("acme")
	path := fmt.Sprintf("/api/v1/tenants/%d/planning/schedule", f.tenant.ID)
	sup := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)

	many := bigPlan()
	for i := range 30 {
		many.Sites = append(many.Sites, wfm.SiteSpec{Name: fmt.Sprintf("S%d", i), Country: "FR", CostPerHour: 20_00})
	}
	wantError(t, e.do(sup, http.MethodPost, path, many), http.StatusUnprocessableEntity, CodeValidationFailed, "sites")
	wide := bigPlan()
	for i := range 12 {
		wide.Sites = append(wide.Sites, wfm.SiteSpec{Name: fmt.Sprintf("S%d", i), Country: "FR", CostPerHour: 20_00})
	}
	wantError(t, e.do(sup, http.MethodPost, path, wide), http.StatusUnprocessableEntity, CodeValidationFailed, "required")

	start := time.Now()
	w := e.do(sup, http.MethodPost, path, bigPlan())
	wantError(t, w, http.StatusServiceUnavailable, CodeUnavailable, "")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a plan past its 300 ms deadline answered after %v", took)
	}

	// One at a time: while one runs, the next is refused with Retry-After.
	e2 := newEnv(t, Options{PlanningTimeout: 3 * time.Second})
	f2 := e2.fixture("acme")
	path2 := fmt.Sprintf("/api/v1/tenants/%d/planning/schedule", f2.tenant.ID)
	sup2 := e2.userCred(&f2.tenant.ID, "sup", model.RoleSupervisor, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e2.do(sup2, http.MethodPost, path2, bigPlan())
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(e2.api.planning) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	w = e2.do(sup2, http.MethodPost, path2, bigPlan())
	wantError(t, w, http.StatusTooManyRequests, CodeRateLimited, "")
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	<-done
}
