package sip

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestServeCleansUpWhenStoppedAtOnce: Serve ending before it served (its
// context already done) still closes the listeners, so the address is free
// again.
func TestServeCleansUpWhenStoppedAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	srv, err := New(Config{Addr: "127.0.0.1:0", Logger: testLogger(t)}, w.center, w.st)
	must(t, err, "server")
	must(t, srv.Listen(t.Context()), "listen")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	udp, err := net.ListenPacket("udp", srv.Addr().String())
	must(t, err, "the UDP address is free again")
	udp.Close()
	tcp, err := net.Listen("tcp", srv.Addr().String())
	must(t, err, "the TCP address is free again")
	tcp.Close()
}
