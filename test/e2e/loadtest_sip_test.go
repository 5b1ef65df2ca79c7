package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
)

// TestSIPLoadtest runs `plateau loadtest sip`'s engine against a real demo
// server: 50 callers at 25 setups per second over UDP from 8 loopback
// source addresses (the server limits INVITEs per source), each sending a
// tone and holding 3 s; every call is answered and hears the announcement,
// the server's CPU and memory come from its /metrics, and the bare UAS
// baseline runs at the same rate.
func TestSIPLoadtest(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	srv := startDemo(t, "--data", t.TempDir())
	sipAddr := srv.waitLine(t, reSIP)[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := loadtest.RunSIP(ctx, loadtest.SIPConfig{
		Target: "sip:1000@" + sipAddr, Calls: 50, Rate: 25, Hold: 3 * time.Second, Audio: loadtest.AudioTone,
		Sources: 8, MetricsURL: srv.base + "/metrics", Baseline: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Server
	t.Logf("server %+v", s)
	t.Logf("baseline %+v", res.Baseline)
	if s.Established != 50 || len(s.Failures) != 0 || s.ByeFailures != 0 || s.EndedByServer != 0 {
		t.Fatalf("answered %d of 50, failures %v, BYE failures %d, hung up by the server %d", s.Established, s.Failures, s.ByeFailures, s.EndedByServer)
	}
	if s.Setup.N != 50 || s.PeakConcurrent < 1 || s.SetupRate > 25.01 {
		t.Fatalf("setups %+v, peak %d, rate %.2f", s.Setup, s.PeakConcurrent, s.SetupRate)
	}
	if s.RTP.CallsWithAudio != 50 || s.RTP.NonSilent != 50 || s.RTP.Sent == 0 || s.RTP.Jitter.N != 50 {
		t.Fatalf("not every caller heard the announcement: %+v", s.RTP)
	}
	p := s.ServerProcess
	if p == nil || p.CPUSeconds <= 0 || p.RSSPeak <= 0 || p.MetricSamples < 2 {
		t.Fatalf("server process figures %+v", p)
	}
	if b := res.Baseline; b == nil || b.Established != 50 || b.RTP.NonSilent != 50 || b.ServerProcess != nil {
		t.Fatalf("baseline %+v", b)
	}
}
