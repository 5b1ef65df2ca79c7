package live

import (
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// clock is a settable clock for the center.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// storeContact records a past contact of queue q: answered after wait, or
// abandoned after wait when answered is false.
func storeContact(t *testing.T, st *store.Store, tenant, q int64, arrived time.Time, wait time.Duration, answered bool) {
	t.Helper()
	ctx := testCtx(t)
	id, err := st.CreateInteraction(ctx, tenant, model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrived})
	must(t, err, "create contact")
	if answered {
		_, err = st.UpdateInteractionState(ctx, tenant, id, store.StateUpdate{State: model.StateConnected, At: arrived.Add(wait), CloseSegments: true})
		must(t, err, "answer")
		_, err = st.UpdateInteractionState(ctx, tenant, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: arrived.Add(wait + time.Minute), CloseSegments: true})
		must(t, err, "end")
		return
	}
	_, err = st.UpdateInteractionState(ctx, tenant, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: arrived.Add(wait), CloseSegments: true})
	must(t, err, "abandon")
}

func approx(p *float64, want float64) bool { return p != nil && *p > want-1e-9 && *p < want+1e-9 }

func TestWallboard(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	storeContact(t, st, fx.tenant, fx.queue, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), 10*time.Second, true)
	storeContact(t, st, fx.tenant, fx.queue, time.Date(2026, 3, 2, 9, 20, 0, 0, time.UTC), 2*time.Second, false)
	storeContact(t, st, fx.tenant, fx.queue, time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC), time.Second, true) // yesterday
	l := startCenter(t, st, Options{Now: clk.now})
	ctx := testCtx(t)

	_, ada := startChat(t, l, "Ada", "")
	clk.advance(30 * time.Second)
	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "not_ready", "reason": "training"})
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "not_ready" })

	wb, err := l.c.Wallboard(ctx, fx.tenant)
	must(t, err, "wallboard")
	if wb.TenantID != fx.tenant || wb.TimeZone != "UTC" || wb.SLThresholdSeconds != 20 || !wb.At.Equal(clk.now()) {
		t.Fatalf("wallboard header %+v", wb)
	}
	if len(wb.Queues) != 1 {
		t.Fatalf("queues %+v", wb.Queues)
	}
	q := wb.Queues[0]
	if q.QueueID != fx.queue || q.Waiting != 1 || q.LongestWaitSeconds != 30 || q.Agents["not_ready"] != 1 || q.Agents["ready"] != 0 || len(q.Agents) != 6 {
		t.Fatalf("queue live state %+v", q)
	}
	if len(q.Contacts) != 1 || q.Contacts[0].ContactID != ada.num("contact_id") || q.Contacts[0].Position != 1 ||
		q.Contacts[0].Channel != model.ChannelChat || q.Contacts[0].Offered || !q.Contacts[0].ArrivedAt.Equal(clk.now().Add(-30*time.Second)) {
		t.Fatalf("waiting contacts %+v", q.Contacts)
	}
	d := q.Today
	// Ada has waited 30 s, past the 20 s threshold: a failure already.
	// The short abandon is out of the service level and answer rate
	// (internal/kpi): 1 answered in time of 3 − 1.
	if d.Offered != 3 || d.Answered != 1 || d.Abandoned != 1 || d.ShortAbandoned != 1 || d.SLThresholdSeconds != 20 ||
		!approx(d.ServiceLevel, 1.0/2) || !approx(d.AnswerRate, 1.0/2) || !approx(d.ASASeconds, 10) ||
		!d.Since.Equal(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("today %+v", d)
	}
	if len(wb.Agents) != 1 || wb.Agents[0].State != "not_ready" || wb.Agents[0].Since == nil || !wb.Agents[0].Since.Equal(clk.now()) {
		t.Fatalf("agents %+v", wb.Agents)
	}
	if len(wb.Intraday) != 41 { // 00:00 to 10:00 included
		t.Fatalf("%d intervals, want 41", len(wb.Intraday))
	}
	for i, iv := range wb.Intraday {
		want := IntervalFigures{Start: time.Date(2026, 3, 2, 0, 15*i, 0, 0, time.UTC)}
		switch i {
		case 36:
			want.Offered, want.Answered = 1, 1
		case 37, 40:
			want.Offered = 1
			want.Abandoned = map[int]int{37: 1, 40: 0}[i]
		}
		if !iv.Start.Equal(want.Start) || iv.Offered != want.Offered || iv.Answered != want.Answered || iv.Abandoned != want.Abandoned {
			t.Errorf("interval %d: %+v, want %+v", i, iv, want)
		}
		// Interval 37 has only a short abandon: no service level.
		if (want.Offered == 0 || i == 37) != (iv.ServiceLevel == nil) || (i == 36 && !approx(iv.ServiceLevel, 1)) || (i == 40 && !approx(iv.ServiceLevel, 0)) {
			t.Errorf("interval %d: service level %v", i, iv.ServiceLevel)
		}
	}

	// A contact that has not yet waited the threshold is left out of the
	// service level until it is answered or waits too long.
	_, _ = startChat(t, l, "Bob", "")
	wb, err = l.c.Wallboard(ctx, fx.tenant)
	must(t, err, "wallboard")
	if d := wb.Queues[0].Today; d.Offered != 3 || wb.Queues[0].Waiting != 2 {
		t.Fatalf("within a second, figures %+v (want those of the last call) and waiting %d (want 2, live)", d, wb.Queues[0].Waiting)
	}
	clk.advance(statsTTL)
	wb, err = l.c.Wallboard(ctx, fx.tenant)
	must(t, err, "wallboard")
	if d := wb.Queues[0].Today; d.Offered != 4 || !approx(d.ServiceLevel, 1.0/2) || !approx(d.AnswerRate, 1.0/3) { // Bob pending: 1 of 4 − 1 short − 1 pending
		t.Fatalf("today with a fresh contact %+v", d)
	}

	// Another tenant without queues: empty but well formed; an unknown
	// tenant does not exist.
	other, err := st.CreateTenant(ctx, model.Tenant{Slug: "empty", Name: "Empty"})
	must(t, err, "tenant")
	wb, err = l.c.Wallboard(ctx, other.ID)
	must(t, err, "empty wallboard")
	if len(wb.Queues) != 0 || len(wb.Agents) != 0 || wb.SLThresholdSeconds != 0 || len(wb.Intraday) != 41 || wb.Intraday[36].Offered != 0 {
		t.Fatalf("empty tenant's wallboard %+v", wb)
	}
	if _, err := l.c.Wallboard(ctx, other.ID+100); err == nil {
		t.Fatal("wallboard of an unknown tenant")
	}
}

// TestWallboardTimeZones: "today" starts at each queue's local midnight,
// on a daylight-saving day too (Paris, 29 March 2026: 23 hours).
func TestWallboardTimeZones(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	ctx := testCtx(t)
	sched, err := st.CreateSchedule(ctx, fx.tenant, model.Schedule{Name: "paris", TimeZone: "Europe/Paris",
		Weekly: []model.WeeklyHours{{Day: 0, From: "00:00", To: "24:00"}}})
	must(t, err, "schedule")
	paris, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "paris", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 30, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, ScheduleID: &sched.ID})
	must(t, err, "queue")
	// 12:00 in Paris (CEST) on the day clocks went forward at 02:00 CET.
	clk := &clock{t: time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC)}
	storeContact(t, st, fx.tenant, paris.ID, time.Date(2026, 3, 28, 22, 30, 0, 0, time.UTC), time.Second, true) // 23:30 yesterday in Paris
	storeContact(t, st, fx.tenant, paris.ID, time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), time.Second, true) // 00:30 today in Paris
	storeContact(t, st, fx.tenant, fx.queue, time.Date(2026, 3, 28, 23, 40, 0, 0, time.UTC), time.Second, true) // yesterday in UTC
	storeContact(t, st, fx.tenant, fx.queue, time.Date(2026, 3, 29, 1, 10, 0, 0, time.UTC), time.Second, true)  // 03:10 CEST
	l := startCenter(t, st, Options{Now: clk.now})

	wb, err := l.c.Wallboard(ctx, fx.tenant)
	must(t, err, "wallboard")
	if wb.TimeZone != "Europe/Paris" || wb.SLThresholdSeconds != 20 {
		t.Fatalf("tenant zone %q threshold %d", wb.TimeZone, wb.SLThresholdSeconds)
	}
	byID := map[int64]WallboardQueue{}
	for _, q := range wb.Queues {
		byID[q.QueueID] = q
	}
	if d := byID[paris.ID].Today; d.Offered != 1 || d.SLThresholdSeconds != 30 || !d.Since.Equal(time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("Paris queue today %+v", d)
	}
	if d := byID[fx.queue].Today; d.Offered != 1 || !d.Since.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC queue today %+v", d)
	}
	// 11 hours since Paris midnight: 44 whole intervals and the current one.
	if len(wb.Intraday) != 45 {
		t.Fatalf("%d intervals, want 45", len(wb.Intraday))
	}
	for i, want := range map[int]string{0: "2026-03-29T00:00:00+01:00", 7: "2026-03-29T01:45:00+01:00", 8: "2026-03-29T03:00:00+02:00", 44: "2026-03-29T12:00:00+02:00"} {
		if got := wb.Intraday[i].Start.Format(time.RFC3339); got != want {
			t.Errorf("interval %d starts %s, want %s", i, got, want)
		}
	}
	// The tenant's day counts both queues' contacts since Paris midnight.
	offered := 0
	for _, iv := range wb.Intraday {
		offered += iv.Offered
	}
	if offered != 3 || wb.Intraday[2].Offered != 2 || wb.Intraday[8].Offered != 1 {
		t.Errorf("intraday offered %d (interval 2: %d, 8: %d), want 3 (2, 1)", offered, wb.Intraday[2].Offered, wb.Intraday[8].Offered)
	}
}

func TestMidnight(t *testing.T) {
	t.Parallel()
	// Santiago's clocks went from 00:00 to 01:00 on 2022-09-11: that day
	// starts at 01:00.
	scl, err := time.LoadLocation("America/Santiago")
	must(t, err, "zone")
	now := time.Date(2022, 9, 11, 12, 0, 0, 0, scl)
	m := midnight(now, scl)
	if got := m.In(scl).Format(time.RFC3339); got != "2022-09-11T01:00:00-03:00" {
		t.Errorf("midnight %s", got)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	must(t, err, "zone")
	if got := midnight(time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), paris); !got.Equal(time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("Paris midnight after the autumn change %v", got)
	}
}
