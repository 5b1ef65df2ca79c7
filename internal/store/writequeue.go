package store

import (
	"context"
	"fmt"
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
type WriteQueue struct {
	st    *Store
	c     *committer
	fence Fence // nil: not fenced
	onErr func(what string, err error)

	mu   sync.Mutex
	last *txJob
}

// NewWriteQueue returns the store's write queue; onErr hears of the
// writes that fail (what names the write), on the committer's goroutine.
// A store has one: every caller shares its order. With a fence (a node of
// several, see WithFence), each write first checks its tenant's epoch in
// its own savepoint and is refused with ErrFenced once the lease is lost,
// as tenantTx does for the writes made at once.
func (s *Store) NewWriteQueue(fence Fence, onErr func(what string, err error)) *WriteQueue {
	s.queueOnce.Do(func() {
		if s.group != nil {
			s.ordered = s.group
		} else {
			s.ordered = newCommitter(s)
		}
	})
	return &WriteQueue{st: s, c: s.ordered, fence: fence, onErr: onErr}
}

func (q *WriteQueue) queue(what string, tenantID int64, fn func(ctx context.Context, c conn) error) {
	var onErr func(error)
	if q.onErr != nil {
		onErr = func(err error) { q.onErr(what, err) }
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.last = q.c.queue(func(c conn) error {
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
	}, onErr)
}

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
	q.queue(what, tenantID, func(ctx context.Context, c conn) error {
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
	q.queue(what, tenantID, func(ctx context.Context, c conn) error {
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
	if q.last == nil {
		return nil
	}
	select {
	case <-q.last.done:
		q.last = nil
		return nil
	default:
	}
	j, c := q.last, q.c
	return func() { _ = c.wait(j) }
}

// Wait returns once everything queued so far is committed (or failed).
func (q *WriteQueue) Wait(ctx context.Context) error {
	q.mu.Lock()
	j := q.last
	q.mu.Unlock()
	if j == nil {
		return nil
	}
	select {
	case <-j.done:
	case <-q.c.stopped:
	case <-ctx.Done():
		return fmt.Errorf("wait for queued writes: %w", ctx.Err())
	}
	return nil
}
