package live

import (
	"github.com/plateau-cc/plateau/internal/acd"
)

// Desktop is an agent's desktop session as the softphone sees it: frames
// sent to it are JSON-encoded and queued (Send never blocks). Two Desktops
// are equal when they are the same session.
type Desktop interface {
	Send(v any)
}

// Softphone is the browser softphone of agents' desktops (internal/softphone
// implements it). The agent sessions call it from their read loops.
type Softphone interface {
	// SetDesktop: the desktop d of the agent turned its softphone on or off.
	SetDesktop(agentID int64, d Desktop, enabled bool)
	// DesktopGone: d's socket closed.
	DesktopGone(agentID int64, d Desktop)
	// Answer: the desktop's SDP answer to the offer of contactID.
	Answer(agentID, contactID int64, sdp string) error
	// Accept: the desktop accepted contactID; true when that call rings its
	// softphone (the telephony side then reports VoiceAnswered).
	Accept(agentID, contactID int64) bool
}

// SetSoftphone sets the agents' browser softphone (nil: none; voice offers
// are then answered on SIP phones only).
func (c *Center) SetSoftphone(s Softphone) {
	c.voice.mu.Lock()
	c.voice.soft = s
	c.voice.mu.Unlock()
}

func (c *Center) softphone() Softphone {
	c.voice.mu.Lock()
	defer c.voice.mu.Unlock()
	return c.voice.soft
}

// agentDesktop is an agent session as a Desktop.
type agentDesktop struct{ s *session }

func (d agentDesktop) Send(v any) { d.s.send(v) }

// softphone handles {"type":"softphone","enabled":bool}.
func (ac *agentConn) softphone(f inFrame) error {
	sp := ac.c.softphone()
	if sp == nil {
		return &frameError{code: codeUnavailable, msg: "no softphone on this server"}
	}
	sp.SetDesktop(int64(ac.id), agentDesktop{ac.s}, f.Enabled)
	return nil
}

// rtcAnswer handles {"type":"rtc_answer","contact_id":1,"sdp":".."}.
func (ac *agentConn) rtcAnswer(f inFrame) error {
	sp := ac.c.softphone()
	if sp == nil {
		return &frameError{code: codeUnavailable, msg: "no softphone on this server"}
	}
	if f.SDP == "" {
		return badFrame("rtc_answer needs an sdp")
	}
	if err := sp.Answer(int64(ac.id), f.ContactID, f.SDP); err != nil {
		return &frameError{code: codeBadState, msg: err.Error()}
	}
	return nil
}

// softphoneAccept hands an accept to the softphone when the call rings it.
func (ac *agentConn) softphoneAccept(cid acd.ContactID) bool {
	sp := ac.c.softphone()
	return sp != nil && sp.Accept(int64(ac.id), int64(cid))
}

func (ac *agentConn) softphoneGone() {
	if sp := ac.c.softphone(); sp != nil {
		sp.DesktopGone(int64(ac.id), agentDesktop{ac.s})
	}
}
