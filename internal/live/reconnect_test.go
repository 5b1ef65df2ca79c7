package live

import (
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// connectedPair starts a chat and connects it to the seeded agent, with one
// message each way.
func connectedPair(t *testing.T, l *live) (cu, ag *client, id int64, token string) {
	t.Helper()
	cu, q := startChat(t, l, "Ada", "")
	id, token = q.num("contact_id"), q.str("resume_token")
	ag = loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	ag.expect("offer")
	ag.send(frame{"type": "accept", "contact_id": id})
	ag.expect("connected")
	cu.expect("connected")
	cu.send(frame{"type": "message", "body": "hello", "client_msg_id": "c1"})
	cu.expect("ack")
	ag.expect("message")
	ag.send(frame{"type": "message", "contact_id": id, "body": "hi, how can I help?", "client_msg_id": "a1"})
	ag.expect("ack")
	cu.expect("message")
	return cu, ag, id, token
}

// After a restart (or a failover) a connected chat goes back to its agent:
// the customer resumes into the conversation, the agent signs in and gets
// it with its messages, and they go on; the record stays connected, with
// one connected segment.
func TestRestartGivesTheAgentItsChats(t *testing.T) {
	t.Parallel()
	path := tempDB(t)
	st := openSQLite(t, path)
	fx := seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	_, _, id, token := connectedPair(t, l)
	l.stop()
	must(t, st.Close(), "close store")

	st2 := openSQLite(t, path)
	t.Cleanup(func() { st2.Close() })
	l2 := startCenter(t, st2, Options{Grace: time.Minute})
	ctx := testCtx(t)
	in, err := st2.GetInteraction(ctx, fx.tenant, id)
	must(t, err, "get")
	if in.State != model.StateConnected || in.AgentID == nil || *in.AgentID != fx.agent {
		t.Fatalf("restored contact %+v, want connected to agent %d", in, fx.agent)
	}
	cu := dial(t, l2.wsURL("/chat/"+entryAddress+"/ws"), "customer again")
	cu.send(frame{"type": "resume", "token": token, "last_seq": 2})
	cu.expect("connected")
	ag := loginAgent(t, l2)
	f := ag.expect("connected")
	if f.num("contact_id") != id || len(f["messages"].([]any)) != 2 {
		t.Fatalf("agent got back %v, want contact %d with its 2 messages", f, id)
	}
	cu.send(frame{"type": "message", "body": "still there?", "client_msg_id": "c2"})
	cu.expect("ack")
	if m := ag.expect("message"); m.str("body") != "still there?" {
		t.Fatalf("agent got %v", m)
	}
	ag.send(frame{"type": "message", "contact_id": id, "body": "yes", "client_msg_id": "a2"})
	ag.expect("ack")
	if m := cu.expect("message"); m.str("body") != "yes" {
		t.Fatalf("customer got %v", m)
	}
	segs, err := st2.ListSegments(ctx, fx.tenant, id)
	must(t, err, "segments")
	connected := 0
	for _, s := range segs {
		if s.Kind == model.SegConnected {
			connected++
		}
		if s.Kind == model.SegQueued && s.StartedAt.After(*in.AnsweredAt) {
			t.Errorf("a queued segment after the answer: %+v", s)
		}
	}
	if connected != 1 {
		t.Errorf("%d connected segments, want 1: %+v", connected, segs)
	}
	ag.send(frame{"type": "end", "contact_id": id})
	ag.expect("ended")
	cu.expect("ended")
}

// An agent who does not sign in again within the grace loses the chat to
// its queue, where it waits for anybody.
func TestRestoredChatWaitsAgainWithoutItsAgent(t *testing.T) {
	t.Parallel()
	path := tempDB(t)
	st := openSQLite(t, path)
	fx := seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	_, _, id, token := connectedPair(t, l)
	l.stop()
	must(t, st.Close(), "close store")

	st2 := openSQLite(t, path)
	t.Cleanup(func() { st2.Close() })
	l2 := startCenter(t, st2, Options{Grace: 300 * time.Millisecond})
	cu := dial(t, l2.wsURL("/chat/"+entryAddress+"/ws"), "customer again")
	cu.send(frame{"type": "resume", "token": token, "last_seq": 2})
	cu.expect("connected")
	if f := cu.expect("queued"); !f["transferred"].(bool) {
		t.Fatalf("customer told %v, want queued (transferred)", f)
	}
	eventually(t, "the contact waiting again", func() bool {
		in, err := st2.GetInteraction(testCtx(t), fx.tenant, id)
		return err == nil && in.State == model.StateQueued
	})
}
