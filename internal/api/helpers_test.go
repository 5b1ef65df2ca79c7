package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an API over a fresh SQLite store.
type env struct {
	t       *testing.T
	st      *store.Store
	api     *API
	center  *live.Center // the live center behind the API, over the same store
	clock   *testClock
	mu      sync.Mutex
	changes []Change
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	st, err := store.Open(testCtx(t), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, clock: &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Now = e.clock.Now
	if opts.Live == nil {
		e.center = startLive(t, st)
		opts.Live = e.center
	}
	opts.OnChange = func(_ context.Context, ev Change) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.changes = append(e.changes, ev)
	}
	e.api = New(st, opts)
	return e
}

// startLive runs a live center over st until the test ends.
func startLive(t *testing.T, st *store.Store) *live.Center {
	t.Helper()
	c, err := live.New(testCtx(t), st, live.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("live center: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("live center: %v", err)
		}
	})
	return c
}

// takeChanges returns and forgets the changes seen so far.
func (e *env) takeChanges() []Change {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.changes
	e.changes = nil
	return out
}

// cred is how a test request authenticates.
type cred struct {
	name   string
	bearer string
	cookie string
	csrf   string
}

func (c cred) apply(r *http.Request) {
	if c.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
		if c.csrf != "" {
			r.Header.Set(CSRFHeader, c.csrf)
		}
	}
}

// rawBody is a request body sent as is.
type rawBody string

// wavBody is a request body sent as audio/wav.
type wavBody []byte

// do sends a request; body is JSON-encoded unless it is a rawBody or nil.
func (e *env) do(c cred, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.doFrom("192.0.2.1:1234", c, method, path, body)
}

// doFrom sends a request from the remote address.
func (e *env) doFrom(remote string, c cred, method, path string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case wavBody:
		rd, ct = bytes.NewReader(b), "audio/wav"
	case rawBody:
		rd = strings.NewReader(string(b))
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(buf)
	}
	r := httptest.NewRequestWithContext(testCtx(e.t), method, path, rd)
	r.RemoteAddr = remote
	if rd != nil {
		r.Header.Set("Content-Type", ct)
	}
	c.apply(r)
	w := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(w, r)
	return w
}

// must sends a request and requires the status, decoding the body into out.
func (e *env) must(c cred, method, path string, body any, status int, out any) {
	e.t.Helper()
	w := e.do(c, method, path, body)
	if w.Code != status {
		e.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, c.name, w.Code, status, w.Body)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, w.Body, err)
		}
	}
}

// apiError decodes an error response, checking the envelope.
func apiError(t *testing.T, w *httptest.ResponseRecorder) ErrorBody {
	t.Helper()
	var resp ErrorResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	if resp.Error.Status != w.Code {
		t.Errorf("error status %d in body, %d on the wire", resp.Error.Status, w.Code)
	}
	if resp.Error.RequestID == "" || resp.Error.RequestID != w.Header().Get("X-Request-ID") {
		t.Errorf("request_id %q, header %q", resp.Error.RequestID, w.Header().Get("X-Request-ID"))
	}
	if def := lookupCode(resp.Error.Code); def.Code != resp.Error.Code || def.Status != w.Code {
		t.Errorf("code %q with status %d is not in the catalogue", resp.Error.Code, w.Code)
	}
	return resp.Error
}

// wantError requires an error response with status and code (and field
// when not empty).
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code ErrorCode, field string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	got := apiError(t, w)
	if got.Code != code {
		t.Errorf("code %q, want %q (%s)", got.Code, code, got.Message)
	}
	if field != "" && got.Field != field {
		t.Errorf("field %q, want %q (%s)", got.Field, field, got.Message)
	}
}

// fixture is one tenant with one row of every kind and a credential of
// every role.
type fixture struct {
	tenant      model.Tenant
	site        model.Site
	skill       model.Skill
	schedule    model.Schedule
	queue       model.Queue
	agent       model.Agent
	entry       model.EntryPoint
	interaction int64
	token       model.APIToken
	admin       model.User

	adminToken cred // tenant token: acts as tenant admin
	canned     model.CannedResponse
	// disposition and notReady are entries of the desk lists.
	disposition, notReady model.Reason
	employee              model.Employee
	billing               billingRows
	commitment            model.Commitment
}

const testPassword = "correct horse battery"

func (e *env) fixture(slug string) fixture {
	t := e.t
	t.Helper()
	ctx := testCtx(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture %s: %s: %v", slug, what, err)
		}
	}
	var f fixture
	var err error
	f.tenant, err = e.st.CreateTenant(ctx, model.Tenant{Slug: slug, Name: "Tenant " + slug})
	must("tenant", err)
	tid := f.tenant.ID
	f.site, err = e.st.CreateSite(ctx, tid, model.Site{Name: "Rabat", Country: "MA", Kind: model.SiteNearshore, CostPerHour: 18_50})
	must("site", err)
	f.skill, err = e.st.CreateSkill(ctx, tid, model.Skill{Name: "billing"})
	must("skill", err)
	f.schedule, err = e.st.CreateSchedule(ctx, tid, validSchedule())
	must("schedule", err)
	f.queue, err = e.st.CreateQueue(ctx, tid, validQueue(f.skill.ID))
	must("queue", err)
	f.agent, err = e.st.CreateAgent(ctx, tid, validAgent(f.site.ID, f.skill.ID))
	must("agent", err)
	f.entry, err = e.st.CreateEntryPoint(ctx, tid, model.EntryPoint{Kind: model.EntryChat, Address: slug + "-chat", QueueID: f.queue.ID, Welcome: "Bonjour"})
	must("entry point", err)
	f.interaction, err = e.st.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelChat, ArrivedAt: e.clock.Now()})
	must("interaction", err)
	_, _, err = e.st.AppendMessage(ctx, tid, f.interaction, model.Message{Sender: model.SenderCustomer, Body: "Bonjour, ma facture ?"})
	must("message", err)
	var plain string
	f.token, plain, err = e.st.CreateToken(ctx, &tid, slug+" integration")
	must("token", err)
	f.adminToken = cred{name: slug + " token", bearer: plain}
	f.admin, err = e.st.CreateUser(ctx, &tid, model.User{Login: slug + "-admin", DisplayName: "Admin " + slug, Role: model.RoleAdmin})
	must("admin user", err)
	f.canned, err = e.st.CreateCannedResponse(ctx, tid, model.CannedResponse{Code: "hello", Title: "Greeting", Body: "Bonjour {name} !"})
	must("canned response", err)
	f.disposition, err = e.st.CreateReason(ctx, tid, model.ReasonDisposition, model.Reason{Code: "resolved", Label: "Résolu"})
	must("disposition", err)
	f.notReady, err = e.st.CreateReason(ctx, tid, model.ReasonNotReady, model.Reason{Code: "lunch", Label: "Déjeuner"})
	must("not-ready reason", err)
	f.employee, err = e.st.CreateEmployee(ctx, tid, validEmployee(f.site.ID))
	must("employee", err)
	f.billing = e.billingFixture(tid)
	f.commitment, err = e.st.CreateCommitment(ctx, tid, model.Commitment{Name: "80/20", Kind: model.CommitServiceLevel, TargetPct: 80})
	must("commitment", err)
	return f
}

func validEmployee(siteID int64) model.Employee {
	return model.Employee{Ref: "E001", Name: "Amina B.", SiteID: siteID, Contract: model.ContractPermanent, FTE: 1000, HireDate: "2025-09-01"}
}

// userCred creates a user of the role in tenant tid (nil: platform) and
// signs it in through the API.
func (e *env) userCred(tid *int64, login string, role model.Role, agentID *int64) cred {
	e.t.Helper()
	ctx := testCtx(e.t)
	u, err := e.st.CreateUser(ctx, tid, model.User{Login: login, DisplayName: login, Role: role, AgentID: agentID})
	if err != nil {
		e.t.Fatalf("create user %s: %v", login, err)
	}
	if err := e.st.SetPassword(ctx, tid, u.ID, testPassword); err != nil {
		e.t.Fatalf("set password %s: %v", login, err)
	}
	return e.login(login, testPassword)
}

// login signs in through the API.
func (e *env) login(login, password string) cred {
	e.t.Helper()
	w := e.do(cred{}, http.MethodPost, "/api/v1/login", LoginRequest{Login: login, Password: password})
	if w.Code != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", login, w.Code, w.Body)
	}
	var resp LoginResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		e.t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			return cred{name: login, cookie: c.Value, csrf: resp.CSRFToken}
		}
	}
	e.t.Fatalf("login %s: no session cookie", login)
	return cred{}
}

// platformToken is a token without tenant: a platform admin.
func (e *env) platformToken() cred {
	e.t.Helper()
	_, plain, err := e.st.CreateToken(testCtx(e.t), nil, "platform")
	if err != nil {
		e.t.Fatal(err)
	}
	return cred{name: "platform token", bearer: plain}
}

func validSchedule() model.Schedule {
	return model.Schedule{Name: "office", TimeZone: "Europe/Paris",
		Weekly: []model.WeeklyHours{{Day: 1, From: "09:00", To: "18:00"}}, Holidays: []string{"2026-12-25"}}
}

func validQueue(skillID int64) model.Queue {
	return model.Queue{
		Name: "support", Channel: model.ChannelChat, Priority: 10,
		SLTargetPct: 80, SLThresholdSeconds: 20,
		Skills:   []model.SkillRequirement{{SkillID: skillID, MinLevel: 5}},
		Overflow: model.Overflow{Action: model.OverflowNone},
		Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15, WrapUpSeconds: 30,
	}
}

func validAgent(siteID, skillID int64) model.Agent {
	return model.Agent{SiteID: siteID, Name: "Amina", VoiceCapacity: 1, ChatCapacity: 3,
		Skills: []model.AgentSkill{{SkillID: skillID, Level: 7}}}
}

func ptr[T any](v T) *T { return &v }
