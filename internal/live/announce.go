package live

import (
	"context"
	"log/slog"
	"time"

	"github.com/plateau-cc/plateau/internal/store"
)

// Announcements waiting to be stored, at most; past that they are dropped
// (and logged): they measure the quality of announcements, and a backlog
// that size means the database is in trouble anyway.
const (
	announceBacklog  = 8192
	announceMaxBatch = 512
	announceTimeout  = 10 * time.Second
)

// announcer stores what customers were told on arrival (position and
// expected wait) in batches, on a goroutine of its own: the owner
// goroutine must not wait for one more commit per arrival.
type announcer struct {
	st   *store.Store
	log  *slog.Logger
	in   chan store.Announcement
	done chan struct{}
}

func newAnnouncer(st *store.Store, log *slog.Logger) *announcer {
	return &announcer{st: st, log: log, in: make(chan store.Announcement, announceBacklog), done: make(chan struct{})}
}

// add queues an announcement; it never blocks.
func (a *announcer) add(x store.Announcement) {
	select {
	case a.in <- x:
	default:
		a.log.Warn("announcement backlog full, not stored", "contact", x.InteractionID)
	}
}

// run stores the queued announcements, as many per transaction as are
// waiting, until close; ctx's values are kept, not its end, so that what
// is queued when the center stops is still written.
func (a *announcer) run(ctx context.Context) {
	defer close(a.done)
	ctx = context.WithoutCancel(ctx)
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
		wctx, cancel := context.WithTimeout(ctx, announceTimeout)
		if _, err := a.st.SetAnnouncements(wctx, batch); err != nil {
			a.log.Warn("store announced positions and waits", "count", len(batch), "err", err)
		}
		cancel()
	}
}

// close stops taking announcements and waits until the queued ones are written.
func (a *announcer) close() {
	close(a.in)
	<-a.done
}
