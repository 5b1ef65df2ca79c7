package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/plateau-cc/plateau/internal/model"
)

// WriteQueue is for a writer that must not wait for each of its commits:
// the live center's engine goroutine, which decides for every contact and
// stores each decision (a call offered, answered, abandoned). Its writes
// run in the order queued, group-committed with whatever else is being
// written (on SQLite in the one committer with every other write, so
// after every write committed before them; on PostgreSQL in a committer
// of their own), and Wait returns once everything queued so far is
// committed: a caller told of a decision only after Wait reads what was
// stored. A failed write is reported to the queue's onErr and does not
// stop the next ones.
//
// On PostgreSQL the writes run in lanes (postgresLanes committers, each
// on a connection of its own), a contact's writes always in the same lane
// (by interaction id): a contact's writes stay in order, and the round
// trips of different contacts' writes overlap instead of queueing behind
// one connection. Wait and Pending wait for every lane.
type WriteQueue struct {
	st    *Store
	lanes []*committer
	fence Fence // nil: not fenced
	onErr func(what string, err error)

	mu   sync.Mutex
	last []*txJob // per lane: the last job queued, nil once seen done
}

// postgresLanes is how many committers run a PostgreSQL store's queued
// writes. At 500 calls a second (an arrival and a hang-up each), one
// connection running the writes one after the other fell behind: every
// statement is a round trip, and the queue filled until the engine's
// goroutine waited for it.
const postgresLanes = 4

// NewWriteQueue returns the store's write queue; onErr hears of the
// writes that fail (what names the write), on the committer's goroutine.
// A store has one: every caller shares its order. With a fence (a node of
// several, see WithFence), each write first checks its tenant's epoch in
// its own savepoint and is refused with ErrFenced once the lease is lost,
// as tenantTx does for the writes made at once.
func (s *Store) NewWriteQueue(fence Fence, onErr func(what string, err error)) *WriteQueue {
	s.queueOnce.Do(func() {
		if s.group != nil {
			s.ordered = []*committer{s.group}
			return
		}
		// Each lane keeps a connection of the pool: at most a quarter.
		for range max(1, min(postgresLanes, s.maxConns/4)) {
			c := newCommitter(s)
			c.lane = true
			s.ordered = append(s.ordered, c)
		}
	})
	return &WriteQueue{st: s, lanes: s.ordered, last: make([]*txJob, len(s.ordered)), fence: fence, onErr: onErr}
}

// queue queues fn in the lane of interaction id; pipe, when not nil, is
// the same write as one statement, for a pipelined group (pipeline.go).
func (q *WriteQueue) queue(what string, tenantID, id int64, pipe *pipeJob, fn func(ctx context.Context, c conn) error) {
	var onErr func(error)
	if q.onErr != nil {
		onErr = func(err error) { q.onErr(what, err) }
	}
	lane := int(uint64(id) % uint64(len(q.lanes)))
	q.mu.Lock()
	defer q.mu.Unlock()
	q.last[lane] = q.lanes[lane].queue(func(c conn) error {
		ctx := context.Background()
		if q.fence != nil {
			epoch, ok := q.fence.Epoch(tenantID)
			if !ok {
				return fmt.Errorf("%s: tenant %d: %w", what, tenantID, ErrFenced)
			}
			if err := q.st.checkEpoch(ctx, c, tenantID, epoch); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		return fn(ctx, c)
	}, pipe, onErr)
}

// pipelined reports whether the queue's lanes pipeline their groups.
func (q *WriteQueue) pipelined() bool { return q.lanes[0].lane }

// UpdateInteractionState queues Store.UpdateInteractionState (without
// reading the interaction back); a bad update is reported at once.
func (q *WriteQueue) UpdateInteractionState(tenantID, id int64, u StateUpdate) {
	write, err := stateWrite(tenantID, id, u)
	what := fmt.Sprintf("update interaction %d to %s", id, u.State)
	if err != nil {
		if q.onErr != nil {
			q.onErr(what, err)
		}
		return
	}
	var pipe *pipeJob
	if q.pipelined() && u.oneStatement() {
		cb, _ := callbackJSON(u.Callback) // checked by stateWrite
		st, read := stateAtOnce(tenantID, id, u, cb)
		pipe = &pipeJob{tenantID: tenantID, fence: q.fence, stmt: st, read: func(rows resultRows) (*pipeStmt, error) {
			updated, d, err := read(rows)
			if err != nil {
				return nil, err
			}
			if !updated {
				return nil, errNotAtOnce
			}
			if d == (segSums{}) {
				return nil, nil
			}
			st := sumsStmt(tenantID, id, d)
			return &st, nil
		}}
	}
	q.queue(what, tenantID, id, pipe, func(ctx context.Context, c conn) error {
		if err := write(ctx, c); err != nil {
			return fail(err, "%s", what)
		}
		return nil
	})
}

// OpenSegment queues Store.OpenSegment.
func (q *WriteQueue) OpenSegment(tenantID int64, seg model.Segment) {
	what := fmt.Sprintf("open %s segment of interaction %d", seg.Kind, seg.InteractionID)
	if err := seg.Validate(); err != nil {
		if q.onErr != nil {
			q.onErr(what, invalidInput(err, "open segment"))
		}
		return
	}
	var pipe *pipeJob
	if q.pipelined() {
		pipe = &pipeJob{tenantID: tenantID, fence: q.fence, stmt: segmentAtOnce(tenantID, seg), read: func(rows resultRows) (*pipeStmt, error) {
			inserted := false
			for rows.Next() {
				inserted = true
			}
			if !inserted {
				return nil, errNotAtOnce
			}
			if d := closedSegSums(seg); d != (segSums{}) {
				st := sumsStmt(tenantID, seg.InteractionID, d)
				return &st, nil
			}
			return nil, nil
		}}
	}
	q.queue(what, tenantID, seg.InteractionID, pipe, func(ctx context.Context, c conn) error {
		if _, err := getInteraction(ctx, c, tenantID, seg.InteractionID); err != nil {
			return fail(err, "%s", what)
		}
		if _, err := insertSegment(ctx, c, tenantID, seg); err != nil {
			return fail(err, "%s", what)
		}
		return nil
	})
}

// Pending returns a function that returns once everything queued so far
// is committed (or failed), nil when nothing is left to wait for.
func (q *WriteQueue) Pending() func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pendingLocked(nil)
}

// pendingLocked is Pending for the lanes whose last job is not the one in
// since (all lanes when since is nil).
func (q *WriteQueue) pendingLocked(since []*txJob) func() {
	var wait []laneJob
	for i, j := range q.last {
		if j == nil || (since != nil && since[i] == j) {
			continue
		}
		select {
		case <-j.done:
			q.last[i] = nil
			continue
		default:
		}
		wait = append(wait, laneJob{q.lanes[i], j})
	}
	switch len(wait) {
	case 0:
		return nil
	case 1:
		w := wait[0]
		return func() { _ = w.c.wait(w.j) }
	}
	return func() {
		for _, w := range wait {
			_ = w.c.wait(w.j)
		}
	}
}

type laneJob struct {
	c *committer
	j *txJob
}

// Wait returns once everything queued so far is committed (or failed).
func (q *WriteQueue) Wait(ctx context.Context) error {
	q.mu.Lock()
	last := slices.Clone(q.last)
	q.mu.Unlock()
	for i, j := range last {
		if j == nil {
			continue
		}
		select {
		case <-j.done:
		case <-q.lanes[i].stopped:
		case <-ctx.Done():
			return fmt.Errorf("wait for queued writes: %w", ctx.Err())
		}
	}
	return nil
}
