package store

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestOpenReopenKeepsDataAndMigrations(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(ctx, "sqlite:"+path)
	noErr(t, err, "open")
	if s.Dialect() != SQLite {
		t.Fatalf("dialect %q", s.Dialect())
	}
	_, err = s.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	noErr(t, err, "create tenant")
	noErr(t, s.Close(), "close")

	s, err = Open(ctx, path) // migrations already applied: no-op
	noErr(t, err, "reopen")
	defer s.Close()
	got, err := s.GetTenantBySlug(ctx, "acme")
	noErr(t, err, "get after reopen")
	if got.Name != "Acme" {
		t.Fatalf("got %+v", got)
	}
	var mode string
	noErr(t, s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode), "journal_mode")
	var sync, fk int
	noErr(t, s.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync), "synchronous")
	noErr(t, s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk), "foreign_keys")
	if mode != "wal" || sync != 2 || fk != 1 {
		t.Fatalf("journal_mode=%s synchronous=%d foreign_keys=%d, want wal 2 (FULL) 1", mode, sync, fk)
	}
}

func TestTenantsCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a, err := s.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
		noErr(t, err, "create")
		if a.ID == 0 || a.CreatedAt.IsZero() {
			t.Fatalf("created %+v", a)
		}
		got, err := s.GetTenant(ctx, a.ID)
		noErr(t, err, "get")
		if !reflect.DeepEqual(got, a) {
			t.Fatalf("get: %+v, want %+v", got, a)
		}
		_, err = s.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Other"})
		wantErr(t, err, ErrConflict, "duplicate slug")
		_, err = s.CreateTenant(ctx, model.Tenant{Slug: "Bad Slug", Name: "x"})
		wantErr(t, err, ErrInvalid, "bad slug")

		a.Name = "Acme SA"
		noErr(t, s.UpdateTenant(ctx, a), "update")
		got, err = s.GetTenantBySlug(ctx, "acme")
		noErr(t, err, "get by slug")
		if got.Name != "Acme SA" {
			t.Fatalf("after update: %+v", got)
		}
		b, err := s.CreateTenant(ctx, model.Tenant{Slug: "beta", Name: "Beta"})
		noErr(t, err, "create b")
		list, err := s.ListTenants(ctx)
		noErr(t, err, "list")
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Fatalf("list: %+v", list)
		}
		noErr(t, s.DeleteTenant(ctx, b.ID), "delete")
		_, err = s.GetTenant(ctx, b.ID)
		wantErr(t, err, ErrNotFound, "get deleted")
		wantErr(t, s.DeleteTenant(ctx, b.ID), ErrNotFound, "delete twice")
		wantErr(t, s.UpdateTenant(ctx, model.Tenant{ID: 999, Slug: "x", Name: "x"}), ErrNotFound, "update missing")

		_, err = s.CreateSkill(ctx, a.ID, model.Skill{Name: "x"})
		noErr(t, err, "skill")
		wantErr(t, s.DeleteTenant(ctx, a.ID), ErrConflict, "delete tenant with data")
	})
}

func TestConfigurationCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID

		// Read back equals what was written, nested lists included.
		site, err := s.GetSite(ctx, tid, f.site.ID)
		noErr(t, err, "get site")
		if !reflect.DeepEqual(site, f.site) {
			t.Errorf("site: %+v, want %+v", site, f.site)
		}
		sched, err := s.GetSchedule(ctx, tid, f.schedule.ID)
		noErr(t, err, "get schedule")
		if sched.TimeZone != "Europe/Paris" || len(sched.Weekly) != 1 || sched.Weekly[0].From != "09:00" || !reflect.DeepEqual(sched.Holidays, []string{"2026-12-25"}) {
			t.Errorf("schedule: %+v", sched)
		}
		q, err := s.GetQueue(ctx, tid, f.queue.ID)
		noErr(t, err, "get queue")
		want := validQueue(f.skill.ID, &f.schedule.ID)
		want.ID, want.TenantID = f.queue.ID, tid
		want.Relax[1].Skills = []model.SkillRequirement{}
		short := model.DefaultShortAbandonSeconds // absent: the default, stored
		want.ShortAbandonSeconds = &short
		if !reflect.DeepEqual(q, want) {
			t.Errorf("queue:\n got %+v\nwant %+v", q, want)
		}
		ag, err := s.GetAgent(ctx, tid, f.agent.ID)
		noErr(t, err, "get agent")
		if !reflect.DeepEqual(ag, f.agent) || ag.Skills[0].Level != 7 || ag.QueueIDs[0] != f.queue.ID {
			t.Errorf("agent: %+v, want %+v", ag, f.agent)
		}
		ep, err := s.ResolveEntryPoint(ctx, model.EntryChat, "acme-chat")
		noErr(t, err, "resolve entry point")
		if ep.ID != f.entry.ID || ep.TenantID != tid || ep.QueueID != f.chat.ID {
			t.Errorf("entry point: %+v", ep)
		}

		// Updates.
		site.CostPerHour = 21_05
		noErr(t, s.UpdateSite(ctx, tid, site), "update site")
		skill := f.skill
		skill.Name = "invoices"
		noErr(t, s.UpdateSkill(ctx, tid, skill), "update skill")
		sched.AlwaysOpen = true
		sched.Weekly = nil
		noErr(t, s.UpdateSchedule(ctx, tid, sched), "update schedule")
		q.Overflow = model.Overflow{Action: model.OverflowQueue, QueueID: &f.chat.ID}
		q.Channel = model.ChannelVoice
		noErr(t, s.UpdateQueue(ctx, tid, q), "update queue")
		ag.Skills = nil
		ag.QueueIDs = nil
		noErr(t, s.UpdateAgent(ctx, tid, ag), "update agent")
		ep.Welcome = "Hello"
		ep.ScheduleID = &f.schedule.ID
		noErr(t, s.UpdateEntryPoint(ctx, tid, ep), "update entry point")

		gotSite, _ := s.GetSite(ctx, tid, site.ID)
		gotSkill, _ := s.GetSkill(ctx, tid, skill.ID)
		gotSched, _ := s.GetSchedule(ctx, tid, sched.ID)
		gotQ, _ := s.GetQueue(ctx, tid, q.ID)
		gotAg, _ := s.GetAgent(ctx, tid, ag.ID)
		gotEP, _ := s.GetEntryPoint(ctx, tid, ep.ID)
		if gotSite.CostPerHour != 21_05 || gotSkill.Name != "invoices" || !gotSched.AlwaysOpen || len(gotSched.Weekly) != 0 ||
			gotQ.Overflow.QueueID == nil || *gotQ.Overflow.QueueID != f.chat.ID || len(gotAg.Skills) != 0 || gotAg.QueueIDs != nil ||
			gotEP.Welcome != "Hello" || gotEP.ScheduleID == nil {
			t.Errorf("after updates: %+v %+v %+v %+v %+v %+v", gotSite, gotSkill, gotSched, gotQ, gotAg, gotEP)
		}

		// Lists.
		sites, err := s.ListSites(ctx, tid)
		noErr(t, err, "list sites")
		skills, err := s.ListSkills(ctx, tid)
		noErr(t, err, "list skills")
		scheds, err := s.ListSchedules(ctx, tid)
		noErr(t, err, "list schedules")
		queues, err := s.ListQueues(ctx, tid)
		noErr(t, err, "list queues")
		agents, err := s.ListAgents(ctx, tid)
		noErr(t, err, "list agents")
		eps, err := s.ListEntryPoints(ctx, tid)
		noErr(t, err, "list entry points")
		if len(sites) != 1 || len(skills) != 1 || len(scheds) != 1 || len(queues) != 2 || len(agents) != 1 || len(eps) != 1 {
			t.Errorf("list lengths %d %d %d %d %d %d", len(sites), len(skills), len(scheds), len(queues), len(agents), len(eps))
		}

		// Deletes, in dependency order; referenced rows refuse with ErrConflict.
		wantErr(t, s.DeleteSite(ctx, tid, site.ID), ErrConflict, "delete site with agent")
		wantErr(t, s.DeleteSchedule(ctx, tid, sched.ID), ErrConflict, "delete schedule in use")
		wantErr(t, s.DeleteQueue(ctx, tid, f.chat.ID), ErrConflict, "delete overflow target")
		wantErr(t, s.DeleteSkill(ctx, tid, skill.ID), ErrConflict, "delete skill required by queue")
		noErr(t, s.DeleteEntryPoint(ctx, tid, ep.ID), "delete entry point")
		noErr(t, s.DeleteQueue(ctx, tid, q.ID), "delete queue")
		noErr(t, s.DeleteQueue(ctx, tid, f.chat.ID), "delete chat queue")
		noErr(t, s.DeleteSkill(ctx, tid, skill.ID), "delete skill")
		noErr(t, s.DeleteSchedule(ctx, tid, sched.ID), "delete schedule")
		noErr(t, s.DeleteAgent(ctx, tid, ag.ID), "delete agent")
		noErr(t, s.DeleteSite(ctx, tid, site.ID), "delete site")
		_, err = s.GetQueue(ctx, tid, q.ID)
		wantErr(t, err, ErrNotFound, "get deleted queue")
		noErr(t, s.DeleteTenant(ctx, tid), "delete emptied tenant")
	})
}

func TestDeleteSkillHeldByAgent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		extra, err := s.CreateSkill(ctx, f.tenant.ID, model.Skill{Name: "german"})
		noErr(t, err, "skill")
		f.agent.Skills = append(f.agent.Skills, model.AgentSkill{SkillID: extra.ID, Level: 3})
		noErr(t, s.UpdateAgent(ctx, f.tenant.ID, f.agent), "update agent")
		wantErr(t, s.DeleteSkill(ctx, f.tenant.ID, extra.ID), ErrConflict, "delete held skill")
		wantErr(t, s.DeleteQueue(ctx, f.tenant.ID, f.queue.ID), ErrConflict, "delete queue in agent's list")
	})
}

func TestUniqueConflicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "beta") // same names in another tenant are fine
		tid := a.tenant.ID
		_, err := s.CreateSite(ctx, tid, model.Site{Name: "Rabat", Country: "MA", Kind: model.SiteOnsite})
		wantErr(t, err, ErrConflict, "duplicate site")
		_, err = s.CreateSkill(ctx, tid, model.Skill{Name: "billing"})
		wantErr(t, err, ErrConflict, "duplicate skill")
		_, err = s.CreateSchedule(ctx, tid, model.Schedule{Name: "office", TimeZone: "UTC"})
		wantErr(t, err, ErrConflict, "duplicate schedule")
		_, err = s.CreateQueue(ctx, tid, validQueue(a.skill.ID, nil))
		wantErr(t, err, ErrConflict, "duplicate queue")
		// Entry-point addresses are unique across tenants.
		_, err = s.CreateEntryPoint(ctx, b.tenant.ID, model.EntryPoint{Kind: model.EntryChat, Address: "acme-chat", QueueID: b.chat.ID})
		wantErr(t, err, ErrConflict, "duplicate entry point address")
		_, err = s.CreateEntryPoint(ctx, b.tenant.ID, model.EntryPoint{Kind: model.EntryPhone, Address: "+33100000000", QueueID: b.queue.ID})
		noErr(t, err, "phone entry point")
		_, err = s.CreateEntryPoint(ctx, tid, model.EntryPoint{Kind: model.EntryPhone, Address: "+33100000000", QueueID: a.queue.ID})
		wantErr(t, err, ErrConflict, "duplicate phone number")
		// Renaming onto an existing name conflicts too.
		other, err := s.CreateSkill(ctx, tid, model.Skill{Name: "other"})
		noErr(t, err, "skill")
		other.Name = "billing"
		wantErr(t, s.UpdateSkill(ctx, tid, other), ErrConflict, "rename onto existing")
		// Users: login unique across tenants, case-insensitive.
		_, err = s.CreateUser(ctx, &tid, model.User{Login: "Marie", DisplayName: "Marie", Role: model.RoleSupervisor})
		noErr(t, err, "user")
		_, err = s.CreateUser(ctx, &b.tenant.ID, model.User{Login: "marie", DisplayName: "Marie B", Role: model.RoleSupervisor})
		wantErr(t, err, ErrConflict, "duplicate login")
		// One user per agent.
		_, err = s.CreateUser(ctx, &tid, model.User{Login: "amina", DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.agent.ID})
		noErr(t, err, "agent user")
		_, err = s.CreateUser(ctx, &tid, model.User{Login: "amina2", DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.agent.ID})
		wantErr(t, err, ErrConflict, "second user for agent")
		wantErr(t, s.DeleteAgent(ctx, tid, a.agent.ID), ErrConflict, "delete agent with user")
	})
}

func TestValidationAndReferences(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "beta")
		tid := a.tenant.ID

		check := func(what string, err error, field string) {
			t.Helper()
			wantErr(t, err, ErrInvalid, what)
			ve, ok := model.AsValidationError(err)
			if field != "" && (!ok || ve.Field != field) {
				t.Errorf("%s: validation error %v, want field %q", what, err, field)
			}
		}
		bad := validQueue(a.skill.ID, nil)
		bad.Name = "bad"
		bad.Skills[0].MinLevel = 11
		_, err := s.CreateQueue(ctx, tid, bad)
		check("min level 11", err, "skills[0].min_level")

		// References to another tenant's rows are refused.
		cross := validQueue(b.skill.ID, nil)
		cross.Name = "cross"
		_, err = s.CreateQueue(ctx, tid, cross)
		check("other tenant's skill", err, "skills")
		cross = validQueue(a.skill.ID, &b.schedule.ID)
		cross.Name = "cross"
		_, err = s.CreateQueue(ctx, tid, cross)
		check("other tenant's schedule", err, "")
		cross = validQueue(a.skill.ID, nil)
		cross.Name = "cross"
		cross.Overflow = model.Overflow{Action: model.OverflowQueue, QueueID: &b.queue.ID}
		_, err = s.CreateQueue(ctx, tid, cross)
		check("other tenant's overflow queue", err, "")
		_, err = s.CreateAgent(ctx, tid, model.Agent{SiteID: b.site.ID, Name: "x", ChatCapacity: 1})
		check("other tenant's site", err, "")
		_, err = s.CreateAgent(ctx, tid, model.Agent{SiteID: a.site.ID, Name: "x", ChatCapacity: 1, QueueIDs: []int64{b.queue.ID}})
		check("other tenant's queue", err, "queue_ids")
		_, err = s.CreateEntryPoint(ctx, tid, model.EntryPoint{Kind: model.EntryChat, Address: "x", QueueID: b.queue.ID})
		check("other tenant's queue in entry point", err, "")
		_, err = s.CreateUser(ctx, &tid, model.User{Login: "bob", DisplayName: "Bob", Role: model.RoleAgent, AgentID: &b.agent.ID})
		check("other tenant's agent in user", err, "")
		_, err = s.CreateSchedule(ctx, tid, model.Schedule{Name: "x", TimeZone: "Mars/Olympus"})
		check("bad zone", err, "time_zone")
		_, err = s.CreateSite(ctx, tid, model.Site{Name: "x", Country: "France", Kind: model.SiteOnsite})
		check("bad country", err, "country")
		_, err = s.CreateInteraction(ctx, tid, model.Interaction{QueueID: b.queue.ID, Channel: model.ChannelVoice, ArrivedAt: a.tenant.CreatedAt})
		check("interaction in other tenant's queue", err, "queue_id")
		_, err = s.CreateInteraction(ctx, tid, model.Interaction{QueueID: a.queue.ID, Channel: model.ChannelChat, ArrivedAt: a.tenant.CreatedAt})
		check("channel mismatch", err, "queue_id")
		_, err = s.CreateInteraction(ctx, tid, model.Interaction{QueueID: a.queue.ID, Channel: model.ChannelVoice, Tier: "gold", ArrivedAt: a.tenant.CreatedAt})
		check("unknown tier", err, "tier")
		_, _, err = s.CreateToken(ctx, &tid, "")
		check("empty token name", err, "name")
		check("short password", s.SetPassword(ctx, &tid, 1, "short"), "password")
	})
}

func TestSynchronousOption(t *testing.T) {
	ctx := testCtx(t)
	s, err := OpenWith(ctx, filepath.Join(t.TempDir(), "n.db"), Options{SQLiteSynchronous: "normal"})
	noErr(t, err, "open normal")
	defer s.Close()
	var sync int
	noErr(t, s.db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync), "synchronous")
	if sync != 1 {
		t.Fatalf("synchronous=%d, want 1 (NORMAL)", sync)
	}
	if _, err := OpenWith(ctx, filepath.Join(t.TempDir(), "x.db"), Options{SQLiteSynchronous: "off"}); err == nil {
		t.Fatal("synchronous=off accepted")
	}
}
