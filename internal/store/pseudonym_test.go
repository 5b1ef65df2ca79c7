package store

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// A user's pseudonym is stored, read, changed and cleared; markup is
// refused and loses nothing (migration 00015).
func TestUserPseudonym(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		u, err := s.CreateUser(ctx, &tid, model.User{Login: "amina", DisplayName: "Amina Benali", Pseudonym: "Nour", Role: model.RoleAgent, AgentID: &f.agent.ID})
		noErr(t, err, "create with a pseudonym")
		got, err := s.GetUser(ctx, &tid, u.ID)
		noErr(t, err, "get")
		if got.Pseudonym != "Nour" {
			t.Fatalf("pseudonym %q after create", got.Pseudonym)
		}
		wantErr(t, s.SetPseudonym(ctx, &tid, u.ID, "<b>Nour</b>"), ErrInvalid, "markup")
		got.Pseudonym = "Léa-Marie"
		noErr(t, s.UpdateUser(ctx, &tid, got), "update")
		wantErr(t, s.UpdateUser(ctx, &tid, model.User{ID: u.ID, Login: "amina", DisplayName: "Amina", Pseudonym: "x", Role: model.RoleAgent, AgentID: &f.agent.ID}), ErrInvalid, "too short")
		got, _ = s.GetUser(ctx, &tid, u.ID)
		if got.Pseudonym != "Léa-Marie" || got.DisplayName != "Amina Benali" {
			t.Fatalf("after a refused update: %+v", got)
		}
		noErr(t, s.SetPseudonym(ctx, &tid, u.ID, ""), "clear")
		got, _ = s.GetUser(ctx, &tid, u.ID)
		if got.Pseudonym != "" {
			t.Errorf("pseudonym %q after clearing", got.Pseudonym)
		}
		other := newFixture(t, s, "other")
		wantErr(t, s.SetPseudonym(ctx, &other.tenant.ID, u.ID, "Zoé"), ErrNotFound, "another tenant's user")
	})
}

// An outbound segment (a call placed from a chat) is handled time: it
// may be billable, unlike waiting (migration 00015).
func TestOutboundSegment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		now := time.Now().UTC().Truncate(time.Second)
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: now})
		noErr(t, err, "interaction")
		end := now.Add(time.Minute)
		_, err = s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: model.SegOutbound, AgentID: &f.agent.ID, StartedAt: now, EndedAt: &end, Billable: true})
		noErr(t, err, "billable outbound segment")
		segs, err := s.ListSegments(ctx, tid, id)
		noErr(t, err, "segments")
		if last := segs[len(segs)-1]; last.Kind != model.SegOutbound || !last.Billable {
			t.Errorf("segments %+v", segs)
		}
		// The database itself refuses a billable wait.
		_, err = s.db.ExecContext(ctx, rebind(s.dialect, "INSERT INTO segments (tenant_id, interaction_id, kind, started_at, billable) VALUES (?, ?, 'queued', ?, ?)"), tid, id, ts(now), true)
		if err == nil {
			t.Error("a billable queued segment was stored")
		}
	})
}
