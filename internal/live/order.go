package live

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// arrivalOrder keeps the waiting line's order exact across a restart.
//
// A chat's row is stamped (arrived_at) before its INSERT, and a restart
// restores the line by that stamp; concurrent INSERTs commit in any order,
// though, and the engine queues contacts in the order they reach it. So
// every arriving chat takes a ticket with its stamp (strictly increasing,
// to the microsecond that every backend stores exactly), and reaches the
// engine only after every earlier ticket did (or gave up): the live line
// is then in stamp order, which is the order the restore rebuilds.
type arrivalOrder struct {
	mu      sync.Mutex
	issued  uint64               // tickets handed out
	turn    uint64               // the ticket whose turn it is (1-based)
	done    map[uint64]bool      // tickets finished out of turn
	waiters map[uint64]chan bool // closed when the ticket's turn comes
	last    time.Time            // the last stamp
}

// take hands out the next ticket with its arrival stamp: now, to the
// microsecond, and after every earlier stamp.
func (a *arrivalOrder) take(now time.Time) (uint64, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.turn == 0 {
		a.turn = 1
		a.done = map[uint64]bool{}
		a.waiters = map[uint64]chan bool{}
	}
	t := now.UTC().Truncate(time.Microsecond)
	if !t.After(a.last) {
		t = a.last.Add(time.Microsecond)
	}
	a.last = t
	a.issued++
	return a.issued, t
}

// wait returns once every ticket before this one is finished.
func (a *arrivalOrder) wait(ctx context.Context, ticket uint64) error {
	a.mu.Lock()
	if a.turn == ticket {
		a.mu.Unlock()
		return nil
	}
	ch := make(chan bool)
	a.waiters[ticket] = ch
	a.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the arrivals before: %w", ctx.Err())
	}
}

// finish ends a ticket's turn, or marks it done for when its turn comes
// (a chat that failed or gave up); call it once per ticket, always.
func (a *arrivalOrder) finish(ticket uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.waiters, ticket)
	if ticket != a.turn {
		a.done[ticket] = true
		return
	}
	a.turn++
	for a.done[a.turn] {
		delete(a.done, a.turn)
		a.turn++
	}
	if ch, ok := a.waiters[a.turn]; ok {
		delete(a.waiters, a.turn)
		close(ch)
	}
}
