package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// An agent sets its own pseudonym (markup refused, naming the field), an
// admin sets anyone's in the user form, a token has none; the user object
// and the OpenAPI document have it.
func TestPseudonymAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	agent := e.userCred(&f.tenant.ID, "amina", model.RoleAgent, &f.agent.ID)
	e.takeChanges()
	var u model.User
	e.must(agent, http.MethodPut, "/api/v1/me/pseudonym", PseudonymRequest{Pseudonym: "Nour"}, http.StatusOK, &u)
	if u.Pseudonym != "Nour" || u.Login != "amina" {
		t.Errorf("after setting: %+v", u)
	}
	if ch := e.takeChanges(); len(ch) != 1 || ch[0].Kind != KindUser || ch[0].ID != u.ID {
		t.Errorf("changes %+v, want the user's", ch)
	}
	w := e.do(agent, http.MethodPut, "/api/v1/me/pseudonym", PseudonymRequest{Pseudonym: `<img src=x onerror=alert(1)>`})
	wantError(t, w, http.StatusUnprocessableEntity, CodeValidationFailed, "pseudonym")
	if got := apiError(t, w); got.Key != "pseudonym_format" {
		t.Errorf("key %q", got.Key)
	}
	var me Me
	e.must(agent, http.MethodGet, "/api/v1/me", nil, http.StatusOK, &me)
	if me.User == nil || me.User.Pseudonym != "Nour" {
		t.Errorf("me after a refused change: %+v", me.User)
	}
	wantError(t, e.do(f.adminToken, http.MethodPut, "/api/v1/me/pseudonym", PseudonymRequest{Pseudonym: "Zoé"}), http.StatusForbidden, CodeForbidden, "")

	// The admin's user form.
	path := fmt.Sprintf("/api/v1/tenants/%d/users/%d", f.tenant.ID, u.ID)
	u.Pseudonym = "Zoé"
	e.must(f.adminToken, http.MethodPut, path, u, http.StatusOK, &u)
	if u.Pseudonym != "Zoé" {
		t.Errorf("after the admin's update: %+v", u)
	}
	u.Pseudonym = "Zoé <b>"
	wantError(t, e.do(f.adminToken, http.MethodPut, path, u), http.StatusUnprocessableEntity, CodeValidationFailed, "pseudonym")

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	e.must(cred{}, http.MethodGet, "/api/v1/openapi.json", nil, http.StatusOK, &doc)
	found := false
	for name, s := range doc.Components.Schemas {
		if _, ok := s.Properties["pseudonym"]; ok {
			found = true
			if _, ok := s.Properties["display_name"]; !ok && name != "PseudonymRequest" {
				t.Errorf("schema %s has a pseudonym but no display_name", name)
			}
		}
	}
	if !found {
		t.Error("no schema of the OpenAPI document has a pseudonym")
	}
}
