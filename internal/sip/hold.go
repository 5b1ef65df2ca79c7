package sip

import "github.com/plateau-cc/plateau/internal/live"

// Hold and transfer of a bridged call, asked by the center (live.VoiceHolder,
// live.VoiceRequeuer): the caller hears the music on hold meanwhile.

// Hold puts the caller on hold (on) or back with the agent.
func (c *call) Hold(on bool) {
	kind := evUnhold
	if on {
		kind = evHold
	}
	c.push(callEvent{kind: kind})
}

// Mute cuts the agent's audio to the caller (on) or brings it back; the
// agent still hears the caller.
func (c *call) Mute(on bool) {
	kind := evUnmute
	if on {
		kind = evMute
	}
	c.push(callEvent{kind: kind})
}

// Requeued: the call was transferred; the agent's phone is hung up and the
// caller waits again (music and announcements) until the next offer.
func (c *call) Requeued(agentID int64) { c.push(callEvent{kind: evRequeued, agent: agentID}) }

// holdEvent handles evHold, evUnhold, evMute, evUnmute and evRequeued (run goroutine). Only
// a caller's call bridged with an agent's phone is concerned (a callback's
// customer leg is not held or moved).
func (c *call) holdEvent(ev callEvent) bool {
	if !c.bridged || c.leg == nil || c.customer != nil || c.callerGone {
		return false
	}
	switch ev.kind {
	case evMute, evUnmute:
		if c.player != nil { // on hold: the music plays, nothing to mute
			return false
		}
		if ev.kind == evMute {
			c.leg.peer.Store(nil)
		} else {
			c.leg.peer.Store(&bridgeEnd{rtp: c.rtp, evPT: c.evPT})
		}
	case evHold:
		if c.player != nil {
			return false
		}
		c.unbridge()
		c.startPlayer(0, 0, false) // music only: a connected call has no position
	case evUnhold:
		if c.player == nil {
			return false
		}
		c.stopPlayer()
		c.peer.Store(&bridgeEnd{rtp: c.leg.end, evPT: c.leg.evPT})
		c.leg.peer.Store(&bridgeEnd{rtp: c.rtp, evPT: c.evPT}) // a mute ends with the hold
	case evRequeued:
		if c.leg.agent != ev.agent {
			return false
		}
		c.unbridge()
		c.bridged = false
		c.leg.withdrawn = true
		c.leg.stop()
		c.leg = nil
		c.s.log.Info("sip call back in the queue (transferred)", "contact", c.id, "agent", ev.agent)
		c.resumeWaiting()
	}
	return false
}

// unbridge stops the media between the caller and the agent's phone (the
// recording, if any, goes on).
func (c *call) unbridge() {
	c.peer.Store(nil)
	if c.leg != nil {
		c.leg.peer.Store(nil)
	}
}

var (
	_ live.VoiceHolder   = (*call)(nil)
	_ live.VoiceRequeuer = (*call)(nil)
	_ live.VoiceMuter    = (*call)(nil)
)
