package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

type clusterFixture struct {
	dsn, nats string
	tenants   []int64
}

func startNode(t testing.TB, fx clusterFixture, name string) (*Server, context.CancelFunc) {
	t.Helper()
	return startNodeWith(t, fx, name, nil)
}

// startNodeWith starts node name of the cluster fx, its configuration
// changed by with (when not nil); the returned stop (also run at the
// test's end) waits for it.
func startNodeWith(t testing.TB, fx clusterFixture, name string, with func(*Config)) (*Server, context.CancelFunc) {
	t.Helper()
	cfg := Defaults()
	cfg.HTTP, cfg.DB = "127.0.0.1:0", fx.dsn
	cfg.Cluster = ClusterConfig{NATS: fx.nats, Node: name, LeaseTTL: Duration{2 * time.Second}}
	if with != nil {
		with(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Open(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		cancel()
		t.Fatalf("open node %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node %s: %v", name, err)
		}
	}
	t.Cleanup(stop)
	return srv, stop
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoNodesSpreadForwardAndTakeOver: two nodes on one PostgreSQL and
// one NATS share the tenants; a chat started on either node reaches its
// tenant's owner; when a node stops, the other takes its tenants over with
// newer epochs and restores their waiting chats.
func TestTwoNodesSpreadForwardAndTakeOver(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fx := clusterFixture{dsn: dsn, nats: natstest.Start(t).URL()}
	for i := range 6 {
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: fmt.Sprintf("t%d", i), Name: fmt.Sprintf("Tenant %d", i)})
		must(t, err)
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
		must(t, err)
		_, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: fmt.Sprintf("web%d", i), QueueID: q.ID})
		must(t, err)
		fx.tenants = append(fx.tenants, ten.ID)
	}
	a, _ := startNode(t, fx, "a")
	b, stopB := startNode(t, fx, "b")
	waitFor(t, "every tenant run by one node, both nodes used", func() bool {
		na, nb := len(a.cluster.mgr.Held()), len(b.cluster.mgr.Held())
		return na+nb == len(fx.tenants) && na > 0 && nb > 0 && len(a.cluster.gatherers())+len(b.cluster.gatherers()) == len(fx.tenants)
	})
	// Every chat is started on node a: b's tenants' sockets are relayed to b.
	ids := map[int64]int64{}
	for i, tid := range fx.tenants {
		conn, _, err := websocket.Dial(ctx, fmt.Sprintf("ws://%s/chat/web%d/ws", a.Addr(), i), nil)
		if err != nil {
			t.Fatalf("chat of tenant %d on node a: %v", tid, err)
		}
		defer conn.CloseNow()
		must(t, conn.Write(ctx, websocket.MessageText, []byte(`{"type":"start","name":"Ada"}`)))
		_, b, err := conn.Read(ctx)
		must(t, err)
		var f struct {
			Type      string `json:"type"`
			ContactID int64  `json:"contact_id"`
			Position  int    `json:"position"`
		}
		must(t, json.Unmarshal(b, &f))
		if f.Type != "queued" || f.Position != 1 {
			t.Fatalf("tenant %d: %s", tid, b)
		}
		ids[tid] = f.ContactID
	}
	bHeld := b.cluster.mgr.Held()
	epochs := map[int64]int64{}
	for _, tid := range bHeld {
		epochs[tid], _ = b.cluster.mgr.Epoch(tid)
	}
	// b stops: a runs every tenant, under newer epochs, with b's waiting
	// chats restored.
	stopB()
	// Held counts a lease whose center is still being restored: wait for
	// the centers too.
	waitFor(t, "a runs every tenant", func() bool {
		return len(a.cluster.mgr.Held()) == len(fx.tenants) && len(a.cluster.gatherers()) == len(fx.tenants)
	})
	claimed, err := st.TenantEpochs(ctx)
	must(t, err)
	for _, e := range claimed {
		held, _ := a.cluster.mgr.Epoch(e.TenantID)
		if e.Node != "a" || e.Epoch != held {
			t.Errorf("tenant %d: store epoch %+v, a holds %d", e.TenantID, e, held)
		}
		if old, ok := epochs[e.TenantID]; ok && e.Epoch <= old {
			t.Errorf("tenant %d: epoch %d not after b's %d", e.TenantID, e.Epoch, old)
		}
	}
	for _, tid := range bHeld {
		snap, err := a.cluster.center(tid).Snapshot(ctx, tid)
		must(t, err)
		if len(snap.Queues) != 1 || snap.Queues[0].Waiting != 1 || snap.Queues[0].Contacts[0].ContactID != ids[tid] {
			t.Fatalf("tenant %d after the takeover: %+v", tid, snap.Queues)
		}
	}
	cs, err := a.cluster.Status(ctx)
	must(t, err)
	if len(cs.Nodes) != 1 || cs.Nodes[0].Node != "a" || len(cs.Leases) != len(fx.tenants) {
		t.Fatalf("status %+v", cs)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
