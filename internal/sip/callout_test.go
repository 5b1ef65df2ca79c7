package sip

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
)

// A call placed from a chat (live.OutboundDialer): the agent's registered
// phone rings first, then the number through the callback gateway; they
// hear each other; Hangup ends both. A busy line, an agent without a
// phone and a number outside callback_allow each fail with their reason.
func TestDialOutFromChat(t *testing.T) {
	w := newWorld(t, worldOpts{callbackAllow: []string{"+33"}})
	ctx := w.ctx()
	if got := w.srv.Reach(w.tenant, w.agent); got != "" {
		t.Errorf("reach without a way out: %q", got)
	}
	customer := w.phone(testCaller, "")
	w.srv.cfg.CallbackGateway = customer.Addr().String()
	if got := w.srv.Reach(w.tenant, w.agent); got != live.ReachNone {
		t.Errorf("reach without a phone: %q", got)
	}
	custCalls := make(chan *PhoneCall, 1)
	customer.Answer(func(c *PhoneCall) {
		custCalls <- c
		tone, _ := media.NewTone(700, 8000, 0)
		c.Play(ctx, tone)
	})
	_, agentCalls := w.answeringPhone(ctx, 1300)
	if got := w.srv.Reach(w.tenant, w.agent); got != live.ReachPhone {
		t.Errorf("reach with a registered phone: %q", got)
	}
	statuses := make(chan string, 8)
	dial := func(agent int64, number string) (live.OutboundCall, error) {
		return w.srv.DialOut(live.DialOut{TenantID: w.tenant, ContactID: 77, AgentID: agent, Number: number,
			Report: func(_ context.Context, status, reason string) { statuses <- status + ":" + reason }})
	}
	next := func(want string) {
		t.Helper()
		select {
		case got := <-statuses:
			if got != want {
				t.Fatalf("status %q, want %q", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no status, want %q", want)
		}
	}

	oc, err := dial(w.agent, "+33611223344")
	must(t, err, "dial out")
	var ac, cc *PhoneCall
	select {
	case ac = <-agentCalls:
	case <-time.After(15 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	next(live.CallOutRinging + ":")
	select {
	case cc = <-custCalls:
	case <-time.After(15 * time.Second):
		t.Fatal("the customer was not called")
	}
	next(live.CallOutConnected + ":")
	eventually(t, "agent and customer hear each other's tone", 15*time.Second, func() bool {
		a, c := ac.Audio(), cc.Audio()
		return len(a) > 4000 && len(c) > 4000 && goertzel(a[len(a)-4000:], 700) >= 0.5 && goertzel(c[len(c)-4000:], 1300) >= 0.5
	})
	oc.Hangup()
	next(live.CallOutEnded + ":")
	for _, c := range []*PhoneCall{ac, cc} {
		select {
		case <-c.Ended():
		case <-time.After(10 * time.Second):
			t.Fatal("a side was not hung up")
		}
	}

	// Busy.
	customer.Answer(nil)
	_, err = dial(w.agent, "+33611223344")
	must(t, err, "dial out again")
	next(live.CallOutRinging + ":")
	next(live.CallOutFailed + ":busy")

	// No phone for this agent; a number outside callback_allow.
	_, err = dial(w.agent+100, "+33611223355")
	must(t, err, "dial out for an agent without a phone")
	next(live.CallOutFailed + ":no_phone")
	_, err = dial(w.agent, "+44611223344")
	var de *live.DialError
	if !errors.As(err, &de) || de.Reason != "refused" {
		t.Fatalf("a number outside callback_allow: %v", err)
	}
}
