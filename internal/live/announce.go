package live

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/store"
)

// Announcements waiting to be stored, at most; past that they are dropped
// (counted, and logged at most every announceWarnEvery): they measure the
// quality of announcements, and a backlog that size means the database is
// in trouble anyway.
const (
	announceBacklog   = 8192
	announceMaxBatch  = 512
	announceTimeout   = 10 * time.Second
	announceWarnEvery = 10 * time.Second
)

// announcer stores what customers were told on arrival (position and
// expected wait) in batches, on a goroutine of its own: the owner
// goroutine must not wait for one more commit per arrival.
type announcer struct {
	st      *store.Store
	log     *slog.Logger
	dropped prometheus.Counter
	in      chan store.Announcement
	done    chan struct{}
	// abort ends the writes still in progress when close gives up.
	ctx   context.Context
	abort context.CancelFunc
	// Drops since the last warning; touched by the caller of add only.
	drops    int
	warnedAt time.Time
}

func newAnnouncer(st *store.Store, log *slog.Logger, dropped prometheus.Counter) *announcer {
	a := &announcer{st: st, log: log, dropped: dropped, in: make(chan store.Announcement, announceBacklog), done: make(chan struct{})}
	a.ctx, a.abort = context.WithCancel(context.Background())
	return a
}

// add queues an announcement; it never blocks. It is called by one
// goroutine at a time (the owner's).
func (a *announcer) add(x store.Announcement, now time.Time) {
	select {
	case a.in <- x:
		return
	default:
	}
	a.dropped.Inc()
	a.drops++
	if now.Sub(a.warnedAt) >= announceWarnEvery {
		a.log.Warn("announcement backlog full: announcements not stored", "dropped", a.drops, "backlog", announceBacklog)
		a.drops, a.warnedAt = 0, now
	}
}

// run stores the queued announcements, as many per transaction as are
// waiting, until close.
func (a *announcer) run() {
	defer close(a.done)
	batch := make([]store.Announcement, 0, announceMaxBatch)
	for x := range a.in {
		batch = append(batch[:0], x)
	more:
		for len(batch) < announceMaxBatch {
			select {
			case y, ok := <-a.in:
				if !ok {
					break more
				}
				batch = append(batch, y)
			default:
				break more
			}
		}
		ctx, cancel := context.WithTimeout(a.ctx, announceTimeout)
		if _, err := a.st.SetAnnouncements(ctx, batch); err != nil {
			a.log.Warn("store announced positions and waits", "count", len(batch), "err", err)
		}
		cancel()
	}
}

// close stops taking announcements and waits until the queued ones are
// written, or announceTimeout has passed: then the rest is given up.
func (a *announcer) close() {
	close(a.in)
	t := time.NewTimer(announceTimeout)
	defer t.Stop()
	select {
	case <-a.done:
	case <-t.C:
		a.abort()
		<-a.done
	}
	a.abort()
}
