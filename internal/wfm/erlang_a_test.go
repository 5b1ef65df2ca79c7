package wfm

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// evalErlangALogSpace is the previous evaluation of the Erlang A measures,
// kept as a cross-check of evalErlangA: every term as a logarithm, the
// negative-binomial terms summed to the end of the chain.
func evalErlangALogSpace(iv Interval, n int, b float64, slT time.Duration) (Metrics, error) {
	a := iv.OfferedLoad()
	m := Metrics{Model: ModelErlangA, Agents: n, OfferedLoad: a, SLThreshold: slT, Stable: true}
	if a == 0 {
		m.ServiceLevel = 1
		return m, nil
	}
	lambda := iv.Calls / iv.Length.Seconds()
	mu := 1 / iv.AHT.Seconds()
	theta := 1 / iv.Patience.Seconds()
	c := float64(n) * mu
	T := slT.Seconds()

	// Mass below N relative to pi_N: 1/B - 1. If B underflowed, the waiting
	// states carry less than 1e-300 of the mass: nobody waits.
	if b < 1e-300 {
		m.ServiceLevel = 1
		m.Occupancy = a / float64(n)
		return m, nil
	}
	logLower := math.Log1p(-b) - math.Log(b) // log(1/B - 1); -Inf when n == 0

	// Online log-sum-exp: every accumulator is scaled by exp(-scale).
	scale := math.Max(logLower, 0)
	lower := math.Exp(logLower - scale)
	z := lower        // total mass
	sl := lower       // answered within T (no wait below N)
	var wait float64  // mass of states >= N
	var aband float64 // abandon probability mass
	var asa float64   // wait x 1{answered} mass

	x := -math.Expm1(-theta * T) // 1 - exp(-theta T)
	bb := c/theta + 1            // negative-binomial size parameter
	logNB := -(c + theta) * T    // log NB(0) = bb log(1 - x)
	q := 0.0                     // Q_{j+1} = sum_{k<=j} NB(k)
	h := 0.0                     // sum_{i=1..j+1} 1/(c + i theta)
	logW := 0.0                  // log pi_{N+j} / pi_N
	for j := 0; ; j++ {
		if j >= maxChainStates {
			return Metrics{}, fmt.Errorf("erlang A: waiting-state sum did not converge within %d states", maxChainStates)
		}
		if logW > scale {
			f := math.Exp(scale - logW)
			z, sl, wait, aband, asa = z*f, sl*f, wait*f, aband*f, asa*f
			scale = logW
		}
		e := math.Exp(logW - scale)
		jf := float64(j + 1)
		den := c + jf*theta
		ans := c / den
		h += 1 / den
		if j > 0 {
			logNB += math.Log(x * (float64(j-1) + bb) / float64(j))
		}
		if x > 0 || j == 0 {
			q += math.Exp(logNB)
		}
		z += e
		wait += e
		aband += e * (jf * theta / den)
		sl += e * ans * math.Max(0, 1-q)
		asa += e * ans * h
		// Next ratio pi_{N+j+1}/pi_{N+j}.
		r := lambda / (c + (jf)*theta)
		if r < 1 && e*r/(1-r) < 1e-15*z {
			break
		}
		logW += math.Log(r)
	}
	m.PWait = wait / z
	m.AbandonRate = aband / z
	m.ServiceLevel = clamp01(sl / z)
	answered := 1 - m.AbandonRate
	if answered > 0 {
		m.ASASeconds = asa / z / answered
	}
	if n > 0 {
		m.Occupancy = clamp01(a * answered / float64(n))
	}
	return m, nil
}

// erlangAGrid spans light and heavy loads, N far below and above A, short
// and long patience, T = 0 and N mu T beyond 700 (the negative-binomial
// terms start in log space) and N much smaller than A (the sums rescale).
func erlangAGrid() []struct {
	iv Interval
	n  int
	t  time.Duration
} {
	type c = struct {
		iv Interval
		n  int
		t  time.Duration
	}
	var out []c
	for _, load := range []float64{0.3, 2, 9.5, 55, 280, 1000, 19000} {
		for _, patience := range []time.Duration{5 * time.Second, 120 * time.Second, 3600 * time.Second} {
			aht := 180 * time.Second
			iv := Interval{Calls: load * 1800 / aht.Seconds(), Length: 30 * time.Minute, AHT: aht, Patience: patience}
			for _, f := range []float64{0, 0.01, 0.5, 0.9, 1, 1.1, 1.5, 3} {
				n := int(math.Round(load * f))
				for _, tt := range []time.Duration{0, 20 * time.Second, 600 * time.Second} {
					out = append(out, c{iv, n, tt})
				}
			}
		}
	}
	return out
}

func TestEvalErlangAMatchesLogSpace(t *testing.T) {
	for _, g := range erlangAGrid() {
		b := ErlangB(g.n, g.iv.OfferedLoad())
		got, err := evalErlangA(g.iv, g.n, b, g.t)
		if err != nil {
			t.Fatal(err)
		}
		want, err := evalErlangALogSpace(g.iv, g.n, b, g.t)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("A=%.1f N=%d patience=%v T=%v", g.iv.OfferedLoad(), g.n, g.iv.Patience, g.t)
		for _, v := range []struct {
			what      string
			got, want float64
		}{
			{"P(wait)", got.PWait, want.PWait},
			{"abandon", got.AbandonRate, want.AbandonRate},
			{"SL", got.ServiceLevel, want.ServiceLevel},
			{"ASA", got.ASASeconds, want.ASASeconds},
			{"occupancy", got.Occupancy, want.Occupancy},
		} {
			// Absolute 1e-11 as well: a service level of order 1e-13 is the
			// rounding of 1 - Q in both methods.
			if !near(v.got, v.want, 1e-11) && math.Abs(v.got-v.want) > 1e-11 {
				t.Errorf("%s: %s = %.15g, log-space %.15g", name, v.what, v.got, v.want)
			}
		}
	}
}

// TestRequiredAgentsErlangAMatchesScan checks the search against a plain
// scan N = 1, 2, ... with Evaluate, for loads, patiences and targets that
// make each target bind in turn.
func TestRequiredAgentsErlangAMatchesScan(t *testing.T) {
	targets := []Targets{
		{ServiceLevel: 0.8, SLThreshold: 20 * time.Second, MaxAbandon: 0.05},
		{ServiceLevel: 0.8, SLThreshold: 20 * time.Second},
		{MaxAbandon: 0.01, SLThreshold: 20 * time.Second},
		{ServiceLevel: 0.95, SLThreshold: 10 * time.Second, MaxASA: 5 * time.Second},
		{MaxOccupancy: 0.7},
		{MaxAbandon: 0.3},
	}
	for _, load := range []float64{0.2, 1, 3.7, 12, 47, 130, 333} {
		for _, patience := range []time.Duration{10 * time.Second, 120 * time.Second, 1800 * time.Second} {
			aht := 180 * time.Second
			iv := Interval{Calls: load * 900 / aht.Seconds(), Length: 15 * time.Minute, AHT: aht, Patience: patience}
			for _, tg := range targets {
				m, err := RequiredAgents(iv, tg)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				for n := 1; ; n++ {
					mn, err := Evaluate(iv, n, tg.SLThreshold)
					if err != nil {
						t.Fatal(err)
					}
					if tg.Met(mn) {
						want = n
						break
					}
				}
				if m.Agents != want {
					t.Errorf("A=%.1f patience=%v %+v: %d agents, scan %d", load, patience, tg, m.Agents, want)
				}
			}
		}
	}
}

func TestErlangBInvMatchesErlangB(t *testing.T) {
	for _, a := range []float64{0.01, 0.7, 3, 42.5, 500, 19000} {
		for _, f := range []float64{0, 0.3, 0.95, 1, 1.2, 2, 10} {
			n := int(a * f)
			got, want := erlangBInv(n, a), ErlangB(n, a)
			if !near(got, want, 1e-12) && !(want < 1e-300 && got < 1e-290) {
				t.Errorf("B(%d, %g): reciprocal recursion %.17g, ErlangB %.17g", n, a, got, want)
			}
		}
	}
}
