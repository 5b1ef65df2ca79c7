package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestSurveyRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		other := newFixture(t, s, "globex")
		tid := f.tenant.ID
		create := func() int64 {
			t.Helper()
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
			noErr(t, err, "create")
			return id
		}
		// Never answered: abandoned, or still waiting.
		abandoned := create()
		_, err := s.UpdateInteractionState(ctx, tid, abandoned, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: t0.Add(time.Minute), CloseSegments: true})
		noErr(t, err, "abandon")
		for _, id := range []int64{abandoned, create()} {
			err := s.SetSurvey(ctx, tid, id, 4, "")
			wantErr(t, err, ErrConflict, "survey of an unanswered contact")
			if !errors.Is(err, ErrNotAnswered) {
				t.Errorf("survey of an unanswered contact: %v, want ErrNotAnswered", err)
			}
		}
		// Answered (the conversation may still be in wrap-up): once.
		answered := create()
		_, err = s.UpdateInteractionState(ctx, tid, answered, StateUpdate{State: model.StateConnected, At: t0.Add(10 * time.Second), CloseSegments: true})
		noErr(t, err, "answer")
		_, err = s.UpdateInteractionState(ctx, tid, answered, StateUpdate{State: model.StateWrapUp, At: t0.Add(time.Minute), CloseSegments: true})
		noErr(t, err, "wrap up")
		wantErr(t, s.SetSurvey(ctx, tid, answered, 3, strings.Repeat("é", model.MaxSurveyCommentLen+1)), ErrInvalid, "long comment")
		wantErr(t, s.SetSurvey(ctx, other.tenant.ID, answered, 3, ""), ErrNotFound, "another tenant's contact")
		noErr(t, s.SetSurvey(ctx, tid, answered, 3, strings.Repeat("é", model.MaxSurveyCommentLen)), "survey")
		err = s.SetSurvey(ctx, tid, answered, 5, "again")
		wantErr(t, err, ErrConflict, "second survey")
		if !errors.Is(err, ErrAlreadySurveyed) {
			t.Errorf("second survey: %v, want ErrAlreadySurveyed", err)
		}
		in, err := s.GetInteraction(ctx, tid, answered)
		noErr(t, err, "get")
		if in.CSATScore == nil || *in.CSATScore != 3 || in.CSATComment != strings.Repeat("é", model.MaxSurveyCommentLen) {
			t.Errorf("stored survey %v %q", in.CSATScore, in.CSATComment)
		}
		wantErr(t, s.SetSurvey(ctx, tid, answered+1000, 3, ""), ErrNotFound, "unknown contact")
	})
}
