package store

import (
	"errors"
	"reflect"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestCommitmentsCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "globex")
		tid := a.tenant.ID
		sl := model.Commitment{Name: "80/20", Kind: model.CommitServiceLevel, TargetPct: 80, Seconds: 20, QueueIDs: []int64{a.queue.ID},
			Channel: model.ChannelVoice, Source: "NF 345", Position: 10}
		c, err := s.CreateCommitment(ctx, tid, sl)
		noErr(t, err, "create")
		sl.ID, sl.TenantID, sl.Days = c.ID, tid, []int{}
		if !reflect.DeepEqual(c, sl) {
			t.Fatalf("created %+v, want %+v", c, sl)
		}
		_, err = s.CreateCommitment(ctx, tid, model.Commitment{Name: "80/20", Kind: model.CommitAbandonRate, TargetPct: 5})
		wantErr(t, err, ErrConflict, "same name twice")
		open := model.Commitment{Name: "7/7", Kind: model.CommitOpenHours, TargetPct: 100, Opens: "08:00", Closes: "20:00", Days: []int{1, 2}, Position: 5}
		o, err := s.CreateCommitment(ctx, tid, open)
		noErr(t, err, "create opening")
		for _, bad := range []struct {
			c     model.Commitment
			field string
		}{
			{model.Commitment{Name: "x", Kind: "speed", TargetPct: 5}, "kind"},
			{model.Commitment{Name: "x", Kind: model.CommitAbandonRate, TargetPct: 101}, "target_pct"},
			{model.Commitment{Name: "x", Kind: model.CommitAbandonRate, TargetPct: -1}, "target_pct"},
			{model.Commitment{Name: "x", Kind: model.CommitCallback, TargetPct: 95}, "seconds"},
			{model.Commitment{Name: "x", Kind: model.CommitServiceLevel, TargetPct: 80, Seconds: -3}, "seconds"},
			{model.Commitment{Name: "x", Kind: model.CommitSatisfaction, TargetPct: 10, MinScore: 6}, "min_score"},
			{model.Commitment{Name: "x", Kind: model.CommitOpenHours, TargetPct: 100, Opens: "20:00", Closes: "08:00"}, "closes"},
			{model.Commitment{Name: "x", Kind: model.CommitOpenHours, TargetPct: 100, Opens: "8h", Closes: "20:00"}, "opens"},
			{model.Commitment{Name: "x", Kind: model.CommitOpenHours, TargetPct: 100, Opens: "08:00", Closes: "20:00", Days: []int{7}}, "days[0]"},
			{model.Commitment{Name: "x", Kind: model.CommitAbandonRate, TargetPct: 5, Channel: "fax"}, "channel"},
			{model.Commitment{Name: "x", Kind: model.CommitAbandonRate, TargetPct: 5, QueueIDs: []int64{b.queue.ID}}, "queue_ids[0]"},
			{model.Commitment{Name: "", Kind: model.CommitAbandonRate, TargetPct: 5}, "name"},
		} {
			_, err := s.CreateCommitment(ctx, tid, bad.c)
			var ve *model.ValidationError
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &ve) || ve.Field != bad.field {
				t.Errorf("%+v: %v, want invalid %s", bad.c, err, bad.field)
			}
		}
		list, err := s.ListCommitments(ctx, tid)
		noErr(t, err, "list")
		if len(list) != 2 || list[0].ID != o.ID || list[1].ID != c.ID || !reflect.DeepEqual(list[0].Days, []int{1, 2}) {
			t.Fatalf("list %+v", list)
		}
		c.TargetPct, c.QueueIDs = 85, nil
		noErr(t, s.UpdateCommitment(ctx, tid, c), "update")
		got, err := s.GetCommitment(ctx, tid, c.ID)
		noErr(t, err, "get")
		if got.TargetPct != 85 || len(got.QueueIDs) != 0 {
			t.Fatalf("got %+v", got)
		}
		c.Seconds = -1
		wantErr(t, s.UpdateCommitment(ctx, tid, c), ErrInvalid, "bad update")
		_, err = s.GetCommitment(ctx, b.tenant.ID, c.ID)
		wantErr(t, err, ErrNotFound, "another tenant's")
		wantErr(t, s.UpdateCommitment(ctx, b.tenant.ID, got), ErrNotFound, "update another tenant's")
		wantErr(t, s.DeleteCommitment(ctx, b.tenant.ID, c.ID), ErrNotFound, "delete another tenant's")

		// Replacing is all or nothing.
		_, err = s.ReplaceCommitments(ctx, tid, []model.Commitment{{Name: "ok", Kind: model.CommitAbandonRate, TargetPct: 5}, {Name: "bad", Kind: model.CommitAbandonRate, TargetPct: 500}})
		var ve *model.ValidationError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ve) || ve.Field != "[1].target_pct" {
			t.Fatalf("replace with a bad one: %v", err)
		}
		if list, _ := s.ListCommitments(ctx, tid); len(list) != 2 {
			t.Fatalf("a refused replacement changed the set: %+v", list)
		}
		list, err = s.ReplaceCommitments(ctx, tid, []model.Commitment{{Name: "ok", Kind: model.CommitAbandonRate, TargetPct: 5}})
		noErr(t, err, "replace")
		if len(list) != 1 || list[0].Name != "ok" {
			t.Fatalf("replaced %+v", list)
		}
		noErr(t, s.DeleteCommitment(ctx, tid, list[0].ID), "delete")
		wantErr(t, s.DeleteCommitment(ctx, tid, list[0].ID), ErrNotFound, "delete twice")
		if other, _ := s.ListCommitments(ctx, b.tenant.ID); len(other) != 0 {
			t.Fatalf("tenant B has %+v", other)
		}
	})
}
