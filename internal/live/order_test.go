package live

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/plateau-cc/plateau/internal/store"
)

// The waiting line's order survives a restart exactly, on both backends,
// even when many customers arrive at once (their rows commit in another
// order than they were stamped).
func TestWaitingOrderSurvivesRestartSQLite(t *testing.T) {
	t.Parallel()
	path := tempDB(t)
	testOrderSurvivesRestart(t, func() *store.Store { return openSQLite(t, path) })
}

func TestWaitingOrderSurvivesRestartPostgres(t *testing.T) {
	t.Parallel()
	dsn := postgresDSN(t)
	testOrderSurvivesRestart(t, func() *store.Store {
		st, err := store.Open(testCtx(t), dsn)
		must(t, err, "open postgres")
		return st
	})
}

func testOrderSurvivesRestart(t *testing.T, open func() *store.Store) {
	// n customers, inFlight at once (PostgreSQL on the test machine is
	// shared: each start holds a connection).
	const n, inFlight = 100, 16
	st := open()
	seed(t, st, 1, 0)
	l := startCenter(t, st, Options{})
	ids := make([]int64, n)
	var wg sync.WaitGroup
	slots := make(chan struct{}, inFlight)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			c := dial(t, l.wsURL("/chat/"+entryAddress+"/ws"), fmt.Sprintf("c%d", i))
			c.send(frame{"type": "start", "name": fmt.Sprintf("Customer %d", i)})
			ids[i] = c.expect("queued").num("contact_id")
		})
	}
	wg.Wait()
	line := func(c *Center) []int64 {
		out := slices.Clone(ids)
		pos := map[int64]int{}
		for _, id := range out {
			pos[id] = position(t, c, id)
		}
		slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(pos[a], pos[b]) })
		return out
	}
	before := line(l.c)
	l.stop()
	st.Close()

	st2 := open()
	l2 := startCenter(t, st2, Options{})
	after := line(l2.c)
	moved, most := 0, 0
	at := map[int64]int{}
	for i, id := range before {
		at[id] = i
	}
	for i, id := range after {
		if d := i - at[id]; d != 0 {
			moved++
			most = max(most, d, -d)
		}
	}
	if moved > 0 {
		t.Errorf("after the restart %d of %d waiting customers changed places (up to %d places)", moved, n, most)
	}
}
