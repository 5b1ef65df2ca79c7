package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/loadtest"
)

// TestLoginsLoadtest runs `plateau loadtest logins` against a real demo:
// concurrent wrong sign-ins from distinct addresses and logins, over the
// REST login and the agent socket. The server runs a few password checks
// at once and refuses the excess (429 / rate_limited) instead of running
// them all: its memory grows by a few checks' worth (19 MiB each, twice
// that with the collector's headroom), not by 60 checks' (1.1 GiB).
func TestLoginsLoadtest(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	srv := startDemo(t, "--data", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := loadtest.RunLogins(ctx, loadtest.LoginsConfig{BaseURL: srv.base, Concurrent: 60, Rounds: 1, Socket: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	for name, ph := range map[string]loadtest.LoginsPhase{"REST": res.REST, "socket": res.Socket} {
		if ph.Errors != 0 || ph.Checked+ph.Refused != 60 {
			t.Errorf("%s: %+v", name, ph)
		}
		if ph.RSSPeak <= 0 {
			t.Errorf("%s: no memory reading", name)
		}
		if grew := ph.RSSPeak - res.RSSBefore; grew > 600<<20 {
			t.Errorf("%s: 60 concurrent sign-ins took the server from %d MB to %d MB resident: the password checks are not bounded",
				name, res.RSSBefore>>20, ph.RSSPeak>>20)
		}
	}
}
