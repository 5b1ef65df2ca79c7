package store

import (
	"errors"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestEmployeesCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		tid := a.tenant.ID
		e := model.Employee{Ref: "E001", Name: "Amina B.", Job: "téléconseillère", SiteID: a.site.ID, AgentID: &a.agent.ID,
			Contract: model.ContractPermanent, FTE: 800, HireDate: "2025-03-01", Disability: true,
			Training: []model.Training{{Date: "2025-03-02", Hours: 7000, Subject: "onboarding"}, {Date: "2025-01-01", Hours: 1500}}}
		got, err := s.CreateEmployee(ctx, tid, e)
		noErr(t, err, "create")
		if got.FTE != 800 || got.AgentID == nil || *got.AgentID != a.agent.ID || !got.Disability || len(got.Training) != 2 ||
			got.Training[0].Date != "2025-01-01" || got.Training[1].Hours != 7000 || got.ExitDate != nil {
			t.Fatalf("created %+v", got)
		}
		_, err = s.CreateEmployee(ctx, tid, e)
		wantErr(t, err, ErrConflict, "same ref twice")
		other := e
		other.Ref, other.SiteID, other.AgentID = "E002", b.site.ID, nil
		_, err = s.CreateEmployee(ctx, tid, other)
		wantErr(t, err, ErrInvalid, "another tenant's site")
		if ve, ok := model.AsValidationError(err); !ok || ve.Field != "site_id" {
			t.Fatalf("unknown site: %v, want a site_id field error", err)
		}
		other.SiteID, other.AgentID = a.site.ID, &b.agent.ID
		_, err = s.CreateEmployee(ctx, tid, other)
		wantErr(t, err, ErrInvalid, "another tenant's agent")
		other.AgentID, other.FTE = nil, -5
		_, err = s.CreateEmployee(ctx, tid, other)
		wantErr(t, err, ErrInvalid, "negative FTE")
		exit := "2025-01-01"
		other.FTE, other.ExitDate, other.ExitReason = 1000, &exit, model.ExitResignation
		_, err = s.CreateEmployee(ctx, tid, other)
		wantErr(t, err, ErrInvalid, "hire after exit")
		if ve, ok := model.AsValidationError(err); !ok || ve.Field != "hire_date" {
			t.Fatalf("hire after exit: %v", err)
		}

		exit = "2026-06-30"
		got.ExitDate, got.ExitReason, got.Training = &exit, model.ExitEndOfContract, got.Training[:1]
		noErr(t, s.UpdateEmployee(ctx, tid, got), "update")
		back, err := s.GetEmployee(ctx, tid, got.ID)
		noErr(t, err, "get")
		if back.ExitDate == nil || *back.ExitDate != exit || back.ExitReason != model.ExitEndOfContract || len(back.Training) != 1 {
			t.Fatalf("updated %+v", back)
		}
		_, err = s.GetEmployee(ctx, b.tenant.ID, got.ID)
		wantErr(t, err, ErrNotFound, "another tenant's employee")
		wantErr(t, s.UpdateEmployee(ctx, b.tenant.ID, got), ErrInvalid, "update from another tenant (its site is not theirs)")
		wantErr(t, s.DeleteEmployee(ctx, b.tenant.ID, got.ID), ErrNotFound, "delete another tenant's")
		wantErr(t, s.DeleteSite(ctx, tid, a.site.ID), ErrConflict, "delete a site with employees")

		// Import: all or nothing.
		list := []model.Employee{
			{Ref: "E001", SiteID: a.site.ID, Contract: model.ContractFixedTerm, FTE: 1000, HireDate: "2025-03-01"},
			{Ref: "E003", SiteID: a.site.ID, Contract: model.ContractTemporary, FTE: 500, HireDate: "2026-01-05"},
			{Ref: "E004", SiteID: b.site.ID, Contract: model.ContractTemporary, FTE: 500, HireDate: "2026-01-05"},
		}
		_, _, err = s.ImportEmployees(ctx, tid, list)
		wantErr(t, err, ErrInvalid, "import with another tenant's site")
		var re *ImportRowError
		if !errors.As(err, &re) || re.Index != 2 {
			t.Fatalf("import error %v, want row index 2", err)
		}
		all, err := s.ListEmployees(ctx, tid)
		noErr(t, err, "list")
		if len(all) != 1 || all[0].Contract != model.ContractPermanent {
			t.Fatalf("a refused import changed the register: %+v", all)
		}
		created, updated, err := s.ImportEmployees(ctx, tid, list[:2])
		noErr(t, err, "import")
		if created != 1 || updated != 1 {
			t.Fatalf("created %d updated %d", created, updated)
		}
		all, err = s.ListEmployees(ctx, tid)
		noErr(t, err, "list")
		if len(all) != 2 || all[0].Ref != "E001" || all[0].Contract != model.ContractFixedTerm || len(all[0].Training) != 0 || all[1].Ref != "E003" {
			t.Fatalf("after import %+v", all)
		}
		noErr(t, s.DeleteEmployee(ctx, tid, got.ID), "delete")
		wantErr(t, s.DeleteEmployee(ctx, tid, got.ID), ErrNotFound, "delete twice")
	})
}

func TestPlannedShares(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		for _, p := range []model.PlannedShare{
			{Period: "2026-01", TotalHours: 1000_000, FranceHours: 500_000, PublishedAt: at},
			{Period: "2026-01", TotalHours: 1000_000, FranceHours: 650_000, PublishedAt: at.Add(time.Hour)},
			{Period: "2026-02", TotalHours: 800_000, FranceHours: 600_000, PublishedAt: at},
			{Period: "2026-04", TotalHours: 1, FranceHours: 1, PublishedAt: at},
		} {
			_, err := s.RecordPlannedShare(ctx, a.tenant.ID, p)
			noErr(t, err, "record "+p.Period)
		}
		_, err := s.RecordPlannedShare(ctx, a.tenant.ID, model.PlannedShare{Period: "2026-13", PublishedAt: at})
		wantErr(t, err, ErrInvalid, "bad month")
		_, err = s.RecordPlannedShare(ctx, a.tenant.ID, model.PlannedShare{Period: "2026-03", TotalHours: 1, FranceHours: 2, PublishedAt: at})
		wantErr(t, err, ErrInvalid, "France above total")
		got, err := s.PlannedShares(ctx, a.tenant.ID, "2026-01", "2026-03")
		noErr(t, err, "list")
		if len(got) != 2 || got[0].FranceHours != 650_000 || got[1].Period != "2026-02" {
			t.Fatalf("planned %+v", got)
		}
		got, err = s.PlannedShares(ctx, b.tenant.ID, "2026-01", "2026-12")
		noErr(t, err, "other tenant")
		if len(got) != 0 {
			t.Fatalf("other tenant sees %+v", got)
		}
	})
}
