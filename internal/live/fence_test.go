package live

import (
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestSessionWritesFenced: what a session's goroutine stores itself (a
// customer's new chat and messages, an agent's messages and wrap-up) carries
// the node's fence too. A node paused past its lease still believes it
// holds epoch 3 when it wakes, but another node has claimed epoch 4: the
// frames it reads then are refused, and none reaches the records.
func TestSessionWritesFenced(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 60)
	ctx := testCtx(t)
	fence := &believes{m: map[int64]int64{fx.tenant: 3}}
	must(t, st.ClaimTenant(ctx, fx.tenant, 3, "a"), "claim")
	l := startCenter(t, st, Options{Tenant: fx.tenant, Fence: fence})

	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	talking, q1 := startChat(t, l, "Ada", "")
	ag.send(frame{"type": "accept", "contact_id": ag.expect("offer").num("contact_id")})
	ag.expect("connected")
	talking.expect("connected")
	ended, q2 := startChat(t, l, "Bob", "")
	ag.send(frame{"type": "accept", "contact_id": ag.expect("offer").num("contact_id")})
	ag.expect("connected", func(f frame) bool { return f.num("contact_id") == q2.num("contact_id") })
	ended.expect("connected")
	ag.send(frame{"type": "end", "contact_id": q2.num("contact_id")})
	ag.expect("ended")
	eventually(t, "the end stored", func() bool {
		in, _ := st.GetInteraction(ctx, fx.tenant, q2.num("contact_id"))
		return in.State == model.StateWrapUp
	})

	// Node b takes the tenant over while this node sleeps.
	must(t, st.ClaimTenant(ctx, fx.tenant, 4, "b"), "b claims")
	talking.send(frame{"type": "message", "body": "stale from the customer", "client_msg_id": "c1"})
	talking.expectError(codeUnavailable)
	ag.send(frame{"type": "message", "contact_id": q1.num("contact_id"), "body": "stale from the agent", "client_msg_id": "g1"})
	ag.expectError(codeUnavailable)
	ag.send(frame{"type": "wrap_up", "contact_id": q2.num("contact_id"), "disposition": "sale", "notes": "stale"})
	ag.expectError(codeUnavailable)
	late := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), "Cleo")
	late.send(frame{"type": "start", "name": "Cleo"})
	late.expectError(codeUnavailable)

	for _, id := range []int64{q1.num("contact_id"), q2.num("contact_id")} {
		msgs, err := st.ListMessages(ctx, fx.tenant, id, 0)
		must(t, err, "messages")
		if len(msgs) != 0 {
			t.Errorf("contact %d: messages stored by a fenced node: %+v", id, msgs)
		}
		notes, err := st.ListNotes(ctx, fx.tenant, id)
		must(t, err, "notes")
		if len(notes) != 0 {
			t.Errorf("contact %d: notes stored by a fenced node: %+v", id, notes)
		}
	}
	if in, _ := st.GetInteraction(ctx, fx.tenant, q2.num("contact_id")); in.Disposition != "" {
		t.Errorf("a fenced node stored the wrap-up: %+v", in)
	}
	open, err := st.ListOpenInteractions(ctx)
	must(t, err, "open contacts")
	for _, in := range open {
		if in.ID != q1.num("contact_id") && in.ID != q2.num("contact_id") {
			t.Errorf("a fenced node stored a new chat: %+v", in)
		}
	}
}
