package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

const (
	agentLogin    = "amina"
	agentPassword = "correct horse battery"
	entryAddress  = "web"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func openSQLite(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(testCtx(t), path)
	must(t, err, "open store")
	return st
}

// postgresDSN returns the DSN of a fresh schema, dropped after the test, or
// skips the test when PostgreSQL is unreachable (fails under CI).
func postgresDSN(t *testing.T) string { return storetest.PostgresDSN(t) }

// fixture is one tenant with a chat queue, its entry point and one agent
// who can sign in.
type fixture struct {
	tenant  int64
	queue   int64
	agent   int64
	wrapUp  int
	history int64 // a previous, ended contact of customer ada@example.com
}

func seed(t *testing.T, st *store.Store, chatCapacity, wrapUp int) fixture {
	t.Helper()
	ctx := testCtx(t)
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "acme", Name: "Acme"})
	must(t, err, "tenant")
	site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 30_00})
	must(t, err, "site")
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "chat", Channel: model.ChannelChat, Priority: 1, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, WrapUpSeconds: wrapUp})
	must(t, err, "queue")
	_, err = st.CreateEntryPoint(ctx, ten.ID, model.EntryPoint{Kind: model.EntryChat, Address: entryAddress, QueueID: q.ID})
	must(t, err, "entry point")
	a, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Amina B.", ChatCapacity: chatCapacity})
	must(t, err, "agent")
	u, err := st.CreateUser(ctx, &ten.ID, model.User{Login: agentLogin, DisplayName: "Amina", Role: model.RoleAgent, AgentID: &a.ID})
	must(t, err, "user")
	must(t, st.SetPassword(ctx, &ten.ID, u.ID, agentPassword), "password")
	prev, err := st.CreateInteraction(ctx, ten.ID, model.Interaction{QueueID: q.ID, Channel: model.ChannelChat,
		Customer: model.Customer{Name: "Ada", Email: "ada@example.com"}, ArrivedAt: time.Now().Add(-48 * time.Hour)})
	must(t, err, "previous contact")
	_, err = st.UpdateInteractionState(ctx, ten.ID, prev, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered,
		At: time.Now().Add(-47 * time.Hour), CloseSegments: true})
	must(t, err, "end previous contact")
	must(t, st.SetDisposition(ctx, ten.ID, prev, "refund", "sent a refund"), "disposition")
	return fixture{tenant: ten.ID, queue: q.ID, agent: a.ID, wrapUp: wrapUp, history: prev}
}

// live is a running center behind an httptest server.
type live struct {
	c      *Center
	reg    *prometheus.Registry
	srv    *httptest.Server
	cancel context.CancelFunc
	done   chan error
}

func startCenter(t *testing.T, st *store.Store, opts Options) *live {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// Tests start many chats from 127.0.0.1; those about the per-address
	// limits set them.
	if opts.ChatStartsPerMinute == 0 {
		opts.ChatStartsPerMinute = -1
	}
	if opts.ChatWaitingPerAddress == 0 {
		opts.ChatWaitingPerAddress = -1
	}
	reg := prometheus.NewRegistry()
	if opts.Registerer == nil {
		opts.Registerer = reg
	}
	c, err := New(testCtx(t), st, opts)
	must(t, err, "new center")
	ctx, cancel := context.WithCancel(context.Background())
	l := &live{c: c, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- c.Run(ctx) }()
	mux := http.NewServeMux()
	mux.Handle("/chat/", c.ChatHandler())
	mux.Handle("/agent/", c.AgentHandler())
	l.srv = httptest.NewServer(mux)
	t.Cleanup(l.stop)
	return l
}

// metrics returns the center's series in the Prometheus text format.
func (l *live) metrics(t *testing.T) string {
	t.Helper()
	w := httptest.NewRecorder()
	promhttp.HandlerFor(l.reg, promhttp.HandlerOpts{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return w.Body.String()
}

// stop ends the center abruptly: no goodbye to anyone.
func (l *live) stop() {
	l.cancel()
	l.srv.CloseClientConnections()
	l.srv.Close()
	<-l.done
	l.done <- nil // stop is idempotent
}

func (l *live) wsURL(path string) string { return "ws" + strings.TrimPrefix(l.srv.URL, "http") + path }

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a test WebSocket client.
type client struct {
	t    *testing.T
	conn *websocket.Conn
	name string
}

type frame map[string]any

func (f frame) str(k string) string { s, _ := f[k].(string); return s }
func (f frame) num(k string) int64  { n, _ := f[k].(float64); return int64(n) }

func dial(t *testing.T, url, name string) *client {
	t.Helper()
	conn, _, err := websocket.Dial(testCtx(t), url, nil)
	must(t, err, "dial "+url)
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return &client{t: t, conn: conn, name: name}
}

func (c *client) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	must(c.t, err, "marshal")
	c.raw(string(b))
}

func (c *client) raw(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), 5*time.Second)
	defer cancel()
	must(c.t, c.conn.Write(ctx, websocket.MessageText, []byte(s)), c.name+": write")
}

// read returns the next frame, or nil when the server closed the socket.
func (c *client) read(timeout time.Duration) (frame, error) {
	ctx, cancel := context.WithTimeout(c.t.Context(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("%s: server sent non-JSON %q", c.name, b)
	}
	return f, nil
}

// expect skips frames until one of type typ (and matching ok, if given).
func (c *client) expect(typ string, ok ...func(frame) bool) frame {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := c.read(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("%s: waiting for %q: %v", c.name, typ, err)
		}
		if f.str("type") == typ && (len(ok) == 0 || ok[0](f)) {
			return f
		}
		c.t.Logf("%s: skipping %v", c.name, f)
	}
}

// expectClosed reads until the server closes the socket.
func (c *client) expectClosed() {
	c.t.Helper()
	for {
		f, err := c.read(10 * time.Second)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatalf("%s: socket not closed", c.name)
			}
			return
		}
		c.t.Logf("%s: before close: %v", c.name, f)
	}
}

func (c *client) expectError(code string) frame {
	c.t.Helper()
	f := c.expect("error")
	if f.str("code") != code {
		c.t.Fatalf("%s: error %v, want code %q", c.name, f, code)
	}
	return f
}

func startChat(t *testing.T, l *live, name, email string) (*client, frame) {
	t.Helper()
	c := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), name)
	c.send(frame{"type": "start", "name": name, "email": email})
	return c, c.expect("queued")
}

func loginAgent(t *testing.T, l *live) *client {
	t.Helper()
	a := dial(t, l.wsURL("/agent/ws"), "agent")
	a.send(frame{"type": "login", "login": agentLogin, "password": agentPassword})
	a.expect("logged_in")
	return a
}

// position asks the engine for a contact's position.
func position(t *testing.T, c *Center, id int64) int {
	t.Helper()
	var pos int
	must(t, c.do(testCtx(t), func(o *owner) error {
		p, _, ok := o.eng.Position(acd.ContactID(id))
		if !ok {
			return errors.New("not waiting")
		}
		pos = p
		return nil
	}), "position")
	return pos
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tempDB(t *testing.T) string { return filepath.Join(t.TempDir(), "p.db") }

func cancelCtx(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	return ctx, cancel
}
