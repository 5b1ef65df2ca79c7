package store

// WriteMark is a position in a WriteQueue: PendingAfter waits only for
// the writes queued after it.
type WriteMark struct{ last *txJob }

// Mark returns the queue's position now.
func (q *WriteQueue) Mark() WriteMark {
	q.mu.Lock()
	defer q.mu.Unlock()
	return WriteMark{q.last}
}

// PendingAfter is Pending when something was queued since m, nil when
// nothing was: a writer that queued nothing since m waits for nobody
// else's writes (the ones queued after its own are committed after them).
func (q *WriteQueue) PendingAfter(m WriteMark) func() {
	q.mu.Lock()
	same := q.last == m.last
	q.mu.Unlock()
	if same {
		return nil
	}
	return q.Pending()
}
