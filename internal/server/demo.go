package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// DemoUser is a login created by SeedDemo.
type DemoUser struct {
	Login, Password, Name string
	Role                  model.Role
}

// Demo is what SeedDemo created: the tenant, its users with their passwords,
// the chat entry points and a platform admin API token.
type Demo struct {
	Tenant     model.Tenant
	Users      []DemoUser
	EntryPoint string // chat entry point address of the support queue
	AdminToken string
}

// SeedDemo creates the demo tenant (once) and gives every demo user a new
// random password and the platform admin a new token, so that a restart on
// the same data prints working credentials again.
func SeedDemo(ctx context.Context, st *store.Store) (Demo, error) {
	var d Demo
	t, err := st.GetTenantBySlug(ctx, "demo")
	switch {
	case errors.Is(err, store.ErrNotFound):
		if t, err = createDemo(ctx, st); err != nil {
			return d, fmt.Errorf("seed demo tenant: %w", err)
		}
	case err != nil:
		return d, fmt.Errorf("seed demo: %w", err)
	}
	d.Tenant = t
	d.EntryPoint = "demo"
	if err := SeedDemoWorkforce(ctx, st, t, time.Now()); err != nil {
		return d, fmt.Errorf("seed demo: %w", err)
	}
	users, err := st.ListUsers(ctx, &t.ID)
	if err != nil {
		return d, fmt.Errorf("seed demo: %w", err)
	}
	for _, u := range users {
		if strings.HasPrefix(u.Login, "bot") {
			continue // EnsureBots gives them their passwords
		}
		pw, err := password()
		if err != nil {
			return d, err
		}
		if err := st.SetPassword(ctx, &t.ID, u.ID, pw); err != nil {
			return d, fmt.Errorf("seed demo: password of %s: %w", u.Login, err)
		}
		d.Users = append(d.Users, DemoUser{Login: u.Login, Password: pw, Name: u.DisplayName, Role: u.Role})
	}
	_, tok, err := st.CreateToken(ctx, nil, "demo admin")
	if err != nil {
		return d, fmt.Errorf("seed demo: admin token: %w", err)
	}
	d.AdminToken = tok
	return d, nil
}

func createDemo(ctx context.Context, st *store.Store) (model.Tenant, error) {
	t, err := st.CreateTenant(ctx, model.Tenant{Slug: "demo", Name: "Démo Relation Client"})
	if err != nil {
		return t, err
	}
	// Open every day and hour, in Paris time: the figures are Paris days.
	always, err := st.CreateSchedule(ctx, t.ID, model.Schedule{Name: "Paris, 7/7", TimeZone: demoZone, AlwaysOpen: true})
	if err != nil {
		return t, err
	}
	paris, err := st.CreateSite(ctx, t.ID, model.Site{Name: "Paris", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 32_00})
	if err != nil {
		return t, err
	}
	rabat, err := st.CreateSite(ctx, t.ID, model.Site{Name: "Rabat", Country: "MA", Kind: model.SiteNearshore, CostPerHour: 17_00})
	if err != nil {
		return t, err
	}
	home, err := st.CreateSite(ctx, t.ID, model.Site{Name: "Télétravail", Country: "FR", Kind: model.SiteHomeshoring, CostPerHour: 30_00})
	if err != nil {
		return t, err
	}
	support, err := st.CreateSkill(ctx, t.ID, model.Skill{Name: "support"})
	if err != nil {
		return t, err
	}
	sales, err := st.CreateSkill(ctx, t.ID, model.Skill{Name: "sales"})
	if err != nil {
		return t, err
	}
	qSupport, err := st.CreateQueue(ctx, t.ID, model.Queue{Name: "Support", Channel: model.ChannelChat, Priority: 1, ScheduleID: &always.ID,
		SLTargetPct: 80, SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, WrapUpSeconds: 30,
		Skills: []model.SkillRequirement{{SkillID: support.ID, MinLevel: 5}},
		Relax:  []model.RelaxStep{{AfterSeconds: 60, Skills: []model.SkillRequirement{{SkillID: support.ID, MinLevel: 1}}}}})
	if err != nil {
		return t, err
	}
	qSales, err := st.CreateQueue(ctx, t.ID, model.Queue{Name: "Sales", Channel: model.ChannelChat, ScheduleID: &always.ID,
		SLTargetPct: 80, SLThresholdSeconds: 30, Strategy: model.StrategyMostSkilled, OfferTimeoutSeconds: 20, WrapUpSeconds: 20,
		Skills: []model.SkillRequirement{{SkillID: sales.ID, MinLevel: 3}}})
	if err != nil {
		return t, err
	}
	for _, ep := range []model.EntryPoint{
		{Kind: model.EntryChat, Address: "demo", QueueID: qSupport.ID, Welcome: "Bonjour ! Un conseiller vous répond."},
		{Kind: model.EntryChat, Address: "demo-sales", QueueID: qSales.ID, Welcome: "Bonjour ! Notre équipe commerciale arrive."},
	} {
		if _, err := st.CreateEntryPoint(ctx, t.ID, ep); err != nil {
			return t, err
		}
	}
	agents := []struct {
		name          string
		site          int64
		support, sale int
	}{
		{"Camille Martin", paris.ID, 9, 3}, {"Yanis Benali", rabat.ID, 7, 0}, {"Léa Dubois", home.ID, 5, 6},
		{"Hugo Petit", home.ID, 3, 8}, {"Inès Moreau", paris.ID, 8, 5}, {"Nathan Roux", home.ID, 2, 9},
	}
	for i, a := range agents {
		skills := []model.AgentSkill{{SkillID: support.ID, Level: a.support}}
		if a.sale > 0 {
			skills = append(skills, model.AgentSkill{SkillID: sales.ID, Level: a.sale})
		}
		ag, err := st.CreateAgent(ctx, t.ID, model.Agent{Name: a.name, SiteID: a.site, Skills: skills, ChatCapacity: 3})
		if err != nil {
			return t, err
		}
		id := ag.ID
		if _, err := st.CreateUser(ctx, &t.ID, model.User{Login: fmt.Sprintf("agent%d", i+1), DisplayName: a.name,
			Role: model.RoleAgent, AgentID: &id}); err != nil {
			return t, err
		}
	}
	for _, u := range []model.User{
		{Login: "supervisor", DisplayName: "Sophie Laurent", Role: model.RoleSupervisor},
		{Login: "admin", DisplayName: "Administrateur démo", Role: model.RoleAdmin},
	} {
		if _, err := st.CreateUser(ctx, &t.ID, u); err != nil {
			return t, err
		}
	}
	if err := seedDemoCommitments(ctx, st, t.ID); err != nil {
		return t, err
	}
	return t, nil
}

func password() (string, error) {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// EnsureBots makes sure the demo tenant has n bot agents (bot1..botN, chat
// capacity 3, on both demo queues' skills) and returns their logins with
// fresh passwords.
func EnsureBots(ctx context.Context, st *store.Store, tenant model.Tenant, n int) ([]DemoUser, error) {
	skills, err := st.ListSkills(ctx, tenant.ID)
	if err != nil {
		return nil, fmt.Errorf("bots: %w", err)
	}
	sites, err := st.ListSites(ctx, tenant.ID)
	if err != nil || len(sites) == 0 {
		return nil, fmt.Errorf("bots: no site in the demo tenant: %v", err)
	}
	users, err := st.ListUsers(ctx, &tenant.ID)
	if err != nil {
		return nil, fmt.Errorf("bots: %w", err)
	}
	existing := map[string]model.User{}
	for _, u := range users {
		existing[u.Login] = u
	}
	var out []DemoUser
	for i := 1; i <= n; i++ {
		login := fmt.Sprintf("bot%d", i)
		u, ok := existing[login]
		if !ok {
			var ks []model.AgentSkill
			for _, s := range skills {
				ks = append(ks, model.AgentSkill{SkillID: s.ID, Level: 6})
			}
			ag, err := st.CreateAgent(ctx, tenant.ID, model.Agent{Name: fmt.Sprintf("Bot %d", i), SiteID: sites[len(sites)-1].ID, Skills: ks, ChatCapacity: 3})
			if err != nil {
				return nil, fmt.Errorf("bots: agent %d: %w", i, err)
			}
			id := ag.ID
			if u, err = st.CreateUser(ctx, &tenant.ID, model.User{Login: login, DisplayName: ag.Name, Role: model.RoleAgent, AgentID: &id}); err != nil {
				return nil, fmt.Errorf("bots: user %d: %w", i, err)
			}
		}
		pw, err := password()
		if err != nil {
			return nil, err
		}
		if err := st.SetPassword(ctx, &tenant.ID, u.ID, pw); err != nil {
			return nil, fmt.Errorf("bots: password %d: %w", i, err)
		}
		out = append(out, DemoUser{Login: login, Password: pw, Name: u.DisplayName, Role: model.RoleAgent})
	}
	return out, nil
}

// BotHandleTimes returns the handle times of the demo's agent bots: drawn
// evenly between half and one and a half times mean, so that a bot set to
// 10 minutes never hangs up a call after a few seconds (an exponential
// draw of mean 10 minutes is under 19 s one time in 32: the stray BYEs
// from the agent side seen seconds after bridging). Safe for concurrent
// use by many bots.
func BotHandleTimes(mean time.Duration) func() time.Duration {
	r := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 11))
	var mu sync.Mutex
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return mean/2 + time.Duration(r.Int64N(int64(mean)+1))
	}
}
