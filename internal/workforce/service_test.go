package workforce

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

type fakeCommitments struct{ met, measured int }

func (f fakeCommitments) CommitmentsMet(context.Context, int64, string, string) (int, int, error) {
	return f.met, f.measured, nil
}

// TestServiceFromTheStore: the paid hours come from the stored agent
// state history, the planned share from the recorded plans.
func TestServiceFromTheStore(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
		must(t, err)
		paris, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Paris", Country: "FR", Kind: model.SiteOnsite})
		must(t, err)
		rabat, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Rabat", Country: "MA", Kind: model.SiteNearshore})
		must(t, err)
		skill, err := st.CreateSkill(ctx, ten.ID, model.Skill{Name: "all"})
		must(t, err)
		var agents []model.Agent
		for _, s := range []model.Site{paris, rabat} {
			a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: s.ID, Name: "agent " + s.Name, VoiceCapacity: 1,
				Skills: []model.AgentSkill{{SkillID: skill.ID, Level: 5}}})
			must(t, err)
			agents = append(agents, a)
		}
		day := time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)
		ch := func(a model.Agent, state string, h float64) store.AgentStateChange {
			return store.AgentStateChange{TenantID: ten.ID, AgentID: a.ID, State: state, At: day.Add(time.Duration(h * float64(time.Hour)))}
		}
		// Paris: 2 h signed in (ready, then a break). Rabat: 1.5 h.
		must(t, st.AppendAgentStates(ctx, []store.AgentStateChange{
			ch(agents[0], "ready", 0), ch(agents[1], "ready", 0), ch(agents[1], "busy", 1), ch(agents[0], "not_ready", 1.5),
			ch(agents[1], "logged_out", 1.5), ch(agents[0], "logged_out", 2)}))
		_, err = st.CreateEmployee(ctx, ten.ID, model.Employee{Ref: "E1", SiteID: paris.ID, AgentID: &agents[0].ID, Contract: model.ContractPermanent, FTE: 1000, HireDate: "2026-01-02"})
		must(t, err)
		_, err = st.CreateEmployee(ctx, ten.ID, model.Employee{Ref: "E2", SiteID: rabat.ID, AgentID: &agents[1].ID, Contract: model.ContractFixedTerm, FTE: 500, HireDate: "2025-01-02"})
		must(t, err)
		_, err = st.RecordPlannedShare(ctx, ten.ID, model.PlannedShare{Period: "2026-01", TotalHours: 300_000, FranceHours: 200_000, PublishedAt: day})
		must(t, err)
		svc := &Service{St: st, Now: func() time.Time { return day.Add(24 * time.Hour) }}
		p, _ := ParsePeriod("2026-01-01", "2026-01-31")
		for _, tid := range []int64{ten.ID, 0} {
			got, err := svc.Indicators(ctx, tid, p)
			must(t, err)
			if got.PaidHours.TotalHours != 3.5 || got.PaidHours.FranceHours != 2 {
				t.Errorf("tenant %d: paid hours %+v, want 3.5 h, 2 in France", tid, got.PaidHours)
			}
			near(t, "actual France share", got.PaidHours.FranceShare, 2/3.5)
			near(t, "planned France share", got.PlannedHours.FranceShare, 2.0/3)
			if got.Hires != 1 || got.HiresFrance != 1 || got.Jobs.Headcount != 2 {
				t.Errorf("indicators %+v", got)
			}
		}
		pal, err := svc.Palmares(ctx, p)
		must(t, err)
		if len(pal.Sites) != 2 || pal.NotAvailable[CritCommitments] == "" || pal.Sites[0].Site != "Paris" {
			t.Errorf("palmares %+v", pal)
		}
		svc.Commitments = fakeCommitments{3, 4}
		pal, err = svc.Palmares(ctx, p)
		must(t, err)
		if c := pal.Programmes[0].Criteria[4]; !c.Available || math.Abs(*c.Score-0.75) > 1e-12 || pal.NotAvailable[CritCommitments] != "" {
			t.Errorf("commitments criterion %+v", c)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
