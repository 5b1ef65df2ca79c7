// Package natstest starts embedded NATS servers with JetStream for tests:
// one server, or a cluster of several, each on free ports of 127.0.0.1
// with its storage in the test's temporary folder.
package natstest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is one embedded NATS server.
type Server struct {
	*server.Server
	opts *server.Options
}

// URL is the server's client URL.
func (s *Server) URL() string { return s.ClientURL() }

// Start runs one JetStream server for the test's duration.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, &server.Options{ServerName: "n1"})
}

// Cluster runs n JetStream servers routed together, and waits until
// JetStream has a meta leader.
func Cluster(t testing.TB, n int) []*Server {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ports[i] = freePort(t)
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	out := make([]*Server, n)
	for i := range out {
		out[i] = start(t, &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Cluster:    server.ClusterOpts{Name: "plateau", Host: "127.0.0.1", Port: ports[i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		})
	}
	WaitJetStream(t, URLs(out))
	return out
}

// URLs joins the servers' client URLs with commas (as --nats takes them).
func URLs(ss []*Server) string {
	var u []string
	for _, s := range ss {
		if s.Running() {
			u = append(u, s.URL())
		}
	}
	return strings.Join(u, ",")
}

func start(t testing.TB, o *server.Options) *Server {
	t.Helper()
	o.Host, o.Port = "127.0.0.1", -1
	o.JetStream, o.StoreDir = true, t.TempDir()
	o.NoLog, o.NoSigs = true, true
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats server not ready within 10 s")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return &Server{Server: s, opts: o}
}

// WaitJetStream waits until JetStream answers on urls (a cluster elects its
// meta leader first).
func WaitJetStream(t testing.TB, urls string) {
	t.Helper()
	nc := Connect(t, urls)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("jetstream not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Connect connects to urls for the test's duration.
func Connect(t testing.TB, urls string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(urls, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("connect to nats %s: %v", urls, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
