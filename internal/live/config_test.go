package live

import (
	"slices"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
)

func ptr[T any](v T) *T { return &v }

func TestQueueConfig(t *testing.T) {
	base := model.Queue{ID: 3, Name: "q", Channel: model.ChannelChat, Priority: 5, SLTargetPct: 80, SLThresholdSeconds: 20,
		Skills: []model.SkillRequirement{{SkillID: 7, MinLevel: 4}}, Relax: []model.RelaxStep{{AfterSeconds: 60}},
		MaxWaitSeconds: 300, MaxWaiting: 10, Overflow: model.Overflow{Action: model.OverflowQueue, QueueID: ptr(int64(4))},
		Tiers: []model.Tier{{Name: "paid", Priority: 10}, {Name: "free"}}, AgingPerMinute: 0.5,
		Strategy: model.StrategyRoundRobin, OfferTimeoutSeconds: 15, WrapUpSeconds: 30}
	paris := model.Schedule{ID: 9, TimeZone: "Europe/Paris", Weekly: []model.WeeklyHours{{Day: 1, From: "09:00", To: "18:30"}}, Holidays: []string{"2026-12-25"}}
	for _, tc := range []struct {
		name    string
		q       model.Queue
		sched   *model.Schedule
		check   func(t *testing.T, c acd.QueueConfig)
		wantErr bool
	}{
		{"fields", base, nil, func(t *testing.T, c acd.QueueConfig) {
			if c.ID != 3 || c.Channel != acd.Chat || c.Priority != 5 || c.SLTarget != 0.8 || c.SLThreshold != 20*time.Second ||
				c.MaxWait != 5*time.Minute || c.MaxWaiting != 10 || c.OfferTimeout != 15*time.Second || c.WrapUp != 30*time.Second ||
				c.Strategy != acd.RoundRobin || c.AgingPerMinute != 0.5 || c.Hours != nil {
				t.Errorf("config %+v", c)
			}
			if len(c.Skills) != 1 || c.Skills[0] != (acd.SkillReq{Skill: 7, MinLevel: 4}) || len(c.Relax) != 1 || c.Relax[0].After != time.Minute {
				t.Errorf("skills %+v relax %+v", c.Skills, c.Relax)
			}
			if c.Overflow != (acd.Overflow{Action: acd.OverflowQueue, Queue: 4}) || len(c.Tiers) != 2 || c.Tiers[0].Priority != 10 {
				t.Errorf("overflow %+v tiers %+v", c.Overflow, c.Tiers)
			}
		}, false},
		{"schedule", base, &paris, func(t *testing.T, c acd.QueueConfig) {
			if c.Hours == nil || c.Hours.Location.String() != "Europe/Paris" || len(c.Hours.Weekly) != 1 ||
				c.Hours.Weekly[0] != (acd.OpenRange{Day: time.Monday, From: 9 * time.Hour, To: 18*time.Hour + 30*time.Minute}) {
				t.Fatalf("hours %+v", c.Hours)
			}
			loc := c.Hours.Location
			if !c.Hours.IsOpen(time.Date(2026, 3, 2, 10, 0, 0, 0, loc)) || c.Hours.IsOpen(time.Date(2026, 3, 2, 19, 0, 0, 0, loc)) {
				t.Error("open hours wrong")
			}
		}, false},
		{"always open", base, &model.Schedule{AlwaysOpen: true, TimeZone: "UTC"}, func(t *testing.T, c acd.QueueConfig) {
			if c.Hours != nil {
				t.Errorf("always open gave %+v", c.Hours)
			}
		}, false},
		{"voice callback close", func() model.Queue {
			q := base
			q.Channel, q.Overflow, q.Strategy = model.ChannelVoice, model.Overflow{Action: model.OverflowCallback}, model.StrategyMostSkilled
			return q
		}(), nil, func(t *testing.T, c acd.QueueConfig) {
			if c.Channel != acd.Voice || c.Overflow.Action != acd.OverflowCallback || c.Strategy != acd.MostSkilled {
				t.Errorf("config %+v", c)
			}
		}, false},
		{"bad zone", base, &model.Schedule{TimeZone: "Mars/Olympus"}, nil, true},
		{"bad channel", func() model.Queue { q := base; q.Channel = "fax"; return q }(), nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := queueConfig(tc.q, tc.sched)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestAgentConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a      model.Agent
		tenant []acd.QueueID
		want   []acd.QueueID
	}{
		{"every queue of the tenant", model.Agent{ID: 1, ChatCapacity: 3}, []acd.QueueID{4, 5}, []acd.QueueID{4, 5}},
		{"explicit list", model.Agent{ID: 1, ChatCapacity: 3, QueueIDs: []int64{5}}, []acd.QueueID{4, 5}, []acd.QueueID{5}},
		{"no queue yet serves none", model.Agent{ID: 1, VoiceCapacity: 1}, nil, []acd.QueueID{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := agentConfig(tc.a, tc.tenant)
			if c.Queues == nil || !slices.Equal(c.Queues, tc.want) {
				t.Errorf("queues %#v, want %#v", c.Queues, tc.want)
			}
		})
	}
	c := agentConfig(model.Agent{ID: 2, Skills: []model.AgentSkill{{SkillID: 7, Level: 6}}, VoiceCapacity: 1, ChatCapacity: 2, Blend: true}, nil)
	if c.ID != 2 || c.Skills[7] != 6 || c.VoiceCapacity != 1 || c.ChatCapacity != 2 || !c.Blend {
		t.Errorf("agent config %+v", c)
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		name  string
		at    []time.Duration // offsets of the attempts
		allow []bool
	}{
		{"burst then refused", []time.Duration{0, 0, 0, 0, 0, 0}, []bool{true, true, true, true, true, false}},
		{"refills at the rate", []time.Duration{0, 0, 0, 0, 0, 0, 200 * time.Millisecond, 200 * time.Millisecond}, []bool{true, true, true, true, true, false, true, false}},
		{"clock going back is harmless", []time.Duration{time.Second, 0, 0, 0, 0, 0}, []bool{true, true, true, true, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBucket(5, 5)
			for i, d := range tc.at {
				if got := b.allow(t0.Add(d)); got != tc.allow[i] {
					t.Fatalf("attempt %d at %v: %v, want %v", i, d, got, tc.allow[i])
				}
			}
		})
	}
}

func TestTierIndex(t *testing.T) {
	q := model.Queue{Tiers: []model.Tier{{Name: "paid"}, {Name: "free"}}}
	for name, want := range map[string]int{"": 0, "paid": 0, "free": 1, "gone": 0} {
		if got := tierIndex(q, name); got != want {
			t.Errorf("tier %q: %d, want %d", name, got, want)
		}
	}
}
