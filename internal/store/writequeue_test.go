package store

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestWriteQueue: queued writes apply in the order queued (the last state
// of each interaction is the last one queued), a failing one is reported
// and does not stop the next, and Wait sees them all committed; on both
// backends.
func TestWriteQueue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		failed := &failures{}
		q := s.NewWriteQueue(nil, failed.add)
		var ids []int64
		for i := range 20 {
			id, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice,
				ArrivedAt: t0.Add(time.Duration(i) * time.Second)})
			noErr(t, err, "create")
			ids = append(ids, id)
		}
		agent := f.agent.ID
		qid := f.queue.ID
		for i, id := range ids {
			at := t0.Add(time.Duration(i)*time.Second + time.Minute)
			q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateOffered, At: at, AgentID: &agent, CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &agent, QueueID: &qid}})
			q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at.Add(time.Second),
				CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegAbandoned, QueueID: &qid, EndedAt: ptr(at.Add(time.Second))}})
			if i == 3 {
				// Ended is final: this one fails, the next ones go on.
				q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateQueued, At: at.Add(2 * time.Second)})
			}
			q.OpenSegment(f.tenant.ID, model.Segment{InteractionID: id, Kind: model.SegAbandoned, QueueID: &qid, StartedAt: at, EndedAt: &at})
		}
		// A bad update is refused at once.
		q.UpdateInteractionState(f.tenant.ID, ids[0], StateUpdate{State: "nonsense", At: t0})
		noErr(t, q.Wait(ctx), "wait")
		if q.Pending() != nil {
			t.Error("pending writes after Wait")
		}
		for _, id := range ids {
			in, err := s.GetInteraction(ctx, f.tenant.ID, id)
			noErr(t, err, "get")
			if in.State != model.StateEnded || in.EndedReason != model.EndAbandoned || in.AgentID == nil || *in.AgentID != agent {
				t.Fatalf("interaction %d: %s %s agent %v", id, in.State, in.EndedReason, in.AgentID)
			}
		}
		if got := failed.list(); len(got) != 2 {
			t.Fatalf("failures reported: %q, want the update of an ended interaction and the bad state", got)
		}
	})
}

// Writes still queued when the store closes are committed first.
func TestWriteQueueCloseCommits(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "w.db")
	s, err := Open(ctx, path)
	noErr(t, err, "open")
	f := newFixture(t, s, "acme")
	id, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0})
	noErr(t, err, "create")
	q := s.NewWriteQueue(nil, nil)
	q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: t0.Add(time.Minute), CloseSegments: true})
	noErr(t, s.Close(), "close")
	s, err = Open(ctx, path)
	noErr(t, err, "reopen")
	defer s.Close()
	in, err := s.GetInteraction(ctx, f.tenant.ID, id)
	noErr(t, err, "get")
	if in.State != model.StateEnded {
		t.Fatalf("state after close %s, want ended", in.State)
	}
}

// PostgreSQL's connections are capped: a burst waits for a free one
// instead of meeting the server's max_connections.
func TestPostgresConnectionsCapped(t *testing.T) {
	s := openPostgresForTest(t)
	if n := s.db.Stats().MaxOpenConnections; n != DefaultPostgresConns {
		t.Fatalf("max open connections %d, want %d", n, DefaultPostgresConns)
	}
	f := newFixture(t, s, "acme")
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0.Add(time.Duration(i) * time.Second)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, err, "create during a burst")
	}
	if n := s.db.Stats().OpenConnections; n > DefaultPostgresConns {
		t.Fatalf("%d connections open", n)
	}
}

// On PostgreSQL the queue runs in lanes: a contact's writes stay in
// order in its lane, groups are pipelined, a group whose job fails runs
// again with savepoints
// (the others are stored, the failing one alone is reported), and a mark
// waits only for what was queued after it.
func TestWriteQueueLanes(t *testing.T) {
	s := openPostgresForTest(t)
	ctx := testCtx(t)
	f := newFixture(t, s, "acme")
	failed := &failures{}
	q := s.NewWriteQueue(nil, failed.add)
	if len(q.lanes) != postgresLanes {
		t.Fatalf("%d lanes, want %d", len(q.lanes), postgresLanes)
	}
	m := q.Mark()
	if q.PendingAfter(m) != nil {
		t.Fatal("pending after a mark with nothing queued")
	}
	var ids []int64
	for i := range 2 * postgresLanes {
		id, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice,
			ArrivedAt: t0.Add(time.Duration(i) * time.Second)})
		noErr(t, err, "create")
		ids = append(ids, id)
	}
	agent, qid := f.agent.ID, f.queue.ID
	for round := range 3 {
		for i, id := range ids {
			at := t0.Add(time.Duration(round*100+i) * time.Second)
			q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateOffered, At: at, AgentID: &agent, CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &agent, QueueID: &qid}})
			q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateQueued, At: at.Add(time.Second), CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegQueued, QueueID: &qid}})
		}
	}
	for i, id := range ids {
		at := t0.Add(time.Duration(1000+i) * time.Second)
		q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: at, CloseSegments: true})
		if i == 1 {
			q.UpdateInteractionState(f.tenant.ID, id, StateUpdate{State: model.StateQueued, At: at}) // ended is final
		}
	}
	noErr(t, q.Wait(ctx), "wait")
	for _, id := range ids {
		in, err := s.GetInteraction(ctx, f.tenant.ID, id)
		noErr(t, err, "get")
		if in.State != model.StateEnded || in.EndedReason != model.EndAbandoned {
			t.Fatalf("interaction %d: %s %s, want ended abandoned", id, in.State, in.EndedReason)
		}
		var open, n int
		noErr(t, s.db.QueryRowContext(ctx, "SELECT count(*) FILTER (WHERE ended_at IS NULL), count(*) FROM segments WHERE interaction_id = $1", id).Scan(&open, &n), "segments")
		if open != 0 || n != 7 {
			t.Fatalf("interaction %d: %d segments, %d open; want 7 closed", id, n, open)
		}
	}
	if got := failed.list(); len(got) != 1 {
		t.Errorf("failures reported: %q, want the update of the ended interaction alone", got)
	}
	var retried, pipelined int64
	for _, c := range q.lanes {
		retried += c.retried.Load()
		pipelined += c.pipelined.Load()
	}
	if retried == 0 {
		t.Error("no group was run again with savepoints")
	}
	if pipelined == 0 {
		t.Error("no group was committed pipelined")
	}
	// A mark waits only for the lanes written after it.
	m = q.Mark()
	q.UpdateInteractionState(f.tenant.ID, ids[0], StateUpdate{State: model.StateQueued, At: t0}) // fails: ended
	if w := q.PendingAfter(m); w != nil {
		w()
	}
	if p := q.PendingAfter(m); p != nil {
		t.Error("still pending once the marked lane's write is done")
	}
}

// failures collects what a WriteQueue reports as failed.
type failures struct {
	mu   sync.Mutex
	what []string
}

func (f *failures) add(what string, _ error) {
	f.mu.Lock()
	f.what = append(f.what, what)
	f.mu.Unlock()
}

func (f *failures) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.what)
}
