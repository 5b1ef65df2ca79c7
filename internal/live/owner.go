package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// owner is the state of the goroutine that owns the engine. Nothing else
// touches it (New fills it before Run starts).
type owner struct {
	c        *Center
	ctx      context.Context // for the store; Run's
	eng      *acd.Engine
	queues   map[acd.QueueID]*queueRec
	agents   map[acd.AgentID]*agentRec
	contacts map[acd.ContactID]*contactRec
	detached map[acd.ContactID]*contactRec // customers gone, within their grace period
	// reconnecting: conversations restored to their agent, waiting for it
	// to sign in again (reconnect.go).
	reconnecting map[acd.ContactID]*contactRec
	dirty        map[acd.QueueID]*queueRec // positions to recompute
	// writes stores the engine's decisions without waiting for each
	// commit: a command's caller hears back once its writes are committed
	// (Center.do), and Run waits for them before it returns.
	writes *store.WriteQueue
}

type queueRec struct {
	m         model.Queue
	sched     *model.Schedule
	deleted   bool
	waiting   map[acd.ContactID]*contactRec
	dirty     bool
	flushedAt time.Time
}

type agentRec struct {
	m       model.Agent
	deleted bool
	sess    *session
	name    string // display name (customers see its first word)
	// pseudonym, when set, is shown to customers instead (model.CustomerFacing).
	pseudonym string
	offer     acd.ContactID
	since     time.Time // last change of state; zero: none seen since start
}

type contactState uint8

const (
	cWaiting contactState = iota
	cOffered
	cConnected
	cWrapUp
)

type contactRec struct {
	in       model.Interaction
	queue    acd.QueueID
	state    contactState
	agent    acd.AgentID
	callback bool
	sess     *session
	token    string // sent once, in the first queued frame
	graceAt  time.Time
	told     bool // the customer was told a position
	// announced: what the customer was told on arrival is on its way to
	// the store (or, for a contact restored at start, was stored or lost).
	announced bool
	pos, ewt  int
	noAgent   bool      // the customer was told that nobody is signed in
	offeredAt time.Time // the offer in progress began, for its countdown
	voice     *voiceRec // the call of a voice contact (voice.go)
	// spoke: the customer sent a message (a silent one keeps its place a
	// shorter time when its socket drops).
	spoke bool
	// release gives back the chat's waiting place counted per source
	// address (chat.go); nil for contacts not counted.
	release func()
	// transferred: its conversation was just cut by a transfer; the
	// customer is told where it waits now (transfer.go).
	transferred bool
	// heldSince: the agent answered it, or began its wrap-up, then.
	heldSince time.Time
	// consult is the agent's latest consult request on it (notes.go).
	consult string
	// onHold: the call is on hold (hold.go).
	onHold bool
	// agentGraceAt: a conversation restored to its agent waits until then
	// for the agent to sign in again (reconnect.go).
	agentGraceAt time.Time
	// out: a call placed from the chat to its callback number (callout.go).
	out *callOut
}

// stopWaiting gives back the contact's waiting place per address.
func (rec *contactRec) stopWaiting() {
	if rec.release != nil {
		rec.release()
	}
}

func newOwner(c *Center, ctx context.Context) *owner {
	return &owner{
		c: c, ctx: ctx,
		writes: c.st.NewWriteQueue(c.fence, func(what string, err error) {
			c.log.Error("persist contact state", "write", what, "err", err)
		}),
		eng:          acd.New(acd.Config{}),
		queues:       map[acd.QueueID]*queueRec{},
		agents:       map[acd.AgentID]*agentRec{},
		contacts:     map[acd.ContactID]*contactRec{},
		detached:     map[acd.ContactID]*contactRec{},
		reconnecting: map[acd.ContactID]*contactRec{},
		dirty:        map[acd.QueueID]*queueRec{},
	}
}

// ---- configuration ----

func (o *owner) tenantQueues(tenantID int64) []acd.QueueID {
	var ids []acd.QueueID
	for id, q := range o.queues {
		if q.m.TenantID == tenantID && !q.deleted {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (o *owner) setQueue(q model.Queue, sched *model.Schedule) error {
	cfg, err := queueConfig(q, sched)
	if err != nil {
		return err
	}
	id := acd.QueueID(q.ID)
	if err := o.eng.SetQueue(cfg); err != nil {
		return fmt.Errorf("set queue %d: %w", q.ID, err)
	}
	rec := o.queues[id]
	isNew := rec == nil || rec.deleted
	if rec == nil {
		rec = &queueRec{waiting: map[acd.ContactID]*contactRec{}}
		o.queues[id] = rec
	}
	rec.m, rec.sched, rec.deleted = q, sched, false
	o.c.metrics.setQueue(q.ID, len(rec.waiting), q.Channel == model.ChannelChat)
	if isNew {
		o.refreshTenantAgents(q.TenantID)
	}
	return nil
}

func (o *owner) deleteQueue(tenantID int64, id acd.QueueID) error {
	rec := o.queues[id]
	if rec == nil || rec.m.TenantID != tenantID {
		return nil
	}
	cfg, err := queueConfig(rec.m, nil)
	if err != nil {
		return err
	}
	cfg.Hours = closedHours()
	if err := o.eng.SetQueue(cfg); err != nil {
		return fmt.Errorf("close deleted queue %d: %w", id, err)
	}
	rec.deleted = true
	return nil
}

func (o *owner) setSchedule(tenantID, schedID int64, sched *model.Schedule) error {
	var errs []error
	for _, q := range o.queues {
		if q.m.TenantID == tenantID && !q.deleted && q.m.ScheduleID != nil && *q.m.ScheduleID == schedID {
			errs = append(errs, o.setQueue(q.m, sched))
		}
	}
	return errors.Join(errs...)
}

// refreshTenantAgents recomputes the queues of the tenant's agents that
// serve every queue of their tenant.
func (o *owner) refreshTenantAgents(tenantID int64) {
	for _, a := range o.agents {
		if a.m.TenantID == tenantID && !a.deleted && len(a.m.QueueIDs) == 0 {
			if err := o.eng.SetAgent(agentConfig(a.m, o.tenantQueues(tenantID))); err != nil {
				o.c.log.Error("refresh agent queues", "agent", a.m.ID, "err", err)
			}
		}
	}
}

func (o *owner) setAgent(a model.Agent) error {
	if err := o.eng.SetAgent(agentConfig(a, o.tenantQueues(a.TenantID))); err != nil {
		return fmt.Errorf("set agent %d: %w", a.ID, err)
	}
	rec := o.agents[acd.AgentID(a.ID)]
	if rec == nil {
		rec = &agentRec{}
		o.agents[acd.AgentID(a.ID)] = rec
	}
	rec.m, rec.deleted = a, false
	if rec.name == "" {
		rec.name = a.Name
	}
	return nil
}

func (o *owner) deleteAgent(tenantID int64, id acd.AgentID) error {
	rec := o.agents[id]
	if rec == nil || rec.m.TenantID != tenantID {
		return nil
	}
	now := o.c.now()
	if err := o.eng.SetPresence(now, id, acd.LoggedOut, ""); err != nil {
		return fmt.Errorf("log out deleted agent %d: %w", id, err)
	}
	cfg := agentConfig(rec.m, nil)
	cfg.Queues = []acd.QueueID{}
	if err := o.eng.SetAgent(cfg); err != nil {
		return fmt.Errorf("retire deleted agent %d: %w", id, err)
	}
	rec.deleted = true
	if rec.sess != nil {
		rec.sess.sendError(codeForbidden, "this agent was deleted")
		rec.sess.finish()
		rec.sess = nil
	}
	return nil
}

// ---- recovery ----

// restore puts the open interactions back into the engine, in arrival
// order with their original arrival times. Waiting and offered contacts
// wait again; a connected chat goes back to its agent (reconnect.go; a
// connected call, or a chat whose agent is gone, waits again and comes
// first, having arrived first); callbacks stay callbacks; a contact in wrap-up is
// ended (the conversation was over). Customers get the grace period to
// resume.
func (o *owner) restore(ctx context.Context) error {
	open, err := o.c.openInteractions(ctx)
	if err != nil {
		return fmt.Errorf("restore contacts: %w", err)
	}
	now := o.c.now()
	restored := 0
	for _, in := range open {
		q := o.queues[acd.QueueID(in.QueueID)]
		switch {
		case in.State == model.StateWrapUp:
			o.persist(in.TenantID, in.ID, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: now, CloseSegments: true})
			continue
		case q == nil || q.deleted:
			o.c.log.Warn("restore: queue gone, ending contact", "contact", in.ID, "queue", in.QueueID)
			o.persist(in.TenantID, in.ID, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndFailed, At: now, CloseSegments: true})
			continue
		}
		if o.reconnect(in, q, now) {
			restored++
			continue
		}
		callback := in.State == model.StateCallback || in.Callback != nil
		if in.Channel == model.ChannelVoice && !callback {
			// A call's signalling and media died with the process that
			// held them (a restart, a node lost): the caller did not
			// abandon, Plateau lost the call. Ended failed, a system cause
			// (internal/kpi: refused, or answered once connected).
			o.c.log.Warn("restore: call lost with its signalling, ending it failed", "contact", in.ID, "state", in.State)
			o.persist(in.TenantID, in.ID, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndFailed, At: now, CloseSegments: true})
			continue
		}
		if in.State == model.StateOffered || in.State == model.StateConnected {
			o.persist(in.TenantID, in.ID, store.StateUpdate{State: model.StateQueued, At: now, CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegQueued, QueueID: &in.QueueID}})
		}
		rec := &contactRec{in: in, queue: acd.QueueID(in.QueueID), callback: callback, announced: true}
		o.contacts[acd.ContactID(in.ID)] = rec
		q.waiting[acd.ContactID(in.ID)] = rec
		err := o.eng.Arrive(now, acd.ContactSpec{ID: acd.ContactID(in.ID), Queue: rec.queue,
			Tier: tierIndex(q.m, in.Tier), Arrival: in.ArrivedAt, Callback: callback})
		if err != nil {
			o.forget(rec)
			o.c.log.Error("restore contact", "contact", in.ID, "err", err)
			continue
		}
		if !callback {
			rec.graceAt = now.Add(o.restoreGrace(rec))
			o.detached[acd.ContactID(in.ID)] = rec
		}
		restored++
		o.process()
	}
	o.process()
	o.c.log.Info("live center restored contacts", "contacts", restored)
	return nil
}

// ---- the loop ----

// tick fires the engine's timers and the grace periods due at now, and
// sends the positions due.
func (o *owner) tick(now time.Time) {
	o.eng.Advance(now)
	o.process()
	for id, rec := range o.detached {
		if !rec.graceAt.After(now) {
			delete(o.detached, id)
			if err := o.eng.Abandon(now, id); err != nil {
				o.c.log.Debug("grace expiry", "contact", id, "err", err)
			}
			o.process()
		}
	}
	o.reconnectExpired(now)
	for id, q := range o.dirty {
		if now.Sub(q.flushedAt) < positionEvery {
			continue
		}
		delete(o.dirty, id)
		q.dirty = false
		q.flushedAt = now
		o.c.metrics.setQueue(int64(id), len(q.waiting), q.m.Channel == model.ChannelChat)
		for cid, rec := range q.waiting {
			if rec.sess == nil || !rec.told {
				continue
			}
			pos, ewt, ok := o.eng.Position(cid)
			if !ok {
				continue
			}
			if e, na := o.announcedWait(id, ewt); pos != rec.pos || e != rec.ewt || na != rec.noAgent {
				rec.pos, rec.ewt, rec.noAgent = pos, e, na
				rec.sess.send(positionFrame{Type: "position", Position: pos, EWTSeconds: e, NoAgent: na})
			}
		}
	}
}

// nextWake returns how long the loop may sleep.
func (o *owner) nextWake(now time.Time) time.Duration {
	next := now.Add(time.Hour)
	if t, ok := o.eng.NextDeadline(); ok && t.Before(next) {
		next = t
	}
	for _, rec := range o.detached {
		if rec.graceAt.Before(next) {
			next = rec.graceAt
		}
	}
	next = o.reconnectWake(next)
	for _, q := range o.dirty {
		if t := q.flushedAt.Add(positionEvery); t.Before(next) {
			next = t
		}
	}
	return max(next.Sub(now), 0)
}

func seconds(d time.Duration) int { return int((d + time.Second/2) / time.Second) }

func (o *owner) markDirty(id acd.QueueID) {
	if q := o.queues[id]; q != nil && !q.dirty {
		q.dirty = true
		o.dirty[id] = q
	}
}

// forget drops a contact that left the engine.
func (o *owner) forget(rec *contactRec) {
	rec.stopWaiting()
	id := acd.ContactID(rec.in.ID)
	delete(o.contacts, id)
	delete(o.detached, id)
	delete(o.reconnecting, id)
	if q := o.queues[rec.queue]; q != nil {
		delete(q.waiting, id)
	}
	o.markDirty(rec.queue)
}

// persist queues a state update (failures are logged): the engine has
// already decided, and the recovery at the next start works from what is
// stored. The engine's goroutine does not wait for the commit: hang-ups
// and offers come by hundreds a second under load, and each commit waits
// for the disk.
func (o *owner) persist(tenantID, id int64, u store.StateUpdate) {
	o.writes.UpdateInteractionState(tenantID, id, u)
}

// marker records a zero-length segment (abandoned, transferred, callback).
func (o *owner) marker(rec *contactRec, kind model.SegmentKind, at time.Time) {
	qid := int64(rec.queue)
	o.writes.OpenSegment(rec.in.TenantID, model.Segment{InteractionID: rec.in.ID, Kind: kind, QueueID: &qid, StartedAt: at, EndedAt: &at})
}

// process persists and fans out the engine's events until there are none.
func (o *owner) process() {
	for {
		evs := o.eng.Drain()
		if len(evs) == 0 {
			return
		}
		evs = slices.Clone(evs)
		for _, ev := range evs {
			o.handle(ev)
		}
	}
}

func (o *owner) handle(ev acd.Event) {
	if ev.Kind == acd.EvAgentState {
		if a := o.agents[ev.Agent]; a != nil {
			o.c.stateLog.add(store.AgentStateChange{TenantID: a.m.TenantID, AgentID: int64(ev.Agent), State: ev.State.String(),
				Reason: ev.Reason, At: ev.At}, ev.At)
			a.since = ev.At
			// Whether anybody is signed in for a queue may have changed:
			// its waiting customers are told at the next flush.
			for _, q := range o.tenantQueues(a.m.TenantID) {
				o.markDirty(q)
			}
			a.sess.send(agentStateFrame{Type: "agent_state", State: ev.State.String(), Presence: ev.Presence.String(), Reason: ev.Reason})
		}
		return
	}
	rec := o.contacts[ev.Contact]
	if ev.Kind == acd.EvWrapUpDone && (rec == nil || rec.state != cWrapUp || rec.agent != ev.Agent) {
		// The wrap-up of a contact the agent transferred: it went on.
		if a := o.agents[ev.Agent]; a != nil {
			a.sess.send(contactFrame{Type: "wrap_up_done", ContactID: int64(ev.Contact)})
		}
		return
	}
	if rec == nil {
		return
	}
	o.voiceEvent(rec, ev)
	o.callOutEvent(rec, ev)
	tid, id := rec.in.TenantID, rec.in.ID
	agentID := int64(ev.Agent)
	qid := int64(ev.Queue)
	switch ev.Kind {
	case acd.EvQueued:
		rec.state = cWaiting
		o.markDirty(ev.Queue)
		ewt, noAgent := o.announcedWait(ev.Queue, ev.EWT)
		if !rec.announced {
			rec.announced = true
			o.c.announcer.add(store.Announcement{TenantID: tid, InteractionID: id, Position: ev.Position, EWTSeconds: ewt, NoAgent: noAgent}, ev.At)
		}
		if rec.sess != nil && rec.token != "" {
			rec.pos, rec.ewt, rec.noAgent, rec.told = ev.Position, ewt, noAgent, true
			rec.sess.send(queuedFrame{Type: "queued", ContactID: id, ResumeToken: rec.token, Position: ev.Position, EWTSeconds: ewt, NoAgent: noAgent})
			rec.token = ""
		}
	case acd.EvRejected:
		reason, why := model.EndClosed, "closed"
		if ev.Cause == acd.CauseFull {
			reason, why = model.EndRejected, "full"
		}
		o.persist(tid, id, store.StateUpdate{State: model.StateEnded, EndedReason: reason, At: ev.At, CloseSegments: true})
		f := endedFrame{Type: "ended", Reason: why}
		if why == "closed" {
			f.OpensAt = o.opensAt(rec.queue, ev.At)
		}
		o.closeCustomer(rec, f)
		o.forget(rec)
	case acd.EvOffered:
		rec.state, rec.agent, rec.offeredAt = cOffered, ev.Agent, ev.At
		o.c.metrics.offer()
		o.persist(tid, id, store.StateUpdate{State: model.StateOffered, At: ev.At, AgentID: &agentID, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &agentID, QueueID: &qid}})
		if a := o.agents[ev.Agent]; a != nil {
			a.offer = ev.Contact
			a.sess.send(o.offerFrame(rec, ev))
		}
	case acd.EvConnected:
		o.c.metrics.wait(int64(ev.Queue), "answered", ev.Wait.Seconds())
		rec.state, rec.agent, rec.heldSince, rec.consult, rec.onHold = cConnected, ev.Agent, ev.At, "", false
		rec.stopWaiting()
		o.persist(tid, id, store.StateUpdate{State: model.StateConnected, At: ev.At, AgentID: &agentID, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agentID, QueueID: &qid, Billable: true}})
		if q := o.queues[rec.queue]; q != nil {
			delete(q.waiting, ev.Contact)
		}
		o.markDirty(rec.queue)
		name := ""
		if a := o.agents[ev.Agent]; a != nil {
			a.offer = 0
			name = model.CustomerFacing(a.name, a.pseudonym)
			a.sess.send(o.connectedAgentFrame(rec))
		}
		rec.sess.send(connectedFrame{Type: "connected", Agent: name})
	case acd.EvRequeued:
		rec.state, rec.agent = cWaiting, 0
		o.persist(tid, id, store.StateUpdate{State: o.waitState(rec), At: ev.At, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: o.waitSegment(rec), QueueID: &qid}})
		if a := o.agents[ev.Agent]; a != nil {
			a.offer = 0
			a.sess.send(withdrawnFrame{Type: "offer_withdrawn", ContactID: id, Reason: ev.Cause.String()})
		}
		o.markDirty(ev.Queue)
	case acd.EvAbandoned:
		o.c.metrics.wait(int64(ev.Queue), "abandoned", ev.Wait.Seconds())
		// One transaction with its zero-length marker: the engine's
		// goroutine waits for each commit, and hang-ups come by hundreds a
		// second under load.
		qid, at := int64(rec.queue), ev.At
		o.persist(tid, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegAbandoned, QueueID: &qid, EndedAt: &at}})
		if rec.state == cOffered {
			if a := o.agents[rec.agent]; a != nil && a.offer == ev.Contact {
				a.offer = 0
				a.sess.send(withdrawnFrame{Type: "offer_withdrawn", ContactID: id, Reason: "abandoned"})
			}
		}
		o.endCustomer(rec, "abandoned", "")
		o.forget(rec)
	case acd.EvTransferred, acd.EvOverflowed:
		o.moved(rec, ev)
	case acd.EvCallbackRequested:
		rec.callback = true
		delete(o.detached, ev.Contact)
	case acd.EvEnded:
		if ev.Moved {
			o.leftByTransfer(rec, ev)
			break
		}
		if ev.WrapUp {
			rec.state, rec.heldSince = cWrapUp, ev.At
			o.persist(tid, id, store.StateUpdate{State: model.StateWrapUp, At: ev.At, CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegWrapUp, AgentID: &agentID, QueueID: &qid, Billable: true}})
		} else {
			o.persist(tid, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: ev.At, CloseSegments: true})
		}
		if a := o.agents[ev.Agent]; a != nil {
			f := agentEndedFrame{Type: "ended", ContactID: id, WrapUp: ev.WrapUp}
			if q := o.queues[rec.queue]; q != nil && ev.WrapUp {
				f.WrapUpSeconds = q.m.WrapUpSeconds
			}
			a.sess.send(f)
		}
		o.closeCustomer(rec, endedFrame{Type: "ended", Survey: true})
		delete(o.detached, ev.Contact)
		if !ev.WrapUp {
			o.forget(rec)
		}
	case acd.EvWrapUpDone:
		o.persist(tid, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: ev.At, CloseSegments: true})
		if a := o.agents[ev.Agent]; a != nil {
			a.sess.send(contactFrame{Type: "wrap_up_done", ContactID: id})
		}
		o.forget(rec)
	}
}

func (o *owner) waitState(rec *contactRec) model.InteractionState {
	if rec.callback {
		return model.StateCallback
	}
	return model.StateQueued
}

func (o *owner) waitSegment(rec *contactRec) model.SegmentKind {
	if rec.callback {
		return model.SegCallback
	}
	return model.SegQueued
}

// moved handles a transfer or an overflow.
func (o *owner) moved(rec *contactRec, ev acd.Event) {
	tid, id := rec.in.TenantID, rec.in.ID
	switch {
	case ev.Kind == acd.EvOverflowed && ev.Action == acd.OverflowClose:
		o.persist(tid, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndOverflow, At: ev.At, CloseSegments: true})
		msg := ""
		if q := o.queues[ev.Queue]; q != nil {
			msg = q.m.Overflow.Message
		}
		o.endCustomer(rec, "closed", msg)
		o.forget(rec)
	case ev.Kind == acd.EvOverflowed && ev.Action == acd.OverflowCallback:
		rec.callback = true
		delete(o.detached, ev.Contact)
		qid := int64(ev.Queue)
		o.persist(tid, id, store.StateUpdate{State: model.StateCallback, At: ev.At, CloseSegments: true,
			Callback: o.overflowCallback(rec), OpenSegment: &model.Segment{Kind: model.SegCallback, QueueID: &qid}})
		msg := ""
		if q := o.queues[ev.Queue]; q != nil {
			msg = q.m.Overflow.Message
		}
		rec.sess.send(noticeFrame{Type: "callback", Message: msg})
	default: // to another queue, keeping the arrival
		if q := o.queues[rec.queue]; q != nil {
			delete(q.waiting, ev.Contact)
		}
		o.markDirty(rec.queue)
		if rec.state == cOffered {
			if a := o.agents[rec.agent]; a != nil && a.offer == ev.Contact {
				a.offer = 0
				a.sess.send(withdrawnFrame{Type: "offer_withdrawn", ContactID: id, Reason: ev.Kind.String()})
			}
		}
		o.marker(rec, model.SegTransferred, ev.At)
		rec.queue, rec.state, rec.agent = ev.Queue, cWaiting, 0
		if q := o.queues[ev.Queue]; q != nil {
			q.waiting[ev.Contact] = rec
		}
		qid := int64(ev.Queue)
		o.persist(tid, id, store.StateUpdate{State: o.waitState(rec), At: ev.At, QueueID: &qid, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: o.waitSegment(rec), QueueID: &qid}})
		o.markDirty(ev.Queue)
		ewt, noAgent := o.announcedWait(ev.Queue, ev.EWT)
		o.toldTransferred(rec, ev.Position, ewt, noAgent)
	}
}

// endCustomer tells the customer the contact is over and closes their session.
func (o *owner) endCustomer(rec *contactRec, reason, msg string) {
	o.closeCustomer(rec, endedFrame{Type: "ended", Reason: reason, Message: msg})
}

// closeCustomer sends the customer's last frame and closes their session.
func (o *owner) closeCustomer(rec *contactRec, f endedFrame) {
	if rec.sess == nil {
		return
	}
	rec.sess.send(f)
	rec.sess.finish()
	rec.sess = nil
}

// offerFrame builds an offer with the customer's previous contacts.
func (o *owner) offerFrame(rec *contactRec, ev acd.Event) offerFrame {
	f := offerFrame{Type: "offer", ContactID: rec.in.ID, Queue: int64(ev.Queue), Channel: ev.Channel.String(),
		Customer: rec.in.Customer, Callback: ev.Callback || rec.callback, CallbackTo: rec.in.Callback, History: []historyItem{}}
	if q := o.queues[ev.Queue]; q != nil {
		f.QueueName = q.m.Name
		left := time.Duration(q.m.OfferTimeoutSeconds) * time.Second
		if !rec.offeredAt.IsZero() {
			left -= o.c.now().Sub(rec.offeredAt)
		}
		f.ExpiresInSeconds = max(0, int(left.Round(time.Second)/time.Second))
	}
	f.WaitSeconds = seconds(ev.Wait)
	for _, key := range []string{rec.in.Customer.Email, rec.in.Customer.Phone, rec.in.Customer.ExternalID} {
		if key == "" {
			continue
		}
		past, err := o.c.st.CustomerHistory(o.ctx, rec.in.TenantID, key, 10)
		if err != nil {
			o.c.log.Warn("customer history", "contact", rec.in.ID, "err", err)
			break
		}
		for _, p := range past {
			if p.ID == rec.in.ID {
				continue
			}
			f.History = append(f.History, historyItem{ContactID: p.ID, QueueID: p.QueueID, Channel: p.Channel, ArrivedAt: p.ArrivedAt,
				State: p.State, EndedReason: p.EndedReason, Disposition: p.Disposition, Notes: p.Notes})
		}
		break
	}
	return f
}

func (o *owner) connectedAgentFrame(rec *contactRec) agentConnectedFrame {
	f := agentConnectedFrame{Type: "connected", ContactID: rec.in.ID, Channel: string(rec.in.Channel), Customer: rec.in.Customer, Messages: []messageFrame{}}
	msgs, err := o.c.st.ListMessages(o.ctx, rec.in.TenantID, rec.in.ID, 0)
	if err != nil {
		o.c.log.Warn("list messages", "contact", rec.in.ID, "err", err)
	}
	for _, m := range msgs {
		f.Messages = append(f.Messages, toFrame(m, rec.in.ID))
	}
	notes, err := o.c.st.ListNotes(o.ctx, rec.in.TenantID, rec.in.ID)
	if err != nil {
		o.c.log.Warn("list notes", "contact", rec.in.ID, "err", err)
	}
	f.Notes = append([]model.Note{}, notes...)
	o.dialInfo(rec, &f)
	return f
}

// ---- commands from customer sessions ----

var (
	errGone     = errors.New("contact is no longer live")
	errNotYours = errors.New("not your contact")
)

// knowsQueue reports whether the queue was loaded (a deleted queue too).
func (o *owner) knowsQueue(id acd.QueueID) bool { return o.queues[id] != nil }

// arrive puts a stored contact in its queue; the customer is told by the
// EvQueued (or EvRejected) event.
func (o *owner) arrive(rec *contactRec) error {
	id := acd.ContactID(rec.in.ID)
	q := o.queues[rec.queue]
	if q == nil || q.deleted {
		o.persist(rec.in.TenantID, rec.in.ID, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndClosed, At: o.c.now(), CloseSegments: true})
		o.endCustomer(rec, "closed", "")
		rec.stopWaiting()
		return nil
	}
	o.contacts[id] = rec
	q.waiting[id] = rec
	if err := o.eng.Arrive(o.c.now(), acd.ContactSpec{ID: id, Queue: rec.queue, Tier: tierIndex(q.m, rec.in.Tier)}); err != nil {
		o.forget(rec)
		o.persist(rec.in.TenantID, rec.in.ID, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndFailed, At: o.c.now(), CloseSegments: true})
		return fmt.Errorf("arrive contact %d: %w", id, err)
	}
	return nil
}

// attachCustomer connects a resuming customer's session to its contact and
// tells it where the contact is.
func (o *owner) attachCustomer(id acd.ContactID, s *session, token string) error {
	rec := o.contacts[id]
	if rec == nil || rec.state == cWrapUp {
		return errGone
	}
	if rec.sess != nil && rec.sess != s {
		rec.sess.sendError(codeReplaced, "the conversation was resumed elsewhere")
		rec.sess.finish()
	}
	rec.sess = s
	rec.graceAt = time.Time{}
	delete(o.detached, id)
	switch rec.state {
	case cWaiting, cOffered:
		pos, ewt, _ := o.eng.Position(id)
		rec.pos, rec.told = pos, true
		rec.ewt, rec.noAgent = o.announcedWait(rec.queue, ewt)
		s.send(queuedFrame{Type: "queued", ContactID: rec.in.ID, ResumeToken: token, Position: pos, EWTSeconds: rec.ewt, Callback: rec.callback, NoAgent: rec.noAgent})
	case cConnected:
		name := ""
		if a := o.agents[rec.agent]; a != nil {
			name = model.CustomerFacing(a.name, a.pseudonym)
		}
		s.send(connectedFrame{Type: "connected", Agent: name})
	}
	return nil
}

// detachCustomer notes that a customer's socket dropped: a waiting or
// connected contact keeps its place for the grace period; a callback
// needs nobody online.
func (o *owner) detachCustomer(id acd.ContactID, s *session) {
	rec := o.contacts[id]
	if rec == nil || rec.sess != s {
		return
	}
	rec.sess = nil
	if rec.callback || rec.state == cWrapUp {
		return
	}
	grace := o.c.grace
	if !rec.spoke && rec.state == cWaiting {
		grace = o.c.silentGrace
	}
	rec.graceAt = o.c.now().Add(grace)
	o.detached[id] = rec
}

func (o *owner) leave(id acd.ContactID) error {
	if o.contacts[id] == nil {
		return errGone
	}
	if err := o.eng.Abandon(o.c.now(), id); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	return nil
}

func (o *owner) requestCallback(id acd.ContactID, cb model.Callback) error {
	rec := o.contacts[id]
	if rec == nil {
		return errGone
	}
	if rec.state == cConnected || rec.state == cWrapUp {
		return fmt.Errorf("callback: the conversation has started: %w", acd.ErrState)
	}
	now := o.c.now()
	qid := int64(rec.queue)
	// Stored first: a callback promised must survive a restart (after the
	// queued writes, which it must follow on PostgreSQL too).
	if err := o.writes.Wait(o.ctx); err != nil {
		return fmt.Errorf("store callback: %w", err)
	}
	if _, err := o.c.st.UpdateInteractionState(o.ctx, rec.in.TenantID, rec.in.ID, store.StateUpdate{State: model.StateCallback, At: now,
		Callback: &cb, CloseSegments: rec.state == cWaiting, OpenSegment: openIf(rec.state == cWaiting, &model.Segment{Kind: model.SegCallback, QueueID: &qid})}); err != nil {
		return fmt.Errorf("store callback: %w", err)
	}
	rec.in.Callback = &cb
	if err := o.eng.RequestCallback(now, id); err != nil {
		return fmt.Errorf("callback: %w", err)
	}
	rec.callback = true
	return nil
}

func openIf(cond bool, seg *model.Segment) *model.Segment {
	if cond {
		return seg
	}
	return nil
}

// toAgent delivers a customer's message to the agent holding the contact.
func (o *owner) toAgent(id acd.ContactID, f messageFrame) {
	rec := o.contacts[id]
	if rec != nil {
		rec.spoke = true
	}
	if rec == nil || rec.state != cConnected {
		return
	}
	if a := o.agents[rec.agent]; a != nil {
		a.sess.send(f)
	}
}

// toCustomer delivers an agent's message to the customer.
func (o *owner) toCustomer(id acd.ContactID, f messageFrame) {
	if rec := o.contacts[id]; rec != nil {
		rec.sess.send(f)
	}
}

// typingToAgent tells the agent in conversation with a customer that the
// customer is typing (nothing is stored).
func (o *owner) typingToAgent(id acd.ContactID) {
	rec := o.contacts[id]
	if rec == nil || rec.state != cConnected {
		return
	}
	if a := o.agents[rec.agent]; a != nil {
		a.sess.send(contactFrame{Type: "typing", ContactID: rec.in.ID})
	}
}

// typingToCustomer tells a customer that its agent is typing.
func (o *owner) typingToCustomer(agent acd.AgentID, id acd.ContactID) error {
	if err := o.holds(agent, id); err != nil {
		return err
	}
	o.contacts[id].sess.send(typingFrame{Type: "typing"})
	return nil
}

// ---- commands from agent sessions ----

func (o *owner) agent(id acd.AgentID) (*agentRec, error) {
	a := o.agents[id]
	if a == nil || a.deleted {
		return nil, fmt.Errorf("agent %d: %w", id, acd.ErrUnknownAgent)
	}
	return a, nil
}

// attachAgent connects a signed-in agent's session and replays what the
// agent holds (a reconnecting agent gets its conversations back).
func (o *owner) attachAgent(m model.Agent, name string, s *session) error {
	if err := o.setAgent(m); err != nil {
		return err
	}
	id := acd.AgentID(m.ID)
	a := o.agents[id]
	if a.sess != nil && a.sess != s {
		a.sess.sendError(codeReplaced, "signed in elsewhere")
		a.sess.finish()
	}
	a.sess, a.name = s, name
	o.agentBack(id)
	s.send(loggedInFrame{Type: "logged_in", AgentID: m.ID, Name: name})
	// Signing in logs a logged-out agent in, not ready: a signed-in agent
	// shown "logged out" would be a lie. Its agent_state follows.
	signedIn := false
	if o.eng.AgentPresence(id) == acd.LoggedOut {
		if err := o.eng.SetPresence(o.c.now(), id, acd.NotReady, ""); err != nil {
			o.c.log.Debug("not ready at sign-in", "agent", id, "err", err)
		} else {
			o.process()
			signedIn = true
		}
	}
	if !signedIn {
		state, reason := o.eng.AgentState(id)
		s.send(agentStateFrame{Type: "agent_state", State: state.String(), Presence: o.eng.AgentPresence(id).String(), Reason: reason})
	}
	for _, cid := range slices.Sorted(maps.Keys(o.contacts)) {
		rec := o.contacts[cid]
		if rec.agent != id {
			continue
		}
		switch rec.state {
		case cOffered:
			s.send(o.offerFrame(rec, acd.Event{Queue: rec.queue, Channel: o.channel(rec), Callback: rec.callback}))
		case cConnected:
			s.send(o.connectedAgentFrame(rec))
		}
	}
	return nil
}

func (o *owner) channel(rec *contactRec) acd.Channel {
	if rec.in.Channel == model.ChannelVoice {
		return acd.Voice
	}
	return acd.Chat
}

// detachAgent: the agent's socket dropped. Its offer is declined and it
// becomes not ready ("disconnected"); its conversations go on.
func (o *owner) detachAgent(id acd.AgentID, s *session) {
	a := o.agents[id]
	if a == nil || a.sess != s {
		return
	}
	a.sess = nil
	now := o.c.now()
	if a.offer != 0 {
		if err := o.eng.Decline(now, id, a.offer); err != nil {
			o.c.log.Debug("decline on disconnect", "agent", id, "err", err)
		}
		o.process()
	}
	if o.eng.AgentPresence(id) != acd.LoggedOut {
		if err := o.eng.SetPresence(now, id, acd.NotReady, "disconnected"); err != nil {
			o.c.log.Debug("not ready on disconnect", "agent", id, "err", err)
		}
	}
}

func (o *owner) setPresence(id acd.AgentID, p acd.Presence, reason string) error {
	if _, err := o.agent(id); err != nil {
		return err
	}
	if err := o.eng.SetPresence(o.c.now(), id, p, reason); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

func (o *owner) accept(id acd.AgentID, cid acd.ContactID) error {
	if err := o.voiceAccept(cid); err != nil {
		return err
	}
	if err := o.eng.Accept(o.c.now(), id, cid); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	return nil
}

func (o *owner) decline(id acd.AgentID, cid acd.ContactID) error {
	if err := o.eng.Decline(o.c.now(), id, cid); err != nil {
		return fmt.Errorf("decline: %w", err)
	}
	return nil
}

// holds reports whether the agent is in conversation with the contact.
func (o *owner) holds(id acd.AgentID, cid acd.ContactID) error {
	rec := o.contacts[cid]
	if rec == nil || rec.agent != id || rec.state != cConnected {
		return fmt.Errorf("contact %d: %w", cid, errNotYours)
	}
	return nil
}

func (o *owner) end(id acd.AgentID, cid acd.ContactID) error {
	if err := o.holds(id, cid); err != nil {
		return err
	}
	if err := o.eng.End(o.c.now(), cid); err != nil {
		return fmt.Errorf("end: %w", err)
	}
	return nil
}

func (o *owner) finishWrapUp(id acd.AgentID, cid acd.ContactID) error {
	err := o.eng.FinishWrapUp(o.c.now(), id, cid)
	if errors.Is(err, acd.ErrState) {
		return nil // no wrap-up in this queue, or it already timed out
	}
	if err != nil {
		return fmt.Errorf("wrap-up: %w", err)
	}
	return nil
}

// closeSessions ends every session when the center stops.
func (o *owner) closeSessions() {
	for _, a := range o.agents {
		if a.sess != nil {
			a.sess.cancel()
		}
	}
	for _, rec := range o.contacts {
		if rec.sess != nil {
			rec.sess.cancel()
		}
	}
}

// ---- status ----

// waitingContacts lists a queue's waiting (or offered) contacts by
// arrival, at most wallboardContacts of them.
func (o *owner) waitingContacts(q *queueRec) []WaitingContact {
	out := make([]WaitingContact, 0, min(len(q.waiting), wallboardContacts))
	for cid, rec := range q.waiting {
		wc := WaitingContact{ContactID: int64(cid), Channel: rec.in.Channel, ArrivedAt: rec.in.ArrivedAt,
			Callback: rec.callback, Offered: rec.state == cOffered, Name: rec.in.Customer.Name}
		if pos, _, ok := o.eng.Position(cid); ok {
			wc.Position = pos
		}
		out = append(out, wc)
	}
	slices.SortFunc(out, func(a, b WaitingContact) int {
		if c := a.ArrivedAt.Compare(b.ArrivedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ContactID, b.ContactID)
	})
	if len(out) > wallboardContacts {
		out = out[:wallboardContacts]
	}
	return out
}

func (o *owner) snapshot(tenantID int64) Snapshot {
	snap := Snapshot{At: o.c.now(), Queues: []QueueSnapshot{}, Agents: []AgentSnapshot{}}
	o.eng.Advance(snap.At)
	o.process()
	for id, q := range o.queues {
		if q.m.TenantID != tenantID || q.deleted {
			continue
		}
		st, ok := o.eng.QueueStatus(id)
		if !ok {
			continue
		}
		qs := QueueSnapshot{QueueID: int64(id), Name: q.m.Name, Channel: q.m.Channel, Waiting: st.Waiting, Callbacks: st.Callbacks,
			LongestWait: st.LongestWait, Available: st.Available, Staffed: st.Staffed, Agents: map[string]int{}}
		// The agents who can take the queue's contacts (allowed, skilled,
		// with a capacity on its channel), not every agent of the tenant.
		for _, aid := range o.eng.QueueAgents(id) {
			if a := o.agents[aid]; a == nil || a.deleted || a.m.TenantID != tenantID {
				continue
			}
			state, _ := o.eng.AgentState(aid)
			qs.Agents[state.String()]++
		}
		qs.Contacts = o.waitingContacts(q)
		snap.Queues = append(snap.Queues, qs)
	}
	held := o.heldContacts(tenantID)
	for aid, a := range o.agents {
		if a.m.TenantID != tenantID || a.deleted {
			continue
		}
		state, reason := o.eng.AgentState(aid)
		as := AgentSnapshot{AgentID: int64(aid), Name: a.m.Name, State: state.String(), Presence: o.eng.AgentPresence(aid).String(),
			Reason: reason, Online: a.sess != nil, Contacts: held[aid]}
		if as.Contacts == nil {
			as.Contacts = []AgentContact{}
		}
		if !a.since.IsZero() {
			since := a.since
			as.Since = &since
		}
		snap.Agents = append(snap.Agents, as)
	}
	return snap
}
