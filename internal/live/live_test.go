package live

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestChatFlow(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 60)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)

	ada, q1 := startChat(t, l, "Ada", "ada@example.com")
	bob, q2 := startChat(t, l, "Bob", "bob@example.com")
	cy, q3 := startChat(t, l, "Cy", "")
	for i, q := range []frame{q1, q2, q3} {
		if got := q.num("position"); got != int64(i+1) {
			t.Errorf("customer %d: position %d, want %d", i+1, got, i+1)
		}
		// Nobody is signed in yet: no wait is announced.
		if q.str("resume_token") == "" || q.num("contact_id") == 0 || q.num("ewt_seconds") != 0 || q["no_agent"] != true {
			t.Errorf("customer %d: queued frame %v", i+1, q)
		}
	}
	id1 := q1.num("contact_id")
	ada.send(frame{"type": "message", "body": "Hello?", "client_msg_id": "a1"})
	if ack := ada.expect("ack"); ack.num("seq") != 1 || ack.str("client_msg_id") != "a1" {
		t.Fatalf("ack %v", ack)
	}

	// What each customer was told is stored with the contact (once its
	// start is over: ada's ack follows it).
	for i, q := range []frame{q1, q2, q3} {
		eventually(t, fmt.Sprintf("customer %d's announcement stored", i+1), func() bool {
			in, err := st.GetInteraction(ctx, fx.tenant, q.num("contact_id"))
			must(t, err, "get interaction")
			return in.AnnouncedPosition != nil && int64(*in.AnnouncedPosition) == q.num("position") &&
				int64(*in.AnnouncedEWTSeconds) == q.num("ewt_seconds")
		})
	}

	ag := loginAgent(t, l)
	ag.expect("agent_state", func(f frame) bool { return f.str("state") == "not_ready" })
	ag.send(frame{"type": "state", "state": "ready"})
	offer := ag.expect("offer")
	if offer.num("contact_id") != id1 || offer.str("channel") != "chat" {
		t.Fatalf("offer %v, want contact %d", offer, id1)
	}
	hist, _ := offer["history"].([]any)
	if len(hist) != 1 || frame(hist[0].(map[string]any)).str("disposition") != "refund" {
		t.Fatalf("offer history %v, want the previous contact with its disposition", offer["history"])
	}
	ag.send(frame{"type": "accept", "contact_id": id1})
	conn := ag.expect("connected")
	if msgs, _ := conn["messages"].([]any); len(msgs) != 1 {
		t.Fatalf("connected %v, want the message sent while waiting", conn)
	}
	if f := ada.expect("connected"); f.str("agent") != "Amina" {
		t.Fatalf("customer connected %v", f)
	}
	bob.expect("position", func(f frame) bool { return f.num("position") == 1 })
	cy.expect("position", func(f frame) bool { return f.num("position") == 2 })

	ag.send(frame{"type": "message", "contact_id": id1, "body": "Bonjour Ada", "client_msg_id": "g1"})
	if ack := ag.expect("ack"); ack.num("seq") != 2 {
		t.Fatalf("agent ack %v", ack)
	}
	if m := ada.expect("message"); m.num("seq") != 2 || m.str("from") != "agent" || m.str("body") != "Bonjour Ada" {
		t.Fatalf("customer got %v", m)
	}
	ada.send(frame{"type": "message", "body": "My order is late", "client_msg_id": "a2"})
	if ack := ada.expect("ack"); ack.num("seq") != 3 {
		t.Fatalf("ack %v", ack)
	}
	if m := ag.expect("message"); m.num("seq") != 3 || m.str("from") != "customer" || m.num("contact_id") != id1 {
		t.Fatalf("agent got %v", m)
	}
	// A retry (same client_msg_id) is acknowledged with the same seq, not stored again.
	ada.send(frame{"type": "message", "body": "My order is late", "client_msg_id": "a2"})
	if ack := ada.expect("ack"); ack.num("seq") != 3 {
		t.Fatalf("retry ack %v", ack)
	}
	// The agent cannot write into someone else's contact.
	ag.send(frame{"type": "message", "contact_id": q2.num("contact_id"), "body": "x", "client_msg_id": "g2"})
	ag.expectError(codeBadState)

	time.Sleep(30 * time.Millisecond) // some talk time
	ag.send(frame{"type": "end", "contact_id": id1})
	if f := ag.expect("ended"); f.num("contact_id") != id1 || f["wrap_up"] != true || f.num("wrap_up_seconds") != 60 {
		t.Fatalf("agent ended %v", f)
	}
	ada.expect("ended")
	ada.expectClosed()
	ag.send(frame{"type": "wrap_up", "contact_id": id1, "disposition": "late-delivery", "notes": "carrier called"})
	ag.expect("wrap_up_done")
	// Ready again: Bob is next.
	if f := ag.expect("offer"); f.num("contact_id") != q2.num("contact_id") {
		t.Fatalf("next offer %v", f)
	}

	in, err := st.GetInteraction(ctx, fx.tenant, id1)
	must(t, err, "get interaction")
	if in.State != model.StateEnded || in.EndedReason != model.EndAnswered || in.Disposition != "late-delivery" ||
		in.AgentID == nil || *in.AgentID != fx.agent || in.AnsweredAt == nil {
		t.Fatalf("stored interaction %+v", in)
	}
	segs, err := st.ListSegments(ctx, fx.tenant, id1)
	must(t, err, "segments")
	var kinds []string
	var queuedEnd, connStart time.Time
	for _, s := range segs {
		kinds = append(kinds, string(s.Kind))
		if s.EndedAt == nil {
			t.Errorf("segment %s still open", s.Kind)
			continue
		}
		if s.Billable != s.Kind.Handled() {
			t.Errorf("segment %s billable=%v", s.Kind, s.Billable)
		}
		switch s.Kind {
		case model.SegQueued:
			queuedEnd = *s.EndedAt
		case model.SegConnected:
			connStart = s.StartedAt
			if !s.EndedAt.After(s.StartedAt) {
				t.Errorf("connected segment has no duration")
			}
		}
	}
	if got := strings.Join(kinds, ","); got != "queued,offered,connected,wrap_up" {
		t.Fatalf("segments %s", got)
	}
	if connStart.Before(queuedEnd) {
		t.Errorf("connected segment starts before the wait ends")
	}
	msgs, err := st.ListMessages(ctx, fx.tenant, id1, 0)
	must(t, err, "messages")
	if len(msgs) != 3 {
		t.Fatalf("%d messages stored, want 3", len(msgs))
	}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Errorf("message %d has seq %d", i, m.Seq)
		}
	}

	snap, err := l.c.Snapshot(ctx, fx.tenant)
	must(t, err, "snapshot")
	if len(snap.Queues) != 1 || snap.Queues[0].Waiting != 2 || snap.Queues[0].Agents["offered"] != 1 || len(snap.Agents) != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	metrics := l.metrics(t)
	for _, want := range []string{"plateau_offers_total 2", `plateau_messages_total{from="customer"} 2`, `plateau_sessions_connected{kind="agent"} 1`,
		`plateau_wait_seconds_count{outcome="answered",queue=`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, metrics)
		}
	}
}

func TestAgentDisconnectDeclinesOffer(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	_, q1 := startChat(t, l, "Ada", "")
	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("offer")
	ag.conn.CloseNow()
	eventually(t, "agent not ready (disconnected)", func() bool {
		snap, err := l.c.Snapshot(testCtx(t), fx.tenant)
		return err == nil && len(snap.Agents) == 1 && snap.Agents[0].State == "not_ready" && snap.Agents[0].Reason == "disconnected"
	})
	if pos := position(t, l.c, q1.num("contact_id")); pos != 1 {
		t.Fatalf("position %d after the declined offer", pos)
	}
	// Back online, with two chats at once.
	ag = loginAgent(t, l)
	_, q2 := startChat(t, l, "Bob", "")
	ag.send(frame{"type": "state", "state": "ready"})
	for _, id := range []int64{q1.num("contact_id"), q2.num("contact_id")} {
		f := ag.expect("offer")
		if f.num("contact_id") != id {
			t.Fatalf("offer %v, want %d", f, id)
		}
		ag.send(frame{"type": "accept", "contact_id": id})
		ag.expect("connected")
	}
}

func TestBadFrames(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	seed(t, st, 1, 0)
	l := startCenter(t, st, Options{})

	cu := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "customer")
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"not json", "hello", codeBadFrame},
		{"not an object", "[1,2]", codeBadFrame},
		{"no type", `{"body":"x"}`, codeBadFrame},
		{"unknown type", `{"type":"dance"}`, codeBadFrame},
		{"wrong field type", `{"type":"start","name":42}`, codeBadFrame},
		{"message before start", `{"type":"message","body":"x"}`, codeBadState},
		{"resume without token", `{"type":"resume"}`, codeBadFrame},
		{"unknown token", `{"type":"resume","token":"nope"}`, codeUnknownToken},
		{"bad email", `{"type":"start","email":"not an address"}`, codeInvalid},
		{"oversize frame", `{"type":"start","name":"` + strings.Repeat("x", MaxFrameBytes) + `"}`, codeTooLarge},
	} {
		cu.raw(tc.frame)
		if f := cu.expect("error"); f.str("code") != tc.code {
			t.Errorf("%s: got %v, want code %s", tc.name, f, tc.code)
		}
	}
	cu.send(frame{"type": "start", "name": "Ada"})
	cu.expect("queued")
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"missing body", `{"type":"message","client_msg_id":"m0"}`, codeBadFrame},
		{"blank body", `{"type":"message","body":"  ","client_msg_id":"m0"}`, codeInvalid},
		{"oversize body", `{"type":"message","body":"` + strings.Repeat("é", MaxBodyBytes/2+1) + `"}`, codeTooLarge},
		{"start twice", `{"type":"start"}`, codeBadState},
		{"bad callback", `{"type":"callback","phone":"+12"}`, codeInvalid},
	} {
		cu.raw(tc.frame)
		if f := cu.expect("error"); f.str("code") != tc.code {
			t.Errorf("%s: got %v, want code %s", tc.name, f, tc.code)
		}
	}
	time.Sleep(time.Second) // refill the buckets
	cu.send(frame{"type": "message", "body": "still here", "client_msg_id": "ok"})
	if ack := cu.expect("ack"); ack.num("seq") != 1 {
		t.Fatalf("ack %v", ack)
	}
	// The rate limit: 5 messages per second.
	for i := range 8 {
		cu.send(frame{"type": "message", "body": "spam", "client_msg_id": "s" + string(rune('a'+i))})
	}
	limited := 0
	for range 8 {
		f, err := cu.read(5 * time.Second)
		must(t, err, "read")
		if f.str("type") == "error" && f.str("code") == codeRateLimited {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("8 messages at once were not rate limited")
	}

	ag := dial(t, l.wsURL("/agent/ws"), "agent")
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"not json", "{", codeBadFrame},
		{"before login", `{"type":"state","state":"ready"}`, codeUnauthorized},
		{"login without password", `{"type":"login","login":"amina"}`, codeBadFrame},
		{"wrong password", `{"type":"login","login":"amina","password":"wrong password"}`, codeUnauthorized},
	} {
		ag.raw(tc.frame)
		if f := ag.expect("error"); f.str("code") != tc.code {
			t.Errorf("agent %s: got %v, want code %s", tc.name, f, tc.code)
		}
	}
	ag.send(frame{"type": "login", "login": agentLogin, "password": agentPassword})
	ag.expect("logged_in")
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"bad state", `{"type":"state","state":"sleeping"}`, codeBadFrame},
		{"accept without contact", `{"type":"accept"}`, codeBadFrame},
		{"accept no offer", `{"type":"accept","contact_id":999}`, codeBadState},
		{"end not connected", `{"type":"end","contact_id":999}`, codeBadState},
		{"wrap up unknown", `{"type":"wrap_up","contact_id":999}`, codeBadState},
		{"unknown type", `{"type":"fly"}`, codeBadFrame},
	} {
		ag.raw(tc.frame)
		if f := ag.expect("error"); f.str("code") != tc.code {
			t.Errorf("agent %s: got %v, want code %s", tc.name, f, tc.code)
		}
	}
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("offer")
}
