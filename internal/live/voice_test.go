package live

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// recCall records what the center tells a call.
type recCall struct{ evs chan string }

func newRecCall() *recCall { return &recCall{evs: make(chan string, 64)} }

func (r *recCall) Offered(agent int64, timeout time.Duration) {
	r.evs <- fmt.Sprintf("offered %d %v", agent, timeout)
}
func (r *recCall) Withdrawn(agent int64, reason string) {
	r.evs <- fmt.Sprintf("withdrawn %d %s", agent, reason)
}
func (r *recCall) Connected(agent int64) { r.evs <- fmt.Sprintf("connected %d", agent) }
func (r *recCall) Ended(reason string)   { r.evs <- "ended " + reason }

func (r *recCall) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-r.evs:
		if got != want {
			t.Fatalf("call event %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no call event, want %q", want)
	}
}

func (r *recCall) none(t *testing.T) {
	t.Helper()
	select {
	case got := <-r.evs:
		t.Fatalf("unexpected call event %q", got)
	default:
	}
}

// voiceFixture adds a voice queue with phone entry 1000 and makes the
// fixture's agent take calls.
func voiceFixture(t *testing.T, st *store.Store, f fixture, sched *int64) (model.Queue, model.EntryPoint) {
	t.Helper()
	ctx := testCtx(t)
	q, err := st.CreateQueue(ctx, f.tenant, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15, WrapUpSeconds: 30, ScheduleID: sched})
	must(t, err, "voice queue")
	ep, err := st.CreateEntryPoint(ctx, f.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "1000", QueueID: q.ID})
	must(t, err, "phone entry")
	a, err := st.GetAgent(ctx, f.tenant, f.agent)
	must(t, err, "agent")
	a.VoiceCapacity = 1
	must(t, st.UpdateAgent(ctx, f.tenant, a), "agent takes calls")
	return q, ep
}

func TestVoiceCallLifecycle(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 30)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)

	c1, c2 := newRecCall(), newRecCall()
	a1, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, c1)
	must(t, err, "arrive 1")
	a2, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33687654321"}, c2)
	must(t, err, "arrive 2")
	if a1.Ended != "" || a1.Position != 1 || a2.Position != 2 {
		t.Fatalf("arrivals %+v %+v", a1, a2)
	}
	if !a1.NoAgent {
		t.Errorf("arrival %+v: nobody is signed in, NoAgent not set", a1)
	}
	in, err := st.GetInteraction(ctx, f.tenant, a1.ContactID)
	must(t, err, "stored call")
	if in.Channel != model.ChannelVoice || in.State != model.StateQueued {
		t.Fatalf("stored %+v", in)
	}

	agent := loginAgent(t, l)
	if a, err := l.c.ArriveVoice(ctx, ep, model.Customer{}, newRecCall()); err != nil || a.NoAgent {
		t.Fatalf("arrival with an agent signed in: %+v %v", a, err)
	}
	agent.send(frame{"type": "state", "state": "ready"})
	c1.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	offer := agent.expect("offer")
	if offer.str("channel") != "voice" || offer.num("contact_id") != a1.ContactID {
		t.Fatalf("offer %v", offer)
	}
	// The desktop cannot take a call: the phone does.
	agent.send(frame{"type": "accept", "contact_id": a1.ContactID})
	agent.expectError(codeBadState)
	must(t, l.c.VoiceAnswered(ctx, f.agent, a1.ContactID), "answered")
	c1.expect(t, fmt.Sprintf("connected %d", f.agent))
	agent.expect("connected")
	// The caller ahead is served: the second is now first.
	_, _, ok, err := l.c.VoicePosition(ctx, a1.ContactID)
	must(t, err, "position")
	if ok {
		t.Fatal("a connected call still has a position")
	}
	eventually(t, "second caller first", func() bool {
		p, _, ok, _ := l.c.VoicePosition(ctx, a2.ContactID)
		return ok && p == 1
	})
	// The caller hangs up: the call ends, the agent wraps up.
	must(t, l.c.VoiceHangup(ctx, a1.ContactID), "hangup")
	c1.expect(t, "ended ")
	agent.expect("ended", func(fr frame) bool { return fr.num("contact_id") == a1.ContactID })
	segs, err := st.ListSegments(ctx, f.tenant, a1.ContactID)
	must(t, err, "segments")
	var kinds []string
	for _, s := range segs {
		kinds = append(kinds, string(s.Kind))
		if s.Billable != (s.Kind == model.SegConnected || s.Kind == model.SegWrapUp) {
			t.Fatalf("segment %s billable=%v", s.Kind, s.Billable)
		}
	}
	if fmt.Sprint(kinds) != "[queued offered connected wrap_up]" {
		t.Fatalf("segments %v", kinds)
	}
	// The second caller hangs up while waiting: abandoned.
	must(t, l.c.VoiceHangup(ctx, a2.ContactID), "hangup 2")
	c2.expect(t, "ended abandoned")
	eventually(t, "abandoned call stored", func() bool {
		in, err := st.GetInteraction(ctx, f.tenant, a2.ContactID)
		return err == nil && in.State == model.StateEnded && in.EndedReason == model.EndAbandoned
	})
	// Its queued segment is closed when it hung up, and a zero-length
	// abandoned marker in the queue is there at that instant.
	segs, err = st.ListSegments(ctx, f.tenant, a2.ContactID)
	must(t, err, "segments 2")
	if len(segs) != 2 || segs[0].Kind != model.SegQueued || segs[1].Kind != model.SegAbandoned {
		t.Fatalf("abandoned call's segments %+v", segs)
	}
	q, m := segs[0], segs[1]
	if q.EndedAt == nil || m.EndedAt == nil || !m.StartedAt.Equal(*m.EndedAt) || !q.EndedAt.Equal(m.StartedAt) ||
		m.QueueID == nil || q.QueueID == nil || *m.QueueID != *q.QueueID || m.Billable {
		t.Fatalf("queued %+v, abandoned marker %+v", q, m)
	}
	c1.none(t)
}

func TestVoiceDeclineAndCallback(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 0)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	agent := loginAgent(t, l)
	agent.send(frame{"type": "state", "state": "ready"})
	agent.expect("agent_state", func(fr frame) bool { return fr.str("state") == "ready" })

	c := newRecCall()
	a, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, c)
	must(t, err, "arrive")
	c.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	// The phone is busy: the call goes back to its place.
	must(t, l.c.VoiceDeclined(ctx, f.agent, a.ContactID), "declined")
	c.expect(t, fmt.Sprintf("withdrawn %d declined", f.agent))
	p, _, ok, err := l.c.VoicePosition(ctx, a.ContactID)
	if err != nil || !ok || p != 1 {
		t.Fatalf("position after decline: %d %v %v", p, ok, err)
	}
	// Press 1: called back at the confirmed number; hanging up keeps the place.
	if err := l.c.VoiceCallback(ctx, a.ContactID, "not a number"); err == nil {
		t.Fatal("a bad callback number was accepted")
	}
	must(t, l.c.VoiceCallback(ctx, a.ContactID, "+33612345678"), "callback")
	must(t, l.c.VoiceHangup(ctx, a.ContactID), "hang up after callback")
	in, err := st.GetInteraction(ctx, f.tenant, a.ContactID)
	must(t, err, "callback stored")
	if in.State != model.StateCallback || in.Callback == nil || in.Callback.Number != "+33612345678" {
		t.Fatalf("callback stored as %+v", in)
	}
	agent.send(frame{"type": "state", "state": "ready"})
	c.expect(t, fmt.Sprintf("offered %d 15s", f.agent))
	must(t, l.c.VoiceAnswered(ctx, f.agent, a.ContactID), "agent answers the callback")
	c.expect(t, fmt.Sprintf("connected %d", f.agent))
}

func TestVoiceClosedQueue(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 0)
	ctx := testCtx(t)
	// Today is a holiday of the queue's schedule: closed.
	sched, err := st.CreateSchedule(ctx, f.tenant, model.Schedule{Name: "never", TimeZone: "Europe/Paris",
		Holidays: []string{time.Now().In(mustLoc(t, "Europe/Paris")).Format(time.DateOnly)},
		Weekly:   []model.WeeklyHours{{Day: int(time.Now().In(mustLoc(t, "Europe/Paris")).Weekday()), From: "00:00", To: "23:59"}}})
	must(t, err, "schedule")
	_, ep := voiceFixture(t, st, f, &sched.ID)
	l := startCenter(t, st, Options{})
	c := newRecCall()
	a, err := l.c.ArriveVoice(ctx, ep, model.Customer{}, c)
	must(t, err, "arrive")
	if a.Ended != "closed" {
		t.Fatalf("arrival %+v, want closed", a)
	}
	c.expect(t, "ended closed")
	in, err := st.GetInteraction(ctx, f.tenant, a.ContactID)
	must(t, err, "closed call")
	if in.State != model.StateEnded || in.EndedReason != model.EndClosed {
		t.Fatalf("stored %s/%s", in.State, in.EndedReason)
	}
	// An entry point with its own closed hours, on a queue that is open.
	open, err := st.CreateQueue(ctx, f.tenant, model.Queue{Name: "open", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15})
	must(t, err, "open queue")
	ep2, err := st.CreateEntryPoint(ctx, f.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "2000", QueueID: open.ID, ScheduleID: &sched.ID})
	must(t, err, "entry with hours")
	c2 := newRecCall()
	a2, err := l.c.ArriveVoice(ctx, ep2, model.Customer{}, c2)
	must(t, err, "arrive at closed entry")
	if a2.Ended != "closed" {
		t.Fatalf("arrival at a closed entry %+v", a2)
	}
	c2.expect(t, "ended closed")
	in, err = st.GetInteraction(ctx, f.tenant, a2.ContactID)
	if err != nil || in.State != model.StateEnded || in.EndedReason != model.EndClosed {
		t.Fatalf("closed-entry call stored as %+v (%v)", in, err)
	}
	// A chat entry point is not a phone entry.
	chat, err := st.ResolveEntryPoint(ctx, model.EntryChat, entryAddress)
	must(t, err, "chat entry")
	if _, err := l.c.ArriveVoice(ctx, chat, model.Customer{}, c); err == nil {
		t.Fatal("a call arrived at a chat entry point")
	}
}

func TestVoiceRestoredCallWithoutCaller(t *testing.T) {
	path := tempDB(t)
	st := openSQLite(t, path)
	f := seed(t, st, 1, 0)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	a, err := l.c.ArriveVoice(ctx, ep, model.Customer{}, newRecCall())
	must(t, err, "arrive")
	l.stop()
	// After a restart the caller is gone (no signalling survives): the
	// call is ended with a system cause, not counted as the caller's
	// abandon, and its segments are closed.
	l2 := startCenter(t, st, Options{})
	_ = l2
	eventually(t, "restored call ended failed", func() bool {
		in, err := st.GetInteraction(ctx, f.tenant, a.ContactID)
		return err == nil && in.State == model.StateEnded && in.EndedReason == model.EndFailed
	})
	segs, err := st.ListSegments(ctx, f.tenant, a.ContactID)
	must(t, err, "segments")
	for _, sg := range segs {
		if sg.EndedAt == nil || sg.Kind == model.SegAbandoned {
			t.Fatalf("segment %+v of the lost call", sg)
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	must(t, err, "location")
	return loc
}

// checkedCall is a recCall that restricts the numbers it calls back.
type checkedCall struct {
	*recCall
	allow bool
	asked chan string
}

func (c *checkedCall) AllowCallback(number string) error {
	c.asked <- number
	if !c.allow {
		return fmt.Errorf("number %s refused", number)
	}
	return nil
}

// TestVoiceOverflowCallbackChecked: an overflow turns a call into a
// callback to its calling number only when the call's CallbackChecker
// accepts the number (the From header is the caller's choice).
func TestVoiceOverflowCallbackChecked(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 0)
	ctx := testCtx(t)
	q, err := st.CreateQueue(ctx, f.tenant, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15, MaxWaiting: 1,
		Overflow: model.Overflow{Action: model.OverflowCallback}})
	must(t, err, "voice queue")
	ep, err := st.CreateEntryPoint(ctx, f.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "1000", QueueID: q.ID})
	must(t, err, "phone entry")
	l := startCenter(t, st, Options{})

	first := newRecCall()
	_, err = l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, first)
	must(t, err, "arrive 1")
	// The queue is full: the next call overflows to a callback, refused by
	// the call's policy: the caller stays on the line, no callback number.
	refused := &checkedCall{recCall: newRecCall(), asked: make(chan string, 1)}
	a2, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+88299999999"}, refused)
	must(t, err, "arrive 2")
	select {
	case got := <-refused.asked:
		if got != "+88299999999" {
			t.Fatalf("checked %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the overflow callback's number was not checked")
	}
	if a2.Ended != "" {
		t.Fatalf("refused overflow callback ended the call: %+v", a2)
	}
	refused.none(t)
	in, err := st.GetInteraction(ctx, f.tenant, a2.ContactID)
	must(t, err, "refused call")
	if in.Callback != nil && in.Callback.Number != "" {
		t.Fatalf("callback to a refused number stored: %+v", in.Callback)
	}
	// Accepted: the caller is told and hung up, the number is kept.
	accepted := &checkedCall{recCall: newRecCall(), allow: true, asked: make(chan string, 1)}
	a3, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33687654321"}, accepted)
	must(t, err, "arrive 3")
	<-accepted.asked
	accepted.expect(t, "ended callback")
	eventually(t, "callback stored", func() bool {
		in, err := st.GetInteraction(ctx, f.tenant, a3.ContactID)
		return err == nil && in.Callback != nil && in.Callback.Number == "+33687654321"
	})
}

// TestVoiceErrorsWrapped: ArriveVoice and VoicePosition say what failed
// when the center is stopped.
func TestVoiceErrorsWrapped(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 0)
	_, ep := voiceFixture(t, st, f, nil)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	l.stop()
	_, err := l.c.ArriveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, newRecCall())
	if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), "arrive call to 1000") {
		t.Fatalf("ArriveVoice on a stopped center: %v", err)
	}
	_, _, _, err = l.c.VoicePosition(ctx, 42)
	if !errors.Is(err, ErrStopped) || !strings.Contains(err.Error(), "position of call 42") {
		t.Fatalf("VoicePosition on a stopped center: %v", err)
	}
}

// TestVoiceMenuChoice: a call received, then queued to the queue its menu
// chose, moves there with its arrival kept; a caller leaving in the menu is
// an abandoned call.
func TestVoiceMenuChoice(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	f := seed(t, st, 1, 0)
	_, ep := voiceFixture(t, st, f, nil)
	ctx := testCtx(t)
	sales, err := st.CreateQueue(ctx, f.tenant, model.Queue{Name: "sales phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15})
	must(t, err, "sales queue")
	l := startCenter(t, st, Options{})

	call := newRecCall()
	rc, err := l.c.ReceiveVoice(ctx, ep, model.Customer{Phone: "+33612345678"}, call)
	must(t, err, "receive")
	in, err := st.GetInteraction(ctx, f.tenant, rc.ContactID)
	must(t, err, "received call stored")
	if in.State != model.StateQueued || in.QueueID != ep.QueueID {
		t.Fatalf("received call stored as %+v", in)
	}
	arrived := in.ArrivedAt
	a, err := l.c.QueueVoice(ctx, rc, sales.ID)
	must(t, err, "queue to the chosen queue")
	if a.Ended != "" || a.Position != 1 {
		t.Fatalf("queued %+v", a)
	}
	in, err = st.GetInteraction(ctx, f.tenant, rc.ContactID)
	must(t, err, "moved call")
	if in.QueueID != sales.ID || !in.ArrivedAt.Equal(arrived) {
		t.Fatalf("after the menu: queue %d arrived %v, want queue %d arrived %v", in.QueueID, in.ArrivedAt, sales.ID, arrived)
	}
	segs, err := st.ListSegments(ctx, f.tenant, rc.ContactID)
	must(t, err, "segments")
	if len(segs) != 2 || segs[0].EndedAt == nil || *segs[0].QueueID != ep.QueueID || segs[1].EndedAt != nil || *segs[1].QueueID != sales.ID {
		t.Fatalf("segments %+v: want the menu's (closed, entry queue) then the chosen queue's", segs)
	}
	pos, _, ok, err := l.c.VoicePosition(ctx, rc.ContactID)
	if err != nil || !ok || pos != 1 {
		t.Fatalf("position in the chosen queue: %d %v %v", pos, ok, err)
	}
	call.none(t)

	// Hung up in the menu.
	gone, err := l.c.ReceiveVoice(ctx, ep, model.Customer{Phone: "+33687654321"}, newRecCall())
	must(t, err, "receive 2")
	must(t, l.c.AbandonReceived(ctx, gone), "abandon in the menu")
	in, err = st.GetInteraction(ctx, f.tenant, gone.ContactID)
	must(t, err, "abandoned call")
	if in.State != model.StateEnded || in.EndedReason != model.EndAbandoned {
		t.Fatalf("caller gone in the menu stored as %s/%s", in.State, in.EndedReason)
	}
}
