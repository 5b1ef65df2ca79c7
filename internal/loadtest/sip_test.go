package loadtest

import (
	"context"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/plateau-cc/plateau/internal/media"
)

// TestJitterMeterSyntheticStream feeds RFC 3550's estimator a stream of
// known timing: perfectly paced packets give no jitter; packets arriving
// alternately 2 ms late give |D| = 2 ms each and J = 2 ms·(1 - (15/16)^n);
// the 32-bit timestamp wraps in the middle.
func TestJitterMeterSyntheticStream(t *testing.T) {
	var m jitterMeter
	ts := uint32(1<<32 - 800) // wraps after 5 packets
	for i := range 50 {
		d, ok := m.packet(ts+uint32(i*media.FrameSamples), time.Duration(i)*media.FrameTime)
		if ok != (i > 0) || d != 0 {
			t.Fatalf("packet %d: |D| %v ok %v on a perfect stream", i, d, ok)
		}
	}
	if m.jitter() != 0 {
		t.Fatalf("jitter %v on a perfect stream", m.jitter())
	}

	m = jitterMeter{}
	want := 0.0
	for i := range 40 {
		late := time.Duration(i%2) * 2 * time.Millisecond
		d, ok := m.packet(ts+uint32(i*media.FrameSamples), time.Duration(i)*media.FrameTime+late)
		if i == 0 {
			continue
		}
		if !ok || d != 2*time.Millisecond {
			t.Fatalf("packet %d: |D| %v, want 2ms", i, d)
		}
		want += (float64(2*time.Millisecond) - want) / 16
	}
	if got := float64(m.jitter()); got < want-1 || got > want+1 {
		t.Fatalf("jitter %v, want %v", m.jitter(), time.Duration(want))
	}

	// A packet sent 40 ms of timestamp later but arriving 20 ms later: |D|
	// is 20 ms (it left 20 ms of media behind, e.g. after a lost packet).
	m = jitterMeter{}
	m.packet(0, 0)
	if d, _ := m.packet(2*media.FrameSamples, media.FrameTime); d != media.FrameTime {
		t.Fatalf("|D| %v, want 20ms", d)
	}
}

func TestHistogramQuantile(t *testing.T) {
	h := newHistogram(10*time.Microsecond, time.Second)
	for range 98 {
		h.add(100 * time.Microsecond)
	}
	h.add(3 * time.Millisecond)
	h.add(5 * time.Second) // past the range: the overflow bucket
	if got := h.quantile(0.5); got != 110*time.Microsecond {
		t.Fatalf("p50 %v", got)
	}
	if got := h.quantile(0.99); got != 3010*time.Microsecond {
		t.Fatalf("p99 %v", got)
	}
	if got := h.quantile(1); got < time.Second {
		t.Fatalf("max %v", got)
	}
	if got := newHistogram(time.Millisecond, time.Second).quantile(0.99); got != 0 {
		t.Fatalf("empty p99 %v", got)
	}
}

func TestProcessFigures(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ss := []metricSample{
		{at: t0, cpu: 10, rss: 100e6, up: 0},
		{at: t0.Add(1 * time.Second), cpu: 10.5, rss: 110e6, up: 500},
		{at: t0.Add(2 * time.Second), cpu: 11, rss: 120e6, up: 1000},
		{at: t0.Add(4 * time.Second), cpu: 12.2, rss: 125e6, up: 990},
		{at: t0.Add(6 * time.Second), cpu: 13.4, rss: 124e6, up: 960},
		{at: t0.Add(7 * time.Second), cpu: 13.5, rss: 101e6, up: 0},
	}
	f := processFigures(ss, 1000)
	if f.CPUSeconds < 3.49 || f.CPUSeconds > 3.51 || f.CPUCores < 0.49 || f.CPUCores > 0.51 {
		t.Fatalf("cpu %+v", f)
	}
	// 95% of 1000 up from 2 s to 6 s: 2.4 s of CPU in 4 s.
	if f.SteadyWindow != 4*time.Second || f.SteadyCores < 0.59 || f.SteadyCores > 0.61 {
		t.Fatalf("steady %+v", f)
	}
	if f.RSSBefore != 100e6 || f.RSSPeak != 125e6 || f.BytesPerCall != 25e3 {
		t.Fatalf("memory %+v", f)
	}
	if f := processFigures(ss[:1], 1000); f.CPUCores != 0 || f.MetricSamples != 1 {
		t.Fatalf("one sample: %+v", f)
	}
}

func TestSIPConfigRefusesNonLoopback(t *testing.T) {
	for _, target := range []string{"sip:1000@10.0.0.1:5060", "sip:1000@8.8.8.8", "sip:1000@[2001:db8::1]:5060", "sip:1000@example.com:5060"} {
		_, err := RunSIP(context.Background(), SIPConfig{Target: target, Calls: 1, Rate: 1})
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: %v", target, err)
		}
	}
	_, err := RunSIP(context.Background(), SIPConfig{Calls: 1, Rate: 1, MetricsURL: "http://192.0.2.1:8080/metrics"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("metrics: %v", err)
	}
	for _, cfg := range []SIPConfig{
		{Calls: 0, Rate: 1}, {Calls: MaxSIPCalls + 1, Rate: 1}, {Calls: 1, Rate: 0}, {Calls: 1, Rate: 1, Hold: time.Hour},
		{Calls: 1, Rate: 1, Transport: "sctp"}, {Calls: 1, Rate: 1, Audio: "music"},
		{Target: "sip:1000@[::1]:5060", Calls: 1, Rate: 1, Sources: 4},
	} {
		if _, err := RunSIP(context.Background(), cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	for _, ok := range []string{"sip:1000@127.0.0.5:5060", "sip:1000@[::1]:5060", "sip:1000@localhost:5060"} {
		cfg := SIPConfig{Target: ok, Calls: 1, Rate: 1}
		if _, _, err := cfg.validate(); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestRunSIPAgainstBaselineUAS places 20 calls at 40/s against the bare
// UAS over UDP: every call is answered and up at once, hears the UAS's
// tone, sends its own frames, and the UAS has no call left after the BYEs.
func TestRunSIPAgainstBaselineUAS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		transport, audio string
		sources          int
	}{{"udp", AudioTone, 1}, {"udp", AudioNone, 3}, {"tcp", AudioSilence, 2}} {
		t.Run(tc.transport+"-"+tc.audio, func(t *testing.T) {
			uas, err := StartBaselineUAS(ctx, "127.0.0.1", tc.transport, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer uas.Close()
			res, err := RunSIP(ctx, SIPConfig{
				Target: "sip:1000@" + uas.Addr().String(), Transport: tc.transport, Calls: 20, Rate: 40,
				Hold: 2 * time.Second, Audio: tc.audio, Sources: tc.sources,
			})
			if err != nil {
				t.Fatal(err)
			}
			r := res.Server
			t.Logf("%+v", r)
			if r.Established != 20 || len(r.Failures) != 0 || r.ByeFailures != 0 {
				t.Fatalf("answered %d of 20, failures %v, bye failures %d", r.Established, r.Failures, r.ByeFailures)
			}
			// INVITE i leaves no earlier than i/rate after the first.
			if r.SetupRate <= 0 || r.SetupRate > 40.01 {
				t.Fatalf("setup rate %.2f/s over 40/s", r.SetupRate)
			}
			// The last 200 OK answers an INVITE sent no later than the last.
			if r.AnswerRate <= 0 || r.AnswerLag <= 0 || r.AnswerLag > r.Setup.Max {
				t.Fatalf("answers %.2f/s, the last %v after the last INVITE, setup max %v", r.AnswerRate, r.AnswerLag, r.Setup.Max)
			}
			if r.PeakConcurrent != 20 || r.Setup.N != 20 || r.Setup.P99 <= 0 {
				t.Fatalf("peak %d, setup %+v", r.PeakConcurrent, r.Setup)
			}
			if r.RTP.CallsWithAudio != 20 || r.RTP.NonSilent != 20 || r.RTP.Packets == 0 || r.RTP.Jitter.N != 20 {
				t.Fatalf("rtp %+v", r.RTP)
			}
			if r.RTP.KernelTimes != (runtime.GOOS == "linux") {
				t.Fatalf("kernel arrival times %v on %s", r.RTP.KernelTimes, runtime.GOOS)
			}
			if (tc.audio == AudioNone) != (r.RTP.Sent == 0) {
				t.Fatalf("audio %s: sent %d packets", tc.audio, r.RTP.Sent)
			}
			if r.ServerProcess != nil {
				t.Fatal("process figures without a metrics URL")
			}
			waitActive(t, uas, 0)
		})
	}
}

func waitActive(t *testing.T, uas *BaselineUAS, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for uas.Active() != n {
		if time.Now().After(deadline) {
			t.Fatalf("the UAS has %d calls up, want %d", uas.Active(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunSIPFailuresByStatus counts setups a UAS refuses by their status.
func TestRunSIPFailuresByStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv.OnInvite(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		code, reason := 503, "Rate Limited"
		if n.Add(1)%2 == 0 {
			code, reason = 486, "Busy Here"
		}
		_ = tx.Respond(sipmsg.NewResponseFromRequest(req, code, reason, nil))
	})
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeUDP(conn)
	res, err := RunSIP(ctx, SIPConfig{Target: "sip:1000@" + conn.LocalAddr().String(), Calls: 10, Rate: 100, Hold: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Server
	if r.Established != 0 || r.Failures["503 Rate Limited"] != 5 || r.Failures["486 Busy Here"] != 5 || r.PeakConcurrent != 0 {
		t.Fatalf("%+v", r)
	}
	if s := r.FailureSummary(); s != "5× 486 Busy Here, 5× 503 Rate Limited" {
		t.Fatalf("summary %q", s)
	}
}

// TestRunSIPWithBaseline runs both halves of RunSIP: the target (here a
// first bare UAS) and the in-process baseline at the same rate and count.
func TestRunSIPWithBaseline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	uas, err := StartBaselineUAS(ctx, "127.0.0.1", "udp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer uas.Close()
	res, err := RunSIP(ctx, SIPConfig{Target: "sip:1000@" + uas.Addr().String(), Calls: 10, Rate: 50, Hold: time.Second, Baseline: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Baseline == nil || res.Baseline.Established != 10 || res.Baseline.RTP.NonSilent != 10 || res.Server.Established != 10 {
		t.Fatalf("%+v / %+v", res.Server, res.Baseline)
	}
}

// TestRunSIPSteadyState: with a duration, calls arrive at the rate for that
// long, held, and the figures are split at the warm-up by when each INVITE
// was due: 1 s at 40/s is 40 warm-up calls, the next 2 s 80 steady ones,
// with the baseline UAS measured beside the target in the same run.
func TestRunSIPSteadyState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	uas, err := StartBaselineUAS(ctx, "127.0.0.1", "udp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer uas.Close()
	res, err := RunSIP(ctx, SIPConfig{
		Target: "sip:1000@" + uas.Addr().String(), Rate: 40, Duration: 3 * time.Second, WarmUp: time.Second,
		Hold: 500 * time.Millisecond, Audio: AudioNone, Calls: 7, Baseline: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*SIPRun{"target": &res.Server, "baseline": res.Baseline} {
		if r == nil {
			t.Fatalf("%s: no figures", name)
		}
		if r.Calls != 120 || r.Established != 120 || len(r.Failures) != 0 {
			t.Fatalf("%s: %d calls, %d answered, failures %v; want 120 answered (rate x duration)", name, r.Calls, r.Established, r.Failures)
		}
		if len(r.Phases) != 2 {
			t.Fatalf("%s: phases %+v", name, r.Phases)
		}
		w, s := r.Phases[0], r.Phases[1]
		if w.Name != "warm-up" || w.From != 0 || w.To != time.Second || w.Calls != 40 || w.Established != 40 {
			t.Errorf("%s: warm-up %+v", name, w)
		}
		if s.Name != "steady" || s.From != time.Second || s.To != 3*time.Second || s.Calls != 80 || s.Established != 80 {
			t.Errorf("%s: steady %+v", name, s)
		}
		if s.Setup.N != 80 || s.Setup.P99 <= 0 || s.AnswerRate != 40 || len(s.Failures) != 0 {
			t.Errorf("%s: steady setups %+v, %.1f answered/s, failures %v", name, s.Setup, s.AnswerRate, s.Failures)
		}
		if w.Silent != 0 || s.Silent != 0 {
			t.Errorf("%s: %d and %d calls heard nothing, want every call hearing the tone", name, w.Silent, s.Silent)
		}
		// Hang-ups overlap setups: 500 ms holds at 40/s keep about 20 up.
		if r.PeakConcurrent < 10 || r.PeakConcurrent > 40 {
			t.Errorf("%s: peak %d concurrent calls", name, r.PeakConcurrent)
		}
	}
	// A UAS that answers and streams silence: every call is counted as
	// answered yet hearing nothing.
	quiet, err := StartBaselineUAS(ctx, "127.0.0.1", "udp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	quiet.silent.Store(true)
	res, err = RunSIP(ctx, SIPConfig{Target: "sip:1000@" + quiet.Addr().String(), Rate: 40, Duration: 2 * time.Second, WarmUp: time.Second,
		Hold: 500 * time.Millisecond, Audio: AudioNone})
	if err != nil {
		t.Fatal(err)
	}
	if w, s := res.Server.Phases[0], res.Server.Phases[1]; w.Silent != w.Established || s.Silent != s.Established || s.Established != 40 {
		t.Errorf("silent UAS: warm-up %d of %d heard nothing, steady %d of %d; want all", w.Silent, w.Established, s.Silent, s.Established)
	}
	for _, cfg := range []SIPConfig{
		{Rate: 10, Duration: time.Second, WarmUp: time.Second},
		{Rate: 10, Duration: MaxSIPDuration + time.Second},
		{Rate: 1000, Duration: MaxSIPDuration},
		{Rate: 10, Duration: time.Second, Hold: 5 * time.Second}, // default warm-up past the end
	} {
		if _, err := RunSIP(ctx, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
