package wfm

import (
	"testing"
	"time"
)

// benchIntervals returns 96 intervals x 100 queues of 15-minute traffic with
// loads spread over 1..500 Erlangs.
func benchIntervals() []Interval {
	ivs := make([]Interval, 0, 96*100)
	for q := range 100 {
		for i := range 96 {
			load := 1 + float64((q*37+i*11)%500) // Erlangs, 1..500
			aht := 180 * time.Second
			ivs = append(ivs, Interval{Calls: load * (15 * 60) / aht.Seconds(), Length: 15 * time.Minute, AHT: aht})
		}
	}
	return ivs
}

// BenchmarkStaffing computes the 80/20 requirement of 96 intervals x 100
// queues with RequiredAgents (incremental Erlang B from just above A).
func BenchmarkStaffing(b *testing.B) {
	ivs := benchIntervals()
	tg := Targets{ServiceLevel: 0.8, SLThreshold: 20 * time.Second}
	b.Run("intervals=96xqueues=100", func(b *testing.B) {
		for b.Loop() {
			for _, iv := range ivs {
				if _, err := RequiredAgents(iv, tg); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkStaffingBaseline does the same work the naive way: Erlang C
// recomputed from scratch for N = 1, 2, 3, ... until the target is met.
func BenchmarkStaffingBaseline(b *testing.B) {
	ivs := benchIntervals()
	tg := Targets{ServiceLevel: 0.8, SLThreshold: 20 * time.Second}
	b.Run("intervals=96xqueues=100", func(b *testing.B) {
		for b.Loop() {
			for _, iv := range ivs {
				naiveRequired(iv, tg)
			}
		}
	})
}

// BenchmarkStaffingErlangA is the same requirement under Erlang A
// (patience 120 s, abandonment at most 5%).
func BenchmarkStaffingErlangA(b *testing.B) {
	ivs := benchIntervals()
	for i := range ivs {
		ivs[i].Patience = 120 * time.Second
	}
	tg := Targets{ServiceLevel: 0.8, SLThreshold: 20 * time.Second, MaxAbandon: 0.05}
	b.Run("intervals=96xqueues=100", func(b *testing.B) {
		for b.Loop() {
			for _, iv := range ivs {
				if _, err := RequiredAgents(iv, tg); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkSchedule is a week of 30-minute intervals, 24/7, three sites.
func BenchmarkSchedule(b *testing.B) {
	n := 7 * 48
	req := make([]int, n)
	for i := range req {
		h := (i % 48) / 2
		req[i] = 3 + 20*min(h, 24-h)/12
	}
	hours := func(x int) time.Duration { return time.Duration(x) * time.Hour }
	p := ScheduleProblem{
		Start: monday(), Step: 30 * time.Minute, Required: req, Cyclic: true,
		Shifts: []ShiftTemplate{
			{Name: "8h", Length: hours(8), Breaks: []Break{{Offset: hours(4), Length: 30 * time.Minute}}},
			{Name: "6h", Length: hours(6)},
		},
		Sites: []Site{
			{Name: "Paris", Country: "France", CostPerHour: 30_00, Open: hours(8), Close: hours(20)},
			{Name: "Home", Country: "France", CostPerHour: 27_00, Homeshoring: true},
			{Name: "Rabat", Country: "Morocco", CostPerHour: 12_00, Open: hours(7), Close: hours(23)},
		},
	}
	for b.Loop() {
		if _, err := Schedule(p); err != nil {
			b.Fatal(err)
		}
	}
}
