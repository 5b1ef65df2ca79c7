package store

import (
	"sync"
	"testing"
)

// TestConcurrentOpensMigrateOnce: the nodes of a cluster start together
// on a new PostgreSQL database; each applies the migrations at Open, and
// every one must succeed (one applies them, the others wait for it and
// find nothing left to do).
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := freshPostgresDSN(t)
	const nodes = 4
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(testCtx(t), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
}
