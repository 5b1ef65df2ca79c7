package sip

import (
	"fmt"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
)

// TestHoldThenTransferToTheQueue: on hold the caller hears music, not the
// agent, and the agent no longer hears the caller; back from hold both
// hear each other; muted, the caller no longer hears the agent; a transfer to the queue hangs the agent's phone up and
// the caller waits again. The hold is a billable segment.
func TestHoldThenTransferToTheQueue(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial 1000")
	_, answered := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	offer := d.expect("offer", nil)
	id := int64(offer["contact_id"].(float64))
	queue := int64(offer["queue"].(float64))
	var agentCall *PhoneCall
	select {
	case agentCall = <-answered:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	d.expect("connected", nil)
	go func() {
		tone, _ := media.NewTone(700, 8000, 0)
		call.Play(ctx, tone)
	}()
	hearEachOther := func(what string) {
		t.Helper()
		before := len(call.Audio())
		eventually(t, what, 15*time.Second, func() bool {
			ag, ca := agentCall.Audio(), call.Audio()
			return len(ag) > 4000 && len(ca) > before+4000 &&
				goertzel(ag[len(ag)-4000:], 700) >= 0.5 && goertzel(ca[len(ca)-4000:], 1300) >= 0.5
		})
	}
	hearEachOther("each side hears the other")

	d.send(map[string]any{"type": "hold", "contact_id": id, "on": true})
	d.expect("hold", func(f map[string]any) bool { return f["on"] == true })
	before := len(call.Audio())
	eventually(t, "the music, not the agent", 15*time.Second, func() bool {
		ca := call.Audio()
		return len(ca) > before+8000 && goertzel(ca[len(ca)-4000:], 1300) < 0.2 && rms(ca[len(ca)-4000:]) > 100
	})
	heard := len(agentCall.Audio())
	time.Sleep(300 * time.Millisecond)
	if ag := agentCall.Audio(); len(ag) > heard+800 && goertzel(ag[len(ag)-800:], 700) >= 0.5 {
		t.Error("the agent still hears the caller on hold")
	}
	d.send(map[string]any{"type": "hold", "contact_id": id, "on": false})
	d.expect("hold", func(f map[string]any) bool { return f["on"] == false })
	hearEachOther("together again")

	// Muted from the desk: the caller no longer hears the agent, the agent
	// still hears the caller.
	d.send(map[string]any{"type": "mute", "contact_id": id, "on": true})
	d.expect("mute", func(f map[string]any) bool { return f["on"] == true })
	time.Sleep(200 * time.Millisecond)
	callerHeard, agentHeard := len(call.Audio()), len(agentCall.Audio())
	time.Sleep(500 * time.Millisecond)
	if ca := call.Audio(); len(ca) > callerHeard+400 && goertzel(ca[len(ca)-400:], 1300) >= 0.5 {
		t.Error("muted, the caller still hears the agent")
	}
	if ag := agentCall.Audio(); len(ag) < agentHeard+2000 || goertzel(ag[len(ag)-2000:], 700) < 0.5 {
		t.Error("muted, the agent no longer hears the caller")
	}
	d.send(map[string]any{"type": "mute", "contact_id": id, "on": false})
	d.expect("mute", func(f map[string]any) bool { return f["on"] == false })
	hearEachOther("unmuted")

	d.send(map[string]any{"type": "transfer", "contact_id": id, "queue_id": queue})
	d.expect("ended", func(f map[string]any) bool { return f["transferred"] == true })
	select {
	case <-agentCall.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone was not hung up at the transfer")
	}
	before = len(call.Audio())
	eventually(t, "the caller waits again", 15*time.Second, func() bool { return len(call.Audio()) > before+8000 })
	must(t, call.Hangup(ctx), "caller bye")

	eventually(t, "the call over", 15*time.Second, func() bool {
		in, err := w.st.GetInteraction(ctx, w.tenant, id)
		return err == nil && in.State == model.StateEnded
	})
	segs, err := w.st.ListSegments(ctx, w.tenant, id)
	must(t, err, "segments")
	var kinds []string
	for _, s := range segs {
		kinds = append(kinds, string(s.Kind))
		if s.Billable != (s.Kind == model.SegConnected || s.Kind == model.SegHold || s.Kind == model.SegWrapUp) {
			t.Errorf("segment %s billable=%v", s.Kind, s.Billable)
		}
	}
	if fmt.Sprint(kinds) != "[queued offered connected hold connected transferred queued abandoned]" {
		t.Fatalf("segments %v", kinds)
	}
}
