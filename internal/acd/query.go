package acd

import "time"

// Position returns a waiting contact's position in its queue and its
// expected wait from now, as the engine would announce them.
func (e *Engine) Position(id ContactID) (pos int, ewt time.Duration, ok bool) {
	c := e.contacts[id]
	if c == nil || c.state == connected {
		return 0, 0, false
	}
	pos = e.position(c)
	ql, hol := c.q.est.predict(pos, c.q)
	return pos, time.Duration(c.q.est.choose(ql, hol)), true
}

// AgentState returns an agent's state and its not-ready reason (set when
// the agent's presence is NotReady, even while it is still busy).
func (e *Engine) AgentState(id AgentID) (AgentState, string) {
	a := e.agents[id]
	if a == nil {
		return StateLoggedOut, ""
	}
	return a.lastState, a.lastReason
}

// AgentPresence returns the presence an agent chose (or was set to: RONA,
// decline), which it keeps or returns to after its work.
func (e *Engine) AgentPresence(id AgentID) Presence {
	a := e.agents[id]
	if a == nil {
		return LoggedOut
	}
	return a.lastPresence
}

// AvailableFor reports whether an agent could be offered a contact of the
// channel now: ready, no offer in progress, a free place on the channel
// (and, without Blend, no contact of another channel).
func (e *Engine) AvailableFor(id AgentID, ch Channel) bool {
	a := e.agents[id]
	return a != nil && int(ch) < len(a.load) && a.availableFor(ch)
}

// QueueAgents lists, in no particular order, the agents who can take a
// queue's contacts: allowed to serve it, skilled for it (at one of its
// relaxation steps at least) and with a capacity on its channel, whatever
// their state.
func (e *Engine) QueueAgents(id QueueID) []AgentID {
	q := e.queues[id]
	if q == nil {
		return nil
	}
	out := make([]AgentID, 0, len(q.members))
	for _, m := range q.members {
		if m.a.capacity[q.cfg.Channel] > 0 {
			out = append(out, m.a.id)
		}
	}
	return out
}

// QueueStatus is a live view of a queue.
type QueueStatus struct {
	Waiting     int           // waiting or being offered
	Callbacks   int           // of which callbacks
	LongestWait time.Duration // of the contacts present
	Available   int           // agents available for it now
	Staffed     int           // agents logged in who serve it
}

// Staffed is the number of agents logged in who serve the queue (0 for an
// unknown queue), in constant time.
func (e *Engine) Staffed(id QueueID) int {
	if q := e.queues[id]; q != nil {
		return q.staffed
	}
	return 0
}

// QueueStatus returns a live view of a queue.
func (e *Engine) QueueStatus(id QueueID) (QueueStatus, bool) {
	q := e.queues[id]
	if q == nil {
		return QueueStatus{}, false
	}
	st := QueueStatus{Waiting: q.waiting}
	for _, l := range q.lines {
		if t, ok := l.oldest(); ok {
			st.LongestWait = max(st.LongestWait, time.Duration(e.now-t))
		}
		for _, it := range l.items[l.head:] {
			if it.c != nil && it.c.callback {
				st.Callbacks++
			}
		}
	}
	for i := range q.pools {
		st.Available += len(q.pools[i].h)
	}
	st.Staffed = q.staffed
	return st, true
}
