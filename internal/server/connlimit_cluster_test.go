package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/cluster"
)

// The per-address cap does not count a cluster's nodes: an edge relays
// each of its clients' sockets to the owner from its own address. The
// total cap still does.
func TestConnectionCapExemptsClusterNodes(t *testing.T) {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "refused"}, []string{"cap"})
	l := newLimitListener(nil, 3, 1, refused)
	if l.admit("10.0.0.2") != "" || l.admit("10.0.0.2") != "address" {
		t.Fatal("the per-address cap does not hold")
	}
	st := cluster.Status{Nodes: []cluster.NodeInfo{{Node: "a", HTTP: "10.0.0.2:8080"}, {Node: "b", HTTP: "[2001:db8::1]:8080"}, {Node: "c", HTTP: "plateau-c:8080"}}}
	peer := func(addr string) bool { return peerIn(st, addr) }
	l.exempt.Store(&peer)
	if why := l.admit("10.0.0.2"); why != "" {
		t.Fatalf("a node's second socket refused: %s", why)
	}
	if why := l.admit("10.0.0.3"); why != "" {
		t.Fatalf("another address refused: %s", why)
	}
	if why := l.admit("10.0.0.3"); why != "total" {
		t.Fatalf("past the total cap: %q, want total", why)
	}
	for addr, want := range map[string]bool{"10.0.0.2": true, "2001:db8::/64": true, "10.0.0.9": false, "plateau-c": false} {
		if got := peerIn(st, addr); got != want {
			t.Errorf("peerIn(%q) = %v, want %v", addr, got, want)
		}
	}
}
