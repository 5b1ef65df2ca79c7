package sip

import (
	"context"
	"sync"
	"time"
)

// ReasonPhoneUnreachable is the not-ready reason of an agent whose phone
// could not be rung (not registered, or no answer from it at all): a
// stable key the agent desktop translates.
const ReasonPhoneUnreachable = "phone_unreachable"

// Backoff of the offers to an agent whose phone keeps failing to ring.
const (
	unreachableFirst = time.Second
	unreachableMax   = 30 * time.Second
	// unreachableForget: a failure older than this starts over.
	unreachableForget = 5 * time.Minute
)

// unreachables counts the consecutive failures to ring each agent's phone,
// for the backoff of the next declines. Safe for concurrent use.
type unreachables struct {
	mu sync.Mutex
	by map[int64]unreachable
}

type unreachable struct {
	n    int
	last time.Time
}

func newUnreachables() *unreachables { return &unreachables{by: map[int64]unreachable{}} }

// fail records a failure to ring agent at now and returns how long its
// decline waits: nothing the first time, then 1 s doubling to 30 s.
func (u *unreachables) fail(agent int64, now time.Time) time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	e := u.by[agent]
	if now.Sub(e.last) > unreachableForget {
		e.n = 0
	}
	e.n++
	e.last = now
	u.by[agent] = e
	if e.n == 1 {
		return 0
	}
	return min(unreachableFirst<<min(e.n-2, 5), unreachableMax)
}

// reached forgets agent's failures (its phone registered or answered).
func (u *unreachables) reached(agent int64) {
	u.mu.Lock()
	delete(u.by, agent)
	u.mu.Unlock()
}

// unreachable: agent's phone cannot be rung (why). The offer is declined
// and the agent made not ready with ReasonPhoneUnreachable, so that the
// desk shows why; when it keeps failing (an agent or a bot making itself
// ready again at once), the decline waits longer each time, so that a call
// is not offered and declined tens of times a second.
func (c *call) unreachable(agent int64, why string) {
	wait := c.s.unreach.fail(agent, c.s.now())
	c.s.log.Info("sip: agent's phone unreachable", "contact", c.id, "agent", agent, "why", why, "decline_after", wait)
	decline := func() {
		if err := c.s.centerOf(c.tenant).VoiceDeclined(c.ctx, agent, c.id); err != nil {
			c.s.log.Warn("sip: decline", "contact", c.id, "err", err)
		}
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		if err := c.s.centerOf(c.tenant).SetAgentState(ctx, c.tenant, agent, "not_ready", ReasonPhoneUnreachable); err != nil {
			c.s.log.Info("sip: agent not made not ready", "agent", agent, "err", err)
		}
	}
	if wait == 0 {
		decline()
		return
	}
	go func() {
		select {
		case <-c.ctx.Done():
		case <-time.After(wait):
			decline()
		}
	}()
}
