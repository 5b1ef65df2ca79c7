package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		r, err := s.GetRetention(ctx, tid)
		noErr(t, err, "default")
		if r != model.DefaultRetention(tid) {
			t.Errorf("default %+v", r)
		}
		wantErr(t, s.SetRetention(ctx, model.Retention{TenantID: tid, RecordingDays: 200}), ErrInvalid, "recordings past six months")
		noErr(t, s.SetRetention(ctx, model.Retention{TenantID: tid, TranscriptDays: 30, RecordingDays: 90, CustomerDays: 365}), "set")
		noErr(t, s.SetRetention(ctx, model.Retention{TenantID: tid, TranscriptDays: 30, RecordingDays: 90, CustomerDays: 365}), "set again")
		if r, _ := s.GetRetention(ctx, tid); r.TranscriptDays != 30 || r.RecordingDays != 90 || r.CustomerDays != 365 {
			t.Errorf("stored %+v", r)
		}

		// Contacts ended 400, 100 and 10 days before "now" (an injected clock).
		now := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
		ids := map[int]int64{}
		for _, age := range []int{400, 100, 10} {
			end := now.AddDate(0, 0, -age)
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat,
				Customer: model.Customer{Name: "Ada", Email: "ada@example.com"}, ArrivedAt: end.Add(-time.Hour)})
			noErr(t, err, "create")
			_, _, err = s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, Body: "hello", SentAt: end.Add(-time.Minute)})
			noErr(t, err, "message")
			_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: end, CloseSegments: true})
			noErr(t, err, "end")
			ids[age] = id
		}
		r, _ = s.GetRetention(ctx, tid)
		got, err := s.ApplyRetention(ctx, r, now)
		noErr(t, err, "apply")
		if got.Messages != 2 || got.Interactions != 1 {
			t.Errorf("removed %+v, want 2 transcripts and 1 customer", got)
		}
		for age, id := range ids {
			msgs, _ := s.ListMessages(ctx, tid, id, 0)
			in, _ := s.GetInteraction(ctx, tid, id)
			if erased := msgs[0].Body == ErasedText; erased != (age > 30) {
				t.Errorf("contact ended %d days ago: transcript erased %v", age, erased)
			}
			if erased := in.Customer.Name == ""; erased != (age > 365) {
				t.Errorf("contact ended %d days ago: details erased %v", age, erased)
			}
		}
		if again, _ := s.ApplyRetention(ctx, r, now); again != (Retained{}) {
			t.Errorf("a second run removed %+v", again)
		}
	})
}
