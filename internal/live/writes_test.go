package live

import (
	"fmt"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// The engine's goroutine queues its writes without waiting for them, but
// whoever asked it something hears back only once what it decided is
// stored: a hang-up's abandon is there as soon as VoiceHangup returns,
// and an answer's connected state as soon as VoiceAnswered does; the
// engine's writes are in the order it made them (offered, then
// connected, then wrap-up). On both backends.
func TestEngineWritesStoredBeforeReply(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		f := seed(t, st, 1, 30)
		_, ep := voiceFixture(t, st, f, nil)
		l := startCenter(t, st, Options{})
		ctx := testCtx(t)
		for i := range 20 {
			a, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: fmt.Sprintf("+336123456%02d", i)}, newRecCall())
			must(t, err, "arrive")
			must(t, l.c.VoiceHangup(ctx, a.ContactID), "hang up")
			in, err := st.GetInteraction(ctx, f.tenant, a.ContactID)
			must(t, err, "get")
			if in.State != model.StateEnded || in.EndedReason != model.EndAbandoned {
				t.Fatalf("call %d right after its hang-up: %s %s, want ended abandoned", i, in.State, in.EndedReason)
			}
		}
		agent := loginAgent(t, l)
		agent.send(frame{"type": "state", "state": "ready"})
		call := newRecCall()
		a, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345699"}, call)
		must(t, err, "arrive")
		call.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
		must(t, l.c.VoiceAnswered(ctx, f.agent, a.ContactID), "answered")
		in, err := st.GetInteraction(ctx, f.tenant, a.ContactID)
		must(t, err, "get")
		if in.State != model.StateConnected || in.AgentID == nil || *in.AgentID != f.agent {
			t.Fatalf("right after the answer: %s agent %v, want connected to %d", in.State, in.AgentID, f.agent)
		}
		must(t, l.c.VoiceHangup(ctx, a.ContactID), "hang up")
		segs, err := st.ListSegments(ctx, f.tenant, a.ContactID)
		must(t, err, "segments")
		kinds := ""
		for _, s := range segs {
			kinds += string(s.Kind) + " "
		}
		if kinds != "queued offered connected wrap_up " {
			t.Fatalf("segments %q, want queued offered connected wrap_up", kinds)
		}
	})
}
