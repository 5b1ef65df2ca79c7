package live

import (
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestAgentFiguresOfTheDay: handled and AHT from the rolled-up contacts,
// occupancy from the state history with the current state counted up to
// now, by internal/kpi's definitions; yesterday's work is left out.
func TestAgentFiguresOfTheDay(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 30)
	ctx := testCtx(t)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	agent := fx.agent
	handle := func(arrive time.Time, talk, wrap time.Duration) {
		t.Helper()
		id, err := st.CreateInteraction(ctx, fx.tenant, model.Interaction{QueueID: fx.queue, Channel: model.ChannelChat, ArrivedAt: arrive})
		must(t, err, "interaction")
		ans := arrive.Add(10 * time.Second)
		_, err = st.UpdateInteractionState(ctx, fx.tenant, id, store.StateUpdate{State: model.StateConnected, At: ans, AgentID: &agent, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agent, QueueID: &fx.queue, Billable: true}})
		must(t, err, "connected")
		_, err = st.UpdateInteractionState(ctx, fx.tenant, id, store.StateUpdate{State: model.StateWrapUp, At: ans.Add(talk), CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegWrapUp, AgentID: &agent, QueueID: &fx.queue, Billable: true}})
		must(t, err, "wrap-up")
		_, err = st.UpdateInteractionState(ctx, fx.tenant, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: ans.Add(talk + wrap), CloseSegments: true})
		must(t, err, "ended")
	}
	handle(at(-2, 0, 0), 5*time.Minute, time.Minute) // yesterday
	handle(at(10, 0, 0), 60*time.Second, 20*time.Second)
	handle(at(10, 5, 0), 100*time.Second, 0)
	_, err := report.NewUpkeep(st, slog.New(slog.DiscardHandler), time.Hour, 100).Drain(ctx)
	must(t, err, "roll up")
	must(t, st.AppendAgentStates(ctx, []store.AgentStateChange{
		{TenantID: fx.tenant, AgentID: agent, State: "busy", At: at(-2, 0, 0)}, // yesterday: left out
		{TenantID: fx.tenant, AgentID: agent, State: "logged_out", At: at(-1, 0, 0)},
		{TenantID: fx.tenant, AgentID: agent, State: "ready", At: at(9, 59, 0)},
		{TenantID: fx.tenant, AgentID: agent, State: "busy", At: at(10, 0, 10)},
		{TenantID: fx.tenant, AgentID: agent, State: "wrap_up", At: at(10, 1, 10)},
		{TenantID: fx.tenant, AgentID: agent, State: "not_ready", Reason: "break", At: at(10, 1, 30)},
		{TenantID: fx.tenant, AgentID: agent, State: "ready", At: at(10, 3, 30)},
	}), "states")
	c, err := New(ctx, st, Options{})
	must(t, err, "center")
	figs, err := c.agentFigures(ctx, fx.tenant, 0, day, at(10, 4, 30))
	must(t, err, "figures")
	f := figs[agent]
	// Handled today: 2 (yesterday's is out); AHT = (60 + 20 + 100) / 2 = 90 s.
	if f.Handled != 2 || f.AHTSeconds == nil || math.Abs(*f.AHTSeconds-90) > 0.01 {
		t.Fatalf("handled %d, AHT %v; want 2 and 90 s", f.Handled, f.AHTSeconds)
	}
	// Occupancy = (busy 60 + wrap-up 20) / (ready 70 + 60 + busy 60 + wrap-up 20): not ready is not available.
	if f.Occupancy == nil || math.Abs(*f.Occupancy-80.0/210.0) > 1e-9 {
		t.Fatalf("occupancy %v, want %v", *f.Occupancy, 80.0/210.0)
	}
	one, err := c.agentFigures(ctx, fx.tenant, agent, day, at(10, 4, 30))
	must(t, err, "one agent's figures")
	if one[agent].Handled != 2 || len(one) != 1 {
		t.Fatalf("one agent's figures %+v", one)
	}
}
