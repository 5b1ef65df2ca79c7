package sip

import (
	"errors"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// refusedFull checks that err is a 503 with a Retry-After.
func refusedFull(t *testing.T, err error, what string) {
	t.Helper()
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != sipmsg.StatusServiceUnavailable {
		t.Fatalf("%s: %v, want 503", what, err)
	}
	if h := de.Res.GetHeader("Retry-After"); h == nil || h.Value() == "" {
		t.Fatalf("%s: 503 without Retry-After", what)
	}
}

// TestCallCaps: past MaxCalls (from any source) or a tenant's
// MaxCallsPerTenant, INVITEs get 503 with Retry-After and nothing is
// stored; a call ending frees its place.
func TestCallCaps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts worldOpts
	}{{"global", worldOpts{maxCalls: 1}}, {"tenant", worldOpts{maxCalls: 5, maxPerTenant: 1}}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.opts)
			ctx := w.ctx()
			first, err := w.phone(testCaller, "").Dial(ctx, "1000")
			must(t, err, "first call")
			// Another source: the cap is not per source.
			other, err := NewPhone(t.Context(), PhoneConfig{Server: w.srv.Addr().String(), Host: "127.0.0.2", Username: "+33699999999", Logger: testLogger(t)})
			must(t, err, "phone on 127.0.0.2")
			_, err = other.Dial(ctx, "1000")
			refusedFull(t, err, "second call")
			ins, err := w.st.ListOpenInteractions(ctx)
			must(t, err, "open")
			if len(ins) != 1 {
				t.Fatalf("%d interactions stored, want 1", len(ins))
			}
			must(t, first.Hangup(ctx), "hang up")
			eventually(t, "the first call's place freed", 10*time.Second, func() bool {
				w.srv.mu.Lock()
				defer w.srv.mu.Unlock()
				return len(w.srv.all) == 0
			})
			c, err := other.Dial(ctx, "1000")
			must(t, err, "call after the first ended")
			must(t, c.Hangup(ctx), "hang up")
		})
	}
}
