package softphone

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/plateau-cc/plateau/internal/media"
)

// desk records the frames sent to an agent's desktop.
type desk struct{ frames chan any }

func newDesk() *desk       { return &desk{frames: make(chan any, 16)} }
func (d *desk) Send(v any) { d.frames <- v }
func (d *desk) next(t *testing.T) any {
	t.Helper()
	select {
	case f := <-d.frames:
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no frame to the desktop")
		return nil
	}
}

func loopbackManager() *Manager {
	return New(Config{HostIPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
}

// ringDesk turns on agent's softphone in a new desktop of a loopback
// manager, rings it with contact's call in law and returns the offer frame
// the desktop received.
func ringDesk(ctx context.Context, t *testing.T, agent, contact int64, law media.Law) (*Manager, *desk, *Call, offerFrame) {
	t.Helper()
	m := loopbackManager()
	d := newDesk()
	m.SetDesktop(agent, d, true)
	d.next(t)
	call, err := m.Ring(ctx, agent, contact, law)
	if err != nil {
		t.Fatal(err)
	}
	return m, d, call, d.next(t).(offerFrame)
}

func TestRingWithoutSoftphone(t *testing.T) {
	m := loopbackManager()
	if _, err := m.Ring(context.Background(), 7, 1, media.Ulaw); !errors.Is(err, ErrNotEnabled) {
		t.Fatalf("ring without a desktop: %v", err)
	}
	d := newDesk()
	m.SetDesktop(7, d, true)
	if f := d.next(t).(stateFrame); !f.Enabled || f.Type != "softphone" {
		t.Fatalf("state frame %+v", f)
	}
	if !m.Enabled(7) || m.Enabled(8) {
		t.Fatal("enabled for the wrong agent")
	}
	// Another session of the agent going away leaves this one enabled.
	m.DesktopGone(7, newDesk())
	if !m.Enabled(7) {
		t.Fatal("another desktop disabled the softphone")
	}
	m.SetDesktop(7, d, false)
	d.next(t)
	if m.Enabled(7) {
		t.Fatal("still enabled")
	}
	if err := m.Answer(7, 1, "v=0"); !errors.Is(err, ErrNoCall) {
		t.Fatalf("answer without a call: %v", err)
	}
	if m.Accept(7, 1) {
		t.Fatal("accepted a call that does not ring")
	}
}

// TestCallBothWays rings a Go browser, answers, and sends G.711 both ways
// through the PeerConnection; hanging up tells the desktop.
func TestCallBothWays(t *testing.T) {
	for _, law := range []media.Law{media.Ulaw, media.Alaw} {
		t.Run(law.String(), func(t *testing.T) { callBothWays(t, law) })
	}
}

func callBothWays(t *testing.T, law media.Law) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, d, call, offer := ringDesk(ctx, t, 7, 42, law)
	if offer.Type != "rtc_offer" || offer.ContactID != 42 {
		t.Fatalf("offer frame %+v", offer)
	}
	// Only the caller's law: nothing to transcode, nothing else to choose.
	other := "PCMA"
	mine := "PCMU"
	if law == media.Alaw {
		other, mine = mine, other
	}
	if !strings.Contains(offer.SDP, mine+"/8000") || strings.Contains(offer.SDP, other) || strings.Contains(strings.ToLower(offer.SDP), "opus") {
		t.Fatalf("offer codecs:\n%s", offer.SDP)
	}
	if !strings.Contains(offer.SDP, "127.0.0.1") || !strings.Contains(offer.SDP, "a=fingerprint:") {
		t.Fatalf("offer without a loopback candidate or DTLS fingerprint:\n%s", offer.SDP)
	}
	browser, answer, err := NewClient(ctx, offer.SDP)
	if err != nil {
		t.Fatal(err)
	}
	defer browser.Close()
	if err := m.Answer(7, 42, answer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Answered():
		t.Fatal("answered before the desktop accepted")
	default:
	}
	if !m.Accept(7, 42) {
		t.Fatal("accept not taken by the softphone")
	}
	select {
	case <-call.Answered():
	case <-ctx.Done():
		t.Fatal("not answered")
	}
	// Caller -> browser: 440 Hz in 20 ms packets.
	go func() {
		codec, _ := media.NewCodec(law)
		tone, _ := media.NewTone(440, 8000, 0)
		pcm, payload := make([]int16, 160), make([]byte, 160)
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: law.PayloadType(), SSRC: 1234}}
		for i := 0; ctx.Err() == nil; i++ {
			tone.Next(pcm)
			codec.Encode(payload, pcm)
			p.SequenceNumber, p.Timestamp, p.Payload = uint16(i), uint32(i*160), payload
			if err := call.Forward(&p); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	// Browser -> caller: 1000 Hz.
	go func() {
		tone, _ := media.NewTone(1000, 8000, 0)
		browser.Play(ctx, tone)
	}()
	codec, _ := media.NewCodec(law)
	var heard []int16
	buf := make([]byte, 1500)
	pcm := make([]int16, 1500)
	for len(heard) < 8000 {
		p, err := call.ReadPacket(ctx, buf)
		if err != nil {
			t.Fatalf("read the browser: %v", err)
		}
		if p.PayloadType != law.PayloadType() {
			t.Fatalf("payload type %d", p.PayloadType)
		}
		n := codec.Decode(pcm, p.Payload)
		heard = append(heard, pcm[:n]...)
	}
	if p := tonePower(heard[4000:], 1000); p < 0.5 {
		t.Errorf("the caller side gets 1000 Hz at %.2f of the power", p)
	}
	for len(browser.Audio()) < 8000 {
		select {
		case <-ctx.Done():
			t.Fatalf("the browser got %d samples", len(browser.Audio()))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if got := browser.State(); got != webrtc.PeerConnectionStateConnected {
		t.Errorf("browser state %s", got)
	}
	a := browser.Audio()
	if p := tonePower(a[len(a)-4000:], 440); p < 0.5 {
		t.Errorf("the browser gets 440 Hz at %.2f of the power", p)
	}
	call.Hangup("")
	if f := d.next(t).(hangupFrame); f.Type != "rtc_hangup" || f.ContactID != 42 {
		t.Fatalf("hang-up frame %+v", f)
	}
	select {
	case <-call.Gone():
	case <-ctx.Done():
		t.Fatal("not gone after the hang-up")
	}
	if m.Accept(7, 42) {
		t.Fatal("a hung-up call is still known")
	}
	if _, err := call.ReadPacket(ctx, buf); err == nil {
		t.Fatal("read after the hang-up")
	}
}

// TestBrowserLeaves: the browser closing its connection makes the call gone.
func TestBrowserLeaves(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, _, call, offer := ringDesk(ctx, t, 3, 9, media.Ulaw)
	browser, answer, err := NewClient(ctx, offer.SDP)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Answer(3, 9, answer); err != nil {
		t.Fatal(err)
	}
	if err := m.Answer(3, 9, answer); err == nil {
		t.Fatal("a second answer was taken")
	}
	m.Accept(3, 9)
	<-call.Answered()
	for browser.State() != webrtc.PeerConnectionStateConnected {
		select {
		case <-ctx.Done():
			t.Fatal("not connected")
		case <-time.After(20 * time.Millisecond):
		}
	}
	browser.Close()
	select {
	case <-call.Gone():
	case <-ctx.Done():
		t.Fatal("the browser's leaving was not seen")
	}
	call.Hangup("")
}

func TestBadAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, _, call, _ := ringDesk(ctx, t, 3, 9, media.Ulaw)
	defer call.Hangup("")
	for _, sdp := range []string{"", "not an sdp", strings.Repeat("a", MaxSDPBytes+1)} {
		if err := m.Answer(3, 9, sdp); err == nil {
			t.Errorf("answer %.20q taken", sdp)
		}
	}
	m.Accept(3, 9)
	select {
	case <-call.Answered():
		t.Fatal("answered without a valid SDP answer")
	default:
	}
}

// tonePower is the share of x's power at freq (Goertzel).
func tonePower(x []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / 8000
	coeff := 2 * math.Cos(w)
	var s1, s2, total float64
	for _, v := range x {
		f := float64(v)
		total += f * f
		s := f + coeff*s1 - s2
		s2, s1 = s1, s
	}
	if total == 0 {
		return 0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * p / (float64(len(x)) * total)
}
