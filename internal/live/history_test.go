package live

import (
	"strings"
	"testing"
	"time"
)

// TestAgentStateHistory: every change of an agent's state is stored as a
// stretch (ready, not ready with its reason, offered, busy, wrap-up), in
// batches off the owner goroutine; a restart closes the open stretch at
// the restart.
func TestAgentStateHistory(t *testing.T) {
	t.Parallel()
	path := tempDB(t)
	st := openSQLite(t, path)
	fx := seed(t, st, 1, 30)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	l := startCenter(t, st, Options{Now: clk.now})
	ctx := testCtx(t)

	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "ready" })
	clk.advance(time.Minute)
	cu, q := startChat(t, l, "Ada", "")
	off := ag.expect("offer")
	clk.advance(5 * time.Second)
	ag.send(frame{"type": "accept", "contact_id": off.num("contact_id")})
	ag.expect("connected")
	cu.expect("connected")
	clk.advance(2 * time.Minute)
	ag.send(frame{"type": "end", "contact_id": q.num("contact_id")})
	ag.expect("ended")
	clk.advance(10 * time.Second)
	ag.send(frame{"type": "wrap_up", "contact_id": q.num("contact_id"), "disposition": "ok"})
	ag.expect("wrap_up_done")
	clk.advance(time.Minute)
	ag.send(frame{"type": "state", "state": "not_ready", "reason": "training"})
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "not_ready" })

	// Offered after a minute ready, accepted 5 s later.
	want := "ready 1m0s|offered 5s|busy 2m0s|wrap_up 10s|ready 1m0s|not_ready:training open"
	describe := func() string {
		spans, err := st.AgentStateSpans(ctx, fx.tenant, fx.agent, clk.t.Add(-time.Hour), clk.t.Add(time.Hour))
		must(t, err, "spans")
		var parts []string
		for _, sp := range spans {
			s := sp.State
			if sp.Reason != "" {
				s += ":" + sp.Reason
			}
			if sp.End == nil {
				s += " open"
			} else {
				s += " " + sp.End.Sub(sp.Start).String()
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "|")
	}
	var got string
	eventually(t, "the history stored", func() bool { got = describe(); return strings.HasSuffix(got, "not_ready:training open") })
	if got != want {
		t.Errorf("history %s\nwant    %s", got, want)
	}

	l.stop()
	clk.advance(time.Hour)
	l2 := startCenter(t, st, Options{Now: clk.now})
	defer l2.stop()
	spans, err := st.AgentStateSpans(ctx, fx.tenant, fx.agent, clk.t.Add(-3*time.Hour), clk.t.Add(time.Hour))
	must(t, err, "spans")
	last := spans[len(spans)-1]
	if last.End == nil || !last.End.Equal(clk.t) {
		t.Errorf("after the restart the last stretch ends at %v, want the restart %v", last.End, clk.t)
	}
}
