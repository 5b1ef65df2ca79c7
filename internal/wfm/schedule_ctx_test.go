package wfm

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A big problem gives up as soon as its context is done (a client gone, a
// deadline passed) instead of running to its end.
func TestScheduleContextGivesUp(t *testing.T) {
	t.Parallel()
	n := 4 * 7 * 96 // four weeks of 15-minute intervals
	req := make([]int, n)
	for i := range req {
		h := (i % 96) / 4
		req[i] = 30 + 200*min(h, 24-h)/12
	}
	hours := func(x int) time.Duration { return time.Duration(x) * time.Hour }
	p := ScheduleProblem{
		Start: monday(), Step: 15 * time.Minute, Required: req, Cyclic: true,
		Shifts: []ShiftTemplate{
			{Name: "8h", Length: hours(8), Breaks: []Break{{Offset: hours(4), Length: 30 * time.Minute}}},
			{Name: "7h", Length: hours(7)}, {Name: "6h", Length: hours(6)}, {Name: "4h", Length: hours(4)},
		},
		Sites: []Site{
			{Name: "Paris", Country: "France", CostPerHour: 30_00},
			{Name: "Home", Country: "France", CostPerHour: 27_00, Homeshoring: true},
			{Name: "Rabat", Country: "Morocco", CostPerHour: 12_00},
			{Name: "Tunis", Country: "Tunisia", CostPerHour: 11_00},
		},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ScheduleContext(ctx, p)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v after %v, want the deadline", err, took)
	}
	if took > 3*time.Second {
		t.Errorf("gave up %v after the deadline", took-200*time.Millisecond)
	}
}
