package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestCRUDRoundTrips creates, reads, lists, updates and deletes one row of
// every resource through the API, checking the OnChange events.
func TestCRUDRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	platform := e.platformToken()
	tid := f.tenant.ID
	base := fmt.Sprintf("/api/v1/tenants/%d/", tid)

	tests := []struct {
		name   string
		who    cred
		path   string // collection
		kind   string // Change.Kind; "" when no change is reported
		create map[string]any
		update map[string]any
		check  string // a field whose updated value is checked
	}{
		{"sites", f.adminToken, base + "sites", KindSite,
			map[string]any{"name": "Lyon", "country": "FR", "kind": "onsite", "cost_per_hour": 31.5},
			map[string]any{"name": "Lyon 2", "country": "FR", "kind": "homeshoring", "cost_per_hour": 30},
			"name"},
		{"skills", f.adminToken, base + "skills", KindSkill,
			map[string]any{"name": "english"}, map[string]any{"name": "english C1"}, "name"},
		{"schedules", f.adminToken, base + "schedules", KindSchedule,
			map[string]any{"name": "24/7", "time_zone": "Africa/Casablanca", "always_open": true},
			map[string]any{"name": "weekdays", "time_zone": "Europe/Paris", "weekly": []map[string]any{{"day": 2, "from": "08:00", "to": "20:00"}}},
			"name"},
		{"queues", f.adminToken, base + "queues", KindQueue,
			toMap(t, validQueueNamed(f.skill.ID, "sales")), toMap(t, validQueueNamed(f.skill.ID, "sales 2")), "name"},
		{"agents", f.adminToken, base + "agents", KindAgent,
			toMap(t, validAgent(f.site.ID, f.skill.ID)),
			map[string]any{"site_id": f.site.ID, "name": "Yassine", "voice_capacity": 0, "chat_capacity": 4, "queue_ids": []int64{f.queue.ID}},
			"name"},
		{"entry points", f.adminToken, base + "entry-points", KindEntryPoint,
			map[string]any{"kind": "phone", "address": "+33123456789", "queue_id": f.queue.ID, "schedule_id": f.schedule.ID},
			map[string]any{"kind": "chat", "address": "acme-sales", "queue_id": f.queue.ID, "welcome": "Hello"},
			"address"},
		{"users", f.adminToken, base + "users", KindUser,
			map[string]any{"login": "sup@acme.test", "display_name": "Sup", "role": "supervisor", "password": "longenough1"},
			map[string]any{"login": "sup@acme.test", "display_name": "Supervisor", "role": "admin"},
			"display_name"},
		{"tenants", platform, "/api/v1/tenants", KindTenant,
			map[string]any{"slug": "globex", "name": "Globex"}, map[string]any{"slug": "globex-fr", "name": "Globex France"}, "slug"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.takeChanges()
			var created map[string]any
			e.must(tc.who, http.MethodPost, tc.path, tc.create, http.StatusCreated, &created)
			id := int64(created["id"].(float64))
			if id <= 0 {
				t.Fatalf("created id %v", created["id"])
			}
			for k, v := range tc.create {
				if k == "password" {
					if _, leaked := created["password"]; leaked {
						t.Errorf("created user echoes its password")
					}
					continue
				}
				if !jsonEqual(t, created[k], v) {
					t.Errorf("created %s = %v, want %v", k, created[k], v)
				}
			}
			changeTenant := tid
			if tc.kind == KindTenant {
				changeTenant = id
			}
			wantChanges(t, e, tc.kind, Change{Kind: tc.kind, TenantID: changeTenant, ID: id})

			item := fmt.Sprintf("%s/%d", tc.path, id)
			var got map[string]any
			e.must(tc.who, http.MethodGet, item, nil, http.StatusOK, &got)
			if !reflect.DeepEqual(got, created) {
				t.Errorf("get = %v, want %v", got, created)
			}
			var list []map[string]any
			e.must(tc.who, http.MethodGet, tc.path, nil, http.StatusOK, &list)
			found := false
			for _, row := range list {
				found = found || row["id"] == created["id"]
			}
			if !found {
				t.Errorf("list lacks id %d: %v", id, list)
			}

			var updated map[string]any
			e.must(tc.who, http.MethodPut, item, tc.update, http.StatusOK, &updated)
			if !jsonEqual(t, updated[tc.check], tc.update[tc.check]) || updated["id"] != created["id"] {
				t.Errorf("updated = %v", updated)
			}
			e.must(tc.who, http.MethodGet, item, nil, http.StatusOK, &got)
			if !reflect.DeepEqual(got, updated) {
				t.Errorf("get after update = %v, want %v", got, updated)
			}
			wantChanges(t, e, tc.kind, Change{Kind: tc.kind, TenantID: changeTenant, ID: id})

			w := e.do(tc.who, http.MethodDelete, item, nil)
			if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
				t.Fatalf("delete: %d %s", w.Code, w.Body)
			}
			wantChanges(t, e, tc.kind, Change{Kind: tc.kind, TenantID: changeTenant, ID: id, Deleted: true})
			wantError(t, e.do(tc.who, http.MethodGet, item, nil), http.StatusNotFound, CodeNotFound, "")
			wantError(t, e.do(tc.who, http.MethodDelete, item, nil), http.StatusNotFound, CodeNotFound, "")
			if got := e.takeChanges(); len(got) != 0 {
				t.Errorf("failed delete reported changes %v", got)
			}
		})
	}
}

func wantChanges(t *testing.T, e *env, kind string, want Change) {
	t.Helper()
	got := e.takeChanges()
	if kind == "" {
		if len(got) != 0 {
			t.Errorf("changes %v, want none", got)
		}
		return
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("changes %v, want [%v]", got, want)
	}
}

func validQueueNamed(skillID int64, name string) model.Queue {
	q := validQueue(skillID)
	q.Name = name
	q.Relax, q.Tiers = []model.RelaxStep{}, []model.Tier{{Name: "premium", Priority: 5}}
	return q
}

// toMap turns v into its JSON object.
func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "id")
	delete(m, "tenant_id")
	return m
}

// jsonEqual compares two values as JSON.
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var va, vb any
	if err := json.Unmarshal(ja, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(jb, &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}
