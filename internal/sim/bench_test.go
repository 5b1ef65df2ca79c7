package sim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/acd"
)

// benchConfig is a busy day: 200 agents at 90% occupancy for 24 hours,
// about 290,000 contacts.
func benchConfig() Config {
	return Config{Seed: 1, Interval: 30 * time.Minute, Intervals: 48,
		Rates: []float64{6000}, Staff: []int{200}, Handle: Exponential{Avg: 54 * time.Second},
		Queue: acd.QueueConfig{Channel: acd.Voice}}
}

// BenchmarkSimulate runs the real routing engine; contacts/s is the figure.
func BenchmarkSimulate(b *testing.B) {
	cfg := benchConfig()
	contacts := 0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		res, err := Run(cfg)
		if err != nil {
			b.Fatal(err)
		}
		contacts += res.Total.Offered + res.Intervals[0].Offered
	}
	b.ReportMetric(float64(contacts)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkSimulateBaseline is the floor: the same arrivals and handle
// times through a bare M/M/N queue (a FIFO and a count of free agents, the
// same event heap), with no routing engine.
func BenchmarkSimulateBaseline(b *testing.B) {
	cfg := benchConfig()
	contacts := 0
	for i := 0; i < b.N; i++ {
		contacts += bareMMN(cfg)
	}
	b.ReportMetric(float64(contacts)/b.Elapsed().Seconds(), "contacts/s")
}

func bareMMN(cfg Config) int {
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	step := float64(cfg.Interval)
	end := int64(cfg.Interval) * int64(cfg.Intervals)
	rate := cfg.Rates[0] / step
	free := cfg.Staff[0]
	var h evHeap
	var fifo []int64
	seq := uint64(0)
	push := func(at int64, k evKind) { seq++; h.push(simEv{at: at, seq: seq, kind: k}) }
	push(int64(rng.ExpFloat64()/rate), evArrival)
	n, within := 0, 0
	for len(h) > 0 {
		ev := h.pop()
		switch ev.kind {
		case evArrival:
			n++
			if free > 0 {
				free--
				within++
				push(ev.at+int64(cfg.Handle.Sample(rng)), evEnd)
			} else {
				fifo = append(fifo, ev.at)
			}
			if next := ev.at + int64(rng.ExpFloat64()/rate); next < end {
				push(next, evArrival)
			}
		case evEnd:
			if len(fifo) > 0 {
				if ev.at-fifo[0] <= int64(20*time.Second) {
					within++
				}
				fifo = fifo[1:]
				push(ev.at+int64(cfg.Handle.Sample(rng)), evEnd)
			} else {
				free++
			}
		}
	}
	_ = within
	return n
}
