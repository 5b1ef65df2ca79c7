package live

import (
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
)

// A chat that was connected when its center stopped (a restart, or a
// failover to another node of a cluster) goes back to the agent that had
// it, instead of waiting again for anybody: the agent keeps its chats. The
// agent has the Grace period to sign in again (its desk re-attaches on its
// own through a cluster's edge); until then it holds the conversation as
// an agent whose socket dropped does, and the customer's messages are
// stored and shown to it when it is back. Past the grace the conversation
// moves to its queue (a transfer), where anybody may take it.

// reconnect restores a connected chat to its agent; false when it cannot
// be (no known agent, a voice call): the caller queues it as before.
func (o *owner) reconnect(in model.Interaction, q *queueRec, now time.Time) bool {
	if in.State != model.StateConnected || in.Channel != model.ChannelChat || in.AgentID == nil {
		return false
	}
	aid := acd.AgentID(*in.AgentID)
	if a := o.agents[aid]; a == nil || a.deleted {
		return false
	}
	id := acd.ContactID(in.ID)
	rec := &contactRec{in: in, queue: acd.QueueID(in.QueueID), state: cConnected, agent: aid, announced: true, spoke: true, heldSince: now}
	if in.AnsweredAt != nil {
		rec.heldSince = *in.AnsweredAt
	}
	spec := acd.ContactSpec{ID: id, Queue: rec.queue, Tier: tierIndex(q.m, in.Tier), Arrival: in.ArrivedAt}
	if err := o.eng.Reconnect(now, spec, aid); err != nil {
		o.c.log.Warn("restore: conversation not given back to its agent, it waits again", "contact", in.ID, "agent", aid, "err", err)
		return false
	}
	o.contacts[id] = rec
	rec.graceAt = now.Add(o.restoreGrace(rec))
	o.detached[id] = rec
	rec.agentGraceAt = now.Add(o.c.grace)
	o.reconnecting[id] = rec
	o.process()
	return true
}

// agentBack notes that an agent signed in again: its restored
// conversations are its own again.
func (o *owner) agentBack(id acd.AgentID) {
	for cid, rec := range o.reconnecting {
		if rec.agent == id {
			delete(o.reconnecting, cid)
		}
	}
}

// reconnectExpired moves the restored conversations whose agent did not
// come back within the grace to their queue.
func (o *owner) reconnectExpired(now time.Time) {
	for id, rec := range o.reconnecting {
		if rec.agentGraceAt.After(now) {
			continue
		}
		delete(o.reconnecting, id)
		if o.contacts[id] != rec || rec.state != cConnected {
			continue
		}
		if a := o.agents[rec.agent]; a != nil && a.sess != nil {
			continue
		}
		o.c.log.Info("restored conversation: its agent did not come back, it waits in its queue", "contact", id, "agent", rec.agent)
		if err := o.eng.Transfer(now, id, rec.queue); err != nil {
			o.c.log.Warn("move a restored conversation to its queue", "contact", id, "err", err)
		}
		o.process()
	}
}

// reconnectWake is the earliest agent grace due, or next.
func (o *owner) reconnectWake(next time.Time) time.Time {
	for _, rec := range o.reconnecting {
		if rec.agentGraceAt.Before(next) {
			next = rec.agentGraceAt
		}
	}
	return next
}
