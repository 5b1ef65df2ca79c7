package store

import "slices"

// WriteMark is a position in a WriteQueue: PendingAfter waits only for
// the writes queued after it.
type WriteMark struct{ last []*txJob }

// Mark returns the queue's position now.
func (q *WriteQueue) Mark() WriteMark {
	q.mu.Lock()
	defer q.mu.Unlock()
	return WriteMark{slices.Clone(q.last)}
}

// PendingAfter is Pending when something was queued since m, nil when
// nothing was: a writer that queued nothing since m waits for nobody
// else's writes (the ones queued after its own are committed after them).
// A lane whose last job is the marked one is not waited for.
func (q *WriteQueue) PendingAfter(m WriteMark) func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if slices.Equal(q.last, m.last) {
		return nil
	}
	return q.pendingLocked(m.last)
}
