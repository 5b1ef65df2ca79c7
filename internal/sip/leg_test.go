package sip

import (
	"context"
	"sync"
	"testing"
)

// TestLegAnswerAndStopHangUpOnce: when a phone answers while the call
// stops its leg, exactly one of ring (markAnswered false) and stop (true)
// hangs the leg up, whatever the interleaving.
func TestLegAnswerAndStopHangUpOnce(t *testing.T) {
	t.Parallel()
	c := &call{ctx: context.Background()}
	for i := range 2000 {
		l := c.newLeg(1, target{}, nil)
		var ringHangs, stopHangs bool
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); ringHangs = !l.markAnswered() }()
		go func() { defer wg.Done(); stopHangs = l.stop() }()
		wg.Wait()
		if ringHangs == stopHangs {
			t.Fatalf("round %d: ring hangs up %v, stop hangs up %v: want exactly one", i, ringHangs, stopHangs)
		}
		if l.stop() {
			t.Fatalf("round %d: a second stop hung up again", i)
		}
		l.cancel()
	}
}
