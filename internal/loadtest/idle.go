package loadtest

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

// MaxIdleConns bounds IdleConfig.Conns (per kind).
const MaxIdleConns = 5000

// Kinds of idle connection IdleConfig opens.
var IdleKinds = []string{"keep-alive", "slow-headers", "slow-body", "ws-silent", "ws-half-frame"}

// IdleConfig describes an idle-connection probe: Conns connections of each
// kind, held open without finishing what they started, over Window; the
// server should close them. Kinds: keep-alive (a request answered, then
// nothing), slow-headers (headers never finished), slow-body (a body never
// finished), ws-silent (a chat WebSocket that never sends start),
// ws-half-frame (a chat started, then a frame sent in part and never
// answering pings).
type IdleConfig struct {
	BaseURL string // http://host:port of the server (loopback)
	Entry   string // chat entry point
	Conns   int
	Window  time.Duration
	// Sources spreads the connections over 127.0.0.1..N (0: one address per
	// 100 connections, within the server's per-address cap).
	Sources int
}

// IdleKind is what one kind measured.
type IdleKind struct {
	Kind    string
	Opened  int
	Closed  int // closed by the server within the window
	Refused int // closed at once (the connection caps)
	ToClose Percentiles
}

// RunIdle runs the probe; the kinds run at the same time.
func RunIdle(ctx context.Context, cfg IdleConfig) ([]IdleKind, error) {
	if cfg.Conns <= 0 || cfg.Conns > MaxIdleConns || cfg.Window <= 0 {
		return nil, fmt.Errorf("loadtest idle: conns between 1 and %d, a positive window", MaxIdleConns)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("loadtest idle: url: %w", err)
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		return nil, errors.New("loadtest idle: the server must be on an IPv4 loopback address")
	}
	sources := cfg.Sources
	if sources <= 0 {
		sources = (cfg.Conns + 99) / 100
	}
	entry := cfg.Entry
	if entry == "" {
		entry = "demo"
	}
	out := make([]IdleKind, len(IdleKinds))
	var wg sync.WaitGroup
	for k, kind := range IdleKinds {
		wg.Go(func() {
			out[k] = idleKind(ctx, u.Host, entry, kind, cfg.Conns, sources, k, cfg.Window)
		})
	}
	wg.Wait()
	return out, nil
}

// idleKind opens n connections of kind from sources addresses (offset by
// kind, so kinds do not share addresses) and waits for the server to close
// them.
func idleKind(ctx context.Context, host, entry, kind string, n, sources, k int, window time.Duration) IdleKind {
	res := IdleKind{Kind: kind}
	var (
		mu      sync.Mutex
		closeAt []time.Duration
		wg      sync.WaitGroup
	)
	deadline := time.Now().Add(window)
	for i := range n {
		src := 1 + k*sources + i%sources
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(src>>8), byte(src))}, Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", host)
		if err != nil {
			continue
		}
		opened := time.Now()
		if err := idleStart(conn, kind, entry); err != nil {
			conn.Close()
			mu.Lock()
			res.Refused++
			mu.Unlock()
			continue
		}
		mu.Lock()
		res.Opened++
		mu.Unlock()
		wg.Go(func() {
			defer conn.Close()
			conn.SetReadDeadline(deadline)
			_, err := io.Copy(io.Discard, conn)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return // still open at the end of the window
			}
			mu.Lock()
			closeAt = append(closeAt, time.Since(opened))
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Closed = len(closeAt)
	slices.Sort(closeAt)
	res.ToClose = percentiles(closeAt)
	return res
}

// idleStart begins what kind leaves unfinished.
func idleStart(conn net.Conn, kind, entry string) error {
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	defer conn.SetDeadline(time.Time{})
	switch kind {
	case "keep-alive":
		if _, err := fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	case "slow-headers":
		_, err := fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		return err
	case "slow-body":
		_, err := fmt.Fprint(conn, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\":")
		return err
	case "ws-silent", "ws-half-frame":
		key := base64.StdEncoding.EncodeToString([]byte("plateau-idle-key"))
		if _, err := fmt.Fprintf(conn, "GET /chat/%s/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", entry, key); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			return fmt.Errorf("handshake: %s", resp.Status)
		}
		if kind == "ws-silent" {
			return nil
		}
		if _, err := conn.Write(clientFrame(`{"type":"start","name":"idle probe"}`)); err != nil {
			return err
		}
		half := clientFrame(`{"type":"message","body":"never finished","client_msg_id":"x"}`)
		_, err = conn.Write(half[:len(half)/2])
		return err
	}
	return fmt.Errorf("unknown kind %q", kind)
}

// clientFrame is a masked client text frame (zero mask) of a short payload.
func clientFrame(payload string) []byte {
	b := []byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}
	return append(b, payload...)
}
