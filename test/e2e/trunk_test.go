package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
	"github.com/plateau-cc/plateau/internal/sip"
)

// TestSIPTrunkTakesACarriersRate: a carrier's calls at 20/s from its one
// trunk address (the load test's callers on 127.0.0.1, a [[sip.trunk]])
// are all answered, while at the same time an unknown source (127.0.0.2)
// calling at the same rate is held to the per-source limit meant for
// phones (5/s, burst 20) and gets 503s.
func TestSIPTrunkTakesACarriersRate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end")
	}
	conf := filepath.Join(t.TempDir(), "plateau.toml")
	if err := os.WriteFile(conf, []byte("[[sip.trunk]]\nname = \"carrier\"\nsources = [\"127.0.0.1/32\"]\ntransport = \"udp\"\ndids = [\"1000\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startDemo(t, "--data", t.TempDir(), "--config", conf)
	sipAddr := srv.waitLine(t, reSIP)[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const calls, rate = 100, 20.0
	var (
		wg                 sync.WaitGroup
		unknownOK, refused int
		other              []string
		mu                 sync.Mutex
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		phone, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: sipAddr, Host: "127.0.0.2", Username: "+33622222222"})
		if err != nil {
			t.Error(err)
			return
		}
		var dials sync.WaitGroup
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for range calls {
			<-tick.C
			dials.Add(1)
			go func() {
				defer dials.Done()
				c, err := phone.Dial(ctx, "1000")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					unknownOK++
					go func() { time.Sleep(2 * time.Second); c.Hangup(context.WithoutCancel(ctx)) }()
				case strings.Contains(err.Error(), "503"):
					refused++
				default:
					other = append(other, err.Error())
				}
			}()
		}
		dials.Wait()
	}()
	res, err := loadtest.RunSIP(ctx, loadtest.SIPConfig{
		Target: "sip:1000@" + sipAddr, Calls: calls, Rate: rate, Hold: 2 * time.Second, Audio: loadtest.AudioNone, Sources: 1,
	})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	s := res.Server
	t.Logf("trunk: %d of %d answered at %.1f/s sent, setup p50 %v p99 %v, failures %v", s.Established, s.Calls, s.SetupRate, s.Setup.P50, s.Setup.P99, s.Failures)
	t.Logf("unknown source: %d answered, %d refused with 503, other %v", unknownOK, refused, other)
	if s.Established != calls || len(s.Failures) != 0 {
		t.Fatalf("the trunk's calls: %d of %d answered, failures %v", s.Established, calls, s.Failures)
	}
	if refused == 0 || unknownOK == 0 || unknownOK+refused != calls || len(other) != 0 {
		t.Fatalf("unknown source: %d answered, %d refused with 503, others %v: want some of each", unknownOK, refused, other)
	}
}
