package loginguard

import (
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	type step struct {
		advance time.Duration
		key     string
		allow   bool
		wait    time.Duration // when refused
	}
	tests := []struct {
		name  string
		burst int
		steps []step
	}{
		{"burst then refuse", 2, []step{
			{0, "k", true, 0}, {0, "k", true, 0}, {0, "k", false, 30 * time.Second},
		}},
		{"keys are independent", 1, []step{
			{0, "a", true, 0}, {0, "b", true, 0}, {0, "a", false, time.Minute},
		}},
		{"refill is gradual", 3, []step{
			{0, "k", true, 0}, {0, "k", true, 0}, {0, "k", true, 0},
			{10 * time.Second, "k", false, 10 * time.Second},
			{10 * time.Second, "k", true, 0},
			{0, "k", false, 20 * time.Second},
		}},
		{"refill stops at the burst", 2, []step{
			{0, "k", true, 0}, {time.Hour, "k", true, 0}, {0, "k", true, 0}, {0, "k", false, 30 * time.Second},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			l := newRateLimiter(clock.Now, tc.burst, time.Minute)
			for i, s := range tc.steps {
				clock.Advance(s.advance)
				ok, wait := l.allow(s.key)
				if ok != s.allow || (!ok && wait != s.wait) {
					t.Errorf("step %d: allow=%v wait=%v, want %v %v", i, ok, wait, s.allow, s.wait)
				}
			}
		})
	}
}

func TestRateLimiterForgetsIdleKeys(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter(clock.Now, 5, time.Minute)
	for _, k := range []string{"a", "b", "c"} {
		l.allow(k)
	}
	clock.Advance(2 * time.Minute)
	l.allow("d")
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n != 1 {
		t.Errorf("%d buckets kept, want only the active one", n)
	}
}
