package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestStmtCache: on SQLite a query is prepared once and reused, inside
// transactions (group-committed) as well; PostgreSQL has no cache.
func TestStmtCache(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		in := model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, Tier: "free", ArrivedAt: t0}
		id, err := s.CreateInteraction(ctx, f.tenant.ID, in)
		noErr(t, err, "create interaction")
		_, err = s.GetInteraction(ctx, f.tenant.ID, id)
		noErr(t, err, "get interaction")
		if s.dialect == Postgres {
			if s.stmts != nil {
				t.Fatal("PostgreSQL store has a statement cache")
			}
			return
		}
		n := s.stmts.len()
		if n == 0 {
			t.Fatal("no statement cached after a write and a read")
		}
		for i := range 20 {
			in.ArrivedAt = t0.Add(time.Duration(i) * time.Second)
			id, err := s.CreateInteraction(ctx, f.tenant.ID, in)
			noErr(t, err, "create interaction")
			_, err = s.GetInteraction(ctx, f.tenant.ID, id)
			noErr(t, err, "get interaction")
		}
		if got := s.stmts.len(); got != n {
			t.Errorf("%d statements cached after repeating the same calls, %d before", got, n)
		}
		const q = "SELECT id FROM queues WHERE tenant_id = ?"
		a, b := s.stmts.get(ctx, q), s.stmts.get(ctx, q)
		if a == nil || a != b {
			t.Errorf("the same query text gave statements %p and %p", a, b)
		}
	})
}

// TestStmtCacheNestedRowsInTx: inside a SQLite transaction, rows of a query
// stay open while the same query runs again on the same connection; each
// must read its own rows (one prepared statement cannot serve both). pgx
// has no such use (one result at a time per connection).
func TestStmtCacheNestedRowsInTx(t *testing.T) {
	s := openSQLiteForTest(t)
	{
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		_ = newFixture(t, s, "other")
		const q = "SELECT id FROM tenants WHERE id >= ? ORDER BY id"
		var outer, inner int
		err := s.inTx(ctx, func(c conn) error {
			rows, err := c.query(ctx, q, f.tenant.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				outer++
				in, err := c.query(ctx, q, id)
				if err != nil {
					return err
				}
				for in.Next() {
					inner++
				}
				if err := in.Close(); err != nil {
					return err
				}
			}
			return rows.Err()
		})
		noErr(t, err, "nested queries")
		if outer != 2 || inner != 3 {
			t.Errorf("outer rows %d, inner rows %d; want 2 and 3", outer, inner)
		}
	}
}

// TestStmtCacheClosed: after Close the store's statements are closed and
// no new one is cached.
func TestStmtCacheClosed(t *testing.T) {
	s := openSQLiteForTest(t)
	_ = newFixture(t, s, "acme")
	if s.stmts.len() == 0 {
		t.Fatal("nothing cached")
	}
	noErr(t, s.Close(), "close")
	if n := s.stmts.len(); n != 0 {
		t.Errorf("%d statements left after Close", n)
	}
	if st := s.stmts.get(context.Background(), "SELECT 1"); st != nil {
		t.Error("a statement was cached after Close")
	}
}

// BenchmarkStoreChatContact is the store's share of a chat contact (create,
// read back, a message), with the statement cache and without it.
func BenchmarkStoreChatContact(b *testing.B) {
	for _, mode := range []string{"cached", "unprepared"} {
		b.Run(mode, func(b *testing.B) {
			s := openSQLiteForTest(b)
			if mode == "unprepared" {
				s.stmts = nil
			}
			ctx := testCtx(b)
			f := newFixture(b, s, "acme")
			in := model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, Tier: "free", ArrivedAt: t0}
			for b.Loop() {
				id, err := s.CreateInteraction(ctx, f.tenant.ID, in)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.GetInteraction(ctx, f.tenant.ID, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSQLiteKeepsIdleConns: concurrent readers' connections (each with its
// prepared statements) stay in the pool instead of being closed after the
// burst and opened again for the next.
func TestSQLiteKeepsIdleConns(t *testing.T) {
	s := openSQLiteForTest(t)
	ctx := testCtx(t)
	f := newFixture(t, s, "acme")
	id, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, Tier: "free", ArrivedAt: t0})
	noErr(t, err, "create interaction")
	for range 5 {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 20 {
					if _, err := s.GetInteraction(ctx, f.tenant.ID, id); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}
	if st := s.db.Stats(); st.MaxIdleClosed != 0 {
		t.Errorf("%d connections closed for exceeding the idle limit (%d opened)", st.MaxIdleClosed, st.OpenConnections)
	}
}
