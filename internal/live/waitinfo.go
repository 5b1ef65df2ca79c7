package live

import (
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
)

// announcedWait is the wait to announce for a queue's customer: none, and
// noAgent, while nobody who serves the queue is signed in (an estimate
// would promise "about 3 minutes" with nobody to answer).
func (o *owner) announcedWait(q acd.QueueID, ewt time.Duration) (wait int, noAgent bool) {
	if o.eng.Staffed(q) == 0 {
		return 0, true
	}
	return seconds(ewt), false
}

// opensAt is when a closed queue opens next, looked for within a week; nil
// when it does not (or its hours are unknown).
func (o *owner) opensAt(q acd.QueueID, now time.Time) *time.Time {
	rec := o.queues[q]
	if rec == nil || rec.sched == nil {
		return nil
	}
	h, err := hours(*rec.sched)
	if err != nil || h == nil {
		return nil
	}
	const step = 5 * time.Minute
	t := now.Truncate(step).Add(step)
	for end := now.Add(7 * 24 * time.Hour); t.Before(end); t = t.Add(step) {
		if h.IsOpen(t) {
			return &t
		}
	}
	return nil
}
