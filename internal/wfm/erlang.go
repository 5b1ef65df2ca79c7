package wfm

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Model names reported in Metrics.Model.
const (
	ModelErlangC = "erlang-c"
	ModelErlangA = "erlang-a"
)

// maxAgents bounds every staffing search.
const maxAgents = 10_000_000

// maxChainStates bounds the Erlang A sum over waiting states.
const maxChainStates = 50_000_000

// ErlangB returns the Erlang B blocking probability for n servers and an
// offered load of a Erlangs, by the stable recursion
// B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)). It returns NaN for negative or
// NaN inputs.
func ErlangB(n int, a float64) float64 {
	if n < 0 || a < 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return math.NaN()
	}
	b := 1.0
	for k := 1; k <= n; k++ {
		ab := a * b
		b = ab / (float64(k) + ab)
	}
	return b
}

// ErlangC returns the Erlang C probability of waiting for n agents and an
// offered load of a Erlangs: N B / (N - A (1 - B)) when n > a, and 1 when
// n <= a (the queue grows without bound). It returns NaN for invalid inputs.
func ErlangC(n int, a float64) float64 {
	b := ErlangB(n, a)
	if math.IsNaN(b) {
		return b
	}
	return erlangCFromB(n, a, b)
}

func erlangCFromB(n int, a, b float64) float64 {
	nf := float64(n)
	if nf <= a {
		return 1
	}
	c := nf * b / (nf - a*(1-b))
	return clamp01(c)
}

func clamp01(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

// Interval is the traffic of one queue over one planning interval.
type Interval struct {
	// Calls is the number of contacts offered during the interval.
	Calls float64
	// Length is the interval length, e.g. 30 minutes.
	Length time.Duration
	// AHT is the average handle time (talk + hold + wrap-up).
	AHT time.Duration
	// Patience is the mean customer patience. Zero means infinite patience:
	// the model is then Erlang C; otherwise it is Erlang A.
	Patience time.Duration
}

// OfferedLoad returns A = Calls x AHT / Length in Erlangs.
func (iv Interval) OfferedLoad() float64 {
	if iv.Length <= 0 {
		return 0
	}
	return iv.Calls * iv.AHT.Seconds() / iv.Length.Seconds()
}

// Model returns ModelErlangA when a patience is set, ModelErlangC otherwise.
func (iv Interval) Model() string {
	if iv.Patience > 0 {
		return ModelErlangA
	}
	return ModelErlangC
}

func (iv Interval) validate() error {
	switch {
	case iv.Calls < 0 || math.IsNaN(iv.Calls) || math.IsInf(iv.Calls, 0):
		return fmt.Errorf("calls must be a finite number >= 0, got %v", iv.Calls)
	case iv.Length <= 0:
		return fmt.Errorf("interval length must be positive, got %v", iv.Length)
	case iv.AHT <= 0:
		return fmt.Errorf("AHT must be positive, got %v", iv.AHT)
	case iv.Patience < 0:
		return fmt.Errorf("patience must be >= 0, got %v", iv.Patience)
	}
	return nil
}

// Metrics are the queueing measures of one interval for a number of agents.
// See the package documentation for the exact definitions.
type Metrics struct {
	// Model is ModelErlangC or ModelErlangA.
	Model string `json:"model"`
	// Agents is the number of agents on the phones (before shrinkage).
	Agents int `json:"agents"`
	// OfferedLoad is A in Erlangs.
	OfferedLoad float64 `json:"offered_load"`
	// PWait is the probability that a contact has to queue.
	PWait float64 `json:"p_wait"`
	// ServiceLevel is answered within SLThreshold / offered.
	ServiceLevel float64 `json:"service_level"`
	// SLThreshold is the Y of the service level.
	SLThreshold time.Duration `json:"-"`
	// ASASeconds is the mean wait of answered contacts, in seconds. It is
	// +Inf for an unstable Erlang C queue (agents <= load).
	ASASeconds float64 `json:"asa_seconds"`
	// AbandonRate is abandoned / offered (always 0 under Erlang C).
	AbandonRate float64 `json:"abandon_rate"`
	// Occupancy is carried load / agents.
	Occupancy float64 `json:"occupancy"`
	// Stable is false for an Erlang C queue with agents <= load.
	Stable bool `json:"stable"`
}

// Evaluate returns the measures of iv with the given number of agents, the
// service level being taken at slThreshold.
func Evaluate(iv Interval, agents int, slThreshold time.Duration) (Metrics, error) {
	if err := iv.validate(); err != nil {
		return Metrics{}, fmt.Errorf("evaluate: %w", err)
	}
	if agents < 0 {
		return Metrics{}, fmt.Errorf("evaluate: agents must be >= 0, got %d", agents)
	}
	if slThreshold < 0 {
		return Metrics{}, fmt.Errorf("evaluate: service level threshold must be >= 0, got %v", slThreshold)
	}
	a := iv.OfferedLoad()
	b := ErlangB(agents, a)
	if iv.Patience > 0 {
		m, err := evalErlangA(iv, agents, b, slThreshold)
		if err != nil {
			return Metrics{}, fmt.Errorf("evaluate: %w", err)
		}
		return m, nil
	}
	return evalErlangC(a, iv.AHT.Seconds(), agents, b, slThreshold), nil
}

// evalErlangC computes the Erlang C measures from B(n, a).
func evalErlangC(a, aht float64, n int, b float64, slT time.Duration) Metrics {
	m := Metrics{Model: ModelErlangC, Agents: n, OfferedLoad: a, SLThreshold: slT}
	if a == 0 {
		m.ServiceLevel, m.Stable = 1, true
		return m
	}
	nf := float64(n)
	if nf <= a {
		m.PWait, m.ServiceLevel, m.ASASeconds, m.Occupancy = 1, 0, math.Inf(1), 1
		return m
	}
	c := erlangCFromB(n, a, b)
	m.Stable = true
	m.PWait = c
	m.ServiceLevel = clamp01(1 - c*math.Exp(-(nf-a)*slT.Seconds()/aht))
	m.ASASeconds = c * aht / (nf - a)
	m.Occupancy = a / nf
	return m
}

// evalErlangA computes the Erlang A (M/M/N+M) measures; b is B(n, A).
// The method is described in the package documentation.
func evalErlangA(iv Interval, n int, b float64, slT time.Duration) (Metrics, error) {
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

// Targets are staffing targets; a zero field is not a target. Any
// combination may be given; at least one is required.
type Targets struct {
	// ServiceLevel is the X of an X/Y target, as a fraction in (0, 1).
	ServiceLevel float64
	// SLThreshold is the Y of an X/Y target. It is also the threshold at
	// which the reported service level is measured.
	SLThreshold time.Duration
	// MaxASA is the maximum average speed of answer.
	MaxASA time.Duration
	// MaxAbandon is the maximum abandonment rate (needs a patience).
	MaxAbandon float64
	// MaxOccupancy is the maximum occupancy, in (0, 1].
	MaxOccupancy float64
}

func (t Targets) validate(iv Interval) error {
	switch {
	case t.ServiceLevel < 0 || t.ServiceLevel >= 1 || math.IsNaN(t.ServiceLevel):
		return fmt.Errorf("service level target must be in [0, 1), got %v", t.ServiceLevel)
	case t.ServiceLevel > 0 && t.SLThreshold <= 0:
		return errors.New("a service level target needs a positive threshold")
	case t.SLThreshold < 0:
		return fmt.Errorf("service level threshold must be >= 0, got %v", t.SLThreshold)
	case t.MaxASA < 0:
		return fmt.Errorf("maximum ASA must be >= 0, got %v", t.MaxASA)
	case t.MaxAbandon < 0 || t.MaxAbandon >= 1 || math.IsNaN(t.MaxAbandon):
		return fmt.Errorf("maximum abandonment rate must be in [0, 1), got %v", t.MaxAbandon)
	case t.MaxAbandon > 0 && iv.Patience <= 0:
		return errors.New("a maximum abandonment rate needs a customer patience (Erlang A)")
	case t.MaxOccupancy < 0 || t.MaxOccupancy > 1 || math.IsNaN(t.MaxOccupancy):
		return fmt.Errorf("maximum occupancy must be in [0, 1], got %v", t.MaxOccupancy)
	case t.ServiceLevel == 0 && t.MaxASA == 0 && t.MaxAbandon == 0 && t.MaxOccupancy == 0:
		return errors.New("no staffing target given")
	}
	return nil
}

// Met reports whether m meets every target of t.
func (t Targets) Met(m Metrics) bool {
	const eps = 1e-12
	if m.Model == ModelErlangC && !m.Stable {
		return false
	}
	if t.ServiceLevel > 0 && m.ServiceLevel < t.ServiceLevel-eps {
		return false
	}
	if t.MaxASA > 0 && m.ASASeconds > t.MaxASA.Seconds()+eps {
		return false
	}
	if t.MaxAbandon > 0 && m.AbandonRate > t.MaxAbandon+eps {
		return false
	}
	if t.MaxOccupancy > 0 && m.Occupancy > t.MaxOccupancy+eps {
		return false
	}
	return true
}

// RequiredAgents returns the measures for the smallest number of agents that
// meets every target of t for the traffic iv (Erlang A when iv has a
// patience, Erlang C otherwise). With no traffic it returns zero agents.
func RequiredAgents(iv Interval, t Targets) (Metrics, error) {
	if err := iv.validate(); err != nil {
		return Metrics{}, fmt.Errorf("required agents: %w", err)
	}
	if err := t.validate(iv); err != nil {
		return Metrics{}, fmt.Errorf("required agents: %w", err)
	}
	a := iv.OfferedLoad()
	if a == 0 {
		return Evaluate(iv, 0, t.SLThreshold)
	}
	var (
		m   Metrics
		err error
	)
	if iv.Patience > 0 {
		m, err = requiredErlangA(iv, t)
	} else {
		m, err = requiredErlangC(a, iv.AHT.Seconds(), t)
	}
	if err != nil {
		return Metrics{}, fmt.Errorf("required agents for %.2f Erlangs: %w", a, err)
	}
	return m, nil
}

// requiredErlangC walks up from the smallest stable N, updating the Erlang B
// recursion in O(1) per agent.
func requiredErlangC(a, aht float64, t Targets) (Metrics, error) {
	n := int(math.Floor(a)) + 1
	if t.MaxOccupancy > 0 {
		if lb := int(math.Ceil(a/t.MaxOccupancy - 1e-9)); lb > n {
			n = lb
		}
	}
	if n > maxAgents {
		return Metrics{}, fmt.Errorf("more than %d agents needed", maxAgents)
	}
	b := ErlangB(n, a)
	for ; n <= maxAgents; n++ {
		if n > 0 {
			m := evalErlangC(a, aht, n, b, t.SLThreshold)
			if t.Met(m) {
				return m, nil
			}
		}
		ab := a * b
		b = ab / (float64(n+1) + ab)
	}
	return Metrics{}, fmt.Errorf("targets not met with %d agents", maxAgents)
}

// requiredErlangA finds the smallest N >= 1 meeting t by exponential then
// binary search (the measures are monotone in N).
func requiredErlangA(iv Interval, t Targets) (Metrics, error) {
	eval := func(n int) (Metrics, bool, error) {
		m, err := evalErlangA(iv, n, ErlangB(n, iv.OfferedLoad()), t.SLThreshold)
		if err != nil {
			return Metrics{}, false, err
		}
		return m, t.Met(m), nil
	}
	lo := 0 // known to fail (or not allowed: contacts need agents)
	hi := max(1, int(math.Ceil(iv.OfferedLoad()*0.5)))
	var best Metrics
	for {
		m, ok, err := eval(hi)
		if err != nil {
			return Metrics{}, err
		}
		if ok {
			best = m
			break
		}
		lo = hi
		if hi >= maxAgents {
			return Metrics{}, fmt.Errorf("targets not met with %d agents", maxAgents)
		}
		hi = min(2*hi, maxAgents)
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		m, ok, err := eval(mid)
		if err != nil {
			return Metrics{}, err
		}
		if ok {
			hi, best = mid, m
		} else {
			lo = mid
		}
	}
	return best, nil
}

// ScheduledAgents returns ceil(required / (1 - shrinkage)), the agents to
// schedule so that required ones are available after shrinkage.
func ScheduledAgents(required int, shrinkage float64) (int, error) {
	if required < 0 {
		return 0, fmt.Errorf("scheduled agents: required must be >= 0, got %d", required)
	}
	if shrinkage < 0 || shrinkage >= 1 || math.IsNaN(shrinkage) {
		return 0, fmt.Errorf("scheduled agents: shrinkage must be in [0, 1), got %v", shrinkage)
	}
	return int(math.Ceil(float64(required)/(1-shrinkage) - 1e-9)), nil
}
