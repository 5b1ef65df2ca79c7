package store

import (
	"cmp"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// holds is a node's Fence in tests: the epoch it believes it holds per tenant.
type holds map[int64]int64

func (h holds) Epoch(tenantID int64) (int64, bool) {
	e, ok := h[tenantID]
	return e, ok
}

func TestFencingRefusesStaleEpoch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		a := WithFence(ctx, holds{tid: 5})
		b := WithFence(ctx, holds{tid: 9})
		newChat := func(ctx context.Context) (int64, error) {
			return s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
		}
		// Nothing claimed yet: a fenced write is refused.
		_, err := newChat(a)
		wantErr(t, err, ErrFenced, "write before any claim")

		noErr(t, s.ClaimTenant(ctx, tid, 5, "a"), "a claims 5")
		id, err := newChat(a)
		noErr(t, err, "a creates a chat under its epoch")
		_, err = s.UpdateInteractionState(a, tid, id, StateUpdate{State: model.StateOffered, At: t0.Add(time.Second), AgentID: &f.agent.ID,
			CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &f.agent.ID}})
		noErr(t, err, "a offers")
		_, _, err = s.AppendMessage(a, tid, id, model.Message{Sender: model.SenderCustomer, Body: "bonjour", SentAt: t0})
		noErr(t, err, "a stores a message")

		// b takes over (a newer lease): a's writes are refused from now on.
		noErr(t, s.ClaimTenant(ctx, tid, 9, "b"), "b claims 9")
		wantErr(t, s.ClaimTenant(ctx, tid, 5, "a"), ErrFenced, "a claims its old epoch again")
		wantErr(t, s.ClaimTenant(ctx, tid, 9, "c"), ErrFenced, "the same epoch claimed twice")

		_, err = s.UpdateInteractionState(a, tid, id, StateUpdate{State: model.StateConnected, At: t0.Add(2 * time.Second), AgentID: &f.agent.ID,
			CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &f.agent.ID, Billable: true}})
		wantErr(t, err, ErrFenced, "stale connect")
		_, err = newChat(a)
		wantErr(t, err, ErrFenced, "stale create")
		_, _, err = s.AppendMessage(a, tid, id, model.Message{Sender: model.SenderAgent, AgentID: &f.agent.ID, Body: "stale", SentAt: t0})
		wantErr(t, err, ErrFenced, "stale message")
		_, err = s.OpenSegment(a, tid, model.Segment{InteractionID: id, Kind: model.SegAbandoned, StartedAt: t0, EndedAt: &t0})
		wantErr(t, err, ErrFenced, "stale segment")
		wantErr(t, s.SetDisposition(a, tid, id, "sale", "stale"), ErrFenced, "stale disposition")
		_, err = s.AddNote(a, tid, id, model.Note{Kind: model.NoteInternal, AgentID: &f.agent.ID, Author: "Amina", Body: "stale"})
		wantErr(t, err, ErrFenced, "stale note")
		n, err := s.SetAnnouncements(a, []Announcement{{TenantID: tid, InteractionID: id, Position: 1, EWTSeconds: 10}})
		noErr(t, err, "stale announcements")
		if n != 0 {
			t.Fatalf("a stale node's announcement changed %d rows", n)
		}
		noErr(t, s.AppendAgentStates(a, []AgentStateChange{{TenantID: tid, AgentID: f.agent.ID, State: "ready", At: t0}}), "stale agent state")

		// Nothing of it reached the records.
		in, err := s.GetInteraction(ctx, tid, id)
		noErr(t, err, "get")
		if in.State != model.StateOffered || in.AnsweredAt != nil || in.Disposition != "" || in.AnnouncedPosition != nil {
			t.Fatalf("a stale write reached the record: %+v", in)
		}
		segs, err := s.ListSegments(ctx, tid, id)
		noErr(t, err, "segments")
		if len(segs) != 2 {
			t.Fatalf("segments after stale writes: %+v", segs)
		}
		msgs, err := s.ListMessages(ctx, tid, id, 0)
		noErr(t, err, "messages")
		if len(msgs) != 1 {
			t.Fatalf("messages after a stale one: %+v", msgs)
		}
		if notes, err := s.ListNotes(ctx, tid, id); err != nil || len(notes) != 0 {
			t.Fatalf("notes after a stale one: %+v, %v", notes, err)
		}
		var states int
		noErr(t, s.db.QueryRowContext(ctx, "SELECT count(*) FROM agent_states").Scan(&states), "count agent states")
		if states != 0 {
			t.Fatalf("a stale node stored %d agent states", states)
		}

		// b, the owner, writes; a node that knows it lost the tenant is
		// refused without asking; unfenced writes go on as on one node.
		_, err = s.UpdateInteractionState(b, tid, id, StateUpdate{State: model.StateConnected, At: t0.Add(3 * time.Second), AgentID: &f.agent.ID,
			CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &f.agent.ID, Billable: true}})
		noErr(t, err, "b connects")
		_, err = newChat(WithFence(ctx, holds{}))
		wantErr(t, err, ErrFenced, "a node holding nothing")
		noErr(t, s.SetDisposition(ctx, tid, id, "sale", ""), "unfenced disposition")

		eps, err := s.TenantEpochs(ctx)
		noErr(t, err, "epochs")
		if len(eps) != 1 || eps[0].Epoch != 9 || eps[0].Node != "b" {
			t.Fatalf("epochs %+v", eps)
		}
		// A tenant's epoch goes with it.
		other, err := s.CreateTenant(ctx, model.Tenant{Slug: "other", Name: "Other"})
		noErr(t, err, "create other")
		noErr(t, s.ClaimTenant(ctx, other.ID, 1, "a"), "claim other")
		noErr(t, s.DeleteTenant(ctx, other.ID), "delete a tenant with an epoch")
	})
}

// TestClaimWaitsForFencedWriteInFlight: on PostgreSQL a claim waits for a
// write of the previous epoch that has passed its check, so that the new
// owner's restore reads what that write committed.
func TestClaimWaitsForFencedWriteInFlight(t *testing.T) {
	s := openPostgresForTest(t)
	ctx := testCtx(t)
	f := newFixture(t, s, "acme")
	tid := f.tenant.ID
	noErr(t, s.ClaimTenant(ctx, tid, 1, "a"), "a claims 1")
	tx, err := s.db.BeginTx(ctx, nil)
	noErr(t, err, "begin")
	defer tx.Rollback()
	// a's write, checked, not yet committed.
	noErr(t, s.checkEpoch(ctx, s.txConn(tx), tid, 1), "a's check")
	claimed := make(chan error, 1)
	go func() { claimed <- s.ClaimTenant(ctx, tid, 2, "b") }()
	// The claim waits on the row lock (seen by PostgreSQL, not by a timer).
	for {
		var waiting int
		noErr(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO tenant_epochs%'`).Scan(&waiting), "pg_stat_activity")
		if waiting > 0 {
			break
		}
		select {
		case err := <-claimed:
			t.Fatalf("the claim returned (%v) while a write of the old epoch was in flight", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	noErr(t, tx.Commit(), "a commits")
	noErr(t, <-claimed, "b's claim after a's commit")
	_, err = s.CreateInteraction(WithFence(ctx, holds{tid: 1}), tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
	wantErr(t, err, ErrFenced, "a after b's claim")
}

// BenchmarkFencedChatContact is the store's share of a chat contact
// (created, offered, connected) on each backend, as on one node (no Fence:
// no query added) and as a cluster's owner (each write checks the epoch).
func BenchmarkFencedChatContact(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"off", "fenced"} {
			b.Run(backend+"/"+mode, func(b *testing.B) {
				var s *Store
				if backend == "sqlite" {
					s = openSQLiteForTest(b)
				} else {
					s = openPostgresForTest(b)
				}
				ctx := testCtx(b)
				f := newFixture(b, s, "acme")
				if mode == "fenced" {
					noErr2(b, s.ClaimTenant(ctx, f.tenant.ID, 1, "a"))
					ctx = WithFence(ctx, holds{f.tenant.ID: 1})
				}
				in := model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, Tier: "free", ArrivedAt: t0}
				for b.Loop() {
					id, err := s.CreateInteraction(ctx, f.tenant.ID, in)
					noErr2(b, err)
					_, err = s.UpdateInteractionState(ctx, f.tenant.ID, id, StateUpdate{State: model.StateOffered, At: t0, AgentID: &f.agent.ID,
						CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &f.agent.ID}})
					noErr2(b, err)
					_, err = s.UpdateInteractionState(ctx, f.tenant.ID, id, StateUpdate{State: model.StateConnected, At: t0, AgentID: &f.agent.ID,
						CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &f.agent.ID, Billable: true}})
					noErr2(b, err)
				}
			})
		}
	}
}

func noErr2(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// TestClaimGivesUpOnAStuckWrite: a write of the old epoch that never ends
// (its node paused mid-transaction) does not hold the claim forever: the
// claim fails (the manager tries again) and, on a cluster's DSN, the server
// ends the stuck session.
func TestClaimGivesUpOnAStuckWrite(t *testing.T) {
	s := openPostgresForTest(t)
	ctx := testCtx(t)
	f := newFixture(t, s, "acme")
	tid := f.tenant.ID
	noErr(t, s.ClaimTenant(ctx, tid, 1, "a"), "a claims 1")
	tx, err := s.db.BeginTx(ctx, nil)
	noErr(t, err, "begin")
	defer tx.Rollback()
	noErr(t, s.checkEpoch(ctx, s.txConn(tx), tid, 1), "a's check, never committed")
	if err := s.ClaimTenant(ctx, tid, 2, "b"); err == nil {
		t.Fatal("the claim went through a write in flight")
	}
	noErr(t, tx.Rollback(), "a's rollback")
	noErr(t, s.ClaimTenant(ctx, tid, 2, "b"), "b claims once a's write is gone")

	var v string
	dsn := cmp.Or(os.Getenv("PLATEAU_TEST_POSTGRES"), defaultTestPostgres)
	c, err := openPostgres(ClusterDSN(dsn))
	noErr(t, err, "open a cluster DSN")
	defer c.Close()
	noErr(t, c.QueryRowContext(ctx, "SHOW idle_in_transaction_session_timeout").Scan(&v), "show")
	if v != "5s" {
		t.Fatalf("idle_in_transaction_session_timeout on a cluster's DSN: %q", v)
	}
	if got := ClusterDSN("sqlite:x.db"); got != "sqlite:x.db" {
		t.Fatalf("ClusterDSN changed a SQLite DSN: %q", got)
	}
}

// TestWriteQueueFenced: the engine's queued writes carry the node's
// epoch like its direct ones: once another node has claimed the tenant,
// a stale node's queued state updates and segments are refused with
// ErrFenced and change nothing; a queue without a fence is unchanged.
func TestWriteQueueFenced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		noErr(t, s.ClaimTenant(ctx, tid, 5, "a"), "a claims 5")
		id, err := s.CreateInteraction(WithFence(ctx, holds{tid: 5}), tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
		noErr(t, err, "a creates a chat")
		var (
			mu     sync.Mutex
			failed []error
		)
		q := s.NewWriteQueue(holds{tid: 5}, func(_ string, err error) {
			mu.Lock()
			failed = append(failed, err)
			mu.Unlock()
		})
		offer := StateUpdate{State: model.StateOffered, At: t0.Add(time.Second), AgentID: &f.agent.ID, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &f.agent.ID}}
		q.UpdateInteractionState(tid, id, offer)
		noErr(t, q.Wait(ctx), "wait")
		if len(failed) != 0 {
			t.Fatalf("a's write under its epoch failed: %v", failed)
		}

		noErr(t, s.ClaimTenant(ctx, tid, 9, "b"), "b claims 9")
		q.UpdateInteractionState(tid, id, StateUpdate{State: model.StateConnected, At: t0.Add(2 * time.Second), AgentID: &f.agent.ID,
			CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &f.agent.ID, Billable: true}})
		q.OpenSegment(tid, model.Segment{InteractionID: id, Kind: model.SegWrapUp, AgentID: &f.agent.ID, StartedAt: t0.Add(3 * time.Second)})
		noErr(t, q.Wait(ctx), "wait")
		mu.Lock()
		if len(failed) != 2 || !errors.Is(failed[0], ErrFenced) || !errors.Is(failed[1], ErrFenced) {
			t.Errorf("a's queued writes after b's claim: %v", failed)
		}
		mu.Unlock()
		in, err := s.GetInteraction(ctx, tid, id)
		noErr(t, err, "get")
		if in.State != model.StateOffered {
			t.Errorf("the stale node's write landed: %s", in.State)
		}
	})
}
