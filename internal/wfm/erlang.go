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
	// Every accumulator and e = pi_{N+j}/pi_N are kept scaled by the same
	// power of two, lowered whenever e grows past 2^rescaleExp, so that the
	// terms are products of rationals and never overflow.
	lower := (1 - b) / b // 1/B - 1 <= 1e300; 0 when n == 0
	z := lower           // total mass
	sl := lower          // answered within T (no wait below N)
	var wait float64     // mass of states >= N
	var aband float64    // abandon probability mass
	var asa float64      // wait x 1{answered} mass
	e := 1.0             // pi_{N+j} / pi_N, scaled

	// P(V'_j <= T) = 1 - Q_{j+1}, Q_{j+1} = sum_{k<=j} NB(k): the NB terms
	// are carried in log space while they are below exp(nbLinear), then as
	// products. They are unimodal; past their mode, once a term no longer
	// changes q (or q reached 1), none of the following does.
	x := -math.Expm1(-theta * T) // 1 - exp(-theta T)
	logNB := -(c + theta) * T    // log NB(0) = bb log(1 - x)
	nb := 0.0                    // NB(j) once logNB >= nbLinear
	linear := logNB >= nbLinear
	if linear {
		nb = math.Exp(logNB)
	}
	qDone := x == 0 // T == 0: Q_1 = NB(0) = 1, nobody waiting is answered in time
	q := 0.0
	if qDone {
		q = 1
	}
	xc := x * c / theta // with the size b = c/theta + 1: NB(j)/NB(j-1) = x (j-1+b)/j = x + xc/j
	h := 0.0            // sum_{i=1..j+1} 1/(c + i theta)
	for j := 0; ; j++ {
		if j >= maxChainStates {
			return Metrics{}, fmt.Errorf("erlang A: waiting-state sum did not converge within %d states", maxChainStates)
		}
		if e > rescaleAt {
			z, sl, wait, aband, asa, e = z*rescaleBy, sl*rescaleBy, wait*rescaleBy, aband*rescaleBy, asa*rescaleBy, e*rescaleBy
		}
		jf := float64(j + 1)
		den := c + jf*theta
		var inv float64
		if !qDone && j > 0 {
			// One division for both 1/den and 1/j.
			jm := float64(j)
			d := 1 / (den * jm)
			inv = jm * d
			ratio := x + xc*den*d
			if linear {
				nb *= ratio
			} else {
				logNB += math.Log(ratio)
				if logNB >= nbLinear {
					linear, nb = true, math.Exp(logNB)
				}
			}
			if linear && ratio < 1 && q+nb == q {
				qDone = true
			}
		} else {
			inv = 1 / den
		}
		if !qDone {
			q += nb
			if q >= 1 {
				qDone = true
			}
		}
		ans := c * inv
		h += inv
		z += e
		wait += e
		aband += e * (jf * theta * inv)
		if w := 1 - q; w > 0 {
			sl += e * ans * w
		}
		asa += e * ans * h
		// Next ratio pi_{N+j+1}/pi_{N+j}.
		r := lambda * inv
		if r < 1 && e*r < 1e-15*z*(1-r) {
			break
		}
		e *= r
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

// Scaling of the Erlang A sums: powers of two, so rescaling is exact, and a
// term below 2^600 times a ratio (at most lambda / (N mu + theta)) stays
// finite.
const (
	rescaleAt = 0x1p600
	rescaleBy = 0x1p-600
)

// nbLinear is the log of the smallest negative-binomial term carried as a
// plain number rather than a logarithm (exp(-700) ~ 1e-304).
const nbLinear = -700.0

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

// requiredErlangA finds the smallest N >= 1 meeting t (the measures are
// monotone in N). It starts from a proven lower bound (erlangAFailsBelow),
// gallops up from it and ends with a binary search; B(N, A) is computed once
// for every N from the bound up, by the recursion, and shared by all the
// evaluations.
func requiredErlangA(iv Interval, t Targets) (Metrics, error) {
	a := iv.OfferedLoad()
	base := max(0, erlangAFailsBelow(a, t)-1)
	bs := []float64{erlangBInv(base, a)} // bs[i] = B(base+i, A)
	eval := func(n int) (Metrics, bool, error) {
		for k := base + len(bs); k <= n; k++ {
			ab := a * bs[len(bs)-1]
			bs = append(bs, ab/(float64(k)+ab))
		}
		m, err := evalErlangA(iv, n, bs[n-base], t.SLThreshold)
		if err != nil {
			return Metrics{}, false, err
		}
		return m, t.Met(m), nil
	}
	lo := base // known to fail (or not allowed: contacts need agents)
	var (
		hi   int
		best Metrics
	)
	// The first probe is the bound itself; if it fails, its occupancy
	// gives the next guess for an abandonment target: P(abandon) =
	// 1 - N occ / A with occ falling slowly in N. Guesses only steer the
	// search; every step is an evaluation.
	next := lo + 1
	for step := 1; ; step *= 2 {
		hi = min(next, maxAgents)
		m, ok, err := eval(hi)
		if err != nil {
			return Metrics{}, err
		}
		if ok {
			best = m
			break
		}
		if hi >= maxAgents {
			return Metrics{}, fmt.Errorf("targets not met with %d agents", maxAgents)
		}
		lo = hi
		next = lo + step
		if step == 1 && t.MaxAbandon > 0 && m.Occupancy > 0 {
			if g := a * (1 - t.MaxAbandon) / m.Occupancy; g < maxAgents && int(math.Ceil(g)) > next {
				next = int(math.Ceil(g))
			}
		}
	}
	// A guess that met the targets is often the answer or one above it:
	// close to it, probe downwards one by one.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if hi-lo <= 3 {
			mid = hi - 1
		}
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

// erlangBInv is B(n, a) from the recursion of its inverse,
// 1/B(k) = 1 + (k/a) / B(k-1), which needs no division per step (the
// terms are positive, so it is as stable as ErlangB's). An overflow gives
// 0, an underflowed B.
func erlangBInv(n int, a float64) float64 {
	if n == 0 || a <= 0 {
		return ErlangB(n, a)
	}
	inv := 1 / a
	r := 1.0
	for k := 1; k <= n; k++ {
		r = 1 + r*(float64(k)*inv)
		if math.IsInf(r, 1) {
			return 0
		}
	}
	return 1 / r
}

// erlangAFailsBelow returns a number of agents below which no N can meet t
// under Erlang A with a load of a Erlangs. The carried load A (1 - P(abandon))
// is at most N busy agents, so P(abandon) >= 1 - N/A, and SL <= P(answered)
// <= N/A: a maximum abandonment rate r needs N >= A (1 - r) and a service
// level s needs N >= A s. The bound is lowered by a margin far above the
// rounding of the computed measures, so that every N below it also fails as
// computed.
func erlangAFailsBelow(a float64, t Targets) int {
	need := 0.0
	if t.MaxAbandon > 0 {
		need = a * (1 - t.MaxAbandon)
	}
	if t.ServiceLevel > 0 {
		need = max(need, a*t.ServiceLevel)
	}
	need -= 1e-6 * (1 + a)
	if need <= 0 {
		return 0
	}
	return int(math.Min(math.Ceil(need), maxAgents))
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
