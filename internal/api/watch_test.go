package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
)

func TestSupervisorWatchesAndNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginRate: 1000})
	a := e.fixture("acme")
	b := e.fixture("globex")
	e.goLive(a)
	sup := e.userCred(&a.tenant.ID, "a-sup", model.RoleSupervisor, nil)
	viewer := e.userCred(&a.tenant.ID, "a-viewer", model.RoleClientViewer, nil)
	id := e.startChat(a)
	base := fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", a.tenant.ID, id)

	var w live.LiveChat
	e.must(sup, http.MethodGet, base+"/live", nil, http.StatusOK, &w)
	if w.ContactID != id || w.State != string(model.StateQueued) || w.Customer.Name != "Ada" || w.Messages == nil || w.Notes == nil {
		t.Fatalf("watched %+v", w)
	}
	wantError(t, e.do(sup, http.MethodGet, base+"/live?after_seq=-1", nil), http.StatusBadRequest, CodeBadRequest, "")
	wantError(t, e.do(viewer, http.MethodGet, base+"/live", nil), http.StatusForbidden, CodeForbidden, "")
	// Nobody holds it yet: no agent to write to.
	wantError(t, e.do(sup, http.MethodPost, base+"/notes", NoteRequest{Body: "Offer the voucher"}), http.StatusConflict, CodeConflict, "")
	wantError(t, e.do(sup, http.MethodPost, base+"/notes", NoteRequest{Body: " "}), http.StatusUnprocessableEntity, CodeValidationFailed, "body")
	wantError(t, e.do(viewer, http.MethodPost, base+"/notes", NoteRequest{Body: "x"}), http.StatusForbidden, CodeForbidden, "")
	other := fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", a.tenant.ID, b.interaction)
	wantError(t, e.do(sup, http.MethodGet, other+"/live", nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(sup, http.MethodPost, other+"/notes", NoteRequest{Body: "x"}), http.StatusNotFound, CodeNotFound, "")
}
