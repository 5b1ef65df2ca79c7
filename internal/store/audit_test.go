package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestAuditLog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		ten, err := s.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateTenant(ctx, model.Tenant{Slug: "globex", Name: "Globex"})
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		id := int64(42)
		for i, e := range []model.AuditEntry{
			{TenantID: &ten.ID, At: at, Actor: "user 3 (Ada@acme.test)", Address: "192.0.2.1", Action: "read", Target: "interaction", TargetID: &id, RequestID: "r1"},
			{TenantID: &ten.ID, At: at.Add(time.Hour), Actor: "token 5 (ci)", Address: "192.0.2.2", Action: "delete", Target: "user", RequestID: "r2"},
			{TenantID: &other.ID, At: at, Actor: "user 9 (x)", Address: "192.0.2.3", Action: "read", Target: "interaction", RequestID: "r3"},
			{At: at, Actor: "token 1 (platform)", Address: "192.0.2.4", Action: "create", Target: "tenant", RequestID: "r4"},
		} {
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		all, err := s.ListAudit(ctx, &ten.ID, AuditFilter{})
		if err != nil || len(all) != 2 || all[0].RequestID != "r1" || *all[0].TargetID != 42 || !all[0].At.Equal(at) || all[1].TargetID != nil {
			t.Fatalf("tenant's log: %v %+v", err, all)
		}
		for name, tc := range map[string]struct {
			f    AuditFilter
			want int
		}{
			"actor":    {AuditFilter{Actor: "ada@"}, 1},
			"action":   {AuditFilter{Action: "delete"}, 1},
			"target":   {AuditFilter{Target: "interaction", TargetID: 42}, 1},
			"from":     {AuditFilter{From: at.Add(time.Minute)}, 1},
			"to":       {AuditFilter{To: at.Add(time.Minute)}, 1},
			"after id": {AuditFilter{AfterID: all[0].ID}, 1},
			"limit":    {AuditFilter{Limit: 1}, 1},
			"wildcard": {AuditFilter{Actor: "%"}, 2},
		} {
			got, err := s.ListAudit(ctx, &ten.ID, tc.f)
			if err != nil || len(got) != tc.want {
				t.Errorf("%s: %v %+v", name, err, got)
			}
		}
		platform, err := s.ListAudit(ctx, nil, AuditFilter{})
		if err != nil || len(platform) != 1 || platform[0].RequestID != "r4" {
			t.Errorf("platform's log: %v %+v", err, platform)
		}
		// Append-only: the database refuses to change or remove a line.
		if _, err := s.db.ExecContext(ctx, "UPDATE audit_log SET actor = 'nobody'"); err == nil {
			t.Error("an audit line was updated")
		}
		if _, err := s.db.ExecContext(ctx, "DELETE FROM audit_log"); err == nil {
			t.Error("audit lines were deleted")
		}
		if got, _ := s.ListAudit(ctx, &ten.ID, AuditFilter{}); len(got) != 2 || got[0].Actor != all[0].Actor {
			t.Errorf("after the refused changes: %+v", got)
		}
	})
}
