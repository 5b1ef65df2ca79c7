package sip

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
)

// TestVoiceSurveyAfterTheAgentHangsUp: with voice_survey on its queue, a
// caller whose agent hung up hears the survey's question, keys 4, hears
// thanks and is hung up; the rating is stored as a chat's. Without the
// setting the caller is hung up at once, as before.
func TestVoiceSurveyAfterTheAgentHangsUp(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	q := w.queue
	q.VoiceSurvey = true
	must(t, w.st.UpdateQueue(ctx, w.tenant, q), "survey on")
	must(t, w.center.Reload(ctx, live.Change{Kind: live.ChangeQueue, TenantID: w.tenant, ID: q.ID}), "reload")

	caller := w.phone(testCaller, "")
	call, err := caller.Dial(ctx, "1000")
	must(t, err, "dial 1000")
	_, answered := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	offer := d.expect("offer", nil)
	id := int64(offer["contact_id"].(float64))
	var agentCall *PhoneCall
	select {
	case agentCall = <-answered:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	d.expect("connected", nil)
	eventually(t, "the agent heard", 15*time.Second, func() bool { return len(call.Audio()) > 8000 })

	// The agent hangs up on its phone: the caller stays for the question.
	must(t, agentCall.Hangup(ctx), "agent bye")
	d.expect("ended", nil)
	question := promptSamples(t, "fr", media.PromptSurvey)
	before := len(call.Audio())
	// The question to its end (but for the last packet's rounding).
	eventually(t, "the question", 20*time.Second, func() bool { return len(call.Audio()) >= before+question-320 })
	select {
	case <-call.Ended():
		t.Fatal("the caller was hung up before rating")
	default:
	}
	must(t, call.SendDigit(ctx, '4'), "key 4")
	select {
	case <-call.Ended():
	case <-time.After(20 * time.Second):
		t.Fatal("the caller was not hung up after the thanks")
	}
	in, err := w.st.GetInteraction(ctx, w.tenant, id)
	must(t, err, "get")
	if in.CSATScore == nil || *in.CSATScore != 4 {
		t.Fatalf("stored rating %v, want 4", in.CSATScore)
	}

	// Off again: hung up at once when the agent hangs up.
	q.VoiceSurvey = false
	must(t, w.st.UpdateQueue(ctx, w.tenant, q), "survey off")
	must(t, w.center.Reload(ctx, live.Change{Kind: live.ChangeQueue, TenantID: w.tenant, ID: q.ID}), "reload")
	d.send(map[string]any{"type": "wrap_up", "contact_id": id, "disposition": "resolved"})
	call2, err := caller.Dial(ctx, "1000")
	must(t, err, "dial again")
	select {
	case agentCall = <-answered:
	case <-time.After(20 * time.Second):
		t.Fatal("the agent's phone did not ring again")
	}
	d.expect("connected", nil)
	eventually(t, "bridged", 15*time.Second, func() bool { return len(call2.Audio()) > 4000 })
	must(t, agentCall.Hangup(ctx), "agent bye")
	select {
	case <-call2.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("without the survey, the caller was not hung up")
	}
}
