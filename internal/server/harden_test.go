package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// fixture is what startServer seeds: a tenant with a chat queue (entry
// point "web"), an agent who signs in as agentLogin, and a platform token.
type fixture struct {
	tenant, agent, user int64
	token               string
}

const (
	agentLogin    = "amina"
	agentPassword = "correct horse battery"
)

// startServer runs a server on a free loopback port with cfg's [http]
// settings until the test ends.
func startServer(t *testing.T, edit func(c *Config)) *Server {
	t.Helper()
	srv, _ := startSeeded(t, edit)
	return srv
}

func startSeeded(t *testing.T, edit func(c *Config)) (*Server, *fixture) {
	t.Helper()
	fx := &fixture{}
	cfg := Defaults()
	cfg.HTTP = "127.0.0.1:0"
	cfg.Data = t.TempDir()
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Open(ctx, cfg, slog.New(slog.DiscardHandler), func(ctx context.Context, st *store.Store) error {
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
		if err != nil {
			return err
		}
		q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
			SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
		if err != nil {
			return err
		}
		if _, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: "web", QueueID: q.ID}); err != nil {
			return err
		}
		site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30_00})
		if err != nil {
			return err
		}
		a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", ChatCapacity: 2})
		if err != nil {
			return err
		}
		u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: agentLogin, DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.ID})
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, &ten.ID, u.ID, agentPassword); err != nil {
			return err
		}
		_, fx.token, err = st.CreateToken(ctx, nil, "test")
		fx.tenant, fx.agent, fx.user = ten.ID, a.ID, u.ID
		return err
	})
	if err != nil {
		cancel()
		t.Fatalf("open server: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return srv, fx
}

// closedWithin reports whether the server closed conn within d.
func closedWithin(conn net.Conn, d time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Slow headers, slow bodies and idle kept-alive connections are closed.
func TestIdleHTTPConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	short := Duration{300 * time.Millisecond}
	srv := startServer(t, func(c *Config) {
		c.Web.ReadHeaderTimeout, c.Web.BodyTimeout, c.Web.IdleTimeout = short, short, short
	})
	t.Run("slow headers", func(t *testing.T) {
		c := dialRaw(t, srv.Addr())
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		if !closedWithin(c, 3*time.Second) {
			t.Error("a request whose headers never end is still open")
		}
	})
	t.Run("slow body", func(t *testing.T) {
		c := dialRaw(t, srv.Addr())
		fmt.Fprint(c, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\":")
		if !closedWithin(c, 3*time.Second) {
			t.Error("a request whose body never ends is still open")
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		c := dialRaw(t, srv.Addr())
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		if !closedWithin(c, 3*time.Second) {
			t.Error("an idle kept-alive connection is still open")
		}
	})
	t.Run("a body in time is served", func(t *testing.T) {
		resp, err := http.Post("http://"+srv.Addr()+"/api/v1/login", "application/json", strings.NewReader(`{"login":"nobody","password":"wrong password"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("login: %d", resp.StatusCode)
		}
	})
}

// Connections past the caps (per address, in total) are closed at once,
// and the place comes back when one closes.
func TestConnectionCaps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(c *Config)
	}{
		{"per address", func(c *Config) { c.Web.MaxConnsPerAddress = 3 }},
		{"total", func(c *Config) { c.Web.MaxConns = 3; c.Web.MaxConnsPerAddress = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tc.edit)
			var held []net.Conn
			for range 3 {
				held = append(held, dialRaw(t, srv.Addr()))
			}
			time.Sleep(100 * time.Millisecond) // accepted
			extra := dialRaw(t, srv.Addr())
			if !closedWithin(extra, 2*time.Second) {
				t.Fatal("a fourth connection was kept")
			}
			held[0].Close()
			time.Sleep(100 * time.Millisecond)
			resp, err := http.Get("http://" + srv.Addr() + "/healthz")
			if err != nil {
				t.Fatalf("healthz after a connection closed: %v", err)
			}
			resp.Body.Close()
		})
	}
}

func TestMaxConnsFromLimit(t *testing.T) {
	for limit, want := range map[uint64]int{1024: 768, 1200: 944, 65536: 65280, 256: 128, 1 << 40: 1<<31 - 256} {
		if got := maxConnsFromLimit(limit); got != want {
			t.Errorf("limit %d: %d, want %d", limit, got, want)
		}
	}
}

// /metrics shows every tenant's figures: a token guards it, or it is
// served on an address of its own only.
func TestMetricsProtected(t *testing.T) {
	t.Parallel()
	get := func(url, token string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("token", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, func(c *Config) { c.Web.MetricsToken = "s3cret-metrics" })
		u := "http://" + srv.Addr() + "/metrics"
		if c := get(u, ""); c != 401 {
			t.Errorf("without the token: %d", c)
		}
		if c := get(u, "wrong"); c != 401 {
			t.Errorf("with a wrong token: %d", c)
		}
		if c := get(u, "s3cret-metrics"); c != 200 {
			t.Errorf("with the token: %d", c)
		}
	})
	t.Run("own address", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, func(c *Config) { c.Web.MetricsAddr = "127.0.0.1:0" })
		if c := get("http://"+srv.Addr()+"/metrics", ""); c == 200 {
			t.Errorf("/metrics still on the main address: %d", c)
		}
		if c := get("http://"+srv.metricsLn.Addr().String()+"/metrics", ""); c != 200 {
			t.Errorf("/metrics on its own address: %d", c)
		}
		if c := get("http://"+srv.metricsLn.Addr().String()+"/debug/pprof/", ""); c == 200 {
			t.Errorf("profiles without [http] pprof: %d", c)
		}
	})
	t.Run("profiles", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, func(c *Config) { c.Web.MetricsAddr, c.Web.Pprof = "127.0.0.1:0", true })
		if c := get("http://"+srv.metricsLn.Addr().String()+"/debug/pprof/mutex", ""); c != 200 {
			t.Errorf("the mutex profile on the metrics address: %d", c)
		}
		if c := get("http://"+srv.Addr()+"/debug/pprof/", ""); c == 200 {
			t.Errorf("profiles on the main address: %d", c)
		}
		if err := (HTTPConfig{Pprof: true}).validate(); err == nil {
			t.Error("pprof without metrics_addr was accepted")
		}
	})
}

// [http] origins restricts the Origin of WebSocket handshakes.
func TestWebSocketOrigins(t *testing.T) {
	t.Parallel()
	srv := startServer(t, func(c *Config) { c.Web.Origins = []string{"shop.example.com"} })
	dial := func(origin string) error {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		h := http.Header{}
		h.Set("Origin", origin)
		conn, _, err := websocket.Dial(ctx, "ws://"+srv.Addr()+"/chat/web/ws", &websocket.DialOptions{HTTPHeader: h})
		if err == nil {
			conn.CloseNow()
		}
		return err
	}
	if err := dial("https://evil.example.net"); err == nil {
		t.Error("a handshake from another origin was accepted")
	}
	if err := dial("https://shop.example.com"); err != nil {
		t.Errorf("a handshake from the allowed origin: %v", err)
	}
}

func TestHTTPSection(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	load := func(args ...string) (Config, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		return Load(fs, args, func(string) string { return "" })
	}
	good := write("good.toml", "[http]\naddr = \"127.0.0.1:9100\"\norigins = [\"shop.example.com\", \"*.example.org\"]\nidle_timeout = \"30s\"\nmax_conns_per_address = 50\nmetrics_token = \"tok\"\n\n[login]\nconcurrent = 2\n\n[chat]\nstarts_per_minute = 3\nsilent_grace = \"15s\"\n")
	cfg, err := load("--config", good)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP != "127.0.0.1:9100" || len(cfg.Web.Origins) != 2 || cfg.Web.IdleTimeout.Duration != 30*time.Second ||
		cfg.Web.MaxConnsPerAddress != 50 || cfg.Web.MetricsToken != "tok" || cfg.Login.Concurrent != 2 ||
		cfg.Chat.StartsPerMinute != 3 || cfg.Chat.SilentGrace.Duration != 15*time.Second {
		t.Errorf("got %+v", cfg)
	}
	if cfg, err := load("--config", good, "--http", ":7000"); err != nil || cfg.HTTP != ":7000" {
		t.Errorf("the flag over [http] addr: %v %v", cfg.HTTP, err)
	}
	for name, body := range map[string]string{
		"unknown.toml": "[http]\norigin = [\"x\"]\n",
		"url.toml":     "[http]\norigins = [\"https://shop.example.com\"]\n",
		"neg.toml":     "[http]\nidle_timeout = \"-1s\"\n",
	} {
		if _, err := load("--config", write(name, body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// wsFrames reads JSON frames from a WebSocket until it closes, sending
// them on the channel; the channel closes with the socket.
func wsFrames(t *testing.T, conn *websocket.Conn) <-chan map[string]any {
	out := make(chan map[string]any, 64)
	go func() {
		defer close(out)
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			var f map[string]any
			if json.Unmarshal(b, &f) == nil {
				out <- f
			}
		}
	}()
	return out
}

// signIn opens the agent socket and signs in; it returns the frames.
func signIn(t *testing.T, srv *Server) <-chan map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+srv.Addr()+"/agent/ws", nil)
	if err != nil {
		t.Fatalf("dial agent socket: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"`+agentLogin+`","password":"`+agentPassword+`"}`)); err != nil {
		t.Fatal(err)
	}
	frames := wsFrames(t, conn)
	for f := range frames {
		if f["type"] == "logged_in" {
			return frames
		}
		if f["type"] == "error" {
			t.Fatalf("sign-in: %v", f)
		}
	}
	t.Fatal("agent socket closed before signing in")
	return nil
}

// untilClosed waits for the socket to close and returns the error frame
// it got last, failing after d.
func untilClosed(t *testing.T, frames <-chan map[string]any, d time.Duration) map[string]any {
	t.Helper()
	var last map[string]any
	timeout := time.After(d)
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return last
			}
			if f["type"] == "error" {
				last = f
			}
		case <-timeout:
			t.Fatalf("the agent socket is still open %v later", d)
		}
	}
}

// A person removed is out at once: deleting the user, setting its password
// or changing its role closes its open agent socket.
func TestRemovedAgentIsOutAtOnce(t *testing.T) {
	t.Parallel()
	srv, fx := startSeeded(t, nil)
	call := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+srv.Addr()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fx.token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	user := fmt.Sprintf("/api/v1/tenants/%d/users/%d", fx.tenant, fx.user)

	// Another user's change leaves the socket alone; a changed display
	// name too.
	frames := signIn(t, srv)
	call(http.MethodPut, user, fmt.Sprintf(`{"login":%q,"display_name":"Amina K.","role":"agent","agent_id":%d}`, agentLogin, fx.agent))
	select {
	case f, ok := <-frames:
		if !ok || f["type"] == "error" {
			t.Fatalf("a harmless change closed the socket: %v", f)
		}
	case <-time.After(500 * time.Millisecond):
	}

	call(http.MethodPost, user+"/password", `{"password":"another long password"}`)
	if f := untilClosed(t, frames, 3*time.Second); f["code"] != "signed_out" {
		t.Errorf("password changed: last error %v, want signed_out", f)
	}

	call(http.MethodPost, user+"/password", `{"password":"`+agentPassword+`"}`)
	frames = signIn(t, srv)
	call(http.MethodPut, user, fmt.Sprintf(`{"login":%q,"display_name":"Amina","role":"supervisor"}`, agentLogin))
	if f := untilClosed(t, frames, 3*time.Second); f["code"] != "signed_out" {
		t.Errorf("role changed: last error %v, want signed_out", f)
	}

	call(http.MethodPut, user, fmt.Sprintf(`{"login":%q,"display_name":"Amina","role":"agent","agent_id":%d}`, agentLogin, fx.agent))
	frames = signIn(t, srv)
	call(http.MethodDelete, user, "")
	if f := untilClosed(t, frames, 3*time.Second); f["code"] != "signed_out" {
		t.Errorf("user deleted: last error %v, want signed_out", f)
	}
}

// The daily retention job, run with an injected clock: old transcripts
// and recordings go, recent ones stay.
func TestRetentionJob(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir+"/p.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetRetention(ctx, model.Retention{TenantID: ten.ID, TranscriptDays: 30, RecordingDays: 90}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	recs := dir + "/recordings"
	old, recent := fmt.Sprintf("%s/%d/7/1.wav", recs, ten.ID), fmt.Sprintf("%s/%d/7/2.wav", recs, ten.ID)
	for f, age := range map[string]int{old: 100, recent: 10} {
		if err := os.MkdirAll(recs+fmt.Sprintf("/%d/7", ten.ID), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("RIFF"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := now.AddDate(0, 0, -age)
		if err := os.Chtimes(f, at, at); err != nil {
			t.Fatal(err)
		}
	}
	job := &retentionJob{st: st, recordings: recs, now: func() time.Time { return now }, log: slog.New(slog.DiscardHandler)}
	if err := job.runOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a recording 100 days old is still there (retention 90 days): %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recording 10 days old was deleted: %v", err)
	}
}
