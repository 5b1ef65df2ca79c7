package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

func TestResumeAndGrace(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	const grace = 600 * time.Millisecond
	l := startCenter(t, st, Options{Grace: grace})
	ctx := testCtx(t)

	ada, qa := startChat(t, l, "Ada", "")
	ada.send(frame{"type": "message", "body": "first", "client_msg_id": "a1"})
	ada.expect("ack")
	bob, qb := startChat(t, l, "Bob", "")
	idA, idB := qa.num("contact_id"), qb.num("contact_id")

	// Ada's socket drops; she comes back within the grace period.
	ada.conn.CloseNow()
	time.Sleep(grace / 3)
	ada = dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "ada again")
	ada.send(frame{"type": "resume", "token": qa.str("resume_token")})
	if f := ada.expect("queued"); f.num("position") != 1 || f.num("contact_id") != idA {
		t.Fatalf("resumed %v", f)
	}
	if m := ada.expect("message"); m.num("seq") != 1 || m.str("body") != "first" {
		t.Fatalf("replayed %v", m)
	}
	// The retry of a message sent before the drop is not stored twice.
	ada.send(frame{"type": "message", "body": "first", "client_msg_id": "a1"})
	if ack := ada.expect("ack"); ack.num("seq") != 1 {
		t.Fatalf("retry ack %v", ack)
	}
	time.Sleep(grace)
	if in, err := st.GetInteraction(ctx, fx.tenant, idA); err != nil || in.State != model.StateQueued {
		t.Fatalf("resumed contact: %v %+v", err, in)
	}

	// Bob asks for a callback and leaves: his place is kept past the grace.
	bob.send(frame{"type": "callback", "write_back": true})
	bob.expect("callback")
	bob.conn.CloseNow()
	// Cy drops and never returns: abandoned after the grace period.
	cy, qc := startChat(t, l, "Cy", "")
	cy.conn.CloseNow()
	idC := qc.num("contact_id")
	eventually(t, "Cy abandoned", func() bool {
		in, err := st.GetInteraction(ctx, fx.tenant, idC)
		return err == nil && in.State == model.StateEnded && in.EndedReason == model.EndAbandoned
	})
	in, err := st.GetInteraction(ctx, fx.tenant, idB)
	must(t, err, "bob")
	if in.State != model.StateCallback || in.Callback == nil || !in.Callback.WriteBack {
		t.Fatalf("bob %+v", in)
	}
	if pos := position(t, l.c, idB); pos != 2 {
		t.Fatalf("bob at %d, want 2", pos)
	}
	// A customer who leaves is abandoned at once.
	ada.send(frame{"type": "leave"})
	ada.expect("ended")
	eventually(t, "Ada abandoned", func() bool {
		in, err := st.GetInteraction(ctx, fx.tenant, idA)
		return err == nil && in.EndedReason == model.EndAbandoned
	})
}

func TestRestartSQLite(t *testing.T) {
	t.Parallel()
	path := tempDB(t)
	testRestart(t, func() *store.Store { return openSQLite(t, path) })
}

func TestRestartPostgres(t *testing.T) {
	t.Parallel()
	dsn := postgresDSN(t)
	testRestart(t, func() *store.Store {
		st, err := store.Open(testCtx(t), dsn)
		must(t, err, "open postgres")
		return st
	})
}

// testRestart queues 20 chats with messages, kills the center without any
// goodbye, and starts a new one on the same database.
func testRestart(t *testing.T, open func() *store.Store) {
	const n = 20
	st := open()
	fx := seed(t, st, 1, 0)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	ids := make([]int64, n)
	tokens := make([]string, n)
	arrivals := make([]time.Time, n)
	for i := range n {
		cu, q := startChat(t, l, fmt.Sprintf("Customer %d", i), "")
		if q.num("position") != int64(i+1) {
			t.Fatalf("customer %d queued at %d", i, q.num("position"))
		}
		ids[i], tokens[i] = q.num("contact_id"), q.str("resume_token")
		for j := range 2 {
			cu.send(frame{"type": "message", "body": fmt.Sprintf("msg %d of %d", j, i), "client_msg_id": fmt.Sprintf("c%d-%d", i, j)})
			if ack := cu.expect("ack"); ack.num("seq") != int64(j+1) {
				t.Fatalf("ack %v", ack)
			}
		}
		in, err := st.GetInteraction(ctx, fx.tenant, ids[i])
		must(t, err, "get")
		arrivals[i] = in.ArrivedAt
	}
	// Crash: the loop stops, sockets are cut, the database handle dropped.
	l.stop()
	must(t, st.Close(), "close store")

	st2 := open()
	t.Cleanup(func() { st2.Close() })
	l2 := startCenter(t, st2, Options{Grace: time.Minute})
	for i, id := range ids {
		if pos := position(t, l2.c, id); pos != i+1 {
			t.Errorf("contact %d back at %d, want %d", id, pos, i+1)
		}
		in, err := st2.GetInteraction(ctx, fx.tenant, id)
		must(t, err, "get")
		if !in.ArrivedAt.Equal(arrivals[i]) || in.State != model.StateQueued {
			t.Errorf("contact %d: arrival %v state %s, want %v queued", id, in.ArrivedAt, in.State, arrivals[i])
		}
		msgs, err := st2.ListMessages(ctx, fx.tenant, id, 0)
		must(t, err, "messages")
		if len(msgs) != 2 {
			t.Errorf("contact %d has %d messages, want 2", id, len(msgs))
		}
	}
	// The fifth customer resumes on the new server.
	cu := dial(t, l2.wsURL("/chat/"+entryAddress+"/ws"), "customer 4")
	cu.send(frame{"type": "resume", "token": tokens[4], "last_seq": 1})
	if f := cu.expect("queued"); f.num("position") != 5 || f.num("contact_id") != ids[4] {
		t.Fatalf("resumed %v", f)
	}
	if m := cu.expect("message"); m.num("seq") != 2 {
		t.Fatalf("replayed %v, want seq 2 only", m)
	}
	cu.send(frame{"type": "message", "body": "msg 1 of 4", "client_msg_id": "c4-1"})
	if ack := cu.expect("ack"); ack.num("seq") != 2 {
		t.Fatalf("retry ack %v", ack)
	}
	cu.send(frame{"type": "message", "body": "still waiting", "client_msg_id": "c4-2"})
	if ack := cu.expect("ack"); ack.num("seq") != 3 {
		t.Fatalf("ack %v", ack)
	}
	// An agent gets the first arrival first, with its messages.
	ag := loginAgent(t, l2)
	ag.send(frame{"type": "state", "state": "ready"})
	if f := ag.expect("offer"); f.num("contact_id") != ids[0] {
		t.Fatalf("first offer %v, want %d", f, ids[0])
	}
	ag.send(frame{"type": "accept", "contact_id": ids[0]})
	if f := ag.expect("connected"); len(f["messages"].([]any)) != 2 {
		t.Fatalf("connected %v", f)
	}
}

func TestAgentBot(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 5)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	botCtx, stop := cancelCtx(t)
	done := make(chan error, 1)
	go func() {
		done <- RunAgentBot(botCtx, l.wsURL("/agent/ws"), agentLogin, agentPassword, func() time.Duration { return 50 * time.Millisecond }, nil)
	}()
	cu, q := startChat(t, l, "Ada", "")
	cu.expect("connected")
	if m := cu.expect("message"); m.str("from") != "agent" {
		t.Fatalf("bot message %v", m)
	}
	cu.expect("ended")
	eventually(t, "wrap-up done", func() bool {
		in, err := st.GetInteraction(ctx, fx.tenant, q.num("contact_id"))
		return err == nil && in.State == model.StateEnded && in.Disposition == "bot"
	})
	stop()
	if err := <-done; err != nil {
		t.Fatalf("bot: %v", err)
	}
	if err := RunAgentBot(ctx, l.wsURL("/agent/ws"), agentLogin, "wrong password", func() time.Duration { return 0 }, nil); err == nil {
		t.Fatal("bot signed in with a wrong password")
	}
}
