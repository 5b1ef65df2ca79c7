package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/plateau-cc/plateau/internal/api"
	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/softphone"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/web"
)

// Server is a running Plateau: storage, the live center and the web server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	Store   *store.Store
	Center  *live.Center
	api     *api.API
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
	// channelStops counts the channels (sip) that stopped while the
	// server ran: each is logged and the others go on.
	channelStops *prometheus.CounterVec
	ln           net.Listener
	http         *http.Server
	// metrics serves /metrics on [http] metrics_addr; nil without one.
	metrics   *http.Server
	metricsLn net.Listener
	// SIP is the voice channel, nil when off.
	SIP *sip.Server
	// Upkeep keeps the report rollups up to date.
	Upkeep *report.Upkeep
	// cluster runs the tenants this node owns (--nats); nil on one node,
	// where Center runs them all (cluster.go).
	cluster *clusterNode
}

// Open opens the storage, runs prepare on it if given (the demo seeds its
// tenant there), loads the live center and binds the listener; Run serves.
// The caller closes the server with Run's context.
func Open(ctx context.Context, cfg Config, logger *slog.Logger, prepare func(context.Context, *store.Store) error) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	dsn := cfg.DSN()
	if cfg.Cluster.Enabled() {
		dsn = store.ClusterDSN(dsn)
	}
	st, err := store.OpenWith(ctx, dsn, store.Options{SQLiteSynchronous: cfg.SQLiteSync})
	if err != nil {
		return nil, err
	}
	if prepare != nil {
		if err := prepare(ctx, st); err != nil {
			st.Close()
			return nil, err
		}
	}
	s := &Server{cfg: cfg, log: logger, Store: st, reg: prometheus.NewRegistry(),
		Upkeep: report.NewUpkeep(st, logger.With("part", "report"), time.Second, 64)}
	// Small batches with a rest between them: the upkeep never holds the
	// database's writer long while contacts arrive.
	s.Upkeep.SetPause(20 * time.Millisecond)
	logins := loginguard.New(loginguard.Options{Concurrent: cfg.Login.Concurrent, PerAddressLogin: cfg.Login.PerAddressLogin,
		PerAddress: cfg.Login.PerAddress, PerLogin: cfg.Login.PerLogin})
	liveOpts := live.Options{Logger: logger.With("part", "live"), Registerer: s.reg,
		OriginPatterns: cfg.Web.Origins, Logins: logins, FirstFrameTimeout: cfg.Web.FirstFrameTimeout.Duration,
		PingInterval: cfg.Web.PingInterval.Duration, PingTimeout: cfg.Web.PingTimeout.Duration,
		Grace: cfg.Chat.Grace.Duration, SilentGrace: cfg.Chat.SilentGrace.Duration, ResumeGrace: cfg.Chat.ResumeGrace.Duration,
		ChatStartsPerMinute: cfg.Chat.StartsPerMinute, ChatWaitingPerAddress: cfg.Chat.WaitingPerAddress,
		// The API is made just below, before anything is served.
		SessionUser: func(ctx context.Context, r *http.Request) (model.User, error) { return s.api.SessionUser(ctx, r) }}
	var liveAPI api.Live
	var onRevoke func(context.Context, api.Revocation)
	if cfg.Cluster.Enabled() {
		s.cluster, err = openCluster(cfg, st, logger, liveOpts)
		liveAPI = s.cluster
		if s.cluster != nil {
			onRevoke = s.cluster.tellRevoked
		}
	} else {
		s.Center, err = live.New(ctx, st, liveOpts)
		liveAPI = s.Center
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	s.api = api.New(st, api.Options{
		Logger:        logger.With("part", "api"),
		SecureCookies: cfg.SecureCookies,
		OnChange:      s.reload,
		SIPRealm:      cfg.SIP.Realm,
		Live:          liveAPI,
		Logins:        logins,
		RecordingsDir: recordingsDir(cfg.Data),
		Workforce:     cfg.Palmares,
		FairContracts: billing.FairContracts{Src: st},
		ServiceLevels: billing.CommitmentReader{St: st, Eval: &commitment.Evaluator{St: st, Recordings: api.RecordedContacts(recordingsDir(cfg.Data))}},

		// Several nodes share the sessions and tell each other of
		// revocations (cluster_revoke.go).
		SharedSessions: s.cluster != nil,
		OnRevoke:       onRevoke,
	})
	if s.cluster != nil {
		s.cluster.revoked = s.api.Revoked
	}
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "plateau_http_request_duration_seconds",
		Help:    "HTTP request latency by route group, method and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"group", "method", "code"})
	s.channelStops = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plateau_channel_stops_total",
		Help: "Channels (sip) that stopped while the server ran; the web, API and chats go on."}, []string{"channel"})
	s.reg.MustRegister(s.latency, s.channelStops, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(st.DB(), string(st.Dialect())))
	if err := s.listen(); err != nil {
		s.cluster.close()
		st.Close()
		return nil, err
	}
	sipAdvertised := ""
	if cfg.SIP.Enabled() {
		sc := cfg.SIP.sipConfig(cfg.Data)
		sc.Logger = logger.With("part", "sip")
		sc.Registerer = s.reg
		sc.Softphone = softphone.New(cfg.SIP.softphoneConfig(logger.With("part", "softphone")))
		if s.cluster != nil {
			sc.Cluster = sipCluster{s.cluster} // each tenant center gets the softphone as it starts
		} else {
			s.Center.SetSoftphone(sc.Softphone)
		}
		if s.SIP, err = sip.New(sc, s.Center, st); err == nil {
			if err = s.SIP.Listen(ctx); err != nil {
				err = fmt.Errorf("%w%s", err, portHint(err, "--sip (or PLATEAU_SIP, [sip] addr in the configuration file; --sip off turns SIP off)"))
			}
		}
		if err == nil && s.cluster != nil {
			s.cluster.setSIP(s.SIP, sc.Softphone)
			sipAdvertised, err = sipAdvertise(cfg, s.SIP.Addr())
		}
		if err != nil {
			s.cluster.close()
			s.closeListeners()
			st.Close()
			return nil, err
		}
	}
	if s.cluster != nil {
		if err := s.cluster.start(ctx, cmp.Or(cfg.Cluster.Advertise, s.Addr()), sipAdvertised); err != nil {
			s.closeListeners()
			st.Close()
			return nil, err
		}
		if ll, ok := s.ln.(*limitListener); ok {
			peer := s.cluster.isPeer
			ll.exempt.Store(&peer)
		}
	}
	s.http = s.newHTTPServer(s.routes())
	s.http.RegisterOnShutdown(s.api.EndStreams)
	return s, nil
}

// Addr is the address the web server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// reload passes a configuration change from the API to the live center.
func (s *Server) reload(ctx context.Context, ch api.Change) {
	if s.SIP != nil {
		s.SIP.ConfigChanged() // its call setups keep what they read
	}
	if s.cluster != nil {
		s.cluster.reload(ctx, ch)
		return
	}
	if ch.Kind == api.KindUser {
		if err := s.Center.UserChanged(ctx, ch.TenantID, ch.ID); err != nil {
			s.log.Error("close a changed user's sessions", "user", ch.ID, "err", err)
		}
		return
	}
	kinds := map[string]live.ChangeKind{api.KindQueue: live.ChangeQueue, api.KindAgent: live.ChangeAgent, api.KindSchedule: live.ChangeSchedule}
	k, ok := kinds[ch.Kind]
	if !ok {
		return
	}
	if err := s.Center.Reload(ctx, live.Change{Kind: k, TenantID: ch.TenantID, ID: ch.ID, Deleted: ch.Deleted}); err != nil {
		s.log.Error("reload the live center", "kind", ch.Kind, "id", ch.ID, "err", err)
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", s.timed("api", s.api.Handler()))
	if s.cluster != nil {
		mux.Handle("/chat/", s.timed("chat", s.cluster.chatHandler()))
		mux.Handle("/agent/", s.timed("agent", s.cluster.revocable(s.cluster.agentHandler())))
	} else {
		mux.Handle("/chat/", s.timed("chat", s.Center.ChatHandler()))
		mux.Handle("/agent/", s.timed("agent", s.Center.AgentHandler()))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.Store.Ping(ctx); err != nil {
			http.Error(w, "storage: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	if s.cfg.Web.MetricsAddr == "" {
		mux.Handle("GET /metrics", s.metricsHandler())
	}
	// The web interface: pages, the chat widget and their assets. "GET
	// /agent" is named so that the agent WebSocket's subtree does not
	// redirect the desktop's page.
	ui := s.timed("web", web.Handler())
	mux.Handle("/", ui)
	mux.Handle("GET /agent", ui)
	return bodyDeadline(cmp.Or(s.cfg.Web.BodyTimeout.Duration, DefaultBodyTimeout), mux)
}

// timed records a request's latency under group.
func (s *Server) timed(group string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		s.latency.WithLabelValues(group, r.Method, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController (and WebSocket upgrades) reach the
// connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Run runs the live center and serves until ctx is done, then shuts down
// gracefully: no new connection, open requests and sockets drained for at
// most the configured grace, storage closed last.
func (s *Server) Run(ctx context.Context) error {
	centerCtx, stopCenter := context.WithCancel(context.WithoutCancel(ctx))
	centerDone := make(chan error, 1)
	if s.cluster != nil {
		go func() { centerDone <- s.cluster.run(centerCtx) }()
	} else {
		go func() { centerDone <- s.Center.Run(centerCtx) }()
	}
	serveDone := make(chan error, 2)
	go func() { serveDone <- s.http.Serve(s.ln) }()
	if s.metrics != nil {
		go func() { serveDone <- s.metrics.Serve(s.metricsLn) }()
	}
	retention := &retentionJob{st: s.Store, recordings: recordingsDir(s.cfg.Data), now: time.Now, log: s.log.With("part", "retention")}
	retentionCtx, stopRetention := context.WithCancel(ctx)
	defer stopRetention()
	retentionDone := make(chan struct{})
	go func() { defer close(retentionDone); retention.run(retentionCtx) }()
	sipCtx, stopSIP := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSIP()
	sipDone := make(chan error, 1)
	if s.SIP != nil {
		go func() { sipDone <- s.SIP.Serve(sipCtx) }()
	}
	upkeepCtx, stopUpkeep := context.WithCancel(context.WithoutCancel(ctx))
	upkeepDone := make(chan struct{})
	go func() {
		defer close(upkeepDone)
		if s.cfg.ReportUpkeep == "off" {
			s.log.Warn("report rollups not kept up to date (report_upkeep = off): reports lag until it is on again")
			return
		}
		s.Upkeep.Run(upkeepCtx)
	}()
	s.log.Info("plateau serving", "http", s.Addr(), "db", redact(s.cfg.DSN()))
	var err error
	sipStopped := false
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case err = <-serveDone:
			err = fmt.Errorf("serve http: %w", err)
			break wait
		case err = <-centerDone:
			err = fmt.Errorf("live center stopped: %w", err)
			break wait
		case e := <-sipDone:
			// SIP restarts its own listeners; should it stop all the
			// same, the rest of Plateau goes on without voice.
			sipStopped = true
			s.channelStops.WithLabelValues("sip").Inc()
			s.log.Error("sip stopped: voice is off until restart, the rest goes on", "err", e)
			sipDone = nil
		}
	}
	s.log.Info("plateau shutting down")
	grace, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace.Duration)
	defer cancel()
	if e := s.http.Shutdown(grace); e != nil && !errors.Is(e, http.ErrServerClosed) {
		s.log.Warn("http shutdown", "err", e)
	}
	if s.metrics != nil {
		s.metrics.Close()
	}
	if s.SIP != nil && !sipStopped {
		stopSIP() // calls are hung up while the center still runs
		select {
		case <-sipDone:
		case <-grace.Done():
		}
	}
	stopCenter()
	select {
	case <-centerDone:
	case <-grace.Done():
		s.log.Warn("live center did not stop within the grace period")
	}
	stopRetention()
	<-retentionDone
	stopUpkeep()
	<-upkeepDone
	if e := s.Store.Close(); e != nil {
		s.log.Warn("close storage", "err", e)
	}
	return err
}

// redact hides a password in a DSN for logs.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return dsn
}

// portHint tells which setting changes an address that is already taken.
func portHint(err error, setting string) string {
	if errors.Is(err, syscall.EADDRINUSE) {
		return ": the port is taken by another program; choose another address with " + setting
	}
	return ""
}
