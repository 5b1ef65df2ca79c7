package live

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// RefusedError is a supervisor's action the live center refuses, with a
// message meant for the supervisor. Err is store.ErrNotFound (no such
// agent or contact in the tenant) or store.ErrConflict (not possible in
// the current state).
type RefusedError struct {
	Err     error
	Message string
}

func (e *RefusedError) Error() string { return e.Message }
func (e *RefusedError) Unwrap() error { return e.Err }

func refused(kind error, format string, args ...any) error {
	return &RefusedError{Err: kind, Message: fmt.Sprintf(format, args...)}
}

// parsePresence reads a state an agent (or a supervisor for it) may choose:
// "ready", "not_ready" or "logged_out".
func parsePresence(state string) (acd.Presence, error) {
	switch state {
	case "ready":
		return acd.Ready, nil
	case "not_ready":
		return acd.NotReady, nil
	case "logged_out":
		return acd.LoggedOut, nil
	}
	return 0, &model.ValidationError{Field: "state", Message: `must be "ready", "not_ready" or "logged_out"`}
}

// presenceChange checks a change of state asked by an agent or for it.
func presenceChange(state, reason string) (acd.Presence, error) {
	p, err := parsePresence(state)
	if err != nil {
		return 0, err
	}
	if utf8.RuneCountInString(reason) > model.MaxNameLen {
		return 0, &model.ValidationError{Field: "reason", Message: fmt.Sprintf("must be at most %d characters", model.MaxNameLen)}
	}
	return p, nil
}

// SetAgentState sets an agent's state on a supervisor's behalf, as if the
// agent had sent a "state" frame: its desktop receives the agent_state
// frame. An agent without a connected desktop can only be logged out.
// Errors: *model.ValidationError for a bad state or reason, *RefusedError
// for an agent not in the tenant (or deleted) or without a desktop.
func (c *Center) SetAgentState(ctx context.Context, tenantID, agentID int64, state, reason string) error {
	p, err := presenceChange(state, reason)
	if err != nil {
		return err
	}
	err = c.do(ctx, func(o *owner) error { return o.superviseState(tenantID, acd.AgentID(agentID), p, reason) })
	if err != nil {
		return fmt.Errorf("set state of agent %d: %w", agentID, err)
	}
	return nil
}

func (o *owner) superviseState(tenantID int64, id acd.AgentID, p acd.Presence, reason string) error {
	a := o.agents[id]
	if a == nil || a.deleted || a.m.TenantID != tenantID {
		return refused(store.ErrNotFound, "no agent %d in this tenant", id)
	}
	if a.sess == nil && p != acd.LoggedOut {
		return refused(store.ErrConflict, "agent %d has no desktop connected: it can only be logged out", id)
	}
	if err := o.eng.SetPresence(o.c.now(), id, p, reason); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	o.process() // the desktop is told before the supervisor is answered
	return nil
}

// MoveContact moves a waiting contact (or a callback, or a contact being
// offered: the offer is withdrawn without penalty for the agent) to another
// queue of the same tenant serving the same channel, keeping its arrival
// time and so its place among the contacts that arrived before and after
// it. The move is stored (the interaction's queue and a transferred
// segment). Errors: *model.ValidationError (field queue_id) for a queue
// that is not the tenant's, deleted, of another channel or the contact's
// own; *RefusedError for a contact not in the tenant (ErrNotFound) or not
// waiting any more (ErrConflict).
func (c *Center) MoveContact(ctx context.Context, tenantID, contactID, queueID int64) error {
	if queueID <= 0 {
		return &model.ValidationError{Field: "queue_id", Message: "must be a queue id"}
	}
	// The store tells a contact of another tenant (404) from one that is
	// over (409): the engine only knows the live ones.
	if _, err := c.st.GetInteraction(ctx, tenantID, contactID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return refused(store.ErrNotFound, "no interaction %d in this tenant", contactID)
		}
		return fmt.Errorf("move contact %d: %w", contactID, err)
	}
	err := c.do(ctx, func(o *owner) error { return o.superviseMove(tenantID, acd.ContactID(contactID), acd.QueueID(queueID)) })
	if err != nil {
		return fmt.Errorf("move contact %d to queue %d: %w", contactID, queueID, err)
	}
	return nil
}

func (o *owner) superviseMove(tenantID int64, id acd.ContactID, to acd.QueueID) error {
	rec := o.contacts[id]
	if rec == nil || rec.in.TenantID != tenantID {
		return refused(store.ErrConflict, "interaction %d is not waiting any more", id)
	}
	if rec.state == cConnected || rec.state == cWrapUp {
		return refused(store.ErrConflict, "interaction %d is not waiting: an agent has answered it", id)
	}
	q := o.queues[to]
	switch {
	case q == nil || q.deleted || q.m.TenantID != tenantID:
		return &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("no queue %d in this tenant", to)}
	case to == rec.queue:
		return &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("the contact already waits in queue %d", to)}
	case q.m.Channel != rec.in.Channel:
		return &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("queue %d serves %s, not %s", to, q.m.Channel, rec.in.Channel)}
	}
	if err := o.eng.Transfer(o.c.now(), id, to); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	o.process() // stored before the supervisor is answered
	return nil
}
