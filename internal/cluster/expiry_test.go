package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/plateau-cc/plateau/internal/cluster/natstest"
)

// TestExpiryWake: Run reads the bucket again just after another node's
// lease can have aged out, not only at its next scan; then often while the
// server has not removed it yet, and no longer than expiryPatience.
func TestExpiryWake(t *testing.T) {
	now := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	scan := 800 * time.Millisecond
	cases := []struct {
		name     string
		expiries []time.Time
		want     time.Duration
	}{
		{"no other lease", nil, scan},
		{"far", []time.Time{now.Add(5 * time.Second)}, scan},
		{"soon", []time.Time{now.Add(5 * time.Second), now.Add(300 * time.Millisecond)}, 300*time.Millisecond + expiryGrace},
		{"due, not removed yet", []time.Time{now.Add(-200 * time.Millisecond)}, expiryRetry},
		{"long past (skewed clock)", []time.Time{now.Add(-2 * expiryPatience)}, scan},
	}
	for _, c := range cases {
		if got := expiryWake(now, c.expiries, scan); got != c.want {
			t.Errorf("%s: wake in %v, want %v", c.name, got, c.want)
		}
	}
}

// TestUnsetTTLIsTheBucket's: a node with no TTL configured joins a
// cluster whose bucket was made with another (an older default) and uses
// it; a node configured with a different one is refused.
func TestUnsetTTLIsTheBucket(t *testing.T) {
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv.URL())
	ctx := context.Background()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	tenants := func(context.Context) ([]int64, error) { return []int64{1}, nil }
	first, err := New(ctx, js, Options{Node: "a", TTL: 10 * time.Second, Tenants: tenants})
	if err != nil {
		t.Fatal(err)
	}
	if first.TTL() != 10*time.Second {
		t.Fatalf("first node's TTL %v", first.TTL())
	}
	joined, err := New(ctx, js, Options{Node: "b", Tenants: tenants})
	if err != nil {
		t.Fatalf("a node with the default TTL joins a bucket of 10 s: %v", err)
	}
	if joined.TTL() != 10*time.Second || joined.renewEvery != 10*time.Second/4 {
		t.Fatalf("joined with TTL %v, renewing every %v; want the bucket's 10s", joined.TTL(), joined.renewEvery)
	}
	if _, err := New(ctx, js, Options{Node: "c", TTL: 5 * time.Second, Tenants: tenants}); err == nil {
		t.Fatal("a node configured with 5 s joined a bucket of 10 s")
	}
	// A new cluster gets the default.
	fresh, err := New(ctx, js, Options{Node: "a", Bucket: "fresh", Tenants: tenants})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.TTL() != DefaultTTL {
		t.Fatalf("a new bucket's TTL %v, want %v", fresh.TTL(), DefaultTTL)
	}
}
