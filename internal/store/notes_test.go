package store

import (
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestContactNotes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		tid := a.tenant.ID
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: a.chat.ID, Channel: model.ChannelChat, ArrivedAt: a.tenant.CreatedAt,
			Customer: model.Customer{Name: "Jeanne", Email: "jeanne@example.com"}})
		noErr(t, err, "interaction")
		aid := a.agent.ID
		n1, err := s.AddNote(ctx, tid, id, model.Note{Kind: model.NoteInternal, AgentID: &aid, Author: "Amina", Body: "Parcel 12 lost: refund promised"})
		noErr(t, err, "add note")
		_, err = s.AddNote(ctx, tid, id, model.Note{Kind: model.NoteSupervisor, Author: "Sam", Body: "Offer the voucher"})
		noErr(t, err, "add supervisor note")
		_, err = s.AddNote(ctx, tid, id, model.Note{Kind: "gossip", Body: "x"})
		wantErr(t, err, ErrInvalid, "unknown kind")
		_, err = s.AddNote(ctx, tid, id, model.Note{Kind: model.NoteInternal, Body: "  "})
		wantErr(t, err, ErrInvalid, "empty body")
		_, err = s.AddNote(ctx, b.tenant.ID, id, model.Note{Kind: model.NoteInternal, Body: "another tenant's"})
		wantErr(t, err, ErrInvalid, "another tenant's interaction")
		list, err := s.ListNotes(ctx, tid, id)
		noErr(t, err, "list")
		if len(list) != 2 || list[0].ID != n1.ID || list[0].Body != n1.Body || *list[0].AgentID != aid || list[1].Kind != model.NoteSupervisor || list[1].Author != "Sam" {
			t.Fatalf("notes %+v", list)
		}
		if other, err := s.ListNotes(ctx, b.tenant.ID, id); err != nil || len(other) != 0 {
			t.Fatalf("another tenant sees %+v %v", other, err)
		}
		// An erased customer's notes are blanked with the rest.
		_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: a.tenant.CreatedAt})
		noErr(t, err, "end")
		_, err = s.EraseCustomer(ctx, tid, ErasureKey{Email: "jeanne@example.com"})
		noErr(t, err, "erase")
		list, err = s.ListNotes(ctx, tid, id)
		noErr(t, err, "list after erasure")
		for _, n := range list {
			if n.Body != ErasedText {
				t.Errorf("note kept after erasure: %+v", n)
			}
		}
	})
}
