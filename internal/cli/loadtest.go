package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
)

const loadtestHelp = `Usage: plateau loadtest chat [flags]
       plateau loadtest sip [flags] (plateau loadtest sip -h)
       plateau loadtest logins [flags] (plateau loadtest logins -h)
       plateau loadtest idle [flags] (plateau loadtest idle -h)

Drives a running Plateau server (plateau demo prints its URL and an admin
token) over real WebSockets: --customers customers open the chat entry point
at --rate per second and wait; --agents bots, created through the REST API
with --admin-token, answer them. Reports the achieved arrival rate, p50/p99
from connect to the first position message and to an agent, the server's
memory per waiting chat (from its /metrics), errors, and a bare WebSocket
echo server measured in this process at the same rate, as a baseline.

Flags:
`

const loadtestSIPHelp = `Usage: plateau loadtest sip [flags]

Calls a running server's SIP entry number (plateau demo: sip:1000@127.0.0.1:5060)
with --calls callers placing their INVITE at --rate per second over UDP (or
--transport tcp). Each caller has its own RTP port and sends 20 ms G.711
µ-law frames (--audio tone, silence, or none for signalling only), holds
the call for --hold after the 200 OK, then hangs up with BYE. Loopback
targets only (127.0.0.0/8, ::1).

Reports the INVITEs sent per second, the 200 OKs per second (first to
last 200 OK received) and how long after the last INVITE the last 200 OK
came, INVITE → 200 OK p50/p99, failures by SIP status, the peak of
concurrent established calls, the RTP received (packets, loss, RFC 3550
interarrival jitter per call, p99 of the per-packet transit variation),
how many calls heard non-silent audio, and the server's CPU and resident
memory from --metrics. RTP arrivals are timed by the kernel's receive
timestamps where the platform has them (Linux), so this process's own
scheduling delays are not counted. Then, as a baseline, the same callers
at the same rate against a bare SIP UAS in this process that answers
every INVITE and streams a paced tone; "added" is the server's p99 less
the baseline's.

With --duration D (e.g. --duration 60s --hold 5s) the run is a steady
state instead: INVITEs at --rate for D (--calls is ignored), and the
figures of the calls started in the first --warmup (default: the hold plus
one second, when hang-ups begin to overlap new setups) are reported apart
from the rest: calls, answered, answered/s, INVITE → 200 OK p50/p99 and
failures per phase, for the server and the baseline.

Servers rate-limit INVITEs per source address (Plateau: 5/s, burst 20,
[sip] invite_rate and invite_burst):
--sources N spreads the callers over 127.0.0.1 ... 127.0.0.N.

Flags:
`

const loadtestLoginsHelp = `Usage: plateau loadtest logins [flags]

Probes a running server's bounds on password sign-ins, on loopback only:
--concurrent peers, each on its own source address 127.0.0.x and its own
login, send --rounds wrong passwords at once to POST /api/v1/login, then
(--socket) to the agent WebSocket's sign-in. Reports how many reached the
password check (401, "unauthorized") and how many a limit refused (429,
"rate_limited"), the latency p50/p99, and the server's resident memory
and Go heap before and at their peak (read from its /metrics every 100 ms).

Flags:
`

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sip" {
		return runLoadtestSIP(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "logins" {
		return runLoadtestLogins(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "idle" {
		return runLoadtestIdle(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stderr, loadtestHelp)
		fmt.Fprintln(stderr, "  plateau loadtest chat -h, plateau loadtest sip -h: each one's flags")
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "chat" {
		fmt.Fprint(stderr, loadtestHelp)
		return errors.New("loadtest: say which: chat or sip (or logins, idle)")
	}
	fs := newFlagSet("loadtest chat", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadtestHelp); fs.PrintDefaults() }
	var cfg loadtest.ChatConfig
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "the server, or several nodes of a cluster separated by commas (customers and agent bots spread over them in turn)")
	fs.StringVar(&cfg.Entry, "entry", "demo", "chat entry point")
	fs.IntVar(&cfg.Customers, "customers", 1000, "customers")
	fs.Float64Var(&cfg.Rate, "rate", 500, "new customers per second")
	fs.IntVar(&cfg.Agents, "agents", 0, "agent bots")
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "platform admin API token (for --agents)")
	fs.DurationVar(&cfg.Handle, "handle", 10*time.Second, "mean handle time of the bots")
	fs.DurationVar(&cfg.Hold, "hold", 2*time.Second, "keep everyone connected this long after the last arrival")
	fs.BoolVar(&cfg.EchoBaseline, "echo-baseline", true, "also measure a bare WebSocket echo server")
	fs.IntVar(&cfg.Sources, "sources", 0, "spread the customers over source addresses 127.0.0.1..N (loopback server; 0: one per 4 customers, within the server's per-address chat limits)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	res, err := loadtest.RunChat(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return wfmWriteJSON(stdout, res)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "customers\t%d (queued %d, answered %d, errors %d)\n", res.Customers, res.Queued, res.Connected, res.Errors)
	if res.FirstError != "" {
		fmt.Fprintf(tw, "first error\t%s\n", res.FirstError)
	}
	fmt.Fprintf(tw, "arrivals\t%.0f/s\n", res.ArrivalRate)
	fmt.Fprintf(tw, "connect → position\tp50 %s, p99 %s, max %s\n", ms(res.ToPosition.P50), ms(res.ToPosition.P99), ms(res.ToPosition.Max))
	for _, tr := range res.Targets {
		fmt.Fprintf(tw, "  via %s\tp50 %s, p99 %s, max %s (%d customers, queued %d, errors %d)\n", tr.URL,
			ms(tr.ToPosition.P50), ms(tr.ToPosition.P99), ms(tr.ToPosition.Max), tr.Customers, tr.Queued, tr.Errors)
	}
	if res.ToConnected.N > 0 {
		fmt.Fprintf(tw, "connect → agent\tp50 %s, p99 %s (%d answered)\n", ms(res.ToConnected.P50), ms(res.ToConnected.P99), res.ToConnected.N)
	}
	fmt.Fprintf(tw, "server memory\t%.1f MB → %.1f MB with %d waiting: %.1f KB per waiting chat (Go heap %.1f KB)\n",
		float64(res.RSSBefore)/1e6, float64(res.RSSPeak)/1e6, res.PeakWaiting, res.BytesPerChat/1024, res.HeapPerChat/1024)
	if res.Echo.N > 0 {
		fmt.Fprintf(tw, "baseline: bare WebSocket echo\tp50 %s, p99 %s over %d connections at %.0f/s\n", ms(res.Echo.P50), ms(res.Echo.P99), res.Echo.N, res.EchoRate)
	}
	return tw.Flush()
}

func runLoadtestSIP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest sip", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadtestSIPHelp); fs.PrintDefaults() }
	var cfg loadtest.SIPConfig
	fs.StringVar(&cfg.Target, "target", "sip:1000@127.0.0.1:5060", "request URI called (loopback host)")
	fs.StringVar(&cfg.Transport, "transport", "udp", "udp or tcp")
	fs.IntVar(&cfg.Calls, "calls", 100, fmt.Sprintf("calls placed (at most %d)", loadtest.MaxSIPCalls))
	fs.Float64Var(&cfg.Rate, "rate", 50, "call setups (INVITEs) per second")
	fs.DurationVar(&cfg.Hold, "hold", 10*time.Second, "each call stays up this long after its 200 OK, then BYE")
	fs.DurationVar(&cfg.Duration, "duration", 0, fmt.Sprintf("steady state: INVITEs at --rate for this long, instead of --calls (at most %v)", loadtest.MaxSIPDuration))
	fs.DurationVar(&cfg.WarmUp, "warmup", 0, "with --duration: calls started this early are the warm-up (default: --hold + 1s)")
	fs.StringVar(&cfg.Audio, "audio", loadtest.AudioTone, "what callers send: tone, silence or none")
	noRTP := fs.Bool("no-rtp", false, "signalling only: send no RTP (same as --audio none)")
	fs.IntVar(&cfg.Sources, "sources", 1, "spread the callers over source addresses 127.0.0.1..127.0.0.N")
	fs.StringVar(&cfg.MetricsURL, "metrics", "http://127.0.0.1:8080/metrics", "the server's Prometheus endpoint for CPU and memory, or \"\" for none")
	fs.BoolVar(&cfg.Baseline, "baseline", true, "also measure a bare in-process SIP UAS")
	timeout := fs.Duration("timeout", 0, "stop the whole test after this long (default: generous bound from calls, rate and hold)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *noRTP {
		cfg.Audio = loadtest.AudioNone
	}
	bound := *timeout
	if bound <= 0 {
		per := time.Duration(float64(cfg.Calls)/max(cfg.Rate, 0.001)*float64(time.Second)) + cfg.Hold + time.Minute
		if cfg.Duration > 0 {
			per = cfg.Duration + cfg.Hold + time.Minute
		}
		bound = 2 * per
	}
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	res, err := loadtest.RunSIP(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return wfmWriteJSON(stdout, res)
	}
	return printSIPResult(stdout, res)
}

func printSIPResult(w io.Writer, res loadtest.SIPResult) error {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	runs := []loadtest.SIPRun{res.Server}
	heads := "\tserver"
	if res.Baseline != nil {
		runs = append(runs, *res.Baseline)
		heads += "\tbaseline (bare sipgo UAS)"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target %s%s\n", res.Target, heads)
	row := func(label string, f func(r loadtest.SIPRun) string) {
		fmt.Fprint(tw, label)
		for _, r := range runs {
			fmt.Fprint(tw, "\t", f(r))
		}
		fmt.Fprintln(tw)
	}
	row("calls", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("%d: %d answered, %d failed", r.Calls, r.Established, r.Calls-r.Established)
	})
	row("setups", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("%.1f/s sent, %.1f/s answered, last 200 OK %s after the last INVITE", r.SetupRate, r.AnswerRate, ms(r.AnswerLag))
	})
	row("INVITE → 200 OK", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("p50 %s, p99 %s, max %s", ms(r.Setup.P50), ms(r.Setup.P99), ms(r.Setup.Max))
	})
	for i, ph := range res.Server.Phases {
		title := fmt.Sprintf("%s (calls started %.0f-%.0f s)", ph.Name, ph.From.Seconds(), ph.To.Seconds())
		phase := func(r loadtest.SIPRun) (loadtest.SIPPhase, bool) {
			if i < len(r.Phases) {
				return r.Phases[i], true
			}
			return loadtest.SIPPhase{}, false
		}
		row(title, func(r loadtest.SIPRun) string {
			p, ok := phase(r)
			if !ok {
				return "-"
			}
			return fmt.Sprintf("%d: %d answered (%.1f/s), %d failed", p.Calls, p.Established, p.AnswerRate, p.Calls-p.Established)
		})
		row("  INVITE → 200 OK", func(r loadtest.SIPRun) string {
			p, _ := phase(r)
			return fmt.Sprintf("p50 %s, p99 %s, max %s", ms(p.Setup.P50), ms(p.Setup.P99), ms(p.Setup.Max))
		})
		row("  failures", func(r loadtest.SIPRun) string {
			p, _ := phase(r)
			if len(p.Failures) == 0 {
				return "none"
			}
			return p.FailureSummary()
		})
		row("  answered, heard nothing", func(r loadtest.SIPRun) string {
			p, _ := phase(r)
			if p.Established == 0 {
				return "-"
			}
			return fmt.Sprintf("%d of %d", p.Silent, p.Established)
		})
	}
	row("peak concurrent calls", func(r loadtest.SIPRun) string { return fmt.Sprint(r.PeakConcurrent) })
	row("load generator CPU", func(r loadtest.SIPRun) string { return fmt.Sprintf("%.2f cores", r.LoadgenCores) })
	row("hung up by the UAS", func(r loadtest.SIPRun) string { return fmt.Sprint(r.EndedByServer) })
	row("200 OK retransmissions", func(r loadtest.SIPRun) string { return fmt.Sprint(r.Retransmissions) })
	row("RTP sent / received", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("%d / %d packets, loss %.2f%%", r.RTP.Sent, r.RTP.Packets, r.RTP.LossPct)
	})
	row("calls hearing audio", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("%d with RTP, %d non-silent", r.RTP.CallsWithAudio, r.RTP.NonSilent)
	})
	row("RTP arrival times", func(r loadtest.SIPRun) string {
		if r.RTP.KernelTimes {
			return "kernel receive timestamps"
		}
		return "when the read returned"
	})
	row("jitter (RFC 3550, per call)", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("p50 %s, p99 %s, max %s", ms(r.RTP.Jitter.P50), ms(r.RTP.Jitter.P99), ms(r.RTP.Jitter.Max))
	})
	row("transit variation |D| (per packet)", func(r loadtest.SIPRun) string {
		return fmt.Sprintf("p50 %s, p99 %s", ms(r.RTP.TransitP50), ms(r.RTP.TransitP99))
	})
	if res.Server.ServerProcess != nil {
		row("server CPU", func(r loadtest.SIPRun) string {
			p := r.ServerProcess
			if p == nil {
				return "-"
			}
			s := fmt.Sprintf("%.2f cores over the run", p.CPUCores)
			if p.SteadyWindow > 0 {
				s += fmt.Sprintf(", %.2f with the calls up (%.0f s)", p.SteadyCores, p.SteadyWindow.Seconds())
			}
			return s
		})
		row("server memory", func(r loadtest.SIPRun) string {
			p := r.ServerProcess
			if p == nil {
				return "-"
			}
			return fmt.Sprintf("%.1f MB → %.1f MB, %.1f KB per call", float64(p.RSSBefore)/1e6, float64(p.RSSPeak)/1e6, p.BytesPerCall/1024)
		})
	}
	row("failures", func(r loadtest.SIPRun) string {
		if len(r.Failures) == 0 {
			return "none"
		}
		return r.FailureSummary()
	})
	if res.Baseline != nil {
		// What the server adds: its figure less the baseline's, measured by
		// the same callers in the same run.
		fmt.Fprintf(tw, "added jitter p99 (server - baseline)\t%s\n", ms(res.Server.RTP.Jitter.P99-res.Baseline.RTP.Jitter.P99))
		fmt.Fprintf(tw, "added transit variation p99 (server - baseline)\t%s\n", ms(res.Server.RTP.TransitP99-res.Baseline.RTP.TransitP99))
	}
	return tw.Flush()
}

func runLoadtestLogins(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest logins", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadtestLoginsHelp); fs.PrintDefaults() }
	var cfg loadtest.LoginsConfig
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "the server (loopback)")
	fs.IntVar(&cfg.Concurrent, "concurrent", 200, fmt.Sprintf("peers signing in at once (at most %d)", loadtest.MaxLoginAttackers))
	fs.IntVar(&cfg.Rounds, "rounds", 1, "wrong passwords each peer sends, one after the other")
	fs.IntVar(&cfg.Sources, "sources", 0, "source addresses 127.0.0.1..N (0: one per peer)")
	fs.BoolVar(&cfg.Socket, "socket", true, "also attack the agent WebSocket's sign-in")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	res, err := loadtest.RunLogins(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return wfmWriteJSON(stdout, res)
	}
	mb := func(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "server memory before	%s resident\n", mb(res.RSSBefore))
	for _, ph := range []struct {
		name string
		p    loadtest.LoginsPhase
	}{{"REST login", res.REST}, {"agent socket", res.Socket}} {
		if ph.p.Tries == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d tries: %d checked, %d refused, %d errors; p50 %s, p99 %s; peak %s resident, %s Go heap\n",
			ph.name, ph.p.Tries, ph.p.Checked, ph.p.Refused, ph.p.Errors, ms(ph.p.Latency.P50), ms(ph.p.Latency.P99), mb(ph.p.RSSPeak), mb(ph.p.HeapPeak))
	}
	return tw.Flush()
}

const loadtestIdleHelp = `Usage: plateau loadtest idle [flags]

Opens --conns connections of each kind to a running server on loopback,
from addresses 127.1.x.y, and leaves them unfinished for --window:
keep-alive (a request answered, then nothing), slow-headers, slow-body,
ws-silent (a chat WebSocket that never sends start) and ws-half-frame (a
chat started, then a frame sent in part; pings unanswered). Reports, per
kind, how many the server closed within the window and when.

Flags:
`

func runLoadtestIdle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest idle", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, loadtestIdleHelp); fs.PrintDefaults() }
	var cfg loadtest.IdleConfig
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "the server (loopback)")
	fs.StringVar(&cfg.Entry, "entry", "demo", "chat entry point")
	fs.IntVar(&cfg.Conns, "conns", 1000, fmt.Sprintf("connections of each kind (at most %d)", loadtest.MaxIdleConns))
	fs.DurationVar(&cfg.Window, "window", 60*time.Second, "how long to wait for the server to close them")
	fs.IntVar(&cfg.Sources, "sources", 0, "source addresses per kind (0: one per 100 connections)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	res, err := loadtest.RunIdle(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return wfmWriteJSON(stdout, res)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, k := range res {
		fmt.Fprintf(tw, "%s\t%d opened, %d closed by the server within %s (p50 %.1f s, max %.1f s), %d refused at once\n",
			k.Kind, k.Opened, k.Closed, cfg.Window, k.ToClose.P50.Seconds(), k.ToClose.Max.Seconds(), k.Refused)
	}
	return tw.Flush()
}
