package sip

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type testedPolicy struct {
	*callbackPolicy
	reg *prometheus.Registry
}

func testPolicy(allow, deny []string, perNumber, perSource int) testedPolicy {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "refused"}, []string{"reason"})
	reg := prometheus.NewRegistry()
	reg.MustRegister(refused)
	return testedPolicy{newCallbackPolicy(allow, deny, perNumber, perSource, refused), reg}
}

func TestCallbackPolicyPrefixes(t *testing.T) {
	t.Parallel()
	p := testPolicy([]string{"+33", "0"}, []string{"+338", "08"}, 0, 0)
	for number, ok := range map[string]bool{
		"+33612345678": true, "0612345678": true,
		"+33899123456": false, "0899123456": false, // premium rate
		"+88299999999": false, "00882999999": true, // 00 is not denied by these rules
		"612345678": false, "": false,
	} {
		err := p.allowed(number)
		if (err == nil) != ok {
			t.Errorf("%q: %v, want allowed=%v", number, err, ok)
		}
		if err != nil && !errors.Is(err, errCallbackPolicy) {
			t.Errorf("%q: %v is not a policy refusal", number, err)
		}
	}
	if n := metricValue(t, p.reg, "refused", "reason", "policy"); n != 5 {
		t.Errorf("policy refusals counted %v, want 5", n)
	}
	empty := testPolicy(nil, nil, 0, 0)
	if empty.enabled() || empty.allowed("+33612345678") == nil {
		t.Fatal("an empty allow list allows a number")
	}
}

func TestCallbackPolicyCaps(t *testing.T) {
	t.Parallel()
	p := testPolicy([]string{"+33"}, nil, 2, 3)
	day := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for i := range 2 {
		if err := p.take("+33612345678", "192.0.2.1", day); err != nil {
			t.Fatalf("callback %d: %v", i, err)
		}
	}
	if err := p.take("+33612345678", "192.0.2.2", day); !errors.Is(err, errCallbackNumberCap) {
		t.Fatalf("third callback to one number: %v", err)
	}
	if err := p.take("+33600000001", "192.0.2.1", day); err != nil {
		t.Fatalf("third from one source: %v", err)
	}
	if err := p.take("+33600000002", "192.0.2.1", day); !errors.Is(err, errCallbackSourceCap) {
		t.Fatalf("fourth from one source: %v", err)
	}
	if err := p.take("+44600000002", "192.0.2.9", day); !errors.Is(err, errCallbackPolicy) {
		t.Fatalf("number outside the policy: %v", err)
	}
	for reason, want := range map[string]float64{"number_cap": 1, "source_cap": 1, "policy": 1} {
		if n := metricValue(t, p.reg, "refused", "reason", reason); n != want {
			t.Errorf("refusals %s = %v, want %v", reason, n, want)
		}
	}
	// The next day starts again.
	if err := p.take("+33612345678", "192.0.2.1", day.Add(24*time.Hour)); err != nil {
		t.Fatalf("next day: %v", err)
	}
}

func TestCallbackTargetChecksPolicy(t *testing.T) {
	t.Parallel()
	s := &Server{cfg: Config{CallbackGateway: "127.0.0.1:5070"}, log: testLogger(t), cbPolicy: testPolicy([]string{"+33"}, []string{"+338"}, 0, 0).callbackPolicy}
	if _, ok := s.callbackTarget("+33899123456"); ok {
		t.Fatal("a callback target for a denied number")
	}
	if _, ok := s.callbackTarget("+88299999999"); ok {
		t.Fatal("a callback target for a number outside callback_allow")
	}
	tg, ok := s.callbackTarget("+33612345678")
	if !ok || tg.uri.User != "+33612345678" || tg.dest != "127.0.0.1:5070" {
		t.Fatalf("target %+v %v", tg, ok)
	}
}
