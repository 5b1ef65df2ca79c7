// Package sim runs Plateau's routing engine (internal/acd) under a virtual
// clock: Poisson arrivals (constant or varying by interval), handle times and
// customer patience drawn from distributions, agents that accept every offer
// and log in and out with a staffing plan. It counts what the engine decides
// and reports service level, waits, abandonment and occupancy, per interval
// and over the whole run, with batch-means confidence intervals.
//
// Definitions (the same as internal/wfm's): service level is the share of
// offered contacts answered within the threshold (abandoned ones count as
// failures); ASA is the mean wait of answered contacts; occupancy is the
// share of logged-in agent time spent on contacts (talking or wrapping up).
package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
)

// Dist draws durations.
type Dist interface {
	Sample(r *rand.Rand) time.Duration
	Mean() time.Duration
}

// Exponential is an exponential distribution.
type Exponential struct{ Avg time.Duration }

// Sample draws one duration.
func (d Exponential) Sample(r *rand.Rand) time.Duration {
	return time.Duration(r.ExpFloat64() * float64(d.Avg))
}

// Mean returns the mean.
func (d Exponential) Mean() time.Duration { return d.Avg }

// LogNormal is a log-normal distribution given by its mean and coefficient
// of variation (standard deviation / mean).
type LogNormal struct {
	Avg time.Duration
	CV  float64
}

// Sample draws one duration.
func (d LogNormal) Sample(r *rand.Rand) time.Duration {
	s2 := math.Log(1 + d.CV*d.CV)
	mu := math.Log(float64(d.Avg)) - s2/2
	return time.Duration(math.Exp(mu + math.Sqrt(s2)*r.NormFloat64()))
}

// Mean returns the mean.
func (d LogNormal) Mean() time.Duration { return d.Avg }

// Config describes a simulation run of one queue.
type Config struct {
	Seed  uint64
	Start time.Time // zero: 2026-01-05 00:00 UTC (a Monday)
	// Interval is the length of a reporting and planning interval.
	Interval time.Duration
	// Intervals is the number of intervals simulated.
	Intervals int
	// Rates are the mean arrivals per interval, one per interval; a shorter
	// slice repeats its last value.
	Rates []float64
	// Staff is the number of agents logged in per interval; a shorter slice
	// repeats its last value.
	Staff []int
	// Warmup intervals are simulated but left out of the totals.
	Warmup int
	Handle Dist
	// Patience is nil for customers who never abandon.
	Patience Dist
	// Queue is the queue configuration; its ID is ignored. Zero SLThreshold: 20 s.
	Queue acd.QueueConfig
	// Batches for the confidence intervals of the totals (0: 20).
	Batches int
	// OnEvent, if set, sees every engine event (for narration).
	OnEvent func(acd.Event)
}

// Stats are the figures of an interval or a run, by internal/kpi's
// definitions (with no short abandons: the simulator is compared with
// queueing models that have none).
type Stats struct {
	Offered, Answered, WithinSL, Abandoned int
	WaitSum                                time.Duration // of answered contacts
	BusyTime, StaffedTime                  time.Duration
}

// ServiceLevel is the share of offered contacts answered within the threshold.
func (s Stats) ServiceLevel() float64 { return ratio(s.WithinSL, s.Offered) }

// AbandonRate is the share of offered contacts that abandoned.
func (s Stats) AbandonRate() float64 { return ratio(s.Abandoned, s.Offered) }

// ASA is the mean wait of answered contacts.
func (s Stats) ASA() time.Duration {
	if s.Answered == 0 {
		return 0
	}
	return s.WaitSum / time.Duration(s.Answered)
}

// Occupancy is the share of staffed time spent on contacts.
func (s Stats) Occupancy() float64 {
	if s.StaffedTime == 0 {
		return 0
	}
	return float64(s.BusyTime) / float64(s.StaffedTime)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Stats) add(o Stats) {
	s.Offered += o.Offered
	s.Answered += o.Answered
	s.WithinSL += o.WithinSL
	s.Abandoned += o.Abandoned
	s.WaitSum += o.WaitSum
	s.BusyTime += o.BusyTime
	s.StaffedTime += o.StaffedTime
}

// Result is a run's outcome. Contacts are counted in the interval they
// arrived in; agent time in the interval it was spent in.
type Result struct {
	Intervals []Stats
	Total     Stats // after warm-up
	// Half-widths of 95% confidence intervals of the totals, by batch means.
	SLHalfWidth, AbandonHalfWidth, OccupancyHalfWidth float64
	ASAHalfWidth                                      time.Duration
	Events                                            int // engine events processed
	Unfinished                                        int // contacts still in the system at the end
}

// Validate checks a configuration.
func (c *Config) Validate() error {
	switch {
	case c.Interval <= 0 || c.Intervals <= 0:
		return errors.New("simulate: interval and number of intervals must be positive")
	case len(c.Rates) == 0 || len(c.Staff) == 0:
		return errors.New("simulate: need arrival rates and staffing")
	case c.Handle == nil || c.Handle.Mean() <= 0:
		return errors.New("simulate: need a handle-time distribution with a positive mean")
	case c.Warmup < 0 || c.Warmup >= c.Intervals:
		return errors.New("simulate: warm-up must be shorter than the run")
	}
	for _, r := range c.Rates {
		if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("simulate: arrival rate %v", r)
		}
	}
	for _, n := range c.Staff {
		if n < 0 {
			return fmt.Errorf("simulate: staffing %d", n)
		}
	}
	return nil
}

func at[T any](s []T, i int) T {
	if i < len(s) {
		return s[i]
	}
	return s[len(s)-1]
}
