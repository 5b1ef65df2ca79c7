package sim

import (
	"math"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
	"github.com/plateau-cc/plateau/internal/wfm"
)

// TestErlangCAgreement runs one queue, one skill, exponential handle times and
// no abandonment, and checks the simulated service level, ASA and occupancy
// against Erlang C (internal/wfm) within the simulation's 95% confidence
// interval. The half-widths are those of 95% intervals by batch means; the
// test allows 1.5 of them (about a 99.5% interval), so that a fixed seed is
// not a lucky pick: over seeds 1-10 the 10-agent case averages SL 0.6716
// against Erlang C's 0.6724.
func TestErlangCAgreement(t *testing.T) {
	cases := []struct {
		name   string
		agents int
		load   float64 // Erlangs
		aht    time.Duration
	}{
		{"10 agents at 8 erlangs", 10, 8, 3 * time.Minute},
		{"3 agents at 2.4 erlangs", 3, 2.4, 5 * time.Minute},
		{"50 agents at 45 erlangs", 50, 45, 4 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			interval := 30 * time.Minute
			perInterval := tc.load / tc.aht.Seconds() * interval.Seconds()
			res, err := Run(Config{
				Seed: 1, Interval: interval, Intervals: 2000, Warmup: 4,
				Rates: []float64{perInterval}, Staff: []int{tc.agents},
				Handle: Exponential{Avg: tc.aht},
				Queue:  acd.QueueConfig{Channel: acd.Voice, SLThreshold: 20 * time.Second},
			})
			if err != nil {
				t.Fatal(err)
			}
			iv := wfm.Interval{Calls: perInterval, Length: interval, AHT: tc.aht}
			want, err := wfm.Evaluate(iv, tc.agents, 20*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Total
			t.Logf("offered %d: SL %.4f ± %.4f (Erlang C %.4f), ASA %v ± %v (%.1fs), occupancy %.4f (%.4f)",
				got.Offered, got.ServiceLevel(), res.SLHalfWidth, want.ServiceLevel,
				got.ASA().Round(time.Millisecond), res.ASAHalfWidth.Round(time.Millisecond), want.ASASeconds,
				got.Occupancy(), want.Occupancy)
			if d := math.Abs(got.ServiceLevel() - want.ServiceLevel); d > 1.5*res.SLHalfWidth {
				t.Errorf("service level %.4f differs from Erlang C %.4f by %.4f, more than the half-width %.4f",
					got.ServiceLevel(), want.ServiceLevel, d, res.SLHalfWidth)
			}
			if d := math.Abs(got.ASA().Seconds() - want.ASASeconds); d > 1.5*res.ASAHalfWidth.Seconds() {
				t.Errorf("ASA %.2fs differs from Erlang C %.2fs by more than %.2fs", got.ASA().Seconds(), want.ASASeconds, res.ASAHalfWidth.Seconds())
			}
			if d := math.Abs(got.Occupancy() - want.Occupancy); d > 1.5*res.OccupancyHalfWidth {
				t.Errorf("occupancy %.4f, want %.4f ± %.4f", got.Occupancy(), want.Occupancy, 1.5*res.OccupancyHalfWidth)
			}
			if got.Abandoned != 0 {
				t.Errorf("%d abandoned without patience", got.Abandoned)
			}
		})
	}
}
