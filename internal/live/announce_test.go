package live

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// TestAnnouncerBacklogAndBatches: past the backlog, announcements are
// dropped, counted and logged once; the queued ones are all stored when
// the announcer closes.
func TestAnnouncerBacklogAndBatches(t *testing.T) {
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 1, 0)
	ctx := testCtx(t)
	var ids []int64
	for range 3 {
		id, err := st.CreateInteraction(ctx, fx.tenant, model.Interaction{QueueID: fx.queue, Channel: model.ChannelChat, ArrivedAt: time.Now()})
		must(t, err, "create interaction")
		ids = append(ids, id)
	}
	var logs bytes.Buffer
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "dropped"})
	a := newAnnouncer(st, slog.New(slog.NewTextHandler(&logs, nil)), dropped)

	now := time.Now()
	for i, id := range ids {
		a.add(store.Announcement{TenantID: fx.tenant, InteractionID: id, Position: i + 1, EWTSeconds: 10 * (i + 1)}, now)
	}
	// Fill the backlog with announcements of contacts that do not exist.
	for i := len(ids); i < announceBacklog+5; i++ {
		a.add(store.Announcement{TenantID: fx.tenant, InteractionID: int64(1_000_000 + i), Position: 1}, now)
	}
	var m dto.Metric
	must(t, dropped.Write(&m), "read the counter")
	if n := m.GetCounter().GetValue(); n != 5 {
		t.Errorf("dropped %v, want 5", n)
	}
	if n := strings.Count(logs.String(), "announcements backlog full"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
	go a.run()
	a.close()
	for i, id := range ids {
		in, err := st.GetInteraction(ctx, fx.tenant, id)
		must(t, err, "get interaction")
		if in.AnnouncedPosition == nil || *in.AnnouncedPosition != i+1 || *in.AnnouncedEWTSeconds != 10*(i+1) {
			t.Errorf("interaction %d announced %v/%v", id, in.AnnouncedPosition, in.AnnouncedEWTSeconds)
		}
	}
	if strings.Contains(logs.String(), "store announcements") {
		t.Errorf("a batch failed:\n%s", logs.String())
	}
}
