package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/wfm"
	"github.com/plateau-cc/plateau/internal/workforce"
)

// doCSV posts a CSV body.
func (e *env) doCSV(c cred, path, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequestWithContext(testCtx(e.t), http.MethodPost, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.1:1234"
	r.Header.Set("Content-Type", "text/csv")
	c.apply(r)
	w := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(w, r)
	return w
}

func TestWorkforceRegister(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	tid := &a.tenant.ID
	base := fmt.Sprintf("/api/v1/tenants/%d/employees", a.tenant.ID)
	admin := e.userCred(tid, "acme-hr", model.RoleAdmin, nil)

	// Only admins: supervisors and client viewers never see the register.
	for _, c := range []cred{e.userCred(tid, "acme-sup", model.RoleSupervisor, nil), e.userCred(tid, "acme-viewer", model.RoleClientViewer, nil)} {
		for _, path := range []string{base, fmt.Sprintf("%s/%d", base, a.employee.ID), fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators", a.tenant.ID)} {
			wantError(t, e.do(c, http.MethodGet, path, nil), http.StatusForbidden, CodeForbidden, "")
		}
		wantError(t, e.do(c, http.MethodGet, "/api/v1/workforce/barometer", nil), http.StatusForbidden, CodeForbidden, "")
	}

	// Bad input names the field.
	bad := func(mod func(*model.Employee), field string) {
		t.Helper()
		emp := validEmployee(a.site.ID)
		emp.Ref = "bad"
		mod(&emp)
		wantError(t, e.do(admin, http.MethodPost, base, emp), http.StatusUnprocessableEntity, CodeValidationFailed, field)
	}
	bad(func(x *model.Employee) { x.ExitDate, x.ExitReason = ptr("2025-01-01"), model.ExitResignation }, "hire_date")
	bad(func(x *model.Employee) { x.SiteID = 9999 }, "site_id")
	bad(func(x *model.Employee) { x.FTE = -500 }, "fte")
	w := e.do(admin, http.MethodPost, base, rawBody(`{"ref":"x","site_id":1,"contract":"permanent","fte":0.0001,"hire_date":"2025-01-01"}`))
	wantError(t, w, http.StatusBadRequest, CodeBadJSON, "fte")

	var created model.Employee
	emp := validEmployee(a.site.ID)
	emp.Ref, emp.FTE, emp.Training = "E002", 800, []model.Training{{Date: "2026-01-10", Hours: 3500}}
	e.must(admin, http.MethodPost, base, emp, http.StatusCreated, &created)
	if created.FTE != 800 || len(created.Training) != 1 {
		t.Fatalf("created %+v", created)
	}
	if !strings.Contains(e.do(admin, http.MethodGet, fmt.Sprintf("%s/%d", base, created.ID), nil).Body.String(), `"fte":0.8`) {
		t.Error("FTE is not written as an exact decimal")
	}

	// A file with a bad row imports nothing.
	head := "ref,name,site,contract,fte,hire_date,exit_date,exit_reason\n"
	w = e.doCSV(admin, base+"/import", head+"E010,Léa,Rabat,CDI,1,2026-01-05,,\nE011,Marc,Rabat,CDD,-1,2026-01-05,,\n")
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "fte")
	if !strings.Contains(w.Body.String(), "line 3, field fte") {
		t.Errorf("the error does not name the line: %s", w.Body)
	}
	w = e.doCSV(admin, base+"/import", head+"E010,Léa,Rabat,CDI,1,2026-01-05,,\nE011,Marc,Lyon,CDD,1,2026-01-05,,\n")
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "site")
	w = e.doCSV(admin, base+"/import", head+"E010,Léa,Rabat,CDI,1,2026-03-05,2026-02-01,resignation\n")
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "hire_date")
	// An agent of another tenant is found by the store: still the line.
	other := e.fixture("globex")
	w = e.doCSV(admin, base+"/import", "ref,site,agent_id,contract,fte,hire_date\nE010,Rabat,,CDI,1,2026-01-05\nE012,Rabat,"+fmt.Sprint(other.agent.ID)+",CDI,1,2026-01-05\n")
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "agent_id")
	if !strings.Contains(w.Body.String(), "line 3") {
		t.Errorf("the store's refusal does not name the line: %s", w.Body)
	}
	wantError(t, e.do(admin, http.MethodPost, base+"/import", rawBody("{}")), http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "")
	var list []model.Employee
	e.must(admin, http.MethodGet, base, nil, http.StatusOK, &list)
	if len(list) != 2 {
		t.Fatalf("refused files changed the register: %d employees", len(list))
	}
	var res ImportResult
	w = e.doCSV(admin, base+"/import", head+"E010,Léa,Rabat,CDI,1,2026-01-05,,\nE001,Amina B.,Rabat,CDI,0.5,2025-09-01,,\n")
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &res) != nil || res.Created != 1 || res.Updated != 1 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	w = e.do(admin, http.MethodGet, base+"?format=csv", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), strings.Join(workforce.CSVColumns, ",")+"\n") || !strings.Contains(w.Body.String(), "E010,Léa,,Rabat,,,no,permanent,1,2026-01-05") {
		t.Fatalf("export: %d %s", w.Code, w.Body)
	}
	// The export imports back unchanged.
	w = e.doCSV(admin, base+"/import", w.Body.String())
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &res) != nil || res.Created != 0 || res.Updated != 3 {
		t.Fatalf("re-import: %d %s", w.Code, w.Body)
	}

	// Reads and changes are in the audit log.
	var audit []model.AuditEntry
	e.must(admin, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/audit?target=workforce&limit=1000", a.tenant.ID), nil, http.StatusOK, &audit)
	seen := map[string]int{}
	for _, l := range audit {
		seen[l.Action]++
	}
	if seen["listEmployees"] < 2 || seen["getEmployee"] < 1 || seen["createEmployee"] != 1 || seen["importEmployees"] != 2 {
		t.Errorf("audit actions %v", seen)
	}

	var ind workforce.Indicators
	e.must(admin, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators?from=2026-01-01&to=2026-01-31", a.tenant.ID), nil, http.StatusOK, &ind)
	if ind.Hires != 1 || ind.Jobs.Headcount != 3 || ind.FranceHireShare == nil || *ind.FranceHireShare != 0 {
		t.Errorf("indicators %+v", ind)
	}
	wantError(t, e.do(admin, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators?from=2026-02-01&to=2026-01-01", a.tenant.ID), nil),
		http.StatusUnprocessableEntity, CodeValidationFailed, "from")
	wantError(t, e.do(admin, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators?since=2026-02-01", a.tenant.ID), nil),
		http.StatusBadRequest, CodeBadRequest, "since")
	var plan model.PlannedShare
	e.must(admin, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/workforce/plans", a.tenant.ID), model.PlannedShare{Period: "2026-01", TotalHours: 100_000, FranceHours: 70_000}, http.StatusCreated, &plan)
	wantError(t, e.do(admin, http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/workforce/plans", a.tenant.ID), model.PlannedShare{Period: "2026-01", TotalHours: 1, FranceHours: 2}),
		http.StatusUnprocessableEntity, CodeValidationFailed, "france_hours")
	e.must(admin, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators?from=2026-01-01&to=2026-01-31", a.tenant.ID), nil, http.StatusOK, &ind)
	if ind.PlannedHours.FranceShare == nil || *ind.PlannedHours.FranceShare != 0.7 {
		t.Errorf("planned %+v", ind.PlannedHours)
	}

	// A plan computed with ?publish= becomes the month's published plan.
	sup := e.userCred(tid, "acme-planner", model.RoleSupervisor, nil)
	req := ScheduleRequest{Start: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC), IntervalMinutes: 60, Required: []int{2, 2, 2, 2, 2, 2, 2, 2},
		ScheduleSpec: wfm.ScheduleSpec{Shifts: []wfm.ShiftSpec{{Name: "8h", Length: "8h"}},
			Sites: []wfm.SiteSpec{{Name: "Paris", Country: "FR", CostPerHour: 30_00}, {Name: "Rabat", Country: "MA", CostPerHour: 12_00}}}}
	planPath := fmt.Sprintf("/api/v1/tenants/%d/planning/schedule", a.tenant.ID)
	wantError(t, e.do(sup, http.MethodPost, planPath+"?publish=February", req), http.StatusUnprocessableEntity, CodeValidationFailed, "publish")
	var computed wfm.Plan
	e.must(sup, http.MethodPost, planPath+"?publish=2026-02", req, http.StatusOK, &computed)
	e.must(admin, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/workforce/indicators?from=2026-02-01&to=2026-02-28", a.tenant.ID), nil, http.StatusOK, &ind)
	if ind.PlannedHours.FranceShare == nil || math.Abs(*ind.PlannedHours.FranceShare-computed.FranceShare) > 1e-6 || computed.TotalHours != 16 {
		t.Errorf("published plan %+v, computed %v of %v h", ind.PlannedHours, computed.FranceShare, computed.TotalHours)
	}

	// The provider's figures are the platform admin's alone.
	wantError(t, e.do(admin, http.MethodGet, "/api/v1/workforce/palmares", nil), http.StatusForbidden, CodeForbidden, "")
	plat := e.platformToken()
	var bar workforce.Barometer
	e.must(plat, http.MethodGet, "/api/v1/workforce/barometer?from=2026-01&to=2026-03", nil, http.StatusOK, &bar)
	if len(bar.Months) != 3 || bar.Months[0].Total.Jobs != 4 || bar.Months[0].Total.Hires != 1 {
		t.Errorf("barometer %+v", bar.Months)
	}
	w = e.do(plat, http.MethodGet, "/api/v1/workforce/barometer?from=2026-01&to=2026-01&format=csv", nil)
	if !strings.HasPrefix(w.Body.String(), "month,country,contract,homeshoring,jobs,fte,hires,exits\n2026-01,MA,permanent,no,4,3.3,1,0") {
		t.Errorf("barometer CSV %s", w.Body)
	}
	w = e.do(plat, http.MethodGet, "/api/v1/workforce/open-data?from=2026-01&to=2026-01", nil)
	if !strings.HasPrefix(w.Body.String(), "month,dimension,category,jobs,hires,exits\n2026-01,total,all,<5,<5,<5") || strings.Contains(w.Body.String(), "Amina") {
		t.Errorf("open data %s", w.Body)
	}
	wantError(t, e.do(plat, http.MethodGet, "/api/v1/workforce/barometer?from=2026-13", nil), http.StatusUnprocessableEntity, CodeValidationFailed, "from")
	var pal workforce.Palmares
	e.must(plat, http.MethodGet, "/api/v1/workforce/palmares?from=2026-01-01&to=2026-01-31", nil, http.StatusOK, &pal)
	if len(pal.Programmes) != 2 || pal.Formula == "" || pal.NotAvailable["commitments"] != "" || pal.Config.Weights != workforce.DefaultWeights {
		t.Errorf("palmares %+v", pal)
	}
}
