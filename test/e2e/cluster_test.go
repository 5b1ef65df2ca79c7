package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// node is one `plateau serve --nats` process.
type node struct {
	*server
	name string
}

const agentPassword = "correct horse battery"

// othersThan is nodes without n, in their order.
func othersThan(nodes []*node, n *node) []*node {
	var out []*node
	for _, m := range nodes {
		if m != n {
			out = append(out, m)
		}
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startNode runs `plateau serve --db dsn --nats urls --node name` (and the
// extra flags) and waits until it answers /readyz.
func startNode(t *testing.T, dsn, urls, name string, extra ...string) *node {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--http", addr, "--db", dsn, "--nats", urls, "--node", name, "--log-level", "info"}, extra...)
	cmd := exec.Command(plateauBinary(t), args...)
	s := &server{cmd: cmd, base: "http://" + addr, done: make(chan struct{}), logs: &strings.Builder{}}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		s.logMu.Lock()
		defer s.logMu.Unlock()
		return s.logs.Write(p)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(s.logString()), "\n") {
				if strings.Contains(l, "cluster") || strings.Contains(l, "sip") || strings.Contains(l, "level=ERROR") {
					lines = append(lines, l)
				}
			}
			t.Logf("node %s's cluster and sip log lines:\n%s", name, strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return &node{server: s, name: name}
			}
		}
		select {
		case <-s.done:
			t.Fatalf("node %s exited:\n%s", name, s.logString())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s not ready:\n%s", name, s.logString())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type clusterView struct {
	LeaseTTLSeconds float64 `json:"lease_ttl_seconds"`
	Nodes           []struct {
		Node    string `json:"node"`
		Tenants int    `json:"tenants"`
	} `json:"nodes"`
	Leases []struct {
		TenantID   int64   `json:"tenant_id"`
		Node       string  `json:"node"`
		Epoch      int64   `json:"epoch"`
		StoreEpoch int64   `json:"store_epoch"`
		AgeSeconds float64 `json:"age_seconds"`
	} `json:"leases"`
}

func (v clusterView) owner(tid int64) (string, int64) {
	for _, l := range v.Leases {
		if l.TenantID == tid && l.Epoch == l.StoreEpoch {
			return l.Node, l.Epoch
		}
	}
	return "", 0
}

// getJSON GETs path with the token, reporting the status.
func getJSON(base, token, path string, out any) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return resp.StatusCode, json.Unmarshal(b, out)
}

// startCluster seeds three tenants (a chat queue, entry point web<i>, an
// agent agent<i>) on a fresh PostgreSQL schema and starts three nodes a, b,
// c on a JetStream cluster of three embedded NATS servers.
func startCluster(ctx context.Context, t *testing.T) (st *store.Store, token string, tenants []int64, nodes []*node, byName map[string]*node, dsn, urls string) {
	st, token, tenants, nodes, byName, dsn, urls, _ = startClusterNATS(ctx, t)
	return
}

// startClusterNATS is startCluster, with the NATS servers.
func startClusterNATS(ctx context.Context, t *testing.T) (st *store.Store, token string, tenants []int64, nodes []*node, byName map[string]*node, dsn, urls string, nats []*natstest.Server) {
	t.Helper()
	dsn = postgresDSN(t)
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, token, err = st.CreateToken(ctx, nil, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: fmt.Sprintf("brand%d", i), Name: fmt.Sprintf("Brand %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: fmt.Sprintf("web%d", i), QueueID: q.ID}); err != nil {
			t.Fatal(err)
		}
		site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30})
		if err != nil {
			t.Fatal(err)
		}
		a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", ChatCapacity: 1})
		if err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: fmt.Sprintf("agent%d", i), DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetPassword(ctx, &ten.ID, u.ID, agentPassword); err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, ten.ID)
	}
	nats = natstest.Cluster(t, 3)
	urls = natstest.URLs(nats)
	nodes = []*node{startNode(t, dsn, urls, "a"), startNode(t, dsn, urls, "b"), startNode(t, dsn, urls, "c")}
	byName = map[string]*node{}
	for _, n := range nodes {
		byName[n.name] = n
	}

	return st, token, tenants, nodes, byName, dsn, urls, nats
}

// waitSettled waits until every tenant is owned by its rendezvous winner
// among a, b and c with its epoch claimed in the store, and returns the view.
func waitSettled(t *testing.T, via *node, token string, tenants []int64) clusterView {
	t.Helper()
	nodes := []*node{via}
	// Every tenant owned, its epoch claimed in the store, spread over the
	// nodes (rendezvous: three tenants rarely land on three nodes, but
	// never all on the node that started first once the others joined).
	var view clusterView
	waitFor(t, "every tenant owned with its epoch claimed", 30*time.Second, func() bool {
		if _, err := getJSON(nodes[0].base, token, "/api/v1/cluster", &view); err != nil {
			return false
		}
		owned := 0
		for _, tid := range tenants {
			if n, _ := view.owner(tid); n != "" {
				owned++
			}
		}
		if owned != len(tenants) || len(view.Nodes) != 3 {
			return false
		}
		// Settled: each tenant on its rendezvous winner (the first node
		// took every tenant, and gives back those the others win).
		for _, tid := range tenants {
			if n, _ := view.owner(tid); n != cluster.Winner(tid, []string{"a", "b", "c"}) {
				return false
			}
		}
		return true
	})
	return view
}

// TestClusterKillNineFailover: three `plateau serve` nodes on one
// PostgreSQL and a JetStream cluster of three NATS servers share three
// tenants. Chats start on every node (a node that does not own the tenant
// relays the socket to the owner). The owner of the busiest tenant is
// killed with SIGKILL: another node takes its leases within the TTL,
// restores the waiting chats from the store, the customers resume with
// their token on a surviving node and keep their place, an agent signing in
// gets the first offer; no contact is lost or duplicated. The time from
// the kill to the first new offer is measured and logged.
func TestClusterKillNineFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, token, tenants, nodes, byName, _, _ := startCluster(ctx, t)
	view := waitSettled(t, nodes[0], token, tenants)
	owners := map[string]int{}
	for _, tid := range tenants {
		n, _ := view.owner(tid)
		owners[n]++
	}
	t.Logf("ownership: %v", owners)

	// Chats: tenant 0 is the busiest (30), the others 10 each, each
	// started on a random node.
	counts := []int{30, 10, 10}
	type chat struct {
		c      *customer
		tenant int
		pos    int
	}
	var (
		mu    sync.Mutex
		chats []*chat
		wg    sync.WaitGroup
	)
	for ti, n := range counts {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				via := nodes[rand.IntN(len(nodes))]
				url := via.ws(fmt.Sprintf("/chat/web%d/ws", ti))
				for attempt := 0; ; attempt++ {
					// 503 while the tenant moves (a client retries).
					conn, _, err := websocket.Dial(ctx, url, nil)
					if err == nil {
						conn.CloseNow()
						break
					}
					if attempt > 50 {
						t.Errorf("chat of tenant %d on %s: %v", ti, via.name, err)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
				c := dialCustomer(ctx, t, url, fmt.Sprintf(`{"type":"start","name":"T%d client %d"}`, ti, i))
				q := c.await(t, 20*time.Second, "queued")
				c.id, c.token, c.pos = q.ContactID, q.ResumeToken, q.Position
				mu.Lock()
				chats = append(chats, &chat{c: c, tenant: ti, pos: q.Position})
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	acked := len(chats)

	busy := tenants[0]
	victimName, oldEpoch := view.owner(busy)
	victim := byName[victimName]
	var survivors []*node
	for _, n := range nodes {
		if n != victim {
			survivors = append(survivors, n)
		}
	}
	t.Logf("kill -9 node %s, owner of tenant %d (epoch %d), %d chats acknowledged", victimName, busy, oldEpoch, acked)
	killedAt := time.Now()
	victim.kill()

	// An agent of the busy tenant signs in on a survivor (retrying while
	// nobody owns the tenant) and gets the first offer.
	var offerAt time.Time
	var offered int64
	for offered == 0 {
		if ctx.Err() != nil {
			t.Fatal("no offer after the kill")
		}
		conn, _, err := websocket.Dial(ctx, survivors[0].ws(fmt.Sprintf("/agent/ws?tenant=%d", busy)), nil)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		conn.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent0","password":"`+agentPassword+`"}`))
		conn.Write(ctx, websocket.MessageText, []byte(`{"type":"state","state":"ready"}`))
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				break
			}
			var f struct {
				Type      string `json:"type"`
				ContactID int64  `json:"contact_id"`
			}
			json.Unmarshal(b, &f)
			if f.Type == "offer" {
				offerAt, offered = time.Now(), f.ContactID
				break
			}
		}
		defer conn.CloseNow()
	}
	t.Logf("first new offer %v after the kill (contact %d)", offerAt.Sub(killedAt).Round(time.Millisecond), offered)
	// The first offered is the busy tenant's first arrival: places kept.
	for _, ch := range chats {
		if ch.tenant == 0 && ch.pos == 1 && ch.c.id != offered {
			t.Errorf("contact %d offered first, but contact %d was first in line", offered, ch.c.id)
		}
	}

	// Every customer resumes on a survivor with its token: same contact,
	// still waiting. The busy tenant's first arrival is the one offered.
	resumed := map[int64]bool{}
	for _, ch := range chats {
		via := survivors[rand.IntN(len(survivors))]
		var q frame
		for attempt := 0; ; attempt++ {
			url := via.ws(fmt.Sprintf("/chat/web%d/ws", ch.tenant))
			if attempt > 100 {
				t.Fatalf("contact %d did not resume on %s", ch.c.id, url)
			}
			if conn, _, err := websocket.Dial(ctx, url, nil); err != nil {
				time.Sleep(100 * time.Millisecond) // its tenant has no owner yet
				continue
			} else {
				conn.CloseNow()
			}
			c := dialCustomer(ctx, t, url, fmt.Sprintf(`{"type":"resume","token":%q}`, ch.c.token))
			f, ok := <-c.frames
			if ok && (f.Type == "queued" || f.Type == "connected") {
				q = f
				defer c.conn.CloseNow()
				break
			}
			c.conn.CloseNow()
			if attempt > 100 {
				t.Fatalf("contact %d did not resume: %+v", ch.c.id, f)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if q.Type == "queued" && q.ContactID != ch.c.id {
			t.Fatalf("resumed contact %d as %d", ch.c.id, q.ContactID)
		}
		if resumed[ch.c.id] {
			t.Fatalf("contact %d twice", ch.c.id)
		}
		resumed[ch.c.id] = true
	}

	// The records: every acknowledged contact once, none ended, and the
	// busy tenant now owned by a survivor under a newer epoch.
	open, err := st.ListOpenInteractions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, in := range open {
		if ids[in.ID] {
			t.Fatalf("contact %d listed twice", in.ID)
		}
		ids[in.ID] = true
	}
	for _, ch := range chats {
		if !ids[ch.c.id] {
			t.Errorf("contact %d (tenant %d) lost: not open after the failover", ch.c.id, ch.tenant)
		}
	}
	if len(open) != acked {
		t.Errorf("%d open contacts after the failover, %d acknowledged before", len(open), acked)
	}
	if _, err := getJSON(survivors[0].base, token, "/api/v1/cluster", &view); err != nil {
		t.Fatal(err)
	}
	newOwner, newEpoch := view.owner(busy)
	if newOwner == victimName || newOwner == "" || newEpoch <= oldEpoch {
		t.Fatalf("tenant %d after the kill: owner %q epoch %d (was %s, %d)", busy, newOwner, newEpoch, victimName, oldEpoch)
	}
	if slices.ContainsFunc(view.Nodes, func(n struct {
		Node    string `json:"node"`
		Tenants int    `json:"tenants"`
	}) bool {
		return n.Node == victimName
	}) {
		t.Errorf("the killed node %s is still listed", victimName)
	}
	t.Logf("%d contacts acknowledged, %d open after failover, none lost or duplicated; tenant %d: %s epoch %d -> %s epoch %d",
		acked, len(open), busy, victimName, oldEpoch, newOwner, newEpoch)
}

// TestClusterSIGSTOPFencing: the owner of a tenant is paused (SIGSTOP)
// past its lease with an offer in progress; another node takes the tenant
// over and restores the chat. The agent's accept and a message of the
// customer, sent to the paused node, are read when it wakes (SIGCONT): the
// woken node stops for the tenant before deciding anything (no
// "connected"), and the records show no connection and no message by it
// (the session's own write carries the node's fence too): the chat is
// answered only by the new owner.
func TestClusterSIGSTOPFencing(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, token, tenants, nodes, byName, _, _ := startCluster(ctx, t)
	view := waitSettled(t, nodes[0], token, tenants)
	tid := tenants[0]
	ownerName, oldEpoch := view.owner(tid)
	owner := byName[ownerName]
	other := othersThan(nodes, owner)[0]
	// The agent on the owner itself; a customer waits; the agent is offered it.
	agent, _, err := websocket.Dial(ctx, owner.ws(fmt.Sprintf("/agent/ws?tenant=%d", tid)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer agent.CloseNow()
	agentFrames := make(chan map[string]any, 64)
	go func() {
		defer close(agentFrames)
		for {
			_, b, err := agent.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			json.Unmarshal(b, &f)
			agentFrames <- f
		}
	}()
	agent.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent0","password":"`+agentPassword+`"}`))
	agent.Write(ctx, websocket.MessageText, []byte(`{"type":"state","state":"ready"}`))
	cust := dialCustomer(ctx, t, owner.ws("/chat/web0/ws"), `{"type":"start","name":"Ada"}`)
	q := cust.await(t, 20*time.Second, "queued")
	awaitAgent := func(typ string) map[string]any {
		t.Helper()
		for f := range agentFrames {
			if f["type"] == typ {
				return f
			}
		}
		t.Fatalf("agent socket closed before %q", typ)
		return nil
	}
	if f := awaitAgent("offer"); int64(f["contact_id"].(float64)) != q.ContactID {
		t.Fatalf("offer %v", f)
	}

	// Pause the owner; another node takes the tenant under a newer epoch.
	if err := owner.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	var newEpoch int64
	waitFor(t, "another node owns the tenant", 30*time.Second, func() bool {
		var v clusterView
		if _, err := getJSON(other.base, token, "/api/v1/cluster", &v); err != nil {
			return false
		}
		n, e := v.owner(tid)
		newEpoch = e
		return n != "" && n != ownerName && e > oldEpoch
	})
	t.Logf("tenant %d taken over %v after SIGSTOP of %s (epoch %d -> %d)", tid, time.Since(stoppedAt).Round(time.Millisecond), ownerName, oldEpoch, newEpoch)
	// The new owner restores the chat: the offer in progress goes back
	// to waiting in the records.
	waitFor(t, "the chat restored as waiting by the new owner", 30*time.Second, func() bool {
		in, err := st.GetInteraction(ctx, tid, q.ContactID)
		return err == nil && in.State == model.StateQueued
	})
	// The accept and the customer's message wait in the paused node's
	// socket buffers.
	agent.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"type":"accept","contact_id":%d}`, q.ContactID)))
	const pausedBody = "sent to the paused node"
	if err := cust.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"message","client_msg_id":"p1","body":"`+pausedBody+`"}`)); err != nil {
		t.Fatal(err)
	}
	if err := owner.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	// The woken node stops for the tenant: the agent's socket closes
	// without a "connected".
	for f := range agentFrames {
		if f["type"] == "connected" {
			t.Fatalf("the woken node connected the chat: %v", f)
		}
	}
	in, err := st.GetInteraction(ctx, tid, q.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := st.ListSegments(ctx, tid, q.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.Kind == model.SegConnected {
			t.Fatalf("a connected segment after the takeover: %+v", segs)
		}
	}
	if in.State != model.StateQueued || in.AnsweredAt != nil {
		t.Fatalf("the chat was connected by the paused node: %+v", in)
	}
	// The customer's socket on the woken node closes too (it resumes on
	// another node).
	for range cust.frames {
	}
	// The new owner serves it: the agent signs in again (on the other node)
	// and is offered the same chat.
	// (The woken node is live again and may win the tenant back: a move
	// answers 503 for a moment, and a desk retries.)
	var a2 *websocket.Conn
	waitFor(t, "the agent's socket on the new owner", 30*time.Second, func() bool {
		a2, _, err = websocket.Dial(ctx, other.ws(fmt.Sprintf("/agent/ws?tenant=%d", tid)), nil)
		return err == nil
	})
	defer a2.CloseNow()
	a2.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent0","password":"`+agentPassword+`"}`))
	a2.Write(ctx, websocket.MessageText, []byte(`{"type":"state","state":"ready"}`))
	for {
		_, b, err := a2.Read(ctx)
		if err != nil {
			t.Fatalf("no offer from the new owner: %v", err)
		}
		var f struct {
			Type      string `json:"type"`
			ContactID int64  `json:"contact_id"`
		}
		json.Unmarshal(b, &f)
		if f.Type == "offer" {
			if f.ContactID != q.ContactID {
				t.Fatalf("new owner offered %d, want %d", f.ContactID, q.ContactID)
			}
			break
		}
	}
	// The customer's message, read by the woken node, never reached the
	// records (read now, well after the node woke).
	msgs, err := st.ListMessages(ctx, tid, q.ContactID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Body == pausedBody {
			t.Fatalf("the woken node stored the message it read after losing the tenant: %+v", m)
		}
	}
	t.Logf("state %s, segments %d, messages %d: nothing written by the paused node after epoch %d", in.State, len(segs), len(msgs), newEpoch)
}

// TestClusterFailoverTimes measures the time from kill -9 of the owner of a
// tenant with a waiting chat to the first offer of that chat by the new
// owner (an agent signing in on a survivor, as a desk does again),
// PLATEAU_CLUSTER_KILLS times (the killed node is started again between
// kills), and logs p50 and max. Each kill comes at a random instant within
// a TTL after the cluster settled, so that it falls anywhere between two
// renewals; with PLATEAU_CLUSTER_KILL_PHASE=worst it comes just after the
// lease was written (its age under 100 ms), the worst case: the lease then
// lives a whole TTL after the kill. It runs only when PLATEAU_CLUSTER_KILLS
// is set (about 25 s a kill); the figures are in docs/cluster.md.
func TestClusterFailoverTimes(t *testing.T) {
	kills, _ := strconv.Atoi(os.Getenv("PLATEAU_CLUSTER_KILLS"))
	if kills <= 0 {
		t.Skip("set PLATEAU_CLUSTER_KILLS=10 to measure failover times")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(kills)*time.Minute)
	defer cancel()
	_, token, tenants, nodes, byName, dsn, urls := startCluster(ctx, t)
	tid := tenants[0]
	view := waitSettled(t, nodes[0], token, tenants)
	owner0, _ := view.owner(tid)
	cust := dialCustomer(ctx, t, byName[owner0].ws("/chat/web0/ws"), `{"type":"start","name":"Ada"}`)
	q := cust.await(t, 20*time.Second, "queued")
	var (
		times []time.Duration
		ttl   time.Duration
		worst = os.Getenv("PLATEAU_CLUSTER_KILL_PHASE") == "worst"
	)
	for i := range kills {
		view := waitSettled(t, nodes[0], token, tenants)
		ttl = time.Duration(view.LeaseTTLSeconds * float64(time.Second))
		ownerName, _ := view.owner(tid)
		if worst {
			waitFor(t, "the lease just renewed", 30*time.Second, func() bool {
				var v clusterView
				if _, err := getJSON(nodes[0].base, token, "/api/v1/cluster", &v); err != nil {
					return false
				}
				for _, l := range v.Leases {
					if l.TenantID == tid && l.Node == ownerName {
						return l.AgeSeconds < 0.1
					}
				}
				return false
			})
		} else {
			time.Sleep(rand.N(ttl))
		}
		victim := byName[ownerName]
		var survivor *node
		for _, n := range nodes {
			if n != victim {
				survivor = n
				break
			}
		}
		killedAt := time.Now()
		victim.kill()
		var took time.Duration
		for took == 0 {
			if ctx.Err() != nil {
				t.Fatal("no offer after the kill")
			}
			conn, _, err := websocket.Dial(ctx, survivor.ws(fmt.Sprintf("/agent/ws?tenant=%d", tid)), nil)
			if err != nil {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			conn.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent0","password":"`+agentPassword+`"}`))
			conn.Write(ctx, websocket.MessageText, []byte(`{"type":"state","state":"ready"}`))
			for {
				_, b, err := conn.Read(ctx)
				if err != nil {
					break
				}
				var f struct {
					Type      string `json:"type"`
					ContactID int64  `json:"contact_id"`
				}
				json.Unmarshal(b, &f)
				if f.Type == "offer" && f.ContactID == q.ContactID {
					took = time.Since(killedAt)
					break
				}
			}
			conn.CloseNow() // the offer goes back to waiting
		}
		times = append(times, took)
		// Where the time went: the new owner's log says when it ran the
		// tenant (lease taken, epoch claimed, restored) and how long the
		// restore took.
		phases := ""
		for _, n := range nodes {
			if n == victim {
				continue
			}
			logs := n.logString()
			leased, _, ok1 := lastLogged(logs, "cluster: lease acquired", tid)
			running, restored, ok2 := lastLogged(logs, "cluster: running tenant", tid)
			if ok1 && ok2 && leased.After(killedAt) {
				phases = fmt.Sprintf(" (%s took the lease %v after the kill, ran the tenant %v after, restore %s)", n.name,
					leased.Sub(killedAt).Round(time.Millisecond), running.Sub(leased).Round(time.Millisecond), restored)
			}
		}
		t.Logf("kill %d: node %s, first offer after %v%s", i+1, ownerName, took.Round(time.Millisecond), phases)
		// The killed node comes back under its name.
		n := startNode(t, dsn, urls, ownerName)
		for j := range nodes {
			if nodes[j] == victim {
				nodes[j] = n
			}
		}
		byName[ownerName] = n
	}
	slices.Sort(times)
	t.Logf("failover over %d kills (TTL %v, kill just after a renewal: %v): p50 %v, max %v", len(times), ttl, worst, times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
}

// TestClusterRelayAndNATSServerLoss: a customer on one node and an agent on
// another (neither, when it can be, the tenant's owner) exchange messages
// through the owner; then one NATS server of three is shut down: the leases
// keep being renewed with the same owners and epochs (no failover), and
// the conversation goes on.
func TestClusterRelayAndNATSServerLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_, token, tenants, nodes, _, _, _, nats := startClusterNATS(ctx, t)
	view := waitSettled(t, nodes[0], token, tenants)
	tid := tenants[0]
	ownerName, _ := view.owner(tid)
	var others []*node
	for _, n := range nodes {
		if n.name != ownerName {
			others = append(others, n)
		}
	}
	custNode, agentNode := others[0], others[1]

	agent, _, err := websocket.Dial(ctx, agentNode.ws(fmt.Sprintf("/agent/ws?tenant=%d", tid)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer agent.CloseNow()
	agentFrames := make(chan map[string]any, 64)
	go func() {
		defer close(agentFrames)
		for {
			_, b, err := agent.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			json.Unmarshal(b, &f)
			agentFrames <- f
		}
	}()
	awaitAgent := func(typ string) map[string]any {
		t.Helper()
		for f := range agentFrames {
			if f["type"] == typ {
				return f
			}
		}
		t.Fatalf("agent socket closed before %q", typ)
		return nil
	}
	agent.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent0","password":"`+agentPassword+`"}`))
	awaitAgent("logged_in")
	agent.Write(ctx, websocket.MessageText, []byte(`{"type":"state","state":"ready"}`))
	cust := dialCustomer(ctx, t, custNode.ws("/chat/web0/ws"), `{"type":"start","name":"Ada"}`)
	q := cust.await(t, 20*time.Second, "queued")
	awaitAgent("offer")
	agent.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"type":"accept","contact_id":%d}`, q.ContactID)))
	awaitAgent("connected")
	cust.await(t, 20*time.Second, "connected")
	exchange := func(n int) {
		t.Helper()
		cust.say(ctx, t, fmt.Sprintf("c%d", n), fmt.Sprintf("question %d", n))
		if f := awaitAgent("message"); f["body"] != fmt.Sprintf("question %d", n) {
			t.Fatalf("agent got %v", f)
		}
		agent.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"type":"message","contact_id":%d,"body":"answer %d","client_msg_id":"a%d"}`, q.ContactID, n, n)))
		for {
			f := cust.await(t, 20*time.Second, "message")
			if f.From == "agent" && f.Body == fmt.Sprintf("answer %d", n) {
				return
			}
		}
	}
	exchange(1)
	t.Logf("customer on %s, agent on %s, owner %s: messages both ways", custNode.name, agentNode.name, ownerName)

	// One NATS server of three goes.
	nats[0].Shutdown()
	downAt := time.Now()
	before := map[int64]int64{}
	for _, l := range view.Leases {
		before[l.TenantID] = l.Epoch
	}
	waitFor(t, "every lease renewed well after the NATS server went", 40*time.Second, func() bool {
		var v clusterView
		if _, err := getJSON(agentNode.base, token, "/api/v1/cluster", &v); err != nil || len(v.Leases) != len(tenants) {
			return false
		}
		for _, l := range v.Leases {
			if time.Since(downAt).Seconds()-l.AgeSeconds < 5 { // renewed at least 5 s after the loss
				return false
			}
		}
		view = v
		return true
	})
	for _, l := range view.Leases {
		if l.Epoch != before[l.TenantID] {
			t.Errorf("tenant %d changed hands after the NATS server's loss: epoch %d -> %d (%s)", l.TenantID, before[l.TenantID], l.Epoch, l.Node)
		}
	}
	exchange(2)
	t.Logf("one NATS server of three down for %v: same owners and epochs, the conversation goes on", time.Since(downAt).Round(time.Second))
}

// lastLogged finds, in a node's text log, its last line with the message
// msg about the tenant: when it was logged and its restored_in (if any).
func lastLogged(logs, msg string, tid int64) (at time.Time, restored string, ok bool) {
	for _, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, `msg="`+msg+`"`) || !strings.Contains(l, fmt.Sprintf(" tenant=%d ", tid)) {
			continue
		}
		var ts time.Time
		var rin string
		for _, f := range strings.Fields(l) {
			if v, found := strings.CutPrefix(f, "time="); found {
				ts, _ = time.Parse(time.RFC3339Nano, v)
			}
			if v, found := strings.CutPrefix(f, "restored_in="); found {
				rin = v
			}
		}
		if !ts.IsZero() {
			at, restored, ok = ts, rin, true
		}
	}
	return at, restored, ok
}
