package live

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// noteFrame carries a note to a desktop: the agent's own, confirmed, or a
// supervisor's to it. Customers never get one.
type noteFrame struct {
	Type      string     `json:"type"`
	ContactID int64      `json:"contact_id"`
	Note      model.Note `json:"note"`
}

func (ac *agentConn) transferTargets(cid acd.ContactID) error {
	var f transferTargetsFrame
	err := ac.c.do(ac.s.ctx, func(o *owner) error {
		var err error
		f, err = o.transferTargets(ac.id, cid)
		return err
	})
	if err != nil {
		return ac.refused(err)
	}
	ac.s.send(f)
	return nil
}

// transfer: {"type":"transfer","contact_id":1,"queue_id":3} or
// "agent_id":7, with an optional "notes" for whoever takes it next (an
// internal note of kind transfer).
func (ac *agentConn) transfer(f inFrame) error {
	if (f.QueueID > 0) == (f.AgentID > 0) {
		return badFrame("transfer needs a queue_id or an agent_id")
	}
	c, ctx, id, cid := ac.c, ac.s.ctx, ac.id, acd.ContactID(f.ContactID)
	var note *model.Note
	if strings.TrimSpace(f.Notes) != "" {
		aid := int64(id)
		note = &model.Note{Kind: model.NoteTransfer, AgentID: &aid, Body: f.Notes}
		if err := note.Validate(); err != nil {
			return invalidErr(err)
		}
	}
	err := c.do(ctx, func(o *owner) error {
		if err := o.transfer(id, cid, f.QueueID, f.AgentID); err != nil {
			return err
		}
		if note != nil {
			// Stored on the engine's goroutine before anything else
			// happens to the contact: the next agent's "connected" lists it.
			note.Author = o.agents[id].name
			if _, err := o.c.st.AddNote(o.ctx, ac.tenantID, f.ContactID, *note); err != nil {
				o.c.log.Error("store the transfer note", "contact", f.ContactID, "err", err)
			}
		}
		o.process() // stored and told before the agent hears back
		return nil
	})
	var ve *model.ValidationError
	switch {
	case errors.As(err, &ve):
		return invalidErr(err)
	case errors.Is(err, errNotAvailable):
		return &frameError{code: codeBadState, msg: err.Error(), field: "agent_id"}
	}
	return ac.refused(err)
}

// note: {"type":"note","contact_id":1,"body":"..","consult":true}: an
// internal note on a contact the agent holds (or wraps up), or with
// "consult" a question to the supervisors. The agent gets the stored note
// back ("note"); the customer never sees it.
func (ac *agentConn) note(f inFrame) error {
	c, ctx, id, cid := ac.c, ac.s.ctx, ac.id, acd.ContactID(f.ContactID)
	kind := model.NoteInternal
	if f.Consult {
		kind = model.NoteConsult
	}
	aid := int64(id)
	n := model.Note{Kind: kind, AgentID: &aid, Body: f.Body}
	if err := n.Validate(); err != nil {
		return invalidErr(err)
	}
	err := c.do(ctx, func(o *owner) error {
		rec := o.contacts[cid]
		if rec == nil || rec.agent != id || (rec.state != cConnected && rec.state != cWrapUp) {
			return fmt.Errorf("contact %d: %w", cid, errNotYours)
		}
		n.Author = o.agents[id].name
		return nil
	})
	if err != nil {
		return ac.refused(err)
	}
	stored, err := c.st.AddNote(ctx, ac.tenantID, f.ContactID, n)
	if err != nil {
		return storeErr(err)
	}
	ac.s.send(noteFrame{Type: "note", ContactID: f.ContactID, Note: stored})
	if kind == model.NoteConsult { // the wallboard shows it beside the agent
		return c.do(ctx, func(o *owner) error {
			if rec := o.contacts[cid]; rec != nil && rec.agent == id {
				rec.consult = stored.Body
			}
			return nil
		})
	}
	return nil
}

// LiveChat is what a supervisor watching a chat sees: its messages and
// notes so far, and who holds it.
type LiveChat struct {
	ContactID int64           `json:"contact_id"`
	State     string          `json:"state"`
	AgentID   *int64          `json:"agent_id"`
	Agent     string          `json:"agent"`
	Customer  model.Customer  `json:"customer"`
	Messages  []model.Message `json:"messages"`
	Notes     []model.Note    `json:"notes"`
}

// WatchChat returns a contact of the tenant as a supervisor watching it
// sees it (read-only): messages after afterSeq and every note. Errors:
// *RefusedError with store.ErrNotFound for a contact not in the tenant.
func (c *Center) WatchChat(ctx context.Context, tenantID, contactID, afterSeq int64) (LiveChat, error) {
	in, err := c.st.GetInteraction(ctx, tenantID, contactID)
	if errors.Is(err, store.ErrNotFound) {
		return LiveChat{}, refused(store.ErrNotFound, "no interaction %d in this tenant", contactID)
	}
	if err != nil {
		return LiveChat{}, fmt.Errorf("watch contact %d: %w", contactID, err)
	}
	out := LiveChat{ContactID: in.ID, State: string(in.State), AgentID: in.AgentID, Customer: in.Customer}
	if out.Messages, err = c.st.ListMessages(ctx, tenantID, contactID, afterSeq); err != nil {
		return LiveChat{}, fmt.Errorf("watch contact %d: %w", contactID, err)
	}
	if out.Notes, err = c.st.ListNotes(ctx, tenantID, contactID); err != nil {
		return LiveChat{}, fmt.Errorf("watch contact %d: %w", contactID, err)
	}
	if out.Messages == nil {
		out.Messages = []model.Message{}
	}
	if out.Notes == nil {
		out.Notes = []model.Note{}
	}
	if in.AgentID != nil {
		if a, err := c.st.GetAgent(ctx, tenantID, *in.AgentID); err == nil {
			out.Agent = a.Name
		}
	}
	return out, nil
}

// WhisperToAgent stores a supervisor's private note on a live contact and
// sends it to the agent holding it (never to the customer). author is the
// supervisor's name, userID its user. Errors: *model.ValidationError
// (field body); *RefusedError for a contact not in the tenant
// (ErrNotFound) or held by no agent now (ErrConflict).
func (c *Center) WhisperToAgent(ctx context.Context, tenantID, contactID, userID int64, author, body string) (model.Note, error) {
	n := model.Note{Kind: model.NoteSupervisor, Author: author, Body: body}
	if userID > 0 {
		n.UserID = &userID
	}
	if err := n.Validate(); err != nil {
		return model.Note{}, err
	}
	if _, err := c.st.GetInteraction(ctx, tenantID, contactID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return model.Note{}, refused(store.ErrNotFound, "no interaction %d in this tenant", contactID)
		}
		return model.Note{}, fmt.Errorf("note to the agent of contact %d: %w", contactID, err)
	}
	var agent acd.AgentID
	err := c.do(ctx, func(o *owner) error {
		rec := o.contacts[acd.ContactID(contactID)]
		if rec == nil || rec.in.TenantID != tenantID || (rec.state != cConnected && rec.state != cWrapUp) {
			return refused(store.ErrConflict, "no agent holds interaction %d now", contactID)
		}
		agent = rec.agent
		return nil
	})
	if err != nil {
		return model.Note{}, err
	}
	stored, err := c.st.AddNote(ctx, tenantID, contactID, n)
	if err != nil {
		return model.Note{}, fmt.Errorf("note to the agent of contact %d: %w", contactID, err)
	}
	err = c.do(ctx, func(o *owner) error {
		if a := o.agents[agent]; a != nil {
			a.sess.send(noteFrame{Type: "note", ContactID: contactID, Note: stored})
		}
		return nil
	})
	return stored, err
}
