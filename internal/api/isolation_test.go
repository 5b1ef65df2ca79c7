package api

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/wfm"
)

// sampleBody is a valid request body for rt aimed at tenant f. A route
// with a new body type fails here until it gets a sample.
func sampleBody(t *testing.T, rt route, f fixture) any {
	t.Helper()
	if rt.in == nil {
		return nil
	}
	if b, ok := billingSampleBody(rt); ok {
		return b
	}
	switch rt.in {
	case reflect.TypeFor[model.Tenant]():
		return model.Tenant{Slug: "walk", Name: "Walk"}
	case reflect.TypeFor[model.Site]():
		return model.Site{Name: "Walk", Country: "FR", Kind: model.SiteOnsite}
	case reflect.TypeFor[model.Skill]():
		return model.Skill{Name: "walk"}
	case reflect.TypeFor[PseudonymRequest]():
		return PseudonymRequest{Pseudonym: "Walk"}
	case reflect.TypeFor[model.Commitment]():
		return model.Commitment{Name: "walk", Kind: model.CommitAbandonRate, TargetPct: 5}
	case reflect.TypeFor[model.CannedResponse]():
		return model.CannedResponse{Code: "walk", Body: "walk"}
	case reflect.TypeFor[model.Schedule]():
		s := validSchedule()
		s.Name = "walk"
		return s
	case reflect.TypeFor[model.Queue]():
		return validQueueNamed(f.skill.ID, "walk")
	case reflect.TypeFor[model.Agent]():
		return validAgent(f.site.ID, f.skill.ID)
	case reflect.TypeFor[model.EntryPoint]():
		return model.EntryPoint{Kind: model.EntryChat, Address: "walk", QueueID: f.queue.ID}
	case reflect.TypeFor[model.User]():
		return model.User{Login: "walk", DisplayName: "Walk", Role: model.RoleAdmin}
	case reflect.TypeFor[UserInput]():
		return UserInput{User: model.User{Login: "walk", DisplayName: "Walk", Role: model.RoleAdmin}, Password: "long enough pw"}
	case reflect.TypeFor[PasswordRequest]():
		return PasswordRequest{Password: "long enough pw"}
	case reflect.TypeFor[TokenRequest]():
		return TokenRequest{Name: "walk", TenantID: &f.tenant.ID}
	case reflect.TypeFor[ScheduleRequest]():
		return ScheduleRequest{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), IntervalMinutes: 60, Required: []int{1, 2, 1},
			ScheduleSpec: wfm.ScheduleSpec{Shifts: []wfm.ShiftSpec{{Name: "short", Length: "2h"}},
				Sites: []wfm.SiteSpec{{Name: "Paris", Country: "FR", CostPerHour: 30_00}}}}
	case reflect.TypeFor[AgentStateRequest]():
		return AgentStateRequest{State: "logged_out"}
	case reflect.TypeFor[MoveRequest]():
		return MoveRequest{QueueID: f.queue.ID}
	case reflect.TypeFor[NoteRequest]():
		return NoteRequest{Body: "walk"}
	case reflect.TypeFor[model.Retention]():
		return model.Retention{TranscriptDays: 1, RecordingDays: 1, CustomerDays: 1}
	case reflect.TypeFor[ErasureRequest]():
		return ErasureRequest{Phone: "+33612345678"}
	case reflect.TypeFor[LoginRequest]():
		return LoginRequest{Login: "walk", Password: "long enough pw"}
	case reflect.TypeFor[SIPAccountRequest]():
		return SIPAccountRequest{Username: "walk-phone", Password: "long enough pw"}
	case reflect.TypeFor[LanguageRequest]():
		return LanguageRequest{Language: "en"}
	case reflect.TypeFor[model.Reason]():
		return model.Reason{Code: "walk", Label: "Walk"}
	case reflect.TypeFor[model.WidgetSettings]():
		return model.WidgetSettings{Colour: "#000000", TextColour: "#ffffff", Greeting: "walk"}
	case reflect.TypeFor[model.Employee]():
		e := validEmployee(f.site.ID)
		e.Ref = "walk"
		return e
	case reflect.TypeFor[model.PlannedShare]():
		return model.PlannedShare{Period: "2026-01", TotalHours: 1000, FranceHours: 600}
	}
	t.Fatalf("%s: no sample body for %v: add one to sampleBody", rt.pattern(), rt.in)
	return nil
}

// targetsTenant reports whether rt can name another tenant's data: by path
// ids, a tenant_id query parameter or a tenant_id in its body.
func targetsTenant(rt route) bool {
	if len(rt.pathParams()) > 0 {
		return true
	}
	for _, q := range rt.query {
		if q.name == "tenant_id" {
			return true
		}
	}
	if rt.in != nil && rt.in.Kind() == reflect.Struct {
		if _, ok := rt.in.FieldByName("TenantID"); ok {
			return true
		}
	}
	return false
}

// TestTenantIsolationWalk walks every registered route with tenant B's
// credentials against tenant A's rows (path ids, tenant_id query parameters
// and bodies all name A): every answer must be 403 or 404, and A's data
// must be untouched. A new route is covered automatically; only routes
// serving the caller itself may be exempted, by name, in callerOnly.
func TestTenantIsolationWalk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	b := e.fixture("globex")
	bid := &b.tenant.ID
	creds := []cred{
		b.adminToken,
		e.userCred(bid, "b-admin", model.RoleAdmin, nil),
		e.userCred(bid, "b-sup", model.RoleSupervisor, nil),
		e.userCred(bid, "b-viewer", model.RoleClientViewer, nil),
		e.userCred(bid, "b-agent", model.RoleAgent, &b.agent.ID),
	}
	// Routes that never address a tenant's rows: they serve the caller
	// itself or nobody's data.
	callerOnly := []string{"GET /api/v1/openapi.json", "POST /api/v1/login", "POST /api/v1/logout", "GET /api/v1/me",
		"GET /api/v1/me/desk-lists", "GET /api/v1/widget", "PUT /api/v1/me/pseudonym"}
	e.takeChanges()
	walked := 0
	registered := map[string]bool{}
	for _, rt := range e.api.routes {
		registered[rt.pattern()] = true
		if slices.Contains(callerOnly, rt.pattern()) {
			if targetsTenant(rt) {
				t.Errorf("%s is in callerOnly but can address a tenant", rt.pattern())
			}
			continue
		}
		path := samplePath(rt, a)
		for _, q := range rt.query {
			if q.name == "tenant_id" {
				path += fmt.Sprintf("?tenant_id=%d", a.tenant.ID)
			}
		}
		for _, c := range creds {
			w := e.do(c, rt.method, path, sampleBody(t, rt, a))
			walked++
			if w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
				t.Errorf("%s %s as tenant B's %s: %d, want 403 or 404: %s", rt.method, path, c.name, w.Code, w.Body)
				continue
			}
			apiError(t, w)
		}
	}
	for _, p := range callerOnly {
		if !registered[p] {
			t.Errorf("callerOnly lists %s, which is not routed", p)
		}
	}
	if walked == 0 {
		t.Fatal("walked no route")
	}
	if ch := e.takeChanges(); len(ch) != 0 {
		t.Errorf("tenant B's requests changed data: %v", ch)
	}
	// Tenant A's rows are all still there, unchanged.
	for _, rt := range e.api.routes {
		if rt.method != http.MethodGet || rt.access == accessPlatform || len(rt.pathParams()) == 0 || rt.stream != "" || rt.rawOut != "" {
			// Streams never end: TestWallboardStream reads them. The
			// fixture's chat entry has no menu prompt: TestMenuPromptUpload
			// checks another tenant leaves one alone.
			continue
		}
		e.must(a.adminToken, http.MethodGet, samplePath(rt, a), nil, http.StatusOK, nil)
	}
	var site model.Site
	e.must(a.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/sites/%d", a.tenant.ID, a.site.ID), nil, http.StatusOK, &site)
	if site != a.site {
		t.Errorf("site %+v, want %+v", site, a.site)
	}
	e.must(a.adminToken, http.MethodGet, "/api/v1/me", nil, http.StatusOK, nil) // A's token survived
}
