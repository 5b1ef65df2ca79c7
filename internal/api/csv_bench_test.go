package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// discard is a ResponseWriter that counts and drops the body.
type discard struct {
	h     http.Header
	bytes atomic.Int64
	lines atomic.Int64
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(int)     {}
func (d *discard) Write(p []byte) (int, error) {
	d.bytes.Add(int64(len(p)))
	d.lines.Add(int64(bytes.Count(p, []byte{'\n'})))
	return len(p), nil
}

// BenchmarkContactsCSV streams every contact of a month as CSV through the
// API (GET .../interactions?format=csv), reporting rows per second and the
// largest growth of the Go heap during the export, beside the heap before.
// PLATEAU_BENCH_CONTACTS sets the size (1,000,000 by default).
// go test -run '^$' -bench ContactsCSV -benchtime 1x ./internal/api
//
// PLATEAU_BENCH_CSV_DB, a SQLite file or a postgres:// DSN, runs that one
// backend on a database kept between runs: seeded on the first run (the
// tenant "bench"), reused as it is when it holds n contacts.
func BenchmarkContactsCSV(b *testing.B) {
	n := storetest.BenchContacts(1_000_000)
	if dsn := os.Getenv("PLATEAU_BENCH_CSV_DB"); dsn != "" {
		b.Run("kept", func(b *testing.B) {
			st, err := store.Open(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			benchCSV(b, st, n)
		})
		return
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			st := storetest.SQLite(b)
			if backend == "postgres" {
				st = storetest.Postgres(b)
			}
			benchCSV(b, st, n)
		})
	}
}

func benchCSV(b *testing.B, st *store.Store, n int) {
	ctx := context.Background()
	if ten, err := st.GetTenantBySlug(ctx, "bench"); err == nil {
		benchCSVRun(b, st, ten.ID, n)
		return
	}
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "bench", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: "q", Channel: model.ChannelChat, SLTargetPct: 80, SLThresholdSeconds: 20,
		Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]store.PastContact, 0, 10_000)
	for i := range n {
		arrive := start.Add(time.Duration(i) * (30 * 24 * time.Hour / time.Duration(n)))
		ans, end := arrive.Add(15*time.Second), arrive.Add(4*time.Minute)
		qid := q.ID
		batch = append(batch, store.PastContact{
			Interaction: model.Interaction{QueueID: qid, Channel: model.ChannelChat, ArrivedAt: arrive, AnsweredAt: &ans, EndedAt: &end,
				EndedReason: model.EndAnswered, Customer: model.Customer{Name: "Client " + strconv.Itoa(i%5000), Email: fmt.Sprintf("c%d@example.org", i%5000)}},
			Segments: []model.Segment{{Kind: model.SegQueued, QueueID: &qid, StartedAt: arrive, EndedAt: &ans},
				{Kind: model.SegConnected, QueueID: &qid, StartedAt: ans, EndedAt: &end, Billable: true}},
		})
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.ImportPastContacts(ctx, ten.ID, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.Logf("seeded %d contacts", n)
	benchCSVRun(b, st, ten.ID, n)
}

// benchCSVRun streams the tenant's November as CSV, which must hold n contacts.
func benchCSVRun(b *testing.B, st *store.Store, tid int64, n int) {
	ctx := context.Background()
	_, token, err := st.CreateToken(ctx, &tid, "bench")
	if err != nil {
		b.Fatal(err)
	}
	a := New(st, Options{Logger: slog.New(slog.DiscardHandler)})
	path := fmt.Sprintf("/api/v1/tenants/%d/interactions?from=2026-11-01&to=2026-11-30&format=csv", tid)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}()
		w := &discard{h: http.Header{}}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		began := time.Now()
		a.Handler().ServeHTTP(w, req)
		took := time.Since(began)
		close(stop)
		<-done
		if rows := w.lines.Load() - 1; rows != int64(n) {
			b.Fatalf("%d rows, want %d", rows, n)
		}
		b.ReportMetric(float64(n)/took.Seconds(), "rows/s")
		b.ReportMetric(float64(int64(peak.Load())-int64(before.HeapAlloc))/1e6, "MB-heap-growth")
		b.ReportMetric(float64(before.HeapAlloc)/1e6, "MB-heap-before")
	}
}
