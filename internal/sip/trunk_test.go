package sip

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
)

// A trunk's INVITEs skip the per-source limit (burst 1 here) and reach
// only its numbers; phones elsewhere are still limited.
func TestTrunkLimitsAndNumbers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{inviteBurst: 1, trunks: []Trunk{{Name: "carrier", Sources: []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")},
		DIDs: []string{"1000"}}}})
	ctx := w.ctx()
	_, err := w.st.CreateEntryPoint(ctx, w.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "2000", QueueID: w.queue.ID})
	must(t, err, "entry 2000")
	carrier, err := NewPhone(t.Context(), PhoneConfig{Server: w.srv.Addr().String(), Host: "127.0.0.3", Username: "+33611111111"})
	must(t, err, "carrier phone")
	for i := range 3 {
		c, err := carrier.Dial(ctx, "1000")
		if err != nil {
			t.Fatalf("call %d from the trunk: %v", i+1, err)
		}
		c.Hangup(ctx)
	}
	if _, err := carrier.Dial(ctx, "2000"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a number the trunk does not deliver: %v, want 404", err)
	}
	phone := w.phone(testCaller, "")
	c, err := phone.Dial(ctx, "1000")
	must(t, err, "first call from a phone")
	c.Hangup(ctx)
	if _, err := phone.Dial(ctx, "1000"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("second call from a phone (burst 1): %v, want 503", err)
	}
}

// A trunk with refuse_unknown: its numbers take calls from it only (403
// from anybody else); other numbers still take calls from anybody.
func TestTrunkRefusesUnknownSources(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{trunks: []Trunk{{Name: "carrier", Sources: []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")},
		DIDs: []string{"1000"}, RefuseUnknown: true}}})
	ctx := w.ctx()
	_, err := w.st.CreateEntryPoint(ctx, w.tenant, model.EntryPoint{Kind: model.EntryPhone, Address: "2000", QueueID: w.queue.ID})
	must(t, err, "entry 2000")
	phone := w.phone(testCaller, "")
	if _, err := phone.Dial(ctx, "1000"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("the trunk's number from another source: %v, want 403", err)
	}
	c, err := phone.Dial(ctx, "2000")
	must(t, err, "another number from a phone")
	c.Hangup(ctx)
	carrier, err := NewPhone(t.Context(), PhoneConfig{Server: w.srv.Addr().String(), Host: "127.0.0.3", Username: "+33611111111"})
	must(t, err, "carrier phone")
	c, err = carrier.Dial(ctx, "1000")
	must(t, err, "the trunk's number from the trunk")
	c.Hangup(ctx)
	if got := metricValue(t, w.reg, "plateau_sip_trunk_only_refused_total"); got != 1 {
		t.Errorf("refused counter %v, want 1", got)
	}
}

func TestTrunkSettings(t *testing.T) {
	t.Parallel()
	src := []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}
	for _, tc := range []struct {
		tr   Trunk
		want string
	}{
		{Trunk{Name: "a", Sources: src, Username: "u"}, "go together"},
		{Trunk{Name: "a", Sources: src, Username: "u", Password: "p"}, "without an outbound"},
		{Trunk{Name: "a", Sources: src, Outbound: "nohost"}, "outbound"},
		{Trunk{Name: "a", Sources: src, Outbound: "192.0.2.1:5060", Transport: "tls"}, "TLS"},
		{Trunk{Name: "a", Sources: src, Outbound: "192.0.2.1:5060", Username: "u", Password: "p"}, ""},
	} {
		err := tc.tr.Check()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.tr, err, tc.want)
		}
	}
	base := Config{Addr: "127.0.0.1:0", Trunks: []Trunk{{Name: "a", Sources: src}}}
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.CallbackTrunk = "b" }, "no such trunk"},
		{func(c *Config) { c.CallbackTrunk = "a" }, "no outbound"},
		{func(c *Config) { c.CallbackTrunk, c.CallbackGateway = "a", "192.0.2.1:5060" }, "choose one"},
		{func(c *Config) { c.Trunks = append(c.Trunks, Trunk{Name: "a", Sources: src}) }, "twice"},
	} {
		c := base
		c.Trunks = slices.Clone(base.Trunks)
		tc.mod(&c)
		if err := c.defaults(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
}

// TestCallbackThroughTrunkWithDigest: the callback goes out through the
// trunk the operator named, to sip:NUMBER@domain from the trunk's calling
// number, and answers the carrier's 407 challenge with the trunk's
// credentials; the call counts on the trunk while it lasts.
func TestCallbackThroughTrunkWithDigest(t *testing.T) {
	w := newWorld(t, worldOpts{callbackAllow: []string{"0", "+33"}, trunks: []Trunk{{Name: "carrier",
		Sources: []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")}, Username: "acme-trunk", Password: "tr0nk-s3cret", Outbound: "127.0.0.1:9",
		FromUser: "+33100000000", Domain: "sip.carrier.example", MaxCalls: 5}}})
	ctx := w.ctx()
	customer := w.phone(testCaller, "")
	tr := w.srv.trunkNamed("carrier")
	tr.cfg.Outbound = customer.Addr().String() // the "carrier" is the customer's phone
	w.srv.cbTrunk = tr
	customer.RequireDigest("carrier.example", "acme-trunk", "tr0nk-s3cret", true)
	call, err := customer.Dial(ctx, "1000")
	must(t, err, "dial")
	welcome := promptSamples(t, "fr", media.PromptWelcome)
	eventually(t, "the welcome", 20*time.Second, func() bool { return len(call.Audio()) > welcome })
	must(t, call.SendDigit(ctx, '1'), "press 1")
	confirm := promptSamples(t, "fr", media.PromptCallbackNumber) + promptSamples(t, "fr", media.PromptCallbackConfirm)
	start := len(call.Audio())
	eventually(t, "the confirmation", 20*time.Second, func() bool { return len(call.Audio()) > start+confirm })
	for _, k := range "0612345678#1" {
		must(t, call.SendDigit(ctx, k), "number and confirm")
	}
	select {
	case <-call.Ended():
	case <-time.After(30 * time.Second):
		t.Fatal("no BYE after the callback was confirmed")
	}
	custCalls := make(chan *PhoneCall, 1)
	customer.Answer(func(c *PhoneCall) {
		custCalls <- c
		tone, _ := media.NewTone(700, 8000, 0)
		c.Play(ctx, tone)
	})
	_, agentCalls := w.answeringPhone(ctx, 1300)
	d := w.readyDesk()
	d.expect("offer", nil)
	var ac, cc *PhoneCall
	select {
	case ac = <-agentCalls:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	select {
	case cc = <-custCalls:
	case <-time.After(15 * time.Second):
		t.Fatal("the customer was not called back")
	}
	challenged, accepted := customer.Digests()
	if challenged < 1 || len(accepted) != 1 {
		t.Fatalf("challenges %d, INVITEs let through %+v", challenged, accepted)
	}
	if a := accepted[0]; a.RequestURI != "sip:0612345678@sip.carrier.example" || a.From != "+33100000000" || a.Username != "acme-trunk" {
		t.Errorf("the INVITE through the trunk: %+v", a)
	}
	if n := tr.active(); n != 1 {
		t.Errorf("trunk calls during the callback: %d, want 1", n)
	}
	eventually(t, "agent and customer hear each other's tone", 15*time.Second, func() bool {
		a, c := ac.Audio(), cc.Audio()
		return len(a) > 8000 && len(c) > 8000 && goertzel(a[len(a)-4000:], 700) >= 0.5 && goertzel(c[len(c)-4000:], 1300) >= 0.5
	})
	must(t, cc.Hangup(ctx), "customer bye")
	select {
	case <-ac.Ended():
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone was not hung up")
	}
	eventually(t, "the trunk's place freed", 10*time.Second, func() bool { return tr.active() == 0 })
}
