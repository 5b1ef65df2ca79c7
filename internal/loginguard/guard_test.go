package loginguard

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var errWrong = errors.New("wrong password")

func TestConcurrentChecksAreBounded(t *testing.T) {
	t.Parallel()
	g := New(Options{Concurrent: 3, SlotWait: 50 * time.Millisecond, PerAddress: 1000, PerLogin: 1000, PerAddressLogin: 1000})
	var running, peak, ran atomic.Int32
	release := make(chan struct{})
	check := func(context.Context) error {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		ran.Add(1)
		<-release
		running.Add(-1)
		return errWrong
	}
	const tries = 40
	var wg sync.WaitGroup
	var refused atomic.Int32
	for i := range tries {
		wg.Go(func() {
			err := g.Check(t.Context(), fmt.Sprintf("10.0.%d.%d:4000", i/250, i%250), fmt.Sprintf("user%d", i), check)
			if r, ok := AsRefused(err); ok {
				if r.Seconds() < 1 {
					t.Errorf("Retry-After %v", r.RetryAfter)
				}
				refused.Add(1)
			} else if !errors.Is(err, errWrong) {
				t.Errorf("try %d: %v", i, err)
			}
		})
	}
	// Every try beyond the three running ones gives up after SlotWait.
	deadline := time.Now().Add(10 * time.Second)
	for refused.Load() < tries-3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	if p := peak.Load(); p > 3 {
		t.Errorf("%d checks ran at once, want at most 3", p)
	}
	if r := refused.Load(); r != tries-3 || ran.Load() != 3 {
		t.Errorf("%d refused, %d ran; want %d and 3", r, ran.Load(), tries-3)
	}
}

func TestOneLoginFromManyAddresses(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	g := New(Options{Now: clock.Now})
	var checked int
	wrong := func(context.Context) error { checked++; return errWrong }
	// 220 tries on one login from 20 addresses, 11 each.
	for i := range 220 {
		g.Check(t.Context(), fmt.Sprintf("192.0.2.%d:5000", i%20), "Victim", wrong)
	}
	if checked > DefaultPerLogin {
		t.Errorf("%d tries reached the password check, want at most %d", checked, DefaultPerLogin)
	}
	// The right password, from a fresh address, is refused too until the
	// login's bucket refills.
	err := g.Check(t.Context(), "198.51.100.7:1", "victim", func(context.Context) error { return nil })
	if _, ok := AsRefused(err); !ok {
		t.Fatalf("the right password after the attack: %v, want refused", err)
	}
	clock.Advance(time.Minute)
	if err := g.Check(t.Context(), "198.51.100.7:1", "victim", func(context.Context) error { return nil }); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

func TestOneAddressAcrossLogins(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	g := New(Options{Now: clock.Now, PerAddress: 5})
	var checked int
	wrong := func(context.Context) error { checked++; return errWrong }
	for i := range 50 {
		g.Check(t.Context(), "203.0.113.9:7000", fmt.Sprintf("login%d", i), wrong)
	}
	if checked != 5 {
		t.Errorf("%d distinct logins reached the check from one address, want 5", checked)
	}
	// Another port of the same host is the same address; another host is not.
	if _, ok := AsRefused(g.Check(t.Context(), "203.0.113.9:7001", "x", wrong)); !ok {
		t.Error("another port of the same address was not limited")
	}
	if err := g.Check(t.Context(), "203.0.113.10:7000", "x", wrong); !errors.Is(err, errWrong) {
		t.Errorf("another address: %v", err)
	}
	// IPv6: one /64 is one address.
	for i := range 10 {
		g.Check(t.Context(), fmt.Sprintf("[2001:db8::%x]:80", i+1), fmt.Sprintf("v6-%d", i), wrong)
	}
	if Address("[2001:db8::1]:80") != Address("[2001:db8::ffff]:1") || Address("[2001:db8:0:1::1]:80") == Address("[2001:db8::1]:80") {
		t.Error("IPv6 addresses are not counted by /64")
	}
}

func TestSuccessGivesTheTokensBack(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	g := New(Options{Now: clock.Now, PerAddress: 3, PerAddressLogin: 100})
	ok := func(context.Context) error { return nil }
	// A team behind one address signs in many times: not limited.
	for i := range 20 {
		if err := g.Check(t.Context(), "192.0.2.1:1", fmt.Sprintf("agent%d", i), ok); err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
	}
}

func TestCheckGivesUpWithTheContext(t *testing.T) {
	t.Parallel()
	g := New(Options{Concurrent: 1, SlotWait: time.Hour})
	hold := make(chan struct{})
	go g.Check(t.Context(), "192.0.2.1:1", "a", func(context.Context) error { <-hold; return nil })
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := g.Check(ctx, "192.0.2.2:1", "b", func(context.Context) error { t.Error("check ran"); return nil })
	close(hold)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
}
