package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestSiteCostExact: a site's cost per hour goes in and out as the decimal
// sent, to the cent, with no float in between; more decimals, a negative
// cost or a string is refused naming the field, and nothing is stored.
func TestSiteCostExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	sites := fmt.Sprintf("/api/v1/tenants/%d/sites", f.tenant.ID)

	w := e.do(f.adminToken, http.MethodPost, sites, rawBody(`{"name":"Lyon","country":"FR","kind":"onsite","cost_per_hour":32.05}`))
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"cost_per_hour":32.05`) {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var created model.Site
	e.must(f.adminToken, http.MethodPost, sites, rawBody(`{"name":"Nantes","country":"FR","kind":"onsite","cost_per_hour":0.29}`), http.StatusCreated, &created)
	if created.CostPerHour != 29 {
		t.Errorf("0.29 stored as %d cents", created.CostPerHour.Cents())
	}
	w = e.do(f.adminToken, http.MethodGet, fmt.Sprintf("%s/%d", sites, created.ID), nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"cost_per_hour":0.29`) {
		t.Errorf("get: %d %s", w.Code, w.Body)
	}

	for _, tc := range []struct {
		method, path, cost string
		status             int
		key                string
	}{
		{http.MethodPost, sites, "31.555", 422, "money_decimals"},
		{http.MethodPost, sites, "0.001", 422, "money_decimals"},
		{http.MethodPost, sites, "-0.5", 422, "negative"},
		{http.MethodPost, sites, "1e12", 422, "money_range"},
		{http.MethodPost, sites, `"NaN"`, 400, ""},
		{http.MethodPost, sites, `"32.05"`, 400, ""},
		{http.MethodPut, fmt.Sprintf("%s/%d", sites, created.ID), "12.345", 422, "money_decimals"},
	} {
		w := e.do(f.adminToken, tc.method, tc.path, rawBody(`{"name":"Brest","country":"FR","kind":"onsite","cost_per_hour":`+tc.cost+`}`))
		if w.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.cost, w.Code, tc.status, w.Body)
			continue
		}
		if b := apiError(t, w); b.Field != "cost_per_hour" || b.Key != tc.key || b.Message == "" {
			t.Errorf("%s %s: %+v, want field cost_per_hour, key %q", tc.method, tc.cost, b, tc.key)
		}
	}
	var list []model.Site
	e.must(f.adminToken, http.MethodGet, sites, nil, http.StatusOK, &list)
	for _, s := range list {
		if s.Name == "Brest" {
			t.Errorf("a refused site was stored: %+v", s)
		}
		if s.ID == created.ID && (s.Name != "Nantes" || s.CostPerHour != 29) {
			t.Errorf("a refused update changed the site: %+v", s)
		}
	}
}
