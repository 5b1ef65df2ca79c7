// Package api is Plateau's JSON REST API, served by `plateau serve` under
// /api/v1/.
//
// Every endpoint is declared once in the route table (routes.go): method,
// path, summary, request and response types, the roles allowed and the
// handler. The ServeMux, the role checks and the OpenAPI document served at
// GET /api/v1/openapi.json are all built from that table, so they cannot
// drift apart.
//
// Credentials are API tokens (Authorization: Bearer plt_..., hashed at rest
// by the store) and password sessions (POST /api/v1/login sets an HttpOnly,
// SameSite=Strict cookie). On one node sessions are kept in memory by the
// API: they do not survive a restart. The nodes of a cluster keep them in
// the store (Options.SharedSessions), so that each accepts them, and tell
// each other of sign-outs and revocations (Options.OnRevoke, Revoked). A
// state-changing request authenticated by cookie must
// carry the session's CSRF token in the X-CSRF-Token header.
//
// Roles: a platform admin (a user or token without tenant) may do
// everything; a tenant admin (a user of role admin, or a token of the
// tenant) manages its tenant; a supervisor reads its tenant's configuration
// and interactions, watches its wallboard, sets its agents' states and moves
// its waiting contacts; a client viewer reads its tenant's interactions and
// wallboard; an agent reads only /me. A request for another tenant's data is
// answered 404, as if the data did not exist.
//
// The wallboard (from the live center, Options.Live) is served as JSON and
// as Server-Sent Events (GET .../wallboard/stream, text/event-stream: the
// only route that is not JSON; it sends the wallboard every second, checks
// the credential again before each event and ends when the client leaves).
//
// Errors are data: Catalogue lists every code with its HTTP status, and
// every error response is {"error":{"code","message","status","field","request_id"}}.
package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/workforce"
)

// MaxBodyBytes bounds request bodies.
const MaxBodyBytes = 1 << 20

// Defaults of Options.
const (
	DefaultLoginRate  = 10
	DefaultSessionTTL = 12 * time.Hour
)

// Change says that a configuration row was created, updated or deleted.
type Change struct {
	// Kind is one of "queue", "agent", "schedule", "entry_point", "skill",
	// "site" or "tenant".
	Kind     string
	TenantID int64
	ID       int64
	Deleted  bool
}

// Change kinds.
const (
	KindQueue      = "queue"
	KindAgent      = "agent"
	KindSchedule   = "schedule"
	KindEntryPoint = "entry_point"
	KindSkill      = "skill"
	KindSite       = "site"
	KindTenant     = "tenant"
	KindCanned     = "canned_response"
	// KindUser: a user was deleted or updated or its password set; its
	// open sessions elsewhere (the agent socket) must be checked again.
	KindUser = "user"
)

// Options configure the API; the zero value is usable.
type Options struct {
	// Logger receives request failures and audit lines; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock of sessions and rate limits; nil means time.Now.
	Now func() time.Time
	// OnChange, when set, is called after every successful create, update
	// or delete of a configuration row, before the response is written. Its
	// context is not cancelled when the client goes away.
	OnChange func(ctx context.Context, ev Change)
	// LoginRate is the number of login attempts allowed per minute for one
	// client IP and login (a token bucket of that size); 0 means
	// DefaultLoginRate. Ignored when Logins is set.
	LoginRate int
	// Logins bounds password checks (concurrency, per address, per login);
	// share it with the agents' WebSocket sign-in. Nil means a Guard of its
	// own with the defaults and LoginRate.
	Logins *loginguard.Guard
	// PlanningTimeout bounds a planning request (it also stops when the
	// client leaves); 0 means DefaultPlanningTimeout. PlanningConcurrent is
	// how many run at once, the others refused 429; 0 means
	// DefaultPlanningConcurrent.
	PlanningTimeout    time.Duration
	PlanningConcurrent int
	// RecordingsDir is where call recordings are kept
	// (<dir>/<tenant>/<queue>/<interaction>.wav), for erasures; empty: none.
	RecordingsDir string
	// SecureCookies marks the session cookie Secure (serve over HTTPS).
	SecureCookies bool
	// SessionTTL is how long a session lives after sign-in; 0 means
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// SharedSessions keeps the password sessions in the store instead of
	// this process's memory, so that every node of a cluster accepts a
	// session signed in on any of them (sessions_shared.go). OnRevoke, when
	// set, is told each sign-out and removal of someone's access made
	// here, for the other nodes (which pass it to their API's Revoked).
	SharedSessions bool
	OnRevoke       func(ctx context.Context, r Revocation)
	// SIPRealm is the digest realm agents' SIP passwords are hashed for
	// (the SIP server's); empty means DefaultSIPRealm.
	SIPRealm string
	// Live is the live contact center behind the wallboard and the
	// supervisor actions; nil answers them 503 unavailable.
	Live Live
	// Workforce is the palmarès formula (zero: workforce.DefaultConfig);
	// Commitments and FairContracts feed two of its criteria (nil: left
	// out, said on the page).
	Workforce     workforce.Config
	Commitments   workforce.Commitments
	FairContracts workforce.FairContracts
	// ServiceLevels is what the contracts' service-level clauses read
	// (nil: the store and the API's own commitments evaluator).
	ServiceLevels billing.Commitments
}

// API serves the REST API. Create it with New.
type API struct {
	// streams ends the open event streams (EndStreams, at shutdown).
	streams    context.Context
	endStreams context.CancelFunc
	st         *store.Store
	log        *slog.Logger
	now        func() time.Time
	onChange   func(ctx context.Context, ev Change)
	live       Live
	secure     bool
	sessions   sessionKeeper
	onRevoke   func(ctx context.Context, r Revocation)
	logins     *loginguard.Guard
	// revoked wakes the open event streams to check their credential
	// again at once (a user deleted, a token revoked, a password set).
	revoked revocations
	// planning holds a token per planning request running.
	planning        chan struct{}
	planningTimeout time.Duration
	recordings      string
	routes          []route
	mux             *http.ServeMux
	openapi         []byte
	handler         http.Handler
	sipRealm        string
	workforce       *workforce.Service
	serviceLevels   billing.Commitments
}

// EndStreams ends the open event streams (the wallboard's): call it when
// the server shuts down, since http.Server.Shutdown waits for them and
// does not cancel their requests. Requests are served as before.
func (a *API) EndStreams() { a.endStreams() }

// New returns the API over st.
func New(st *store.Store, opts Options) *API {
	a := &API{
		st:       st,
		log:      opts.Logger,
		now:      opts.Now,
		onChange: opts.OnChange,
		live:     opts.Live,
		secure:   opts.SecureCookies,
		sipRealm: opts.SIPRealm,
	}
	if a.sipRealm == "" {
		a.sipRealm = DefaultSIPRealm
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	rate := opts.LoginRate
	if rate <= 0 {
		rate = DefaultLoginRate
	}
	ttl := opts.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	a.streams, a.endStreams = context.WithCancel(context.Background())
	if opts.SharedSessions {
		a.sessions = newSharedSessions(st, a.now, ttl)
	} else {
		a.sessions = newSessionStore(a.now, ttl)
	}
	a.onRevoke = opts.OnRevoke
	a.planning = make(chan struct{}, cmp.Or(opts.PlanningConcurrent, DefaultPlanningConcurrent))
	a.planningTimeout = cmp.Or(opts.PlanningTimeout, DefaultPlanningTimeout)
	a.recordings = opts.RecordingsDir
	a.logins = opts.Logins
	if a.logins == nil {
		a.logins = loginguard.New(loginguard.Options{Now: a.now, PerAddressLogin: rate})
	}
	if opts.Commitments == nil { // the palmarès's commitments criterion
		opts.Commitments = a.evaluator()
	}
	a.serviceLevels = opts.ServiceLevels
	if a.serviceLevels == nil {
		a.serviceLevels = billing.CommitmentReader{St: st, Eval: a.evaluator()}
	}
	a.workforce = newWorkforce(st, opts)
	a.routes = a.routeTable()
	a.mux = http.NewServeMux()
	for _, rt := range a.routes {
		a.mux.Handle(rt.pattern(), a.wrap(rt))
	}
	doc, err := json.MarshalIndent(buildOpenAPI(a.routes), "", "  ")
	if err != nil {
		// The document is built from static types; failing here is a
		// programming error caught by the tests.
		panic(fmt.Sprintf("api: marshal OpenAPI document: %v", err))
	}
	a.openapi = doc
	a.handler = a.withRequestID(a.withRecover(http.HandlerFunc(a.dispatch)))
	return a
}

// Handler returns the http.Handler serving /api/v1/.
func (a *API) Handler() http.Handler { return a.handler }

type ctxKey int

const requestIDKey ctxKey = 0

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(b[:])
}

// withRequestID gives every request an id, sent back in X-Request-ID and
// in error bodies, and sets headers common to every response.
func (a *API) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		h := w.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// recordingWriter remembers whether the response was started.
type recordingWriter struct {
	http.ResponseWriter
	started bool
}

func (w *recordingWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRecover turns a panicking handler into an internal error.
func (a *API) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recordingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if rw.started {
				a.log.ErrorContext(r.Context(), "api panic after response started", "request_id", requestID(r.Context()), "err", err)
				return
			}
			a.writeError(rw, r, &Error{Code: CodeInternal, Message: "internal error", Err: err})
		}()
		next.ServeHTTP(rw, r)
	})
}

// dispatch serves a request through the mux, answering unknown paths and
// methods with catalogue errors instead of the mux's plain text.
func (a *API) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		a.writeError(w, r, apiErr(CodeMethodNotAllowed, "%s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	a.writeError(w, r, apiErr(CodeNotFound, "no endpoint %s", r.URL.Path))
}

// writeJSON sends v with status.
func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		a.writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := w.Write(append(body, '\n')); err != nil {
		a.log.DebugContext(r.Context(), "write response", "request_id", requestID(r.Context()), "err", err)
	}
}

// writeError sends err as a catalogue error; internal errors are logged
// with the request id and their cause, never sent.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := toAPIError(err)
	def := lookupCode(ae.Code)
	id := requestID(r.Context())
	msg := ae.Message
	switch {
	case def.Code == CodeInternal:
		a.log.ErrorContext(r.Context(), "api internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error; see the server log for request " + id
	case def.Status >= 500:
		a.log.WarnContext(r.Context(), "api request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if def.Code == CodeUnauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="plateau"`)
	}
	if errors.Is(err, live.ErrStopped) { // stopping, or moving to another node
		w.Header().Set("Retry-After", "1")
	}
	body := ErrorResponse{Error: ErrorBody{Code: def.Code, Message: msg, Status: def.Status, Field: ae.Field, Key: ae.Key, Params: ae.Params, RequestID: id}}
	b, mErr := json.Marshal(body)
	if mErr != nil { // only strings and ints: cannot happen
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(def.Status)
	if _, err := w.Write(append(b, '\n')); err != nil {
		a.log.DebugContext(r.Context(), "write error response", "request_id", id, "err", err)
	}
}

// decodeJSON reads r's body, of at most MaxBodyBytes, into dst, refusing
// other content types, unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return apiErr(CodeUnsupportedMedia, "missing Content-Type: send application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return apiErr(CodeUnsupportedMedia, "Content-Type %q is not supported: send application/json", ct)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return jsonError(err)
		}
		return apiErr(CodeBadJSON, "the body must hold a single JSON value")
	}
	// Control characters are refused alike on both backends (PostgreSQL
	// cannot store U+0000 in text).
	return model.CheckControl(dst)
}

// jsonError explains a decoding failure.
func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typ       *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		unknownPr = "json: unknown field "
	)
	if ve, ok := model.MoneyError(err); ok {
		// An amount with more than 2 decimals, negative or too large.
		return &Error{Code: CodeValidationFailed, Field: jsonPath(ve.Field), Message: ve.Message, Key: ve.Key, Params: ve.Params, Err: err}
	}
	switch {
	case errors.As(err, &tooLarge):
		return &Error{Code: CodeBodyTooLarge, Message: fmt.Sprintf("the body must be at most %d bytes", tooLarge.Limit), Err: err}
	case errors.Is(err, io.EOF):
		return &Error{Code: CodeBadJSON, Message: "the body is empty: send a JSON object", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Code: CodeBadJSON, Message: "the body ends in the middle of a JSON value", Err: err}
	case errors.As(err, &syntax):
		return &Error{Code: CodeBadJSON, Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax), Err: err}
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		want := typ.Type.String()
		if typ.Type == reflect.TypeFor[model.Money]() {
			want = "an amount (a JSON number with at most 2 decimals)"
		}
		return &Error{Code: CodeBadJSON, Field: field, Message: fmt.Sprintf("expected %s, got a JSON %s", want, typ.Value), Err: err}
	case strings.HasPrefix(err.Error(), unknownPr):
		field := strings.Trim(strings.TrimPrefix(err.Error(), unknownPr), `"`)
		return &Error{Code: CodeUnknownField, Field: field, Message: fmt.Sprintf("unknown field %q", field), Err: err}
	}
	return &Error{Code: CodeBadJSON, Message: "the body is not valid JSON", Err: err}
}

// jsonPath is a decoder's field path without the Go names of embedded
// structs ("ScheduleSpec.sites.cost_per_hour" is "sites.cost_per_hour"):
// JSON names are lower case, Go type names are not.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && (p[0] < 'A' || p[0] > 'Z') {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// revocations is a broadcast: every fire wakes those waiting on the channel
// wait returned before it.
type revocations struct {
	mu sync.Mutex
	ch chan struct{}
}

func (r *revocations) wait() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch == nil {
		r.ch = make(chan struct{})
	}
	return r.ch
}

func (r *revocations) fire() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ch != nil {
		close(r.ch)
	}
	r.ch = make(chan struct{})
}
