package live

import (
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
)

// queueConfig translates a stored queue (and its schedule, nil when the
// queue has none) into the engine's configuration.
func queueConfig(q model.Queue, sched *model.Schedule) (acd.QueueConfig, error) {
	cfg := acd.QueueConfig{
		ID:             acd.QueueID(q.ID),
		Priority:       q.Priority,
		SLThreshold:    time.Duration(q.SLThresholdSeconds) * time.Second,
		SLTarget:       q.SLTargetPct / 100,
		Skills:         skillReqs(q.Skills),
		MaxWait:        time.Duration(q.MaxWaitSeconds) * time.Second,
		MaxWaiting:     q.MaxWaiting,
		AgingPerMinute: q.AgingPerMinute,
		OfferTimeout:   time.Duration(q.OfferTimeoutSeconds) * time.Second,
		WrapUp:         time.Duration(q.WrapUpSeconds) * time.Second,
	}
	switch q.Channel {
	case model.ChannelVoice:
		cfg.Channel = acd.Voice
	case model.ChannelChat:
		cfg.Channel = acd.Chat
	default:
		return cfg, fmt.Errorf("queue %d: unknown channel %q", q.ID, q.Channel)
	}
	for _, r := range q.Relax {
		cfg.Relax = append(cfg.Relax, acd.RelaxStep{After: time.Duration(r.AfterSeconds) * time.Second, Skills: skillReqs(r.Skills)})
	}
	switch q.Overflow.Action {
	case model.OverflowNone, "":
		cfg.Overflow.Action = acd.OverflowNone
	case model.OverflowQueue:
		cfg.Overflow.Action = acd.OverflowQueue
		if q.Overflow.QueueID != nil {
			cfg.Overflow.Queue = acd.QueueID(*q.Overflow.QueueID)
		}
	case model.OverflowCallback:
		cfg.Overflow.Action = acd.OverflowCallback
	case model.OverflowClose:
		cfg.Overflow.Action = acd.OverflowClose
	default:
		return cfg, fmt.Errorf("queue %d: unknown overflow action %q", q.ID, q.Overflow.Action)
	}
	switch q.Strategy {
	case model.StrategyLongestIdle, "":
		cfg.Strategy = acd.LongestIdle
	case model.StrategyMostSkilled:
		cfg.Strategy = acd.MostSkilled
	case model.StrategyLeastHandled:
		cfg.Strategy = acd.LeastHandled
	case model.StrategyRoundRobin:
		cfg.Strategy = acd.RoundRobin
	default:
		return cfg, fmt.Errorf("queue %d: unknown strategy %q", q.ID, q.Strategy)
	}
	for _, t := range q.Tiers {
		cfg.Tiers = append(cfg.Tiers, acd.Tier{Name: t.Name, Priority: t.Priority})
	}
	if sched != nil {
		h, err := hours(*sched)
		if err != nil {
			return cfg, fmt.Errorf("queue %d: %w", q.ID, err)
		}
		cfg.Hours = h
	}
	return cfg, nil
}

func skillReqs(reqs []model.SkillRequirement) []acd.SkillReq {
	out := make([]acd.SkillReq, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, acd.SkillReq{Skill: acd.SkillID(r.SkillID), MinLevel: r.MinLevel})
	}
	return out
}

// hours translates a schedule; an always-open schedule is nil (24/7).
func hours(s model.Schedule) (*acd.Hours, error) {
	if s.AlwaysOpen {
		return nil, nil
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("schedule %d: time zone %q: %w", s.ID, s.TimeZone, err)
	}
	h := &acd.Hours{Location: loc, Holidays: append([]string(nil), s.Holidays...)}
	for _, w := range s.Weekly {
		from, err := model.ParseClock(w.From)
		if err != nil {
			return nil, fmt.Errorf("schedule %d: %w", s.ID, err)
		}
		to, err := model.ParseClock(w.To)
		if err != nil {
			return nil, fmt.Errorf("schedule %d: %w", s.ID, err)
		}
		h.Weekly = append(h.Weekly, acd.OpenRange{Day: time.Weekday(w.Day), From: time.Duration(from) * time.Minute, To: time.Duration(to) * time.Minute})
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("schedule %d: %w", s.ID, err)
	}
	return h, nil
}

// closedHours never open: what a deleted queue gets, so that it takes no
// new contact while those already waiting are still served.
func closedHours() *acd.Hours { return &acd.Hours{Location: time.UTC} }

// agentConfig translates a stored agent. tenantQueues lists the queues of
// the agent's tenant: an agent without an explicit list serves those (and
// never another tenant's queue, whatever its skills).
func agentConfig(a model.Agent, tenantQueues []acd.QueueID) acd.AgentConfig {
	cfg := acd.AgentConfig{
		ID:            acd.AgentID(a.ID),
		Skills:        make(map[acd.SkillID]int, len(a.Skills)),
		VoiceCapacity: a.VoiceCapacity,
		ChatCapacity:  a.ChatCapacity,
		Blend:         a.Blend,
		Queues:        []acd.QueueID{}, // never nil: nil would mean every queue of every tenant
	}
	for _, s := range a.Skills {
		cfg.Skills[acd.SkillID(s.SkillID)] = s.Level
	}
	if len(a.QueueIDs) > 0 {
		for _, id := range a.QueueIDs {
			cfg.Queues = append(cfg.Queues, acd.QueueID(id))
		}
	} else {
		cfg.Queues = append(cfg.Queues, tenantQueues...)
	}
	return cfg
}

// tierIndex maps a stored tier name to the engine's tier index ("" and
// unknown names: the first tier).
func tierIndex(q model.Queue, name string) int {
	for i, t := range q.Tiers {
		if t.Name == name {
			return i
		}
	}
	return 0
}
