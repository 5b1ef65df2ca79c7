package acd

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// harness drives an engine in a test and checks its invariants after each step.
type harness struct {
	t   *testing.T
	e   *Engine
	now time.Time
	log []Event
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{t: t, e: New(Config{}), now: t0}
}

// at moves the clock to t0+d and lets due timers fire.
func (h *harness) at(d time.Duration) *harness {
	h.now = t0.Add(d)
	h.e.Advance(h.now)
	h.step(nil)
	return h
}

func (h *harness) step(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("at %v: %v", h.now.Sub(t0), err)
	}
	if err := h.e.check(); err != nil {
		h.t.Fatalf("at %v: invariant: %v", h.now.Sub(t0), err)
	}
	h.log = append(h.log, h.e.Drain()...)
}

func (h *harness) queue(cfg QueueConfig) { h.step(h.e.SetQueue(cfg)) }

func (h *harness) agent(id AgentID, skills map[SkillID]int, mod ...func(*AgentConfig)) {
	cfg := AgentConfig{ID: id, Skills: skills}
	for _, f := range mod {
		f(&cfg)
	}
	h.step(h.e.SetAgent(cfg))
}

func (h *harness) ready(ids ...AgentID) {
	for _, id := range ids {
		h.step(h.e.SetPresence(h.now, id, Ready, ""))
	}
}

func (h *harness) arrive(id ContactID, q QueueID) { h.arriveTier(id, q, 0) }

func (h *harness) arriveTier(id ContactID, q QueueID, tier int) {
	h.step(h.e.Arrive(h.now, ContactSpec{ID: id, Queue: q, Tier: tier}))
}

func (h *harness) accept(a AgentID, c ContactID) { h.step(h.e.Accept(h.now, a, c)) }
func (h *harness) end(c ContactID)               { h.step(h.e.End(h.now, c)) }

// offers returns the offers (contact → agent) reported since the last call.
func (h *harness) take(kind EventKind) []Event {
	var out, rest []Event
	for _, ev := range h.log {
		if ev.Kind == kind {
			out = append(out, ev)
		} else {
			rest = append(rest, ev)
		}
	}
	h.log = rest
	return out
}

// expectOffer checks that the next offer made went to agent for contact.
func (h *harness) expectOffer(c ContactID, a AgentID) {
	h.t.Helper()
	offers := h.take(EvOffered)
	if len(offers) != 1 || offers[0].Contact != c || offers[0].Agent != a {
		h.t.Fatalf("at %v: offers %+v, want contact %d to agent %d", h.now.Sub(t0), brief(offers), c, a)
	}
}

func (h *harness) expectNoOffer() {
	h.t.Helper()
	if offers := h.take(EvOffered); len(offers) != 0 {
		h.t.Fatalf("at %v: unexpected offers %+v", h.now.Sub(t0), brief(offers))
	}
}

func (h *harness) expectErr(err, want error) {
	h.t.Helper()
	if !errors.Is(err, want) {
		h.t.Fatalf("error %v, want %v", err, want)
	}
}

type offerBrief struct {
	Contact ContactID
	Agent   AgentID
}

func brief(evs []Event) []offerBrief {
	var out []offerBrief
	for _, ev := range evs {
		out = append(out, offerBrief{ev.Contact, ev.Agent})
	}
	return out
}

func skills(pairs ...int) map[SkillID]int {
	m := make(map[SkillID]int)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[SkillID(pairs[i])] = pairs[i+1]
	}
	return m
}

func req(skill, level int) []SkillReq { return []SkillReq{{Skill: SkillID(skill), MinLevel: level}} }
