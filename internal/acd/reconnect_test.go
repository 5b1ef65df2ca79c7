package acd

import (
	"errors"
	"testing"
)

// A conversation restored after a failover goes back to its agent: nobody
// else is offered it, the agent is busy with it, and it ends or moves on
// as any connected contact.
func TestReconnectRestoresAConversationToItsAgent(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Skills: req(1, 1)})
	h.agent(1, skills(1, 5))
	h.agent(2, skills(1, 5))
	h.ready(2)
	h.take(EvAgentState)
	// Agent 1 is logged out (it has not signed in again yet).
	h.step(h.e.Reconnect(h.now, ContactSpec{ID: 7, Queue: 1, Arrival: t0.Add(-10 * s)}, 1))
	h.expectNoOffer()
	if st, _ := h.e.AgentState(1); st != StateBusy {
		t.Fatalf("agent 1 is %v, want busy", st)
	}
	if _, _, ok := h.e.Position(7); ok {
		t.Fatalf("a reconnected contact has no place in line")
	}
	h.expectErr(h.e.Reconnect(h.now, ContactSpec{ID: 7, Queue: 1}, 1), ErrDuplicate)
	h.expectErr(h.e.Reconnect(h.now, ContactSpec{ID: 8, Queue: 1}, 9), ErrUnknownAgent)
	h.expectErr(h.e.Reconnect(h.now, ContactSpec{ID: 8, Queue: 2}, 1), ErrUnknownQueue)
	if _, ok := h.e.contacts[8]; ok {
		t.Fatalf("a refused reconnect left contact 8 in the engine")
	}
	// Agent 1 never comes back: the caller moves it to its queue, and the
	// ready agent 2 is offered it.
	h.step(h.e.Transfer(h.now, 7, 1))
	ended := h.take(EvEnded)
	if len(ended) != 1 || ended[0].Agent != 1 || !ended[0].Moved {
		t.Fatalf("ended %+v, want agent 1's conversation moved", ended)
	}
	h.expectOffer(7, 2)
	h.accept(2, 7)
	h.end(7)
}

func TestReconnectedConversationEnds(t *testing.T) {
	h := newHarness(t)
	h.queue(QueueConfig{ID: 1, Skills: req(1, 1)})
	h.agent(1, skills(1, 5))
	h.ready(1)
	h.step(h.e.Reconnect(h.now, ContactSpec{ID: 7, Queue: 1}, 1))
	h.arrive(8, 1) // capacity 1: agent 1 is busy with 7
	h.expectNoOffer()
	h.end(7)
	if ended := h.take(EvEnded); len(ended) != 1 || ended[0].Contact != 7 {
		t.Fatalf("ended %+v", ended)
	}
	h.expectOffer(8, 1)
	if err := h.e.End(h.now, 7); !errors.Is(err, ErrUnknownContact) {
		t.Fatalf("end twice: %v", err)
	}
}
