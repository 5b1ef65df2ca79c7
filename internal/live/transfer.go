package live

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// VoiceRequeuer is implemented by the VoiceCalls that can go back to the
// queue once connected (a transfer): Requeued hangs the agent's phone up
// and plays the waiting music to the caller again until the next offer.
// A call without it cannot be transferred.
type VoiceRequeuer interface {
	Requeued(agentID int64)
}

// transferTarget is a queue or an agent a contact may be transferred to.
type transferQueue struct {
	QueueID int64  `json:"queue_id"`
	Name    string `json:"name"`
	Waiting int    `json:"waiting"`
}

type transferAgent struct {
	AgentID   int64  `json:"agent_id"`
	Name      string `json:"name"`
	State     string `json:"state"`
	Available bool   `json:"available"` // ready with a free place: a transfer by name is accepted now
}

type transferTargetsFrame struct {
	Type      string          `json:"type"`
	ContactID int64           `json:"contact_id"`
	Queues    []transferQueue `json:"queues"`
	Agents    []transferAgent `json:"agents"`
}

// transferTargets lists where an agent may transfer the contact it holds:
// the tenant's other queues of the contact's channel, and the agents who
// serve the contact's queue (itself left out), by name.
func (o *owner) transferTargets(id acd.AgentID, cid acd.ContactID) (transferTargetsFrame, error) {
	if err := o.holds(id, cid); err != nil {
		return transferTargetsFrame{}, err
	}
	rec := o.contacts[cid]
	f := transferTargetsFrame{Type: "transfer_targets", ContactID: rec.in.ID, Queues: []transferQueue{}, Agents: []transferAgent{}}
	for _, qid := range o.tenantQueues(rec.in.TenantID) {
		q := o.queues[qid]
		if qid == rec.queue || q.m.Channel != rec.in.Channel {
			continue
		}
		f.Queues = append(f.Queues, transferQueue{QueueID: int64(qid), Name: q.m.Name, Waiting: len(q.waiting)})
	}
	ch := acd.Chat
	if rec.in.Channel == model.ChannelVoice {
		ch = acd.Voice
	}
	for _, aid := range o.eng.QueueAgents(rec.queue) {
		a := o.agents[aid]
		if aid == id || a == nil || a.deleted {
			continue
		}
		st, _ := o.eng.AgentState(aid)
		f.Agents = append(f.Agents, transferAgent{AgentID: int64(aid), Name: a.name, State: st.String(),
			Available: o.eng.AgentPresence(aid) == acd.Ready && o.eng.AvailableFor(aid, ch)})
	}
	slices.SortFunc(f.Agents, func(a, b transferAgent) int { return strings.Compare(a.Name, b.Name) })
	return f, nil
}

// errNotAvailable refuses a transfer to an agent who cannot take it now.
var errNotAvailable = errors.New("that agent cannot take it now")

// transfer moves the contact an agent holds to another queue of its
// tenant (same channel), or offers it to a named agent serving its queue,
// keeping its arrival. The agent wraps up; the customer is told.
func (o *owner) transfer(id acd.AgentID, cid acd.ContactID, queueID, agentID int64) error {
	if err := o.holds(id, cid); err != nil {
		return err
	}
	rec := o.contacts[cid]
	if rec.voice != nil {
		if _, ok := rec.voice.call.(VoiceRequeuer); !ok || rec.callback {
			return refused(store.ErrConflict, "this call cannot be transferred")
		}
	}
	now := o.c.now()
	if agentID > 0 {
		a := o.agents[acd.AgentID(agentID)]
		if a == nil || a.deleted || a.m.TenantID != rec.in.TenantID {
			return &model.ValidationError{Field: "agent_id", Message: fmt.Sprintf("no agent %d in this tenant", agentID)}
		}
		if err := o.eng.TransferToAgent(now, cid, acd.AgentID(agentID)); err != nil {
			if errors.Is(err, acd.ErrState) {
				return fmt.Errorf("%w: %s", errNotAvailable, a.name)
			}
			return fmt.Errorf("transfer: %w", err)
		}
		return nil
	}
	q := o.queues[acd.QueueID(queueID)]
	switch {
	case q == nil || q.deleted || q.m.TenantID != rec.in.TenantID:
		return &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("no queue %d in this tenant", queueID)}
	case q.m.Channel != rec.in.Channel:
		return &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("queue %d serves %s, not %s", queueID, q.m.Channel, rec.in.Channel)}
	}
	if err := o.eng.Transfer(now, cid, acd.QueueID(queueID)); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	return nil
}

// leftByTransfer handles the end of a conversation that a transfer cut
// (EvEnded with Moved): the agent is told (and wraps up), the contact goes
// on, waiting again (EvTransferred follows).
func (o *owner) leftByTransfer(rec *contactRec, ev acd.Event) {
	rec.state, rec.agent, rec.transferred, rec.onHold = cWaiting, 0, true, false
	if a := o.agents[ev.Agent]; a != nil {
		f := agentEndedFrame{Type: "ended", ContactID: rec.in.ID, WrapUp: ev.WrapUp, Transferred: true}
		if q := o.queues[rec.queue]; q != nil && ev.WrapUp {
			f.WrapUpSeconds = q.m.WrapUpSeconds
		}
		a.sess.send(f)
	}
}

// toldTransferred tells a customer whose conversation was transferred
// where it now waits (a "queued" frame with "transferred").
func (o *owner) toldTransferred(rec *contactRec, pos, ewt int, noAgent bool) {
	if !rec.transferred {
		return
	}
	rec.transferred = false
	if rec.sess == nil {
		return
	}
	rec.pos, rec.ewt, rec.noAgent, rec.told = pos, ewt, noAgent, true
	rec.sess.send(queuedFrame{Type: "queued", ContactID: rec.in.ID, Position: pos, EWTSeconds: ewt, NoAgent: noAgent, Transferred: true})
}

// transferredWrapUp ends the wrap-up of a contact the agent transferred
// (it has gone on to another agent or queue): the disposition is not the
// agent's to set, its notes are kept as an internal note.
func (ac *agentConn) transferredWrapUp(f inFrame) error {
	c, ctx, id := ac.c, ac.s.ctx, ac.id
	cid := acd.ContactID(f.ContactID)
	name, wrapped := "", false
	err := c.do(ctx, func(o *owner) error {
		if a := o.agents[id]; a != nil {
			name = a.name
		}
		wrapped = o.eng.FinishWrapUp(o.c.now(), id, cid) == nil
		o.process()
		return nil
	})
	if err != nil {
		return ac.refused(err)
	}
	if !wrapped && !ac.heldOnce(f.ContactID) {
		return &frameError{code: codeBadState, msg: "not your contact"}
	}
	if strings.TrimSpace(f.Notes) == "" {
		return nil
	}
	aid := int64(id)
	stored, err := c.st.AddNote(ctx, ac.tenantID, f.ContactID, model.Note{Kind: model.NoteInternal, AgentID: &aid, Author: name, Body: f.Notes})
	if err != nil {
		return storeErr(err)
	}
	// The agent who took the contact meanwhile may already have its
	// "connected" (listing the notes stored then): it gets this one now
	// (the desk keeps one of each note id).
	return ac.refused(c.do(ctx, func(o *owner) error {
		if rec := o.contacts[cid]; rec != nil && rec.agent != id && (rec.state == cConnected || rec.state == cWrapUp) {
			if a := o.agents[rec.agent]; a != nil && a.sess != nil {
				a.sess.send(noteFrame{Type: "note", ContactID: f.ContactID, Note: stored})
			}
		}
		return nil
	}))
}

// heldOnce reports whether the agent was connected to the contact at some
// point (its stored segments say so).
func (ac *agentConn) heldOnce(contactID int64) bool {
	segs, err := ac.c.st.ListSegments(ac.s.ctx, ac.tenantID, contactID)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(segs, func(s model.Segment) bool {
		return s.Kind == model.SegConnected && s.AgentID != nil && *s.AgentID == int64(ac.id)
	})
}
