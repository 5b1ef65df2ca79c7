package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/plateau-cc/plateau/internal/media"
)

// Audio a load-test caller sends.
const (
	AudioTone    = "tone"    // 440 Hz
	AudioSilence = "silence" // µ-law zero
	AudioNone    = "none"    // signalling only
)

// Bounds of a SIP load test.
const (
	MaxSIPCalls   = 5000
	MaxSIPRate    = 1000.0
	MaxSIPHold    = 10 * time.Minute
	MaxSIPSources = 250
	// MaxSIPDuration and MaxSIPSteadyCalls bound a steady-state run
	// (SIPConfig.Duration).
	MaxSIPDuration    = 10 * time.Minute
	MaxSIPSteadyCalls = 120_000
	// silentRMS is the RMS (16-bit linear) under which received audio
	// counts as silence.
	silentRMS = 100
	// setupTimeout bounds INVITE -> final response.
	setupTimeout = 15 * time.Second
)

// SIPConfig describes a SIP load test.
type SIPConfig struct {
	// Target is the request URI called, e.g. sip:1000@127.0.0.1:5060; its
	// host must be a loopback address.
	Target    string
	Transport string // "udp" (default) or "tcp"
	Calls     int
	Rate      float64 // call setups (INVITEs) per second
	// Hold is how long each call stays up after its 200 OK, then BYE.
	Hold time.Duration
	// Duration, when set, makes a steady-state run: INVITEs at Rate for
	// this long (Calls is then Rate x Duration), the figures split in
	// SIPRun.Phases into the warm-up (calls started in the first WarmUp)
	// and the steady state (the rest), where new setups overlap hang-ups.
	Duration time.Duration
	// WarmUp is the start of the steady state; 0: Hold plus one second
	// (the first hang-ups have come by then).
	WarmUp time.Duration
	Audio  string // AudioTone (default), AudioSilence, AudioNone
	// Sources spreads the callers over this many source addresses
	// 127.0.0.1, 127.0.0.2, ... (servers rate-limit INVITEs per source);
	// 0 or 1: one source, the target's family loopback address.
	Sources int
	// MetricsURL is the server's Prometheus endpoint (loopback); empty:
	// no server CPU and memory figures.
	MetricsURL string
	// Baseline also measures a bare in-process SIP UAS with the same
	// client, at the same rate and count.
	Baseline bool
	Logger   *slog.Logger
}

// SIPResult is what a SIP load test measured: the server, and the bare
// baseline UAS from the same run.
type SIPResult struct {
	Target   string
	Server   SIPRun
	Baseline *SIPRun `json:",omitempty"`
}

// SIPRun is the figures of one run of callers against one UAS.
type SIPRun struct {
	Calls       int
	Established int            // calls answered with 200 OK
	Failures    map[string]int // failed setups by SIP status ("503 Rate Limited") or error
	ByeFailures int            `json:",omitempty"`
	// Retransmissions counts responses that arrived outside any transaction:
	// 200 OKs the UAS sent again because the ACK came late (or was lost).
	Retransmissions int
	// EndedByServer counts calls the UAS hung up (BYE) before the hold ended.
	EndedByServer int
	// SetupRate is the INVITEs sent per second: (calls - 1) / (time the
	// last call was started - time the first was); call i starts no
	// earlier than i / Rate after the first.
	SetupRate float64
	// AnswerRate is the 200 OKs received per second: (answered - 1) /
	// (last 200 OK - first 200 OK). It is below SetupRate by the setup
	// time of the last calls less that of the first ones; a UAS that does
	// not keep up makes it fall behind for good, and AnswerLag grow.
	AnswerRate float64
	// AnswerLag is from the last INVITE sent to the last 200 OK received.
	AnswerLag time.Duration
	Setup     Percentiles // INVITE sent -> 200 OK received
	Duration  time.Duration
	// PeakConcurrent is the most calls established at the same time.
	PeakConcurrent int
	// LoadgenCores is this process's CPU over the run, in cores: the
	// callers (and, for the baseline, the UAS too) share the machine with
	// the server.
	LoadgenCores float64
	RTP          RTPFigures
	// ServerProcess is from the server's /metrics (nil for the baseline,
	// which runs in this process, or without a metrics URL).
	ServerProcess *ProcessFigures `json:",omitempty"`
	// Phases is the warm-up and the steady state of a steady-state run
	// (SIPConfig.Duration), each call counted in the phase its INVITE was
	// due in.
	Phases []SIPPhase `json:",omitempty"`
}

// SIPPhase is the figures of the calls started in [From, To) of a run.
type SIPPhase struct {
	Name        string // "warm-up" or "steady"
	From, To    time.Duration
	Calls       int
	Established int
	Failures    map[string]int
	// Silent is the answered calls that heard no audio (no packet, or
	// none with energy) while they were up: answered, yet the caller
	// heard neither announcement nor music.
	Silent int
	Setup  Percentiles // INVITE sent -> 200 OK received
	// AnswerRate is the calls of the phase answered, per second of the
	// phase: Established / (To - From).
	AnswerRate float64
}

// phaseStats gathers a phase's figures (under runStats.mu).
type phaseStats struct {
	from, to    time.Duration
	name        string
	calls       int
	established int
	failures    map[string]int
	setups      []time.Duration
	silent      int
}

// RTPFigures sums the audio the callers received.
type RTPFigures struct {
	Sent           uint64 // packets the callers sent
	CallsWithAudio int    // calls that received at least one packet
	NonSilent      int    // calls whose received audio has energy (RMS >= 100)
	Packets        uint64 // packets received
	Expected       uint64 // by sequence numbers (RFC 3550 A.3)
	Lost           int64
	LossPct        float64
	// Jitter is the RFC 3550 interarrival jitter of each call at its end:
	// p50, p99 and max over the calls.
	Jitter Percentiles
	// Transit is the per-packet transit-time variation |D(i-1,i)| of RFC
	// 3550 6.4.1 over every packet of every call: its p50 and p99, 10 µs
	// resolution.
	TransitP50, TransitP99 time.Duration
	// KernelTimes: every call's arrival times were the kernel's receive
	// timestamps (media.Session.ReadPacketAt), so the callers' own
	// scheduling delays are not in Jitter and Transit.
	KernelTimes bool
}

// ProcessFigures are the server's CPU and memory over the run.
type ProcessFigures struct {
	CPUSeconds float64 // process_cpu_seconds_total over the run
	CPUCores   float64 // average cores over the run
	// SteadyCores is the average while at least 95% of the peak number of
	// calls were up (the queued calls hearing announcements); 0 when the
	// samples did not cover such a window.
	SteadyCores   float64
	SteadyWindow  time.Duration
	RSSBefore     int64
	RSSPeak       int64
	BytesPerCall  float64 // (peak - before) / peak concurrent calls
	MetricSamples int
}

// checkLoopback refuses hosts outside 127.0.0.0/8 and ::1.
func checkLoopback(what, host string) (netip.Addr, error) {
	if strings.EqualFold(host, "localhost") {
		return netip.MustParseAddr("127.0.0.1"), nil
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("loadtest sip: %s host %q is not an IP address (loopback only: 127.0.0.0/8 or ::1)", what, host)
	}
	a = a.Unmap()
	if !a.IsLoopback() {
		return netip.Addr{}, fmt.Errorf("loadtest sip: %s %s is not a loopback address: load tests only run against 127.0.0.0/8 or ::1", what, a)
	}
	return a, nil
}

func (cfg *SIPConfig) validate() (sipmsg.Uri, netip.Addr, error) {
	var uri sipmsg.Uri
	if cfg.Target == "" {
		cfg.Target = "sip:1000@127.0.0.1:5060"
	}
	if err := sipmsg.ParseUri(cfg.Target, &uri); err != nil {
		return uri, netip.Addr{}, fmt.Errorf("loadtest sip: target %q: %w", cfg.Target, err)
	}
	if uri.Scheme != "sip" {
		return uri, netip.Addr{}, fmt.Errorf("loadtest sip: target %q: only sip: URIs", cfg.Target)
	}
	host, err := checkLoopback("target", uri.Host)
	if err != nil {
		return uri, netip.Addr{}, err
	}
	uri.Host = host.String()
	if uri.Port == 0 {
		uri.Port = 5060
	}
	switch strings.ToLower(cfg.Transport) {
	case "", "udp":
		cfg.Transport = "udp"
	case "tcp":
		cfg.Transport = "tcp"
	default:
		return uri, host, fmt.Errorf("loadtest sip: transport %q: udp or tcp", cfg.Transport)
	}
	switch cfg.Audio {
	case "":
		cfg.Audio = AudioTone
	case AudioTone, AudioSilence, AudioNone:
	default:
		return uri, host, fmt.Errorf("loadtest sip: audio %q: tone, silence or none", cfg.Audio)
	}
	if cfg.Rate <= 0 || cfg.Rate > MaxSIPRate {
		return uri, host, fmt.Errorf("loadtest sip: rate %g: above 0, at most %g per second", cfg.Rate, MaxSIPRate)
	}
	if cfg.Hold < 0 || cfg.Hold > MaxSIPHold {
		return uri, host, fmt.Errorf("loadtest sip: hold %v: between 0 and %v", cfg.Hold, MaxSIPHold)
	}
	if cfg.Duration < 0 || cfg.Duration > MaxSIPDuration {
		return uri, host, fmt.Errorf("loadtest sip: duration %v: between 0 and %v", cfg.Duration, MaxSIPDuration)
	}
	if cfg.Duration > 0 {
		if cfg.WarmUp == 0 {
			cfg.WarmUp = cfg.Hold + time.Second
		}
		if cfg.WarmUp < 0 || cfg.WarmUp >= cfg.Duration {
			return uri, host, fmt.Errorf("loadtest sip: warm-up %v: at least 0 and shorter than the duration %v", cfg.WarmUp, cfg.Duration)
		}
		n := math.Ceil(cfg.Rate * cfg.Duration.Seconds())
		if n > MaxSIPSteadyCalls {
			return uri, host, fmt.Errorf("loadtest sip: %g calls (rate x duration): at most %d", n, MaxSIPSteadyCalls)
		}
		cfg.Calls = int(n)
	} else if cfg.Calls <= 0 || cfg.Calls > MaxSIPCalls {
		return uri, host, fmt.Errorf("loadtest sip: calls %d: between 1 and %d", cfg.Calls, MaxSIPCalls)
	}
	if cfg.Sources < 0 || cfg.Sources > MaxSIPSources {
		return uri, host, fmt.Errorf("loadtest sip: sources %d: between 1 and %d", cfg.Sources, MaxSIPSources)
	}
	if cfg.Sources > 1 && !host.Is4() {
		return uri, host, errors.New("loadtest sip: several sources need an IPv4 target (::1 is a single address)")
	}
	if cfg.MetricsURL != "" {
		u, err := url.Parse(cfg.MetricsURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return uri, host, fmt.Errorf("loadtest sip: metrics URL %q: not an http URL", cfg.MetricsURL)
		}
		if _, err := checkLoopback("metrics", u.Hostname()); err != nil {
			return uri, host, err
		}
	}
	return uri, host, nil
}

// RunSIP runs the test against cfg.Target, then, when asked, against the
// baseline UAS.
func RunSIP(ctx context.Context, cfg SIPConfig) (SIPResult, error) {
	uri, host, err := cfg.validate()
	if err != nil {
		return SIPResult{}, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	res := SIPResult{Target: cfg.Target}
	res.Server, err = runCallers(ctx, cfg, uri, host, cfg.MetricsURL)
	if err != nil {
		return res, err
	}
	if cfg.Baseline {
		uas, err := StartBaselineUAS(ctx, host.String(), cfg.Transport, cfg.Logger)
		if err != nil {
			return res, err
		}
		defer uas.Close()
		buri := uri
		buri.Host, buri.Port = uas.Addr().Addr().String(), int(uas.Addr().Port())
		bcfg := cfg
		bcfg.Sources = 1 // the baseline has no rate limit
		b, err := runCallers(ctx, bcfg, buri, host, "")
		if err != nil {
			return res, fmt.Errorf("baseline: %w", err)
		}
		res.Baseline = &b
	}
	return res, nil
}

// ---- the callers ----

// sipEndpoint is one source address of the callers: a sipgo user agent
// with its socket, client and dialog UA.
type sipEndpoint struct {
	host netip.Addr
	ua   *sipgo.UserAgent
	dua  *sipgo.DialogUA
	mu   sync.Mutex
	dlgs map[string]*sipCall // established calls by UAC dialog id
}

// newUA is a sipgo user agent whose own logs go to log (200 OK
// retransmissions answered late under load, malformed datagrams).
// Responses outside any transaction (retransmitted 200 OKs) are counted
// in unhandled when it is not nil.
func newUA(name, host string, log *slog.Logger, unhandled *atomic.Int64) (*sipgo.UserAgent, error) {
	return sipgo.NewUA(sipgo.WithUserAgent(name), sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(log)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(log),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(r *sipmsg.Response) {
				if unhandled != nil {
					unhandled.Add(1)
				}
				log.Debug("response outside a transaction", "status", r.StatusCode, "source", r.Source())
			})))
}

func newEndpoint(ctx context.Context, host netip.Addr, transport string, log *slog.Logger, unhandled *atomic.Int64) (*sipEndpoint, error) {
	e := &sipEndpoint{host: host, dlgs: map[string]*sipCall{}}
	ua, err := newUA("Plateau loadtest", host.String(), log, unhandled)
	if err != nil {
		return nil, fmt.Errorf("loadtest sip: user agent: %w", err)
	}
	e.ua = ua
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("loadtest sip: user agent: %w", err)
	}
	srv.OnBye(e.onBye)
	srv.OnAck(func(*sipmsg.Request, sipmsg.ServerTransaction) {})
	var lc net.ListenConfig
	var port int
	var opts []sipgo.ClientOption
	listen := net.JoinHostPort(host.String(), "0")
	if transport == "tcp" {
		ln, err := lc.Listen(ctx, "tcp", listen)
		if err != nil {
			ua.Close()
			return nil, fmt.Errorf("loadtest sip: listen on %s: %w", host, err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		go func() { _ = srv.ServeTCP(ln) }()
		opts = append(opts, sipgo.WithClientConnectionAddr(net.JoinHostPort(host.String(), "0")))
	} else {
		conn, err := lc.ListenPacket(ctx, "udp", listen)
		if err != nil {
			ua.Close()
			return nil, fmt.Errorf("loadtest sip: listen on %s: %w", host, err)
		}
		addr := conn.LocalAddr().String()
		port = conn.LocalAddr().(*net.UDPAddr).Port
		go func() { _ = srv.ServeUDP(conn) }()
		// Wait until the transport layer holds the socket, so that requests
		// leave from it.
		for {
			if c, err := ua.TransportLayer().GetConnection("udp", addr); err == nil && c != nil {
				break
			}
			select {
			case <-ctx.Done():
				ua.Close()
				return nil, fmt.Errorf("loadtest sip: listen on %s: %w", host, ctx.Err())
			case <-time.After(time.Millisecond):
			}
		}
		opts = append(opts, sipgo.WithClientConnectionAddr(addr))
	}
	opts = append(opts, sipgo.WithClientHostname(host.String()), sipgo.WithClientPort(port), sipgo.WithClientLogger(log))
	client, err := sipgo.NewClient(ua, opts...)
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("loadtest sip: client: %w", err)
	}
	contact := sipmsg.Uri{Scheme: "sip", User: "loadtest", Host: host.String(), Port: port}
	if transport == "tcp" {
		contact.UriParams = sipmsg.NewParams()
		contact.UriParams.Add("transport", "tcp")
	}
	e.dua = &sipgo.DialogUA{Client: client, ContactHDR: sipmsg.ContactHeader{Address: contact}}
	return e, nil
}

func (e *sipEndpoint) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	id, err := sipmsg.DialogIDFromRequestUAC(req)
	var c *sipCall
	if err == nil {
		e.mu.Lock()
		c = e.dlgs[id]
		e.mu.Unlock()
	}
	if c == nil {
		_ = tx.Respond(sipmsg.NewResponseFromRequest(req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
		return
	}
	_ = c.dlg.ReadBye(req, tx)
	c.byServer.Store(true)
	c.hangup()
}

// sipCall is one caller's call.
type sipCall struct {
	dlg      *sipgo.DialogClientSession
	rtp      *media.Session
	byServer atomic.Bool
	ended    chan struct{}
	once     sync.Once
	meter    jitterMeter
	energy   float64 // sum of squared samples received
	samples  int
}

func (c *sipCall) hangup() { c.once.Do(func() { close(c.ended) }) }

// runStats gathers the figures of a run while it goes.
type runStats struct {
	mu                      sync.Mutex
	setups                  []time.Duration
	failures                map[string]int
	byeFails                int
	byServer                int
	jitters                 []time.Duration
	rtp                     RTPFigures
	transit                 *histogram
	up, peak                atomic.Int64
	answered                atomic.Int64
	retrans                 atomic.Int64 // responses outside a transaction
	userTimes               int          // calls timed when the read returned
	lastInvite              time.Time    // last INVITE sent
	firstAnswer, lastAnswer time.Time    // first and last 200 OK received
}

func (s *runStats) fail(ph *phaseStats, why string) {
	s.mu.Lock()
	s.failures[why]++
	if ph != nil {
		ph.failures[why]++
	}
	s.mu.Unlock()
}

// phases returns the warm-up and steady phases of a steady-state run, or
// nil.
func (cfg SIPConfig) phases() []*phaseStats {
	if cfg.Duration <= 0 {
		return nil
	}
	return []*phaseStats{
		{name: "warm-up", from: 0, to: cfg.WarmUp, failures: map[string]int{}},
		{name: "steady", from: cfg.WarmUp, to: cfg.Duration, failures: map[string]int{}},
	}
}

// phaseOf is the phase a call due at offset at belongs to, or nil.
func phaseOf(phases []*phaseStats, at time.Duration) *phaseStats {
	for _, p := range phases {
		if at >= p.from && at < p.to {
			return p
		}
	}
	if len(phases) > 0 {
		return phases[len(phases)-1]
	}
	return nil
}

func (p *phaseStats) figures() SIPPhase {
	f := SIPPhase{Name: p.name, From: p.from, To: p.to, Calls: p.calls, Established: p.established,
		Failures: p.failures, Silent: p.silent, Setup: percentiles(p.setups)}
	if d := (p.to - p.from).Seconds(); d > 0 {
		f.AnswerRate = float64(p.established) / d
	}
	return f
}

func runCallers(ctx context.Context, cfg SIPConfig, target sipmsg.Uri, host netip.Addr, metricsURL string) (SIPRun, error) {
	run := SIPRun{Calls: cfg.Calls}
	sources := max(cfg.Sources, 1)
	st := &runStats{failures: map[string]int{}, transit: newHistogram(10*time.Microsecond, time.Second)}
	phases := cfg.phases()
	var eps []*sipEndpoint
	epCtx, closeEPs := context.WithCancel(ctx)
	defer closeEPs()
	for i := range sources {
		h := host
		if sources > 1 {
			b := netip.MustParseAddr("127.0.0.1").As4()
			b[3] = byte(1 + i)
			h = netip.AddrFrom4(b)
		}
		e, err := newEndpoint(epCtx, h, cfg.Transport, cfg.Logger, &st.retrans)
		if err != nil {
			return run, err
		}
		defer e.ua.Close()
		eps = append(eps, e)
	}
	var mon *metricsMonitor
	if metricsURL != "" {
		mon = &metricsMonitor{url: metricsURL, client: &http.Client{Timeout: 5 * time.Second}}
		if _, err := mon.sample(ctx, 0); err != nil {
			return run, err
		}
	}
	snd := newSender(cfg.Audio)
	sndCtx, stopSender := context.WithCancel(ctx)
	defer stopSender()
	if cfg.Audio != AudioNone {
		go snd.run(sndCtx)
	}
	monCtx, stopMon := context.WithCancel(ctx)
	monDone := make(chan struct{})
	if mon != nil {
		go func() {
			defer close(monDone)
			mon.run(monCtx, &st.up)
		}()
	} else {
		close(monDone)
	}

	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	cpu0 := processCPU()
	start := time.Now()
	for i := range cfg.Calls {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				wg.Wait()
				stopMon()
				return run, ctx.Err()
			}
		}
		ph := phaseOf(phases, time.Duration(i)*interval)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runCall(ctx, cfg, eps[i%len(eps)], target, st, snd, ph)
		}()
	}
	// n INVITEs span n-1 intervals.
	if el := time.Since(start).Seconds(); cfg.Calls > 1 && el > 0 {
		run.SetupRate = float64(cfg.Calls-1) / el
	}
	wg.Wait()
	run.Duration = time.Since(start)
	if cpu0 >= 0 {
		run.LoadgenCores = (processCPU() - cpu0).Seconds() / run.Duration.Seconds()
	}
	stopMon()
	<-monDone
	stopSender()

	run.Established = int(st.answered.Load())
	run.Failures = st.failures
	run.ByeFailures = st.byeFails
	run.Retransmissions = int(st.retrans.Load())
	run.EndedByServer = st.byServer
	run.PeakConcurrent = int(st.peak.Load())
	run.Setup = percentiles(st.setups)
	// n 200 OKs span n-1 intervals.
	if span := st.lastAnswer.Sub(st.firstAnswer).Seconds(); run.Established > 1 && span > 0 {
		run.AnswerRate = float64(run.Established-1) / span
	}
	if !st.lastAnswer.IsZero() {
		run.AnswerLag = st.lastAnswer.Sub(st.lastInvite)
	}
	for _, p := range phases {
		run.Phases = append(run.Phases, p.figures())
	}
	run.RTP = st.rtp
	run.RTP.Sent = snd.sent.Load()
	run.RTP.Jitter = percentiles(st.jitters)
	run.RTP.KernelTimes = st.rtp.CallsWithAudio > 0 && st.userTimes == 0
	if run.RTP.Expected > 0 {
		run.RTP.LossPct = 100 * float64(run.RTP.Lost) / float64(run.RTP.Expected)
	}
	run.RTP.TransitP50 = st.transit.quantile(0.50)
	run.RTP.TransitP99 = st.transit.quantile(0.99)
	if mon != nil {
		if _, err := mon.sample(ctx, 0); err != nil {
			return run, err
		}
		run.ServerProcess = mon.figures(run.PeakConcurrent)
	}
	return run, nil
}

// processCPU is this process's user and system CPU time, -1 when unknown.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// earliest and latest are min and max of times, the zero time counting as
// none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// statusKey names a failed setup: its SIP status, or the error.
func statusKey(err error) string {
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) && de.Res != nil {
		return fmt.Sprintf("%d %s", de.Res.StatusCode, de.Res.Reason)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	s, _, _ := strings.Cut(err.Error(), "\n") // sipgo's errors can carry the message
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

func runCall(ctx context.Context, cfg SIPConfig, e *sipEndpoint, target sipmsg.Uri, st *runStats, snd *sender, ph *phaseStats) {
	if ph != nil {
		st.mu.Lock()
		ph.calls++
		st.mu.Unlock()
	}
	rtpSess, err := media.Listen(ctx, net.JoinHostPort(e.host.String(), "0"))
	if err != nil {
		st.fail(ph, "rtp socket: "+err.Error())
		return
	}
	defer rtpSess.Close()
	offer, err := media.BuildOffer(media.OfferSpec{Addr: rtpSess.LocalAddr(), Laws: []media.Law{media.Ulaw}, SessionID: rand.Uint64() >> 1})
	if err != nil {
		st.fail(ph, err.Error())
		return
	}
	req := sipmsg.NewRequest(sipmsg.INVITE, target)
	req.SetBody(offer)
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	if cfg.Transport == "tcp" {
		req.SetTransport("TCP")
	}
	from := sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: "loadtest", Host: e.host.String()}, Params: sipmsg.NewParams()}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	req.AppendHeader(&from)
	setupCtx, cancelSetup := context.WithTimeout(ctx, setupTimeout)
	defer cancelSetup()
	t0 := time.Now()
	st.mu.Lock()
	st.lastInvite = latest(st.lastInvite, t0)
	st.mu.Unlock()
	dlg, err := e.dua.WriteInvite(setupCtx, req)
	if err != nil {
		st.fail(ph, statusKey(err))
		return
	}
	if err := dlg.WaitAnswer(setupCtx, sipgo.AnswerOptions{}); err != nil {
		st.fail(ph, statusKey(err))
		dlg.Close()
		return
	}
	answeredAt := time.Now()
	setup := answeredAt.Sub(t0)
	c := &sipCall{dlg: dlg, rtp: rtpSess, ended: make(chan struct{})}
	e.mu.Lock()
	e.dlgs[dlg.ID] = c
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.dlgs, dlg.ID)
		e.mu.Unlock()
		dlg.Close()
	}()
	if err := dlg.Ack(setupCtx); err != nil {
		st.fail(ph, "ack: "+statusKey(err))
		return
	}
	st.answered.Add(1)
	up := st.up.Add(1)
	for {
		p := st.peak.Load()
		if up <= p || st.peak.CompareAndSwap(p, up) {
			break
		}
	}
	st.mu.Lock()
	st.setups = append(st.setups, setup)
	if ph != nil {
		ph.established++
		ph.setups = append(ph.setups, setup)
	}
	st.firstAnswer, st.lastAnswer = earliest(st.firstAnswer, answeredAt), latest(st.lastAnswer, answeredAt)
	st.mu.Unlock()

	ans, err := media.ParseOffer(dlg.InviteResponse.Body())
	mediaOK := err == nil && !ans.Hold && ans.Addr.IsValid()
	callCtx, endCall := context.WithCancel(ctx)
	recvDone := make(chan struct{})
	if mediaOK {
		rtpSess.SetRemote(ans.Addr)
		go func() {
			defer close(recvDone)
			c.receive(callCtx, st.transit)
		}()
		if cfg.Audio != AudioNone {
			snd.add(rtpSess)
		}
	} else {
		close(recvDone)
	}
	hold := time.NewTimer(cfg.Hold)
	select {
	case <-hold.C:
	case <-c.ended:
	case <-ctx.Done():
	}
	hold.Stop()
	snd.remove(rtpSess)
	st.up.Add(-1)
	endCall()
	<-recvDone
	byServer := c.byServer.Load()
	if !byServer {
		byeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := dlg.Bye(byeCtx); err != nil {
			st.mu.Lock()
			st.byeFails++
			st.mu.Unlock()
		}
		cancel()
	}
	rs := rtpSess.Stats()
	st.mu.Lock()
	defer st.mu.Unlock()
	if byServer {
		st.byServer++
	}
	if !mediaOK {
		return
	}
	heard := rs.PacketsReceived > 0 && c.samples > 0 && math.Sqrt(c.energy/float64(c.samples)) >= silentRMS
	if !heard && ph != nil {
		ph.silent++
	}
	st.rtp.Packets += rs.PacketsReceived
	st.rtp.Expected += rs.Expected
	st.rtp.Lost += rs.Lost
	if rs.PacketsReceived > 0 {
		if !rtpSess.KernelArrivalTimes() {
			st.userTimes++
		}
		st.rtp.CallsWithAudio++
		st.jitters = append(st.jitters, c.meter.jitter())
		if heard {
			st.rtp.NonSilent++
		}
	}
}

// receive reads the call's RTP until ctx ends, timing each packet and
// summing the energy of its audio.
func (c *sipCall) receive(ctx context.Context, transit *histogram) {
	buf := make([]byte, 1500)
	// Wall clock only: kernel arrival times have no monotonic reading.
	epoch := time.Now().Round(0)
	for {
		p, at, err := c.rtp.ReadPacketAt(ctx, buf)
		if err != nil {
			return
		}
		arrival := at.Sub(epoch)
		var law media.Law
		switch p.PayloadType {
		case media.PayloadPCMU:
			law = media.Ulaw
		case media.PayloadPCMA:
			law = media.Alaw
		default:
			continue // telephone events, comfort noise
		}
		if d, ok := c.meter.packet(p.Timestamp, arrival); ok {
			transit.add(d)
		}
		for _, b := range p.Payload {
			var v int16
			if law == media.Ulaw {
				v = media.UlawDecode(b)
			} else {
				v = media.AlawDecode(b)
			}
			c.energy += float64(v) * float64(v)
		}
		c.samples += len(p.Payload)
	}
}

// jitterMeter is RFC 3550 6.4.1's interarrival jitter, kept in
// nanoseconds instead of timestamp units: D(i-1,i) = (R_i - R_{i-1}) -
// (S_i - S_{i-1}), J += (|D| - J)/16.
type jitterMeter struct {
	have        bool
	lastTS      uint32
	lastArrival time.Duration
	j           float64 // ns
}

// packet takes one packet's RTP timestamp and arrival time and returns
// |D| with the previous packet (ok false for the first).
func (m *jitterMeter) packet(ts uint32, arrival time.Duration) (time.Duration, bool) {
	if !m.have {
		m.have, m.lastTS, m.lastArrival = true, ts, arrival
		return 0, false
	}
	// Timestamps wrap at 2^32: the signed 32-bit difference.
	dts := int64(int32(ts - m.lastTS))
	d := (arrival - m.lastArrival) - time.Duration(dts*int64(time.Second)/media.SampleRate)
	if d < 0 {
		d = -d
	}
	m.j += (float64(d) - m.j) / 16
	m.lastTS, m.lastArrival = ts, arrival
	return d, true
}

func (m *jitterMeter) jitter() time.Duration { return time.Duration(m.j) }

// histogram counts durations in fixed buckets (lock-free adds).
type histogram struct {
	res     time.Duration
	buckets []atomic.Uint64 // the last one holds everything above the range
}

func newHistogram(res, maxD time.Duration) *histogram {
	return &histogram{res: res, buckets: make([]atomic.Uint64, int(maxD/res)+1)}
}

func (h *histogram) add(d time.Duration) {
	i := min(int(d/h.res), len(h.buckets)-1)
	h.buckets[max(i, 0)].Add(1)
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	var total uint64
	for i := range h.buckets {
		total += h.buckets[i].Load()
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var n uint64
	for i := range h.buckets {
		n += h.buckets[i].Load()
		if n >= rank {
			return time.Duration(i+1) * h.res
		}
	}
	return time.Duration(len(h.buckets)) * h.res
}

// sender sends one 20 ms frame to every call's session every 20 ms from a
// single goroutine (a thousand tickers would load the machine that runs the
// server).
type sender struct {
	mu     sync.Mutex
	calls  map[*media.Session]bool // true once the first (marker) frame went
	frames [][]byte
	sent   atomic.Uint64
}

func newSender(audio string) *sender {
	s := &sender{calls: map[*media.Session]bool{}}
	codec, _ := media.NewCodec(media.Ulaw)
	var src media.Source
	if audio == AudioTone {
		t, err := media.NewTone(440, 6000, time.Second)
		if err == nil {
			src = t
		}
	}
	if src == nil {
		src = media.NewSilence(time.Second)
	}
	pcm := make([]int16, media.FrameSamples)
	for {
		n, _ := src.Next(pcm)
		if n == 0 {
			break
		}
		clear(pcm[n:])
		f := make([]byte, media.FrameSamples)
		codec.Encode(f, pcm)
		s.frames = append(s.frames, f)
	}
	return s
}

func (s *sender) add(r *media.Session) {
	s.mu.Lock()
	s.calls[r] = false
	s.mu.Unlock()
}

func (s *sender) remove(r *media.Session) {
	s.mu.Lock()
	delete(s.calls, r)
	s.mu.Unlock()
}

func (s *sender) run(ctx context.Context) {
	t := time.NewTicker(media.FrameTime)
	defer t.Stop()
	var batch []*media.Session
	var firsts []bool
	start := time.Now()
	n := 0 // frames sent to every call so far
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Frame n is due at start + n·20 ms: a late tick sends the frames
		// due (at most 5 back to back), so the rate holds under load.
		due := int(time.Since(start)/media.FrameTime) + 1
		if due-n > 5 {
			n = due - 5
		}
		batch, firsts = batch[:0], firsts[:0]
		s.mu.Lock()
		for r, started := range s.calls {
			batch = append(batch, r)
			firsts = append(firsts, !started)
			s.calls[r] = true
		}
		s.mu.Unlock()
		from, to := n, due
		n = due
		// Shards of 100 calls in parallel: a send on loopback delivers the
		// datagram in the sender's context, so one goroutine for a
		// thousand calls falls behind.
		var wg sync.WaitGroup
		for lo := 0; lo < len(batch); lo += 100 {
			hi := min(lo+100, len(batch))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for f := from; f < to; f++ {
					frame := s.frames[f%len(s.frames)]
					for i := lo; i < hi; i++ {
						if batch[i].WriteFrame(frame, media.FrameSamples, firsts[i] && f == from) == nil {
							s.sent.Add(1)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}

// ---- the server's process figures ----

type metricSample struct {
	at  time.Time
	cpu float64
	rss int64
	up  int64
}

type metricsMonitor struct {
	url     string
	client  *http.Client
	mu      sync.Mutex
	samples []metricSample
}

func (m *metricsMonitor) run(ctx context.Context, up *atomic.Int64) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = m.sample(ctx, up.Load())
		}
	}
}

// sample reads process_cpu_seconds_total and process_resident_memory_bytes.
func (m *metricsMonitor) sample(ctx context.Context, up int64) (metricSample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return metricSample{}, fmt.Errorf("loadtest sip: server metrics: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return metricSample{}, fmt.Errorf("loadtest sip: read server metrics: %w", err)
	}
	defer resp.Body.Close()
	s := metricSample{at: time.Now(), cpu: -1, up: up}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "process_cpu_seconds_total "); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				s.cpu = f
			}
		}
		if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				s.rss = int64(f)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("loadtest sip: read server metrics: %w", err)
	}
	if s.cpu < 0 || s.rss == 0 {
		return s, fmt.Errorf("loadtest sip: %s has no process_cpu_seconds_total or process_resident_memory_bytes", m.url)
	}
	m.mu.Lock()
	m.samples = append(m.samples, s)
	m.mu.Unlock()
	return s, nil
}

func (m *metricsMonitor) figures(peak int) *ProcessFigures {
	m.mu.Lock()
	defer m.mu.Unlock()
	return processFigures(m.samples, peak)
}

// processFigures sums the samples: the first and last are the run's ends.
func processFigures(ss []metricSample, peak int) *ProcessFigures {
	f := &ProcessFigures{MetricSamples: len(ss)}
	if len(ss) < 2 {
		return f
	}
	first, last := ss[0], ss[len(ss)-1]
	f.CPUSeconds = last.cpu - first.cpu
	if dt := last.at.Sub(first.at).Seconds(); dt > 0 {
		f.CPUCores = f.CPUSeconds / dt
	}
	f.RSSBefore = first.rss
	for _, s := range ss {
		f.RSSPeak = max(f.RSSPeak, s.rss)
	}
	if peak > 0 {
		f.BytesPerCall = float64(f.RSSPeak-f.RSSBefore) / float64(peak)
	}
	// The longest run of samples with at least 95% of the peak up.
	lo := int64(math.Ceil(0.95 * float64(peak)))
	bestI, bestJ := -1, -1
	for i := 0; i < len(ss); {
		if peak == 0 || ss[i].up < lo {
			i++
			continue
		}
		j := i
		for j+1 < len(ss) && ss[j+1].up >= lo {
			j++
		}
		if bestI < 0 || ss[j].at.Sub(ss[i].at) > ss[bestJ].at.Sub(ss[bestI].at) {
			bestI, bestJ = i, j
		}
		i = j + 1
	}
	if bestI >= 0 && bestJ > bestI {
		f.SteadyWindow = ss[bestJ].at.Sub(ss[bestI].at)
		f.SteadyCores = (ss[bestJ].cpu - ss[bestI].cpu) / f.SteadyWindow.Seconds()
	}
	return f
}

// ---- the baseline UAS ----

// BaselineUAS is a bare SIP UAS on sipgo: it answers every INVITE with 200
// OK and an SDP answer, streams a paced 440 Hz tone on RTP (media.Session
// Play) and ends the call on BYE. It is the floor the server is measured
// against.
type BaselineUAS struct {
	ua     *sipgo.UserAgent
	dua    *sipgo.DialogUA
	addr   netip.AddrPort
	host   string
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	calls  map[string]*baselineCall
	wg     sync.WaitGroup
	// silent: the calls stream silence instead of the tone (tests of
	// the silent-call count; set while the UAS serves).
	silent atomic.Bool
}

type baselineCall struct {
	dlg  *sipgo.DialogServerSession
	rtp  *media.Session
	stop context.CancelFunc
}

// StartBaselineUAS listens on host (a free port) with transport udp or
// tcp until Close or ctx ends.
func StartBaselineUAS(ctx context.Context, host, transport string, log *slog.Logger) (*BaselineUAS, error) {
	if _, err := checkLoopback("baseline", host); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ua, err := newUA("Plateau loadtest baseline", host, log, nil)
	if err != nil {
		return nil, fmt.Errorf("baseline uas: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("baseline uas: %w", err)
	}
	b := &BaselineUAS{ua: ua, host: host, calls: map[string]*baselineCall{}}
	b.ctx, b.cancel = context.WithCancel(ctx)
	var lc net.ListenConfig
	var serve func()
	listen := net.JoinHostPort(host, "0")
	if transport == "tcp" {
		ln, err := lc.Listen(ctx, "tcp", listen)
		if err != nil {
			ua.Close()
			return nil, fmt.Errorf("baseline uas: listen: %w", err)
		}
		b.addr = ln.Addr().(*net.TCPAddr).AddrPort()
		serve = func() { _ = srv.ServeTCP(ln) }
	} else {
		conn, err := lc.ListenPacket(ctx, "udp", listen)
		if err != nil {
			ua.Close()
			return nil, fmt.Errorf("baseline uas: listen: %w", err)
		}
		b.addr = conn.LocalAddr().(*net.UDPAddr).AddrPort()
		serve = func() { _ = srv.ServeUDP(conn) }
	}
	b.addr = netip.AddrPortFrom(b.addr.Addr().Unmap(), b.addr.Port())
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname(host), sipgo.WithClientPort(int(b.addr.Port())), sipgo.WithClientLogger(log))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("baseline uas: %w", err)
	}
	b.dua = &sipgo.DialogUA{Client: client, ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "baseline", Host: host, Port: int(b.addr.Port())}}}
	srv.OnInvite(b.onInvite)
	srv.OnAck(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if c := b.lookup(req); c != nil {
			_ = c.dlg.ReadAck(req, tx)
		}
	})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		c := b.lookup(req)
		if c == nil {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, sipmsg.StatusCallTransactionDoesNotExists, "Call/Transaction Does Not Exist", nil))
			return
		}
		_ = c.dlg.ReadBye(req, tx)
		b.end(c)
	})
	go serve() // after the handlers are set: sipgo reads them unlocked
	return b, nil
}

// Addr is where the UAS listens.
func (b *BaselineUAS) Addr() netip.AddrPort { return b.addr }

// Active is the number of calls up.
func (b *BaselineUAS) Active() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

func (b *BaselineUAS) lookup(req *sipmsg.Request) *baselineCall {
	id, err := sipmsg.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[id]
}

func (b *BaselineUAS) end(c *baselineCall) {
	b.mu.Lock()
	delete(b.calls, c.dlg.ID)
	b.mu.Unlock()
	c.stop()
}

func (b *BaselineUAS) onInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	respond := func(code int, reason string) {
		_ = tx.Respond(sipmsg.NewResponseFromRequest(req, code, reason, nil))
	}
	offer, err := media.ParseOffer(req.Body())
	if err != nil {
		respond(sipmsg.StatusNotAcceptableHere, "Not Acceptable Here")
		return
	}
	law, err := offer.ChooseCodec()
	if err != nil {
		respond(sipmsg.StatusNotAcceptableHere, "No G.711")
		return
	}
	dlg, err := b.dua.ReadInvite(req, tx)
	if err != nil {
		respond(sipmsg.StatusBadRequest, "Bad Request")
		return
	}
	sess, err := media.Listen(b.ctx, net.JoinHostPort(b.host, "0"))
	if err != nil {
		_ = dlg.Respond(sipmsg.StatusServiceUnavailable, "No Media", nil)
		return
	}
	sess.SetPayloadType(law.PayloadType())
	sess.SetRemote(offer.Addr)
	ans, err := media.BuildAnswer(offer, media.Answer{Addr: sess.LocalAddr(), Codec: law, SessionID: rand.Uint64() >> 1})
	if err != nil {
		sess.Close()
		_ = dlg.Respond(sipmsg.StatusNotAcceptableHere, "Not Acceptable Here", nil)
		return
	}
	cctx, stop := context.WithCancel(b.ctx)
	c := &baselineCall{dlg: dlg, rtp: sess, stop: stop}
	b.mu.Lock()
	b.calls[dlg.ID] = c
	b.mu.Unlock()
	if err := dlg.RespondSDP(ans); err != nil {
		b.end(c)
		sess.Close()
		return
	}
	codec, _ := media.NewCodec(law)
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		defer sess.Close()
		if b.silent.Load() {
			_ = sess.Play(cctx, media.NewSilence(0), codec)
			return
		}
		tone, err := media.NewTone(440, 6000, 0)
		if err != nil {
			return
		}
		_ = sess.Play(cctx, tone, codec)
	}()
	go func() {
		// Drain what the caller sends (the socket buffer would fill).
		defer b.wg.Done()
		buf := make([]byte, 1500)
		for {
			if _, err := sess.ReadPacket(cctx, buf); err != nil {
				return
			}
		}
	}()
}

// Close ends every call and the user agent.
func (b *BaselineUAS) Close() {
	b.cancel()
	b.wg.Wait()
	b.ua.Close()
}

// sortedFailures lists failures, the most frequent first.
func sortedFailures(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%d× %s", m[k], k)
	}
	return out
}

// FailureSummary is the failures of a run, most frequent first.
func (r SIPRun) FailureSummary() string { return strings.Join(sortedFailures(r.Failures), ", ") }

// FailureSummary lists the phase's failures, most frequent first.
func (p SIPPhase) FailureSummary() string { return strings.Join(sortedFailures(p.Failures), ", ") }
