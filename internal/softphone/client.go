package softphone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/plateau-cc/plateau/internal/media"
)

// Client is the browser side of a softphone call in Go, as the agent
// desktop's RTCPeerConnection does it: it answers Plateau's offer, sends
// audio and keeps what it receives decoded. End-to-end tests and load
// generators use it in place of a browser.
type Client struct {
	pc    *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticRTP
	codec *media.Codec

	mu    sync.Mutex
	audio []int16
	state webrtc.PeerConnectionState
}

// NewClient answers offer (an SDP from {"type":"rtc_offer"}) with a
// PeerConnection negotiating the offer's G.711 law, host candidates on
// loopback only; it returns once every candidate is gathered, with the SDP
// answer to send back in {"type":"rtc_answer"}.
func NewClient(ctx context.Context, offer string) (*Client, string, error) {
	law, err := offerLaw(offer)
	if err != nil {
		return nil, "", err
	}
	me := &webrtc.MediaEngine{}
	mime := webrtc.MimeTypePCMU
	if law == media.Alaw {
		mime = webrtc.MimeTypePCMA
	}
	capab := webrtc.RTPCodecCapability{MimeType: mime, ClockRate: media.SampleRate, Channels: 1}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: capab, PayloadType: webrtc.PayloadType(law.PayloadType())}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, "", fmt.Errorf("client codec: %w", err)
	}
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, "", fmt.Errorf("client peer connection: %w", err)
	}
	c := &Client{pc: pc}
	c.codec, _ = media.NewCodec(law)
	fail := func(what string, err error) (*Client, string, error) {
		_ = pc.Close()
		return nil, "", fmt.Errorf("client %s: %w", what, err)
	}
	if c.track, err = webrtc.NewTrackLocalStaticRTP(capab, "audio", "browser"); err != nil {
		return fail("track", err)
	}
	if _, err := pc.AddTrack(c.track); err != nil {
		return fail("add track", err)
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		pcm := make([]int16, 1500)
		for {
			p, _, err := t.ReadRTP()
			if err != nil {
				return
			}
			n := c.codec.Decode(pcm, p.Payload)
			c.mu.Lock()
			c.audio = append(c.audio, pcm[:n]...)
			c.mu.Unlock()
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		c.mu.Lock()
		c.state = s
		c.mu.Unlock()
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail("remote description", err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail("answer", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return fail("local description", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail("gathering", ctx.Err())
	}
	return c, pc.LocalDescription().SDP, nil
}

// offerLaw is the G.711 law of an offer's audio.
func offerLaw(offer string) (media.Law, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return 0, fmt.Errorf("client: parse offer: %w", err)
	}
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		for _, f := range m.MediaName.Formats {
			switch f {
			case "0":
				return media.Ulaw, nil
			case "8":
				return media.Alaw, nil
			}
		}
	}
	return 0, errors.New("client: the offer has no G.711 audio")
}

// State is the connection's state.
func (c *Client) State() webrtc.PeerConnectionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Audio returns what was received so far, decoded.
func (c *Client) Audio() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.audio...)
}

// Play sends src in 20 ms packets, in real time, until it ends or ctx is
// done.
func (c *Client) Play(ctx context.Context, src media.Source) error {
	const frame = media.SampleRate / 50
	pcm := make([]int16, frame)
	payload := make([]byte, frame)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	p := rtp.Packet{Header: rtp.Header{Version: 2, Marker: true}}
	for seq := uint16(1); ; seq++ {
		n, err := src.Next(pcm)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("client: audio source: %w", err)
		}
		c.codec.Encode(payload, pcm[:n])
		p.SequenceNumber = seq
		p.Payload = payload[:n]
		if err := c.track.WriteRTP(&p); err != nil {
			return fmt.Errorf("client: send audio: %w", err)
		}
		p.Timestamp += uint32(n)
		p.Marker = false
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Close hangs up: the PeerConnection closes (Plateau sees the connection
// go).
func (c *Client) Close() error { return c.pc.Close() }
