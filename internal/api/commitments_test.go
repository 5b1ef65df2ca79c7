package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/model"
)

// TestCommitmentsAPI: who may read and edit, the report of storeDay's
// month against the hand-worked figures, the drill-down, the defaults and
// the catalogue's errors naming the field.
func TestCommitmentsAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	f := e.fixture("acme")
	storeDay(t, e, f)
	tid := &f.tenant.ID
	sup := e.userCred(tid, "sup", model.RoleSupervisor, nil)
	viewer := e.userCred(tid, "viewer", model.RoleClientViewer, nil)
	agent := e.userCred(tid, "agent", model.RoleAgent, &f.agent.ID)
	base := fmt.Sprintf("/api/v1/tenants/%d/commitments", f.tenant.ID)

	// Reading: admins, supervisors, client viewers; not agents.
	for _, c := range []cred{f.adminToken, sup, viewer} {
		var list []model.Commitment
		e.must(c, http.MethodGet, base, nil, http.StatusOK, &list)
		if len(list) != 1 || list[0].ID != f.commitment.ID {
			t.Fatalf("%s lists %+v", c.name, list)
		}
	}
	wantError(t, e.do(agent, http.MethodGet, base+"/report", nil), http.StatusForbidden, CodeForbidden, "")
	// Editing: admins only.
	abandon := model.Commitment{Name: "Abandons < 40 %", Kind: model.CommitAbandonRate, TargetPct: 40, QueueIDs: []int64{f.queue.ID}}
	for _, c := range []cred{sup, viewer} {
		wantError(t, e.do(c, http.MethodPost, base, abandon), http.StatusForbidden, CodeForbidden, "")
		wantError(t, e.do(c, http.MethodDelete, fmt.Sprintf("%s/%d", base, f.commitment.ID), nil), http.StatusForbidden, CodeForbidden, "")
		wantError(t, e.do(c, http.MethodPost, base+"/defaults", nil), http.StatusForbidden, CodeForbidden, "")
	}
	var ab model.Commitment
	e.must(f.adminToken, http.MethodPost, base, abandon, http.StatusCreated, &ab)
	sat := model.Commitment{Name: "Satisfaction", Kind: model.CommitSatisfaction, TargetPct: 50, MinScore: 4}
	e.must(f.adminToken, http.MethodPost, base, sat, http.StatusCreated, nil)

	// Bad thresholds and references: 422 naming the field; nothing stored.
	for _, bad := range []struct {
		body  any
		field string
	}{
		{model.Commitment{Name: "x", Kind: model.CommitAbandonRate, TargetPct: 150}, "target_pct"},
		{model.Commitment{Name: "x", Kind: model.CommitCallback, TargetPct: 95}, "seconds"},
		{model.Commitment{Name: "x", Kind: model.CommitSatisfaction, TargetPct: 10, MinScore: 0.5}, "min_score"},
		{model.Commitment{Name: "x", Kind: model.CommitOpenHours, TargetPct: 100, Opens: "20:00", Closes: "08:00"}, "closes"},
		{model.Commitment{Name: "x", Kind: model.CommitAbandonRate, TargetPct: 5, QueueIDs: []int64{999}}, "queue_ids[0]"},
		{model.Commitment{Name: "x", Kind: "uptime", TargetPct: 5}, "kind"},
	} {
		wantError(t, e.do(f.adminToken, http.MethodPost, base, bad.body), http.StatusUnprocessableEntity, CodeValidationFailed, bad.field)
	}
	wantError(t, e.do(f.adminToken, http.MethodPost, base, map[string]any{"name": "x", "kind": "abandon_rate", "target": 5}), http.StatusBadRequest, CodeUnknownField, "target")
	ab.TargetPct = -5
	wantError(t, e.do(f.adminToken, http.MethodPut, fmt.Sprintf("%s/%d", base, ab.ID), ab), http.StatusUnprocessableEntity, CodeValidationFailed, "target_pct")
	var list []model.Commitment
	e.must(f.adminToken, http.MethodGet, base, nil, http.StatusOK, &list)
	if len(list) != 3 {
		t.Fatalf("after refused input: %+v", list)
	}

	// The report of March 2026 as a client viewer: storeDay's contacts,
	// Ada answered in 10 s, Bob gone in 3 s (short), Chloé abandoned after
	// 60 s, Dan answered in 30 s, Eve closed: SL 1/3, abandons 1/3, one
	// survey (4) of two answered.
	var rep CommitmentsReport
	e.must(viewer, http.MethodGet, base+"/report?period=2026-03", nil, http.StatusOK, &rep)
	if rep.Tenant != f.tenant.Name || rep.Period != "2026-03" || len(rep.Commitments) != 3 || len(rep.Centers) != 1 || rep.Centers[0].Name != "Rabat" {
		t.Fatalf("report %+v", rep)
	}
	want := map[string]struct {
		num, den int64
		status   string
	}{
		"80/20":           {1, 3, commitment.StatusNotMet},
		"Abandons < 40 %": {1, 3, commitment.StatusMet},
		"Satisfaction":    {1, 2, commitment.StatusMet},
	}
	for _, l := range rep.Commitments {
		w := want[l.Commitment.Name]
		if l.Numerator != w.num || l.Denominator != w.den || l.Status != w.status || len(l.Trend) != commitment.TrendMonths {
			t.Errorf("%s: %d/%d %s, trend %d; want %d/%d %s", l.Commitment.Name, l.Numerator, l.Denominator, l.Status, len(l.Trend), w.num, w.den, w.status)
		}
		for _, tr := range l.Trend {
			if tr.Status != commitment.StatusNoData || tr.Value != nil {
				t.Errorf("%s: %s has no contacts: %+v", l.Commitment.Name, tr.Period, tr)
			}
		}
		if l.Commitment.Name == "Satisfaction" && (l.Mean == nil || *l.Mean != 4) {
			t.Errorf("satisfaction mean %v", l.Mean)
		}
	}
	if rep.Met != 2 || rep.Measured != 3 {
		t.Errorf("met %d of %d", rep.Met, rep.Measured)
	}
	// The drill-down: the contacts behind the service level, Chloé's and
	// Dan's, and the contacts search of the month.
	sl := rep.Commitments[0]
	if sl.Commitment.ID != f.commitment.ID {
		sl = rep.Commitments[1]
	}
	var sf commitment.Shortfall
	e.must(viewer, http.MethodGet, sl.Drilldown.Contacts, nil, http.StatusOK, &sf)
	if sf.Total != 2 || len(sf.Contacts) != 2 || sf.Contacts[0].Outcome != model.EndAbandoned || sf.Contacts[1].Outcome != model.EndAnswered {
		t.Errorf("shortfall %+v", sf)
	}
	var page ContactPage
	e.must(f.adminToken, http.MethodGet, sl.Drilldown.Interactions, nil, http.StatusOK, &page)
	if len(page.Contacts) != 6 { // storeDay's five and the fixture's open chat
		t.Errorf("the month's contacts search (%s) lists %d, want 6", sl.Drilldown.Interactions, len(page.Contacts))
	}

	// Bad periods, parameters and commitments.
	for _, p := range []string{"2026-13", "2026-3", "march", "1999-12"} {
		wantError(t, e.do(viewer, http.MethodGet, base+"/report?period="+p, nil), http.StatusUnprocessableEntity, CodeValidationFailed, "period")
		wantError(t, e.do(viewer, http.MethodGet, fmt.Sprintf("%s/%d/contacts?period=%s", base, ab.ID, p), nil), http.StatusUnprocessableEntity, CodeValidationFailed, "period")
	}
	wantError(t, e.do(viewer, http.MethodGet, base+"/report?month=2026-03", nil), http.StatusBadRequest, CodeBadRequest, "month")
	wantError(t, e.do(viewer, http.MethodGet, base+"/99999", nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(viewer, http.MethodGet, base+"/99999/contacts?period=2026-03", nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(f.adminToken, http.MethodPut, base+"/99999", abandon), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(f.adminToken, http.MethodDelete, base+"/99999", nil), http.StatusNotFound, CodeNotFound, "")

	// The defaults replace the set.
	var defaults []model.Commitment
	e.must(f.adminToken, http.MethodPost, base+"/defaults", nil, http.StatusOK, &defaults)
	if len(defaults) != len(commitment.Defaults()) {
		t.Fatalf("defaults %+v", defaults)
	}
	e.must(viewer, http.MethodGet, base+"/report?period=2026-03", nil, http.StatusOK, &rep)
	if len(rep.Commitments) != len(defaults) || rep.Commitments[0].Definition.FR == "" {
		t.Errorf("report of the defaults %+v", rep)
	}
	e.must(f.adminToken, http.MethodDelete, fmt.Sprintf("%s/%d", base, defaults[0].ID), nil, http.StatusNoContent, nil)
	e.must(f.adminToken, http.MethodGet, base, nil, http.StatusOK, &list)
	if len(list) != len(defaults)-1 {
		t.Errorf("after a delete: %d", len(list))
	}
}
