package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

func TestCatalogue(t *testing.T) {
	t.Parallel()
	all := []ErrorCode{CodeBadRequest, CodeBadJSON, CodeUnknownField, CodeBodyTooLarge, CodeUnsupportedMedia,
		CodeValidationFailed, CodeUnauthenticated, CodeInvalidCredential, CodeForbidden, CodeCSRFFailed, CodeNotFound,
		CodeMethodNotAllowed, CodeConflict, CodeRateLimited, CodeInternal, CodeUnavailable, CodeRetroactive}
	seen := map[ErrorCode]bool{}
	for _, d := range Catalogue() {
		if seen[d.Code] {
			t.Errorf("duplicate code %q", d.Code)
		}
		seen[d.Code] = true
		if d.Status < 400 || d.Status > 599 || http.StatusText(d.Status) == "" {
			t.Errorf("%s: status %d", d.Code, d.Status)
		}
		if d.Description == "" {
			t.Errorf("%s: no description", d.Code)
		}
	}
	for _, c := range all {
		if !seen[c] {
			t.Errorf("code %q missing from the catalogue", c)
		}
	}
	if len(seen) != len(all) {
		t.Errorf("catalogue has %d codes, the test knows %d: update the test", len(seen), len(all))
	}
	if got := lookupCode("no_such_code"); got.Code != CodeInternal {
		t.Errorf("unknown code maps to %q, want internal", got.Code)
	}
}

func TestToAPIError(t *testing.T) {
	t.Parallel()
	ve := &model.ValidationError{Field: "skills[0].min_level", Message: "must be between 1 and 10"}
	tests := []struct {
		name  string
		err   error
		code  ErrorCode
		field string
	}{
		{"api error", fieldErr(CodeUnknownField, "x", "unknown"), CodeUnknownField, "x"},
		{"wrapped api error", fmt.Errorf("ctx: %w", apiErr(CodeForbidden, "no")), CodeForbidden, ""},
		{"validation in store chain", fmt.Errorf("create queue: %w: %w", store.ErrInvalid, ve), CodeValidationFailed, "skills[0].min_level"},
		{"store invalid", fmt.Errorf("create agent: %w: fk", store.ErrInvalid), CodeValidationFailed, ""},
		{"not found", fmt.Errorf("get: %w", store.ErrNotFound), CodeNotFound, ""},
		{"conflict", fmt.Errorf("create: %w: unique", store.ErrConflict), CodeConflict, ""},
		{"credentials", fmt.Errorf("check: %w", store.ErrInvalidCredentials), CodeInvalidCredential, ""},
		{"cancelled", fmt.Errorf("list: %w", context.Canceled), CodeUnavailable, ""},
		{"other", errors.New("disk on fire"), CodeInternal, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := toAPIError(tc.err)
			if got.Code != tc.code || got.Field != tc.field {
				t.Errorf("toAPIError(%v) = %q field %q, want %q field %q", tc.err, got.Code, got.Field, tc.code, tc.field)
			}
		})
	}
}

// TestRequestErrors sends malformed requests and checks each error.
func TestRequestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	sites := fmt.Sprintf("/api/v1/tenants/%d/sites", f.tenant.ID)
	site := fmt.Sprintf("%s/%d", sites, f.site.ID)
	big := rawBody(`{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`)
	tests := []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string // overrides application/json when set
		status      int
		code        ErrorCode
		field       string
	}{
		{"validation with field", http.MethodPost, sites, map[string]any{"name": "Lyon", "country": "fr", "kind": "onsite"}, "", 422, CodeValidationFailed, "country"},
		{"validation of nested field", http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/queues", f.tenant.ID),
			map[string]any{"name": "q", "channel": "voice", "sl_target_pct": 80, "sl_threshold_seconds": 20, "strategy": "longest_idle",
				"offer_timeout_seconds": 10, "skills": []map[string]any{{"skill_id": f.skill.ID, "min_level": 11}}}, "", 422, CodeValidationFailed, "skills[0].min_level"},
		{"reference to a missing row", http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/agents", f.tenant.ID),
			validAgent(f.site.ID, 99999), "", 422, CodeValidationFailed, ""},
		{"update validation", http.MethodPut, site, map[string]any{"name": "", "country": "FR", "kind": "onsite"}, "", 422, CodeValidationFailed, "name"},
		{"bad json", http.MethodPost, sites, rawBody(`{"name": "Lyon",`), "", 400, CodeBadJSON, ""},
		{"syntax error", http.MethodPost, sites, rawBody(`{"name" "Lyon"}`), "", 400, CodeBadJSON, ""},
		{"empty body", http.MethodPost, sites, rawBody(``), "", 400, CodeBadJSON, ""},
		{"trailing data", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite"} {}`), "", 400, CodeBadJSON, ""},
		{"array instead of object", http.MethodPost, sites, rawBody(`[1,2]`), "", 400, CodeBadJSON, ""},
		{"wrong type", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite","cost_per_hour":"cheap"}`), "", 400, CodeBadJSON, "cost_per_hour"},
		{"unknown field", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite","colour":"blue"}`), "", 400, CodeUnknownField, "colour"},
		{"money: 3 decimals", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite","cost_per_hour":31.555}`), "", 422, CodeValidationFailed, "cost_per_hour"},
		{"money: negative", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite","cost_per_hour":-1}`), "", 422, CodeValidationFailed, "cost_per_hour"},
		{"money: too large", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite","cost_per_hour":1e300}`), "", 422, CodeValidationFailed, "cost_per_hour"},
		{"money: NaN", http.MethodPost, sites, rawBody(`{"name":"a","country":"FR","kind":"onsite","cost_per_hour":"NaN"}`), "", 400, CodeBadJSON, "cost_per_hour"},
		{"password on user update", http.MethodPut, fmt.Sprintf("/api/v1/tenants/%d/users/%d", f.tenant.ID, f.admin.ID),
			map[string]any{"login": "x", "display_name": "x", "role": "admin", "password": "longenough1"}, "", 400, CodeUnknownField, "password"},
		{"oversize body", http.MethodPost, sites, big, "", 413, CodeBodyTooLarge, ""},
		{"wrong content type", http.MethodPost, sites, rawBody(`name=Lyon`), "application/x-www-form-urlencoded", 415, CodeUnsupportedMedia, ""},
		{"text/plain json", http.MethodPost, sites, rawBody(`{}`), "text/plain", 415, CodeUnsupportedMedia, ""},
		{"conflict", http.MethodPost, sites, map[string]any{"name": "Rabat", "country": "MA", "kind": "onsite"}, "", 409, CodeConflict, ""},
		{"still referenced", http.MethodDelete, site, nil, "", 409, CodeConflict, ""},
		{"not found", http.MethodGet, sites + "/99999", nil, "", 404, CodeNotFound, ""},
		{"bad path id", http.MethodGet, sites + "/abc", nil, "", 404, CodeNotFound, ""},
		{"negative path id", http.MethodGet, sites + "/-1", nil, "", 404, CodeNotFound, ""},
		{"unknown path", http.MethodGet, "/api/v1/nothing", nil, "", 404, CodeNotFound, ""},
		{"method not allowed", http.MethodPatch, site, rawBody(`{}`), "", 405, CodeMethodNotAllowed, ""},
		{"bad query", http.MethodGet, "/api/v1/tokens?tenant_id=x", nil, "", 400, CodeBadRequest, ""},
		{"bad after_seq", http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d/messages?after_seq=-2", f.tenant.ID, f.interaction), nil, "", 400, CodeBadRequest, ""},
		{"short password", http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/users/%d/password", f.tenant.ID, f.admin.ID),
			PasswordRequest{Password: "short"}, "", 422, CodeValidationFailed, "password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := e.doWith(f.adminToken, tc.method, tc.path, tc.body, tc.contentType)
			wantError(t, w, tc.status, tc.code, tc.field)
			if tc.code == CodeMethodNotAllowed && w.Header().Get("Allow") != "GET, PUT, DELETE" {
				t.Errorf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

// doWith is do with another Content-Type.
func (e *env) doWith(c cred, method, path string, body any, contentType string) *httptest.ResponseRecorder {
	e.t.Helper()
	if contentType == "" {
		return e.do(c, method, path, body)
	}
	r := httptest.NewRequestWithContext(testCtx(e.t), method, path, strings.NewReader(string(body.(rawBody))))
	r.Header.Set("Content-Type", contentType)
	c.apply(r)
	w := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(w, r)
	return w
}

func TestPanicIsInternalError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	h := e.api.withRequestID(e.api.withRecover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil))
	wantError(t, w, http.StatusInternalServerError, CodeInternal, "")
	if strings.Contains(w.Body.String(), "boom") {
		t.Errorf("the panic leaked to the client: %s", w.Body)
	}
}
