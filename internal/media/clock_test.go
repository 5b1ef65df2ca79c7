package media

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// failingSource gives n frames of silence, then fails.
type failingSource struct{ n int }

var errSourceBroke = errors.New("source broke")

func (f *failingSource) Next(pcm []int16) (int, error) {
	if f.n == 0 {
		return 0, errSourceBroke
	}
	f.n--
	clear(pcm)
	return len(pcm), nil
}

// TestClockPlay plays on one clock to three sessions at once: each gets
// its frames in order with its own sequence numbers and timestamps, the
// first with the marker, and the clock's goroutines stop when nothing
// plays.
func TestClockPlay(t *testing.T) {
	ctx := t.Context()
	clock := NewClock()
	codec, _ := NewCodec(Ulaw)
	type end struct {
		s    *Session
		peer *net.UDPConn
	}
	var ends []end
	for range 3 {
		s, peer := sendingSession(t, ctx)
		s.SetClock(clock)
		ends = append(ends, end{s, peer})
	}
	errs := make(chan error, len(ends))
	for _, e := range ends {
		go func() {
			tone, _ := NewTone(440, 6000, 110*time.Millisecond) // 5.5 frames: the last is padded
			errs <- e.s.Play(ctx, tone, codec)
		}()
	}
	for range ends {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A second talkspurt on one of them, after a silence.
	time.Sleep(100 * time.Millisecond)
	if err := ends[0].s.Play(ctx, NewSilence(40*time.Millisecond), codec); err != nil {
		t.Fatal(err)
	}
	for i, e := range ends {
		n := 6
		if i == 0 {
			n = 8
		}
		pk := readRaw(t, e.peer, n)
		for j, p := range pk {
			if p.SSRC != e.s.SSRC() || p.PayloadType != PayloadPCMU || len(p.Payload) != FrameSamples {
				t.Errorf("session %d packet %d: ssrc %x pt %d len %d", i, j, p.SSRC, p.PayloadType, len(p.Payload))
			}
			if want := j == 0 || j == 6; p.Marker != want {
				t.Errorf("session %d packet %d: marker %v", i, j, p.Marker)
			}
			if j == 0 {
				continue
			}
			if p.SequenceNumber != pk[j-1].SequenceNumber+1 {
				t.Errorf("session %d packet %d: seq %d after %d", i, j, p.SequenceNumber, pk[j-1].SequenceNumber)
			}
			dts := p.Timestamp - pk[j-1].Timestamp
			if j != 6 && dts != FrameSamples {
				t.Errorf("session %d packet %d: timestamp +%d, want +160", i, j, dts)
			}
			if j == 6 && (dts < 160+640 || dts%160 != 0) {
				t.Errorf("after 100 ms of silence: timestamp +%d, want >= 800 and a multiple of 160", dts)
			}
		}
		if st := e.s.Stats(); st.PacketsSent != uint64(n) {
			t.Errorf("session %d: %d packets sent, want %d", i, st.PacketsSent, n)
		}
	}
	if n := clock.Playing(); n != 0 {
		t.Errorf("%d players left", n)
	}
	waitClockIdle(t, clock)
}

func waitClockIdle(t *testing.T, c *Clock) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, sh := range c.shards {
		for {
			sh.mu.Lock()
			running := sh.running
			sh.mu.Unlock()
			if !running {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a clock goroutine still runs with nothing playing")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestClockPlayStops: a Play on a clock ends with its context, sending
// nothing after it returned, and with its source's error.
func TestClockPlayStops(t *testing.T) {
	clock := NewClock()
	codec, _ := NewCodec(Ulaw)
	s, err := Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetRemote(rawPeer(t).LocalAddr().(*net.UDPAddr).AddrPort())
	s.SetClock(clock)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := s.Play(ctx, NewSilence(0), codec); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Play = %v, want deadline exceeded", err)
	}
	sent := s.Stats().PacketsSent
	if sent == 0 {
		t.Fatal("nothing sent before the context ended")
	}
	time.Sleep(60 * time.Millisecond) // three ticks
	if n := s.Stats().PacketsSent; n != sent {
		t.Errorf("%d packets sent after Play returned", n-sent)
	}
	if err := s.Play(t.Context(), &failingSource{n: 2}, codec); !errors.Is(err, errSourceBroke) {
		t.Fatalf("Play of a failing source = %v", err)
	}
	if n := s.Stats().PacketsSent; n != sent+2 {
		t.Errorf("%d packets from a source that gave 2 frames", n-sent)
	}
	// No remote: an error, not a panic.
	s2, _ := Listen(t.Context(), "127.0.0.1:0")
	defer s2.Close()
	s2.SetClock(clock)
	if err := s2.Play(t.Context(), NewSilence(time.Second), codec); err == nil {
		t.Error("Play without a remote did not fail")
	}
	cancelled, cancelNow := context.WithCancel(t.Context())
	cancelNow()
	if err := s.Play(cancelled, NewSilence(time.Second), codec); !errors.Is(err, context.Canceled) {
		t.Errorf("Play with an ended context = %v", err)
	}
	waitClockIdle(t, clock)
}

func TestClockSlots(t *testing.T) {
	c := &Clock{epoch: time.Unix(1000, 0)}
	for _, tc := range []struct {
		at, want time.Duration
		slot     int
	}{
		{0, 0, 0}, {time.Nanosecond, slotTime, 1}, {slotTime, slotTime, 1}, {slotTime + 1, 2 * slotTime, 2},
		{FrameTime - 1, FrameTime, 0}, {55 * time.Millisecond, 56 * time.Millisecond, 8},
	} {
		got, slot := c.nextSlot(c.epoch.Add(tc.at))
		if got.Sub(c.epoch) != tc.want || slot != tc.slot {
			t.Errorf("next slot at +%v: +%v (slot %d), want +%v (slot %d)", tc.at, got.Sub(c.epoch), slot, tc.want, tc.slot)
		}
	}
}
