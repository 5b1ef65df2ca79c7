package softphone

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
)

// MaxSDPBytes bounds a desktop's SDP answer.
const MaxSDPBytes = 12 << 10

// Call is one call rung on an agent's browser: its PeerConnection, the
// track carrying the caller's payloads to the browser, and the browser's
// track once it arrives.
type Call struct {
	m      *Manager
	key    callKey
	desk   live.Desktop
	law    media.Law
	pc     *webrtc.PeerConnection
	track  *webrtc.TrackLocalStaticRTP
	remote chan *webrtc.TrackRemote

	answered chan struct{} // closed once accepted with the SDP answer in
	gone     chan struct{} // closed when the connection failed or closed

	mu         sync.Mutex
	accepted   bool
	haveAnswer bool
	hungUp     bool
	in         *webrtc.TrackRemote // the browser's track, once received
	goneOnce   sync.Once
	ansOnce    sync.Once
}

// Ring rings the agent's browser with the call of contactID in law: it
// makes the PeerConnection, gathers every candidate and sends the desktop
// {"type":"rtc_offer"}. ErrNotEnabled when the agent has no softphone.
func (m *Manager) Ring(ctx context.Context, agentID, contactID int64, law media.Law) (*Call, error) {
	m.mu.Lock()
	d := m.desktops[agentID]
	m.mu.Unlock()
	if d == nil {
		return nil, ErrNotEnabled
	}
	api, err := m.api(law)
	if err != nil {
		return nil, err
	}
	var cfg webrtc.Configuration
	if len(m.cfg.ICEServers) > 0 {
		cfg.ICEServers = []webrtc.ICEServer{{URLs: m.cfg.ICEServers}}
	}
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		return nil, fmt.Errorf("softphone peer connection: %w", err)
	}
	c := &Call{m: m, key: callKey{agentID, contactID}, desk: d, law: law, pc: pc,
		remote: make(chan *webrtc.TrackRemote, 1), answered: make(chan struct{}), gone: make(chan struct{})}
	fail := func(what string, err error) (*Call, error) {
		_ = pc.Close()
		return nil, fmt.Errorf("softphone %s for contact %d: %w", what, contactID, err)
	}
	mime := webrtc.MimeTypePCMU
	if law == media.Alaw {
		mime = webrtc.MimeTypePCMA
	}
	c.track, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: mime, ClockRate: media.SampleRate, Channels: 1}, "audio", "plateau")
	if err != nil {
		return fail("track", err)
	}
	sender, err := pc.AddTrack(c.track)
	if err != nil {
		return fail("add track", err)
	}
	go func() {
		// RTCP from the browser is read (and dropped) so it never blocks.
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		select {
		case c.remote <- t:
		default:
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		m.log.Debug("softphone connection", "contact", contactID, "agent", agentID, "state", s.String())
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			c.markGone()
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fail("offer", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return fail("local description", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail("gathering candidates", ctx.Err())
	}
	m.mu.Lock()
	old := m.calls[c.key]
	m.calls[c.key] = c
	m.mu.Unlock()
	if old != nil {
		old.Hangup("replaced")
	}
	d.Send(offerFrame{Type: "rtc_offer", ContactID: contactID, SDP: pc.LocalDescription().SDP})
	m.log.Info("softphone ringing", "contact", contactID, "agent", agentID, "codec", law.String())
	return c, nil
}

// Law is the call's codec.
func (c *Call) Law() media.Law { return c.law }

// Answered is closed when the desktop accepted the call and its SDP answer
// is set.
func (c *Call) Answered() <-chan struct{} { return c.answered }

// Gone is closed when the browser's connection failed or closed.
func (c *Call) Gone() <-chan struct{} { return c.gone }

func (c *Call) markGone() { c.goneOnce.Do(func() { close(c.gone) }) }

func (c *Call) setAnswer(sdp string) error {
	if sdp == "" || len(sdp) > MaxSDPBytes {
		return fmt.Errorf("softphone answer: sdp must be 1 to %d bytes", MaxSDPBytes)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hungUp {
		return fmt.Errorf("softphone answer: %w", ErrNoCall)
	}
	if c.haveAnswer {
		return errors.New("softphone answer: already answered")
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("softphone answer: %w", err)
	}
	c.haveAnswer = true
	c.checkAnsweredLocked()
	return nil
}

func (c *Call) accept() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accepted = true
	c.checkAnsweredLocked()
}

func (c *Call) checkAnsweredLocked() {
	if c.accepted && c.haveAnswer && !c.hungUp {
		c.ansOnce.Do(func() { close(c.answered) })
	}
}

// Forward sends one of the caller's RTP packets to the browser as it is
// (same G.711 payload; the track sets its own SSRC and payload type).
func (c *Call) Forward(p *rtp.Packet) error {
	if p == nil {
		return errors.New("softphone: forward: nil packet")
	}
	return c.track.WriteRTP(p)
}

// ReadPacket returns the browser's next RTP packet, its payload in buf. It
// fails once the call is hung up or the connection is gone.
func (c *Call) ReadPacket(ctx context.Context, buf []byte) (rtp.Packet, error) {
	c.mu.Lock()
	t := c.in
	c.mu.Unlock()
	if t == nil {
		select {
		case t = <-c.remote:
		case <-c.gone:
			return rtp.Packet{}, errors.New("softphone: connection gone")
		case <-ctx.Done():
			return rtp.Packet{}, ctx.Err()
		}
		c.mu.Lock()
		c.in = t
		c.mu.Unlock()
	}
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return rtp.Packet{}, fmt.Errorf("softphone: read the browser's media: %w", err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			continue
		}
		return p, nil
	}
}

// Hangup ends the call: the desktop is told {"type":"rtc_hangup"} and the
// PeerConnection closed. Later calls do nothing.
func (c *Call) Hangup(reason string) {
	c.mu.Lock()
	done := c.hungUp
	c.hungUp = true
	c.mu.Unlock()
	if done {
		return
	}
	c.m.drop(c)
	c.desk.Send(hangupFrame{Type: "rtc_hangup", ContactID: c.key.contact, Reason: reason})
	if err := c.pc.Close(); err != nil {
		c.m.log.Debug("softphone close", "contact", c.key.contact, "err", err)
	}
	c.markGone()
}
