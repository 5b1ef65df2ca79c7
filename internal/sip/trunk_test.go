package sip

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// A trunk's INVITEs skip the per-source limit (burst 1 here) and reach
// only its numbers; phones elsewhere are still limited.
func TestTrunkLimitsAndNumbers(t *testing.T) {
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
