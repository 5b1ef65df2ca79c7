package sip

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// An agent whose phone is not registered is made not ready with reason
// phone_unreachable; a desk making itself ready again at once (as the demo
// bots do) gets the call offered a few times in 3 s, not tens of times.
func TestUnreachablePhoneNotReadyAndBacksOff(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	ctx := w.ctx()
	d := w.readyDesk()
	caller := w.phone(testCaller, "")
	_, err := caller.Dial(ctx, "1000")
	must(t, err, "dial")
	offers, reasons := 0, map[string]int{}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	for {
		_, b, err := d.conn.Read(rctx)
		if err != nil {
			break
		}
		var f map[string]any
		must(t, json.Unmarshal(b, &f), "frame")
		switch f["type"] {
		case "offer":
			offers++
		case "agent_state":
			if f["state"] == "not_ready" {
				r, _ := f["reason"].(string)
				reasons[r]++
				// Like a bot, ready again at once once told why; not on
				// the decline's own not-ready, which the reason follows
				// (sending ready then raced it under load).
				if r == ReasonPhoneUnreachable {
					d.send(map[string]any{"type": "state", "state": "ready"})
				}
			}
		}
	}
	t.Logf("%d offers in 3 s, not-ready reasons %v", offers, reasons)
	if reasons[ReasonPhoneUnreachable] == 0 {
		t.Errorf("not made not ready with reason %q (not-ready reasons seen: %v)", ReasonPhoneUnreachable, reasons)
	}
	if offers == 0 || offers > 5 {
		t.Errorf("%d offers in 3 s to an agent whose phone is unreachable, want 1 to 5", offers)
	}
}
