package media

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestPacer(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	tests := []struct {
		name  string
		steps []struct {
			at   time.Time
			want int
		}
	}{
		{"on time", []struct {
			at   time.Time
			want int
		}{{ms(0), 1}, {ms(20), 1}, {ms(40), 1}, {ms(61), 1}, {ms(79), 0}, {ms(80), 1}}},
		{"late ticks catch up without drift", []struct {
			at   time.Time
			want int
		}{{ms(0), 1}, {ms(45), 2}, {ms(60), 1}, {ms(99), 1}, {ms(100), 1}}},
		{"stall longer than a burst moves the schedule", []struct {
			at   time.Time
			want int
		}{{ms(0), 1}, {ms(300), maxBurst}, {ms(310), 0}, {ms(320), 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pacer{start: t0}
			for i, st := range tc.steps {
				got := p.due(st.at)
				if got != st.want {
					t.Fatalf("step %d at +%v: due %d, want %d", i, st.at.Sub(t0), got, st.want)
				}
				p.sent += got
			}
		})
	}
}

func rtpBytes(t testing.TB, seq uint16, ts, ssrc uint32, pt uint8) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: make([]byte, 160)}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReceiveStats(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.1:4000")
	other := netip.MustParseAddrPort("192.0.2.2:4000")
	type pkt struct {
		seq  uint16
		ts   uint32
		ssrc uint32
		from netip.AddrPort
		raw  []byte // sent instead when set
		atMs int    // arrival, ms after the epoch
	}
	seqRun := func(first uint16, n int, skip map[int]bool) []pkt {
		var out []pkt
		for i := range n {
			if skip[i] {
				continue
			}
			out = append(out, pkt{seq: first + uint16(i), ts: 5000 + uint32(i)*160, ssrc: 7, from: src, atMs: 20 * i})
		}
		return out
	}
	tests := []struct {
		name    string
		pkts    []pkt
		want    Stats
		jitter  time.Duration // expected jitter, within 1 ms
		remote  netip.AddrPort
		deliver int
	}{
		{name: "clean", pkts: seqRun(100, 50, nil), want: Stats{PacketsReceived: 50, Expected: 50}, deliver: 50},
		{name: "two lost", pkts: seqRun(100, 50, map[int]bool{10: true, 11: true}), want: Stats{PacketsReceived: 48, Expected: 50, Lost: 2}, deliver: 48},
		{name: "sequence wraps", pkts: seqRun(65530, 20, map[int]bool{7: true}), want: Stats{PacketsReceived: 19, Expected: 20, Lost: 1}, deliver: 19},
		{name: "foreign source and garbage dropped", pkts: append(seqRun(1, 10, nil),
			pkt{seq: 11, ts: 99, ssrc: 7, from: other}, pkt{raw: []byte{0x80}, from: src}, pkt{raw: []byte("hello world, not rtp"), from: src},
			pkt{raw: []byte{0x80, 200, 0, 1, 0, 0, 0, 0}, from: src}),
			want: Stats{PacketsReceived: 10, Expected: 10, Foreign: 1, Malformed: 3}, deliver: 10},
		{name: "duplicate counted as in A.3", pkts: append(seqRun(1, 10, nil), pkt{seq: 5, ts: 5000 + 4*160, ssrc: 7, from: src, atMs: 200}),
			want: Stats{PacketsReceived: 11, Expected: 10, Lost: -1}, deliver: 11},
		{name: "big jump needs two packets", pkts: append(seqRun(1, 10, nil),
			pkt{seq: 30000, ts: 99999, ssrc: 7, from: src, atMs: 200}, pkt{seq: 30001, ts: 99999 + 160, ssrc: 7, from: src, atMs: 220}, pkt{seq: 30002, ts: 99999 + 320, ssrc: 7, from: src, atMs: 240}),
			want: Stats{PacketsReceived: 2, Expected: 2, OutOfSequence: 1}, deliver: 12},
		{name: "ssrc change restarts", pkts: append(seqRun(1, 10, nil), pkt{seq: 500, ts: 1, ssrc: 8, from: src, atMs: 200}, pkt{seq: 501, ts: 161, ssrc: 8, from: src, atMs: 220}),
			want: Stats{PacketsReceived: 2, Expected: 2, SSRCChanges: 1}, deliver: 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession()
			delivered := 0
			for _, p := range tc.pkts {
				b := p.raw
				if b == nil {
					b = rtpBytes(t, p.seq, p.ts, p.ssrc, 0)
				}
				if _, ok := s.receive(b, p.from, s.recv.epoch.Add(time.Duration(p.atMs)*time.Millisecond)); ok {
					delivered++
				}
			}
			got := s.Stats()
			if got.Remote != src {
				t.Errorf("latched %v, want %v", got.Remote, src)
			}
			got.Remote, got.Jitter = netip.AddrPort{}, 0
			if got != tc.want {
				t.Errorf("stats %+v\nwant  %+v", got, tc.want)
			}
			if delivered != tc.deliver {
				t.Errorf("delivered %d, want %d", delivered, tc.deliver)
			}
		})
	}
}

func TestJitterRFC3550(t *testing.T) {
	tests := []struct {
		name   string
		delays []int // extra network delay of each packet, ms
		want   float64
	}{
		{"constant delay", []int{5, 5, 5, 5, 5, 5, 5, 5}, 0},
		{"one 10 ms step", []int{0, 10}, 10.0 / 16},
		// Alternating 0/10 ms: |D| = 10 ms each time, J -> 10 ms.
		{"alternating", alternate(400), 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession()
			for i, d := range tc.delays {
				at := s.recv.epoch.Add(time.Duration(20*i+d) * time.Millisecond)
				s.receive(rtpBytes(t, uint16(i), uint32(i*160), 1, 0), netip.MustParseAddrPort("192.0.2.1:1"), at)
			}
			got := float64(s.Stats().Jitter) / float64(time.Millisecond)
			if math.Abs(got-tc.want) > 0.01 {
				t.Errorf("jitter %.3f ms, want %.3f", got, tc.want)
			}
		})
	}
	// Telephone events do not enter the estimate.
	s := newSession()
	s.SetEventPayloadType(101)
	from := netip.MustParseAddrPort("192.0.2.1:1")
	for i := range 10 {
		s.receive(rtpBytes(t, uint16(i), 777, 1, 101), from, s.recv.epoch.Add(time.Duration(20*i)*time.Millisecond))
	}
	if j := s.Stats().Jitter; j != 0 {
		t.Errorf("events moved the jitter to %v", j)
	}
}

func alternate(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 10 * (i % 2)
	}
	return out
}

// rawPeer is a plain UDP socket standing for the far end.
func rawPeer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendingSession opens a session whose remote is a raw UDP peer (both
// closed with the test).
func sendingSession(t *testing.T, ctx context.Context) (*Session, *net.UDPConn) {
	t.Helper()
	s, err := Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	peer := rawPeer(t)
	s.SetRemote(peer.LocalAddr().(*net.UDPAddr).AddrPort())
	return s, peer
}

func readRaw(t *testing.T, c *net.UDPConn, n int) []rtp.Packet {
	t.Helper()
	var out []rtp.Packet
	buf := make([]byte, 1500)
	for len(out) < n {
		if err := c.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
			t.Fatal(err)
		}
		m, _, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("after %d packets: %v", len(out), err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(append([]byte(nil), buf[:m]...)); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestPlaySequenceTimestampMarker(t *testing.T) {
	ctx := t.Context()
	s, peer := sendingSession(t, ctx)
	s.SetPayloadType(PayloadPCMA)
	codec, _ := NewCodec(Alaw)
	tone, _ := NewTone(1000, 8000, 110*time.Millisecond) // 5.5 frames: the last is padded
	start := time.Now()
	if err := s.Play(ctx, tone, codec); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 90*time.Millisecond {
		t.Errorf("6 frames sent in %v: not paced", el)
	}
	time.Sleep(100 * time.Millisecond) // silence between talkspurts
	if err := s.Play(ctx, NewSilence(40*time.Millisecond), codec); err != nil {
		t.Fatal(err)
	}
	pk := readRaw(t, peer, 8)
	for i, p := range pk {
		if p.SSRC != s.SSRC() || p.PayloadType != PayloadPCMA || len(p.Payload) != FrameSamples {
			t.Errorf("packet %d: ssrc %x pt %d len %d", i, p.SSRC, p.PayloadType, len(p.Payload))
		}
		if wantMarker := i == 0 || i == 6; p.Marker != wantMarker {
			t.Errorf("packet %d: marker %v", i, p.Marker)
		}
		if i == 0 {
			continue
		}
		if p.SequenceNumber != pk[i-1].SequenceNumber+1 {
			t.Errorf("packet %d: seq %d after %d", i, p.SequenceNumber, pk[i-1].SequenceNumber)
		}
		dts := p.Timestamp - pk[i-1].Timestamp
		if i != 6 && dts != 160 {
			t.Errorf("packet %d: timestamp +%d, want +160", i, dts)
		}
		if i == 6 && (dts < 160+640 || dts%160 != 0) {
			t.Errorf("after 100 ms of silence: timestamp +%d, want >= 800 and a multiple of 160", dts)
		}
	}
	if st := s.Stats(); st.PacketsSent != 8 || st.OctetsSent != 8*160 {
		t.Errorf("stats %+v", st)
	}
}

func TestPlayStopsOnContext(t *testing.T) {
	s, err := Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetRemote(rawPeer(t).LocalAddr().(*net.UDPAddr).AddrPort())
	codec, _ := NewCodec(Ulaw)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = s.Play(ctx, NewSilence(0), codec)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Play = %v, want deadline exceeded", err)
	}
	if n := s.Stats().PacketsSent; n < 3 || n > 7 {
		t.Errorf("%d packets in 100 ms", n)
	}
	// No remote: an error, not a panic.
	s2, _ := Listen(t.Context(), "127.0.0.1:0")
	defer s2.Close()
	if err := s2.Play(t.Context(), NewSilence(time.Second), codec); err == nil {
		t.Error("Play without a remote did not fail")
	}
}

func TestReadPacketContextAndClose(t *testing.T) {
	s, err := Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	buf := make([]byte, 1500)
	if _, err := s.ReadPacket(ctx, buf); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadPacket = %v, want deadline exceeded", err)
	}
	// A later read with a live context works again (the deadline was reset).
	peer := rawPeer(t)
	if _, err := peer.WriteToUDPAddrPort(rtpBytes(t, 1, 1, 1, 0), s.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if p, err := s.ReadPacket(t.Context(), buf); err != nil || p.SequenceNumber != 1 {
		t.Fatalf("ReadPacket after timeout = %v, %v", p.Header, err)
	}
	done := make(chan error)
	go func() { _, err := s.ReadPacket(t.Context(), buf); done <- err }()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadPacket after Close = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not unblock ReadPacket")
	}
	if _, err := Listen(t.Context(), "256.0.0.1:0"); err == nil {
		t.Error("Listen on a bad address did not fail")
	}
}

func FuzzReceivePacket(f *testing.F) {
	f.Add(rtpBytes(f, 1, 2, 3, 0))
	f.Add([]byte{0x80})
	f.Add([]byte{0xB0, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0, 1, 2, 3, 4})
	f.Add([]byte{0xA0, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := newSession()
		from := netip.MustParseAddrPort("192.0.2.1:1")
		p, ok := s.receive(b, from, time.Now())
		st := s.Stats()
		if ok {
			if p.Version != 2 || st.PacketsReceived != 1 || st.Malformed != 0 {
				t.Fatalf("accepted %v with stats %+v", p.Header, st)
			}
			if _, err := p.Marshal(); err != nil {
				t.Fatalf("accepted packet does not marshal back: %v", err)
			}
		} else if st.Malformed != 1 {
			t.Fatalf("rejected without counting: %+v", st)
		}
	})
}

// TestReadPacketContextSwitch reads with one context, then another: the
// first one's end no longer stops the reads, the second's does, even after
// many reads under it.
func TestReadPacketContextSwitch(t *testing.T) {
	s, err := Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	peer := rawPeer(t)
	send := func(seq uint16) {
		t.Helper()
		if _, err := peer.WriteToUDPAddrPort(rtpBytes(t, seq, uint32(seq)*160, 5, PayloadPCMU), s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1500)
	first, cancelFirst := context.WithCancel(t.Context())
	send(1)
	if _, err := s.ReadPacket(first, buf); err != nil {
		t.Fatal(err)
	}
	second, cancelSecond := context.WithCancel(t.Context())
	defer cancelSecond()
	send(2)
	if _, err := s.ReadPacket(second, buf); err != nil {
		t.Fatal(err)
	}
	cancelFirst()
	for seq := uint16(3); seq < 10; seq++ {
		send(seq)
		if p, err := s.ReadPacket(second, buf); err != nil || p.SequenceNumber != seq {
			t.Fatalf("read %d after the first context ended: %v, %v", seq, p.Header, err)
		}
	}
	done := make(chan error, 1)
	go func() { _, err := s.ReadPacket(second, buf); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancelSecond()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadPacket after cancel = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("cancelling the context did not unblock ReadPacket")
	}
	// A context that never ends: reads go on after the ended one.
	send(10)
	if p, err := s.ReadPacket(context.Background(), buf); err != nil || p.SequenceNumber != 10 {
		t.Fatalf("read with a background context: %v, %v", p.Header, err)
	}
}
