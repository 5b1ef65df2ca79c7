package live

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

func TestChatEntryCache(t *testing.T) {
	ctx := testCtx(t)
	st := openSQLite(t, filepath.Join(t.TempDir(), "e.db"))
	fx := seed(t, st, 1, 0)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c, err := New(ctx, st, Options{Now: func() time.Time { return now }})
	must(t, err, "new center")

	ep, err := c.resolveChatEntry(ctx, entryAddress)
	must(t, err, "resolve")
	if ep.QueueID != fx.queue {
		t.Fatalf("entry point goes to queue %d, want %d", ep.QueueID, fx.queue)
	}
	// Repoint the entry point to a new queue: the cache answers for entryTTL.
	q2, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "other", Channel: model.ChannelChat, SLTargetPct: 80,
		SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	must(t, err, "queue")
	ep.QueueID = q2.ID
	must(t, st.UpdateEntryPoint(ctx, fx.tenant, ep), "update entry point")
	now = now.Add(entryTTL - time.Millisecond)
	if got, _ := c.resolveChatEntry(ctx, entryAddress); got.QueueID != fx.queue {
		t.Fatalf("within the TTL: queue %d, want the cached %d", got.QueueID, fx.queue)
	}
	now = now.Add(time.Millisecond)
	if got, _ := c.resolveChatEntry(ctx, entryAddress); got.QueueID != q2.ID {
		t.Fatalf("after the TTL: queue %d, want %d", got.QueueID, q2.ID)
	}
	if _, err := c.resolveChatEntry(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown entry: %v", err)
	}
}
