package loginguard

import (
	"math"
	"sync"
	"time"
)

// Limiter is a set of token buckets kept in memory, one per key (chat
// starts per address, for instance); see NewLimiter.
type Limiter struct{ l *rateLimiter }

// NewLimiter returns a Limiter whose buckets hold burst tokens and refill
// burst tokens per period.
func NewLimiter(now func() time.Time, burst int, period time.Duration) *Limiter {
	return &Limiter{l: newRateLimiter(now, burst, period)}
}

// Allow takes a token from key's bucket; when it is empty it returns false
// and how long until a token is back.
func (l *Limiter) Allow(key string) (bool, time.Duration) { return l.l.allow(key) }

// rateLimiter is a set of token buckets kept in memory, one per key: each
// holds up to burst tokens and refills burst tokens per period. It forgets
// full buckets, so its size stays bounded by the keys active in a period.
type rateLimiter struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	now       func() time.Time
	burst     float64
	perSecond float64
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(now func() time.Time, burst int, period time.Duration) *rateLimiter {
	return &rateLimiter{
		buckets:   make(map[string]*bucket),
		now:       now,
		burst:     float64(burst),
		perSecond: float64(burst) / period.Seconds(),
	}
}

// allow takes a token from key's bucket. When it is empty it returns false
// and how long until a token is back.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	if wait := l.wait(key); wait > 0 {
		return false, wait
	}
	l.take(key)
	return true, 0
}

// wait returns how long until key's bucket holds a token: 0 when it holds
// one now. It takes nothing.
func (l *rateLimiter) wait(key string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		return 0
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - b.tokens) / l.perSecond * float64(time.Second)))
}

// take takes a token from key's bucket (which may go below zero).
func (l *rateLimiter) take(key string) {
	l.add(key, -1)
}

// refund gives a token back to key's bucket.
func (l *rateLimiter) refund(key string) {
	l.add(key, 1)
}

func (l *rateLimiter) add(key string, n float64) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	b.tokens = math.Min(l.burst, b.tokens+n)
}

func (l *rateLimiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.perSecond)
	}
	b.at = now
}

// sweep drops full buckets, at most once a minute.
func (l *rateLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
}
