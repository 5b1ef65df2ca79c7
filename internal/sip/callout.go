package sip

import (
	"context"
	"errors"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
)

// A call an agent places from a chat to the number its customer left for
// a callback (live.OutboundDialer): the agent's browser softphone or
// registered SIP phone rings first (the agent clicked Call: the desk
// answers its softphone by itself), then the customer's number goes out
// the way callbacks do (sip.callback_trunk or callback_gateway, within
// callback_allow/callback_deny and callbacks_per_number), and the two are
// bridged. It is a call of its own beside the chat: the center is told
// its progress, never that the contact ended.

// outbound is what a call placed from a chat keeps (run goroutine).
type outbound struct {
	report func(ctx context.Context, status, reason string)
}

// How long each side may ring.
const (
	outAgentRing    = 30 * time.Second
	outCustomerRing = 60 * time.Second
)

// Reach implements live.OutboundDialer.
func (s *Server) Reach(tenantID, agentID int64) string {
	if !s.canCallBack() || !s.cbPolicy.enabled() {
		return ""
	}
	if sp := s.cfg.Softphone; sp != nil && sp.Enabled(agentID) {
		return live.ReachSoftphone
	}
	if b, ok := s.reg.lookup(agentID, s.now()); ok && b.tenantID == tenantID {
		return live.ReachPhone
	}
	return live.ReachNone
}

// outCall is a live.OutboundCall.
type outCall struct{ c *call }

func (o outCall) Hangup() { o.c.push(callEvent{kind: evEnded, reason: "hangup"}) }

// DialOut implements live.OutboundDialer.
func (s *Server) DialOut(d live.DialOut) (live.OutboundCall, error) {
	if !s.canCallBack() {
		return nil, &live.DialError{Reason: "no_route", Err: errors.New("no callback gateway or trunk")}
	}
	if err := s.cbPolicy.take(d.Number, "", s.now()); err != nil {
		return nil, &live.DialError{Reason: "refused", Err: err}
	}
	c := newCall(s, d.TenantID, s.speaker(""), true)
	if c == nil {
		return nil, &live.DialError{Reason: "error", Err: errors.New("too many calls in progress")}
	}
	c.id, c.number, c.callbackTo, c.callerGone = d.ContactID, d.Number, d.Number, true
	c.law = media.Alaw
	c.out = &outbound{report: d.Report}
	go c.run(func() bool { return c.outStart(d.AgentID) })
	return outCall{c}, nil
}

// outStart rings the agent: its softphone when its desk has it on, else
// its registered phone.
func (c *call) outStart(agent int64) bool {
	laws := []media.Law{media.Alaw, media.Ulaw}
	if sp := c.s.cfg.Softphone; sp != nil && sp.Enabled(agent) {
		l := c.newLeg(agent, target{}, laws[:1])
		c.leg = l
		go l.ringSoft(outAgentRing)
		return false
	}
	b, ok := c.s.reg.lookup(agent, c.s.now())
	if !ok || b.tenantID != c.tenant {
		return c.outOver(live.CallOutFailed, "no_phone")
	}
	if err := c.s.stillValid(c.ctx, b); err != nil {
		c.s.reg.drop(b)
		return c.outOver(live.CallOutFailed, "no_phone")
	}
	l := c.newLeg(agent, target{uri: b.contact, dest: b.source, transport: b.transport}, laws)
	c.leg = l
	go l.ring(outAgentRing)
	return false
}

// outEvent is handle for a call placed from a chat; true when it is over.
func (c *call) outEvent(ev callEvent) bool {
	switch ev.kind {
	case evLegAnswered:
		switch ev.leg {
		case c.leg:
			return c.outDialCustomer()
		case c.customer:
			c.bridged = true
			c.leg.peer.Store(&bridgeEnd{rtp: c.customer.end, evPT: c.customer.evPT})
			c.customer.peer.Store(&bridgeEnd{rtp: c.leg.end, evPT: c.leg.evPT})
			c.s.log.Info("sip: call from a chat bridged", "contact", c.id, "agent", c.leg.agent)
			c.s.metrics.bridges.Inc()
			c.out.report(c.ctx, live.CallOutConnected, "")
		default:
			ev.leg.stop()
		}
	case evLegFailed:
		switch ev.leg {
		case c.leg:
			c.leg = nil
			return c.outOver(live.CallOutFailed, "agent_no_answer")
		case c.customer:
			c.customer = nil
			c.s.log.Info("sip: call from a chat not answered", "contact", c.id, "code", ev.code)
			return c.outOver(live.CallOutFailed, customerFailure(ev.code))
		}
	case evLegBye:
		if ev.leg == c.leg || ev.leg == c.customer {
			if c.bridged {
				return c.outOver(live.CallOutEnded, "")
			}
			return c.outOver(live.CallOutFailed, "cancelled")
		}
	case evEnded, evShutdown:
		if c.bridged {
			return c.outOver(live.CallOutEnded, "")
		}
		return c.outOver(live.CallOutFailed, "cancelled")
	}
	return false
}

// outDialCustomer: the agent is on the line, now the customer's number.
func (c *call) outDialCustomer() bool {
	t, ok := c.s.callbackTarget(c.callbackTo)
	if !ok {
		return c.outOver(live.CallOutFailed, "no_route")
	}
	if t.trunk != nil {
		t.trunk.hold() // released with the leg
	}
	l := c.newLeg(0, t, []media.Law{c.leg.law})
	c.customer = l
	go l.ring(outCustomerRing)
	c.out.report(c.ctx, live.CallOutRinging, "")
	return false
}

// outOver hangs up both sides and reports the end.
func (c *call) outOver(status, reason string) bool {
	c.byeAll()
	c.out.report(c.ctx, status, reason)
	return true
}

// customerFailure names the final answer of a customer's phone that did
// not take the call.
func customerFailure(code int) string {
	switch code {
	case 486, 600:
		return "busy"
	case 0, 408, 480, 487:
		return "no_answer"
	case 603:
		return "declined"
	case 404, 484, 485:
		return "invalid_number"
	}
	return "error"
}
