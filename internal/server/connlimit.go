package server

import (
	"net"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/loginguard"
)

// limitListener caps the connections open at once, in total and per
// source address: a connection past a cap is closed as soon as it is
// accepted, so that idle sockets from a few peers cannot take every file
// descriptor (then /healthz and new customers would time out).
type limitListener struct {
	net.Listener
	total, perAddr int // <= 0: no cap
	refused        *prometheus.CounterVec

	mu     sync.Mutex
	open   int
	byAddr map[string]int
	// exempt, when set, names the addresses the per-address cap does not
	// apply to: the other nodes of a cluster, which relay many clients'
	// sockets each (cluster_relay.go). It must not block.
	exempt atomic.Pointer[func(addr string) bool]
}

func newLimitListener(ln net.Listener, total, perAddr int, refused *prometheus.CounterVec) *limitListener {
	return &limitListener{Listener: ln, total: total, perAddr: perAddr, refused: refused, byAddr: map[string]int{}}
}

// Accept returns the next connection within the caps.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := loginguard.Address(c.RemoteAddr().String())
		if why := l.admit(addr); why != "" {
			l.refused.WithLabelValues(why).Inc()
			c.Close()
			continue
		}
		return &limitedConn{Conn: c, l: l, addr: addr}, nil
	}
}

// admit counts a new connection from addr, or says which cap refuses it.
func (l *limitListener) admit(addr string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total > 0 && l.open >= l.total {
		return "total"
	}
	if l.perAddr > 0 && l.byAddr[addr] >= l.perAddr && !l.exempted(addr) {
		return "address"
	}
	l.open++
	l.byAddr[addr]++
	return ""
}

func (l *limitListener) exempted(addr string) bool {
	f := l.exempt.Load()
	return f != nil && (*f)(addr)
}

func (l *limitListener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// limitedConn gives its place back when closed (once).
type limitedConn struct {
	net.Conn
	l    *limitListener
	addr string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}
