package acd

import (
	"fmt"
	"time"
)

// Reconnect puts a contact restored after a restart or a failover back in
// conversation with the agent it was connected to: it is not routed, not
// offered and not counted as answered again (its wait was measured when
// it was first answered). The agent must be known; its presence is kept
// (a logged-out agent holds the conversation until it signs in again or
// the caller moves the contact on, with Transfer to its queue); its
// capacity is not checked: it had the conversation before. Spec.Arrival
// should be the original arrival. Only EvAgentState may follow (the agent
// becomes busy); the caller knows the contact is connected.
func (e *Engine) Reconnect(now time.Time, spec ContactSpec, id AgentID) error {
	e.tick(now)
	if _, dup := e.contacts[spec.ID]; dup {
		return fmt.Errorf("reconnect contact %d: %w", spec.ID, ErrDuplicate)
	}
	q := e.queues[spec.Queue]
	if q == nil {
		return fmt.Errorf("reconnect contact %d in queue %d: %w", spec.ID, spec.Queue, ErrUnknownQueue)
	}
	if spec.Tier < 0 || spec.Tier >= len(q.lines) {
		return fmt.Errorf("reconnect contact %d: tier %d of queue %d: %w", spec.ID, spec.Tier, spec.Queue, ErrConfig)
	}
	a := e.agents[id]
	if a == nil {
		return fmt.Errorf("reconnect contact %d to agent %d: %w", spec.ID, id, ErrUnknownAgent)
	}
	c := e.newContact()
	c.id = spec.ID
	c.seq = e.nextSeq()
	c.arrival = e.now
	if !spec.Arrival.IsZero() {
		c.arrival = min(spec.Arrival.UnixNano(), e.now)
	}
	c.enqueued = e.now
	c.callback = spec.Callback
	c.q, c.tier = q, spec.Tier
	c.state, c.agent, c.line, c.idx = connected, a, nil, -1
	e.contacts[c.id] = c
	a.work = append(a.work, work{id: c.id, c: c, q: q, ch: q.cfg.Channel})
	a.load[q.cfg.Channel]++
	e.settle(a)
	return nil
}
