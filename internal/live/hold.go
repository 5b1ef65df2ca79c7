package live

import (
	"context"
	"fmt"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// VoiceHolder is implemented by the VoiceCalls that can put a connected
// caller on hold: Hold(true) plays the music on hold to the caller and
// cuts the agent's audio both ways, Hold(false) brings them back together.
type VoiceHolder interface {
	Hold(on bool)
}

// VoiceMuter is implemented by the VoiceCalls whose agent's audio can be
// cut from the desk (a SIP phone's own mute button does as well; the
// browser softphone mutes its microphone itself): Mute(true) stops the
// agent's audio to the caller, the agent still hears the caller.
type VoiceMuter interface {
	Mute(on bool)
}

type holdFrame struct {
	Type      string `json:"type"`
	ContactID int64  `json:"contact_id"`
	On        bool   `json:"on"`
}

// hold: {"type":"hold","contact_id":1,"on":true|false} puts a call the
// agent holds on hold or back. Stored as a hold segment (billable, in AHT:
// internal/kpi's talk + hold + wrap-up) between connected ones; the agent
// gets {"type":"hold","contact_id","on"} back.
func (ac *agentConn) hold(f inFrame) error {
	id, cid := ac.id, acd.ContactID(f.ContactID)
	return ac.refused(ac.c.do(ac.s.ctx, func(o *owner) error { return o.hold(id, cid, f.On) }))
}

func (o *owner) hold(id acd.AgentID, cid acd.ContactID, on bool) error {
	if err := o.holds(id, cid); err != nil {
		return err
	}
	rec := o.contacts[cid]
	var h VoiceHolder
	if rec.voice != nil && !rec.callback {
		h, _ = rec.voice.call.(VoiceHolder)
	}
	if h == nil {
		return refused(store.ErrConflict, "only a call answered on a phone can be put on hold")
	}
	if rec.onHold == on {
		return fmt.Errorf("contact %d: already %s: %w", cid, map[bool]string{true: "on hold", false: "off hold"}[on], acd.ErrState)
	}
	rec.onHold = on
	kind := model.SegConnected
	if on {
		kind = model.SegHold
	}
	agentID, qid := int64(id), int64(rec.queue)
	o.persist(rec.in.TenantID, rec.in.ID, store.StateUpdate{State: model.StateConnected, At: o.c.now(), CloseSegments: true,
		OpenSegment: &model.Segment{Kind: kind, AgentID: &agentID, QueueID: &qid, Billable: true}})
	h.Hold(on)
	if a := o.agents[id]; a != nil {
		a.sess.send(holdFrame{Type: "hold", ContactID: rec.in.ID, On: on})
		a.sess.send(holdFrame{Type: "mute", ContactID: rec.in.ID, On: false}) // a hold ends a mute
	}
	return nil
}

// VoiceSurveyor is implemented by the VoiceCalls that can ask the caller
// to rate the call on the keypad once the agent has hung up: Survey comes
// in place of Ended("") when the call's queue has voice_survey on; the
// rating comes back through Center.VoiceSurvey.
type VoiceSurveyor interface {
	Survey()
}

// VoiceSurvey stores a caller's rating (1-5, keyed after the call), as a
// chat's survey (csat_score): once, for an answered call of the tenant.
func (c *Center) VoiceSurvey(ctx context.Context, tenantID, contactID int64, score int) error {
	if err := c.st.SetSurvey(ctx, tenantID, contactID, score, ""); err != nil {
		return fmt.Errorf("voice survey of contact %d: %w", contactID, err)
	}
	return nil
}

// mute: {"type":"mute","contact_id":1,"on":true|false}: the agent's audio
// to the caller cut or back (nothing is stored; a hold ends a mute); the
// agent gets {"type":"mute","contact_id","on"} back.
func (ac *agentConn) mute(f inFrame) error {
	id, cid := ac.id, acd.ContactID(f.ContactID)
	return ac.refused(ac.c.do(ac.s.ctx, func(o *owner) error {
		if err := o.holds(id, cid); err != nil {
			return err
		}
		rec := o.contacts[cid]
		var m VoiceMuter
		if rec.voice != nil && !rec.callback {
			m, _ = rec.voice.call.(VoiceMuter)
		}
		if m == nil {
			return refused(store.ErrConflict, "only a call answered on a phone can be muted")
		}
		m.Mute(f.On)
		if a := o.agents[id]; a != nil {
			a.sess.send(holdFrame{Type: "mute", ContactID: rec.in.ID, On: f.On})
		}
		return nil
	}))
}
