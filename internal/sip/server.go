// Package sip is Plateau's SIP voice channel, on github.com/emiago/sipgo:
// calls to entry numbers are stored and queued in the live center (with
// spoken position and expected wait, music on hold, DTMF callback), agents'
// phones register with digest authentication and are rung when the routing
// engine offers them a call, and Plateau bridges the two media streams
// (G.711 passthrough, RFC 4733 events passed through).
//
// Plateau is a SIP endpoint, never a proxy: it answers INVITEs to the entry
// numbers it knows (others get 404), rings only authenticated registered
// agent phones whose SIP account is unchanged, and places one kind of
// outbound call, a callback, through the configured gateway: to the number
// the caller confirmed by keys, or, when a queue overflows to callback, to
// the calling number of the From header; in every case only to a number
// the callback policy allows (Config.CallbackAllow and CallbackDeny
// prefixes; none by default), within daily caps per number and per source.
// INVITEs and REGISTERs are rate-limited per source address, and calls in
// progress are capped globally and per tenant (Config.MaxCalls).
package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/softphone"
	"github.com/plateau-cc/plateau/internal/store"
)

// Defaults of Config.
const (
	DefaultAddr          = "127.0.0.1:5060"
	DefaultRealm         = "plateau"
	DefaultAnnounceEvery = 60 * time.Second
	DefaultMaxExpires    = time.Hour
	DefaultMaxCalls      = 200
	// fullRetryAfter is the Retry-After of the 503 answered when the call
	// caps are reached (seconds).
	fullRetryAfter = 30
	defaultExpires = time.Hour
	minExpires     = 30 * time.Second
	// eventPT is the telephone-event payload type of the offers Plateau makes.
	eventPT = 101
)

// callbackPrefixRE is the syntax of CallbackAllow and CallbackDeny.
var callbackPrefixRE = regexp.MustCompile(`^\+?[0-9]{1,15}$`)

// Config configures the SIP server.
type Config struct {
	// Addr is where SIP is served over UDP and TCP (host:port; port 0 picks
	// one, the same for both).
	Addr string
	// TLSAddr, CertFile and KeyFile add SIP over TLS when all are set.
	TLSAddr, CertFile, KeyFile string
	// RTPHost is the IP address media sockets bind to and SDP announces;
	// empty means Addr's host, which must then be a specific address.
	RTPHost string
	// Realm of the digest challenges (the HA1s of the SIP accounts are
	// computed for it). Default DefaultRealm.
	Realm string
	// AnnounceEvery is the period of the position announcement to waiting
	// callers (default DefaultAnnounceEvery).
	AnnounceEvery time.Duration
	// MenuTimeout is how long a voice menu waits for a key once said
	// (default DefaultMenuTimeout).
	MenuTimeout time.Duration
	// Per-source rate limits: sustained requests per second and burst.
	// Zero values take the defaults (INVITE 5/s burst 20, REGISTER 2/s
	// burst 10).
	InviteRate, InviteBurst     float64
	RegisterRate, RegisterBurst float64
	// DigestSHA256 also challenges phones with SHA-256 (RFC 8760), after
	// MD5. Off by default: some phones give up on an algorithm they do not
	// know. Responses in SHA-256 are accepted either way.
	DigestSHA256 bool
	// MaxExpires caps a registration's lifetime (default DefaultMaxExpires).
	MaxExpires time.Duration
	// MaxCalls caps the calls in progress (waiting, ringing, bridged,
	// callbacks being placed), each holding a stored contact and a media
	// socket; MaxCallsPerTenant caps one tenant's share. New INVITEs past a
	// cap get 503 with Retry-After. Defaults: DefaultMaxCalls, and
	// MaxCalls for a tenant.
	MaxCalls, MaxCallsPerTenant int
	// CallbackGateway (host:port, UDP) receives the callbacks Plateau
	// places to customers' numbers (sip:NUMBER@gateway). Empty: callers are
	// not offered a callback (Plateau could not place it).
	CallbackGateway string
	// CallbackTrunk names the trunk (with an Outbound address) the
	// callbacks go out through, instead of CallbackGateway.
	CallbackTrunk string
	// CallbackAllow lists the prefixes of the numbers Plateau may call
	// back ("+33", "06", ...); CallbackDeny the prefixes refused even so
	// ("+338", "08"): deny wins. Empty CallbackAllow allows no number, so
	// callbacks are not offered: Plateau never dials a number (premium,
	// international) nobody chose to pay for. The calling number (From,
	// which the caller chooses) is proposed and used for an overflow
	// callback only when it passes.
	CallbackAllow, CallbackDeny []string
	// CallbacksPerNumber and CallbacksPerSource cap the callbacks registered
	// per UTC day to one number and from one source IP (defaults
	// DefaultCallbacksPerNumber, DefaultCallbacksPerSource).
	CallbacksPerNumber, CallbacksPerSource int
	// RecordingsDir holds the recordings of queues with Recording on
	// (<tenant>/<queue>/<contact>.wav); empty: no recording.
	RecordingsDir string
	// Softphone rings the agents whose desktop has its browser softphone on
	// (before their SIP phone); nil: SIP phones only.
	Softphone *softphone.Manager
	// ReadTimeout bounds how long a TCP or TLS connection may take to send
	// a whole message once it started one, and its first message once
	// connected; IdleTimeout closes a connection with no message for that
	// long. MaxConns caps the open SIP stream connections, and
	// MaxConnsPerSource those from one IP address (past them new ones are
	// closed at once). Defaults: DefaultReadTimeout, DefaultIdleTimeout,
	// DefaultMaxConns, DefaultMaxConnsPerSource.
	ReadTimeout, IdleTimeout    time.Duration
	MaxConns, MaxConnsPerSource int
	// Trunks are the carriers' SIP trunks (their INVITEs skip the
	// per-source INVITE limit, held to the trunk's own).
	Trunks []Trunk
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the plateau_sip_* series; nil keeps them unexported.
	Registerer prometheus.Registerer
	// Cluster is set on a node of a cluster (cluster.go): the calls of a
	// tenant run on its owner's center. Nil: one node, one center.
	Cluster Cluster
}

func (c *Config) defaults() error {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("sip: address %q: %w", c.Addr, err)
	}
	if c.RTPHost == "" {
		c.RTPHost = host
	}
	ip, err := netip.ParseAddr(c.RTPHost)
	if err != nil || ip.IsUnspecified() {
		return fmt.Errorf("sip: RTP host %q must be a specific IP address (set it when SIP listens on every address)", c.RTPHost)
	}
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.AnnounceEvery <= 0 {
		c.AnnounceEvery = DefaultAnnounceEvery
	}
	if c.MenuTimeout <= 0 {
		c.MenuTimeout = DefaultMenuTimeout
	}
	if c.InviteRate <= 0 {
		c.InviteRate = 5
	}
	if c.InviteBurst <= 0 {
		c.InviteBurst = 20
	}
	if c.RegisterRate <= 0 {
		c.RegisterRate = 2
	}
	if c.RegisterBurst <= 0 {
		c.RegisterBurst = 10
	}
	if c.MaxExpires <= 0 {
		c.MaxExpires = DefaultMaxExpires
	}
	for _, p := range append(append([]string(nil), c.CallbackAllow...), c.CallbackDeny...) {
		if !callbackPrefixRE.MatchString(p) {
			return fmt.Errorf("sip: callback prefix %q: want digits, optionally after +", p)
		}
	}
	if c.MaxCalls <= 0 {
		c.MaxCalls = DefaultMaxCalls
	}
	if c.MaxCallsPerTenant <= 0 || c.MaxCallsPerTenant > c.MaxCalls {
		c.MaxCallsPerTenant = c.MaxCalls
	}
	if c.CallbacksPerNumber <= 0 {
		c.CallbacksPerNumber = DefaultCallbacksPerNumber
	}
	if c.CallbacksPerSource <= 0 {
		c.CallbacksPerSource = DefaultCallbacksPerSource
	}
	if (c.CertFile == "") != (c.KeyFile == "") || (c.TLSAddr == "") != (c.CertFile == "") {
		return errors.New("sip: TLS needs an address, a certificate file and a key file")
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConnsPerSource <= 0 || c.MaxConnsPerSource > c.MaxConns {
		c.MaxConnsPerSource = min(DefaultMaxConnsPerSource, c.MaxConns)
	}
	names := map[string]bool{}
	for i := range c.Trunks {
		if err := c.Trunks[i].validate(); err != nil {
			return err
		}
		if names[c.Trunks[i].Name] {
			return fmt.Errorf("sip trunk %s: the name is used twice", c.Trunks[i].Name)
		}
		names[c.Trunks[i].Name] = true
	}
	if c.CallbackTrunk != "" {
		if c.CallbackGateway != "" {
			return errors.New("sip: a callback gateway and a callback trunk: choose one")
		}
		i := slices.IndexFunc(c.Trunks, func(t Trunk) bool { return t.Name == c.CallbackTrunk })
		if i < 0 {
			return fmt.Errorf("sip: callback trunk %q: no such trunk", c.CallbackTrunk)
		}
		if c.Trunks[i].Outbound == "" {
			return fmt.Errorf("sip: callback trunk %q has no outbound address", c.CallbackTrunk)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Server is Plateau's SIP endpoint.
type Server struct {
	cfg      Config
	log      *slog.Logger
	center   *live.Center
	st       *store.Store
	now      func() time.Time
	speakers map[string]*media.Speaker
	moh      *media.Samples
	clock    *media.Clock // paces every call's prompts and music
	invites  *limiter
	regs     *limiter
	nonces   nonces
	reg      *registrar
	unreach  *unreachables
	trunks   []*trunkState
	cbTrunk  *trunkState // the trunk of the callbacks, nil for none
	metrics  *metrics
	cbPolicy *callbackPolicy
	prompts  promptCache // the entry points' menu prompts
	setup    setupCache  // the configuration each setup reads (setupcache.go)

	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	udpDUA  *sipgo.DialogUA // dialogs over UDP: requests leave from the listening socket
	tcpDUA  *sipgo.DialogUA
	udpAddr netip.AddrPort
	tcpAddr netip.AddrPort
	tlsAddr netip.AddrPort
	udpConn net.PacketConn
	tcpLn   net.Listener
	tlsLn   net.Listener
	tlsConf *tls.Config

	mu    sync.Mutex
	calls map[string]*call // by the caller's dialog id (Plateau is the UAS)
	legs  map[string]*leg  // by the dialog id of the calls Plateau placed (UAC)
	all   map[*call]struct{}
	// calls in progress per tenant (the entries of all), for MaxCallsPerTenant
	perTenant map[int64]int
	wg        sync.WaitGroup
	ctx       context.Context // the server's lifetime, set by Serve
}

// New prepares a SIP server for the center; Listen binds it and Serve runs it.
func New(cfg Config, center *live.Center, st *store.Store) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if center == nil && cfg.Cluster == nil {
		return nil, errors.New("sip: no live center")
	}
	s := &Server{cfg: cfg, log: cfg.Logger, center: center, st: st, now: time.Now,
		speakers: map[string]*media.Speaker{},
		invites:  newLimiter(cfg.InviteRate, cfg.InviteBurst),
		regs:     newLimiter(cfg.RegisterRate, cfg.RegisterBurst),
		reg:      newRegistrar(), unreach: newUnreachables(), trunks: newTrunks(cfg.Trunks),
		calls: map[string]*call{}, legs: map[string]*leg{}, all: map[*call]struct{}{}, perTenant: map[int64]int{},
		ctx: context.Background(), clock: media.NewClock(),
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("sip: nonce key: %w", err)
	}
	s.cbTrunk = s.trunkNamed(cfg.CallbackTrunk)
	s.nonces = nonces{key: key, now: func() time.Time { return s.now() }, uses: newNonceUses()}
	m, err := newMetrics(s, cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("sip: metrics: %w", err)
	}
	s.metrics = m
	s.cbPolicy = newCallbackPolicy(cfg.CallbackAllow, cfg.CallbackDeny, cfg.CallbacksPerNumber, cfg.CallbacksPerSource, m.callbacksRefused)
	if s.canCallBack() && len(cfg.CallbackAllow) == 0 {
		s.log.Warn("sip: a callback gateway or trunk without callback_allow: no number may be called back, callbacks are not offered")
	}
	prompts := media.Prompts()
	for _, lang := range []string{media.French, media.English} {
		sp, err := media.NewSpeaker(prompts, lang)
		if err != nil {
			return nil, fmt.Errorf("sip: prompts %s: %w", lang, err)
		}
		s.speakers[lang] = sp
	}
	moh, err := media.LoadWAV(prompts, media.MusicOnHold)
	if err != nil {
		return nil, fmt.Errorf("sip: music on hold: %w", err)
	}
	s.moh = moh
	// sipgo logs malformed datagrams at error level: that is a remote
	// party's doing, so its layers log at debug under Plateau's logger.
	quiet := slog.New(demote{s.log.With("part", "sipgo").Handler()})
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Plateau"), sipgo.WithUserAgentHostname(cfg.RTPHost),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet), sipmsg.WithTransportLayerReadFilter(s.udpFilter)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(r *sipmsg.Response) {
				quiet.Debug("sip: response matching no transaction (a retransmission)", "response", r.Short())
			})))
	if err != nil {
		return nil, fmt.Errorf("sip: user agent: %w", err)
	}
	s.ua = ua
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		return nil, fmt.Errorf("sip: server: %w", err)
	}
	s.srv = srv
	srv.OnInvite(s.checked(s.onInvite))
	srv.OnAck(s.checked(s.onAck))
	srv.OnBye(s.checked(s.onBye))
	srv.OnCancel(s.checked(s.onCancel))
	srv.OnInfo(s.checked(s.onInfo))
	srv.OnRegister(s.checked(s.onRegister))
	srv.OnOptions(s.checked(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusOK, "OK", nil)
		res.AppendHeader(sipmsg.NewHeader("Allow", allowMethods))
		respond(tx, res)
	}))
	srv.OnNoRoute(s.checked(s.onNoRoute))
	return s, nil
}

// Prompts returns the embedded prompt file system (for tests comparing what
// a caller hears).
func Prompts() fs.FS { return media.Prompts() }

// Listen binds the UDP and TCP (and TLS) listeners.
func (s *Server) Listen(ctx context.Context) error {
	var lc net.ListenConfig
	var err error
	for range 50 {
		s.udpConn, err = lc.ListenPacket(ctx, "udp", s.cfg.Addr)
		if err != nil {
			return fmt.Errorf("sip: listen udp %s: %w", s.cfg.Addr, err)
		}
		s.udpAddr = s.udpConn.LocalAddr().(*net.UDPAddr).AddrPort()
		s.tcpLn, err = lc.Listen(ctx, "tcp", netip.AddrPortFrom(s.udpAddr.Addr(), s.udpAddr.Port()).String())
		if err == nil {
			break
		}
		s.udpConn.Close()
		if _, port, _ := net.SplitHostPort(s.cfg.Addr); port != "0" {
			return fmt.Errorf("sip: listen tcp %s: %w", s.cfg.Addr, err)
		}
	}
	if err != nil {
		return fmt.Errorf("sip: listen tcp %s: %w", s.cfg.Addr, err)
	}
	s.tcpAddr = s.tcpLn.Addr().(*net.TCPAddr).AddrPort()
	s.tcpLn = s.guard(s.tcpLn, "tcp")
	if s.cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.CertFile, s.cfg.KeyFile)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("sip: TLS certificate: %w", err)
		}
		addr := s.cfg.TLSAddr
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("sip: listen tls %s: %w", addr, err)
		}
		s.tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.tlsLn = s.guard(tls.NewListener(ln, s.tlsConf), "tls")
		s.tlsAddr = ln.Addr().(*net.TCPAddr).AddrPort()
	}
	host := s.cfg.RTPHost
	udpClient, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(host), sipgo.WithClientPort(int(s.udpAddr.Port())),
		sipgo.WithClientConnectionAddr(s.udpAddr.String()))
	if err != nil {
		s.closeListeners()
		return fmt.Errorf("sip: udp client: %w", err)
	}
	tcpClient, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(host))
	if err != nil {
		s.closeListeners()
		return fmt.Errorf("sip: tcp client: %w", err)
	}
	s.udpDUA = &sipgo.DialogUA{Client: udpClient, RewriteContact: true,
		ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "plateau", Host: host, Port: int(s.udpAddr.Port())}}}
	s.tcpDUA = &sipgo.DialogUA{Client: tcpClient, RewriteContact: true,
		ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "plateau", Host: host, Port: int(s.tcpAddr.Port()),
			UriParams: params("transport", "tcp")}}}
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range []interface{ Close() error }{s.udpConn, s.tcpLn, s.tlsLn} {
		if c != nil { // a nil net.PacketConn or net.Listener converts to nil
			c.Close()
		}
	}
}

// Addr is the UDP (and TCP) address SIP is served on.
func (s *Server) Addr() netip.AddrPort { return s.udpAddr }

// TLSAddr is the TLS address, invalid when TLS is off.
func (s *Server) TLSAddr() netip.AddrPort { return s.tlsAddr }

// Serve answers SIP until ctx is done, then hangs up every call and closes
// the listeners.
func (s *Server) Serve(ctx context.Context) error {
	if s.udpConn == nil {
		return errors.New("sip: Serve before Listen")
	}
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	if s.center != nil { // a cluster's centers get it as they start
		s.center.SetVoiceDialer(s)
	}
	var listeners sync.WaitGroup
	listeners.Go(func() { s.keepServing(ctx, "udp", func() error { return s.srv.ServeUDP(s.udpConn) }, nil) })
	err := waitConn(ctx, s.ua, "udp", s.udpAddr.String())
	if err != nil {
		err = fmt.Errorf("sip: serve: %w", err)
	} else {
		s.serve(ctx, &listeners)
	}
	// Whatever ended serving: the common cleanup.
	if s.center != nil {
		s.center.SetVoiceDialer(nil)
	}
	// Hang up what is left, then close.
	s.mu.Lock()
	calls := make([]*call, 0, len(s.all))
	for c := range s.all {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.shutdown()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.log.Warn("sip: calls still ending at shutdown")
	}
	s.closeListeners()
	listeners.Wait()
	s.ua.Close()
	return err
}

// serve runs the TCP and TLS listeners beside UDP until ctx is done. A
// listener that stops is started again (keepServing): SIP never stops
// before ctx.
func (s *Server) serve(ctx context.Context, listeners *sync.WaitGroup) {
	listeners.Go(func() {
		s.keepServing(ctx, "tcp", func() error { return s.srv.ServeTCP(s.listener(&s.tcpLn)) },
			func() error { return s.rebind(ctx, &s.tcpLn, "tcp", s.tcpAddr, nil) })
	})
	if s.tlsLn != nil {
		listeners.Go(func() {
			s.keepServing(ctx, "tls", func() error { return s.srv.ServeTLS(s.listener(&s.tlsLn)) },
				func() error { return s.rebind(ctx, &s.tlsLn, "tls", s.tlsAddr, s.tlsConf) })
		})
	}
	if s.cfg.RecordingsDir != "" {
		go s.runSweeper(ctx)
	}
	attrs := []any{"udp", s.udpAddr.String(), "tcp", s.tcpAddr.String()}
	if s.tlsLn != nil { // no "invalid AddrPort" when TLS is not configured
		attrs = append(attrs, "tls", s.tlsAddr.String())
	}
	s.log.Info("sip serving", attrs...)
	<-ctx.Done()
}

// listener reads a stream listener, which rebind may replace.
func (s *Server) listener(ln *net.Listener) net.Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *ln
}

// rebind replaces a stream listener that stopped with a new one on the
// same address (over TLS with conf).
func (s *Server) rebind(ctx context.Context, ln *net.Listener, transport string, addr netip.AddrPort, conf *tls.Config) error {
	s.listener(ln).Close() // whatever stopped it, it is done with
	var lc net.ListenConfig
	raw, err := lc.Listen(ctx, "tcp", addr.String())
	if err != nil {
		return fmt.Errorf("sip: listen %s %s again: %w", transport, addr, err)
	}
	var next net.Listener = raw
	if conf != nil {
		next = tls.NewListener(raw, conf)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		raw.Close()
		return ctx.Err()
	}
	*ln = s.guard(next, transport)
	return nil
}

// serverCtx is the context calls live in.
func (s *Server) serverCtx() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ctx
}

// ---- helpers ----

func respond(tx sipmsg.ServerTransaction, res *sipmsg.Response) {
	_ = tx.Respond(res) // a failed response is the client's loss: it retransmits or gives up
}

func reply(req *sipmsg.Request, tx sipmsg.ServerTransaction, code int, reason string, hdrs ...sipmsg.Header) {
	res := sipmsg.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	respond(tx, res)
}

// sourceHost is the IP a request came from (the rate limits' key).
func sourceHost(req *sipmsg.Request) string {
	src := req.Source()
	if h, _, err := net.SplitHostPort(src); err == nil {
		return h
	}
	return src
}

// limited answers 503 with Retry-After when src is over its rate.
func (s *Server) limited(l *limiter, req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	ok, wait := l.allow(sourceHost(req), s.now())
	if ok {
		return false
	}
	reply(req, tx, sipmsg.StatusServiceUnavailable, "Rate Limited", sipmsg.NewHeader("Retry-After", strconv.Itoa(retryAfter(wait))))
	return true
}

// full reports whether MaxCalls calls are in progress.
func (s *Server) full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all) >= s.cfg.MaxCalls
}

// replyFull answers an INVITE past the call caps.
func (s *Server) replyFull(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	reply(req, tx, sipmsg.StatusServiceUnavailable, "Too Many Calls", sipmsg.NewHeader("Retry-After", strconv.Itoa(fullRetryAfter)))
}

// wellFormed checks the headers every request of a dialog needs.
func wellFormed(req *sipmsg.Request) bool {
	return req.From() != nil && req.To() != nil && req.CallID() != nil && req.CSeq() != nil && req.Via() != nil
}

// ---- REGISTER ----

func (s *Server) onRegister(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if s.limited(s.regs, req, tx) {
		return
	}
	if !wellFormed(req) {
		reply(req, tx, sipmsg.StatusBadRequest, "Missing Headers")
		return
	}
	src := sourceHost(req)
	// The nonce is bound to the source and to the address of record (which
	// must be the account's username).
	aor := req.To().Address.User
	challenge := func(stale bool) {
		res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusUnauthorized, "Unauthorized", nil)
		for _, ch := range challenges(s.cfg.Realm, s.nonces.make(src, aor), stale, s.cfg.DigestSHA256) {
			res.AppendHeader(sipmsg.NewHeader("WWW-Authenticate", ch))
		}
		respond(tx, res)
	}
	h := req.GetHeader("Authorization")
	if h == nil {
		challenge(false)
		return
	}
	cred, err := parseCredentials(h.Value())
	if err != nil {
		reply(req, tx, sipmsg.StatusBadRequest, "Bad Authorization")
		return
	}
	if cred.Realm != s.cfg.Realm {
		challenge(false)
		return
	}
	if ok, stale := s.nonces.check(cred.Nonce, src, cred.Username); !ok {
		challenge(stale)
		return
	}
	if !sameURI(cred.URI, req.Recipient) {
		s.log.Info("sip register: digest uri is not the request URI", "username", cred.Username, "uri", cred.URI, "source", req.Source())
		reply(req, tx, sipmsg.StatusBadRequest, "Digest URI Mismatch")
		return
	}
	ctx, cancel := context.WithTimeout(s.serverCtx(), 5*time.Second)
	defer cancel()
	acc, err := s.st.FindSIPAccount(ctx, cred.Username)
	if errors.Is(err, store.ErrNotFound) {
		s.log.Info("sip register: unknown username", "username", cred.Username, "source", req.Source())
		challenge(false)
		return
	}
	if err != nil {
		s.log.Error("sip register: find account", "err", err)
		reply(req, tx, sipmsg.StatusInternalServerError, "Server Error")
		return
	}
	if acc.Realm != s.cfg.Realm || !verifyDigest(cred, acc.HA1MD5, acc.HA1SHA256, string(req.Method)) {
		s.log.Info("sip register: wrong credentials", "username", cred.Username, "source", req.Source())
		challenge(false)
		return
	}
	if !s.nonces.use(cred.Nonce, cred.NC) {
		// A replay, or a nonce count going back: a new nonce (stale, so a
		// genuine phone retries at once).
		s.log.Info("sip register: nonce reused", "username", cred.Username, "nc", cred.NC, "source", req.Source())
		challenge(true)
		return
	}
	if s.elsewhere(ctx, req, tx, acc.TenantID) {
		return // its tenant runs on another node (cluster.go)
	}
	// The address of record is the account's own.
	if to := req.To(); to == nil || to.Address.User != acc.Username {
		reply(req, tx, sipmsg.StatusForbidden, "Not Your Address")
		return
	}
	expires := defaultExpires
	if e := req.GetHeader("Expires"); e != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(e.Value())); err == nil && n >= 0 {
			expires = time.Duration(n) * time.Second
		}
	}
	contact := req.Contact()
	if contact != nil && contact.Params != nil {
		if v, ok := contact.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				expires = time.Duration(n) * time.Second
			}
		}
	}
	if contact == nil {
		// A query: answer with the current binding.
		res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusOK, "OK", nil)
		if b, ok := s.reg.lookup(acc.AgentID, s.now()); ok {
			res.AppendHeader(&sipmsg.ContactHeader{Address: b.contact, Params: params("expires", strconv.Itoa(int(time.Until(b.expires).Seconds())))})
		}
		respond(tx, res)
		return
	}
	if contact.Address.Wildcard || expires == 0 {
		s.reg.remove(acc.AgentID)
		s.log.Info("sip phone unregistered", "agent", acc.AgentID, "username", acc.Username)
		reply(req, tx, sipmsg.StatusOK, "OK")
		return
	}
	if expires < minExpires {
		reply(req, tx, 423, "Interval Too Brief", sipmsg.NewHeader("Min-Expires", strconv.Itoa(int(minExpires.Seconds()))))
		return
	}
	expires = min(expires, s.cfg.MaxExpires)
	s.reg.set(binding{agentID: acc.AgentID, tenantID: acc.TenantID, username: acc.Username, ha1MD5: acc.HA1MD5, contact: contact.Address,
		source: req.Source(), transport: req.Transport(), expires: s.now().Add(expires)})
	s.unreach.reached(acc.AgentID)
	s.log.Info("sip phone registered", "agent", acc.AgentID, "username", acc.Username, "contact", contact.Address.String(), "source", req.Source())
	res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusOK, "OK", nil)
	res.AppendHeader(&sipmsg.ContactHeader{Address: contact.Address, Params: params("expires", strconv.Itoa(int(expires.Seconds())))})
	respond(tx, res)
}

// ---- INVITE and in-dialog requests ----

func (s *Server) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if !wellFormed(req) || req.Contact() == nil {
		reply(req, tx, sipmsg.StatusBadRequest, "Missing Headers")
		return
	}
	if tag, ok := req.To().Params.Get("tag"); ok && tag != "" {
		// A re-INVITE (hold, session refresh): the media stays as it is;
		// outside any dialog, there is nothing to change.
		if !s.inDialog(req) {
			reply(req, tx, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
			return
		}
		reply(req, tx, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	trunk := s.trunkOf(req)
	if trunk != nil {
		if s.limitedTrunk(trunk, req, tx) {
			return
		}
	} else if s.limited(s.invites, req, tx) {
		return
	}
	if s.full() {
		// Before any lookup: a flood costs no database work.
		s.replyFull(req, tx)
		return
	}
	number, err := entryNumber(req.Recipient)
	if err != nil || (trunk != nil && !trunk.delivers(number)) {
		reply(req, tx, sipmsg.StatusNotFound, "Not Found")
		return
	}
	if trunk == nil && s.refusesUnknown(number) {
		s.metrics.trunkRefused.Inc()
		reply(req, tx, sipmsg.StatusForbidden, "Trunk Only")
		return
	}
	if trunk != nil {
		if !trunk.take() {
			s.replyFull(req, tx)
			return
		}
		// Released when the call ends, or now if it never starts.
		defer func() {
			if trunk != nil {
				trunk.release()
			}
		}()
	}
	ctx, cancel := context.WithTimeout(s.serverCtx(), 10*time.Second)
	defer cancel()
	ep, err := s.entryPoint(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		reply(req, tx, sipmsg.StatusNotFound, "Not Found")
		return
	}
	if err != nil {
		s.log.Error("sip invite: resolve entry number", "number", number, "err", err)
		reply(req, tx, sipmsg.StatusServiceUnavailable, "Unavailable", sipmsg.NewHeader("Retry-After", "5"))
		return
	}
	if s.elsewhere(ctx, req, tx, ep.TenantID) {
		return // another node runs the tenant (cluster.go)
	}
	offer, law, ok := acceptOffer(req, tx)
	if !ok {
		return
	}
	reply(req, tx, sipmsg.StatusTrying, "Trying")
	if s.answerCall(ctx, req, tx, ep, offer, law, trunk) {
		trunk = nil // the call releases it
	}
}

// inDialog reports whether an in-dialog request belongs to a call or a leg.
func (s *Server) inDialog(req *sipmsg.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, err := sipmsg.DialogIDFromRequestUAS(req); err == nil && s.calls[id] != nil {
		return true
	}
	if id, err := sipmsg.DialogIDFromRequestUAC(req); err == nil && s.legs[id] != nil {
		return true
	}
	return false
}

// acceptOffer parses an INVITE's SDP offer and chooses its G.711 codec;
// when it cannot, it answers 488 and ok is false.
func acceptOffer(req *sipmsg.Request, tx sipmsg.ServerTransaction) (offer *media.Offer, law media.Law, ok bool) {
	offer, err := media.ParseOffer(req.Body())
	if err != nil {
		reply(req, tx, sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		return nil, law, false
	}
	law, err = offer.ChooseCodec()
	if err != nil {
		reply(req, tx, sipmsg.StatusNotAcceptableHere, "No G.711")
		return nil, law, false
	}
	return offer, law, true
}

// dialogUA returns the dialog UA of a transport.
func (s *Server) dialogUA(transport string) *sipgo.DialogUA {
	if strings.EqualFold(transport, "udp") {
		return s.udpDUA
	}
	return s.tcpDUA
}

func (s *Server) onAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id, err := sipmsg.DialogIDFromRequestUAS(req)
	if err != nil {
		return
	}
	s.mu.Lock()
	c := s.calls[id]
	s.mu.Unlock()
	if c != nil && c.dlg != nil {
		_ = c.dlg.ReadAck(req, tx)
	}
}

func (s *Server) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if !wellFormed(req) {
		reply(req, tx, sipmsg.StatusBadRequest, "Missing Headers")
		return
	}
	if id, err := sipmsg.DialogIDFromRequestUAS(req); err == nil {
		s.mu.Lock()
		c := s.calls[id]
		s.mu.Unlock()
		if c != nil {
			if err := c.dlg.ReadBye(req, tx); err != nil {
				reply(req, tx, sipmsg.StatusBadRequest, "Bad Request")
				return
			}
			c.push(callEvent{kind: evCallerBye})
			return
		}
	}
	if id, err := sipmsg.DialogIDFromRequestUAC(req); err == nil {
		s.mu.Lock()
		l := s.legs[id]
		s.mu.Unlock()
		if l != nil {
			if err := l.dlg.ReadBye(req, tx); err != nil {
				reply(req, tx, sipmsg.StatusBadRequest, "Bad Request")
				return
			}
			l.call.push(callEvent{kind: evLegBye, leg: l})
			return
		}
	}
	reply(req, tx, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
}

func (s *Server) onInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id, err := sipmsg.DialogIDFromRequestUAS(req)
	var c *call
	if err == nil {
		s.mu.Lock()
		c = s.calls[id]
		s.mu.Unlock()
	}
	if c == nil {
		reply(req, tx, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	d, err := media.ParseSIPInfo(ct, req.Body())
	if err != nil {
		reply(req, tx, sipmsg.StatusUnsupportedMediaType, "Unsupported Media Type")
		return
	}
	c.digits.Push(d)
	reply(req, tx, sipmsg.StatusOK, "OK")
}

// register/unregister calls and legs for in-dialog routing.
func (s *Server) addCall(id string, c *call) {
	s.mu.Lock()
	s.calls[id] = c
	s.mu.Unlock()
}

func (s *Server) dropCall(id string) {
	s.mu.Lock()
	delete(s.calls, id)
	s.mu.Unlock()
}

func (s *Server) addLeg(id string, l *leg) {
	s.mu.Lock()
	s.legs[id] = l
	s.mu.Unlock()
}

func (s *Server) dropLeg(id string) {
	s.mu.Lock()
	delete(s.legs, id)
	s.mu.Unlock()
}

// rtpListen opens a media session on the RTP host.
// What it plays is paced on the server's shared clock.
func (s *Server) rtpListen(ctx context.Context) (*media.Session, error) {
	sess, err := media.Listen(ctx, net.JoinHostPort(s.cfg.RTPHost, "0"))
	if err != nil {
		return nil, err
	}
	sess.SetClock(s.clock)
	return sess, nil
}

func (s *Server) speaker(lang string) *media.Speaker {
	if sp, ok := s.speakers[lang]; ok {
		return sp
	}
	return s.speakers[media.French]
}

// params makes header parameters from key, value pairs.
func params(kv ...string) sipmsg.HeaderParams {
	p := sipmsg.NewParams()
	for i := 0; i+1 < len(kv); i += 2 {
		p.Add(kv[i], kv[i+1])
	}
	return p
}

// waitConn waits until the transport layer serves the listening socket at
// addr, so that requests sent from it reuse it.
func waitConn(ctx context.Context, ua *sipgo.UserAgent, network, addr string) error {
	for {
		if c, err := ua.TransportLayer().GetConnection(network, addr); err == nil && c != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// demote is a log handler passing every record on at debug level.
type demote struct{ slog.Handler }

func (d demote) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.Handler.Enabled(ctx, slog.LevelDebug)
}

func (d demote) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.Handler.Handle(ctx, r)
}

func (d demote) WithAttrs(as []slog.Attr) slog.Handler { return demote{d.Handler.WithAttrs(as)} }
func (d demote) WithGroup(g string) slog.Handler       { return demote{d.Handler.WithGroup(g)} }

// RouteLibraryLogs sends what sipgo logs outside the layers of a server
// (its default logger: "TCP ref went negative", unhandled requests of a
// client...) to log, at debug level: they are noise to an operator. Call
// it once at the start of the process, before any SIP server or phone.
func RouteLibraryLogs(log *slog.Logger) {
	sipmsg.SetDefaultLogger(slog.New(demote{log.With("part", "sipgo").Handler()}))
}
