package sip

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per source address (INVITEs, REGISTERs): a
// source may send burst requests at once, then rate per second. Idle
// buckets are dropped so that the map stays bounded by the sources active
// within the last few refill periods. Safe for concurrent use.
type limiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[string]*srcBucket
	lastSweep   time.Time
}

type srcBucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: max(burst, 1), buckets: map[string]*srcBucket{}}
}

// allow takes a token for src at now; when there is none it returns false
// and how long until there will be one (for Retry-After).
func (l *limiter) allow(src string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[src]
	if b == nil {
		b = &srcBucket{tokens: l.burst, last: now}
		l.buckets[src] = b
	}
	if now.After(b.last) {
		b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if l.rate <= 0 {
		return false, time.Hour
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// sweep drops the buckets that are full again (their sources idle), at most
// once a second.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Second {
		return
	}
	l.lastSweep = now
	for src, b := range l.buckets {
		if l.rate > 0 && b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, src)
		}
	}
}

// size is the number of sources tracked.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// retryAfter rounds a wait up to whole seconds, at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
