package api

import (
	"fmt"
	"net/http"
	"testing"
)

// Control characters are refused with a clear 422 at the edge, whatever
// the backend (PostgreSQL cannot store U+0000 in text and answered 500;
// SQLite stored it).
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	sites := fmt.Sprintf("/api/v1/tenants/%d/sites", f.tenant.ID)
	w := e.do(f.adminToken, http.MethodPost, sites, rawBody(`{"name":"Ly\u0000on","country":"FR","kind":"onsite","cost_per_hour":30}`))
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "name")
	w = e.do(f.adminToken, http.MethodPost, sites, rawBody(`{"name":"Lyon\u001b[31m","country":"FR","kind":"onsite","cost_per_hour":30}`))
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "name")
	// Tabs and line breaks are text.
	e.must(f.adminToken, http.MethodPost, sites, rawBody(`{"name":"Lyon\tcentre","country":"FR","kind":"onsite","cost_per_hour":30}`), http.StatusCreated, nil)
	w = e.do(cred{}, http.MethodPost, "/api/v1/login", rawBody(`{"login":"a\u0000","password":"whatever long"}`))
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "login")
}
