package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/store"
)

// startSIPNode is startNode (cluster_test.go) with SIP on a free port of
// 127.0.0.1 (the node advertises it in the cluster's registry).
func startSIPNode(t *testing.T, dsn, urls, name string) *node {
	t.Helper()
	return startNode(t, dsn, urls, name, "--sip", "127.0.0.1:0", "--data", t.TempDir())
}

// sipNodes reads each live node's advertised SIP address.
func sipNodes(t *testing.T, via *node, token string) map[string]string {
	t.Helper()
	var v struct {
		Nodes []struct {
			Node string `json:"node"`
			SIP  string `json:"sip"`
		} `json:"nodes"`
	}
	if _, err := getJSON(via.base, token, "/api/v1/cluster", &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range v.Nodes {
		out[n.Node] = n.SIP
	}
	return out
}

// TestClusterSIPRedirectAndKillNine: three `plateau serve --sip` nodes on
// one PostgreSQL and a JetStream cluster of three NATS servers. A call to a
// tenant's number sent to a node that does not own the tenant is
// redirected (302 to the owner's advertised SIP address), answered by the
// owner and reaches the agent, whose phone registered through another node
// the same way; a second call waits in the queue. The owner is killed with
// SIGKILL: after the takeover both contacts are closed in PostgreSQL with a
// system cause (failed; the bridged one answered, neither abandoned), and a
// new call sent to a survivor is answered (while nobody owns the tenant a
// survivor answers 503 with Retry-After).
func TestClusterSIPRedirectAndKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dsn := postgresDSN(t)
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, token, err := st.CreateToken(ctx, nil, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	var tenants []int64
	for i := range 3 {
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: fmt.Sprintf("voice%d", i), Name: fmt.Sprintf("Voice %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "phone", Channel: model.ChannelVoice, Priority: 1, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, WrapUpSeconds: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryPhone, Address: fmt.Sprintf("200%d", i), QueueID: q.ID}); err != nil {
			t.Fatal(err)
		}
		site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30_00})
		if err != nil {
			t.Fatal(err)
		}
		a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", VoiceCapacity: 1})
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: fmt.Sprintf("vagent%d", i), DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetPassword(ctx, &ten.ID, u.ID, agentPassword); err != nil {
			t.Fatal(err)
		}
		if err := st.SetSIPAccount(ctx, ten.ID, a.ID, fmt.Sprintf("phone%d", i), sip.DefaultRealm, "phone-secret-1"); err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, ten.ID)
	}
	urls := natstest.URLs(natstest.Cluster(t, 3))
	nodes := []*node{startSIPNode(t, dsn, urls, "a"), startSIPNode(t, dsn, urls, "b"), startSIPNode(t, dsn, urls, "c")}
	byName := map[string]*node{}
	for _, n := range nodes {
		byName[n.name] = n
	}
	view := waitSettled(t, nodes[0], token, tenants)
	sips := sipNodes(t, nodes[0], token)
	tid := tenants[0]
	ownerName, _ := view.owner(tid)
	owner := byName[ownerName]
	others := othersThan(nodes, owner)
	ownerSIP := sips[ownerName]
	t.Logf("tenant %d owned by %s (sip %s); nodes' SIP: %v", tid, ownerName, ownerSIP, sips)

	// follow dials number at the node at addr, following its redirects as
	// a carrier does (a second one when the first node's view of the
	// bucket, at most TTL/10 old, predates a move).
	follow := func(t *testing.T, ctx context.Context, addr, from, number string) (*sip.PhoneCall, string, error) {
		for range 3 {
			p, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: addr, Username: from})
			if err != nil {
				t.Fatal(err)
			}
			call, err := p.Dial(ctx, number)
			code, to, ok := sip.Redirected(err)
			if !ok {
				return call, addr, err
			}
			if code != 302 {
				t.Fatalf("call at %s redirected with %d", addr, code)
			}
			addr = to
		}
		return nil, addr, errors.New("redirected three times")
	}

	// The agent's phone registers through a node that is not the owner:
	// redirected, it registers at the owner.
	rung := make(chan *sip.PhoneCall, 1)
	regAt, redirects := sips[others[0].name], 0
	for {
		phone, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: regAt, Username: "phone0", Password: "phone-secret-1"})
		if err != nil {
			t.Fatal(err)
		}
		phone.Answer(func(c *sip.PhoneCall) { rung <- c })
		err = phone.Register(ctx, time.Hour)
		if err == nil {
			break
		}
		code, to, ok := sip.Redirected(err)
		if !ok || code != 302 || redirects == 3 {
			t.Fatalf("register at %s: %v", regAt, err)
		}
		regAt, redirects = to, redirects+1
	}
	if regAt != ownerSIP || redirects == 0 {
		t.Fatalf("the phone registered at %s after %d redirects, want the owner %s after one or more", regAt, redirects, ownerSIP)
	}
	// The desk, on a node that is not the owner (relayed), goes ready.
	desk, _, err := websocket.Dial(ctx, others[1].ws(fmt.Sprintf("/agent/ws?tenant=%d", tid)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer desk.CloseNow()
	expect := func(typ string) map[string]any {
		for {
			_, b, err := desk.Read(ctx)
			if err != nil {
				t.Fatalf("desk: waiting for %s: %v", typ, err)
			}
			var f map[string]any
			json.Unmarshal(b, &f)
			if f["type"] == typ {
				return f
			}
		}
	}
	desk.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"vagent0","password":"`+agentPassword+`"}`))
	expect("logged_in")
	desk.Write(ctx, websocket.MessageText, []byte(`{"type":"state","state":"ready"}`))

	// Call 1, sent to a node that is not the owner: redirected, answered
	// by the owner, offered to the agent, bridged.
	call1, at, err := follow(t, ctx, sips[others[0].name], "+33612345678", "2000")
	if err != nil || at != ownerSIP {
		t.Fatalf("call 1: answered at %s (owner %s): %v", at, ownerSIP, err)
	}
	id1 := int64(expect("offer")["contact_id"].(float64))
	select {
	case <-rung:
	case <-ctx.Done():
		t.Fatal("the agent's phone did not ring")
	}
	expect("connected")
	// Call 2, through the other node: answered by the owner, waits.
	call2, at, err := follow(t, ctx, sips[others[1].name], "+33687654321", "2000")
	if err != nil || at != ownerSIP {
		t.Fatalf("call 2: answered at %s (owner %s): %v", at, ownerSIP, err)
	}
	_, _ = call1, call2
	var id2 int64
	waitFor(t, "call 1 connected and call 2 queued in the store", 10*time.Second, func() bool {
		open, err := st.ListOpenInteractions(ctx)
		if err != nil {
			return false
		}
		connected := false
		for _, in := range open {
			switch {
			case in.ID == id1:
				connected = in.State == model.StateConnected
			case in.TenantID == tid && in.Channel == model.ChannelVoice && in.State == model.StateQueued:
				id2 = in.ID
			}
		}
		return connected && id2 != 0
	})

	// kill -9 the owner: the calls' signalling and media die with it.
	t.Logf("kill -9 node %s with call %d bridged and call %d queued", ownerName, id1, id2)
	killedAt := time.Now()
	owner.kill()

	// New calls to a survivor: refused (503 with Retry-After) or sent to
	// the dead owner while its lease and registry entry age out (a
	// carrier's retry); answered once a survivor runs the tenant.
	survivor := others[0]
	seen := map[string]int{}
	var answered *sip.PhoneCall
	var answeredAt string
	for answered == nil {
		if ctx.Err() != nil {
			t.Fatalf("no call answered after the kill (answers seen: %v)", seen)
		}
		actx, acancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sips[survivor.name], Username: "+33699999999"})
		if err != nil {
			t.Fatal(err)
		}
		call, err := p.Dial(actx, "2000")
		code, to, redirected := sip.Redirected(err)
		refused, retry := sip.Refused(err)
		switch {
		case err == nil:
			answered, answeredAt = call, sips[survivor.name]
		case redirected && to == ownerSIP:
			seen["302 to the dead owner"]++
		case redirected && code == 302:
			seen["302 to a survivor"]++
			p2, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: to, Username: "+33699999999"})
			if err != nil {
				t.Fatal(err)
			}
			call, err = p2.Dial(actx, "2000")
			if err == nil {
				answered, answeredAt = call, to
			} else if c, r := sip.Refused(err); c == 503 && r > 0 {
				seen["503 at the new owner"]++
			} else if _, _, again := sip.Redirected(err); again {
				seen["302 again (a view predating the takeover)"]++
			} else if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("call redirected to %s after the kill: %v", to, err)
			}
		case refused == 503 && retry > 0:
			seen["503 Retry-After"]++
		default:
			t.Fatalf("call at %s after the kill: %v", survivor.name, err)
		}
		acancel()
		if answered == nil {
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("a new call answered at %s %.1fs after the kill; answers before: %v", answeredAt, time.Since(killedAt).Seconds(), seen)
	if answeredAt == ownerSIP {
		t.Fatal("answered at the dead owner's address")
	}

	// Both calls of the dead node are closed with the system cause.
	for _, id := range []int64{id1, id2} {
		waitFor(t, fmt.Sprintf("call %d closed", id), 10*time.Second, func() bool {
			in, err := st.GetInteraction(ctx, tid, id)
			return err == nil && in.State == model.StateEnded
		})
		in, err := st.GetInteraction(ctx, tid, id)
		if err != nil {
			t.Fatal(err)
		}
		if in.EndedReason != model.EndFailed || (id == id1) != (in.AnsweredAt != nil) {
			t.Errorf("call %d after the takeover: ended %q, answered at %v; want failed, answered only for the bridged one", id, in.EndedReason, in.AnsweredAt)
		}
		segs, err := st.ListSegments(ctx, tid, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range segs {
			if s.EndedAt == nil || s.Kind == model.SegAbandoned {
				t.Errorf("call %d: segment %s (ended %v)", id, s.Kind, s.EndedAt)
			}
		}
	}
	if err := answered.Hangup(ctx); err != nil {
		t.Errorf("hang up the call answered after the takeover: %v", err)
	}
}
