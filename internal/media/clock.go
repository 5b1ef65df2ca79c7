package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Clock paces the frames that many sessions play from a few goroutines
// instead of one goroutine and ticker per session: every 20 ms tick, each
// of its shards sends the frames due for its players, in the same order
// every tick. Ticks are at fixed times from the clock's epoch and each
// player's frames are due at whole ticks from its start, so the sending
// neither drifts nor moves between ticks with the wake-up latency.
//
// A session plays on a clock after SetClock; the goroutines run only while
// something plays. A Clock is safe for concurrent use.
type Clock struct {
	epoch  time.Time
	shards []*clockShard
}

// clockShard is one sending goroutine and its players, in the order they
// came.
type clockShard struct {
	epoch   time.Time
	mu      sync.Mutex
	players []*player
	running bool
	// Buffers of the one sending goroutine.
	pcm     []int16
	payload []byte
}

// player is one Play on a clock.
type player struct {
	s       *Session
	src     Source
	codec   *Codec
	mu      sync.Mutex // guards the fields below; held while sending
	p       pacer
	first   bool
	stopped bool
	done    chan error // the outcome, once
}

// NewClock returns a clock with one sending goroutine per processor
// (GOMAXPROCS), started when something plays.
func NewClock() *Clock {
	c := &Clock{epoch: time.Now()}
	for range max(runtime.GOMAXPROCS(0), 1) {
		c.shards = append(c.shards, &clockShard{epoch: c.epoch, pcm: make([]int16, FrameSamples), payload: make([]byte, FrameSamples)})
	}
	return c
}

// Playing is the number of sessions playing on the clock.
func (c *Clock) Playing() int {
	n := 0
	for _, sh := range c.shards {
		sh.mu.Lock()
		n += len(sh.players)
		sh.mu.Unlock()
	}
	return n
}

// nextTick is the first tick at or after t.
func (c *Clock) nextTick(t time.Time) time.Time {
	k := (t.Sub(c.epoch) + FrameTime - 1) / FrameTime
	return c.epoch.Add(k * FrameTime)
}

// play is Session.Play on the clock: it adds a player to the least busy
// shard and waits for its outcome or for ctx to end.
func (c *Clock) play(ctx context.Context, s *Session, src Source, codec *Codec) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("media: play: %w", context.Cause(ctx))
	}
	start := c.nextTick(time.Now())
	s.beginTalkspurt(start)
	pl := &player{s: s, src: src, codec: codec, p: pacer{start: start}, first: true, done: make(chan error, 1)}
	sh := c.shards[0]
	for _, o := range c.shards[1:] {
		if o.load() < sh.load() {
			sh = o
		}
	}
	sh.add(pl)
	select {
	case err := <-pl.done:
		sh.remove(pl) // now rather than at the end of the tick
		return err
	case <-ctx.Done():
		sh.remove(pl)
		pl.mu.Lock()
		pl.stopped = true // no frame after Play returns
		pl.mu.Unlock()
		select {
		case err := <-pl.done: // it ended on its own meanwhile
			return err
		default:
		}
		return fmt.Errorf("media: play: %w", context.Cause(ctx))
	}
}

func (sh *clockShard) load() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.players)
}

func (sh *clockShard) add(pl *player) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.players = append(sh.players, pl)
	if !sh.running {
		sh.running = true
		go sh.run()
	}
}

func (sh *clockShard) remove(pl *player) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if i := slices.Index(sh.players, pl); i >= 0 {
		sh.players = slices.Delete(sh.players, i, i+1)
	}
}

// run sends the frames due at each tick until no player is left.
func (sh *clockShard) run() {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var batch, ended []*player
	for range timer.C {
		k := time.Since(sh.epoch) / FrameTime
		tick := sh.epoch.Add(k * FrameTime)
		sh.mu.Lock()
		if len(sh.players) == 0 {
			sh.running = false
			sh.mu.Unlock()
			return
		}
		batch = append(batch[:0], sh.players...)
		sh.mu.Unlock()
		ended = ended[:0]
		for _, pl := range batch {
			if !pl.tick(tick, sh.pcm, sh.payload) {
				ended = append(ended, pl)
			}
		}
		clear(batch) // hold no player past its end
		if len(ended) > 0 {
			sh.mu.Lock()
			sh.players = slices.DeleteFunc(sh.players, func(p *player) bool { return slices.Contains(ended, p) })
			sh.mu.Unlock()
			clear(ended)
		}
		timer.Reset(time.Until(tick.Add(FrameTime)))
	}
}

// tick sends the player's frames due at the tick; false when it has ended
// (its outcome is in done) or was stopped.
func (pl *player) tick(now time.Time, pcm []int16, payload []byte) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.stopped {
		return false
	}
	for range pl.p.due(now) {
		n, err := pl.src.Next(pcm)
		if n == 0 {
			if err == nil {
				continue
			}
			if errors.Is(err, io.EOF) {
				pl.end(nil)
			} else {
				pl.end(fmt.Errorf("media: play: %w", err))
			}
			return false
		}
		clear(pcm[n:])
		pl.codec.Encode(payload, pcm)
		if err := pl.s.WriteFrame(payload, FrameSamples, pl.first); err != nil {
			pl.end(err)
			return false
		}
		pl.first = false
		pl.p.sent++
		pl.s.mu.Lock()
		pl.s.nextDue = pl.p.start.Add(time.Duration(pl.p.sent) * FrameTime)
		pl.s.mu.Unlock()
	}
	return true
}

func (pl *player) end(err error) {
	pl.stopped = true
	pl.done <- err
}
