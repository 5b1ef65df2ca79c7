package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
)

func TestLoadtestSIPCommand(t *testing.T) {
	if code, _, errs := runCLI(t, "loadtest"); code == 0 || !strings.Contains(errs, "chat or sip") || !strings.Contains(errs, "plateau loadtest sip") {
		t.Fatalf("no subcommand: exit %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "loadtest", "sip", "--target", "sip:1000@10.1.2.3:5060", "--metrics", ""); code != 1 || !strings.Contains(errs, "loopback") {
		t.Fatalf("remote target: exit %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "loadtest", "sip", "--metrics", "http://203.0.113.7/metrics"); code != 1 || !strings.Contains(errs, "loopback") {
		t.Fatalf("remote metrics: exit %d %q", code, errs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	uas, err := loadtest.StartBaselineUAS(ctx, "127.0.0.1", "udp", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer uas.Close()
	target := "sip:1000@" + uas.Addr().String()
	code, out, errs := runCLI(t, "loadtest", "sip", "--target", target, "--calls", "5", "--rate", "50", "--hold", "300ms", "--metrics", "", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res loadtest.SIPResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Server.Established != 5 || res.Baseline == nil || res.Baseline.Established != 5 || res.Server.RTP.NonSilent != 5 {
		t.Fatalf("%+v / %+v", res.Server, res.Baseline)
	}
	code, out, errs = runCLI(t, "loadtest", "sip", "--target", target, "--calls", "3", "--rate", "50", "--hold", "200ms", "--metrics", "", "--no-rtp", "--baseline=false")
	if code != 0 || !strings.Contains(out, "INVITE → 200 OK") || !strings.Contains(out, "3: 3 answered, 0 failed") || strings.Contains(out, "baseline") {
		t.Fatalf("table: exit %d %s\n%s", code, errs, out)
	}
	if !strings.Contains(out, "0 / ") { // --no-rtp: no packet sent
		t.Fatalf("no-rtp sent packets:\n%s", out)
	}
}

func TestLoadtestLoginsAndIdleLoopbackOnly(t *testing.T) {
	for _, args := range [][]string{
		{"loadtest", "logins", "--url", "http://203.0.113.7:8080"},
		{"loadtest", "idle", "--url", "http://203.0.113.7:8080", "--window", "1s"},
	} {
		if code, _, errs := runCLI(t, args...); code != 1 || !strings.Contains(errs, "loopback") {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
	}
}
