package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// DefaultGrace is how long a waiting customer whose socket dropped keeps
// their place before the contact is abandoned.
const DefaultGrace = 2 * time.Minute

// Defaults of the WebSocket timeouts and chat limits (Options).
const (
	DefaultChatStartsPerMinute   = 10
	DefaultChatWaitingPerAddress = 5
	DefaultSilentGrace           = 20 * time.Second
	DefaultFirstFrameTimeout     = 10 * time.Second
	DefaultPingInterval          = 30 * time.Second
	DefaultPingTimeout           = 15 * time.Second
)

// positionEvery is the shortest time between two position recomputations
// of one queue.
const positionEvery = 500 * time.Millisecond

// ErrStopped is returned by calls made after Run has returned.
var ErrStopped = errors.New("live center stopped")

// Options configure a Center.
type Options struct {
	// Logger receives the center's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Grace is how long a waiting customer whose socket dropped keeps their
	// place; 0 means DefaultGrace.
	Grace time.Duration
	// Registerer receives the center's Prometheus series (plateau_queue_waiting,
	// plateau_chats_waiting, plateau_offers_total, plateau_sessions_connected,
	// plateau_messages_total, plateau_wait_seconds); nil keeps them unexported.
	Registerer prometheus.Registerer
	// OriginPatterns restricts the Origin of WebSocket handshakes (see
	// websocket.AcceptOptions); empty accepts any origin, which is safe here
	// because customers hold only their resume token and agents sign in in
	// the socket: a browser session (SessionUser) is honoured only from a
	// page of the socket's own origin.
	OriginPatterns []string
	// SessionUser, if set, finds the signed-in user of a browser session
	// from an agent socket's handshake (the API's session cookie), so that
	// a desktop reloaded within its session signs in with a login frame
	// without password; an error means no usable session. The cookie is
	// honoured only from a page of the socket's own origin.
	SessionUser func(ctx context.Context, r *http.Request) (model.User, error)
	// FirstFrameTimeout closes a WebSocket that has not started a chat,
	// resumed one or signed an agent in by then (status 1008); 0 means
	// DefaultFirstFrameTimeout.
	FirstFrameTimeout time.Duration
	// PingInterval is how often an idle session is pinged, PingTimeout how
	// long its pong may take before the session is closed; 0 means
	// DefaultPingInterval and DefaultPingTimeout.
	PingInterval, PingTimeout time.Duration
	// ChatStartsPerMinute is the chats one source address may start per
	// minute (a bucket as large); 0 means DefaultChatStartsPerMinute, < 0
	// no limit. ChatWaitingPerAddress is the chats from one address waiting
	// at once on one entry point; 0 means DefaultChatWaitingPerAddress, < 0
	// no limit.
	ChatStartsPerMinute, ChatWaitingPerAddress int
	// ResumeGrace is how long a resume token still opens its conversation
	// after it ended; 0 means DefaultResumeGrace.
	ResumeGrace time.Duration
	// SilentGrace is how long a waiting customer who never sent a message
	// keeps their place after the socket dropped; 0 means
	// DefaultSilentGrace (it is never longer than Grace).
	SilentGrace time.Duration
	// Tenant, when not 0, makes a center of that one tenant: only its
	// configuration and open contacts are loaded (a node of a cluster runs
	// one center per tenant it owns, docs/cluster.md).
	Tenant int64
	// Fence, when set, goes with every write of the engine's goroutine
	// (store.WithFence): once the node's lease is lost they are refused.
	Fence store.Fence
	// Logins bounds the agents' password checks (concurrency, per address,
	// per login); share it with the REST login. Nil means a Guard of its own
	// with the defaults.
	Logins *loginguard.Guard
}

// Center is the live contact center: one routing engine for every tenant,
// owned by the goroutine running Run, fed by the customers' and agents'
// WebSocket sessions and by Reload. Its methods are safe for concurrent use.
type Center struct {
	st      *store.Store
	log     *slog.Logger
	now     func() time.Time
	grace   time.Duration
	origins []string
	// sessionUser is Options.SessionUser (agentsession.go).
	sessionUser func(ctx context.Context, r *http.Request) (model.User, error)
	logins      *loginguard.Guard
	// WebSocket timeouts (Options).
	firstFrame, pingEvery, pingTimeout time.Duration
	silentGrace                        time.Duration
	resumeGrace                        time.Duration
	// Anonymous chat limits per source address (Options).
	chatStarts  *loginguard.Limiter // nil: no limit
	waitingMax  int                 // <= 0: no limit
	waitingMu   sync.Mutex
	waitingFrom map[string]int // entry point and address -> chats waiting
	metrics     *metrics
	cmds        chan func(*owner)
	done        chan struct{}
	stopped     context.Context // done when Run returns: sessions end with it
	stop        context.CancelFunc
	running     atomic.Bool
	entries     entryCache
	voice       voiceHooks // voice.go
	stats       statsCache
	figures     figuresCache // agentfigures.go
	// announcer stores what customers were told on arrival; Run starts and closes it.
	announcer *announcer
	// stateLog stores the agents' state history; Run starts and closes it.
	stateLog *batcher[store.AgentStateChange]
	o        *owner      // only touched by New and then by Run's goroutine
	tenant   int64       // Options.Tenant
	fence    store.Fence // Options.Fence
	// sessions counts the WebSocket sessions' goroutines, which Run waits
	// for; after Run, sessionsClosed refuses new ones.
	sessionsMu     sync.Mutex
	sessionsClosed bool
	sessions       sync.WaitGroup
	open           map[*session]struct{}     // under sessionsMu
	users          map[*session]signedInUser // signed-in agents' sessions, under sessionsMu
	// arrivals orders the chats' arrivals (order.go).
	arrivals arrivalOrder
}

// New loads every tenant's queues and agents from the store into a new
// engine and restores the contacts still open (see the package
// documentation). Call Run to start it.
func New(ctx context.Context, st *store.Store, opts Options) (*Center, error) {
	c := &Center{
		st: st, log: opts.Logger, now: opts.Now, grace: opts.Grace, origins: opts.OriginPatterns, sessionUser: opts.SessionUser,
		logins: opts.Logins, tenant: opts.Tenant, fence: opts.Fence,
		cmds: make(chan func(*owner)),
		done: make(chan struct{}),
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("live center metrics: %w", err)
	}
	c.metrics = m
	c.stopped, c.stop = context.WithCancel(context.Background())
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.grace <= 0 {
		c.grace = DefaultGrace
	}
	c.firstFrame = cmp.Or(opts.FirstFrameTimeout, DefaultFirstFrameTimeout)
	c.pingEvery = cmp.Or(opts.PingInterval, DefaultPingInterval)
	c.pingTimeout = cmp.Or(opts.PingTimeout, DefaultPingTimeout)
	if c.logins == nil {
		c.logins = loginguard.New(loginguard.Options{Now: c.now})
	}
	c.resumeGrace = cmp.Or(opts.ResumeGrace, DefaultResumeGrace)
	c.silentGrace = min(cmp.Or(opts.SilentGrace, DefaultSilentGrace), c.grace)
	if n := cmp.Or(opts.ChatStartsPerMinute, DefaultChatStartsPerMinute); n > 0 {
		c.chatStarts = loginguard.NewLimiter(c.now, n, time.Minute)
	}
	c.waitingMax = cmp.Or(opts.ChatWaitingPerAddress, DefaultChatWaitingPerAddress)
	c.waitingFrom = map[string]int{}
	c.announcer = newAnnouncer(st, c.log, c.metrics.announcementsDropped)
	c.stateLog = newStateLog(st, c.log, c.metrics.statesDropped)
	c.fenceBatchers()
	if c.fence != nil {
		ctx = store.WithFence(ctx, c.fence)
	}
	// The agents were signed out by the stop: their last stretches end now.
	if err := c.closeAgentStates(ctx); err != nil {
		return nil, fmt.Errorf("live center: %w", err)
	}
	c.o = newOwner(c, ctx)
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	if err := c.o.restore(ctx); err != nil {
		return nil, err
	}
	// The restored contacts' states are stored before anybody is served
	// (the engine's writes are queued, not waited for one by one).
	if err := c.o.writes.Wait(ctx); err != nil {
		return nil, fmt.Errorf("store the restored contacts: %w", err)
	}
	return c, nil
}

// load reads the configuration of every tenant.
func (c *Center) load(ctx context.Context) error {
	tenants, err := c.tenants(ctx)
	if err != nil {
		return fmt.Errorf("load live center: %w", err)
	}
	type tenantConf struct {
		queues []model.Queue
		scheds map[int64]model.Schedule
		agents []model.Agent
	}
	confs := make([]tenantConf, 0, len(tenants))
	for _, t := range tenants {
		var tc tenantConf
		if tc.queues, err = c.st.ListQueues(ctx, t.ID); err != nil {
			return fmt.Errorf("load queues of tenant %d: %w", t.ID, err)
		}
		scheds, err := c.st.ListSchedules(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("load schedules of tenant %d: %w", t.ID, err)
		}
		tc.scheds = make(map[int64]model.Schedule, len(scheds))
		for _, s := range scheds {
			tc.scheds[s.ID] = s
		}
		if tc.agents, err = c.st.ListAgents(ctx, t.ID); err != nil {
			return fmt.Errorf("load agents of tenant %d: %w", t.ID, err)
		}
		confs = append(confs, tc)
	}
	for _, tc := range confs {
		for _, q := range tc.queues {
			var sched *model.Schedule
			if q.ScheduleID != nil {
				if s, ok := tc.scheds[*q.ScheduleID]; ok {
					sched = &s
				}
			}
			if err := c.o.setQueue(q, sched); err != nil {
				// One bad queue must not keep the others from working.
				c.log.Error("load queue", "queue", q.ID, "tenant", q.TenantID, "err", err)
			}
		}
	}
	for _, tc := range confs {
		for _, a := range tc.agents {
			if err := c.o.setAgent(a); err != nil {
				c.log.Error("load agent", "agent", a.ID, "tenant", a.TenantID, "err", err)
			}
		}
	}
	return nil
}

// Run owns the engine until ctx is done: it applies the sessions' commands
// one at a time, fires the engine's timers, persists and fans out its
// events. It returns nil when ctx is cancelled; the open sessions are then
// closed. Run may be called once.
func (c *Center) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("live center: Run called twice")
	}
	// Deferred calls run last first: the sessions are told, the center
	// stops, then Run waits for the sessions' goroutines to finish.
	defer c.waitSessions()
	defer close(c.done)
	// After everything below: the writes queued to the end are committed
	// before Run returns (and the store may be closed).
	defer c.o.writes.Wait(context.WithoutCancel(ctx))
	go c.announcer.run()
	defer c.announcer.close()
	go c.stateLog.run()
	defer c.stateLog.close()
	defer c.stop()
	o := c.o
	o.ctx = ctx
	if c.fence != nil {
		o.ctx = store.WithFence(ctx, c.fence)
	}
	defer o.closeSessions()
	defer c.closeOpen() // runs first: every socket hears 1001
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if c.fenced() {
			return nil
		}
		o.tick(c.now())
		timer.Reset(o.nextWake(c.now()))
		select {
		case <-ctx.Done():
			return nil
		case fn := <-c.cmds:
			if c.fenced() {
				return nil
			}
			fn(o)
			o.process()
		case <-timer.C:
		}
	}
}

// addSession counts a new session's goroutine; false once Run has ended.
func (c *Center) addSession(s *session) bool {
	c.sessionsMu.Lock()
	defer c.sessionsMu.Unlock()
	if c.sessionsClosed {
		return false
	}
	c.sessions.Add(1)
	if c.open == nil {
		c.open = map[*session]struct{}{}
	}
	c.open[s] = struct{}{}
	return true
}

// dropSession forgets an ended session.
func (c *Center) dropSession(s *session) {
	c.sessionsMu.Lock()
	defer c.sessionsMu.Unlock()
	delete(c.open, s)
	delete(c.users, s)
}

// closeOpen closes every open session with 1001 (going away) when the
// center stops, so that pages reconnect quietly.
func (c *Center) closeOpen() {
	c.sessionsMu.Lock()
	c.sessionsClosed = true
	open := make([]*session, 0, len(c.open))
	for s := range c.open {
		open = append(open, s)
	}
	c.sessionsMu.Unlock()
	goingAway(open)
}

// waitSessions refuses new sessions and waits for the running ones.
func (c *Center) waitSessions() {
	c.sessionsMu.Lock()
	c.sessionsClosed = true
	c.sessionsMu.Unlock()
	c.sessions.Wait()
}

// do runs fn on the owner goroutine and returns its error.
func (c *Center) do(ctx context.Context, fn func(o *owner) error) error {
	return c.command(ctx, func(o *owner) (func(), error) {
		err := fn(o)
		o.process()
		// The caller hears back once the command's writes are committed
		// (reads after do see them); the engine goes on meanwhile.
		return o.writes.Pending(), err
	})
}

// command runs fn on the owner goroutine; its caller hears back with fn's
// error once the wait fn returns (if any) is over, the engine going on
// meanwhile.
func (c *Center) command(ctx context.Context, fn func(o *owner) (func(), error)) error {
	res := make(chan error, 1)
	select {
	case c.cmds <- func(o *owner) {
		wait, err := fn(o)
		if wait != nil {
			go func() { wait(); res <- err }()
			return
		}
		res <- err
	}:
	case <-ctx.Done():
		return fmt.Errorf("live center: %w", ctx.Err())
	case <-c.done:
		return ErrStopped
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return fmt.Errorf("live center: %w", ctx.Err())
	case <-c.done:
		return ErrStopped
	}
}

// ChangeKind names what Reload reloads.
type ChangeKind string

// Change kinds.
const (
	ChangeQueue    ChangeKind = "queue"
	ChangeAgent    ChangeKind = "agent"
	ChangeSchedule ChangeKind = "schedule"
)

// Change tells the center that one queue, agent or schedule of a tenant was
// created, updated or deleted.
type Change struct {
	Kind     ChangeKind
	TenantID int64
	ID       int64
	Deleted  bool
}

// Reload applies a configuration change from the store to the live engine.
// A deleted queue takes no new contact (those waiting are still served); a
// deleted agent is logged out and serves no queue.
func (c *Center) Reload(ctx context.Context, ch Change) error {
	switch ch.Kind {
	case ChangeQueue:
		var (
			q     model.Queue
			sched *model.Schedule
			err   error
		)
		if !ch.Deleted {
			q, err = c.st.GetQueue(ctx, ch.TenantID, ch.ID)
			if errors.Is(err, store.ErrNotFound) {
				ch.Deleted = true
			} else if err != nil {
				return fmt.Errorf("reload queue %d: %w", ch.ID, err)
			}
		}
		if !ch.Deleted && q.ScheduleID != nil {
			s, err := c.st.GetSchedule(ctx, ch.TenantID, *q.ScheduleID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("reload queue %d: %w", ch.ID, err)
			}
			if err == nil {
				sched = &s
			}
		}
		return c.do(ctx, func(o *owner) error {
			if ch.Deleted {
				return o.deleteQueue(ch.TenantID, acd.QueueID(ch.ID))
			}
			return o.setQueue(q, sched)
		})
	case ChangeAgent:
		var a model.Agent
		if !ch.Deleted {
			var err error
			a, err = c.st.GetAgent(ctx, ch.TenantID, ch.ID)
			if errors.Is(err, store.ErrNotFound) {
				ch.Deleted = true
			} else if err != nil {
				return fmt.Errorf("reload agent %d: %w", ch.ID, err)
			}
		}
		return c.do(ctx, func(o *owner) error {
			if ch.Deleted {
				return o.deleteAgent(ch.TenantID, acd.AgentID(ch.ID))
			}
			return o.setAgent(a)
		})
	case ChangeSchedule:
		var sched *model.Schedule
		if !ch.Deleted {
			s, err := c.st.GetSchedule(ctx, ch.TenantID, ch.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("reload schedule %d: %w", ch.ID, err)
			}
			if err == nil {
				sched = &s
			}
		}
		return c.do(ctx, func(o *owner) error { return o.setSchedule(ch.TenantID, ch.ID, sched) })
	}
	return fmt.Errorf("reload: unknown change kind %q", ch.Kind)
}

// QueueSnapshot is a wallboard's view of one queue.
type QueueSnapshot struct {
	QueueID     int64          `json:"queue_id"`
	Name        string         `json:"name"`
	Channel     model.Channel  `json:"channel"`
	Waiting     int            `json:"waiting"`
	Callbacks   int            `json:"callbacks"`
	LongestWait time.Duration  `json:"longest_wait_ns"`
	Available   int            `json:"available"`
	Staffed     int            `json:"staffed"`
	Agents      map[string]int `json:"agents"` // agents who can take its contacts (allowed, skilled, with a capacity on its channel), by state
	// Contacts are the first waiting (or offered) contacts by arrival, at
	// most wallboardContacts, for a supervisor to move.
	Contacts []WaitingContact `json:"contacts"`
}

// wallboardContacts bounds the waiting contacts listed per queue.
const wallboardContacts = 50

// WaitingContact is a contact waiting in a queue, as a wallboard lists it:
// the customer's name only (the API leaves it out for client viewers).
type WaitingContact struct {
	ContactID int64         `json:"contact_id"`
	Name      string        `json:"name"` // the customer's, "" when not given
	Channel   model.Channel `json:"channel"`
	ArrivedAt time.Time     `json:"arrived_at"`
	Position  int           `json:"position"` // 0 while offered to an agent
	Callback  bool          `json:"callback"`
	Offered   bool          `json:"offered"`
}

// AgentSnapshot is an agent's live state.
type AgentSnapshot struct {
	AgentID int64  `json:"agent_id"`
	Name    string `json:"name"`
	State   string `json:"state"`
	// Presence is what the agent returns to after its work (logged_out,
	// ready, not_ready): a busy agent that missed an offer is not ready.
	Presence string `json:"presence"`
	Reason   string `json:"reason"` // set when Presence is not_ready
	Online   bool   `json:"online"` // a session is connected
	// Since is when the agent entered its state; nil when it has not
	// changed since the center started.
	Since *time.Time `json:"since"`
	// Contacts are the contacts it holds now (conversations, wrap-ups).
	Contacts []AgentContact `json:"contacts"`
	// Today are its figures of the day (the wallboard's only).
	Today *AgentFigures `json:"today,omitempty"`
}

// Snapshot is a tenant's live status.
type Snapshot struct {
	At     time.Time       `json:"at"`
	Queues []QueueSnapshot `json:"queues"`
	Agents []AgentSnapshot `json:"agents"`
}

// Snapshot returns the live status of a tenant's queues and agents.
func (c *Center) Snapshot(ctx context.Context, tenantID int64) (Snapshot, error) {
	var snap Snapshot
	err := c.do(ctx, func(o *owner) error {
		snap = o.snapshot(tenantID)
		return nil
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot of tenant %d: %w", tenantID, err)
	}
	slices.SortFunc(snap.Queues, func(a, b QueueSnapshot) int { return int(a.QueueID - b.QueueID) })
	slices.SortFunc(snap.Agents, func(a, b AgentSnapshot) int { return int(a.AgentID - b.AgentID) })
	return snap, nil
}
