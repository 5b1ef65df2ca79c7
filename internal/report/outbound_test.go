package report

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// A call the agent placed from a chat (an outbound segment between
// connected ones) is talk time, billable like it; the wait before the
// answer never is (internal/kpi).
func TestOutboundSegmentIsTalk(t *testing.T) {
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	agent, queue := int64(7), int64(3)
	seg := func(kind model.SegmentKind, from, to int, billable bool) model.Segment {
		s, e := at.Add(time.Duration(from)*time.Second), at.Add(time.Duration(to)*time.Second)
		sg := model.Segment{Kind: kind, QueueID: &queue, StartedAt: s, EndedAt: &e, Billable: billable}
		if kind != model.SegQueued {
			sg.AgentID = &agent
		}
		return sg
	}
	answered, ended := at.Add(10*time.Second), at.Add(130*time.Second)
	rc := store.ReportContact{
		Interaction: model.Interaction{ID: 1, TenantID: 1, QueueID: queue, Channel: model.ChannelChat, ArrivedAt: at, AnsweredAt: &answered, EndedAt: &ended,
			EndedReason: model.EndAnswered, AgentID: &agent},
		Segments: []model.Segment{seg(model.SegQueued, 0, 10, false), seg(model.SegConnected, 10, 40, true), seg(model.SegOutbound, 40, 100, true),
			seg(model.SegConnected, 100, 120, true), seg(model.SegWrapUp, 120, 130, true)},
		SLThreshold: 20 * time.Second, ShortAbandon: 5 * time.Second,
	}
	c := Contribute(rc, &Env{Sites: map[int64]int64{agent: 1}})
	if len(c.Queue) != 1 || len(c.Agent) != 1 {
		t.Fatalf("contribution %+v", c)
	}
	q, a := c.Queue[0], c.Agent[0]
	if q.TalkMS != 110_000 || q.WrapUpMS != 10_000 || q.BillableMS != 120_000 || q.Handled != 1 {
		t.Errorf("queue: talk %d wrap-up %d billable %d handled %d, want 110000 10000 120000 1", q.TalkMS, q.WrapUpMS, q.BillableMS, q.Handled)
	}
	if a.TalkMS != 110_000 || a.Handled != 1 {
		t.Errorf("agent: talk %d handled %d, want 110000 1", a.TalkMS, a.Handled)
	}
}
