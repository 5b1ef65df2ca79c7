package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// Reads of a customer's data and every change are in the tenant's audit
// log, with who, when and from where; tenant admins search it, nobody
// else's tenant sees it.
func TestAuditLogRecordsReadsAndChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	other := e.fixture("globex")
	sup := e.userCred(&f.tenant.ID, "sup", model.RoleSupervisor, nil)
	base := fmt.Sprintf("/api/v1/tenants/%d", f.tenant.ID)

	e.must(sup, http.MethodGet, fmt.Sprintf("%s/interactions/%d", base, f.interaction), nil, 200, nil)
	e.must(sup, http.MethodGet, fmt.Sprintf("%s/interactions/%d/messages", base, f.interaction), nil, 200, nil)
	var u model.User
	e.must(f.adminToken, http.MethodPost, base+"/users", map[string]any{"login": "temp", "display_name": "Temp", "role": "supervisor"}, 201, &u)
	e.must(f.adminToken, http.MethodDelete, fmt.Sprintf("%s/users/%d", base, u.ID), nil, 204, nil)
	e.must(other.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/interactions/%d", other.tenant.ID, other.interaction), nil, 200, nil)

	var log []model.AuditEntry
	e.must(f.adminToken, http.MethodGet, base+"/audit", nil, 200, &log)
	want := []struct{ action, target string }{
		{"login", "session"}, {"getInteraction", "interactions"}, {"listInteractionMessages", "messages"},
		{"createUser", "users"}, {"deleteUser", "users"},
	}
	if len(log) != len(want) {
		t.Fatalf("audit log %+v, want %d lines", log, len(want))
	}
	for i, w := range want {
		l := log[i]
		if l.Action != w.action || l.Target != w.target || l.Address != "192.0.2.1" || l.RequestID == "" || l.TenantID == nil || *l.TenantID != f.tenant.ID {
			t.Errorf("line %d: %+v, want %s %s", i, l, w.action, w.target)
		}
	}
	if !strings.Contains(log[1].Actor, "(sup)") || log[1].TargetID == nil || *log[1].TargetID != f.interaction {
		t.Errorf("read line %+v, want the supervisor and the interaction", log[1])
	}
	var found []model.AuditEntry
	e.must(f.adminToken, http.MethodGet, base+"/audit?actor=sup&target=interactions", nil, 200, &found)
	if len(found) != 1 || found[0].Action != "getInteraction" {
		t.Errorf("search: %+v", found)
	}
	var page []model.AuditEntry
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("%s/audit?after_id=%d&limit=2", base, log[1].ID), nil, 200, &page)
	if len(page) != 2 || page[0].ID != log[2].ID {
		t.Errorf("page after %d: %+v", log[1].ID, page)
	}
	wantError(t, e.do(sup, http.MethodGet, base+"/audit", nil), http.StatusForbidden, CodeForbidden, "")
	wantError(t, e.do(other.adminToken, http.MethodGet, base+"/audit", nil), http.StatusNotFound, CodeNotFound, "")
	wantError(t, e.do(f.adminToken, http.MethodGet, base+"/audit?from=yesterday", nil), http.StatusBadRequest, CodeBadRequest, "")
}
