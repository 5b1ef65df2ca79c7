package live

import (
	"context"
	"fmt"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// A chat whose customer asked to be called back: the agent holding it
// clicks Call on the desk and Plateau places the call (internal/sip): it
// rings the agent's browser softphone or registered SIP phone, then the
// number the customer left, and bridges them. The time the customer is on
// the line is an outbound segment of the chat's contact (handled, billable
// like talk: internal/kpi), between connected ones. Plateau calls only the
// number the customer gave, by the agent's own hand (no robot dialing).

// Reach values: how an agent would take a call placed from the desk.
const (
	ReachSoftphone = "softphone" // its desk's browser softphone is on
	ReachPhone     = "phone"     // a SIP phone is registered for it
	ReachNone      = "none"      // neither (the desk offers a tel: link)
)

// Call-out statuses, sent to the desk in {"type":"call_out"} frames.
const (
	CallOutDialing   = "dialing"   // the agent's phone or softphone rings
	CallOutRinging   = "ringing"   // the agent is on the line; the customer's phone rings
	CallOutConnected = "connected" // the customer answered: they talk
	CallOutEnded     = "ended"     // hung up after talking
	CallOutFailed    = "failed"    // never connected; Reason says why
)

// OutboundDialer is implemented by the VoiceDialers that can place a call
// from a chat (internal/sip): the center finds it on the VoiceDialer set
// by SetVoiceDialer.
type OutboundDialer interface {
	// Reach: how agentID of tenantID would take a call now (ReachSoftphone,
	// ReachPhone, ReachNone), or "" when no call can go out at all (no
	// callback gateway or trunk). It must not block.
	Reach(tenantID, agentID int64) string
	// DialOut starts the call and returns at once; the progress comes
	// through d.Report, on the dialer's goroutines, in order, ending with
	// CallOutEnded or CallOutFailed.
	DialOut(d DialOut) (OutboundCall, error)
}

// DialOut is a call to place from a chat.
type DialOut struct {
	TenantID, ContactID, AgentID int64
	Number                       string // the callback number the customer left (E.164)
	// Report receives each status, with a reason for CallOutFailed
	// ("busy", "no_answer", "declined", "invalid_number", "agent_no_answer",
	// "no_phone", "refused", "no_route", "error").
	Report func(ctx context.Context, status, reason string)
}

// OutboundCall is a call placed by DialOut.
type OutboundCall interface {
	// Hangup ends the call (both sides); it returns at once.
	Hangup()
}

// callOut is a chat's call in progress (owner goroutine).
type callOut struct {
	agent  acd.AgentID
	call   OutboundCall
	status string
	talked bool // an outbound segment was opened
}

type callOutFrame struct {
	Type      string `json:"type"`
	ContactID int64  `json:"contact_id"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	Number    string `json:"number,omitempty"`
}

func (c *Center) outboundDialer() OutboundDialer {
	od, _ := c.voiceDialer().(OutboundDialer)
	return od
}

// dialInfo adds to a chat's "connected" frame the number its customer
// left for a callback and how the agent could call it from the desk.
func (o *owner) dialInfo(rec *contactRec, f *agentConnectedFrame) {
	if rec.in.Channel != model.ChannelChat || rec.in.Callback == nil || rec.in.Callback.Number == "" {
		return
	}
	f.CallbackNumber = rec.in.Callback.Number
	if od := o.c.outboundDialer(); od != nil {
		f.Dial = od.Reach(rec.in.TenantID, int64(rec.agent))
	}
}

// callOut handles {"type":"call_out","contact_id":1}: the agent holding a
// chat with a callback number asks Plateau to call it.
func (ac *agentConn) callOut(f inFrame) error {
	c, ctx, id, cid := ac.c, ac.s.ctx, ac.id, acd.ContactID(f.ContactID)
	od := c.outboundDialer()
	if od == nil {
		return &frameError{code: codeUnavailable, msg: "no telephony on this server: call the number from your own phone"}
	}
	var d DialOut
	out := &callOut{agent: id, status: CallOutDialing}
	err := c.do(ctx, func(o *owner) error {
		if err := o.holds(id, cid); err != nil {
			return err
		}
		rec := o.contacts[cid]
		if rec.in.Channel != model.ChannelChat || rec.in.Callback == nil || rec.in.Callback.Number == "" {
			return refused(store.ErrConflict, "this contact has no number to call back")
		}
		if rec.out != nil {
			return refused(store.ErrConflict, "a call to this customer is already in progress")
		}
		rec.out = out
		d = DialOut{TenantID: rec.in.TenantID, ContactID: rec.in.ID, AgentID: int64(id), Number: rec.in.Callback.Number}
		return nil
	})
	if err != nil {
		return ac.refused(err)
	}
	d.Report = func(ctx context.Context, status, reason string) { c.callOutReport(ctx, out, d, status, reason) }
	c.log.Info("audit: agent calls a chat's callback number", "agent", id, "contact", d.ContactID)
	ac.s.send(callOutFrame{Type: "call_out", ContactID: d.ContactID, Status: CallOutDialing, Number: d.Number})
	call, derr := od.DialOut(d)
	if derr != nil {
		c.log.Info("call out refused", "contact", d.ContactID, "err", derr)
		c.callOutReport(ctx, out, d, CallOutFailed, dialRefusal(derr))
		return nil
	}
	return ac.refused(c.do(ctx, func(o *owner) error {
		if rec := o.contacts[cid]; rec != nil && rec.out == out {
			out.call = call
		} else if out.status != CallOutEnded && out.status != CallOutFailed {
			call.Hangup() // the chat ended meanwhile
		}
		return nil
	}))
}

// DialError is a refusal of DialOut with its reason (see DialOut.Report).
type DialError struct {
	Reason string
	Err    error
}

func (e *DialError) Error() string { return fmt.Sprintf("call out refused (%s): %v", e.Reason, e.Err) }
func (e *DialError) Unwrap() error { return e.Err }

func dialRefusal(err error) string {
	if de, ok := err.(*DialError); ok {
		return de.Reason
	}
	return "error"
}

// callOutHangup handles {"type":"call_out_hangup","contact_id":1}.
func (ac *agentConn) callOutHangup(f inFrame) error {
	id, cid := ac.id, acd.ContactID(f.ContactID)
	return ac.refused(ac.c.do(ac.s.ctx, func(o *owner) error {
		rec := o.contacts[cid]
		if rec == nil || rec.agent != id || rec.out == nil {
			return refused(store.ErrConflict, "no call in progress on this contact")
		}
		if rec.out.call != nil {
			rec.out.call.Hangup()
		}
		return nil
	}))
}

// callOutReport takes a status of out: the segments (an outbound segment
// while the customer is on the line, connected again after) and the
// agent's desk.
func (c *Center) callOutReport(ctx context.Context, out *callOut, d DialOut, status, reason string) {
	err := c.do(ctx, func(o *owner) error {
		out.status = status
		rec := o.contacts[acd.ContactID(d.ContactID)]
		mine := rec != nil && rec.out == out
		agentID := d.AgentID
		if mine && rec.state == cConnected {
			qid := int64(rec.queue)
			switch {
			case status == CallOutConnected && !out.talked:
				out.talked = true
				o.persist(d.TenantID, d.ContactID, store.StateUpdate{State: model.StateConnected, At: o.c.now(), CloseSegments: true,
					OpenSegment: &model.Segment{Kind: model.SegOutbound, AgentID: &agentID, QueueID: &qid, Billable: true}})
			case (status == CallOutEnded || status == CallOutFailed) && out.talked:
				o.persist(d.TenantID, d.ContactID, store.StateUpdate{State: model.StateConnected, At: o.c.now(), CloseSegments: true,
					OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agentID, QueueID: &qid, Billable: true}})
			}
		}
		if mine && (status == CallOutEnded || status == CallOutFailed) {
			rec.out = nil
		}
		if a := o.agents[acd.AgentID(d.AgentID)]; a != nil {
			a.sess.send(callOutFrame{Type: "call_out", ContactID: d.ContactID, Status: status, Reason: reason, Number: d.Number})
		}
		return nil
	})
	if err != nil {
		c.log.Warn("call out status", "contact", d.ContactID, "status", status, "err", err)
	}
}

// callOutEvent hangs up a chat's call when its conversation ends or moves
// (the agent wraps up or transferred it): the outbound segment was closed
// with the conversation's.
func (o *owner) callOutEvent(rec *contactRec, ev acd.Event) {
	if rec.out == nil {
		return
	}
	switch ev.Kind {
	case acd.EvEnded, acd.EvTransferred, acd.EvAbandoned:
		if rec.out.call != nil {
			rec.out.call.Hangup()
		}
		rec.out.talked = false // its segment closes with the conversation's
	}
}
