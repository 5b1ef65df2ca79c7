package live

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/store"
)

// Records waiting to be stored by a batcher, at most; past that they are
// dropped (counted, and logged at most every announceWarnEvery): they are
// measurements (announcements, agents' state history), and a backlog that
// size means the database is in trouble anyway.
const (
	announceBacklog   = 8192
	announceMaxBatch  = 512
	announceTimeout   = 10 * time.Second
	announceWarnEvery = 10 * time.Second
)

// batcher stores records in batches, on a goroutine of its own: the owner
// goroutine must not wait for one more commit per arrival or per change of
// an agent's state. Records are written in the order added.
type batcher[T any] struct {
	what    string // for the logs: "announcements", "agent states"
	write   func(ctx context.Context, batch []T) error
	log     *slog.Logger
	dropped prometheus.Counter
	in      chan T
	done    chan struct{}
	// abort ends the writes still in progress when close gives up.
	ctx   context.Context
	abort context.CancelFunc
	// Drops since the last warning; touched by the caller of add only.
	drops    int
	warnedAt time.Time
}

func newBatcher[T any](what string, write func(context.Context, []T) error, log *slog.Logger, dropped prometheus.Counter) *batcher[T] {
	b := &batcher[T]{what: what, write: write, log: log, dropped: dropped, in: make(chan T, announceBacklog), done: make(chan struct{})}
	b.ctx, b.abort = context.WithCancel(context.Background())
	return b
}

// announcer stores what customers were told on arrival (position and
// expected wait).
type announcer = batcher[store.Announcement]

func newAnnouncer(st *store.Store, log *slog.Logger, dropped prometheus.Counter) *announcer {
	return newBatcher("announcements", func(ctx context.Context, batch []store.Announcement) error {
		_, err := st.SetAnnouncements(ctx, batch)
		return err
	}, log, dropped)
}

// newStateLog stores the agents' state history.
func newStateLog(st *store.Store, log *slog.Logger, dropped prometheus.Counter) *batcher[store.AgentStateChange] {
	return newBatcher("agent states", st.AppendAgentStates, log, dropped)
}

// add queues a record; it never blocks. It is called by one goroutine at
// a time (the owner's).
func (b *batcher[T]) add(x T, now time.Time) {
	select {
	case b.in <- x:
		return
	default:
	}
	b.dropped.Inc()
	b.drops++
	if now.Sub(b.warnedAt) >= announceWarnEvery {
		b.log.Warn(b.what+" backlog full: records not stored", "dropped", b.drops, "backlog", announceBacklog)
		b.drops, b.warnedAt = 0, now
	}
}

// run stores the queued records, as many per transaction as are waiting,
// until close.
func (b *batcher[T]) run() {
	defer close(b.done)
	batch := make([]T, 0, announceMaxBatch)
	for x := range b.in {
		batch = append(batch[:0], x)
	more:
		for len(batch) < announceMaxBatch {
			select {
			case y, ok := <-b.in:
				if !ok {
					break more
				}
				batch = append(batch, y)
			default:
				break more
			}
		}
		ctx, cancel := context.WithTimeout(b.ctx, announceTimeout)
		if err := b.write(ctx, batch); err != nil {
			b.log.Warn("store "+b.what, "count", len(batch), "err", err)
		}
		cancel()
	}
}

// close stops taking records and waits until the queued ones are written,
// or announceTimeout has passed: then the rest is given up.
func (b *batcher[T]) close() {
	close(b.in)
	t := time.NewTimer(announceTimeout)
	defer t.Stop()
	select {
	case <-b.done:
	case <-t.C:
		b.abort()
		<-b.done
	}
	b.abort()
}
