package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// VoiceCall is the telephony side of one voice contact (internal/sip
// implements it). The center calls its methods on its own goroutine, in the
// order of the engine's events: they must return at once, handing the work
// to the call's own goroutine.
type VoiceCall interface {
	// Offered: ring the agent's phone; the engine withdraws the offer after
	// timeout (RONA) unless VoiceAnswered or VoiceDeclined comes first.
	Offered(agentID int64, timeout time.Duration)
	// Withdrawn: the offer to the agent ended without a conversation
	// (reason "rona", "declined", "abandoned", "transferred", ...): stop
	// ringing.
	Withdrawn(agentID int64, reason string)
	// Connected: the agent holds the call: bridge the media.
	Connected(agentID int64)
	// Ended: the contact is over for the center: reason "" after a
	// conversation (hang up both sides), "closed" or "full" (refused),
	// "abandoned", "callback" (an overflow turned it into a callback).
	Ended(reason string)
}

// CallbackChecker is implemented by the VoiceCalls that restrict the
// numbers they call back: an overflow turns a call into a callback to its
// calling number only when AllowCallback accepts it (it must not block).
type CallbackChecker interface {
	AllowCallback(number string) error
}

// VoiceDialer makes the call of a voice callback that has no VoiceCall any
// more (its caller hung up before a restart): it is asked when the
// callback is offered to an agent.
type VoiceDialer interface {
	CallBack(tenantID, contactID int64, number string) VoiceCall
}

// voiceRec is what the owner keeps of a voice contact's call.
type voiceRec struct {
	call  VoiceCall
	ended string // the reason given to Ended, once ended
}

// voiceHooks holds the dialer set by SetVoiceDialer.
type voiceHooks struct {
	mu     sync.Mutex
	dialer VoiceDialer
	soft   Softphone // softphone.go
}

// SetVoiceDialer sets who places the calls of callbacks restored without a
// call (nil: such callbacks are abandoned when they come up).
func (c *Center) SetVoiceDialer(d VoiceDialer) {
	c.voice.mu.Lock()
	c.voice.dialer = d
	c.voice.mu.Unlock()
}

func (c *Center) voiceDialer() VoiceDialer {
	c.voice.mu.Lock()
	defer c.voice.mu.Unlock()
	return c.voice.dialer
}

// ErrVoiceContact refuses an agent desktop's "accept" of a call that does
// not ring its softphone: such calls are answered on the agent's phone.
var ErrVoiceContact = errors.New("a call is answered on the phone")

// VoiceArrival is where an arriving call stands once routed.
type VoiceArrival struct {
	ContactID int64
	Position  int
	EWT       time.Duration
	// NoAgent: nobody who serves the queue is signed in; the EWT then
	// promises an answer nobody is there to give (the chat announces none).
	NoAgent bool
	// Ended is "" when the call waits (or is already offered); else why it
	// was refused: "closed", "full".
	Ended string
}

// ArriveVoice stores an arriving call as a voice interaction of the entry
// point's queue, then routes it; call hears of the engine's decisions from
// then on (an agent may be offered the call before ArriveVoice returns).
// It is ReceiveVoice then QueueVoice to the entry point's queue.
func (c *Center) ArriveVoice(ctx context.Context, ep model.EntryPoint, cust model.Customer, call VoiceCall) (VoiceArrival, error) {
	rc, err := c.ReceiveVoice(ctx, ep, cust, call)
	if err != nil {
		return VoiceArrival{}, err
	}
	return c.QueueVoice(ctx, rc, ep.QueueID)
}

// ReceivedCall is a call stored by ReceiveVoice and not yet queued.
type ReceivedCall struct {
	ContactID int64
	// MenuChoice, set before QueueVoice, is stored on the interaction:
	// "option:K", "zero" or "default" (model.CheckMenuChoice).
	MenuChoice string
	// Closed: the entry point is closed; the call was ended and told so
	// (call.Ended("closed")).
	Closed bool
	in     model.Interaction
	call   VoiceCall
}

// ReceiveVoice stores an arriving call as a voice interaction of the entry
// point's queue, committed before the call is answered, and checks the
// entry point's own hours (outside them the interaction ends "closed" and
// call.Ended("closed") is called). The call is not queued yet: QueueVoice
// does it, once a voice menu chose the queue; a caller who leaves before
// that is AbandonReceived.
func (c *Center) ReceiveVoice(ctx context.Context, ep model.EntryPoint, cust model.Customer, call VoiceCall) (*ReceivedCall, error) {
	if ep.Kind != model.EntryPhone {
		return nil, fmt.Errorf("arrive call: entry point %q is not a phone entry", ep.Address)
	}
	// A stopped center takes no call: nothing is stored for it (checked
	// without a round trip to the engine's goroutine, on every setup).
	select {
	case <-c.done:
		return nil, fmt.Errorf("arrive call to %s: %w", ep.Address, ErrStopped)
	default:
	}
	epID := ep.ID
	in := model.Interaction{QueueID: ep.QueueID, Channel: model.ChannelVoice, Customer: cust, ArrivedAt: c.now(), EntryPointID: &epID}
	id, err := c.st.CreateInteraction(ctx, ep.TenantID, in)
	if err != nil {
		return nil, fmt.Errorf("store arriving call to %s: %w", ep.Address, err)
	}
	in.ID, in.TenantID, in.State = id, ep.TenantID, model.StateQueued
	rc := &ReceivedCall{ContactID: id, in: in, call: call}
	if open, err := c.entryOpen(ctx, ep); err != nil {
		c.log.Warn("schedule of phone entry point", "entry", ep.Address, "err", err)
	} else if !open {
		// The entry point's own hours (the queue's are the engine's).
		if _, err := c.st.UpdateInteractionState(ctx, ep.TenantID, id, store.StateUpdate{State: model.StateEnded,
			EndedReason: model.EndClosed, At: c.now(), CloseSegments: true}); err != nil {
			return nil, fmt.Errorf("close call %d outside the entry's hours: %w", id, err)
		}
		rc.Closed = true
		call.Ended("closed")
	}
	return rc, nil
}

// QueueVoice routes a received call to queueID: the entry point's queue, or
// another voice queue of the tenant chosen in the entry's menu (the
// interaction moves to it; the time before is its first queued segment).
func (c *Center) QueueVoice(ctx context.Context, rc *ReceivedCall, queueID int64) (VoiceArrival, error) {
	if rc.Closed {
		return VoiceArrival{ContactID: rc.ContactID, Ended: "closed"}, nil
	}
	in := rc.in
	if queueID != in.QueueID {
		q := queueID
		if _, err := c.st.UpdateInteractionState(ctx, in.TenantID, in.ID, store.StateUpdate{State: model.StateQueued, At: c.now(),
			QueueID: &q, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegQueued, QueueID: &q}, MenuChoice: rc.MenuChoice}); err != nil {
			return VoiceArrival{}, fmt.Errorf("move call %d to queue %d: %w", in.ID, queueID, err)
		}
		in.QueueID = queueID
	} else if rc.MenuChoice != "" {
		if _, err := c.st.UpdateInteractionState(ctx, in.TenantID, in.ID, store.StateUpdate{State: model.StateQueued, At: c.now(),
			MenuChoice: rc.MenuChoice}); err != nil {
			return VoiceArrival{}, fmt.Errorf("record the menu choice of call %d: %w", in.ID, err)
		}
	}
	qid := acd.QueueID(queueID)
	vr := &voiceRec{call: rc.call}
	rec := &contactRec{in: in, queue: qid, voice: vr}
	res := VoiceArrival{ContactID: in.ID}
	arrive := func(o *owner) error {
		if err := o.arrive(rec); err != nil {
			return err
		}
		o.process()
		if o.contacts[acd.ContactID(in.ID)] == nil {
			res.Ended = vr.ended
			if res.Ended == "" {
				res.Ended = "closed"
			}
			return nil
		}
		res.Position, res.EWT, _ = o.eng.Position(acd.ContactID(in.ID))
		res.NoAgent = o.eng.Staffed(acd.QueueID(in.QueueID)) == 0
		return nil
	}
	known := false
	route := func(o *owner) error {
		if known = o.knowsQueue(qid); !known {
			return nil // loaded below, then routed
		}
		return arrive(o)
	}
	// One round trip to the engine's goroutine when the queue is loaded
	// (the usual case), two with its loading between them. The setup
	// waits for its own writes (an offer made at once), not for the
	// hang-ups queued before it (doOwn).
	err := c.doOwn(ctx, route)
	if err == nil && !known {
		if err := c.Reload(ctx, Change{Kind: ChangeQueue, TenantID: in.TenantID, ID: queueID}); err != nil {
			c.log.Warn("load queue of a call", "queue", qid, "err", err)
		}
		err = c.doOwn(ctx, arrive) // a queue that could not be loaded ends the call closed

	}
	if err != nil {
		return VoiceArrival{}, fmt.Errorf("route arriving call %d: %w", in.ID, err)
	}
	return res, nil
}

// AbandonReceived ends a received call that was never queued: its caller
// hung up in the menu.
func (c *Center) AbandonReceived(ctx context.Context, rc *ReceivedCall) error {
	if rc.Closed {
		return nil
	}
	_, err := c.st.UpdateInteractionState(ctx, rc.in.TenantID, rc.in.ID, store.StateUpdate{State: model.StateEnded,
		EndedReason: model.EndAbandoned, At: c.now(), CloseSegments: true})
	if err != nil {
		return fmt.Errorf("abandon call %d in its menu: %w", rc.in.ID, err)
	}
	return nil
}

// VoicePosition returns a waiting call's position and expected wait; ok is
// false when it no longer waits.
func (c *Center) VoicePosition(ctx context.Context, contactID int64) (pos int, ewt time.Duration, ok bool, err error) {
	err = c.do(ctx, func(o *owner) error {
		pos, ewt, ok = o.eng.Position(acd.ContactID(contactID))
		return nil
	})
	if err != nil {
		return 0, 0, false, fmt.Errorf("position of call %d: %w", contactID, err)
	}
	return pos, ewt, ok, nil
}

// VoiceAnswered: the agent's phone answered the call offered to it.
func (c *Center) VoiceAnswered(ctx context.Context, agentID, contactID int64) error {
	return c.do(ctx, func(o *owner) error {
		if err := o.eng.Accept(o.c.now(), acd.AgentID(agentID), acd.ContactID(contactID)); err != nil {
			return fmt.Errorf("answer call %d: %w", contactID, err)
		}
		return nil
	})
}

// VoiceDeclined: the agent's phone refused the call (busy, decline) or
// cannot be reached; the engine puts the call back in its place.
func (c *Center) VoiceDeclined(ctx context.Context, agentID, contactID int64) error {
	return c.do(ctx, func(o *owner) error {
		err := o.eng.Decline(o.c.now(), acd.AgentID(agentID), acd.ContactID(contactID))
		if err != nil && !errors.Is(err, acd.ErrState) && !errors.Is(err, acd.ErrUnknownContact) {
			return fmt.Errorf("decline call %d: %w", contactID, err)
		}
		return nil
	})
}

// VoiceHangup: the caller hung up. A waiting or ringing call is abandoned
// (unless it became a callback, which keeps its place); a conversation
// ends and the agent wraps up. It waits for its own writes only (the
// abandon), not for everything queued before it: at hundreds of hang-ups
// a second each one waited for the others' commits.
func (c *Center) VoiceHangup(ctx context.Context, contactID int64) error {
	return c.doOwn(ctx, func(o *owner) error {
		id := acd.ContactID(contactID)
		rec := o.contacts[id]
		if rec == nil {
			return nil
		}
		now := o.c.now()
		switch rec.state {
		case cWaiting, cOffered:
			if rec.callback {
				return nil
			}
			if err := o.eng.Abandon(now, id); err != nil {
				return fmt.Errorf("abandon call %d: %w", contactID, err)
			}
		case cConnected:
			if err := o.eng.End(now, id); err != nil {
				return fmt.Errorf("end call %d: %w", contactID, err)
			}
		}
		return nil
	})
}

// VoiceCallback registers a waiting caller's request to be called back at
// number, keeping the place.
func (c *Center) VoiceCallback(ctx context.Context, contactID int64, number string) error {
	cb := model.Callback{Number: number}
	if err := cb.Validate(); err != nil {
		return fmt.Errorf("callback of call %d: %w", contactID, err)
	}
	return c.do(ctx, func(o *owner) error { return o.requestCallback(acd.ContactID(contactID), cb) })
}

// voiceEvent tells a voice contact's call of an engine event; it runs
// before the event's own handling.
func (o *owner) voiceEvent(rec *contactRec, ev acd.Event) {
	if rec.in.Channel != model.ChannelVoice {
		return
	}
	if rec.voice == nil {
		if ev.Kind != acd.EvOffered {
			return
		}
		// Restored after a restart: the caller is gone. A callback gets a
		// new call; anything else is abandoned.
		d := o.c.voiceDialer()
		if d == nil || !rec.callback || rec.in.Callback == nil || rec.in.Callback.Number == "" {
			o.c.log.Warn("voice contact without a call, abandoning", "contact", rec.in.ID)
			if err := o.eng.Abandon(ev.At, ev.Contact); err != nil {
				o.c.log.Error("abandon voice contact without a call", "contact", rec.in.ID, "err", err)
			}
			return
		}
		rec.voice = &voiceRec{call: d.CallBack(rec.in.TenantID, rec.in.ID, rec.in.Callback.Number)}
	}
	call := rec.voice.call
	switch ev.Kind {
	case acd.EvOffered:
		timeout := time.Duration(0)
		if q := o.queues[ev.Queue]; q != nil {
			timeout = time.Duration(q.m.OfferTimeoutSeconds) * time.Second
		}
		call.Offered(int64(ev.Agent), timeout)
	case acd.EvRequeued:
		call.Withdrawn(int64(ev.Agent), ev.Cause.String())
	case acd.EvConnected:
		call.Connected(int64(ev.Agent))
	case acd.EvRejected:
		reason := "closed"
		if ev.Cause == acd.CauseFull {
			reason = "full"
		}
		o.voiceEnded(rec, reason)
	case acd.EvAbandoned:
		if rec.state == cOffered {
			call.Withdrawn(int64(rec.agent), "abandoned")
		}
		o.voiceEnded(rec, "abandoned")
	case acd.EvTransferred, acd.EvOverflowed:
		if rec.state == cOffered {
			call.Withdrawn(int64(rec.agent), ev.Kind.String())
		}
		switch {
		case ev.Kind == acd.EvOverflowed && ev.Action == acd.OverflowClose:
			o.voiceEnded(rec, "closed")
		case ev.Kind == acd.EvOverflowed && ev.Action == acd.OverflowCallback:
			o.voiceOverflowCallback(rec, ev)
		}
	case acd.EvEnded:
		if ev.Moved {
			if rq, ok := call.(VoiceRequeuer); ok { // checked before the transfer
				rq.Requeued(int64(ev.Agent))
			}
			return
		}
		if sv, ok := call.(VoiceSurveyor); ok && rec.voice.ended == "" && !rec.callback {
			if q := o.queues[rec.queue]; q != nil && q.m.VoiceSurvey {
				rec.voice.ended = "survey"
				sv.Survey()
				return
			}
		}
		o.voiceEnded(rec, "")
	}
}

func (o *owner) voiceEnded(rec *contactRec, reason string) {
	if rec.voice.ended != "" {
		return
	}
	rec.voice.ended = reason
	if reason == "" {
		rec.voice.ended = "ended"
	}
	rec.voice.call.Ended(reason)
}

// voiceOverflowCallback: the queue turns a waiting call into a callback to
// the calling number (when there is one and the call's CallbackChecker
// accepts it); the caller is told and hung up.
// Without a number the caller stays on the line and is served as a call.
func (o *owner) voiceOverflowCallback(rec *contactRec, _ acd.Event) {
	cb := model.Callback{Number: rec.in.Customer.Phone}
	if cb.Number == "" || cb.Validate() != nil {
		return
	}
	if chk, ok := rec.voice.call.(CallbackChecker); ok {
		if err := chk.AllowCallback(cb.Number); err != nil {
			o.c.log.Info("overflow callback to the calling number refused", "contact", rec.in.ID, "err", err)
			return
		}
	}
	rec.in.Callback = &cb
	o.voiceEnded(rec, "callback")
}

// overflowCallback is the callback stored when a queue's overflow turns a
// contact into one: the calling number of a call, else a write-back.
func (o *owner) overflowCallback(rec *contactRec) *model.Callback {
	if rec.in.Channel == model.ChannelVoice && rec.in.Callback != nil && rec.in.Callback.Number != "" {
		return rec.in.Callback
	}
	return &model.Callback{WriteBack: true}
}

// voiceAccept refuses a desktop's accept of a call (see ErrVoiceContact).
func (o *owner) voiceAccept(cid acd.ContactID) error {
	if rec := o.contacts[cid]; rec != nil && rec.in.Channel == model.ChannelVoice {
		return fmt.Errorf("accept contact %d: %w", cid, ErrVoiceContact)
	}
	return nil
}

// restoreGrace is how long a restored contact waits for its customer: a
// call's caller cannot come back after a restart (the signalling is gone).
func (o *owner) restoreGrace(rec *contactRec) time.Duration {
	if rec.in.Channel == model.ChannelVoice {
		return 0
	}
	return o.c.grace
}

// entryOpen reports whether an entry point with its own schedule is open
// now (true without one).
func (c *Center) entryOpen(ctx context.Context, ep model.EntryPoint) (bool, error) {
	if ep.ScheduleID == nil {
		return true, nil
	}
	s, err := c.st.GetSchedule(ctx, ep.TenantID, *ep.ScheduleID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	h, err := hours(s)
	if err != nil || h == nil {
		return true, err
	}
	return h.IsOpen(c.now()), nil
}
