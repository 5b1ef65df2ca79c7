package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func p[T any](v T) *T { return &v }

// check runs Validate cases: wantField "" means valid.
func check(t *testing.T, name string, err error, wantField string) {
	t.Helper()
	if wantField == "" {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", name, err)
		}
		return
	}
	ve, ok := AsValidationError(err)
	if !ok {
		t.Fatalf("%s: got %v, want a validation error on %s", name, err, wantField)
	}
	if ve.Field != wantField {
		t.Fatalf("%s: error on %q (%v), want %q", name, ve.Field, err, wantField)
	}
	if !strings.Contains(err.Error(), wantField) {
		t.Fatalf("%s: message %q does not name the field", name, err)
	}
}

func TestTenantSiteSkillValidate(t *testing.T) {
	tests := []struct {
		name  string
		v     interface{ Validate() error }
		field string
	}{
		{"tenant ok", &Tenant{Slug: "acme-fr", Name: "Acme"}, ""},
		{"tenant empty slug", &Tenant{Name: "Acme"}, "slug"},
		{"tenant upper slug", &Tenant{Slug: "Acme", Name: "Acme"}, "slug"},
		{"tenant trailing dash", &Tenant{Slug: "acme-", Name: "Acme"}, "slug"},
		{"tenant blank name", &Tenant{Slug: "acme", Name: "  "}, "name"},
		{"site ok", &Site{Name: "Tunis", Country: "TN", Kind: SiteOffshore, CostPerHour: 12_50}, ""},
		{"site country lower", &Site{Name: "Tunis", Country: "tn", Kind: SiteOffshore}, "country"},
		{"site kind", &Site{Name: "Tunis", Country: "TN", Kind: "remote"}, "kind"},
		{"site negative cost", &Site{Name: "Tunis", Country: "TN", Kind: SiteOnsite, CostPerHour: -1}, "cost_per_hour"},
		{"site cost too large", &Site{Name: "Tunis", Country: "TN", Kind: SiteOnsite, CostPerHour: MaxMoney + 1}, "cost_per_hour"},
		{"skill ok", &Skill{Name: "german"}, ""},
		{"skill empty", &Skill{}, "name"},
		{"skill too long", &Skill{Name: strings.Repeat("x", MaxNameLen+1)}, "name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.name, tc.v.Validate(), tc.field) })
	}
}

func TestScheduleValidate(t *testing.T) {
	base := func() Schedule {
		return Schedule{Name: "office", TimeZone: "Europe/Paris",
			Weekly:   []WeeklyHours{{Day: 1, From: "09:00", To: "12:00"}, {Day: 1, From: "14:00", To: "24:00"}},
			Holidays: []string{"2026-05-01"}}
	}
	tests := []struct {
		name   string
		modify func(*Schedule)
		field  string
	}{
		{"ok", func(*Schedule) {}, ""},
		{"always open no hours", func(s *Schedule) { s.AlwaysOpen, s.Weekly = true, nil }, ""},
		{"empty zone", func(s *Schedule) { s.TimeZone = "" }, "time_zone"},
		{"unknown zone", func(s *Schedule) { s.TimeZone = "Europe/Atlantis" }, "time_zone"},
		{"local zone", func(s *Schedule) { s.TimeZone = "Local" }, "time_zone"},
		{"day 7", func(s *Schedule) { s.Weekly[0].Day = 7 }, "weekly[0].day"},
		{"bad from", func(s *Schedule) { s.Weekly[0].From = "9:00" }, "weekly[0].from"},
		{"minute 60", func(s *Schedule) { s.Weekly[0].To = "10:60" }, "weekly[0].to"},
		{"24:30", func(s *Schedule) { s.Weekly[1].To = "24:30" }, "weekly[1].to"},
		{"to before from", func(s *Schedule) { s.Weekly[0].To = "08:00" }, "weekly[0].to"},
		{"overlap", func(s *Schedule) { s.Weekly[1].From = "11:00" }, "weekly[1]"},
		{"bad holiday", func(s *Schedule) { s.Holidays = []string{"2026-02-30"} }, "holidays[0]"},
		{"short holiday", func(s *Schedule) { s.Holidays = []string{"2026-5-1"} }, "holidays[0]"},
		{"duplicate holiday", func(s *Schedule) { s.Holidays = append(s.Holidays, "2026-05-01") }, "holidays[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.modify(&s)
			check(t, tc.name, s.Validate(), tc.field)
		})
	}
}

func validQueue() Queue {
	return Queue{Name: "support", Channel: ChannelVoice, Priority: 5, SLTargetPct: 80, SLThresholdSeconds: 20,
		Skills:   []SkillRequirement{{SkillID: 1, MinLevel: 5}},
		Relax:    []RelaxStep{{AfterSeconds: 60, Skills: []SkillRequirement{{SkillID: 1, MinLevel: 2}}}, {AfterSeconds: 120}},
		Overflow: Overflow{Action: OverflowQueue, QueueID: p(int64(2))},
		Tiers:    []Tier{{Name: "premium", Priority: 10}, {Name: "free"}},
		Strategy: StrategyMostSkilled, OfferTimeoutSeconds: 15, WrapUpSeconds: 30, Recording: true, RecordingRetentionDays: 90}
}

func TestQueueValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Queue)
		field  string
	}{
		{"ok", func(*Queue) {}, ""},
		{"empty overflow action means none", func(q *Queue) { q.Overflow = Overflow{} }, ""},
		{"channel", func(q *Queue) { q.Channel = "email" }, "channel"},
		{"priority", func(q *Queue) { q.Priority = -1 }, "priority"},
		{"recordings kept over six months", func(q *Queue) { q.RecordingRetentionDays = MaxRecordingDays + 1 }, "recording_retention_days"},
		{"recordings kept six months", func(q *Queue) { q.RecordingRetentionDays = MaxRecordingDays }, ""},
		{"sl pct zero", func(q *Queue) { q.SLTargetPct = 0 }, "sl_target_pct"},
		{"sl pct 101", func(q *Queue) { q.SLTargetPct = 101 }, "sl_target_pct"},
		{"sl threshold", func(q *Queue) { q.SLThresholdSeconds = 0 }, "sl_threshold_seconds"},
		{"min level 0", func(q *Queue) { q.Skills[0].MinLevel = 0 }, "skills[0].min_level"},
		{"min level 11", func(q *Queue) { q.Skills[0].MinLevel = 11 }, "skills[0].min_level"},
		{"skill id", func(q *Queue) { q.Skills[0].SkillID = 0 }, "skills[0].skill_id"},
		{"duplicate skill", func(q *Queue) { q.Skills = append(q.Skills, SkillRequirement{SkillID: 1, MinLevel: 1}) }, "skills[1].skill_id"},
		{"relax not increasing", func(q *Queue) { q.Relax[1].AfterSeconds = 60 }, "relax[1].after_seconds"},
		{"relax level", func(q *Queue) { q.Relax[0].Skills[0].MinLevel = 12 }, "relax[0].skills[0].min_level"},
		{"max wait", func(q *Queue) { q.MaxWaitSeconds = -5 }, "max_wait_seconds"},
		{"overflow unknown", func(q *Queue) { q.Overflow.Action = "voicemail" }, "overflow.action"},
		{"overflow queue missing", func(q *Queue) { q.Overflow.QueueID = nil }, "overflow.queue_id"},
		{"overflow to itself", func(q *Queue) { q.ID = 2 }, "overflow.queue_id"},
		{"overflow queue with close", func(q *Queue) { q.Overflow.Action = OverflowClose }, "overflow.queue_id"},
		{"schedule id", func(q *Queue) { q.ScheduleID = p(int64(0)) }, "schedule_id"},
		{"tier dup", func(q *Queue) { q.Tiers[1].Name = "premium" }, "tiers[1].name"},
		{"tier empty", func(q *Queue) { q.Tiers[0].Name = "" }, "tiers[0].name"},
		{"aging", func(q *Queue) { q.AgingPerMinute = -0.1 }, "aging_per_minute"},
		{"strategy", func(q *Queue) { q.Strategy = "random" }, "strategy"},
		{"offer timeout", func(q *Queue) { q.OfferTimeoutSeconds = 0 }, "offer_timeout_seconds"},
		{"wrap up", func(q *Queue) { q.WrapUpSeconds = MaxWrapUpSeconds + 1 }, "wrap_up_seconds"},
		{"recording without retention", func(q *Queue) { q.RecordingRetentionDays = 0 }, "recording_retention_days"},
		{"no recording no retention", func(q *Queue) { q.Recording, q.RecordingRetentionDays = false, 0 }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := validQueue()
			tc.modify(&q)
			check(t, tc.name, q.Validate(), tc.field)
		})
	}
	q := validQueue()
	q.Relax[1].Skills = []SkillRequirement{{SkillID: 3, MinLevel: 1}}
	if got := q.SkillIDs(); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("SkillIDs = %v", got)
	}
	if !q.HasTier("") || !q.HasTier("free") || q.HasTier("gold") {
		t.Error("HasTier")
	}
}

func TestAgentUserEntryPointValidate(t *testing.T) {
	agent := func(mod func(*Agent)) *Agent {
		a := Agent{SiteID: 1, Name: "Amina", Skills: []AgentSkill{{SkillID: 1, Level: 10}}, VoiceCapacity: 1, ChatCapacity: 2, QueueIDs: []int64{3}}
		mod(&a)
		return &a
	}
	tid := p(int64(1))
	tests := []struct {
		name  string
		v     interface{ Validate() error }
		field string
	}{
		{"agent ok", agent(func(*Agent) {}), ""},
		{"agent site", agent(func(a *Agent) { a.SiteID = 0 }), "site_id"},
		{"agent level 0", agent(func(a *Agent) { a.Skills[0].Level = 0 }), "skills[0].level"},
		{"agent level 11", agent(func(a *Agent) { a.Skills[0].Level = 11 }), "skills[0].level"},
		{"agent voice 2", agent(func(a *Agent) { a.VoiceCapacity = 2 }), "voice_capacity"},
		{"agent no capacity", agent(func(a *Agent) { a.VoiceCapacity, a.ChatCapacity = 0, 0 }), "voice_capacity"},
		{"agent dup queue", agent(func(a *Agent) { a.QueueIDs = []int64{3, 3} }), "queue_ids[1]"},
		{"user ok", &User{TenantID: tid, Login: "marie@acme.fr", DisplayName: "Marie", Role: RoleSupervisor}, ""},
		{"platform admin", &User{Login: "root", DisplayName: "Root", Role: RoleAdmin}, ""},
		{"tenantless viewer", &User{Login: "v", DisplayName: "V", Role: RoleClientViewer}, "tenant_id"},
		{"login space", &User{TenantID: tid, Login: "ma rie", DisplayName: "M", Role: RoleAdmin}, "login"},
		{"role", &User{TenantID: tid, Login: "m", DisplayName: "M", Role: "boss"}, "role"},
		{"agent role no agent", &User{TenantID: tid, Login: "m", DisplayName: "M", Role: RoleAgent}, "agent_id"},
		{"agent id for admin", &User{TenantID: tid, Login: "m", DisplayName: "M", Role: RoleAdmin, AgentID: p(int64(1))}, "agent_id"},
		{"token ok", &APIToken{Name: "ci"}, ""},
		{"token no name", &APIToken{}, "name"},
		{"chat entry ok", &EntryPoint{Kind: EntryChat, Address: "demo", QueueID: 1}, ""},
		{"phone entry ok", &EntryPoint{Kind: EntryPhone, Address: "+33123456789", QueueID: 1}, ""},
		{"sip entry ok", &EntryPoint{Kind: EntryPhone, Address: "support.fr", QueueID: 1}, ""},
		{"chat key upper", &EntryPoint{Kind: EntryChat, Address: "Demo", QueueID: 1}, "address"},
		{"bad number", &EntryPoint{Kind: EntryPhone, Address: "+0123", QueueID: 1}, "address"},
		{"entry kind", &EntryPoint{Kind: "sms", Address: "x", QueueID: 1}, "kind"},
		{"entry queue", &EntryPoint{Kind: EntryChat, Address: "demo"}, "queue_id"},
		{"menu ok", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{Options: []MenuOption{{Key: "1", QueueID: 2, Label: "Ventes"}, {Key: "9", QueueID: 1}}}}, ""},
		{"menu empty", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{}}, ""},
		{"menu on chat", &EntryPoint{Kind: EntryChat, Address: "demo", QueueID: 1, Menu: &Menu{}}, "menu"},
		{"menu key 0", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{Options: []MenuOption{{Key: "0", QueueID: 2}}}}, "menu.options[0].key"},
		{"menu key star", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{Options: []MenuOption{{Key: "*", QueueID: 2}}}}, "menu.options[0].key"},
		{"menu key twice", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{Options: []MenuOption{{Key: "2", QueueID: 2}, {Key: "2", QueueID: 3}}}}, "menu.options[1].key"},
		{"menu key 12", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{Options: []MenuOption{{Key: "12", QueueID: 2}}}}, "menu.options[0].key"},
		{"menu queue", &EntryPoint{Kind: EntryPhone, Address: "1001", QueueID: 1, Menu: &Menu{Options: []MenuOption{{Key: "3"}}}}, "menu.options[0].queue_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.name, tc.v.Validate(), tc.field) })
	}
	check(t, "short password", ValidatePassword("1234567"), "password")
	check(t, "password ok", ValidatePassword("12345678"), "")
}

func TestInteractionSegmentMessageValidate(t *testing.T) {
	now := time.Now()
	in := func(mod func(*Interaction)) *Interaction {
		v := Interaction{QueueID: 1, Channel: ChannelChat, ArrivedAt: now, Customer: Customer{Email: "a@b.fr"}}
		mod(&v)
		return &v
	}
	tests := []struct {
		name  string
		v     interface{ Validate() error }
		field string
	}{
		{"interaction ok", in(func(*Interaction) {}), ""},
		{"no queue", in(func(i *Interaction) { i.QueueID = 0 }), "queue_id"},
		{"channel", in(func(i *Interaction) { i.Channel = "fax" }), "channel"},
		{"no arrival", in(func(i *Interaction) { i.ArrivedAt = time.Time{} }), "arrived_at"},
		{"email", in(func(i *Interaction) { i.Customer.Email = "nope" }), "customer.email"},
		{"ewt negative", in(func(i *Interaction) { i.AnnouncedEWTSeconds = p(-1) }), "announced_ewt_seconds"},
		{"position 0", in(func(i *Interaction) { i.AnnouncedPosition = p(0) }), "announced_position"},
		{"callback empty", in(func(i *Interaction) { i.Callback = &Callback{} }), "callback"},
		{"callback both", in(func(i *Interaction) { i.Callback = &Callback{Number: "+33612345678", WriteBack: true} }), "callback"},
		{"callback write back", in(func(i *Interaction) { i.Callback = &Callback{WriteBack: true} }), ""},
		{"survey ok", &Survey{Score: 5}, ""},
		{"survey 0", &Survey{Score: 0}, "score"},
		{"survey 6", &Survey{Score: 6}, "score"},
		{"segment ok", &Segment{Kind: SegConnected, StartedAt: now, Billable: true}, ""},
		{"segment queued billable", &Segment{Kind: SegQueued, StartedAt: now, Billable: true}, "billable"},
		{"segment kind", &Segment{Kind: "talk", StartedAt: now}, "kind"},
		{"segment no start", &Segment{Kind: SegHold}, "started_at"},
		{"segment ends before start", &Segment{Kind: SegHold, StartedAt: now, EndedAt: p(now.Add(-time.Second))}, "ended_at"},
		{"message ok", &Message{Sender: SenderCustomer, Body: "hi"}, ""},
		{"message agent", &Message{Sender: SenderAgent, Body: "hi"}, "agent_id"},
		{"message customer with agent", &Message{Sender: SenderCustomer, AgentID: p(int64(1)), Body: "hi"}, "agent_id"},
		{"message empty", &Message{Sender: SenderSystem, Body: " \n"}, "body"},
		{"message too long", &Message{Sender: SenderSystem, Body: strings.Repeat("é", MaxBodyLen+1)}, "body"},
		{"message sender", &Message{Sender: "bot", Body: "x"}, "sender"},
		{"message key too long", &Message{Sender: SenderSystem, Body: "x", ClientMsgID: strings.Repeat("k", MaxClientMsgIDLen+1)}, "client_msg_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.name, tc.v.Validate(), tc.field) })
	}
	for _, k := range SegmentKinds() {
		want := k == SegConnected || k == SegHold || k == SegWrapUp || k == SegOutbound
		if k.Handled() != want {
			t.Errorf("%s.Handled() = %v", k, k.Handled())
		}
	}
}

func TestJSONShape(t *testing.T) {
	u := User{ID: 1, Login: "m", Role: RoleAdmin, PasswordHash: "$argon2id$secret"}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "argon2id") || strings.Contains(string(b), "password") {
		t.Errorf("user JSON leaks the password hash: %s", b)
	}
	for _, key := range []string{`"display_name"`, `"tenant_id":null`, `"agent_id":null`, `"created_at"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("user JSON %s lacks %s", b, key)
		}
	}
	tok, _ := json.Marshal(APIToken{Hash: "deadbeef"})
	in, _ := json.Marshal(Interaction{ResumeTokenHash: "cafe"})
	if strings.Contains(string(tok), "deadbeef") || strings.Contains(string(in), "cafe") {
		t.Errorf("secret hashes serialised: %s %s", tok, in)
	}
	q, _ := json.Marshal(validQueue())
	for _, key := range []string{`"sl_target_pct"`, `"sl_threshold_seconds"`, `"min_level"`, `"after_seconds"`, `"offer_timeout_seconds"`, `"recording_retention_days"`, `"queue_id":2`} {
		if !strings.Contains(string(q), key) {
			t.Errorf("queue JSON %s lacks %s", q, key)
		}
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{"00:00", 0, false}, {"09:30", 570, false}, {"24:00", 1440, false},
		{"24:01", 0, true}, {"25:00", 0, true}, {"9:30", 0, true}, {"09-30", 0, true}, {"ab:cd", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseClock(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseClock(%q) = %d, %v", tc.in, got, err)
		}
	}
}
