package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/plateau-cc/plateau/internal/cluster/natstest"
)

func TestWinnerSpreadsAndMovesLittle(t *testing.T) {
	nodes := []string{"a", "b", "c"}
	count := map[string]int{}
	owner := map[int64]string{}
	for id := int64(1); id <= 3000; id++ {
		w := Winner(id, nodes)
		count[w]++
		owner[id] = w
	}
	for _, n := range nodes {
		if count[n] < 850 || count[n] > 1150 {
			t.Errorf("node %s wins %d of 3000 tenants, want about 1000: %v", n, count[n], count)
		}
	}
	// c leaves: only c's tenants move.
	for id, was := range owner {
		now := Winner(id, []string{"a", "b"})
		if was != "c" && now != was {
			t.Fatalf("tenant %d moved from %s to %s when c left", id, was, now)
		}
	}
	if Winner(1, nil) != "" {
		t.Error("a tenant has a winner among no nodes")
	}
}

// recorder is a manager's callbacks.
type recorder struct {
	mu       sync.Mutex
	acquired map[int64]int64
	lost     []int64
}

func (r *recorder) epochs() map[int64]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int64]int64{}
	for k, v := range r.acquired {
		out[k] = v
	}
	return out
}

func (r *recorder) lostList() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lost)
}

func newManager(t *testing.T, nc *nats.Conn, node string, tenants []int64, ttl time.Duration) (*Manager, *recorder) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{acquired: map[int64]int64{}}
	m, err := New(context.Background(), js, Options{Node: node, TTL: ttl,
		Tenants: func(context.Context) ([]int64, error) { return tenants, nil },
		Acquired: func(_ context.Context, id, epoch int64) error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.acquired[id] = epoch
			return nil
		},
		Lost: func(id int64) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			delete(rec.acquired, id)
			rec.lost = append(rec.lost, id)
		}})
	if err != nil {
		t.Fatal(err)
	}
	return m, rec
}

var tenants = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

func status(t *testing.T, kv jetstream.KeyValue) Status {
	t.Helper()
	st, err := ReadStatus(context.Background(), kv)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkExclusive: every tenant is held by exactly one of the managers, its
// rendezvous winner among them, with the bucket's epoch.
func checkExclusive(t *testing.T, ms ...*Manager) {
	t.Helper()
	for _, e := range exclusiveErrs(t, ms...) {
		t.Error(e)
	}
}

// eventuallyExclusive is checkExclusive after the managers have stepped
// until it holds, for at most 10 s: a JetStream cluster that just lost a
// server elects new stream leaders, and a machine under load may step
// later than a short TTL (the lease is then lost and taken again).
func eventuallyExclusive(t *testing.T, ctx context.Context, ms ...*Manager) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		errs := exclusiveErrs(t, ms...)
		if len(errs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, e := range errs {
				t.Error(e)
			}
			return
		}
		for _, m := range ms {
			m.Step(ctx)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func exclusiveErrs(t *testing.T, ms ...*Manager) []string {
	t.Helper()
	var names, errs []string
	for _, m := range ms {
		names = append(names, m.Node())
	}
	st := status(t, ms[0].KV())
	leases := map[int64]LeaseInfo{}
	for _, l := range st.Leases {
		leases[l.TenantID] = l
	}
	for _, id := range tenants {
		var holders []string
		for _, m := range ms {
			if e, ok := m.Epoch(id); ok {
				holders = append(holders, m.Node())
				if l := leases[id]; l.Node != m.Node() || l.Epoch != e {
					errs = append(errs, fmt.Sprintf("tenant %d: %s holds epoch %d, the bucket says %+v", id, m.Node(), e, l))
				}
			}
		}
		if len(holders) != 1 || holders[0] != Winner(id, names) {
			errs = append(errs, fmt.Sprintf("tenant %d held by %v, want only %s", id, holders, Winner(id, names)))
		}
	}
	return errs
}

func TestLeasesSpreadRebalanceAndRelease(t *testing.T) {
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv.URL())
	ctx := context.Background()
	a, ra := newManager(t, nc, "a", tenants, 5*time.Second)
	a.Step(ctx)
	if got := a.Held(); !slices.Equal(got, tenants) {
		t.Fatalf("alone, a holds %v, want every tenant", got)
	}
	b, rb := newManager(t, nc, "b", tenants, 5*time.Second)
	b.Step(ctx) // b registers; a still holds everything: b creates nothing
	if len(b.Held()) != 0 {
		t.Fatalf("b took %v while a held every lease", b.Held())
	}
	a.Step(ctx) // a gives back what b wins
	b.Step(ctx)
	checkExclusive(t, a, b)
	if len(a.Held()) == 0 || len(b.Held()) == 0 {
		t.Fatalf("not spread: a %v, b %v", a.Held(), b.Held())
	}
	// The callbacks saw the same: b's epochs are after a's first ones.
	for id, e := range rb.epochs() {
		if _, ok := ra.epochs()[id]; ok {
			t.Errorf("tenant %d acquired by both", id)
		}
		if ea, _ := a.Epoch(id); ea != 0 {
			t.Errorf("a still answers an epoch for b's tenant %d", id)
		}
		if e <= 0 {
			t.Errorf("tenant %d: epoch %d", id, e)
		}
	}
	if lost := ra.lostList(); len(lost) != len(b.Held()) {
		t.Errorf("a lost %v, b holds %v", lost, b.Held())
	}
	// a stops cleanly: its leases are given back at once and b takes them
	// at its next round, without waiting for the TTL.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	time.Sleep(50 * time.Millisecond)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := status(t, b.KV()); slices.Contains(st.NodeNames(), "a") {
		t.Fatalf("a's node key left after its stop: %v", st.NodeNames())
	}
	b.Step(ctx)
	if got := b.Held(); !slices.Equal(got, tenants) {
		t.Fatalf("after a stopped, b holds %v, want every tenant", got)
	}
}

func TestFailoverAfterTTLWithHigherEpochs(t *testing.T) {
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv.URL())
	ctx := context.Background()
	ttl := time.Second
	a, ra := newManager(t, nc, "a", tenants, ttl)
	a.Step(ctx)
	before := map[int64]int64{}
	for _, id := range tenants {
		before[id], _ = a.Epoch(id)
	}
	b, _ := newManager(t, nc, "b", tenants, ttl)
	b.Step(ctx)
	// a dies (no more rounds, no release). Its own clock stops it at
	// TTL - margin, before the bucket lets b in at TTL.
	time.Sleep(ttl - ttl/5 + 50*time.Millisecond)
	if got := a.Held(); len(got) != 0 {
		t.Fatalf("a still acts for %v past its deadline", got)
	}
	deadline := time.Now().Add(5 * ttl)
	for len(b.Held()) < len(tenants) && time.Now().Before(deadline) {
		time.Sleep(ttl / 4)
		b.Step(ctx)
	}
	if got := b.Held(); !slices.Equal(got, tenants) {
		t.Fatalf("b holds %v after a's leases aged out", got)
	}
	for _, id := range tenants {
		if e, _ := b.Epoch(id); e <= before[id] {
			t.Errorf("tenant %d: b's epoch %d not after a's %d", id, e, before[id])
		}
	}
	// a wakes: its round reports every tenant lost and takes none back.
	a.Step(ctx)
	if len(ra.lostList()) != len(tenants) || len(a.Held()) != 0 {
		t.Fatalf("a woke and holds %v, lost %v", a.Held(), ra.lostList())
	}
	// a is live again: b gives back what a wins, a takes it, with new
	// epochs.
	b.Step(ctx)
	a.Step(ctx)
	checkExclusive(t, a, b)
}

func TestRenewalRefusedStopsAtOnce(t *testing.T) {
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv.URL())
	ctx := context.Background()
	a, ra := newManager(t, nc, "a", []int64{1}, 10*time.Second)
	a.Step(ctx)
	if !a.Owns(1) {
		t.Fatal("a does not own tenant 1")
	}
	// Somebody else wrote the key (an operator, a split): a's next
	// renewal fails on the revision and a stops for the tenant.
	if _, err := a.KV().Put(ctx, tenantKey(1), []byte(`{"node":"x","epoch":999}`)); err != nil {
		t.Fatal(err)
	}
	a.Step(ctx)
	if a.Owns(1) || !slices.Equal(ra.lostList(), []int64{1}) {
		t.Fatalf("a owns %v, lost %v after its renewal was refused", a.Held(), ra.lostList())
	}
}

func TestThreeServerJetStreamCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three NATS servers")
	}
	srvs := natstest.Cluster(t, 3)
	ctx := context.Background()
	// Each node talks to its own server; the bucket has three replicas.
	mk := func(i int, name string) *Manager {
		js, err := jetstream.New(natstest.Connect(t, srvs[i].URL()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(ctx, js, Options{Node: name, TTL: 2 * time.Second, Replicas: 3,
			Tenants: func(context.Context) ([]int64, error) { return tenants, nil }})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := mk(0, "a"), mk(1, "b")
	for range 2 {
		a.Step(ctx)
		b.Step(ctx)
	}
	// A bucket of three replicas just made may still be electing its
	// leader: the first claims can need a few more rounds.
	eventuallyExclusive(t, ctx, a, b)
	// The third server goes: the two left keep quorum, the leases renew.
	srvs[2].Shutdown()
	srvs[2].WaitForShutdown()
	for range 3 {
		a.Step(ctx)
		b.Step(ctx)
	}
	eventuallyExclusive(t, ctx, a, b)
}

// TestDebianNATS runs the lease protocol on the oldest server Plateau
// supports, Debian 12's nats-server 2.9.10, when it is installed.
func TestDebianNATS(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/nats-server"); e == nil {
			bin, err = "/usr/sbin/nats-server", nil
		}
	}
	if err != nil {
		if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
			t.Fatal("nats-server is required under CI: run scripts/test-deps.sh (apt-get install nats-server)")
		}
		t.Skip("no nats-server binary (scripts/test-deps.sh installs it)")
	}
	out, _ := exec.Command(bin, "--version").Output()
	t.Logf("%s", out)
	port := 14222 + os.Getpid()%1000
	cmd := exec.Command(bin, "-js", "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-sd", filepath.Join(t.TempDir(), "js"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	var nc *nats.Conn
	for i := 0; ; i++ {
		if nc, err = nats.Connect(url); err == nil {
			break
		}
		if i > 50 {
			t.Fatalf("connect to %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(nc.Close)
	natstest.WaitJetStream(t, url)
	ctx := context.Background()
	ttl := time.Second
	a, _ := newManager(t, nc, "a", tenants, ttl)
	b, _ := newManager(t, nc, "b", tenants, ttl)
	a.Step(ctx)
	b.Step(ctx)
	a.Step(ctx)
	b.Step(ctx)
	checkExclusive(t, a, b)
	// a dies: its keys age out with the bucket's max age, b takes them.
	deadline := time.Now().Add(5 * ttl)
	for len(b.Held()) < len(tenants) && time.Now().Before(deadline) {
		time.Sleep(ttl / 4)
		b.Step(ctx)
	}
	if got := b.Held(); !slices.Equal(got, tenants) {
		t.Fatalf("on %s b holds %v after a died", out, got)
	}
}

func TestSecretIsShared(t *testing.T) {
	srv := natstest.Start(t)
	ctx := context.Background()
	js1, _ := jetstream.New(natstest.Connect(t, srv.URL()))
	js2, _ := jetstream.New(natstest.Connect(t, srv.URL()))
	a, err := Secret(ctx, js1, "relay", 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Secret(ctx, js2, "relay", 1)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Secret(ctx, js2, "other", 1)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(a) != 64 || other == a {
		t.Fatalf("secrets %q, %q, other %q", a, b, other)
	}
}
