package acd

import (
	"testing"
	"time"
)

const s = time.Second

func TestAgentSelectionStrategies(t *testing.T) {
	tests := []struct {
		name     string
		strategy Strategy
		setup    func(h *harness)
		want     AgentID
	}{
		{"longest idle", LongestIdle, func(h *harness) {
			h.at(1 * s)
			h.ready(3)
			h.at(2 * s)
			h.ready(1)
			h.at(3 * s)
			h.ready(2)
		}, 3},
		{"most skilled", MostSkilled, func(h *harness) { h.ready(1, 2, 3) }, 2},
		{"least handled today", LeastHandled, func(h *harness) {
			h.ready(1, 2, 3)
			// Agents 1 and 2 each handle one contact; 3 handles none but became ready first.
			for i, a := range []AgentID{1, 2} {
				c := ContactID(100 + i)
				h.arrive(c, 1)
				offers := h.take(EvOffered)
				h.accept(offers[0].Agent, c)
				h.end(c)
				_ = a
			}
		}, 3},
		{"round robin", RoundRobin, func(h *harness) {
			h.ready(1, 2, 3)
			// 1, 2 then 3 are offered in turn (declined-free: they accept and end).
			for c := ContactID(100); c < 102; c++ {
				h.arrive(c, 1)
				offers := h.take(EvOffered)
				h.accept(offers[0].Agent, c)
				h.end(c)
			}
		}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.queue(QueueConfig{ID: 1, Skills: req(1, 3), Strategy: tc.strategy})
			h.agent(1, skills(1, 5))
			h.agent(2, skills(1, 9))
			h.agent(3, skills(1, 3))
			tc.setup(h)
			h.at(10 * s)
			h.take(EvOffered)
			h.arrive(1, 1)
			h.expectOffer(1, tc.want)
		})
	}
}

func TestSkillRequirementAndProficiency(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Skills: req(1, 6)})
	h.agent(1, skills(1, 5)) // too junior
	h.agent(2, skills(2, 9)) // other skill
	h.ready(1, 2)
	h.arrive(1, 1)
	h.expectNoOffer()
	h.agent(3, skills(1, 6, 2, 1))
	h.ready(3)
	h.expectOffer(1, 3)
}

func TestContactSelectionPriorityThenFIFO(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Priority: 0})
	h.queue(QueueConfig{ID: 2, Priority: 5})
	h.agent(1, nil)
	h.arrive(1, 1)
	h.at(1 * s)
	h.arrive(2, 1)
	h.at(2 * s)
	h.arrive(3, 2) // later, but in the higher-priority queue
	h.at(3 * s)
	h.arrive(4, 2)
	h.ready(1)
	for _, want := range []ContactID{3, 4, 1, 2} {
		h.expectOffer(want, 1)
		h.accept(1, want)
		h.end(want)
	}
}

func TestTiersAgingPreventsStarvation(t *testing.T) {
	h := newHarness(t)
	// Paid tier is 10 points ahead; a minute of waiting is worth 2 points, so
	// after 5 minutes a free contact beats a fresh paid one.
	h.queue(QueueConfig{ID: 1, Tiers: []Tier{{"free", 0}, {"paid", 10}}, AgingPerMinute: 2})
	h.agent(1, nil)
	h.arriveTier(1, 1, 0) // free at 0
	h.at(4 * time.Minute)
	h.arriveTier(2, 1, 1) // paid at 4 min: 10 > 8
	h.at(4*time.Minute + s)
	h.ready(1)
	h.expectOffer(2, 1)
	h.accept(1, 2)
	h.at(6 * time.Minute)
	h.arriveTier(3, 1, 1) // paid at 6 min: 10 < 12
	h.at(7 * time.Minute)
	h.end(2)
	h.expectOffer(1, 1)
	// Positions follow effective priority: the free contact (eff 14 at 7 min) is ahead.
	if p, _, ok := h.e.Position(3); !ok || p != 2 {
		t.Fatalf("position of the paid contact = %d, want 2", p)
	}
}

func TestSkillRelaxation(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, OfferTimeout: 5 * time.Minute, Skills: req(1, 8), Relax: []RelaxStep{
		{After: 30 * s, Skills: req(1, 5)},
		{After: 60 * s, Skills: req(2, 1)}, // anyone with the general skill
	}})
	h.agent(1, skills(1, 5))
	h.agent(2, skills(2, 3))
	h.ready(1, 2)
	h.arrive(1, 1)
	h.at(10 * s)
	h.arrive(2, 1)
	h.at(29 * s)
	h.expectNoOffer()
	h.at(30 * s)
	h.expectOffer(1, 1) // relaxed to level 5 exactly at 30 s
	h.at(39 * s)
	h.expectNoOffer()
	h.at(40 * s)
	h.expectNoOffer() // contact 2 at step 1: agent 1 busy with the offer, agent 2 needs step 2
	h.at(70 * s)
	h.expectOffer(2, 2)
}

func TestRelaxationReachesContactBehindHead(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Skills: req(1, 8), Relax: []RelaxStep{{After: 30 * s, Skills: req(1, 1)}}})
	h.agent(1, skills(1, 2))
	h.agent(2, skills(1, 2))
	h.arrive(1, 1)
	h.at(1 * s)
	h.arrive(2, 1)
	h.at(45 * s)
	// Both crossed the step while nobody was ready; both go out at once.
	h.ready(1, 2)
	offers := h.take(EvOffered)
	if len(offers) != 2 {
		t.Fatalf("offers %+v, want both contacts offered", brief(offers))
	}
}

func TestRONAPutsContactBackAndAgentNotReady(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, OfferTimeout: 10 * s})
	h.agent(1, nil)
	h.agent(2, nil)
	h.arrive(1, 1)
	h.at(1 * s)
	h.arrive(2, 1)
	h.ready(1)
	h.expectOffer(1, 1)
	h.at(11 * s)
	req := h.take(EvRequeued)
	if len(req) != 1 || req[0].Cause != CauseRONA {
		t.Fatalf("requeued %+v, want a RONA", req)
	}
	if st, reason := h.e.AgentState(1); st != StateNotReady || reason != "rona" {
		t.Fatalf("agent 1 is %v (%q), want not ready for rona", st, reason)
	}
	if p, _, _ := h.e.Position(1); p != 1 {
		t.Fatalf("contact 1 back at position %d, want 1", p)
	}
	h.ready(2)
	h.expectOffer(1, 2) // still first in line
	h.step(h.e.Decline(h.now, 2, 1))
	if req := h.take(EvRequeued); len(req) != 1 || req[0].Cause != CauseDeclined {
		t.Fatalf("requeued %+v, want declined", req)
	}
	h.expectErr(h.e.Accept(h.now, 2, 1), ErrNoOffer)
}

func TestAbandonWhileWaitingAndWhileOffered(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1})
	h.agent(1, nil)
	h.arrive(1, 1)
	h.arrive(2, 1)
	h.at(5 * s)
	h.step(h.e.Abandon(h.now, 1))
	ab := h.take(EvAbandoned)
	if len(ab) != 1 || ab[0].Wait != 5*s {
		t.Fatalf("abandoned %+v", ab)
	}
	h.ready(1)
	h.expectOffer(2, 1)
	h.step(h.e.Abandon(h.now, 2))
	if st, _ := h.e.AgentState(1); st != StateReady {
		t.Fatalf("agent after the caller left during the offer: %v, want ready (no penalty)", st)
	}
	h.expectErr(h.e.Abandon(h.now, 2), ErrUnknownContact)
}

func TestTransferKeepsArrival(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1})
	h.queue(QueueConfig{ID: 2})
	h.agent(1, nil, func(c *AgentConfig) { c.Queues = []QueueID{1} })
	h.agent(2, nil, func(c *AgentConfig) { c.Queues = []QueueID{2} })
	h.arrive(1, 1)
	h.at(10 * s)
	h.arrive(2, 2)
	h.at(20 * s)
	h.step(h.e.Transfer(h.now, 1, 2))
	if p, _, _ := h.e.Position(1); p != 1 {
		t.Fatalf("transferred contact at position %d, want 1 (it arrived first)", p)
	}
	h.ready(2)
	h.expectOffer(1, 2)
	h.accept(2, 1)
	// Transfer of a connected contact: the agent wraps up, the contact waits in queue 1.
	h.step(h.e.Transfer(h.now, 1, 1))
	if st, _ := h.e.AgentState(2); st != StateReady && st != StateOffered {
		t.Fatalf("agent 2 after transferring: %v", st)
	}
	h.ready(1)
	found := false
	for _, o := range h.take(EvOffered) {
		found = found || (o.Contact == 1 && o.Agent == 1)
	}
	if !found {
		t.Fatal("the transferred contact was not offered to queue 1's agent")
	}
	h.expectErr(h.e.Transfer(h.now, 1, 9), ErrUnknownQueue)
}

func TestCallbackKeepsPlace(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, MaxWait: time.Minute, Overflow: Overflow{Action: OverflowClose}})
	h.agent(1, nil)
	h.arrive(1, 1)
	h.at(1 * s)
	h.arrive(2, 1)
	h.step(h.e.RequestCallback(h.now, 1))
	if cb := h.take(EvCallbackRequested); len(cb) != 1 {
		t.Fatalf("callback events %+v", cb)
	}
	h.at(2 * time.Minute) // contact 2 overflowed (closed); the callback has no max wait
	if ov := h.take(EvOverflowed); len(ov) != 1 || ov[0].Contact != 2 || ov[0].Action != OverflowClose {
		t.Fatalf("overflows %+v, want contact 2 closed", ov)
	}
	h.ready(1)
	offers := h.take(EvOffered)
	if len(offers) != 1 || offers[0].Contact != 1 || !offers[0].Callback {
		t.Fatalf("offers %+v, want the callback", offers)
	}
}

func TestOverflowActions(t *testing.T) {
	t.Run("max wait to another queue", func(t *testing.T) {
		h := newHarness(t)
		h.queue(QueueConfig{ID: 1, MaxWait: 30 * s, Overflow: Overflow{Action: OverflowQueue, Queue: 2}})
		h.queue(QueueConfig{ID: 2})
		h.agent(1, nil, func(c *AgentConfig) { c.Queues = []QueueID{2} })
		h.ready(1)
		h.arrive(1, 1)
		h.expectNoOffer()
		h.at(30 * s)
		if ov := h.take(EvOverflowed); len(ov) != 1 || ov[0].Queue != 2 || ov[0].From != 1 || ov[0].Cause != CauseMaxWait {
			t.Fatalf("overflow %+v", ov)
		}
		h.expectOffer(1, 1)
	})
	t.Run("max wait to callback", func(t *testing.T) {
		h := newHarness(t)
		h.queue(QueueConfig{ID: 1, MaxWait: 30 * s, Overflow: Overflow{Action: OverflowCallback}})
		h.arrive(1, 1)
		h.at(31 * s)
		if ov := h.take(EvOverflowed); len(ov) != 1 || !ov[0].Callback {
			t.Fatalf("overflow %+v", ov)
		}
		if p, _, ok := h.e.Position(1); !ok || p != 1 {
			t.Fatal("callback lost its place")
		}
	})
	t.Run("full queue rejects", func(t *testing.T) {
		h := newHarness(t)
		h.queue(QueueConfig{ID: 1, MaxWaiting: 2})
		h.arrive(1, 1)
		h.arrive(2, 1)
		h.arrive(3, 1)
		if rj := h.take(EvRejected); len(rj) != 1 || rj[0].Contact != 3 || rj[0].Cause != CauseFull {
			t.Fatalf("rejections %+v", rj)
		}
		if _, _, ok := h.e.Position(3); ok {
			t.Fatal("a rejected contact is still known")
		}
	})
	t.Run("full queue overflows to another", func(t *testing.T) {
		h := newHarness(t)
		h.queue(QueueConfig{ID: 1, MaxWaiting: 1, Overflow: Overflow{Action: OverflowQueue, Queue: 2}})
		h.queue(QueueConfig{ID: 2})
		h.arrive(1, 1)
		h.arrive(2, 1)
		q := h.take(EvQueued)
		if len(q) != 2 || q[1].Queue != 2 {
			t.Fatalf("queued %+v, want contact 2 in queue 2", q)
		}
	})
}

func TestClosedHoursReject(t *testing.T) {
	h := newHarness(t)
	hours := &Hours{Weekly: []OpenRange{{Day: time.Monday, From: 10 * time.Hour, To: 18 * time.Hour}}}
	h.queue(QueueConfig{ID: 1, Hours: hours})
	h.arrive(1, 1) // Monday 09:00 UTC
	if rj := h.take(EvRejected); len(rj) != 1 || rj[0].Cause != CauseClosed {
		t.Fatalf("rejections %+v", rj)
	}
	h.at(time.Hour)
	h.arrive(2, 1)
	if q := h.take(EvQueued); len(q) != 1 {
		t.Fatalf("queued %+v at opening time", q)
	}
}

func TestChatCapacityAndBlend(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Channel: Chat})
	h.queue(QueueConfig{ID: 2, Channel: Voice})
	h.agent(1, nil, func(c *AgentConfig) { c.ChatCapacity = 3 })
	h.agent(2, nil, func(c *AgentConfig) { c.ChatCapacity = 2; c.VoiceCapacity = 1; c.Blend = true })
	h.ready(1)
	for c := ContactID(1); c <= 4; c++ {
		h.arrive(c, 1)
		if offers := h.take(EvOffered); len(offers) == 1 {
			h.accept(offers[0].Agent, c)
		}
	}
	if st, _ := h.e.AgentState(1); st != StateBusy {
		t.Fatalf("agent 1: %v", st)
	}
	if p, _, ok := h.e.Position(4); !ok || p != 1 {
		t.Fatalf("the fourth chat waits first in line: %d %v", p, ok)
	}
	// A voice call cannot go to agent 1 (no voice, no blend); agent 2 blends.
	h.ready(2)
	h.expectOffer(4, 2)
	h.accept(2, 4)
	h.arrive(5, 2)
	h.expectOffer(5, 2)
}

func TestWrapUpTimedAndEarly(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, WrapUp: 30 * s})
	h.agent(1, nil)
	h.ready(1)
	h.arrive(1, 1)
	h.expectOffer(1, 1)
	h.accept(1, 1)
	h.arrive(2, 1)
	h.at(60 * s)
	h.end(1)
	if st, _ := h.e.AgentState(1); st != StateWrapUp {
		t.Fatalf("agent after the call: %v, want wrap-up", st)
	}
	h.expectNoOffer()
	h.at(90 * s)
	h.expectOffer(2, 1) // wrap-up over at 30 s
	h.accept(1, 2)
	h.end(2)
	h.arrive(3, 1)
	h.step(h.e.FinishWrapUp(h.now, 1, 2))
	h.expectOffer(3, 1)
	h.expectErr(h.e.FinishWrapUp(h.now, 1, 2), ErrState)
}

func TestPositionsAndAnnouncedWait(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, DefaultHandleTime: 2 * time.Minute})
	h.agent(1, nil)
	h.agent(2, nil)
	h.ready(1, 2)
	h.arrive(100, 1)
	h.arrive(101, 1)
	h.accept(1, 100)
	h.accept(2, 101)
	for c := ContactID(1); c <= 5; c++ {
		h.arrive(c, 1)
	}
	q := h.take(EvQueued)
	for i, ev := range q[2:] {
		if ev.Position != i+1 {
			t.Errorf("contact %d announced position %d, want %d", ev.Contact, ev.Position, i+1)
		}
		// No history: position × default handle time / 2 agents.
		if want := time.Duration(i+1) * time.Minute; ev.EWT != want {
			t.Errorf("contact %d announced EWT %v, want %v", ev.Contact, ev.EWT, want)
		}
	}
	h.step(h.e.Abandon(h.now, 2))
	if p, _, _ := h.e.Position(5); p != 4 {
		t.Fatalf("after an abandon ahead, position %d, want 4", p)
	}
	h.at(90 * s)
	h.end(100)
	h.accept(1, 1)
	conn := h.take(EvConnected)
	if c := conn[len(conn)-1]; c.EWT != time.Minute || c.Wait != 90*s {
		t.Fatalf("connected %+v: want announced 1m and waited 90s", c)
	}
}

func TestEWTLearnsFromHistory(t *testing.T) {
	// Steady overload: 1 agent, a contact every 50 s, each handled in 60 s;
	// the predictors must learn waits far from the 3-minute default.
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1})
	h.agent(1, nil)
	h.ready(1)
	var errs []time.Duration
	next := ContactID(1)
	busy := ContactID(0)
	for k := 0; k < 400; k++ {
		now := time.Duration(k) * 10 * s
		h.at(now)
		if k%5 == 0 {
			h.arrive(next, 1)
			next++
		}
		if k%6 == 0 && busy != 0 {
			h.end(busy)
			busy = 0
		}
		for _, ev := range h.take(EvOffered) {
			h.accept(ev.Agent, ev.Contact)
			busy = ev.Contact
		}
		for _, ev := range h.take(EvConnected) {
			if ev.Contact > 40 {
				d := ev.EWT - ev.Wait
				errs = append(errs, max(d, -d))
			}
		}
	}
	var sum time.Duration
	for _, e := range errs {
		sum += e
	}
	if len(errs) == 0 {
		t.Fatal("no contact answered")
	}
	if mae := sum / time.Duration(len(errs)); mae > 45*s {
		t.Fatalf("mean absolute EWT error %v over %d contacts, want under 45s", mae, len(errs))
	}
}

func TestLogoutDuringOffer(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1})
	h.agent(1, nil)
	h.agent(2, nil)
	h.ready(1)
	h.arrive(1, 1)
	h.expectOffer(1, 1)
	h.step(h.e.SetPresence(h.now, 1, LoggedOut, ""))
	if st, _ := h.e.AgentState(1); st != StateLoggedOut {
		t.Fatalf("agent 1: %v", st)
	}
	h.ready(2)
	h.expectOffer(1, 2)
}

func TestRestoredContactKeepsArrival(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1})
	h.at(time.Hour)
	h.arrive(2, 1)
	h.step(h.e.Arrive(h.now, ContactSpec{ID: 1, Queue: 1, Arrival: t0.Add(10 * time.Minute)}))
	if p, _, _ := h.e.Position(1); p != 1 {
		t.Fatalf("restored contact at position %d, want 1", p)
	}
	h.agent(1, nil)
	h.ready(1)
	offers := h.take(EvOffered)
	if len(offers) != 1 || offers[0].Contact != 1 {
		t.Fatalf("offers %+v", brief(offers))
	}
}

func TestInputErrors(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1})
	e := h.e
	h.expectErr(e.Arrive(h.now, ContactSpec{ID: 1, Queue: 2}), ErrUnknownQueue)
	h.expectErr(e.Arrive(h.now, ContactSpec{ID: 1, Queue: 1, Tier: 3}), ErrConfig)
	h.arrive(1, 1)
	h.expectErr(e.Arrive(h.now, ContactSpec{ID: 1, Queue: 1}), ErrDuplicate)
	h.expectErr(e.Accept(h.now, 9, 1), ErrUnknownAgent)
	h.expectErr(e.End(h.now, 1), ErrState)
	h.expectErr(e.SetAgent(AgentConfig{ID: 1, Skills: skills(1, 11)}), ErrConfig)
	h.expectErr(e.SetQueue(QueueConfig{ID: 2, Skills: req(1, 0)}), ErrConfig)
	h.expectErr(e.SetQueue(QueueConfig{ID: 2, Relax: []RelaxStep{{After: 2 * s}, {After: s}}}), ErrConfig)
	h.expectErr(e.SetQueue(QueueConfig{ID: 1, Channel: Chat}), ErrConfig)
	h.step(nil)
}

// TestBusyAgentReportsPresence: an agent in a chat who misses a second
// offer (RONA) stays busy but is now not ready; the state event says so,
// so a desktop does not keep showing "ready" (the next customer would wait
// until the agent changed its state by hand).
func TestBusyAgentReportsPresence(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Channel: Chat, OfferTimeout: 10 * s})
	h.agent(1, nil, func(c *AgentConfig) { c.ChatCapacity = 2 })
	h.ready(1)
	h.arrive(1, 1)
	h.expectOffer(1, 1)
	h.accept(1, 1)
	h.arrive(2, 1)
	h.expectOffer(2, 1)
	h.take(EvAgentState)
	h.at(11 * s)
	evs := h.take(EvAgentState)
	if len(evs) == 0 {
		t.Fatal("no agent state event after the RONA")
	}
	last := evs[len(evs)-1]
	if last.State != StateBusy || last.Presence != NotReady || last.Reason != "rona" {
		t.Fatalf("after the RONA: state %v presence %v reason %q, want busy, not ready, rona", last.State, last.Presence, last.Reason)
	}
	if p := h.e.AgentPresence(1); p != NotReady {
		t.Fatalf("AgentPresence %v", p)
	}
	// Going ready again while busy is reported too.
	h.ready(1)
	evs = h.take(EvAgentState)
	if len(evs) == 0 || evs[len(evs)-1].Presence != Ready || evs[len(evs)-1].State != StateOffered && evs[len(evs)-1].State != StateBusy {
		t.Fatalf("after ready while busy: %+v", evs)
	}
}

// TestQueueAgents: a queue's agents are those skilled for it, allowed to
// serve it and able to take its channel.
func TestQueueAgents(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Channel: Chat, Skills: []SkillReq{{Skill: 1, MinLevel: 2}}})
	h.queue(QueueConfig{ID: 2, Channel: Voice})
	h.agent(1, map[SkillID]int{1: 3}, func(c *AgentConfig) { c.ChatCapacity = 2 })
	h.agent(2, map[SkillID]int{1: 1}, func(c *AgentConfig) { c.ChatCapacity = 2 })  // not skilled enough
	h.agent(3, map[SkillID]int{1: 3}, func(c *AgentConfig) { c.VoiceCapacity = 1 }) // no chat
	h.agent(4, map[SkillID]int{1: 5}, func(c *AgentConfig) { c.ChatCapacity = 1; c.Queues = []QueueID{2} })
	got := h.e.QueueAgents(1)
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("chat queue agents %v, want [1]", got)
	}
	// Agent 4 may serve the voice queue only, and takes no calls.
	if got := h.e.QueueAgents(2); len(got) != 1 || got[0] != 3 {
		t.Fatalf("voice queue agents %v, want [3]", got)
	}
}

func TestTransferToAgent(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, WrapUp: 30 * s})
	h.queue(QueueConfig{ID: 2})
	for _, id := range []AgentID{1, 2, 3} {
		h.agent(id, nil, func(c *AgentConfig) { c.Queues = []QueueID{1} })
	}
	h.agent(4, nil, func(c *AgentConfig) { c.Queues = []QueueID{2} })
	h.ready(1)
	h.arrive(1, 1)
	h.expectOffer(1, 1)
	h.accept(1, 1)
	h.at(5 * s)
	h.ready(2)
	h.at(6 * s)
	h.ready(4)
	// Not ready, another queue's agent, the agent itself: refused, nothing changes.
	h.expectErr(h.e.TransferToAgent(h.now, 1, 3), ErrState)
	h.expectErr(h.e.TransferToAgent(h.now, 1, 4), ErrState)
	h.expectErr(h.e.TransferToAgent(h.now, 1, 1), ErrState)
	h.expectErr(h.e.TransferToAgent(h.now, 1, 9), ErrUnknownAgent)
	h.step(nil)
	if st, _ := h.e.AgentState(1); st != StateBusy {
		t.Fatalf("agent 1 after refused transfers: %v, want busy", st)
	}
	h.ready(3) // agent 2 has been idle longer: by name, 3 gets it all the same
	h.at(10 * s)
	h.step(h.e.TransferToAgent(h.now, 1, 3))
	ended := h.take(EvEnded)
	if len(ended) != 1 || ended[0].Agent != 1 || !ended[0].Moved || !ended[0].WrapUp {
		t.Fatalf("ended %+v, want agent 1 leaving it (moved, wrapping up)", ended)
	}
	tr := h.take(EvTransferred)
	if len(tr) != 1 || tr[0].Agent != 3 || tr[0].Queue != 1 || tr[0].From != 1 {
		t.Fatalf("transferred %+v, want to agent 3 in queue 1", tr)
	}
	h.expectOffer(1, 3)
	if st, _ := h.e.AgentState(1); st != StateWrapUp {
		t.Fatalf("agent 1 after transferring: %v, want wrap_up", st)
	}
	// Agent 3 declines: the contact goes to anyone, with its first arrival.
	h.step(h.e.Decline(h.now, 3, 1))
	offers := h.take(EvOffered)
	if len(offers) != 1 || offers[0].Agent != 2 {
		t.Fatalf("offers after the decline %+v, want agent 2", brief(offers))
	}
	h.accept(2, 1)
	h.expectErr(h.e.TransferToAgent(h.now, 7, 3), ErrUnknownContact)
}
