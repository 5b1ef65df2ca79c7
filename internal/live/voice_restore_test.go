package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/kpi"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestVoiceRestoreLostCalls: the calls of a process that stopped (a
// restart, or a node of a cluster lost: its successor restores the same
// way) lost their signalling and media with it. At the restore a bridged
// call and a waiting call are ended failed, a system cause: the reports
// count the first answered and the second refused, neither as the
// caller's abandon; a callback keeps its place.
func TestVoiceRestoreLostCalls(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 0)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	agent := loginAgent(t, l)
	agent.send(frame{"type": "state", "state": "ready"})
	agent.expect("agent_state", func(fr frame) bool { return fr.str("state") == "ready" })

	bridged, waiting, later := newRecCall(), newRecCall(), newRecCall()
	a1, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, bridged)
	must(t, err, "arrive 1")
	bridged.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	must(t, l.c.VoiceAnswered(ctx, f.agent, a1.ContactID), "answered")
	bridged.expect(t, fmt.Sprintf("connected %d", f.agent))
	a2, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33687654321"}, waiting)
	must(t, err, "arrive 2")
	a3, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33611111111"}, later)
	must(t, err, "arrive 3")
	must(t, l.c.VoiceCallback(ctx, a3.ContactID, "+33611111111"), "callback")
	eventually(t, "the calls stored", func() bool {
		in1, err1 := st.GetInteraction(ctx, f.tenant, a1.ContactID)
		in3, err3 := st.GetInteraction(ctx, f.tenant, a3.ContactID)
		return err1 == nil && err3 == nil && in1.State == model.StateConnected && in3.State == model.StateCallback
	})
	l.stop()
	startCenter(t, st, Options{})
	for _, id := range []int64{a1.ContactID, a2.ContactID} {
		eventually(t, fmt.Sprintf("call %d ended failed", id), func() bool {
			in, err := st.GetInteraction(ctx, f.tenant, id)
			return err == nil && in.State == model.StateEnded && in.EndedReason == model.EndFailed
		})
	}
	counts := func(id int64) (model.Interaction, kpi.Counts) {
		in, err := st.GetInteraction(ctx, f.tenant, id)
		must(t, err, "interaction")
		segs, err := st.ListSegments(ctx, f.tenant, id)
		must(t, err, "segments")
		for _, sg := range segs {
			if sg.EndedAt == nil {
				t.Fatalf("call %d: segment %s left open", id, sg.Kind)
			}
		}
		c := report.Contribute(store.ReportContact{Interaction: in, Segments: segs, SLThreshold: 20 * time.Second,
			ShortAbandon: 5 * time.Second}, &report.Env{})
		if len(c.Queue) != 1 {
			t.Fatalf("call %d: contribution %+v", id, c)
		}
		return in, c.Queue[0].Counts
	}
	if in, c := counts(a1.ContactID); in.AnsweredAt == nil || c.Answered != 1 || c.Abandoned != 0 || c.TalkMS <= 0 {
		t.Fatalf("bridged call lost: %+v counts %+v", in, c)
	}
	if in, c := counts(a2.ContactID); c.Refused != 1 || c.Abandoned != 0 || c.Answered != 0 {
		t.Fatalf("waiting call lost: %+v counts %+v", in, c)
	}
	in, err := st.GetInteraction(ctx, f.tenant, a3.ContactID)
	must(t, err, "callback")
	if in.State != model.StateCallback || in.Callback == nil {
		t.Fatalf("the callback after the restore: %+v", in)
	}
}
