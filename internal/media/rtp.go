package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// RFC 3550 appendix A.1 sequence validation constants.
const (
	maxDropout  = 3000
	maxMisorder = 100
	seqMod      = 1 << 16
)

// maxBurst is how many frames Play sends back to back to catch up after a
// stall (100 ms); beyond that the schedule moves forward instead.
const maxBurst = 5

// digitEndPackets is how many times the final packet of a telephone event
// is sent (RFC 4733 section 2.5.1.4 recommends three).
const digitEndPackets = 3

// Stats are the counters of a Session.
type Stats struct {
	PacketsSent     uint64
	OctetsSent      uint64 // payload octets
	PacketsReceived uint64 // accepted packets, audio and events, duplicates included
	Expected        uint64 // highest extended sequence number - first + 1 (RFC 3550 A.3)
	Lost            int64  // Expected - PacketsReceived; negative with duplicates, as in A.3
	Malformed       uint64 // datagrams that are not RTP (or are RTCP): dropped
	Foreign         uint64 // packets from another address than the latched one: dropped
	OutOfSequence   uint64 // packets rejected by the A.1 sequence check: dropped
	SSRCChanges     uint64 // times the remote SSRC changed (statistics restarted)
	Jitter          time.Duration
	Remote          netip.AddrPort // where packets are sent (latched from the first packet received)
}

// Session is one RTP endpoint on a UDP socket: it sends 20 ms G.711 frames
// paced in real time and receives the remote party's packets, latching onto
// the source of the first one (symmetric RTP, for callers behind NAT).
//
// One goroutine may send (Play, SendDigit, WriteFrame) while another
// receives (ReadPacket); Stats may be called from anywhere.
type Session struct {
	conn  *net.UDPConn
	local netip.AddrPort

	mu      sync.Mutex // guards the send state and remote
	remote  netip.AddrPort
	latched bool
	ssrc    uint32
	seq     uint16
	ts      uint32
	pt      uint8
	eventPT int       // -1: none
	nextDue time.Time // when the packet after the last one sent was due
	sentAny bool
	sent    uint64
	octets  uint64
	wbuf    []byte
	recv    recvState
	fwd     forwardState // Forward's timestamp mapping (forward.go)

	// kernelTimes: the kernel stamps arrivals (SO_TIMESTAMPNS); oob
	// receives the stamp (used by the one reading goroutine only).
	kernelTimes bool
	oob         []byte

	clock *Clock // Play paces on it; nil: a goroutine and ticker of its own

	// The context the reads are tied to, by its Done channel: its end sets
	// a past read deadline. It is watched once, not once per packet.
	rmu   sync.Mutex
	rdone <-chan struct{}
	rstop func() bool
}

// recvState is the receive side of RFC 3550 appendix A.
type recvState struct {
	started       bool
	ssrc          uint32
	maxSeq        uint16
	baseSeq       uint32
	cycles        uint32
	badSeq        uint32
	received      uint64
	transit       int64
	haveTransit   bool
	jitter        float64 // in timestamp units
	malformed     uint64
	foreign       uint64
	outOfSequence uint64
	ssrcChanges   uint64
	epoch         time.Time
}

// Listen opens an RTP session on a local UDP address ("127.0.0.1:0",
// "[::]:30000"). The session sends PCMU until SetPayloadType says
// otherwise.
func Listen(ctx context.Context, addr string) (*Session, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("media: rtp listen %s: %w", addr, err)
	}
	conn, ok := pc.(*net.UDPConn)
	if !ok {
		_ = pc.Close()
		return nil, fmt.Errorf("media: rtp listen %s: not a UDP socket", addr)
	}
	s := newSession()
	s.conn = conn
	s.local = conn.LocalAddr().(*net.UDPAddr).AddrPort()
	if enableArrivalTimes(conn) {
		s.kernelTimes = true
		s.oob = make([]byte, arrivalOOBSize)
	}
	return s, nil
}

func newSession() *Session {
	return &Session{
		ssrc:    rand.Uint32(),
		seq:     uint16(rand.Uint32()),
		ts:      rand.Uint32(),
		pt:      PayloadPCMU,
		eventPT: -1,
		wbuf:    make([]byte, 1500),
		recv:    recvState{epoch: time.Now()},
	}
}

// LocalAddr returns the address the session receives on (for the SDP).
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

// KernelArrivalTimes reports whether ReadPacketAt's arrival times are the
// kernel's (Linux SO_TIMESTAMPNS) rather than the time the read returned.
func (s *Session) KernelArrivalTimes() bool { return s.kernelTimes }

// SSRC returns the session's own synchronisation source.
func (s *Session) SSRC() uint32 { return s.ssrc }

// SetRemote sets where to send, usually the address of the remote SDP. The
// first packet received replaces it with its source (latching).
func (s *Session) SetRemote(ap netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.latched {
		s.remote = ap
	}
}

// SetClock makes Play pace its frames on c, shared with other sessions,
// rather than with a ticker of its own; nil goes back to that. Set it
// before playing.
func (s *Session) SetClock(c *Clock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = c
}

// SetPayloadType sets the payload type of the frames sent.
func (s *Session) SetPayloadType(pt uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pt = pt & 0x7F
}

// SetEventPayloadType sets the telephone-event payload type used by
// SendDigit; packets of that type are received without entering the jitter
// estimate (their timestamp is the event's start, not their sampling time).
func (s *Session) SetEventPayloadType(pt uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventPT = int(pt & 0x7F)
}

// Close closes the socket; a blocked ReadPacket returns.
func (s *Session) Close() error {
	s.rmu.Lock()
	if s.rstop != nil {
		s.rstop()
		s.rstop = nil
	}
	s.rmu.Unlock()
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("media: rtp close: %w", err)
	}
	return nil
}

// Stats returns a snapshot of the counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &s.recv
	st := Stats{
		PacketsSent:     s.sent,
		OctetsSent:      s.octets,
		PacketsReceived: r.received,
		Malformed:       r.malformed,
		Foreign:         r.foreign,
		OutOfSequence:   r.outOfSequence,
		SSRCChanges:     r.ssrcChanges,
		Jitter:          time.Duration(r.jitter * float64(time.Second) / SampleRate),
		Remote:          s.remote,
	}
	if r.started {
		st.Expected = uint64(r.cycles) + uint64(r.maxSeq) - uint64(r.baseSeq) + 1
		st.Lost = int64(st.Expected) - int64(r.received)
	}
	return st
}

// WriteFrame sends one packet with the given payload, advancing the
// sequence number by one and the timestamp by samples. marker marks the
// start of a talkspurt.
func (s *Session) WriteFrame(payload []byte, samples int, marker bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(s.pt, payload, s.ts, marker, uint32(samples))
}

func (s *Session) writeLocked(pt uint8, payload []byte, ts uint32, marker bool, advance uint32) error {
	if !s.remote.IsValid() {
		return errors.New("media: rtp send: no remote address")
	}
	p := rtp.Packet{
		Header: rtp.Header{
			Version: 2, Marker: marker, PayloadType: pt,
			SequenceNumber: s.seq, Timestamp: ts, SSRC: s.ssrc,
		},
		Payload: payload,
	}
	n, err := p.MarshalTo(s.wbuf)
	if err != nil {
		return fmt.Errorf("media: rtp marshal: %w", err)
	}
	if _, err := s.conn.WriteToUDPAddrPort(s.wbuf[:n], s.remote); err != nil {
		return fmt.Errorf("media: rtp send to %s: %w", s.remote, err)
	}
	s.seq++
	s.ts += advance
	s.sent++
	s.octets += uint64(len(payload))
	return nil
}

// beginTalkspurt moves the timestamp over the silence since the last
// packet sent (RFC 3550: the timestamp follows the sampling clock even
// when nothing is sent).
func (s *Session) beginTalkspurt(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sentAny && now.After(s.nextDue) {
		gap := durationSamples(now.Sub(s.nextDue))
		s.ts += uint32(gap - gap%FrameSamples)
	}
	s.sentAny = true
}

// pacer schedules frames from a start time: frame i is due at
// start + i·FrameTime, so timing errors do not accumulate.
type pacer struct {
	start time.Time
	sent  int
}

// due returns how many frames should be sent at now. After a stall of
// more than maxBurst frames it returns maxBurst and moves the schedule
// forward, so that the audio is delayed rather than crammed.
func (p *pacer) due(now time.Time) int {
	want := int(now.Sub(p.start)/FrameTime) + 1 - p.sent
	if want > maxBurst {
		p.start = p.start.Add(time.Duration(want-maxBurst) * FrameTime)
		want = maxBurst
	}
	return max(want, 0)
}

// Play sends src in real time, one 20 ms frame every 20 ms encoded with
// codec, until src ends (nil), src fails or ctx ends (the error). The
// first packet carries the marker bit. A short last frame is padded with
// silence. On a Clock (SetClock) the first frame waits for its next tick.
func (s *Session) Play(ctx context.Context, src Source, codec *Codec) error {
	s.mu.Lock()
	clock := s.clock
	s.mu.Unlock()
	if clock != nil {
		return clock.play(ctx, s, src, codec)
	}
	pcm := make([]int16, FrameSamples)
	payload := make([]byte, FrameSamples)
	now := time.Now()
	s.beginTalkspurt(now)
	p := pacer{start: now}
	ticker := time.NewTicker(FrameTime)
	defer ticker.Stop()
	first := true
	for {
		for range p.due(now) {
			n, err := nextFrame(src, codec, pcm, payload)
			if n == 0 {
				if err == nil {
					continue
				}
				if errors.Is(err, io.EOF) {
					return nil
				}
				return fmt.Errorf("media: play: %w", err)
			}
			if err := s.WriteFrame(payload, FrameSamples, first); err != nil {
				return err
			}
			first = false
			p.sent++
			s.mu.Lock()
			s.nextDue = p.start.Add(time.Duration(p.sent) * FrameTime)
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("media: play: %w", context.Cause(ctx))
		case now = <-ticker.C:
		}
	}
}

// SendDigit sends a DTMF key as RFC 4733 telephone events lasting d
// (rounded up to 20 ms, at least 40 ms): one packet every 20 ms with the
// same timestamp and a growing duration, the first with the marker bit,
// then three end packets. The audio timestamp then moves past the event.
// It must not run at the same time as Play on the same session.
func (s *Session) SendDigit(ctx context.Context, key rune, d time.Duration) error {
	code, ok := DigitEvent(key)
	if !ok {
		return fmt.Errorf("media: send digit %q: not a DTMF key", key)
	}
	s.mu.Lock()
	pt := s.eventPT
	s.mu.Unlock()
	if pt < 0 {
		return errors.New("media: send digit: no telephone-event payload type negotiated")
	}
	frames := max(int((d+FrameTime-1)/FrameTime), 2)
	if frames*FrameSamples > math.MaxUint16 {
		return fmt.Errorf("media: send digit: %v too long for one event", d)
	}
	now := time.Now()
	s.beginTalkspurt(now)
	s.mu.Lock()
	start := s.ts
	s.mu.Unlock()
	p := pacer{start: now}
	ticker := time.NewTicker(FrameTime)
	defer ticker.Stop()
	ev := Event{Code: code, Volume: 10}
	payload := make([]byte, 0, EventSize)
	for p.sent < frames+digitEndPackets-1 {
		for range p.due(now) {
			i := p.sent
			ev.Duration = uint16(min(i+1, frames) * FrameSamples)
			ev.End = i+1 >= frames
			advance := uint32(0)
			if i == frames+digitEndPackets-2 {
				advance = uint32(frames * FrameSamples) // audio resumes after the event
			}
			s.mu.Lock()
			err := s.writeLocked(uint8(pt), ev.Append(payload[:0]), start, i == 0, advance)
			if err == nil {
				s.nextDue = p.start.Add(time.Duration(i+1) * FrameTime)
			}
			s.mu.Unlock()
			if err != nil {
				return err
			}
			p.sent++
			if p.sent >= frames+digitEndPackets-1 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("media: send digit: %w", context.Cause(ctx))
		case now = <-ticker.C:
		}
	}
	return nil
}

// ReadPacket waits for the next acceptable RTP packet and returns it; its
// payload aliases buf (give it 1500 bytes). Datagrams that are not RTP,
// come from another source than the latched one or fail the sequence check
// are counted and skipped. It returns when ctx ends or the session closes.
func (s *Session) ReadPacket(ctx context.Context, buf []byte) (rtp.Packet, error) {
	p, _, err := s.ReadPacketAt(ctx, buf)
	return p, err
}

// ReadPacketAt is ReadPacket that also returns when the packet arrived:
// the kernel's receive timestamp where the platform gives one (see
// KernelArrivalTimes), so that the reader's own scheduling delay is not
// counted, else the time the read returned. The session's jitter (Stats)
// is computed from the same arrival times.
func (s *Session) ReadPacketAt(ctx context.Context, buf []byte) (rtp.Packet, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return rtp.Packet{}, time.Time{}, fmt.Errorf("media: rtp read: %w", context.Cause(ctx))
	}
	if err := s.watch(ctx); err != nil {
		return rtp.Packet{}, time.Time{}, fmt.Errorf("media: rtp read: %w", err)
	}
	for {
		n, oobn, _, src, err := s.conn.ReadMsgUDPAddrPort(buf, s.oob)
		if err != nil {
			if ctx.Err() != nil {
				return rtp.Packet{}, time.Time{}, fmt.Errorf("media: rtp read: %w", context.Cause(ctx))
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// An earlier context's end, whose watcher ran late: ctx is
				// live, so the read goes on.
				if err := s.conn.SetReadDeadline(time.Time{}); err != nil {
					return rtp.Packet{}, time.Time{}, fmt.Errorf("media: rtp read: %w", err)
				}
				continue
			}
			return rtp.Packet{}, time.Time{}, fmt.Errorf("media: rtp read: %w", err)
		}
		at, ok := arrivalTime(s.oob[:oobn])
		if !ok {
			at = time.Now()
		}
		if p, ok := s.receive(buf[:n], src, at); ok {
			return p, at, nil
		}
	}
}

// watch ties the reads to ctx: when it ends, a past read deadline wakes
// the blocked read. A new context replaces the previous one (whose end no
// longer matters) and clears the deadline it may have set.
func (s *Session) watch(ctx context.Context) error {
	done := ctx.Done()
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if s.rstop != nil && done == s.rdone {
		return nil
	}
	if s.rstop != nil {
		s.rstop()
		s.rstop = nil
	}
	if err := s.conn.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	s.rdone = done
	s.rstop = func() bool { return true }
	if done != nil {
		s.rstop = context.AfterFunc(ctx, func() { _ = s.conn.SetReadDeadline(time.Unix(1, 0)) })
	}
	return nil
}

// parsePacket decodes an RTP datagram; RTCP (payload types 72-76 with the
// marker bit, RFC 5761) and anything but version 2 is refused.
func parsePacket(b []byte) (rtp.Packet, error) {
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil {
		return rtp.Packet{}, fmt.Errorf("media: rtp: %w", err)
	}
	if p.Version != 2 {
		return rtp.Packet{}, fmt.Errorf("media: rtp: version %d", p.Version)
	}
	if len(b) > 1 && b[1] >= 200 && b[1] <= 204 {
		return rtp.Packet{}, errors.New("media: rtp: RTCP packet")
	}
	return p, nil
}

// receive runs one datagram through parsing, latching, sequence checking
// and statistics; it reports whether the packet is to be delivered.
func (s *Session) receive(b []byte, src netip.AddrPort, now time.Time) (rtp.Packet, bool) {
	p, err := parsePacket(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &s.recv
	if err != nil {
		r.malformed++
		return rtp.Packet{}, false
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	if !s.latched {
		s.latched, s.remote = true, src
	} else if src != s.remote {
		r.foreign++
		return rtp.Packet{}, false
	}
	if !r.started || p.SSRC != r.ssrc {
		if r.started {
			r.ssrcChanges++
		}
		r.initSeq(p.SequenceNumber)
		r.started, r.ssrc = true, p.SSRC
		r.received, r.haveTransit, r.jitter = 0, false, 0
	} else if !r.updateSeq(p.SequenceNumber) {
		r.outOfSequence++
		return rtp.Packet{}, false
	}
	r.received++
	if int(p.PayloadType) != s.eventPT {
		r.updateJitter(p.Timestamp, now)
	}
	return p, true
}

func (r *recvState) initSeq(seq uint16) {
	r.baseSeq = uint32(seq)
	r.maxSeq = seq
	r.badSeq = seqMod + 1
	r.cycles = 0
}

// updateSeq is RFC 3550 A.1's update_seq without the probation (the source
// is already validated by latching and SSRC).
func (r *recvState) updateSeq(seq uint16) bool {
	udelta := seq - r.maxSeq
	switch {
	case udelta < maxDropout: // in order, with a permissible gap
		if seq < r.maxSeq {
			r.cycles += seqMod // wrapped
		}
		r.maxSeq = seq
	case uint32(udelta) <= seqMod-maxMisorder: // a very large jump
		if uint32(seq) == r.badSeq {
			// Two sequential packets: the other side restarted; resync.
			r.initSeq(seq)
			r.received = 0
		} else {
			r.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
	default: // duplicate or reordered packet
	}
	return true
}

// updateJitter is RFC 3550 A.8: J += (|D| - J)/16 with D the difference of
// transit times, in timestamp units.
func (r *recvState) updateJitter(ts uint32, now time.Time) {
	arrival := int64(now.Sub(r.epoch) * SampleRate / time.Second)
	transit := arrival - int64(ts)
	if r.haveTransit {
		d := transit - r.transit
		// Timestamps wrap at 2^32: fold d into the signed 32-bit range.
		d = int64(int32(uint32(d)))
		r.jitter += (math.Abs(float64(d)) - r.jitter) / 16
	}
	r.transit, r.haveTransit = transit, true
}
