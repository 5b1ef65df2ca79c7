package store

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestGroupCommit: concurrent writers share commits, a failing one is
// rolled back alone, and everything acknowledged is there after reopening.
func TestGroupCommit(t *testing.T) {
	ctx := testCtx(t)
	path := filepath.Join(t.TempDir(), "g.db")
	s, err := Open(ctx, path)
	noErr(t, err, "open")
	f := newFixture(t, s, "acme")
	before := s.group.commits.Load()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[int64]bool{}
	failed := 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := f.queue.ID
			if i%10 == 0 {
				q = 999999 // no such queue: this one fails
			}
			id, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: q, Channel: model.ChannelVoice,
				Tier: "premium", ArrivedAt: t0.Add(time.Duration(i) * time.Second)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) {
					t.Errorf("writer %d: unexpected error %v", i, err)
				}
				failed++
				return
			}
			ok[id] = true
		}()
	}
	wg.Wait()
	if failed != 20 || len(ok) != 180 {
		t.Fatalf("%d failed, %d stored; want 20 and 180", failed, len(ok))
	}
	if n := s.group.commits.Load() - before; n >= 200 {
		t.Errorf("200 concurrent writers took %d commits: nothing was grouped", n)
	} else {
		t.Logf("200 concurrent writers, %d commits", n)
	}
	noErr(t, s.Close(), "close")
	s, err = Open(ctx, path)
	noErr(t, err, "reopen")
	defer s.Close()
	open, err := s.ListOpenInteractions(ctx)
	noErr(t, err, "list")
	if len(open) != 180 {
		t.Fatalf("%d interactions after reopening, want 180", len(open))
	}
	for _, in := range open {
		if !ok[in.ID] {
			t.Fatalf("interaction %d stored but never acknowledged", in.ID)
		}
	}
}
