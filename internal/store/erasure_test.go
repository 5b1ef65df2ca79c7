package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestEraseCustomer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		ada := model.Customer{Name: "Ada", Phone: "+33612345678", Email: "Ada@Example.com"}
		mk := func(c model.Customer, end bool) int64 {
			t.Helper()
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, Customer: c,
				ArrivedAt: at, ResumeTokenHash: HashToken(c.Name + at.String())})
			noErr(t, err, "create")
			_, _, err = s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, Body: "my address is 1 rue X", SentAt: at})
			noErr(t, err, "message")
			if end {
				_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateConnected, At: at.Add(time.Minute), AgentID: &f.agent.ID})
				noErr(t, err, "connect")
				_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: at.Add(5 * time.Minute), CloseSegments: true})
				noErr(t, err, "end")
				noErr(t, s.SetDisposition(ctx, tid, id, "refund", "called back on +33612345678"), "disposition")
				noErr(t, s.SetSurvey(ctx, tid, id, 4, "Ada was happy"), "survey")
			}
			at = at.Add(time.Hour)
			return id
		}
		first, second := mk(ada, true), mk(ada, true)
		open := mk(ada, false)
		bob := mk(model.Customer{Name: "Bob", Phone: "+33699999999"}, true)

		got, err := s.EraseCustomer(ctx, tid, ErasureKey{Email: "ada@example.com"})
		noErr(t, err, "erase")
		if got.Interactions != 2 || got.Messages != 2 || got.StillOpen != 1 || len(got.IDs) != 2 || got.IDs[0] != first || got.IDs[1] != second {
			t.Fatalf("erasure %+v", got)
		}
		for _, id := range []int64{first, second} {
			in, err := s.GetInteraction(ctx, tid, id)
			noErr(t, err, "get")
			if in.Customer != (model.Customer{}) || in.Notes != "" || in.CSATComment != "" || in.ResumeTokenHash != "" {
				t.Errorf("interaction %d keeps personal data: %+v", id, in)
			}
			// What the reports count stays.
			if in.State != model.StateEnded || in.CSATScore == nil || *in.CSATScore != 4 || in.Disposition != "refund" || in.AnsweredAt == nil || in.AgentID == nil {
				t.Errorf("interaction %d lost its figures: %+v", id, in)
			}
			msgs, err := s.ListMessages(ctx, tid, id, 0)
			noErr(t, err, "messages")
			if len(msgs) != 1 || msgs[0].Body != ErasedText {
				t.Errorf("messages of %d: %+v", id, msgs)
			}
		}
		for _, id := range []int64{open, bob} {
			in, err := s.GetInteraction(ctx, tid, id)
			noErr(t, err, "get")
			if in.Customer.Name == "" {
				t.Errorf("interaction %d erased too", id)
			}
		}
		// Another tenant's same customer is not touched; an empty key is refused.
		g := newFixture(t, s, "globex")
		other, err := s.CreateInteraction(ctx, g.tenant.ID, model.Interaction{QueueID: g.chat.ID, Channel: model.ChannelChat, Customer: ada, ArrivedAt: at})
		noErr(t, err, "other tenant")
		if _, err := s.UpdateInteractionState(ctx, g.tenant.ID, other, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.EraseCustomer(ctx, tid, ErasureKey{Phone: ada.Phone}); err != nil || got.Interactions != 0 || got.StillOpen != 1 {
			t.Errorf("second erasure: %+v %v", got, err)
		}
		if in, _ := s.GetInteraction(ctx, g.tenant.ID, other); in.Customer.Name != "Ada" {
			t.Error("another tenant's interaction was erased")
		}
		wantErr(t, func() error { _, err := s.EraseCustomer(ctx, tid, ErasureKey{}); return err }(), ErrInvalid, "empty key")
	})
}
