package sip

import (
	"testing"
	"time"
)

func TestLimiterPerSource(t *testing.T) {
	t.Parallel()
	l := newLimiter(2, 3)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.allow("10.0.0.1", t0); !ok {
			t.Fatalf("burst request %d refused", i)
		}
	}
	ok, wait := l.allow("10.0.0.1", t0)
	if ok || wait != 500*time.Millisecond || retryAfter(wait) != 1 {
		t.Fatalf("4th request: ok=%v wait=%v", ok, wait)
	}
	// Another source has its own bucket.
	if ok, _ := l.allow("10.0.0.2", t0); !ok {
		t.Fatal("second source refused")
	}
	// Half a second later one token is back.
	if ok, _ := l.allow("10.0.0.1", t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("refill refused")
	}
	if ok, _ := l.allow("10.0.0.1", t0.Add(500*time.Millisecond)); ok {
		t.Fatal("more than the refill allowed")
	}
	// Idle sources are forgotten once their bucket is full again.
	l.allow("10.0.0.3", t0.Add(10*time.Second))
	if n := l.size(); n != 1 {
		t.Fatalf("%d sources tracked after they went idle, want 1", n)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, 1500 * time.Millisecond: 2, 3 * time.Second: 3} {
		if got := retryAfter(d); got != want {
			t.Errorf("retryAfter(%v) = %d, want %d", d, got, want)
		}
	}
}
