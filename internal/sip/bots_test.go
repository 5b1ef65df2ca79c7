package sip

import (
	"fmt"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// Six phone bots registering at once from one address (two REGISTERs each,
// past the burst of 10 of the per-source limit) all register within
// seconds: the ones answered 503 come back after its Retry-After.
func TestPhoneBotsAllRegister(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	site, err := w.st.CreateSite(ctx, w.tenant, model.Site{Name: "Bots", Country: "FR", Kind: model.SiteOnsite, CostPerHour: 1_00})
	must(t, err, "site")
	const bots = 6
	for i := range bots {
		a, err := w.st.CreateAgent(ctx, w.tenant, model.Agent{SiteID: site.ID, Name: fmt.Sprintf("Bot %d", i), VoiceCapacity: 1})
		must(t, err, "agent")
		user := fmt.Sprintf("bot%d", i)
		must(t, w.st.SetSIPAccount(ctx, w.tenant, a.ID, user, DefaultRealm, "bot-secret-"+user), "sip account")
		go RunPhoneBot(ctx, PhoneConfig{Server: w.srv.Addr().String(), Host: "127.0.0.1", Username: user, Password: "bot-secret-" + user,
			Logger: testLogger(t).With("part", user)})
	}
	eventually(t, "every bot registered", 10*time.Second, func() bool { return w.srv.reg.count(time.Now()) == bots })
	if n := metricValue(t, w.reg, "plateau_sip_responses_total", "method", "REGISTER", "code", "503"); n < 1 {
		t.Logf("no REGISTER was rate-limited (%v): the burst did not exceed the limit", n)
	}
}
