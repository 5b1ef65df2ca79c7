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

// AgentState returns an agent's state and its not-ready reason.
func (e *Engine) AgentState(id AgentID) (AgentState, string) {
	a := e.agents[id]
	if a == nil {
		return StateLoggedOut, ""
	}
	return a.lastState, a.lastReason
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
