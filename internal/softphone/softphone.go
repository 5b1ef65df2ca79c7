// Package softphone is the WebRTC softphone of the agent desktop: Plateau
// owns one PeerConnection (pion/webrtc) per call rung on an agent's
// browser. Only G.711 (PCMU or PCMA, the caller's law) is negotiated, so
// the caller's payloads go to the browser and back untouched (no
// transcoding); media is DTLS-SRTP as WebRTC requires. Signalling travels
// over the agent WebSocket (internal/live): the desktop enables its
// softphone, Plateau sends an SDP offer with every ICE candidate gathered
// (no trickle) when a call rings it, and the desktop answers with its SDP.
package softphone

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
)

// Config configures the softphones' ICE.
type Config struct {
	// ICEServers are STUN/TURN URLs given to every PeerConnection (empty by
	// default: host candidates only, enough on a LAN or loopback).
	ICEServers []string
	// HostIPs, when set, are the only local addresses offered as host
	// candidates (loopback included when listed); empty: every interface
	// but loopback, as pion does.
	HostIPs []netip.Addr
	// Logger receives the softphones' logs; nil discards them.
	Logger *slog.Logger
}

// Frames sent to the agent desktop (see internal/live's documentation).
type offerFrame struct {
	Type      string `json:"type"` // "rtc_offer"
	ContactID int64  `json:"contact_id"`
	SDP       string `json:"sdp"`
}

type hangupFrame struct {
	Type      string `json:"type"` // "rtc_hangup"
	ContactID int64  `json:"contact_id"`
	Reason    string `json:"reason,omitempty"`
}

type stateFrame struct {
	Type    string `json:"type"` // "softphone"
	Enabled bool   `json:"enabled"`
}

// Errors of the desktop's frames.
var (
	ErrNoCall     = errors.New("no softphone call for this contact")
	ErrNotEnabled = errors.New("the softphone is not enabled")
)

// Manager keeps the agents' desktops with a softphone enabled and their
// calls. It implements live.Softphone.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	desktops map[int64]live.Desktop // by agent
	calls    map[callKey]*Call
}

type callKey struct{ agent, contact int64 }

// New makes a manager.
func New(cfg Config) *Manager {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, log: log, desktops: map[int64]live.Desktop{}, calls: map[callKey]*Call{}}
}

// SetDesktop enables (d not nil) or disables the agent's softphone; the
// desktop is told the new state.
func (m *Manager) SetDesktop(agentID int64, d live.Desktop, enabled bool) {
	m.mu.Lock()
	if enabled {
		m.desktops[agentID] = d
	} else if m.desktops[agentID] == d {
		delete(m.desktops, agentID)
	}
	m.mu.Unlock()
	d.Send(stateFrame{Type: "softphone", Enabled: enabled})
}

// DesktopGone forgets d when it is the agent's softphone desktop (its
// socket closed). Calls in progress go on while their media flows.
func (m *Manager) DesktopGone(agentID int64, d live.Desktop) {
	m.mu.Lock()
	if m.desktops[agentID] == d {
		delete(m.desktops, agentID)
	}
	m.mu.Unlock()
}

// Enabled reports whether the agent's desktop has its softphone on.
func (m *Manager) Enabled(agentID int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.desktops[agentID] != nil
}

// Answer takes the desktop's SDP answer to the offer of contactID.
func (m *Manager) Answer(agentID, contactID int64, sdp string) error {
	c := m.call(agentID, contactID)
	if c == nil {
		return fmt.Errorf("answer contact %d: %w", contactID, ErrNoCall)
	}
	return c.setAnswer(sdp)
}

// Accept is the desktop's "accept" of a call ringing its softphone: true
// when there is one (the call is answered once the SDP answer is in too).
func (m *Manager) Accept(agentID, contactID int64) bool {
	c := m.call(agentID, contactID)
	if c == nil {
		return false
	}
	c.accept()
	return true
}

func (m *Manager) call(agentID, contactID int64) *Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[callKey{agentID, contactID}]
}

func (m *Manager) drop(c *Call) {
	m.mu.Lock()
	if m.calls[c.key] == c {
		delete(m.calls, c.key)
	}
	m.mu.Unlock()
}

// api is a pion API negotiating only law, so the browser can answer with
// nothing else.
func (m *Manager) api(law media.Law) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	mime := webrtc.MimeTypePCMU
	if law == media.Alaw {
		mime = webrtc.MimeTypePCMA
	}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mime, ClockRate: media.SampleRate, Channels: 1},
		PayloadType:        webrtc.PayloadType(law.PayloadType()),
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register %s: %w", law, err)
	}
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	if len(m.cfg.HostIPs) > 0 {
		allowed := m.cfg.HostIPs
		loop := false
		for _, a := range allowed {
			loop = loop || a.IsLoopback()
		}
		se.SetIncludeLoopbackCandidate(loop)
		se.SetIPFilter(func(ip net.IP) bool {
			a, ok := netip.AddrFromSlice(ip)
			if !ok {
				return false
			}
			a = a.Unmap()
			for _, b := range allowed {
				if a == b.Unmap() {
					return true
				}
			}
			return false
		})
	}
	// A browser gone without a word (a closed tab) fails the connection
	// after 10 s without answers to its checks.
	se.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	// Host candidates by their address, no multicast queries.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)), nil
}
