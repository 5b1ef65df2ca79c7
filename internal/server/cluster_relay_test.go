package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// wsClient reads and writes JSON frames.
type wsClient struct {
	t    *testing.T
	name string
	c    *websocket.Conn
}

func dialWS(t *testing.T, url, name string) *wsClient {
	t.Helper()
	c, _, err := websocket.Dial(t.Context(), url, nil)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: t, name: name, c: c}
}

func (w *wsClient) send(v any) {
	w.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(w.t.Context(), 5*time.Second)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatalf("%s: write: %v", w.name, err)
	}
}

// expect skips frames until one of type typ; the socket closing fails.
func (w *wsClient) expect(typ string) map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 30*time.Second)
	defer cancel()
	for {
		_, b, err := w.c.Read(ctx)
		if err != nil {
			w.t.Fatalf("%s: waiting for %q: %v", w.name, typ, err)
		}
		var f map[string]any
		if err := json.Unmarshal(b, &f); err != nil {
			w.t.Fatalf("%s: %q", w.name, b)
		}
		if f["type"] == typ {
			return f
		}
		w.t.Logf("%s: skipping %s", w.name, b)
	}
}

// TestRelayCarriesSessionsThroughAHandover: a waiting customer and a
// connected customer and agent, each on a node that does not own their
// tenant; the owner stops. Their sockets stay open: the waiting customer
// is told its position again, the pair go on talking, and no message is
// stored twice.
func TestRelayCarriesSessionsThroughAHandover(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dsn)
	must(t, err)
	defer st.Close()
	fx := clusterFixture{dsn: dsn, nats: natstest.Start(t).URL()}
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "relay", Name: "Relay"})
	must(t, err)
	fx.tenants = []int64{ten.ID}
	site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30_00})
	must(t, err)
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err)
	_, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: "web", QueueID: q.ID})
	must(t, err)
	ag, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina", ChatCapacity: 1})
	must(t, err)
	u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: "amina", DisplayName: "Amina", Role: model.RoleAgent, AgentID: &ag.ID})
	must(t, err)
	must(t, st.SetPassword(ctx, &ten.ID, u.ID, "correct horse battery"))

	nodes := map[string]*Server{}
	stops := map[string]context.CancelFunc{}
	for _, name := range []string{"a", "b", "c"} {
		// A per-address cap of 2: the owner gets three relayed sockets
		// from the edges, which it must not count against it.
		nodes[name], stops[name] = startCappedNode(t, fx, name, 2)
	}
	// The tenant settles on its rendezvous winner among the three (it may
	// start on the first node up and move once the others join).
	owner := cluster.Winner(ten.ID, []string{"a", "b", "c"})
	waitFor(t, "the winner running the tenant, seen by every node", func() bool {
		for _, s := range nodes {
			if n, _ := ownerNode(s.cluster.mgr.LastStatus(), ten.ID); n != owner {
				return false
			}
		}
		return nodes[owner].cluster.center(ten.ID) != nil
	})
	var edges []*Server
	for name, s := range nodes {
		if name != owner {
			edges = append(edges, s)
		}
	}
	chatURL := func(s *Server) string { return fmt.Sprintf("ws://%s/chat/web/ws", s.Addr()) }
	// The pair: customer on one edge, agent on the other.
	cu := dialWS(t, chatURL(edges[0]), "customer")
	cu.send(map[string]any{"type": "start", "name": "Ada"})
	pairID := int64(cu.expect("queued")["contact_id"].(float64))
	desk := dialWS(t, fmt.Sprintf("ws://%s/agent/ws?tenant=%d", edges[1].Addr(), ten.ID), "agent")
	desk.send(map[string]any{"type": "login", "login": "amina", "password": "correct horse battery"})
	desk.expect("logged_in")
	desk.send(map[string]any{"type": "state", "state": "ready"})
	desk.expect("offer")
	desk.send(map[string]any{"type": "accept", "contact_id": pairID})
	desk.expect("connected")
	cu.expect("connected")
	// The waiting customer (the agent's one place is taken).
	wait := dialWS(t, chatURL(edges[1]), "waiting")
	wait.send(map[string]any{"type": "start", "name": "Bob"})
	waitID := int64(wait.expect("queued")["contact_id"].(float64))
	cu.send(map[string]any{"type": "message", "body": "before", "client_msg_id": "c1"})
	cu.expect("ack")
	desk.expect("message")

	stops[owner]()
	// Told their position again by the new owner, on the same socket.
	if f := wait.expect("queued"); int64(f["contact_id"].(float64)) != waitID || f["position"].(float64) != 1 {
		t.Fatalf("waiting customer told %v", f)
	}
	cu.expect("connected")
	if f := desk.expect("connected"); int64(f["contact_id"].(float64)) != pairID {
		t.Fatalf("agent got back %v", f)
	}
	cu.send(map[string]any{"type": "message", "body": "after", "client_msg_id": "c2"})
	cu.expect("ack")
	if f := desk.expect("message"); f["body"] != "after" {
		t.Fatalf("agent got %v", f)
	}
	desk.send(map[string]any{"type": "message", "contact_id": pairID, "body": "answer", "client_msg_id": "a1"})
	desk.expect("ack")
	if f := cu.expect("message"); f["body"] != "answer" {
		t.Fatalf("customer got %v", f)
	}
	msgs, err := st.ListMessages(ctx, ten.ID, pairID, 0)
	must(t, err)
	if len(msgs) != 3 {
		t.Fatalf("stored %d messages, want 3: %+v", len(msgs), msgs)
	}
	in, err := st.GetInteraction(ctx, ten.ID, pairID)
	must(t, err)
	if in.State != model.StateConnected {
		t.Fatalf("the pair's contact is %s", in.State)
	}
}

// The relay's bookkeeping: a customer resumes from the last seq below
// which it has every message, the messages it already has are not given
// twice, and an acknowledged message is no longer sent again.
func TestRelayNotesWhatTheClientHas(t *testing.T) {
	rl := &relay{seen: map[int64]bool{}}
	rl.unacked = []pendingMsg{{key: msgKey(0, "c1"), frame: []byte(`{"type":"message","client_msg_id":"c1"}`)},
		{key: msgKey(0, "c2"), frame: []byte(`{"type":"message","client_msg_id":"c2"}`)}}
	for _, f := range []string{
		`{"type":"queued","contact_id":7,"resume_token":"tok","position":2}`,
		`{"type":"message","seq":1,"from":"agent"}`,
		`{"type":"ack","client_msg_id":"c1","seq":2}`,
		`{"type":"message","seq":4,"from":"agent"}`, // seq 3 not delivered yet
	} {
		if !rl.note([]byte(f)) {
			t.Fatalf("%s held back", f)
		}
	}
	if rl.token != "tok" || rl.contact != 7 || rl.upTo != 2 {
		t.Fatalf("token %q contact %d upTo %d, want tok 7 2", rl.token, rl.contact, rl.upTo)
	}
	if len(rl.unacked) != 1 || rl.unacked[0].key != msgKey(0, "c2") {
		t.Fatalf("unacked %+v, want c2 only", rl.unacked)
	}
	// The new owner's resume (from seq 2) sends 3 and 4: 4 is not given twice.
	if !rl.note([]byte(`{"type":"message","seq":3}`)) || rl.note([]byte(`{"type":"message","seq":4}`)) || rl.note([]byte(`{"type":"message","seq":2}`)) {
		t.Fatalf("replayed seqs: want 3 through, 2 and 4 held back")
	}
	if rl.upTo != 4 || len(rl.seen) != 0 {
		t.Fatalf("upTo %d seen %v, want 4 and none", rl.upTo, rl.seen)
	}
	if rl.over || !rl.note([]byte(`{"type":"ended"}`)) || !rl.over {
		t.Fatalf("ended: the session is over, not attached again")
	}
	// An agent: its id from logged_in, the presence it chose, acks per contact.
	ag := &relay{agent: true, seen: map[int64]bool{}, unacked: []pendingMsg{{key: msgKey(9, "a1")}}}
	ag.note([]byte(`{"type":"logged_in","agent_id":3}`))
	ag.note([]byte(`{"type":"agent_state","state":"busy","presence":"ready"}`))
	ag.note([]byte(`{"type":"ack","contact_id":8,"client_msg_id":"a1","seq":5}`))
	if ag.agentID != 3 || ag.presence != "ready" || len(ag.unacked) != 1 {
		t.Fatalf("agent %d presence %q unacked %d", ag.agentID, ag.presence, len(ag.unacked))
	}
	ag.note([]byte(`{"type":"ack","contact_id":9,"client_msg_id":"a1","seq":5}`))
	if len(ag.unacked) != 0 {
		t.Fatalf("agent's ack not noted")
	}
}

// A customer that resumes by itself through the edge (its socket had
// dropped) gives the edge its token and the seqs it has: a connected
// contact's answer carries no token.
func TestRelayLearnsTheClientsOwnResume(t *testing.T) {
	rl := &relay{seen: map[int64]bool{}}
	var f relayFrame
	must(t, json.Unmarshal([]byte(`{"type":"resume","token":"tok","last_seq":5}`), &f))
	rl.fromClientNote(f)
	if rl.token != "" {
		t.Fatalf("token kept before the owner answered")
	}
	if rl.note([]byte(`{"type":"message","seq":5}`)) {
		t.Fatalf("seq 5, which the client has, given again")
	}
	rl.note([]byte(`{"type":"connected","agent":"Amina"}`))
	if rl.token != "tok" || rl.upTo != 5 {
		t.Fatalf("token %q upTo %d, want tok 5", rl.token, rl.upTo)
	}
	// A refused token is not kept.
	other := &relay{seen: map[int64]bool{}}
	other.fromClientNote(f)
	other.note([]byte(`{"type":"error","code":"unknown_token"}`))
	if other.resuming != "" {
		t.Fatalf("a refused token still pending")
	}
	other.note([]byte(`{"type":"queued","contact_id":8,"resume_token":"new","position":1}`))
	if other.token != "new" {
		t.Fatalf("token %q, want the new chat's", other.token)
	}
}

// startCappedNode is startNode with [http] max_conns_per_address.
func startCappedNode(t *testing.T, fx clusterFixture, name string, perAddr int) (*Server, context.CancelFunc) {
	t.Helper()
	return startNodeWith(t, fx, name, func(c *Config) { c.Web.MaxConnsPerAddress = perAddr })
}
