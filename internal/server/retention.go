package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/plateau-cc/plateau/internal/store"
)

// retentionEvery is how often the retention job runs.
const retentionEvery = 24 * time.Hour

// retentionJob applies every tenant's retention (store.ApplyRetention:
// transcripts, customer details) and deletes the call recordings older
// than the tenant's recording_days.
type retentionJob struct {
	st         *store.Store
	recordings string // "": none
	now        func() time.Time
	log        *slog.Logger
}

// run applies the retention a minute after start, then every day, until
// ctx is done.
func (j *retentionJob) run(ctx context.Context) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := j.runOnce(ctx); err != nil && ctx.Err() == nil {
			j.log.Error("retention", "err", err)
		}
		t.Reset(retentionEvery)
	}
}

// runOnce applies every tenant's retention at j.now().
func (j *retentionJob) runOnce(ctx context.Context) error {
	now := j.now()
	tenants, err := j.st.ListTenants(ctx)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	for _, t := range tenants {
		r, err := j.st.GetRetention(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("retention of tenant %d: %w", t.ID, err)
		}
		got, err := j.st.ApplyRetention(ctx, r, now)
		if err != nil {
			return err
		}
		files, err := j.sweepRecordings(t.ID, now.AddDate(0, 0, -r.RecordingDays))
		if err != nil {
			return fmt.Errorf("retention of tenant %d's recordings: %w", t.ID, err)
		}
		if got != (store.Retained{}) || files > 0 {
			j.log.Info("audit: retention applied", "tenant", t.ID, "transcripts", got.Messages, "customers", got.Interactions, "recordings", files)
		}
	}
	return nil
}

// sweepRecordings deletes the tenant's recordings last written before.
func (j *retentionJob) sweepRecordings(tenantID int64, before time.Time) (int, error) {
	if j.recordings == "" {
		return 0, nil
	}
	files, err := filepath.Glob(filepath.Join(j.recordings, strconv.FormatInt(tenantID, 10), "*", "*.wav"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || !fi.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return n, err
		}
		n++
	}
	return n, nil
}
