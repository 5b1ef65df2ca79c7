package live

import (
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestNoAgentNoWaitAnnounced: while nobody serving the queue is signed in,
// a waiting customer is told so and no wait is announced; a sign-in tells
// the wait, a sign-out takes it back.
func TestNoAgentNoWaitAnnounced(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 1, 0)
	l := startCenter(t, st, Options{})
	cu, q := startChat(t, l, "Ada", "")
	if q["no_agent"] != true || q.num("ewt_seconds") != 0 {
		t.Fatalf("queued with nobody signed in: %v", q)
	}
	ag := loginAgent(t, l)
	ag.expect("agent_state")
	if p := cu.expect("position"); p["no_agent"] == true || p.num("ewt_seconds") <= 0 {
		t.Fatalf("position once an agent signed in: %v", p)
	}
	ag.send(frame{"type": "state", "state": "logged_out"})
	if p := cu.expect("position"); p["no_agent"] != true || p.num("ewt_seconds") != 0 {
		t.Fatalf("position once the agent logged out: %v", p)
	}
}

// TestClosedChatSaysWhenItOpens: a chat to a closed queue ends "closed"
// with the next opening.
func TestClosedChatSaysWhenItOpens(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	ctx := testCtx(t)
	now := time.Now().UTC()
	var week []model.WeeklyHours
	for d := 0; d < 7; d++ {
		week = append(week, model.WeeklyHours{Day: d, From: "00:00", To: "24:00"})
	}
	sched, err := st.CreateSchedule(ctx, fx.tenant, model.Schedule{Name: "closed today", TimeZone: "UTC", Weekly: week,
		Holidays: []string{now.Format(time.DateOnly)}})
	must(t, err, "schedule")
	q, err := st.GetQueue(ctx, fx.tenant, fx.queue)
	must(t, err, "queue")
	q.ScheduleID = &sched.ID
	must(t, st.UpdateQueue(ctx, fx.tenant, q), "queue hours")
	l := startCenter(t, st, Options{})
	c := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "late")
	c.send(frame{"type": "start", "name": "Late"})
	f := c.expect("ended")
	want := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	if f.str("reason") != "closed" || f.str("opens_at") == "" {
		t.Fatalf("ended %v, want closed with opens_at", f)
	}
	if at, err := time.Parse(time.RFC3339, f.str("opens_at")); err != nil || !at.Equal(want) {
		t.Fatalf("opens_at %q (%v), want %v", f.str("opens_at"), err, want)
	}
}

// TestWidgetInputs: a name over the limit is refused naming its field (the
// customer may start again on the same socket); a national number is
// stored in E.164 in the tenant's country (its site is in France).
func TestWidgetInputs(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	l := startCenter(t, st, Options{})
	c := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "long name")
	c.send(frame{"type": "start", "name": strings.Repeat("n", 150)})
	if e := c.expectError(codeInvalid); e.str("field") != "customer.name" {
		t.Fatalf("error %v, want field customer.name", e)
	}
	c.send(frame{"type": "start", "name": "Nadia"})
	q := c.expect("queued")
	c.send(frame{"type": "callback", "phone": "6 12"})
	if e := c.expectError(codeInvalid); e.str("field") != "callback.number" {
		t.Fatalf("error %v, want field callback.number", e)
	}
	c.send(frame{"type": "callback", "phone": "06 12 34 56 78"})
	c.expect("callback")
	in, err := st.GetInteraction(testCtx(t), fx.tenant, q.num("contact_id"))
	must(t, err, "interaction")
	if in.Callback == nil || in.Callback.Number != "+33612345678" {
		t.Fatalf("callback stored %+v, want +33612345678", in.Callback)
	}
	c.conn.Close(websocket.StatusNormalClosure, "")
}

// TestWallboardCountsQueueAgents: a queue's agent counts are of the
// agents who can take its contacts, not every agent of the tenant; its
// waiting contacts carry the customer's name.
func TestWallboardCountsQueueAgents(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0) // Amina: chats only
	ctx := testCtx(t)
	voice, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "voice queue")
	l := startCenter(t, st, Options{})
	startChat(t, l, "Ada", "")
	snap, err := l.c.Snapshot(ctx, fx.tenant)
	must(t, err, "snapshot")
	for _, q := range snap.Queues {
		n := 0
		for _, v := range q.Agents {
			n += v
		}
		switch q.QueueID {
		case fx.queue:
			if n != 1 {
				t.Errorf("chat queue agents %v, want Amina", q.Agents)
			}
			if len(q.Contacts) != 1 || q.Contacts[0].Name != "Ada" {
				t.Errorf("chat queue contacts %+v, want Ada", q.Contacts)
			}
		case voice.ID:
			if n != 0 {
				t.Errorf("voice queue agents %v, want none (Amina takes no calls)", q.Agents)
			}
		}
	}
}

func TestCustomerFacingName(t *testing.T) {
	for in, want := range map[string]string{"Camille Martin": "Camille", "  Amina ": "Amina", "Jean-Pierre de la Tour": "Jean-Pierre", "": ""} {
		if got := model.CustomerFacing(in, ""); got != want {
			t.Errorf("customerFacing(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTypingBothWays: each side of a conversation is told when the other
// types; an agent cannot signal on a contact it does not hold.
func TestTypingBothWays(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 1, 0)
	l := startCenter(t, st, Options{})
	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	cu, q := startChat(t, l, "Ada", "")
	id := q.num("contact_id")
	ag.expect("offer")
	ag.send(frame{"type": "typing", "contact_id": id})
	ag.expectError(codeBadState) // only offered yet
	ag.send(frame{"type": "accept", "contact_id": id})
	ag.expect("connected")
	cu.expect("connected")
	cu.send(frame{"type": "typing"})
	if f := ag.expect("typing"); f.num("contact_id") != id {
		t.Fatalf("agent got %v", f)
	}
	ag.send(frame{"type": "typing", "contact_id": id})
	cu.expect("typing")
	ag.send(frame{"type": "typing", "contact_id": id + 100})
	ag.expectError(codeBadState)
}

// TestCannedOverAgentSocket: a signed-in agent gets its tenant's canned
// responses, by code.
func TestCannedOverAgentSocket(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	ctx := testCtx(t)
	for _, c := range []model.CannedResponse{{Code: "thanks", Body: "Merci {name} !"}, {Code: "delay", Title: "Delay", Body: "Votre colis a du retard."}} {
		_, err := st.CreateCannedResponse(ctx, fx.tenant, c)
		must(t, err, "canned response")
	}
	l := startCenter(t, st, Options{})
	c := dial(t, l.wsURL("/agent/ws"), "anonymous")
	c.send(frame{"type": "canned"})
	c.expectError(codeUnauthorized)
	ag := loginAgent(t, l)
	ag.send(frame{"type": "canned"})
	f := ag.expect("canned")
	items, _ := f["items"].([]any)
	if len(items) != 2 || frame(items[0].(map[string]any)).str("code") != "delay" || frame(items[1].(map[string]any)).str("body") != "Merci {name} !" {
		t.Fatalf("canned %v", f)
	}
}
