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
// instead of one goroutine and ticker per session. The 20 ms frame time is
// cut into slots (2 ms); a player starts at the next slot and keeps it, so
// each of its frames is due at a whole number of frame times from its
// start. Each shard's goroutine wakes once a slot and sends the frames due
// for that slot's players, in the same order every time: the sending is
// spread over the frame time rather than bunched at one instant, neither
// drifts nor moves between slots with the wake-up latency.
//
// A session plays on a clock after SetClock; the goroutines run only while
// something plays. A Clock is safe for concurrent use.
type Clock struct {
	epoch  time.Time
	shards []*clockShard
}

// slotTime is how finely a Clock spreads its players over a frame time.
const (
	slotTime      = 2 * time.Millisecond
	slotsPerFrame = int(FrameTime / slotTime)
)

// clockShard is one sending goroutine and its players by slot, in the
// order they came.
type clockShard struct {
	epoch   time.Time
	mu      sync.Mutex
	slots   [slotsPerFrame][]*player
	n       int // players in all slots
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
	slot    int        // index in the shard's slots
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
		n += sh.load()
	}
	return n
}

// nextSlot is the first slot at or after t, and its index in a frame.
func (c *Clock) nextSlot(t time.Time) (time.Time, int) {
	k := (t.Sub(c.epoch) + slotTime - 1) / slotTime
	return c.epoch.Add(k * slotTime), int(k % time.Duration(slotsPerFrame))
}

// play is Session.Play on the clock: it adds a player to the least busy
// shard and waits for its outcome or for ctx to end.
func (c *Clock) play(ctx context.Context, s *Session, src Source, codec *Codec) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("media: play: %w", context.Cause(ctx))
	}
	start, slot := c.nextSlot(time.Now())
	s.beginTalkspurt(start)
	pl := &player{s: s, src: src, codec: codec, slot: slot, p: pacer{start: start}, first: true, done: make(chan error, 1)}
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
	return sh.n
}

func (sh *clockShard) add(pl *player) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.slots[pl.slot] = append(sh.slots[pl.slot], pl)
	sh.n++
	if !sh.running {
		sh.running = true
		go sh.run()
	}
}

func (sh *clockShard) remove(pl *player) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.removeLocked(pl)
}

func (sh *clockShard) removeLocked(pl *player) {
	if i := slices.Index(sh.slots[pl.slot], pl); i >= 0 {
		sh.slots[pl.slot] = slices.Delete(sh.slots[pl.slot], i, i+1)
		sh.n--
	}
}

// run wakes at each slot and sends the frames due for its players until
// no player is left. Slots it woke too late for are served at once.
func (sh *clockShard) run() {
	timer := time.NewTimer(0)
	defer timer.Stop()
	var batch, ended []*player
	last := time.Since(sh.epoch)/slotTime - 1 // the last slot served
	for range timer.C {
		k := time.Since(sh.epoch) / slotTime
		now := sh.epoch.Add(k * slotTime)
		first := max(last+1, k-time.Duration(slotsPerFrame)+1)
		last = k
		sh.mu.Lock()
		if sh.n == 0 {
			sh.running = false
			sh.mu.Unlock()
			return
		}
		batch = batch[:0]
		for j := first; j <= k; j++ {
			batch = append(batch, sh.slots[j%time.Duration(slotsPerFrame)]...)
		}
		sh.mu.Unlock()
		ended = ended[:0]
		for _, pl := range batch {
			if !pl.tick(now, sh.pcm, sh.payload) {
				ended = append(ended, pl)
			}
		}
		clear(batch) // hold no player past its end
		if len(ended) > 0 {
			sh.mu.Lock()
			for _, pl := range ended {
				sh.removeLocked(pl)
			}
			sh.mu.Unlock()
			clear(ended)
		}
		timer.Reset(time.Until(now.Add(slotTime)))
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
		n, err := nextFrame(pl.src, pl.codec, pcm, payload)
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
