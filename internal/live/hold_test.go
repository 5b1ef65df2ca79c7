package live

import (
	"fmt"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// holdCall is a recCall that can be held and requeued.
type holdCall struct{ *recCall }

func (h holdCall) Hold(on bool)           { h.evs <- fmt.Sprintf("hold %v", on) }
func (h holdCall) Requeued(agentID int64) { h.evs <- fmt.Sprintf("requeued %d", agentID) }

func TestVoiceHoldAndTransfer(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 30)
	secondAgent(t, st, f)
	q, ep := voiceFixture(t, st, f, nil)
	ctx := testCtx(t)
	bea, err := st.ListAgents(ctx, f.tenant)
	must(t, err, "agents")
	var beaID int64
	for _, a := range bea {
		if a.Name == "Bea Martin" {
			a.VoiceCapacity = 1
			must(t, st.UpdateAgent(ctx, f.tenant, a), "Bea takes calls")
			beaID = a.ID
		}
	}
	l := startCenter(t, st, Options{})

	// A call without hold: refused.
	plain := newRecCall()
	amina := loginAgent(t, l)
	amina.send(frame{"type": "state", "state": "ready"})
	a0, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33611111111"}, plain)
	must(t, err, "arrive")
	plain.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	must(t, l.c.VoiceAnswered(ctx, f.agent, a0.ContactID), "answered")
	plain.expect(t, fmt.Sprintf("connected %d", f.agent))
	amina.expect("connected")
	amina.send(frame{"type": "hold", "contact_id": a0.ContactID, "on": true})
	amina.expectError(codeBadState)
	amina.send(frame{"type": "transfer", "contact_id": a0.ContactID, "queue_id": q.ID})
	amina.expectError(codeBadState)
	must(t, l.c.VoiceHangup(ctx, a0.ContactID), "hangup")
	amina.expect("ended")
	amina.send(frame{"type": "wrap_up", "contact_id": a0.ContactID, "disposition": "resolved"})
	amina.expect("wrap_up_done")

	call := holdCall{newRecCall()}
	a1, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, call)
	must(t, err, "arrive")
	call.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	must(t, l.c.VoiceAnswered(ctx, f.agent, a1.ContactID), "answered")
	call.expect(t, fmt.Sprintf("connected %d", f.agent))
	amina.expect("connected")

	amina.send(frame{"type": "hold", "contact_id": a1.ContactID, "on": true})
	call.expect(t, "hold true")
	amina.expect("hold", func(fr frame) bool { return fr["on"] == true })
	amina.send(frame{"type": "hold", "contact_id": a1.ContactID, "on": true})
	amina.expectError(codeBadState)
	amina.send(frame{"type": "hold", "contact_id": a1.ContactID, "on": false})
	call.expect(t, "hold false")
	amina.expect("hold", func(fr frame) bool { return fr["on"] == false })

	// Transferred by name to Bea: Amina's phone is hung up, Bea's rings.
	bea1 := loginAs(t, l, "bea")
	bea1.send(frame{"type": "state", "state": "ready"})
	bea1.expect("agent_state", func(fr frame) bool { return fr.str("state") == "ready" })
	amina.send(frame{"type": "transfer", "contact_id": a1.ContactID, "agent_id": beaID})
	call.expect(t, fmt.Sprintf("requeued %d", f.agent))
	call.expect(t, fmt.Sprintf("offered %d 15s", beaID))
	amina.expect("ended", func(fr frame) bool { return fr["transferred"] == true })
	must(t, l.c.VoiceAnswered(ctx, beaID, a1.ContactID), "Bea answers")
	call.expect(t, fmt.Sprintf("connected %d", beaID))
	must(t, l.c.VoiceHangup(ctx, a1.ContactID), "hangup")
	call.expect(t, "ended ")
	bea1.expect("ended")

	segs, err := st.ListSegments(ctx, f.tenant, a1.ContactID)
	must(t, err, "segments")
	var kinds []string
	for _, s := range segs {
		kinds = append(kinds, string(s.Kind))
		if s.Billable != (s.Kind == model.SegConnected || s.Kind == model.SegHold || s.Kind == model.SegWrapUp) {
			t.Errorf("segment %s billable=%v", s.Kind, s.Billable)
		}
	}
	if fmt.Sprint(kinds) != "[queued offered connected hold connected transferred queued offered connected wrap_up]" {
		t.Fatalf("segments %v", kinds)
	}
}
