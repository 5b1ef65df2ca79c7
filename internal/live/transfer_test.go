package live

import (
	"slices"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// secondAgent adds an agent (display name Bea) who can sign in as "bea".
func secondAgent(t *testing.T, st *store.Store, fx fixture) {
	t.Helper()
	ctx := testCtx(t)
	first, err := st.GetAgent(ctx, fx.tenant, fx.agent)
	must(t, err, "first agent")
	b, err := st.CreateAgent(ctx, fx.tenant, model.Agent{SiteID: first.SiteID, Name: "Bea Martin", ChatCapacity: 1})
	must(t, err, "agent")
	u, err := st.CreateUser(ctx, &fx.tenant, model.User{Login: "bea", DisplayName: "Bea", Role: model.RoleAgent, AgentID: &b.ID})
	must(t, err, "user")
	must(t, st.SetPassword(ctx, &fx.tenant, u.ID, agentPassword), "password")
}

func loginAs(t *testing.T, l *live, login string) *client {
	t.Helper()
	a := dial(t, l.wsURL("/agent/ws"), login)
	a.send(frame{"type": "login", "login": login, "password": agentPassword})
	a.expect("logged_in")
	return a
}

func TestAgentTransfersChat(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 30)
	secondAgent(t, st, fx)
	ctx := testCtx(t)
	sales, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "sales", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "second queue")
	l := startCenter(t, st, Options{})

	ada, q := startChat(t, l, "Ada", "")
	id := q.num("contact_id")
	amina := loginAgent(t, l)
	amina.send(frame{"type": "state", "state": "ready"})
	amina.expect("offer")
	amina.send(frame{"type": "accept", "contact_id": id})
	amina.expect("connected")
	ada.expect("connected")

	// An internal note: back to the agent, never to the customer.
	amina.send(frame{"type": "note", "contact_id": id, "body": "Parcel 12 lost"})
	if n := amina.expect("note"); frame(n["note"].(map[string]any)).str("kind") != "note" {
		t.Fatalf("note %v", n)
	}
	// A note on a contact that is not the agent's is refused.
	amina.send(frame{"type": "note", "contact_id": fx.history, "body": "x"})
	amina.expectError("bad_state")

	bea := loginAs(t, l, "bea")
	bea.send(frame{"type": "state", "state": "ready"})
	bea.expect("agent_state", func(f frame) bool { return f.str("state") == "ready" })

	amina.send(frame{"type": "transfer_targets", "contact_id": id})
	tt := amina.expect("transfer_targets")
	agents, _ := tt["agents"].([]any)
	queues, _ := tt["queues"].([]any)
	if len(agents) != 1 || frame(agents[0].(map[string]any)).str("name") != "Bea" || agents[0].(map[string]any)["available"] != true ||
		len(queues) != 1 || frame(queues[0].(map[string]any)).num("queue_id") != sales.ID {
		t.Fatalf("transfer targets %v", tt)
	}

	// Refusals: neither or both targets, another tenant's agent.
	amina.send(frame{"type": "transfer", "contact_id": id})
	amina.expectError("bad_frame")
	amina.send(frame{"type": "transfer", "contact_id": id, "agent_id": 99999})
	amina.expectError("invalid")

	// To Bea by name, with a note for her.
	amina.send(frame{"type": "transfer", "contact_id": id, "agent_id": agents[0].(map[string]any)["agent_id"], "notes": "Refund promised"})
	if f := amina.expect("ended"); f["transferred"] != true || f["wrap_up"] != true {
		t.Fatalf("transferring agent got %v", f)
	}
	if f := ada.expect("queued"); f["transferred"] != true || f.num("contact_id") != id {
		t.Fatalf("customer got %v, want queued (transferred)", f)
	}
	bea.expect("offer", func(f frame) bool { return f.num("contact_id") == id })
	bea.send(frame{"type": "accept", "contact_id": id})
	conn := bea.expect("connected")
	notes, _ := conn["notes"].([]any)
	if len(notes) != 2 || frame(notes[0].(map[string]any)).str("body") != "Parcel 12 lost" ||
		frame(notes[1].(map[string]any)).str("kind") != "transfer" || frame(notes[1].(map[string]any)).str("author") != "Amina" {
		t.Fatalf("the next agent's notes %v", conn["notes"])
	}
	if f := ada.expect("connected"); f.str("agent") != "Bea" {
		t.Fatalf("customer connected %v", f)
	}
	// Amina finishes her wrap-up: her notes become an internal note.
	amina.send(frame{"type": "wrap_up", "contact_id": id, "disposition": "", "notes": "Told her Bea handles refunds"})
	amina.expect("wrap_up_done", func(f frame) bool { return f.num("contact_id") == id })
	// Bea, connected before it was written, gets it at once.
	if f := bea.expect("note"); frame(f["note"].(map[string]any)).str("body") != "Told her Bea handles refunds" {
		t.Fatalf("the wrap-up note to the agent holding the contact %v", f)
	}

	// A supervisor's private note reaches Bea, not Ada.
	n, err := l.c.WhisperToAgent(ctx, fx.tenant, id, 1, "Sam", "Offer the voucher")
	must(t, err, "whisper")
	if f := bea.expect("note"); frame(f["note"].(map[string]any)).str("body") != "Offer the voucher" || n.Kind != model.NoteSupervisor {
		t.Fatalf("whisper %v", f)
	}
	w, err := l.c.WatchChat(ctx, fx.tenant, id, 0)
	must(t, err, "watch")
	if len(w.Notes) != 4 || w.Agent != "Bea Martin" {
		t.Fatalf("watched %+v", w)
	}

	// Bea sends it on to the sales queue, which Amina serves too.
	bea.send(frame{"type": "transfer", "contact_id": id, "queue_id": sales.ID})
	if f := bea.expect("ended"); f["transferred"] != true || f["wrap_up"] != true {
		t.Fatalf("second transfer, agent got %v", f)
	}
	if f := ada.expect("queued"); f["transferred"] != true {
		t.Fatalf("customer got %v", f)
	}
	if f := amina.expect("offer"); f.num("contact_id") != id || f.num("queue") != sales.ID {
		t.Fatalf("offer after the transfer to sales %v", f)
	}
	// Ada writes while waiting.
	ada.send(frame{"type": "message", "body": "Still there?", "client_msg_id": "a9"})
	ada.expect("ack")
	eventually(t, "the second transfer stored", func() bool {
		in, err := st.GetInteraction(ctx, fx.tenant, id)
		must(t, err, "get")
		return in.QueueID == sales.ID && in.State == model.StateOffered
	})
	in, err := st.GetInteraction(ctx, fx.tenant, id)
	must(t, err, "get")
	if !slices.Equal(in.QueuePath, []int64{fx.queue, sales.ID}) || in.AnsweredAt == nil || in.ArrivedAt.After(*in.AnsweredAt) {
		t.Fatalf("stored %+v: want the path chat → sales, the first answer kept", in)
	}
	segs, err := st.ListSegments(ctx, fx.tenant, id)
	must(t, err, "segments")
	var kinds []model.SegmentKind
	connectedBy := map[int64]bool{}
	for _, s := range segs {
		kinds = append(kinds, s.Kind)
		if s.Kind == model.SegConnected && s.AgentID != nil {
			connectedBy[*s.AgentID] = true
		}
	}
	if slices.Index(kinds, model.SegTransferred) < 0 || len(connectedBy) != 2 || kinds[len(kinds)-1] != model.SegOffered {
		t.Fatalf("segments %v, want two connected (one per agent), transferred markers, offered last", kinds)
	}
	// The customer's frames never carried a note.
	ada.send(frame{"type": "leave"})
	for {
		f, err := ada.read(2 * time.Second)
		if err != nil {
			break
		}
		if f.str("type") == "note" {
			t.Fatalf("the customer got a note: %v", f)
		}
	}
}
